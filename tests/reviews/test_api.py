"""The review API: list and search, submit (JSON and multipart), form types, detail, every action, objections
and downloads — each endpoint's happy path, refusals in the one error shape (asserting codes, not wording),
scope (404 outside), 401 anonymous, and nothing written on a refusal.
"""

# Who reaches each of this app's object routes — another branch or department, no role, anonymous — and that a
# refusal writes nothing, is the permission matrix's (tests/access_matrix/table.py); the copies once here are
# gone. What stays asserts more than a status: lists that leak nothing, writes not done, actors the matrix lacks.

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from tests.api_helpers import assert_error
from tests.api_helpers import token_client as shared_token_client
from tests.api_helpers import url as api_url
from tests.reviews.conftest import PRODUCT_DATA
from xiaobao.core import error_codes as core_codes
from xiaobao.core.models import Attachment
from xiaobao.reviews import error_codes as codes
from xiaobao.reviews.models import Objection, Opinion, Review
from xiaobao.workflow import error_codes as workflow_codes
from xiaobao.workflow.models import ProcessInstance
from xiaobao.workorders import services as workorders
from xiaobao.workorders.models import WorkOrder

LIST = "/api/v1/reviews/"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(range(256))


def url(pk, action=""):
    return api_url(LIST, pk, action)


def counts() -> tuple[int, ...]:
    return (
        Review.objects.count(),
        Opinion.objects.count(),
        Objection.objects.count(),
        Attachment.objects.count(),
        ProcessInstance.objects.count(),
        WorkOrder.objects.count(),
    )


@pytest.fixture
def api():
    """A client signed in with a real API token, as an integration would be."""
    return shared_token_client


def payload(**overrides) -> dict:
    body = {
        "form_type": "product",
        "title": "颐享年年养老年金保险上市审查",
        "product_name": "颐享年年养老年金保险",
        "planned_launch": "2025-06-01",
        "urgency": "urgent",
        "data": dict(PRODUCT_DATA),
    }
    body.update(overrides)
    return body


def all_pass(review: Review) -> dict:
    return {item["id"]: {"result": "pass"} for item in review.form_version.checklist}


# --- anonymous, list, form types --------------------------------------------------------------------


@pytest.mark.parametrize("path", [LIST, f"{LIST}form-types/", f"{LIST}objections/", f"{LIST}1/"])
def test_anonymous_calls_are_401(db, path):
    assert_error(APIClient().get(path), 401, "not_authenticated")


def test_anonymous_actions_are_401_and_write_nothing(people, submit):
    review = submit()
    before = counts()
    assert_error(APIClient().post(url(review.pk, "withdraw"), {"reason": "x"}, format="json"), 401, "not_authenticated")
    assert_error(APIClient().post(LIST, payload(), format="json"), 401, "not_authenticated")
    assert counts() == before


def test_form_types_list_the_eight_with_their_current_version(people, api):
    body = api(people.clerk).get(f"{LIST}form-types/").json()
    assert len(body) == 8
    product = next(row for row in body if row["code"] == "product")
    version = product["current_version"]
    assert version["is_current"] is True
    assert {f["id"] for f in version["fields"]} >= set(PRODUCT_DATA)
    assert all(item["right"] and item["right_display"] for item in version["checklist"])


def test_the_list_query_count_does_not_grow_with_rows(people, api, submit, assigned):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = api(people.hq_admin)
    counts = []
    made = 0
    for size in (1, 6):
        for n in range(made, size):
            (submit if n % 2 else assigned)(title=f"审查 {n}")
        made = size
        with CaptureQueriesContext(connection) as captured:
            response = client.get(LIST)
        assert response.json()["count"] == size
        counts.append(len(captured))
    print(f"review list API: {counts[0]} queries with 1 row, {counts[1]} with 6")
    assert counts[0] == counts[1]


