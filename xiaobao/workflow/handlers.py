"""Service-task handlers: plain functions other apps register by name (in their AppConfig.ready).

A handler gets the instance, the task data and the step's time (`now`, injectable in tests) and
returns a dict merged into the data (or None).
It runs inside the step's transaction, so an exception undoes the whole step.
"""

from __future__ import annotations

from collections.abc import Callable

Handler = Callable[..., dict | None]
_HANDLERS: dict[str, Handler] = {}


def register(name: str, handler: Handler) -> None:
    _HANDLERS[name] = handler


def get(name: str) -> Handler | None:
    return _HANDLERS.get(name)


def registered() -> list[str]:
    return sorted(_HANDLERS)


def _noop(*, instance, data, now):
    return None


register("xiaobao.noop", _noop)
