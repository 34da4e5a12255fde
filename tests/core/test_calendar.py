"""The working-day calendar: seeded from chinese-calendar, editable, and the deadline arithmetic."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xiaobao.core import services
from xiaobao.core.models import AuditEntry, CalendarDay, CalendarYear, Notification
from xiaobao.core.workdays import Calendar, due

# --- seeding -----------------------------------------------------------------------------


def test_migrate_seeds_the_years_the_package_covers(db):
    years = set(CalendarYear.objects.values_list("year", flat=True))
    assert {2020, 2024, 2025, 2026} <= years
    assert 2027 not in years  # the package ends at 2026; 2027 is published in November 2026


def test_the_seed_knows_the_spring_festival_and_its_tiaoxiu_days(db):
    # 2025: 春节 Jan 28 – Feb 4 off; Sunday Jan 26 and Saturday Feb 8 are working days (国办发明电〔2024〕12号).
    assert CalendarDay.objects.get(date=date(2025, 1, 29)).kind == CalendarDay.Kind.HOLIDAY
    assert CalendarDay.objects.get(date=date(2025, 1, 29)).name == "春节"
    assert CalendarDay.objects.get(date=date(2025, 1, 26)).kind == CalendarDay.Kind.WORKDAY
    calendar = Calendar.load()
    assert calendar.is_working_day(date(2025, 1, 26))  # a Sunday, but 调休
    assert not calendar.is_working_day(date(2025, 1, 29))  # a Wednesday, but 春节


def test_seeding_again_enters_nothing_and_keeps_admin_edits(db):
    day = CalendarDay.objects.get(date=date(2025, 10, 8))
    day.name = "国庆节（行政调整）"
    day.save()
    assert services.calendar_seed_from_package() == []
    assert CalendarDay.objects.get(date=date(2025, 10, 8)).name == "国庆节（行政调整）"


def test_a_missing_year_is_seeded_with_one_audit_row(db):
    CalendarDay.objects.filter(date__year=2024).delete()
    CalendarYear.objects.filter(year=2024).delete()
    audited = AuditEntry.objects.filter(action="calendar.seed", object_repr="2024").count()
    assert services.calendar_seed_from_package(years={2024}) == [2024]
    assert CalendarDay.objects.filter(date__year=2024, kind=CalendarDay.Kind.HOLIDAY).count() >= 20
    assert AuditEntry.objects.filter(action="calendar.seed", object_repr="2024").count() == audited + 1


# --- coverage alert ----------------------------------------------------------------------


def test_in_november_a_missing_next_year_alerts_the_system_administrators_once(cast):
    from tests.helpers import make_user

    admin = make_user("sysadmin_1", cast.hq, "sysadmin", "王建国")
    assert services.calendar_check_coverage(today=date(2026, 11, 25)) == [2027]
    assert services.calendar_check_coverage(today=date(2026, 11, 26)) == [2027]
    alerts = Notification.objects.filter(kind="calendar.missing_year")
    assert [(n.recipient, "2027" in n.title) for n in alerts] == [(admin, True)]
    assert not Notification.objects.filter(recipient=cast.officer_a).exists()


def test_before_november_next_year_is_not_yet_expected(cast):
    assert services.calendar_check_coverage(today=date(2026, 10, 31)) == []


def test_deadlines_into_a_missing_year_are_provisional(db):
    assert due(date(2026, 12, 28), 15).provisional is True
    assert due(date(2026, 3, 2), 15).provisional is False


# --- arithmetic (property-based) -----------------------------------------------------------

START = date(2024, 1, 1)
dates = st.dates(min_value=START, max_value=date(2027, 12, 31))
day_sets = st.sets(st.dates(min_value=START, max_value=date(2028, 6, 30)), max_size=60)


@st.composite
def calendars(draw):
    holidays = draw(day_sets)
    workdays = draw(day_sets) - holidays
    known = draw(st.sets(st.integers(2024, 2028)))
    return Calendar(holidays, workdays, known)


@settings(max_examples=300, deadline=None)
@given(calendars(), dates, st.integers(min_value=0, max_value=60))
def test_n_working_days_later_is_a_working_day_with_exactly_n_working_days_between(calendar, start, n):
    end = calendar.add_working_days(start, n).date
    assert calendar.is_working_day(end)
    if n > 0:
        assert end > start
        assert calendar.working_days_between(start, end) == n
        # the day before the deadline still had fewer than n working days
        assert calendar.working_days_between(start, end - timedelta(days=1)) == n - 1


@settings(max_examples=300, deadline=None)
@given(calendars(), dates, st.integers(min_value=0, max_value=60))
def test_working_day_deadlines_never_move_earlier_as_n_grows(calendar, start, n):
    assert calendar.add_working_days(start, n).date <= calendar.add_working_days(start, n + 1).date


@settings(max_examples=300, deadline=None)
@given(calendars(), dates, st.integers(min_value=0, max_value=90))
def test_calendar_days_end_on_the_next_working_day_on_or_after_start_plus_n(calendar, start, n):
    end = calendar.add_calendar_days(start, n).date
    plain = start + timedelta(days=n)
    assert end >= plain
    assert calendar.is_working_day(end)
    assert all(not calendar.is_working_day(plain + timedelta(days=i)) for i in range((end - plain).days))


@settings(max_examples=200, deadline=None)
@given(calendars(), dates, st.integers(min_value=1, max_value=60))
def test_a_deadline_is_provisional_exactly_when_it_reaches_a_year_without_a_schedule(calendar, start, n):
    deadline = calendar.add_working_days(start, n)
    years = {start.year + i for i in range(deadline.date.year - start.year + 1)}
    assert deadline.provisional == (not years <= calendar.known_years)


@settings(max_examples=100, deadline=None)
@given(calendars(), dates, dates)
def test_working_days_between_is_antisymmetric(calendar, a, b):
    assert calendar.working_days_between(a, b) == -calendar.working_days_between(b, a)


def test_negative_day_counts_are_refused():
    calendar = Calendar(set(), set(), set())
    with pytest.raises(ValueError):
        calendar.add_working_days(START, -1)
    with pytest.raises(ValueError):
        calendar.add_calendar_days(START, -1)


def test_fifteen_days_over_national_day_2025(db):
    # Received Tue 2025-09-30. 国庆/中秋 2025: Oct 1–8 off, Sat Oct 11 a 调休 working day. Working days
    # after 9/30: Oct 9, 10, 11 (3), Oct 13–17 (5), Oct 20–24 (5) = 13, then Oct 27, 28: the 15th is Tue Oct 28.
    assert due(date(2025, 9, 30), 15).date == date(2025, 10, 28)
    # Calendar days: 9/30 + 15 = 10/15 (Wed, a working day).
    assert due(date(2025, 9, 30), 15, "calendar").date == date(2025, 10, 15)
    # Calendar days ending inside the holiday move to the next working day (民法典 Art. 203): 9/30 + 3 = 10/3 -> 10/9.
    assert due(date(2025, 9, 30), 3, "calendar").date == date(2025, 10, 9)
