"""The clock's API actions (clock-stop, clock-resume, new-facts, decline, designate-major): the same services as
the detail page, so the same permissions and refusals (asserting codes), the clock events in the detail, and
nothing written when refused. Dates are relative to the real now, as an API caller's are."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.api_helpers import assert_error
from xiaobao.complaints import error_codes as codes
from xiaobao.complaints import rules, services
from xiaobao.complaints.models import ClockEvent, Complaint, MajorReport

LIST = "/api/v1/complaints/"


def url(pk, action):
    return f"{LIST}{pk}/{action}/"


def client_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


@pytest.fixture
def handling(people, register):
    """Received five days ago, accepted and being handled by branch A's officer."""
    now = timezone.now()
    complaint = register(received_at=now - timedelta(days=5), now=now)
    services.complaint_accept(complaint=complaint, actor=people.officer_a, now=now)
    return services.complaint_assign(complaint=complaint, actor=people.officer_a, now=now)


def mediation(**overrides) -> dict:
    body = {
        "kind": "mediation",
        "started_at": (timezone.now() - timedelta(days=4)).isoformat(),
        "reason": "投诉人同意由保险纠纷调解委员会调解",
        "evidence": "调解申请书 TJ-2025-088",
    }
    return {**body, **overrides}


def test_a_mediation_stop_and_its_end_leave_the_days_out_and_show_on_the_detail(people, handling):
    officer = client_for(people.officer_a)
    before = handling.due_at
    stopped = officer.post(url(handling.pk, "clock-stop"), mediation(), format="json")
    assert stopped.status_code == 200, stopped.content
    body = stopped.json()
    assert body["clock_paused_since"] is not None
    assert "clock-resume" in body["actions"] and "clock-stop" in body["actions"]
    [event] = body["clock_events"]
    assert (event["kind"], event["ended_at"], event["due_after"]) == ("mediation", None, None)
    assert event["recorded_by"]["id"] == people.officer_a.pk

    ended = officer.post(
        url(handling.pk, "clock-resume"),
        {"kind": "mediation", "ended_at": (timezone.now() - timedelta(days=1)).isoformat(), "evidence": "调解终止书"},
        format="json",
    )
    assert ended.status_code == 200, ended.content
    complaint = Complaint.objects.get(pk=handling.pk)
    # four days ago to one day ago: three days not counted (第二十三条)
    expected = rules.deadline("deadline.initial", complaint.received_at, extra_days=3).at
    assert complaint.due_at == expected > before
    assert complaint.clock_paused_since is None
    [event] = ended.json()["clock_events"]
    assert event["end_evidence"] == "调解终止书"
    assert event["due_after"] is not None
    assert "clock-resume" not in ended.json()["actions"]


def test_an_appraisal_stop_needs_the_complainant_told(people, handling):
    response = client_for(people.officer_a).post(
        url(handling.pk, "clock-stop"), mediation(kind="appraisal", notice_method=""), format="json"
    )
    assert_error(response, 400, codes.NOTICE_REQUIRED)
    assert not ClockEvent.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "status", "code"),
    [
        ({"kind": "holiday"}, 400, codes.BAD_CLOCK_KIND),
        ({"evidence": " "}, 400, codes.EVIDENCE_REQUIRED),
        ({"reason": ""}, 400, codes.REASON_REQUIRED),
        ({"started_at": None}, 400, codes.INVALID),
        ({"started_at": "2099-01-01T09:00:00+08:00"}, 400, codes.RECEIVED_IN_FUTURE),
        ({"started_at": "2000-01-01T09:00:00+08:00"}, 400, codes.RECEIVED_BEFORE_COMPLAINT),
    ],
)
def test_a_bad_stop_is_refused_with_its_code_and_nothing_written(people, handling, overrides, status, code):
    response = client_for(people.officer_a).post(url(handling.pk, "clock-stop"), mediation(**overrides), format="json")
    assert_error(response, status, code)
    assert not ClockEvent.objects.exists()
    assert Complaint.objects.get(pk=handling.pk).due_at == handling.due_at