def test_the_list_searches_and_scopes(people, api, submit, assigned):
    mine = submit(title="养老年金审查", product_name="颐享年年")
    theirs = submit(actor=people.other_clerk, title="团险审查", product_name="团体意外险")
    assigned(title="已分派的审查", product_name="安心医疗")
    clerk = api(people.clerk)
    ids = {row["id"] for row in clerk.get(LIST).json()["results"]}
    assert mine.pk in ids and theirs.pk not in ids
    hq = api(people.hq_admin)

    def found(query: str) -> set[str]:
        return {row["title"] for row in hq.get(f"{LIST}?{query}").json()["results"]}

    assert found("q=颐享") == {"养老年金审查"}
    assert found("department=团体业务部") == {"团险审查"}
    assert found("status=reviewing") == {"已分派的审查"}
    assert found("form_type=marketing") == set()
    row = hq.get(f"{LIST}?q=安心").json()["results"][0]
    assert (row["form_type"], row["status"], row["reviewer"]["id"]) == ("product", "reviewing", people.reviewer.pk)
    assert row["overdue"] is True  # assigned in 2025 on the fixtures' fixed clock
    assert_error(hq.get(f"{LIST}?status=bogus"), 400, "invalid")


# --- submit -------------------------------------------------------------------------------------------


