"""The working-day calendar as deadlines see it: loaded once per process, not once per deadline.

The calendar tables change a few times a year (the holiday schedule is entered each November),
while every workflow step, work order, complaint and review that sets a due time needs the whole
calendar (12 ms a load: the demo's reviews spent most of their time there). Each use checks a fingerprint of the
calendar rows (one aggregate over the two small tables, a fraction of a millisecond): a holiday schedule published
or a day's kind changed by any process — web worker, Celery worker, a bulk write that sends no signal — is seen at
the next deadline, so a statutory deadline is never counted on a calendar another process has already replaced. A
save or delete in this process also drops the copy at once, and a copy is reloaded after MAX_AGE seconds whatever
its fingerprint (a day's date edited in place, which the fingerprint does not see). While this thread's transaction holds an
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
_cached: tuple[float, tuple, Calendar] | None = None
_local = threading.local()  # .edit_block: the outermost atomic block holding an uncommitted edit


def _in_edit_transaction() -> bool:
    block = getattr(_local, "edit_block", None)
    if block is None:
        return False
    if connection.in_atomic_block and connection.atomic_blocks and connection.atomic_blocks[0] is block:
        return True
    _local.edit_block = None  # that transaction is over
    return False


def fingerprint() -> tuple:
    """What a calendar copy depends on: how many days and years there are, the newest of each, and which days are
    holidays and which worked weekends, and which years are complete (sums of ids and years by kind).

    One plain statement, not two ORM aggregates: it runs before every deadline, and compiling the aggregates cost
    ten times what the database spends on them (a tenth of the demo's load went there)."""
    day, year = CalendarDay._meta, CalendarYear._meta
    sql = (
        "SELECT COUNT(*), MAX(id), SUM(CASE WHEN kind = %s THEN id ELSE 0 END), "  # noqa: S608 - table names only
        "SUM(CASE WHEN kind = %s THEN id ELSE 0 END), "
        f"(SELECT COUNT(*) FROM {year.db_table}), (SELECT MAX(id) FROM {year.db_table}), "
        f"(SELECT SUM(CASE WHEN complete = %s THEN year ELSE 0 END) FROM {year.db_table}) "
        f"FROM {day.db_table}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [CalendarDay.Kind.HOLIDAY, CalendarDay.Kind.WORKDAY, True])
        return tuple(cursor.fetchone())


def current() -> Calendar:
    """The calendar for deadlines: the cached copy while the calendar rows are as it was read from, else loaded
    (and cached when safe)."""
    global _cached
    if _in_edit_transaction():
        return Calendar.load()
    mark = fingerprint()
    found = _cached
    if found is not None and found[1] == mark and time.monotonic() - found[0] < MAX_AGE:
        return found[2]
    loaded = Calendar.load()
    with _lock:
        _cached = (time.monotonic(), mark, loaded)
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
