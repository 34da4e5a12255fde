"""The working-day calendar as the engine steps see it: loaded once per process, not once per step.

The calendar tables change a few times a year (the holiday schedule is entered each November),
while every step that sets a due time needs the whole calendar. A save or delete of a CalendarDay
or CalendarYear in this process drops the cached copy; other processes (web workers, the Celery
worker) pick the change up within MAX_AGE seconds. While this process has an uncommitted calendar
edit, nothing is cached: a copy read inside that transaction could outlive a rollback.
"""

from __future__ import annotations

import threading
import time

from django.db import connection, transaction
from django.db.models.signals import post_delete, post_save

from xiaobao.core.models import CalendarDay, CalendarYear
from xiaobao.core.workdays import Calendar

MAX_AGE = 60.0

_lock = threading.Lock()
_cached: tuple[float, Calendar] | None = None
_uncommitted_edit = False


def current() -> Calendar:
    """The calendar for deadlines: the cached copy if it is fresh, else loaded (and cached when safe)."""
    global _cached, _uncommitted_edit
    if _uncommitted_edit:
        if connection.in_atomic_block:
            return Calendar.load()
        _uncommitted_edit = False  # that transaction ended without committing (a commit clears it itself)
    found = _cached
    if found is not None and time.monotonic() - found[0] < MAX_AGE:
        return found[1]
    loaded = Calendar.load()
    with _lock:
        _cached = (time.monotonic(), loaded)
    return loaded


def forget() -> None:
    global _cached
    with _lock:
        _cached = None


def _committed() -> None:
    global _uncommitted_edit
    _uncommitted_edit = False
    forget()


def _edited(**kwargs) -> None:
    global _uncommitted_edit
    forget()
    if connection.in_atomic_block:
        _uncommitted_edit = True
        transaction.on_commit(_committed)


for _model in (CalendarDay, CalendarYear):
    post_save.connect(_edited, sender=_model, dispatch_uid=f"xiaobao.workflow.calendar.save.{_model.__name__}")
    post_delete.connect(_edited, sender=_model, dispatch_uid=f"xiaobao.workflow.calendar.delete.{_model.__name__}")