def test_submitting_as_json_files_the_review_and_starts_its_process(people, api):
    response = api(people.clerk).post(LIST, payload(), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    review = Review.objects.get()
    assert response["Location"] == url(review.pk)
    assert (body["id"], body["status"], body["urgency"], body["department"]) == (
        review.pk,
        "submitted",
        "urgent",
        "个人业务部",
    )
    assert body["data"]["cooling_off_days"] == 15
    assert body["step"]["element_id"] == "assign"
    assert body["actions"] == ["withdraw"]
    assert len(body["checklist"]) == len(review.form_version.checklist)
    assert ProcessInstance.objects.filter(object_id=str(review.pk), status="running").count() == 1


def test_submitting_multipart_with_a_pdf_and_data_as_a_json_string(people, api):
    body = payload(data=json.dumps(PRODUCT_DATA, ensure_ascii=False))
    body["files"] = [SimpleUploadedFile("条款.pdf", PDF, content_type="application/pdf")]
    response = api(people.clerk).post(LIST, body, format="multipart")
    assert response.status_code == 201, response.content
    [attachment] = response.json()["attachments"]
    assert (attachment["kind"], attachment["purpose"]) == ("pdf", "material")
    download = api(people.colleague).get(attachment["download_url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert_error(api(people.other_clerk).get(attachment["download_url"]), 404, "not_found")


@pytest.mark.parametrize(
    "overrides, code, field",
    [
        ({"form_type": "nope"}, codes.FORM_TYPE_UNKNOWN, "form_type"),
        ({"data": {**PRODUCT_DATA, "risk_level": "R9"}}, codes.INVALID, "risk_level"),
        ({"data": {**PRODUCT_DATA, "background": ""}}, codes.INVALID, "background"),
        ({"data": {**PRODUCT_DATA, "unknown": "x"}}, codes.INVALID, "unknown"),
        ({"data": "not json"}, "invalid", "data"),
        ({"title": "  "}, "invalid", "title"),
        ({"urgency": "now"}, "invalid", "urgency"),
    ],
)
def test_submit_refusals_name_their_code_and_write_nothing(people, api, overrides, code, field):
    before = counts()
    body = assert_error(api(people.clerk).post(LIST, payload(**overrides), format="json"), 400, code)
    assert field in body["fields"]
    assert counts() == before


def test_a_disguised_executable_is_refused_by_its_bytes(people, api):
    body = payload(data=json.dumps(PRODUCT_DATA, ensure_ascii=False))
    body["files"] = [SimpleUploadedFile("条款.pdf", EXE, content_type="application/pdf")]
    response = api(people.clerk).post(LIST, body, format="multipart")
    body = assert_error(response, 400, core_codes.UPLOAD_TYPE_REFUSED)
    assert "files" in body["fields"]
    assert not Review.objects.exists() and not Attachment.objects.exists()


def test_only_submitters_may_file(cast, people, api):
    assert_error(api(people.member).post(LIST, payload(), format="json"), 403, "permission_denied")
    assert_error(api(cast.outsider).post(LIST, payload(), format="json"), 403, "permission_denied")
    assert not Review.objects.exists()


# --- scope --------------------------------------------------------------------------------------------


ACTIONS = {
    "assign": {"reviewer": 1, "due_days": 5},
    "return": {"reason": "缺材料"},
    "resubmit": {},
    "withdraw": {"reason": "不做了"},
    "checklist": {"results": {}},
    "opinions": {"kind": "general", "location": "一", "risk": "r", "suggestion": "s"},
    "issue": {"conclusion": "同意"},
    "respond": {"responses": {}},
    "verification": {},
}


# another department of the same branch: the matrix (tests/access_matrix)
@pytest.mark.parametrize("who", ["branch_clerk", "reviewer2", "member"])
def test_outside_scope_the_detail_is_404(people, api, assigned, who):
    review = assigned()
    assert_error(api(getattr(people, who)).get(url(review.pk)), 404, "not_found")


# the department's own actions (resubmit, withdraw, respond, verification) are the matrix's (tests/access_matrix),
# where the peer rule holds; here the actions of 消保部 and the reviewer
@pytest.mark.parametrize("action", [a for a in ACTIONS if a not in {"resubmit", "withdraw", "respond", "verification"}])
def test_another_department_gets_404_on_every_action_and_nothing_changes(people, api, issued, action):
    review, (first, _second) = issued()
    before = counts()
    client = api(people.other_clerk)
    assert_error(client.post(url(review.pk, action), ACTIONS[action], format="json"), 404, "not_found")
    assert counts() == before
    for path in (
        url(review.pk, f"opinions/{first.pk}"),
        url(review.pk, f"opinions/{first.pk}/delete"),
        url(review.pk, "objections/1/rereview"),
        url(review.pk, "objections/1/committee"),
    ):
        assert_error(client.post(path, {}, format="json"), 404, "not_found")
    review.refresh_from_db()
    assert review.status == Review.Status.RESPONDING


def test_a_committee_member_sees_only_referred_objections(people, api, issued):
    quiet, _ = issued(title="无异议")
    review, (first, second) = issued(title="有异议")
    api(people.clerk).post(
        url(review.pk, "respond"),
        {"responses": {first.pk: {"response": "rejected", "reason": "不同意"}, second.pk: {"response": "adopted"}}},
        format="json",
    )
    member = api(people.member)
    assert member.get(f"{LIST}objections/").json()["count"] == 0
    assert_error(member.get(url(review.pk)), 404, "not_found")
    objection = Objection.objects.get()
    response = api(people.hq_admin).post(
        url(review.pk, f"objections/{objection.pk}/rereview"), {"upheld": True, "note": "维持"}, format="json"
    )
    assert response.status_code == 200, response.content
    rows = member.get(f"{LIST}objections/").json()["results"]
    assert [(row["id"], row["stage"], row["review"]) for row in rows] == [(objection.pk, "committee", review.pk)]
    assert member.get(url(review.pk)).json()["actions"] == ["committee"]
    assert_error(member.get(url(quiet.pk)), 404, "not_found")


# --- the whole loop over the API ----------------------------------------------------------------------


def test_the_full_loop_over_the_api(people, api):
    clerk, hq, reviewer = api(people.clerk), api(people.hq_admin), api(people.reviewer)
    review_id = clerk.post(LIST, payload(), format="json").json()["id"]

    detail = hq.get(url(review_id)).json()
    assert set(detail["actions"]) == {"assign", "return", "withdraw"}
    assert_error(
        hq.post(url(review_id, "assign"), {"reviewer": people.clerk.pk, "due_days": 5}, format="json"),
        400,
        codes.REVIEWER_INVALID,
    )
    assert_error(
        hq.post(url(review_id, "assign"), {"reviewer": people.reviewer.pk, "due_days": 99}, format="json"),
        400,
        codes.BAD_DUE_DAYS,
    )
    response = hq.post(
        url(review_id, "assign"),
        {"reviewer": people.reviewer.pk, "urgency": "normal", "due_days": 5, "version": detail["step"]["version"]},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "reviewing"
    assert_error(
        hq.post(url(review_id, "assign"), {"reviewer": people.reviewer.pk, "due_days": 5}, format="json"),
        409,
        codes.WRONG_STEP,
    )

    review = Review.objects.get()
    detail = reviewer.get(url(review_id)).json()
    assert set(detail["actions"]) == {"checklist", "opinions", "issue", "return"}
    assert_error(
        reviewer.post(url(review_id, "checklist"), {"results": {"NOPE": {"result": "pass"}}}, format="json"),
        400,
        codes.INVALID,
    )
    body = assert_error(
        reviewer.post(url(review_id, "issue"), {"conclusion": "同意"}, format="json"), 400, codes.CHECKLIST_INCOMPLETE
    )
    assert len(body["fields"]) == len(review.form_version.checklist)
    response = reviewer.post(url(review_id, "checklist"), {"results": all_pass(review)}, format="json")
    assert {item["result"] for item in response.json()["checklist"]} == {"pass"}

    opinion = reviewer.post(
        url(review_id, "opinions"),
        {
            "kind": "substantive",
            "location": "宣传折页 第1页",
            "risk": "“保本高收益”属夸大宣传。",
            "suggestion": "删除“保本高收益”。",
            "checklist_item": "PRD02",
            "requires_change": True,
        },
        format="json",
    ).json()["opinions"][0]
    assert (opinion["seq"], opinion["right"], opinion["requires_change"]) == (1, "information", True)
    extra = reviewer.post(
        url(review_id, "opinions"), {"kind": "general", "location": "x", "risk": "r", "suggestion": "s"}, format="json"
    ).json()["opinions"][1]
    patched = reviewer.patch(url(review_id, f"opinions/{extra['id']}"), {"location": "第3页"}, format="json")
    assert patched.json()["opinions"][1]["location"] == "第3页"
    assert len(reviewer.delete(url(review_id, f"opinions/{extra['id']}")).json()["opinions"]) == 1
    assert_error(
        reviewer.post(
            url(review_id, "opinions"),
            {"kind": "general", "location": "x", "risk": "r", "suggestion": "s", "requires_change": True},
            format="json",
        ),
        400,
        codes.INVALID,
    )
    assert_error(
        clerk.post(url(review_id, "opinions"), {"kind": "general", "location": "x", "risk": "r", "suggestion": "s"}),
        403,
        codes.NOT_ALLOWED,
    )
    version = reviewer.get(url(review_id)).json()["step"]["version"]
    assert_error(
        reviewer.post(url(review_id, "issue"), {"conclusion": "同意", "version": version + 7}, format="json"),
        409,
        workflow_codes.STALE_VERSION,
    )
    response = reviewer.post(url(review_id, "issue"), {"conclusion": "修改后同意。", "version": version}, format="json")
    assert response.json()["status"] == "responding"

    detail = clerk.get(url(review_id)).json()
    assert "respond" in detail["actions"]
    assert_error(
        clerk.post(url(review_id, "respond"), {"responses": {}}, format="json"), 400, codes.RESPONSES_INCOMPLETE
    )
    evidence = SimpleUploadedFile("修改稿.pdf", PDF, content_type="application/pdf")
    response = clerk.post(
        url(review_id, "respond"),
        {"responses": json.dumps({opinion["id"]: {"response": "adopted", "reason": "已删除"}}), "files": [evidence]},
        format="multipart",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "verifying"
    assert body["actions"] == ["refresh"]
    order_id = body["opinions"][0]["verification_order"]
    assert order_id and {a["purpose"] for a in body["attachments"]} == {"evidence"}

    assert clerk.post(url(review_id, "verification"), {}, format="json").json()["status"] == "verifying"
    workorders.workorder_accept(order=order_id, actor=people.clerk)
    workorders.workorder_submit_feedback(order=order_id, actor=people.clerk, text="已修改。")
    workorders.workorder_review(order=order_id, actor=people.hq_admin, approved=True)
    body = clerk.post(url(review_id, "verification"), {}, format="json").json()
    assert body["status"] == "closed"
    assert body["opinions"][0]["verified_at"]
    assert_error(api(people.member).post(url(review_id, "verification"), {}, format="json"), 404, "not_found")


def test_return_resubmit_and_withdraw(people, api, assigned):
    review = assigned()
    reviewer, clerk = api(people.reviewer), api(people.clerk)
    assert_error(reviewer.post(url(review.pk, "return"), {"reason": ""}, format="json"), 400, codes.REASON_REQUIRED)
    assert reviewer.post(url(review.pk, "return"), {"reason": "缺条款"}, format="json").json()["status"] == "returned"
    assert_error(reviewer.post(url(review.pk, "resubmit"), {}, format="json"), 403, codes.NOT_ALLOWED)
    body = clerk.post(url(review.pk, "resubmit"), {"data": PRODUCT_DATA}, format="json").json()
    assert (body["status"], body["reviewer"]["id"]) == ("reviewing", people.reviewer.pk)
    assert_error(
        api(people.colleague).post(url(review.pk, "withdraw"), {"reason": "x"}, format="json"), 403, codes.NOT_ALLOWED
    )
    assert clerk.post(url(review.pk, "withdraw"), {"reason": "暂缓"}, format="json").json()["status"] == "withdrawn"
    assert_error(clerk.post(url(review.pk, "withdraw"), {"reason": "再撤"}, format="json"), 409, codes.WRONG_STEP)


def test_the_objection_procedure_to_a_committee_decision(people, api, issued):
    review, (first, second) = issued()
    api(people.clerk).post(
        url(review.pk, "respond"),
        {"responses": {first.pk: {"response": "rejected", "reason": "不同意"}, second.pk: "adopted"}},
        format="json",
    )
    objection = Objection.objects.get()
    hq = api(people.hq_admin)
    assert_error(
        hq.post(url(review.pk, f"objections/{objection.pk}/rereview"), {"upheld": True, "note": ""}, format="json"),
        400,
        codes.REASON_REQUIRED,
    )
    hq.post(url(review.pk, f"objections/{objection.pk}/rereview"), {"upheld": True, "note": "维持"}, format="json")
    member = api(people.member)
    committee = url(review.pk, f"objections/{objection.pk}/committee")
    before = counts()
    assert_error(
        member.post(committee, {"outcome": "upheld", "decision": "维持", "attendees": []}, format="json"),
        400,
        codes.ATTENDEES_REQUIRED,
    )
    assert counts() == before
    assert_error(
        hq.post(committee, {"outcome": "upheld", "decision": "维持", "attendees": ["李晓梅"]}, format="json"),
        403,
        codes.NOT_ALLOWED,
    )
    body = member.post(
        committee, {"outcome": "modified", "decision": "修改后维持。", "attendees": ["孙丽华", "王建国"]}, format="json"
    ).json()
    found = next(o for o in body["opinions"] if o["id"] == first.pk)
    assert found["objection"]["stage"] == "decided"
    assert found["objection"]["attendees"] == ["孙丽华", "王建国"]
    assert found["final_adopted"] is True
    assert body["status"] == "verifying"


def test_the_schema_describes_the_review_endpoints(people, api):
    response = api(people.hq_admin).get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/api/v1/reviews/",
        "/api/v1/reviews/form-types/",
        "/api/v1/reviews/{id}/",
        "/api/v1/reviews/{id}/respond/",
        "/api/v1/reviews/{id}/objections/{objection_pk}/committee/",
    ):
        assert any(p.replace("{pk}", "{id}") == path for p in paths), path
