"""core.calendar_cache: a cached calendar never outlives a change another process made (issue 23's merge decision)."""

from datetime import date

import pytest

from xiaobao.core import calendar_cache
from xiaobao.core.models import CalendarDay, CalendarYear

pytestmark = pytest.mark.django_db

# 2026-12-09 is a Wednesday with no entry in any shipped schedule
PLAIN_WEDNESDAY = date(2026, 12, 9)


@pytest.fixture(autouse=True)
def fresh():
    calendar_cache.forget()
    yield
    calendar_cache.forget()


def test_a_holiday_written_without_signals_is_seen_at_the_next_deadline():
    assert calendar_cache.current().is_working_day(PLAIN_WEDNESDAY)
    # what another process's bulk write looks like from here: rows changed, no signal in this process
    CalendarDay.objects.bulk_create([CalendarDay(date=PLAIN_WEDNESDAY, kind=CalendarDay.Kind.HOLIDAY, name="测试")])
    assert not calendar_cache.current().is_working_day(PLAIN_WEDNESDAY)


def test_a_days_kind_changed_in_place_is_seen():
    CalendarDay.objects.bulk_create([CalendarDay(date=PLAIN_WEDNESDAY, kind=CalendarDay.Kind.HOLIDAY, name="测试")])
    assert not calendar_cache.current().is_working_day(PLAIN_WEDNESDAY)
    CalendarDay.objects.filter(date=PLAIN_WEDNESDAY).update(kind=CalendarDay.Kind.WORKDAY)
    assert calendar_cache.current().is_working_day(PLAIN_WEDNESDAY)


def test_a_year_marked_complete_changes_the_fingerprint_and_an_unchanged_calendar_is_reused():
    first = calendar_cache.current()
    assert calendar_cache.current() is first  # nothing changed: the same copy, no reload
    before = calendar_cache.fingerprint()
    CalendarYear.objects.update_or_create(year=2031, defaults={"complete": False})
    after = calendar_cache.fingerprint()
    assert after != before
    assert calendar_cache.current() is not first
