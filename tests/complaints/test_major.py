"""重大消费投诉 (第二十九条) apart from the internal group flag, and 按时办结率 by the deadline in force."""

from __future__ import annotations

import pytest

from tests.complaints.conftest import NOW, at, decide, reload
from xiaobao.complaints import error_codes as codes
from xiaobao.complaints import major, selectors, services
from xiaobao.complaints.models import Complaint, ComplaintRule, MajorReport
from xiaobao.core.api_errors import BusinessRuleError
from xiaobao.core.models import AuditEntry, Notification


@pytest.fixture
def as_user():
    from django.test import Client

    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.mark.parametrize("event", ["disaster", "accident", "public_health"])
def test_a_complaint_arising_from_a_major_event_is_major_and_reported_at_once(people, register, event):
    complaint = register(major_event=event)
    assert (complaint.is_major, complaint.major_reasons, complaint.is_group) == (True, [event], False)
    report = MajorReport.objects.get(complaint=complaint)
    assert report.reported_at == NOW and report.recipients == [people.hq_admin.pk]
    assert reload(complaint).major_reported_at == NOW
    note = Notification.objects.get(kind="complaints.major")
    assert (note.recipient, note.level) == (people.hq_admin, "urgent")
    assert AuditEntry.objects.filter(action="complaint.report_major", object_id=str(complaint.pk)).exists()


def test_twenty_complainants_in_person_are_major_and_nineteen_are_not(register):
    twenty = register(channel=Complaint.Channel.COUNTER, complainant_count=20, complainant_phone="13700000001")
    assert twenty.is_major and "joint_in_person" in twenty.major_reasons
    assert twenty.is_group  # and the internal flag too, counted apart
    nineteen = register(channel=Complaint.Channel.COUNTER, complainant_count=19, complainant_phone="13700000002")
    assert not nineteen.is_major and nineteen.is_group
    by_phone = register(channel=Complaint.Channel.HOTLINE, complainant_count=25, complainant_phone="13700000003")
    assert not by_phone.is_major  # not in person


def test_an_unknown_event_kind_is_refused(register):
    with pytest.raises(BusinessRuleError) as caught:
        register(major_event="earthquake-ish")
    assert caught.value.error_code == codes.MAJOR_EVENT_INVALID
    assert not Complaint.objects.exists()


def test_the_regulator_designates_a_complaint_major_with_its_reference(people, handling):
    with pytest.raises(BusinessRuleError) as caught:
        major.complaint_designate_major(complaint=handling, actor=people.officer_a, designation_ref=" ", now=NOW)
    assert caught.value.error_code == codes.DESIGNATION_REF_REQUIRED
    major.complaint_designate_major(
        complaint=handling, actor=people.officer_a, designation_ref="京金监消保〔2025〕12号", now=NOW
    )
    complaint = reload(handling)
    assert complaint.is_major and complaint.major_reasons == ["regulator_designated"]
    assert MajorReport.objects.filter(complaint=complaint).count() == 1


def test_every_major_case_links_the_emergency_plan_or_says_it_is_missing(people, register, as_user):
    complaint = register(major_event="disaster")
    html = as_user(people.hq_admin).get(complaint.get_absolute_url()).content.decode()
    assert 'data-testid="emergency-plan-missing"' in html  # no plan under XB-YJ-TS-001 yet
    ComplaintRule.objects.filter(code="major.emergency_plan").update(value={"number": ""})
    assert major.emergency_plan()["url"] == ""


def test_statistics_count_major_and_the_internal_group_apart(people, register):
    register(major_event="accident", complainant_phone="13700000011")
    register(complainant_count=6, complainant_phone="13700000012", policy_number="P12")
    totals = selectors.statistics(people.hq_admin, {}, now=NOW)["totals"]
    assert (totals["major"], totals["internal_group"]) == (1, 1)


# --- 按时办结率 by the deadline in force ------------------------------------------------------------------


