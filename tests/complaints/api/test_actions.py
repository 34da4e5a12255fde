"""The complaint API's loop of actions and their refusals (asserting codes, not wording)."""

from __future__ import annotations

from tests.api_helpers import assert_error
from tests.complaints.api.conftest import url
from xiaobao.complaints import error_codes as codes
from xiaobao.complaints.models import Complaint
from xiaobao.workflow import error_codes as workflow_codes
from xiaobao.workflow.models import HumanTask

# --- the loop's actions -------------------------------------------------------------------------------


def test_the_full_loop_over_the_api(people, complaint, token_client, categories):
    officer = token_client(people.officer_a)
    seen = officer.get(url(complaint.pk)).json()

    def act(action, body):
        response = officer.post(url(complaint.pk, action), body, format="json")
        assert response.status_code == 200, (action, response.content)
        return response.json()

    assert act("accept", {"version": seen["step"]["version"]})["status"] == "accepted"
    assigned = act("assign", {"handler": people.officer_a.pk})
    assert assigned["status"] == "handling"
    assert assigned["handler"]["id"] == people.officer_a.pk
    classified = act(
        "classify",
        {
            "business_category": categories["business"].pk,
            "cause_category": categories["cause"].pk,
            "demand_category": categories["demand"].pk,
        },
    )
    assert classified["cause_category"]["code"] == "APIC1"
    assert (
        act("decide", {"decision": "同意全额退保。", "reply_method": "电话", "remedies_told": True})["status"]
        == "replied"
    )
    assert act("response", {"satisfied": True})["status"] == "revisiting"
    revisited = act("revisit", {"result": "投诉人表示满意。"})
    assert "close" in revisited["actions"]
    closed = act("close", {"root_cause": categories["root_cause"].pk, "root_cause_note": "销售话术管理"})
    assert closed["status"] == "closed"
    assert closed["closed_at"] is not None
    assert closed["step"] is None
    assert closed["actions"] == []
    assert closed["root_cause"]["id"] == categories["root_cause"].pk


def test_accepting_twice_is_a_conflict(people, complaint, token_client):
    officer = token_client(people.officer_a)
    assert officer.post(url(complaint.pk, "accept"), {}, format="json").status_code == 200
    assert_error(officer.post(url(complaint.pk, "accept"), {}, format="json"), 409, codes.WRONG_STEP)


def test_a_stale_version_is_a_conflict_and_changes_nothing(people, complaint, token_client):
    task = HumanTask.objects.get(status="open", instance__object_id=str(complaint.pk))
    response = token_client(people.officer_a).post(
        url(complaint.pk, "accept"), {"version": task.version + 1}, format="json"
    )
    assert_error(response, 409, workflow_codes.STALE_VERSION)
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.REGISTERED


def test_the_decision_must_tell_the_remedies(people, handling, token_client):
    body = {"decision": "同意退保", "reply_method": "电话", "remedies_told": False}
    response = token_client(people.officer_a).post(url(handling.pk, "decide"), body, format="json")
    body = assert_error(response, 400, codes.REMEDIES_REQUIRED)
    assert "remedies_told" in body["fields"]


def test_withdrawing_needs_a_reason_then_ends_the_complaint(people, complaint, token_client):
    officer = token_client(people.officer_a)
    assert_error(
        officer.post(url(complaint.pk, "withdraw"), {"reason": " "}, format="json"), 400, codes.REASON_REQUIRED
    )
    response = officer.post(url(complaint.pk, "withdraw"), {"reason": "投诉人来电撤回"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "withdrawn"
    assert response.json()["actions"] == []
    assert_error(officer.post(url(complaint.pk, "accept"), {}, format="json"), 409, codes.CLOSED)


def test_a_second_extension_before_the_first_is_refused(people, handling, token_client):
    body = {"level": 2, "reason": "案情特别复杂", "approver": people.hq_admin.pk, "notice_method": "电话"}
    response = token_client(people.officer_a).post(url(handling.pk, "extend"), body, format="json")
    assert_error(response, 400, codes.EXTENSION_ORDER)


def test_closing_at_the_wrong_step_is_a_conflict(people, handling, token_client, categories):
    response = token_client(people.officer_a).post(
        url(handling.pk, "close"), {"root_cause": categories["root_cause"].pk}, format="json"
    )
    assert response.status_code in (400, 409), response.content
    assert response.json()["error"] in {codes.WRONG_STEP, codes.NOT_CLASSIFIED}
    handling.refresh_from_db()
    assert handling.status == Complaint.Status.HANDLING


def test_the_read_only_manager_reads_but_may_not_act(people, complaint, token_client):
    client = token_client(people.manager)
    body = client.get(url(complaint.pk)).json()
    assert body["id"] == complaint.pk
    assert body["actions"] == []
    assert client.post(url(complaint.pk, "accept"), {}, format="json").status_code == 403
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.REGISTERED
