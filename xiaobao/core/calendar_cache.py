"""The working-day calendar as deadlines see it: loaded once per process, not once per deadline.

The calendar tables change a few times a year (the holiday schedule is entered each November),
while every workflow step, work order, complaint and review that sets a due time needs the whole
calendar (12 ms a load: the demo's reviews spent most of their time there). A save or delete of a CalendarDay
or CalendarYear in this process drops the cached copy; other processes (web workers, the Celery
worker) pick the change up within MAX_AGE seconds. While this thread's transaction holds an
uncommitted calendar edit, nothing is cached: a copy read inside it could outlive a rollback. That
transaction is recognised by its outermost atomic block, so once it has ended — committed or rolled
back — caching resumes (a rollback has no hook to tell us; the block simply is no longer there).
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
_local = threading.local()  # .edit_block: the outermost atomic block holding an uncommitted edit


def _in_edit_transaction() -> bool:
    block = getattr(_local, "edit_block", None)
    if block is None:
        return False
    if connection.in_atomic_block and connection.atomic_blocks and connection.atomic_blocks[0] is block:
        return True
    _local.edit_block = None  # that transaction is over
    return False


def current() -> Calendar:
    """The calendar for deadlines: the cached copy if it is fresh, else loaded (and cached when safe)."""
    global _cached
    if _in_edit_transaction():
        return Calendar.load()
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
    _local.edit_block = None
    forget()


def _edited(**kwargs) -> None:
    forget()
    if connection.in_atomic_block and connection.atomic_blocks:
        _local.edit_block = connection.atomic_blocks[0]
        transaction.on_commit(_committed)


for _model in (CalendarDay, CalendarYear):
    post_save.connect(_edited, sender=_model, dispatch_uid=f"xiaobao.core.calendar.save.{_model.__name__}")
    post_delete.connect(_edited, sender=_model, dispatch_uid=f"xiaobao.core.calendar.delete.{_model.__name__}")