def test_an_open_overdue_complaint_counts_against_the_on_time_rate(people, register):
    """The old definition (on time ÷ closed, by receipt) gave 100 % here: one decided on time, one left open."""
    decided = register(complainant_phone="13700000021", policy_number="P21")
    services.complaint_accept(complaint=decided, actor=people.officer_a, now=NOW)
    services.complaint_assign(complaint=decided, actor=people.officer_a, now=NOW)
    decide(decided, people.officer_a, now=at(2025, 3, 10, 9, 0))
    register(complainant_phone="13700000022", policy_number="P22")  # never handled: due 03-18
    later = at(2025, 3, 31, 9, 0)
    totals = selectors.statistics(people.hq_admin, {}, now=later)["totals"]
    assert (totals["due"], totals["on_time"], totals["late_open"], totals["on_time_rate"]) == (2, 1, 1, 50.0)
    # before the deadlines fell nothing was due yet: no rate rather than a flattering one
    early = selectors.statistics(people.hq_admin, {}, now=at(2025, 3, 12, 9, 0))["totals"]
    assert (early["due"], early["on_time_rate"]) == (0, None)


def test_the_period_selects_deadlines_that_fell_in_it(people, register):
    register(complainant_phone="13700000031", policy_number="P31")  # due 2025-03-18
    march = {"received_from": "2025-03-01", "received_to": "2025-03-31"}
    april = {"received_from": "2025-04-01", "received_to": "2025-04-30"}
    now = at(2025, 5, 6, 9, 0)
    assert selectors.statistics(people.hq_admin, march, now=now)["totals"]["due"] == 1
    assert selectors.statistics(people.hq_admin, april, now=now)["totals"]["due"] == 0


def test_the_indicator_figures_use_the_same_definition(people, register):
    register(complainant_phone="13700000041", policy_number="P41")  # due 03-18, never decided
    figures = selectors.figures_by_unit("2025-03-01", "2025-03-31", now=at(2025, 4, 2, 9, 0))
    row = figures[people.branch_a.pk]
    assert (row["due"], row["on_time"]) == (1, 0)


def test_the_statistics_page_prints_the_definition_beside_the_figure(people, register, as_user):
    register()
    html = as_user(people.hq_admin).get("/complaints/statistics/").content.decode()
    assert 'data-testid="on-time-definition"' in html and "应办结件数" in html
    overview = as_user(people.hq_admin).get("/complaints/overview/").content.decode()
    assert 'data-testid="kpi-definition"' in overview


# --- the page: clock events on the complaint's timeline -------------------------------------------------


def test_the_page_stops_and_restarts_the_clock_and_lists_the_events(people, register, as_user):
    from django.utils import timezone

    now = timezone.localtime()
    complaint = register(received_at=now, now=now)
    services.complaint_accept(complaint=complaint, actor=people.officer_a, now=now)
    services.complaint_assign(complaint=complaint, actor=people.officer_a, now=now)
    client = as_user(people.officer_a)
    stamp = now.strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        f"/complaints/{complaint.pk}/clock/stop/",
        {"kind": "mediation", "started_at": stamp, "reason": "同意调解", "evidence": "调解申请 001"},
    )
    assert response.status_code == 302
    html = client.get(complaint.get_absolute_url()).content.decode()
    assert 'data-testid="clock-event" data-kind="mediation"' in html and 'data-testid="clock-paused"' in html
    response = client.post(
        f"/complaints/{complaint.pk}/clock/resume/", {"kind": "mediation", "ended_at": stamp, "evidence": "调解终止"}
    )
    assert response.status_code == 302
    assert reload(complaint).clock_paused_since is None
    # a refusal comes back on the form, nothing written
    response = client.post(
        f"/complaints/{complaint.pk}/clock/stop/",
        {"kind": "appraisal", "started_at": stamp, "reason": "司法鉴定", "evidence": "委托书 9"},
    )
    assert response.status_code == 400 and 'data-testid="error-notice_method"' in response.content.decode()
    # an outsider gets no form and cannot post one
    outsider = as_user(people.officer_b)
    assert outsider.post(f"/complaints/{complaint.pk}/clock/stop/", {}).status_code == 404