def test_a_stop_entered_after_the_deadline_passed_cannot_rescue_it(people, register):
    now = timezone.now()
    late = register(received_at=now - timedelta(days=40), now=now)
    services.complaint_accept(complaint=late, actor=people.officer_a, now=now)
    services.complaint_assign(complaint=late, actor=people.officer_a, now=now)
    backdated = mediation(started_at=(now - timedelta(days=30)).isoformat())
    assert_error(
        client_for(people.officer_a).post(url(late.pk, "clock-stop"), backdated, format="json"),
        409,
        codes.CLOCK_OVERDUE,
    )
    facts = {"received_at": (now - timedelta(days=1)).isoformat(), "reason": "补充新证据", "evidence": "收件 001"}
    assert_error(
        client_for(people.officer_a).post(url(late.pk, "new-facts"), facts, format="json"), 409, codes.CLOCK_OVERDUE
    )
    assert not ClockEvent.objects.exists()


def test_ending_a_stop_that_is_not_open_is_a_conflict(people, handling):
    body = {"kind": "mediation", "ended_at": timezone.now().isoformat(), "evidence": "调解终止书"}
    assert_error(
        client_for(people.officer_a).post(url(handling.pk, "clock-resume"), body, format="json"),
        409,
        codes.CLOCK_NOT_STOPPED,
    )


def test_new_facts_restart_the_period_from_the_day_they_arrived(people, handling):
    arrived = timezone.now() - timedelta(days=2)
    body = {"received_at": arrived.isoformat(), "reason": "投诉人补充提交销售录音", "evidence": "收件登记 2025-118"}
    response = client_for(people.officer_a).post(url(handling.pk, "new-facts"), body, format="json")
    assert response.status_code == 200, response.content
    complaint = Complaint.objects.get(pk=handling.pk)
    assert complaint.due_at == rules.deadline("deadline.initial", arrived).at
    assert [e["kind"] for e in response.json()["clock_events"]] == ["new_facts"]


def test_declining_records_the_ground_and_notice_and_ends_the_complaint(people, handling):
    officer = client_for(people.officer_a)
    assert_error(
        officer.post(url(handling.pk, "decline"), {"ground": "非本人", "evidence": "录音"}, format="json"),
        400,
        codes.NOTICE_REQUIRED,
    )
    body = {"ground": "来电人非投诉人本人，亦无授权委托书", "evidence": "来电录音 0031", "notice_method": "电话"}
    response = officer.post(url(handling.pk, "decline"), body, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == Complaint.Status.DECLINED
    assert response.json()["actions"] == []
    assert_error(officer.post(url(handling.pk, "clock-stop"), mediation(), format="json"), 409, codes.CLOSED)


def test_the_regulators_designation_makes_it_major_and_reports_it(people, handling):
    officer = client_for(people.officer_a)
    assert_error(
        officer.post(url(handling.pk, "designate-major"), {"designation_ref": " "}, format="json"),
        400,
        codes.DESIGNATION_REF_REQUIRED,
    )
    assert not MajorReport.objects.exists()
    response = officer.post(
        url(handling.pk, "designate-major"), {"designation_ref": "津银保监消保〔2025〕12号"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["is_major"] is True
    assert "regulator_designated" in response.json()["major_reasons"]
    assert "designate-major" not in response.json()["actions"]
    assert MajorReport.objects.filter(complaint=handling).count() == 1


def test_outside_its_scope_the_complaint_does_not_exist_and_read_only_may_not_act(people, handling):
    assert (
        client_for(people.officer_b).post(url(handling.pk, "clock-stop"), mediation(), format="json").status_code == 404
    )
    manager = client_for(people.manager)
    assert "clock-stop" not in manager.get(f"{LIST}{handling.pk}/").json()["actions"]
    assert manager.post(url(handling.pk, "clock-stop"), mediation(), format="json").status_code == 403
    assert manager.post(url(handling.pk, "designate-major"), {"designation_ref": "X"}, format="json").status_code == 403
    assert not ClockEvent.objects.exists() and not Complaint.objects.get(pk=handling.pk).is_major


def test_the_clock_actions_refuse_get_and_anonymous_callers(people, handling):
    assert client_for(people.officer_a).get(url(handling.pk, "clock-stop")).status_code == 405
    assert APIClient().post(url(handling.pk, "new-facts"), {}, format="json").status_code == 401
