"""Names for codes an app keeps and an app below it shows (issue 21: "indicator codes appear as names").

A plan's goal stores an indicator's code, but plans sit below indicators and may not import them (DESIGN.md's
layers). The app that owns a code table registers, in its AppConfig.ready(), how to turn codes into names —
one query for the whole page — and the pages below ask here. A code nobody can name stays as it is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

_RESOLVERS: dict[str, Callable[[set], dict]] = {}

INDICATOR = "indicator"


def register(kind: str, resolver: Callable[[set], dict]) -> None:
    """`resolver(codes) -> {code: name}` for one kind of code (e.g. INDICATOR)."""
    _RESOLVERS[kind] = resolver


def names(kind: str, codes: Iterable) -> dict:
    """{code: name} for the codes the owning app can name (empty when none registered)."""
    wanted = {str(code) for code in codes if code}
    resolver = _RESOLVERS.get(kind)
    return resolver(wanted) if resolver and wanted else {}
