"""The work order API: issue, list, detail, the loop's actions, board and downloads — each endpoint's
happy path, refusals in the one error shape (asserting codes, not wording), scope and permissions."""

# Who reaches each of this app's object routes — another branch or department, no role, anonymous — and that a
# refusal writes nothing, is the permission matrix's (tests/access_matrix/table.py); the copies once here are
# gone. What stays asserts more than a status: lists that leak nothing, writes not done, actors the matrix lacks.

from __future__ import annotations

import struct
import zlib
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from tests.api_helpers import assert_error
from tests.api_helpers import url as api_url
from tests.helpers import make_user
from xiaobao.core import error_codes as core_codes
from xiaobao.core.models import Attachment
from xiaobao.core.roles import role_group
from xiaobao.workflow import error_codes as workflow_codes
from xiaobao.workflow.models import HumanTask, ProcessInstance
from xiaobao.workorders import error_codes as codes
from xiaobao.workorders.models import Feedback, WorkOrder

LIST = "/api/v1/workorders/"
BOARD = "/api/v1/workorders/board/"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(range(256))


def png_bytes() -> bytes:
    """A real 1×1 PNG (signature, IHDR, IDAT, IEND)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + chunk(b"IEND", b"")
    )


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def url(pk, action=""):
    return api_url(LIST, pk, action)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def order(issue):
    """A single order from HQ to branch A, due in 5 working days from now (not overdue)."""
    return issue(now=timezone.now())


def payload(cast, **overrides) -> dict:
    body = {
        "title": "2025年消保自查",
        "kind": "self_check",
        "content": "请按自查清单开展自查并报送报告。",
        "recipient_units": [cast.branch_a.pk],
        "due_days": 5,
    }
    body.update(overrides)
    return body


def nothing_written():
    return not WorkOrder.objects.exists() and not ProcessInstance.objects.exists() and not Attachment.objects.exists()


# --- issue ----------------------------------------------------------------------------------------


def test_issuing_to_one_unit_creates_the_order_and_its_process(cast, token_client):
    response = token_client(cast.hq_admin).post(LIST, payload(cast), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    order = WorkOrder.objects.get()
    assert body["id"] == order.pk
    assert response["Location"] == url(order.pk)
    assert body["number"].startswith("GD")
    assert body["status"] == "pending_accept"
    assert body["org_unit"] == {"id": cast.branch_a.pk, "name": "北京分公司"}
    assert body["issuer"]["id"] == cast.hq_admin.pk
    assert body["is_batch"] is False
    assert body["children"] is None
    assert body["step"]["element_id"] == "accept"
    assert body["step"]["version"] >= 1
    assert ProcessInstance.objects.filter(object_id=str(order.pk), status="running").count() == 1


def test_issuing_to_several_units_makes_a_batch(cast, token_client):
    response = token_client(cast.hq_admin).post(
        LIST, payload(cast, recipient_units=[cast.branch_a.pk, cast.branch_b.pk]), format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    parent = WorkOrder.objects.get(is_batch=True)
    children = list(WorkOrder.objects.filter(parent=parent))
    assert body["id"] == parent.pk
    assert body["status"] == "dispatched"
    assert sorted(c["id"] for c in body["children"]) == sorted(c.pk for c in children)
    assert {c["org_unit"]["id"] for c in body["children"]} == {cast.branch_a.pk, cast.branch_b.pk}
    assert body["progress"]["total"] == 2
    assert body["progress"]["done"] == 0
    assert body["step"] is None
    assert body["actions"] == ["cancel"]
    assert ProcessInstance.objects.filter(object_id__in=[str(c.pk) for c in children]).count() == 2
    assert not ProcessInstance.objects.filter(object_id=str(parent.pk)).exists()


def test_issuing_to_a_named_person(cast, token_client):
    response = token_client(cast.hq_admin).post(
        LIST, payload(cast, recipient_units=[], recipient_users=[cast.officer_a.pk]), format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["recipient_user"]["id"] == cast.officer_a.pk
    assert response.json()["step"]["assignee"]["id"] == cast.officer_a.pk


def test_issuing_with_a_due_date_and_material_over_multipart(cast, token_client):
    due = timezone.localdate() + timedelta(days=10)
    body = payload(cast, due_days="", due_date=due.isoformat(), files=[upload("自查清单.pdf", PDF)])
    response = token_client(cast.hq_admin).post(LIST, body, format="multipart")
    assert response.status_code == 201, response.content
    order = response.json()
    assert order["due_days"] is None
    assert timezone.localtime(WorkOrder.objects.get().due_at).date() == due
    [attachment] = order["attachments"]
    assert attachment["kind"] == "pdf"
    assert attachment["round"] is None
    assert attachment["download_url"].endswith(f"{url(order['id'])}files/{attachment['id']}/")


def test_a_multipart_batch_names_its_units_by_repeating_the_field(cast, token_client):
    body = payload(cast, recipient_units=[cast.branch_a.pk, cast.sub_b.pk])
    response = token_client(cast.hq_admin).post(LIST, body, format="multipart")
    assert response.status_code == 201, response.content
    assert response.json()["progress"]["total"] == 2


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({"recipient_units": []}, codes.NO_RECIPIENTS, "recipient_units"),
        ({"due_days": None}, codes.NO_DUE, "due"),
        ({"due_days": None, "due_date": "2020-01-01"}, codes.DUE_IN_PAST, "due_date"),
        ({"due_days": 0}, codes.BAD_DUE_DAYS, "due_days"),
        ({"due_days": 366}, codes.BAD_DUE_DAYS, "due_days"),
        ({"recipient_units": [999999]}, codes.INVALID, "recipient_units"),
        ({"recipient_users": [999999]}, codes.INVALID, "recipient_users"),
        ({"title": "   "}, "invalid", "title"),
        ({"kind": "party"}, "invalid", "kind"),
    ],
)
def test_refusals_name_their_code_and_write_nothing(cast, token_client, overrides, code, field):
    body = assert_error(token_client(cast.hq_admin).post(LIST, payload(cast, **overrides), format="json"), 400, code)
    assert field in body["fields"]
    assert nothing_written()


def test_a_unit_the_issuer_cannot_see_is_unknown_not_revealed(cast, token_client):
    response = token_client(cast.officer_a).post(LIST, payload(cast, recipient_units=[cast.branch_b.pk]), format="json")
    body = assert_error(response, 400, codes.INVALID)
    assert list(body["fields"]) == ["recipient_units"]
    assert nothing_written()


def test_a_unit_seen_but_outside_the_issuers_dispatch_scope_is_403(cast, token_client):
    # Reads the whole company (管理层) but dispatches only in branch A (分支机构消保专员).
    reader = make_user("officer_a_reader", cast.branch_a, "branch_officer")
    reader.groups.add(role_group("management"))
    response = token_client(reader).post(LIST, payload(cast, recipient_units=[cast.branch_b.pk]), format="json")
    assert_error(response, 403, codes.RECIPIENT_OUT_OF_SCOPE)
    assert nothing_written()


def test_a_branch_officer_may_issue_inside_the_branch(cast, token_client):
    response = token_client(cast.officer_a).post(LIST, payload(cast, recipient_units=[cast.sub_a.pk]), format="json")
    assert response.status_code == 201, response.content
    assert response.json()["issuer_unit"]["id"] == cast.branch_a.pk


def test_a_file_that_is_not_a_pdf_inside_is_refused_and_nothing_is_written(cast, token_client):
    body = payload(cast, files=[upload("整改报告.pdf", EXE)])
    response = token_client(cast.hq_admin).post(LIST, body, format="multipart")
    body = assert_error(response, 400, core_codes.UPLOAD_TYPE_REFUSED)
    assert "files" in body["fields"]
    assert nothing_written()


def test_the_read_only_manager_may_not_issue(cast, token_client):
    assert_error(token_client(cast.manager).post(LIST, payload(cast), format="json"), 403, "permission_denied")
    assert nothing_written()


def test_someone_without_a_role_may_not_issue_or_list(cast, token_client):
    client = token_client(cast.outsider)
    assert_error(client.post(LIST, payload(cast), format="json"), 403, "permission_denied")
    assert_error(client.get(LIST), 403, "permission_denied")


# --- the loop over the API ------------------------------------------------------------------------


def test_the_full_loop_with_a_return(cast, token_client):
    hq, officer = token_client(cast.hq_admin), token_client(cast.officer_a)
    pk = hq.post(LIST, payload(cast), format="json").json()["id"]

    seen = officer.get(url(pk)).json()
    assert seen["actions"] == ["accept", "refuse"]
    response = officer.post(url(pk, "accept"), {"version": seen["step"]["version"]}, format="json")
    assert response.status_code == 200, response.content
    accepted = response.json()
    assert accepted["status"] == "in_progress"
    assert accepted["handler"]["id"] == cast.officer_a.pk
    assert accepted["step"]["element_id"] == "handle"
    assert accepted["actions"] == ["feedback"]

    evidence = {
        "text": "已完成自查，报告见附件。",
        "version": accepted["step"]["version"],
        "files": [upload("自查报告.pdf", PDF), upload("现场照片.png", png_bytes())],
    }
    response = officer.post(url(pk, "feedback"), evidence, format="multipart")
    assert response.status_code == 200, response.content
    submitted = response.json()
    assert submitted["status"] == "submitted"
    assert sorted(a["kind"] for a in submitted["attachments"]) == ["pdf", "png"]
    assert {a["round"] for a in submitted["attachments"]} == {1}
    assert submitted["feedbacks"][0]["text"] == "已完成自查，报告见附件。"
    assert submitted["feedbacks"][0]["approved"] is None
    assert submitted["actions"] == []  # the officer waits; the issuer reviews

    review = hq.get(url(pk)).json()
    assert review["actions"] == ["review", "cancel"]
    response = hq.post(
        url(pk, "review"), {"approved": False, "comment": "缺少整改台账", "version": review["step"]["version"]}
    )
    assert response.status_code == 200, response.content
    returned = response.json()
    assert returned["status"] == "in_progress"
    assert returned["return_count"] == 1
    assert returned["feedbacks"][0]["approved"] is False
    assert returned["feedbacks"][0]["review_comment"] == "缺少整改台账"

    response = officer.post(url(pk, "feedback"), {"text": "已补充整改台账。"}, format="multipart")
    assert response.status_code == 200, response.content
    response = hq.post(url(pk, "review"), {"approved": True, "comment": "同意"}, format="json")
    assert response.status_code == 200, response.content
    closed = response.json()
    assert closed["status"] == "closed"
    assert closed["closed_at"] is not None
    assert closed["step"] is None
    assert [f["approved"] for f in closed["feedbacks"]] == [False, True]
    assert {"accept", "handle", "review"} <= {t["element_id"] for t in closed["timeline"]}
    assert Feedback.objects.filter(order_id=pk).count() == 2
    assert ProcessInstance.objects.get(object_id=str(pk)).status != ProcessInstance.Status.RUNNING


def test_evidence_downloads_as_the_bytes_uploaded(cast, order, token_client):
    officer = token_client(cast.officer_a)
    officer.post(url(order.pk, "accept"), {}, format="json")
    body = officer.post(url(order.pk, "feedback"), {"text": "见附件", "files": [upload("报告.pdf", PDF)]}).json()
    [attachment] = body["attachments"]
    response = token_client(cast.hq_admin).get(attachment["download_url"], HTTP_ACCEPT="application/pdf")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    assert_error(token_client(cast.officer_b).get(attachment["download_url"]), 404, "not_found")


def test_feedback_with_a_disguised_file_is_refused_and_the_order_stays_in_hand(cast, order, token_client):
    officer = token_client(cast.officer_a)
    officer.post(url(order.pk, "accept"), {}, format="json")
    response = officer.post(url(order.pk, "feedback"), {"text": "见附件", "files": [upload("报告.pdf", EXE)]})
    assert_error(response, 400, core_codes.UPLOAD_TYPE_REFUSED)
    order.refresh_from_db()
    assert order.status == WorkOrder.Status.IN_PROGRESS
    assert not Feedback.objects.exists()
    assert not Attachment.objects.exists()


def test_feedback_needs_text(cast, order, token_client):
    officer = token_client(cast.officer_a)
    officer.post(url(order.pk, "accept"), {}, format="json")
    assert_error(officer.post(url(order.pk, "feedback"), {"text": " "}), 400, codes.FEEDBACK_REQUIRED)


def test_refuse_then_resend(cast, order, token_client):
    hq, officer = token_client(cast.hq_admin), token_client(cast.officer_a)
    assert_error(officer.post(url(order.pk, "refuse"), {"reason": ""}, format="json"), 400, codes.REASON_REQUIRED)
    response = officer.post(url(order.pk, "refuse"), {"reason": "不属于本机构职责"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "refused"
    assert response.json()["refuse_reason"] == "不属于本机构职责"

    issuer_view = hq.get(url(order.pk)).json()
    assert issuer_view["step"]["element_id"] == "refused"
    assert "refusal" in issuer_view["actions"]
    assert_error(hq.post(url(order.pk, "refusal"), {"resend": False}, format="json"), 400, codes.REASON_REQUIRED)
    response = hq.post(url(order.pk, "refusal"), {"resend": True, "comment": "请按分工办理"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "pending_accept"
    assert response.json()["step"]["element_id"] == "accept"


def test_a_resend_may_set_a_new_deadline(cast, order, token_client):
    token_client(cast.officer_a).post(url(order.pk, "refuse"), {"reason": "不属于本机构职责"}, format="json")
    new_due = timezone.localdate() + timedelta(days=20)
    hq = token_client(cast.hq_admin)
    past = {"resend": True, "due_date": (timezone.localdate() - timedelta(days=1)).isoformat()}
    assert_error(hq.post(url(order.pk, "refusal"), past, format="json"), 400, codes.DUE_IN_PAST)
    response = hq.post(url(order.pk, "refusal"), {"resend": True, "due_date": new_due.isoformat()}, format="json")
    assert response.status_code == 200, response.content
    order.refresh_from_db()
    assert timezone.localtime(order.due_at).date() == new_due


def test_refuse_then_withdraw(cast, order, token_client):
    token_client(cast.officer_a).post(url(order.pk, "refuse"), {"reason": "不属于本机构职责"}, format="json")
    response = token_client(cast.hq_admin).post(
        url(order.pk, "refusal"), {"resend": False, "comment": "另行安排"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "cancelled"


def test_the_refusal_answer_needs_a_choice(cast, order, token_client):
    token_client(cast.officer_a).post(url(order.pk, "refuse"), {"reason": "不属于本机构职责"}, format="json")
    body = assert_error(token_client(cast.hq_admin).post(url(order.pk, "refusal"), {}, format="json"), 400, "invalid")
    assert "resend" in body["fields"]


def test_a_stale_version_is_a_conflict_and_changes_nothing(cast, order, token_client):
    task = HumanTask.objects.get(status="open", instance__object_id=str(order.pk))
    response = token_client(cast.officer_a).post(url(order.pk, "accept"), {"version": task.version + 1}, format="json")
    assert_error(response, 409, workflow_codes.STALE_VERSION)
    order.refresh_from_db()
    assert order.status == WorkOrder.Status.PENDING_ACCEPT


def test_an_action_at_the_wrong_step_is_a_conflict(cast, order, token_client):
    response = token_client(cast.hq_admin).post(url(order.pk, "review"), {"approved": True}, format="json")
    assert_error(response, 409, codes.WRONG_STEP)


def test_the_issuer_may_not_accept_for_the_recipient(cast, order, token_client):
    response = token_client(cast.hq_admin).post(url(order.pk, "accept"), {}, format="json")
    assert response.status_code == 403
    assert response.json()["error"].startswith("workflow.")
    order.refresh_from_db()
    assert order.status == WorkOrder.Status.PENDING_ACCEPT


def test_the_issuer_cancels_a_batch_and_its_children(cast, issue, token_client):
    parent = issue(recipient_units=[cast.branch_a, cast.branch_b], now=timezone.now())
    assert_error(
        token_client(cast.hq_admin).post(url(parent.pk, "cancel"), {}, format="json"), 400, codes.REASON_REQUIRED
    )
    response = token_client(cast.hq_admin).post(url(parent.pk, "cancel"), {"reason": "方案调整"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "cancelled"
    assert set(WorkOrder.objects.filter(parent=parent).values_list("status", flat=True)) == {"cancelled"}
    assert_error(token_client(cast.hq_admin).post(url(parent.pk, "cancel"), {"reason": "再撤"}), 409, codes.WRONG_STEP)


def test_the_recipient_may_not_cancel(cast, order, token_client):
    response = token_client(cast.officer_a).post(url(order.pk, "cancel"), {"reason": "不想办"}, format="json")
    assert_error(response, 403, codes.NOT_ALLOWED)


# --- scope ----------------------------------------------------------------------------------------


# head office's cancel (the branch's own actions are the matrix's, tests/access_matrix, where the peer rule holds)
def test_another_branch_gets_404_for_head_office_s_cancel(cast, order, token_client):
    response = token_client(cast.officer_b).post(url(order.pk, "cancel"), {"reason": "x"}, format="json")
    assert_error(response, 404, "not_found")
    order.refresh_from_db()
    assert order.status == WorkOrder.Status.PENDING_ACCEPT


def test_the_read_only_manager_reads_but_may_not_act(cast, order, token_client):
    client = token_client(cast.manager)
    body = client.get(url(order.pk)).json()
    assert body["id"] == order.pk
    assert body["actions"] == []
    assert client.post(url(order.pk, "accept"), {}, format="json").status_code == 403


def test_lists_are_scoped(cast, issue, token_client):
    to_a = issue(recipient_units=[cast.branch_a])
    to_b = issue(recipient_units=[cast.branch_b])
    to_sub_a = issue(recipient_units=[cast.sub_a])

    def ids(user, **params):
        response = token_client(user).get(LIST, params)
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["results"]}

    assert ids(cast.officer_b) == {to_b.pk}
    assert ids(cast.officer_a) == {to_a.pk, to_sub_a.pk}
    assert ids(cast.hq_admin) == {to_a.pk, to_b.pk, to_sub_a.pk}
    assert ids(cast.manager) == {to_a.pk, to_b.pk, to_sub_a.pk}


def test_the_todo_box_lists_orders_waiting_for_me(cast, issue, token_client):
    to_a = issue(recipient_units=[cast.branch_a])
    # a branch officer reaches the sub-branch's steps too (candidates are the role over the unit's subtree)
    to_sub_a = issue(recipient_units=[cast.sub_a])
    issue(recipient_units=[cast.branch_b])
    rows = token_client(cast.officer_a).get(LIST, {"box": "todo"}).json()["results"]
    assert {row["id"] for row in rows} == {to_a.pk, to_sub_a.pk}
    rows = token_client(cast.hq_admin).get(LIST, {"box": "todo"}).json()["results"]
    assert rows == []  # nothing waits for head office until a branch reports back


def test_list_filters(cast, issue, token_client):
    closed = issue(title="投诉整改", kind=WorkOrder.Kind.RECTIFICATION)
    WorkOrder.objects.filter(pk=closed.pk).update(status=WorkOrder.Status.CLOSED)
    late = issue()  # issued on 2025-03-03: long overdue
    fresh = issue(now=timezone.now())
    client = token_client(cast.hq_admin)

    def ids(**params):
        return {row["id"] for row in client.get(LIST, params).json()["results"]}

    assert ids(status="closed") == {closed.pk}
    assert ids(kind="rectification") == {closed.pk}
    assert ids(q="整改") == {closed.pk}
    assert ids(q=closed.number) == {closed.pk}
    assert ids(overdue="true") == {late.pk}
    rows = client.get(LIST).json()["results"]
    assert {r["id"]: r["overdue"] for r in rows} == {closed.pk: False, late.pk: True, fresh.pk: False}
    body = assert_error(client.get(LIST, {"box": "spam"}), 400, "invalid")
    assert "box" in body["fields"]


def test_the_issued_box_shows_a_batch_as_one_row_with_progress(cast, issue, token_client):
    parent = issue(recipient_units=[cast.branch_a, cast.branch_b])
    client = token_client(cast.hq_admin)
    [row] = client.get(LIST, {"box": "issued"}).json()["results"]
    assert row["id"] == parent.pk
    assert row["progress"] == {"total": 2, "done": 0, "overdue": 2, "percent": 0}
    children = client.get(LIST, {"parent": parent.pk}).json()["results"]
    assert {c["parent"] for c in children} == {parent.pk}
    assert len(children) == 2
    assert all(c["progress"] is None for c in children)


def test_the_list_query_count_does_not_grow_with_rows(cast, issue, token_client, django_assert_max_num_queries):
    for _ in range(3):
        issue(recipient_units=[cast.branch_a, cast.branch_b])
    client = token_client(cast.hq_admin)
    with CaptureQueriesContext(connection) as few, django_assert_max_num_queries(10):
        response = client.get(LIST, {"box": "issued"})
    assert response.json()["count"] == 3
    for _ in range(5):
        issue(recipient_units=[cast.branch_a, cast.branch_b])
    with CaptureQueriesContext(connection) as many, django_assert_max_num_queries(10):
        response = client.get(LIST, {"box": "issued"})
    assert response.json()["count"] == 8
    print(f"work order list API: {len(few)} queries with 3 batches, {len(many)} with 8")
    assert len(many) == len(few)


def test_the_board_counts_what_the_caller_sees(cast, issue, token_client):
    issue(recipient_units=[cast.branch_a, cast.branch_b])
    issue(recipient_units=[cast.branch_b], now=timezone.now())
    board = token_client(cast.hq_admin).get(BOARD).json()
    rows = {row["unit"]["id"]: row for row in board["units"]}
    assert rows[cast.branch_a.pk]["total"] == 1
    assert rows[cast.branch_b.pk]["total"] == 2
    assert rows[cast.branch_b.pk]["overdue"] == 1
    assert board["totals"] == {"pending_accept": 3}
    assert board["overdue"] == 2
    only_b = token_client(cast.officer_b).get(BOARD).json()
    assert [row["unit"]["id"] for row in only_b["units"]] == [cast.branch_b.pk]


# --- authentication and methods -------------------------------------------------------------------


@pytest.mark.parametrize("path", [LIST, BOARD, "/api/v1/workorders/1/", "/api/v1/workorders/1/accept/"])
def test_anonymous_callers_get_401(db, path):
    response = APIClient().post(path, {}, format="json") if "accept" in path else APIClient().get(path)
    assert_error(response, 401, "not_authenticated")


def test_a_session_reads_and_issues_with_the_csrf_token(cast):
    """The pages' htmx calls use the session: writes then need the CSRF token."""
    client = APIClient(enforce_csrf_checks=True)
    client.get("/accounts/login/")  # the sign-in form sets the CSRF cookie, as in a browser
    client.force_login(cast.hq_admin)
    assert client.get(LIST).status_code == 200
    assert_error(client.post(LIST, payload(cast), format="json"), 403, "permission_denied")
    assert nothing_written()
    csrf = client.cookies["csrftoken"].value
    assert client.post(LIST, payload(cast), format="json", HTTP_X_CSRFTOKEN=csrf).status_code == 201


def test_actions_refuse_get(cast, order, token_client):
    assert_error(token_client(cast.officer_a).get(url(order.pk, "accept")), 405, "method_not_allowed")


def test_the_schema_describes_the_endpoints(db, client):
    schema = client.get("/api/schema/?format=json").json()
    paths = schema["paths"]
    assert {"/api/v1/workorders/", "/api/v1/workorders/{id}/feedback/", "/api/v1/workorders/board/"} <= set(paths)
    assert "multipart/form-data" in paths["/api/v1/workorders/{id}/feedback/"]["post"]["requestBody"]["content"]
    assert "409" in paths["/api/v1/workorders/{id}/accept/"]["post"]["responses"]
