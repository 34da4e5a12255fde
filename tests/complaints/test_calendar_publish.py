"""The calendar never silently runs out: a head-office admin pastes the year's notice, previews it as
month grids, saves it (audited), and every provisional complaint deadline in that year is counted again
on the real calendar, its handling task's due moved, its handlers told. A typo saves nothing."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from tests.complaints.conftest import at, open_task, reload
from tests.core.test_holiday_notice import NOTICE_2026
from xiaobao.core import error_codes as codes
from xiaobao.core import services
from xiaobao.core.api_errors import BusinessRuleError
from xiaobao.core.models import AuditEntry, CalendarDay, CalendarYear, Notification

URL = "/core/calendar/notice/"


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_preview_shows_the_year_and_saves_nothing(people, no_2026):
    response = _client(people.hq_admin).post(URL, {"year": 2026, "text": NOTICE_2026, "preview": "1"})
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="notice-confirm"' in page
    assert 'data-date="2026-10-07" data-kind="holiday" data-change="added"' in page
    assert 'data-date="2026-10-10" data-kind="workday" data-change="added"' in page
    assert not CalendarDay.objects.filter(date__year=2026).exists()


def test_confirming_saves_the_year_audited(people, no_2026):
    response = _client(people.hq_admin).post(URL, {"year": 2026, "text": NOTICE_2026, "confirm": "1"})
    assert response.status_code == 302
    days = dict(CalendarDay.objects.filter(date__year=2026).values_list("date", "kind"))
    assert days[date(2026, 2, 23)] == "holiday" and days[date(2026, 2, 28)] == "workday"
    assert len(days) == 33 + 6  # 3+9+3+5+3+3+7 days off, six 调休 Saturdays and Sundays
    assert CalendarYear.objects.get(year=2026).complete
    entry = AuditEntry.objects.get(action="calendar.publish_notice")
    assert entry.actor_id == people.hq_admin.pk and len(entry.changes["added"]) == len(days)


def test_a_notice_with_a_typo_is_refused_line_by_line_and_nothing_is_saved(people, no_2026):
    typo = NOTICE_2026.replace("5月9日（周六）上班", "5月9日（周日）上班")
    response = _client(people.hq_admin).post(URL, {"year": 2026, "text": typo, "confirm": "1"})
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="notice-problem"' in page and "5月9日（周日）上班" in page
    assert not CalendarDay.objects.filter(date__year=2026).exists()
    assert not CalendarYear.objects.filter(year=2026).exists()
    with pytest.raises(BusinessRuleError) as refused:
        services.calendar_publish_notice(year=2026, text=typo, actor=people.hq_admin)
    assert refused.value.error_code == codes.NOTICE_UNREADABLE
    line = next(n for n, text in enumerate(typo.splitlines(), 1) if "5月9日（周日）" in text)
    assert [entry.split(":")[0] for entry in refused.value.fields["lines"]] == [str(line)]


def test_only_a_head_office_calendar_admin_may_publish(people, no_2026):
    assert _client(people.officer_a).get(URL).status_code == 403
    assert _client(people.officer_a).post(URL, {"year": 2026, "text": NOTICE_2026, "confirm": "1"}).status_code == 403
    with pytest.raises(BusinessRuleError) as refused:
        services.calendar_publish_notice(year=2026, text=NOTICE_2026, actor=people.officer_a)
    assert refused.value.error_code == codes.NOTICE_NOT_ALLOWED
    assert not CalendarYear.objects.filter(year=2026).exists()


def test_publishing_the_year_recounts_provisional_deadlines_and_tells_the_handlers(people, register, no_2026):
    # received Saturday 2026-09-19: 15 days end Sunday 10-04. Without the schedule: next Monday, 10-05,
    # provisional. With it: 10-04 is inside 国庆 (10-01..10-07), so the next working day, Thursday 10-08.
    moment = at(2026, 9, 19, 11, 0)
    complaint = register(received_at=at(2026, 9, 19, 10, 0), now=moment)
    assert (complaint.due_at.date(), complaint.due_provisional) == (date(2026, 10, 5), True)
    settled = register(received_at=at(2025, 3, 3, 10, 0), now=at(2025, 3, 3, 11, 0), policy_number="P2")
    settled_due = settled.due_at
    services.calendar_publish_notice(year=2026, text=NOTICE_2026, actor=people.hq_admin, now=moment)
    complaint = reload(complaint)
    assert (complaint.due_at.date(), complaint.due_provisional) == (date(2026, 10, 8), False)
    assert reload(settled).due_at == settled_due
    task = open_task(complaint, "accept") or open_task(complaint, "handle")
    assert task is not None
    told = Notification.objects.filter(kind__endswith="due_recounted")
    assert told.filter(recipient=people.officer_a).exists()
    assert AuditEntry.objects.filter(action="complaint.recount_due", object_id=str(complaint.pk)).exists()
    # publishing the same notice again changes nothing and tells nobody again
    before = told.count()
    services.calendar_publish_notice(year=2026, text=NOTICE_2026, actor=people.hq_admin, now=moment)
    assert told.count() == before


def test_a_recount_keeps_the_days_a_mediation_left_out(people, register, no_2026):
    # received Saturday 2026-09-19; mediation 09-21 → 10-01 leaves 10 days out (第二十三条): 15 days from
    # receipt end 10-04, plus 10 = Wednesday 10-14, a working day on either calendar. Counting again from
    # receipt alone (without the stop) would give 10-08, so a recount that forgot the clock events shows.
    from tests.complaints.test_clock import resume, stop

    complaint = register(received_at=at(2026, 9, 19, 10, 0), now=at(2026, 9, 19, 11, 0))
    stop(complaint, people.officer_a, started=at(2026, 9, 21, 10, 0), now=at(2026, 9, 21, 11, 0))
    resume(complaint, people.officer_a, ended=at(2026, 10, 1, 16, 0), now=at(2026, 10, 1, 17, 0))
    assert reload(complaint).due_provisional
    services.calendar_publish_notice(year=2026, text=NOTICE_2026, actor=people.hq_admin, now=at(2026, 10, 1, 18, 0))
    complaint = reload(complaint)
    assert (complaint.due_at.date(), complaint.due_provisional) == (date(2026, 10, 14), False)
