"""Working-day calendar: deadlines in working days or calendar days.

Counting follows the Civil Code (民法典 Art. 201: the day the period starts is not counted;
Art. 203: a period whose last day is a public holiday ends on the next working day, and the
last day ends at 24:00). Days off are weekends plus `CalendarDay` holidays; `CalendarDay`
working days (调休) are working days even on a weekend. A year with no entered schedule
(`CalendarYear` missing) counts weekends only and the result is marked provisional.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from django.utils import timezone

from xiaobao.core.models import CalendarDay, CalendarYear


class DayUnit(StrEnum):
    WORKING = "working"
    CALENDAR = "calendar"


@dataclass(frozen=True)
class Deadline:
    """A due moment: the end (24:00, i.e. 23:59:59.999999 local) of `date`."""

    date: date
    provisional: bool

    @property
    def at(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.date, time.max))


class Calendar:
    """A snapshot of the calendar tables; cheap to build, used for many computations."""

    def __init__(self, holidays: set[date], workdays: set[date], known_years: set[int]):
        self.holidays = holidays
        self.workdays = workdays
        self.known_years = known_years

    @classmethod
    def load(cls) -> Calendar:
        holidays, workdays = set(), set()
        for day, kind in CalendarDay.objects.values_list("date", "kind"):
            (holidays if kind == CalendarDay.Kind.HOLIDAY else workdays).add(day)
        years = set(CalendarYear.objects.filter(complete=True).values_list("year", flat=True))
        return cls(holidays, workdays, years)

    def is_working_day(self, day: date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5

    def is_known(self, day: date) -> bool:
        return day.year in self.known_years

    def next_working_day(self, day: date) -> date:
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def add_working_days(self, start: date, days: int) -> Deadline:
        """The `days`-th working day after `start` (start itself not counted)."""
        if days < 0:
            raise ValueError("days must be >= 0")
        day, counted, provisional = start, 0, not self.is_known(start)
        if days == 0:
            return Deadline(self.next_working_day(start), provisional)
        while counted < days:
            day += timedelta(days=1)
            provisional = provisional or not self.is_known(day)
            if self.is_working_day(day):
                counted += 1
        return Deadline(day, provisional)

    def add_calendar_days(self, start: date, days: int) -> Deadline:
        """`start` + `days`; a last day that is not a working day moves to the next working day."""
        if days < 0:
            raise ValueError("days must be >= 0")
        end = start + timedelta(days=days)
        moved = self.next_working_day(end)
        provisional = not (self.is_known(start) and self.is_known(end) and self.is_known(moved))
        return Deadline(moved, provisional)

    def add(self, start: date, days: int, unit: DayUnit | str) -> Deadline:
        unit = DayUnit(unit)
        return self.add_working_days(start, days) if unit is DayUnit.WORKING else self.add_calendar_days(start, days)

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end` (negative if end < start)."""
        if end < start:
            return -self.working_days_between(end, start)
        return sum(1 for i in range(1, (end - start).days + 1) if self.is_working_day(start + timedelta(days=i)))


def _local_date(moment: date | datetime) -> date:
    if isinstance(moment, datetime):
        return timezone.localtime(moment).date() if timezone.is_aware(moment) else moment.date()
    return moment


def due(
    start: date | datetime, days: int, unit: DayUnit | str = DayUnit.WORKING, *, calendar: Calendar | None = None
) -> Deadline:
    """The deadline `days` working or calendar days after `start` (a date or an aware datetime)."""
    return (calendar or _current()).add(_local_date(start), days, unit)


def is_working_day(day: date, *, calendar: Calendar | None = None) -> bool:
    return (calendar or _current()).is_working_day(day)


def _current() -> Calendar:
    from xiaobao.core import calendar_cache  # it imports this module

    return calendar_cache.current()
