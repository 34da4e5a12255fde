"""The workflow API: each endpoint's happy path, refusals in the one error shape, and scope."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from tests.api_helpers import assert_error
from tests.api_helpers import url as api_url
from tests.helpers import make_user
from tests.workflow.conftest import at, bpmn_bytes
from xiaobao.workflow import error_codes as codes
from xiaobao.workflow import services
from xiaobao.workflow.models import HumanTask, ProcessDefinition, Transition

MONDAY = at(2025, 3, 3, 10, 0)
HEAD = '<?xml version="1.0" encoding="UTF-8"?>'
NS = 'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:xiaobao="urn:xiaobao:bpmn:1.0"'


def model(body: str) -> bytes:
    return (
        f'{HEAD}<bpmn:definitions {NS} id="d" targetNamespace="t">'
        f'<bpmn:process id="uploaded" isExecutable="true">{body}</bpmn:process></bpmn:definitions>'
    ).encode()


def open_task(instance, element_id):
    return HumanTask.objects.get(instance=instance, element_id=element_id, status=HumanTask.Status.OPEN)


@pytest.fixture
def approval(cast, deploy, applicant):
    deploy("approval_xiaobao.bpmn")
    return services.start(process_key="test_approval", business_object=applicant, actor=cast.officer_a, now=MONDAY)


@pytest.fixture
def review(cast, approval):
    """The branch review in 北京分公司 (A): unassigned, claimable by officer_a, due in the past (2025)."""
    services.complete(task=open_task(approval, "submit"), user=cast.officer_a, now=MONDAY)
    return open_task(approval, "review")


@pytest.fixture
def as_user():
    def make(user):
        client = APIClient()
        client.force_authenticate(user)
        return client

    return make


def url(pk, action=""):
    return api_url("/api/v1/workflow/tasks/", pk, action)


def test_the_candidate_box_lists_the_review_for_the_branch_officer(cast, review, as_user):
    response = as_user(cast.officer_a).get("/api/v1/workflow/tasks/", {"box": "candidate"})
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [r["id"] for r in rows] == [review.pk]
    assert rows[0]["process_key"] == "test_approval"
    assert rows[0]["org_unit_name"] == "北京分公司"
    assert rows[0]["assignee"] is None
    assert rows[0]["version"] == review.version


def test_the_mine_box_lists_only_held_tasks(cast, review, as_user):
    client = as_user(cast.officer_a)
    assert client.get("/api/v1/workflow/tasks/", {"box": "mine"}).json()["results"] == []
    services.claim(task=review, user=cast.officer_a)
    assert [r["id"] for r in client.get("/api/v1/workflow/tasks/", {"box": "mine"}).json()["results"]] == [review.pk]


def test_the_overdue_box_marks_rows_overdue(cast, review, as_user):
    rows = as_user(cast.officer_a).get("/api/v1/workflow/tasks/", {"box": "overdue"}).json()["results"]
    assert [r["id"] for r in rows] == [review.pk]
    assert rows[0]["overdue"] is True


def test_the_done_box_lists_what_i_completed(cast, approval, review, as_user):
    submit = HumanTask.objects.get(instance=approval, element_id="submit")
    rows = as_user(cast.officer_a).get("/api/v1/workflow/tasks/", {"box": "done"}).json()["results"]
    assert [r["id"] for r in rows] == [submit.pk]
    assert rows[0]["status"] == "completed"


def test_another_branch_does_not_see_the_task_in_any_box(cast, review, as_user):
    client = as_user(cast.officer_b)
    for box in ("all", "mine", "candidate", "overdue", "done"):
        assert client.get("/api/v1/workflow/tasks/", {"box": box}).json()["results"] == [], box


def test_an_unknown_box_is_a_field_error(cast, as_user):
    body = assert_error(as_user(cast.officer_a).get("/api/v1/workflow/tasks/", {"box": "spam"}), 400, "invalid")
    assert "box" in body["fields"]


def test_the_inbox_query_count_does_not_grow_with_rows(cast, deploy, applicant, as_user, django_assert_max_num_queries):
    deploy("approval_xiaobao.bpmn")
    client = as_user(cast.officer_a)
    client.get("/api/v1/workflow/tasks/", {"box": "all"})  # warm: the content types of the rules load once
    counts = []
    for size in (1, 6):
        while HumanTask.objects.filter(element_id="review", status="open").count() < size:
            instance = services.start(process_key="test_approval", business_object=applicant, actor=cast.officer_a)
            services.complete(task=open_task(instance, "submit"), user=cast.officer_a)
        # fixed per request: permissions (2), acting reach (2), and the business objects' own rules
        # (workflow/access.py: content types once per process, org scope (2), work-order roles (1)); count, page
        with CaptureQueriesContext(connection) as captured, django_assert_max_num_queries(11):
            response = client.get("/api/v1/workflow/tasks/", {"box": "all"})
        assert response.json()["count"] == size
        counts.append(len(captured))
    print(f"inbox API: {counts[0]} queries with 1 task, {counts[1]} with 6")
    assert counts[0] == counts[1]


def test_anonymous_callers_get_401(db):
    assert APIClient().get("/api/v1/workflow/tasks/").status_code == 401


def test_the_inbox_refuses_post(cast, as_user):
    assert as_user(cast.officer_a).post("/api/v1/workflow/tasks/", {}).status_code == 405


# --- task detail ------------------------------------------------------------------------


def test_task_detail_carries_the_form(cast, review, as_user):
    body = as_user(cast.officer_a).get(url(review.pk)).json()
    assert body["name"] == "分公司审核"
    assert [f["id"] for f in body["form"]] == ["approved", "comment"]
    assert body["form"][0]["type"] == "boolean"


def test_task_detail_outside_scope_is_404(cast, review, as_user):
    assert_error(as_user(cast.officer_b).get(url(review.pk)), 404, "not_found")


def test_the_read_only_manager_sees_the_task(cast, review, as_user):
    assert as_user(cast.manager).get(url(review.pk)).status_code == 200


# --- claim / release --------------------------------------------------------------------


def test_claim_takes_the_task(cast, review, as_user):
    response = as_user(cast.officer_a).post(url(review.pk, "claim"), {"version": review.version}, format="json")
    assert response.status_code == 200
    assert response.json()["assignee"] == cast.officer_a.pk
    assert response.json()["version"] == review.version + 1


def test_claiming_a_claimed_task_is_409(cast, review, as_user):
    colleague = make_user("officer_a2", cast.branch_a, "branch_officer")
    services.claim(task=review, user=colleague)
    assert_error(as_user(cast.officer_a).post(url(review.pk, "claim"), {}, format="json"), 409, codes.ALREADY_CLAIMED)


def test_claim_with_a_stale_version_is_409(cast, review, as_user):
    response = as_user(cast.officer_a).post(url(review.pk, "claim"), {"version": review.version + 5}, format="json")
    assert_error(response, 409, codes.STALE_VERSION)


def test_the_read_only_manager_may_not_claim(cast, review, as_user):
    assert_error(as_user(cast.manager).post(url(review.pk, "claim"), {}, format="json"), 403, codes.NOT_CANDIDATE)
    review.refresh_from_db()
    assert review.assignee is None


def test_another_branch_may_not_claim(cast, review, as_user):
    assert_error(as_user(cast.officer_b).post(url(review.pk, "claim"), {}, format="json"), 404, "not_found")


def test_claim_refuses_get(cast, review, as_user):
    assert as_user(cast.officer_a).get(url(review.pk, "claim")).status_code == 405


def test_release_gives_the_task_back(cast, review, as_user):
    services.claim(task=review, user=cast.officer_a)
    response = as_user(cast.officer_a).post(url(review.pk, "release"), {}, format="json")
    assert response.status_code == 200
    assert response.json()["assignee"] is None


def test_release_by_someone_else_is_403(cast, review, as_user):
    services.claim(task=review, user=cast.officer_a)
    assert_error(as_user(cast.manager).post(url(review.pk, "release"), {}, format="json"), 403, codes.NOT_ASSIGNEE)


# --- complete ---------------------------------------------------------------------------


def test_complete_advances_the_process(cast, approval, review, as_user):
    payload = {"version": review.version, "data": {"approved": True, "comment": "同意"}, "comment": "材料齐全"}
    response = as_user(cast.officer_a).post(url(review.pk, "complete"), payload, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "completed"
    assert open_task(approval, "final").org_unit == cast.hq
    assert Transition.objects.filter(task=review, action="complete", comment="材料齐全").exists()


def test_complete_with_a_stale_version_is_409_and_changes_nothing(cast, review, as_user):
    services.claim(task=review, user=cast.officer_a)  # the version moves on after the page loaded
    payload = {"version": review.version, "data": {"approved": True}}
    assert_error(
        as_user(cast.officer_a).post(url(review.pk, "complete"), payload, format="json"), 409, codes.STALE_VERSION
    )
    review.refresh_from_db()
    assert review.status == HumanTask.Status.OPEN


def test_completing_a_closed_task_is_409(cast, review, as_user):
    services.complete(task=review, user=cast.officer_a, data={"approved": False})
    review.refresh_from_db()
    payload = {"version": review.version, "data": {"approved": True}}
    assert_error(
        as_user(cast.officer_a).post(url(review.pk, "complete"), payload, format="json"), 409, codes.TASK_CLOSED
    )


def test_complete_needs_the_version(cast, review, as_user):
    body = assert_error(
        as_user(cast.officer_a).post(url(review.pk, "complete"), {"data": {}}, format="json"), 400, "invalid"
    )
    assert "version" in body["fields"]


def test_complete_refuses_fields_not_on_the_form(cast, review, as_user):
    payload = {"version": review.version, "data": {"amount": 3}}
    body = assert_error(
        as_user(cast.officer_a).post(url(review.pk, "complete"), payload, format="json"), 400, codes.INVALID_DATA
    )
    assert body["fields"] == {"amount": ["unknown"]}


def test_the_read_only_manager_may_not_complete(cast, review, as_user):
    payload = {"version": review.version, "data": {"approved": True}}
    assert_error(
        as_user(cast.manager).post(url(review.pk, "complete"), payload, format="json"), 403, codes.NOT_CANDIDATE
    )


def test_another_branch_may_not_complete(cast, review, as_user):
    payload = {"version": review.version, "data": {"approved": True}}
    assert_error(as_user(cast.officer_b).post(url(review.pk, "complete"), payload, format="json"), 404, "not_found")
    review.refresh_from_db()
    assert review.status == HumanTask.Status.OPEN


def test_anonymous_complete_is_401(cast, review):
    assert APIClient().post(url(review.pk, "complete"), {}, format="json").status_code == 401


# --- reassign / delegate ----------------------------------------------------------------


def test_the_hq_admin_reassigns(cast, review, as_user):
    colleague = make_user("officer_a2", cast.branch_a, "branch_officer")
    payload = {"to_user": colleague.pk, "comment": "休假"}
    response = as_user(cast.hq_admin).post(url(review.pk, "reassign"), payload, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["assignee"] == colleague.pk


def test_an_officer_may_not_reassign(cast, review, as_user):
    payload = {"to_user": cast.officer_a.pk}
    assert_error(
        as_user(cast.officer_a).post(url(review.pk, "reassign"), payload, format="json"), 403, codes.NOT_SUPERVISOR
    )


def test_reassigning_to_an_unknown_user_is_400(cast, review, as_user):
    body = assert_error(
        as_user(cast.hq_admin).post(url(review.pk, "reassign"), {"to_user": 999999}, format="json"),
        400,
        codes.TARGET_NOT_ELIGIBLE,
    )
    assert body["fields"] == {"to_user": ["not_found"]}


def test_reassigning_to_someone_who_may_not_act_is_400(cast, review, as_user):
    payload = {"to_user": cast.outsider.pk}
    assert_error(
        as_user(cast.hq_admin).post(url(review.pk, "reassign"), payload, format="json"), 400, codes.TARGET_NOT_ELIGIBLE
    )


def test_the_holder_delegates(cast, review, as_user):
    colleague = make_user("officer_a2", cast.branch_a, "branch_officer")
    services.claim(task=review, user=cast.officer_a)
    response = as_user(cast.officer_a).post(url(review.pk, "delegate"), {"to_user": colleague.pk}, format="json")
    assert response.status_code == 200, response.content
    review.refresh_from_db()
    assert (review.assignee, review.delegated_by) == (colleague, cast.officer_a)


def test_delegating_a_task_one_does_not_hold_is_403(cast, review, as_user):
    colleague = make_user("officer_a2", cast.branch_a, "branch_officer")
    payload = {"to_user": colleague.pk}
    assert_error(
        as_user(cast.officer_a).post(url(review.pk, "delegate"), payload, format="json"), 403, codes.NOT_ASSIGNEE
    )


# --- definitions ------------------------------------------------------------------------


def test_definitions_list_versions_and_running_counts(cast, approval, as_user):
    changed = bpmn_bytes("approval_xiaobao.bpmn").replace("测试审批".encode(), "测试审批二".encode())
    services.deploy(content=changed)
    body = as_user(cast.officer_a).get("/api/v1/workflow/definitions/").json()
    group = next(g for g in body if g["key"] == "test_approval")
    assert group["name"] == "测试审批二"
    assert group["running"] == 1
    assert [(v["is_current"], v["running"]) for v in group["versions"]] == [(True, 0), (False, 1)]


def test_definitions_need_the_view_permission(cast, as_user):
    assert_error(as_user(cast.outsider).get("/api/v1/workflow/definitions/"), 403, "permission_denied")


def upload(client, content: bytes, name="p.bpmn"):
    return client.post(
        "/api/v1/workflow/definitions/", {"file": SimpleUploadedFile(name, content, "text/xml")}, format="multipart"
    )


VALID = model(
    '<bpmn:startEvent id="s"/><bpmn:userTask id="t" name="办理"><bpmn:extensionElements><xiaobao:properties>'
    '<xiaobao:property name="role" value="branch_officer"/></xiaobao:properties></bpmn:extensionElements>'
    '</bpmn:userTask><bpmn:endEvent id="e"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t"/>'
    '<bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="e"/>'
)


def test_upload_deploys_a_new_definition(cast, as_user):
    response = upload(as_user(cast.hq_admin), VALID)
    assert response.status_code == 201, response.content
    definition = ProcessDefinition.objects.get(key="uploaded")
    assert response.json()["id"] == definition.pk
    assert definition.is_current and definition.deployed_by == cast.hq_admin


def test_upload_needs_the_add_permission(cast, as_user):
    assert_error(upload(as_user(cast.officer_a), VALID), 403, "permission_denied")
    assert not ProcessDefinition.objects.filter(key="uploaded").exists()


@pytest.mark.parametrize(
    ("content", "code", "element_id"),
    [
        pytest.param(b"<bpmn:definitions", codes.BPMN_MALFORMED, None, id="malformed"),
        pytest.param(
            b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x "boom">]><d>&x;</d>',
            codes.BPMN_FORBIDDEN_XML,
            None,
            id="dtd-entity",
        ),
        pytest.param(
            model('<bpmn:startEvent id="s"/><bpmn:complexGateway id="cg1"/>'),
            codes.BPMN_UNSUPPORTED,
            "cg1",
            id="unsupported",
        ),
        pytest.param(
            model('<bpmn:startEvent id="s"/><bpmn:userTask id="nobody" name="无人"/>'),
            codes.TASK_UNASSIGNED,
            "nobody",
            id="unassigned",
        ),
        pytest.param(b"PK\x03\x04 not xml at all", codes.BPMN_MALFORMED, None, id="not-xml"),
    ],
)
def test_upload_refusals_name_the_problem(cast, as_user, content, code, element_id):
    body = assert_error(upload(as_user(cast.hq_admin), content), 400, code)
    if element_id:
        assert body["fields"]["element_id"] == [element_id]
    assert not ProcessDefinition.objects.filter(key="uploaded").exists()


def test_an_upload_larger_than_the_limit_is_refused(cast, as_user, settings):
    settings.UPLOAD_MAX_BYTES = 100
    assert_error(upload(as_user(cast.hq_admin), VALID), 400, codes.FILE_TOO_LARGE)


def test_upload_without_a_file_is_a_field_error(cast, as_user):
    body = assert_error(
        as_user(cast.hq_admin).post("/api/v1/workflow/definitions/", {}, format="multipart"), 400, "invalid"
    )
    assert "file" in body["fields"]


# --- instance history and diagram -------------------------------------------------------


def test_history_is_the_timeline(cast, approval, review, as_user):
    body = as_user(cast.officer_a).get(f"/api/v1/workflow/instances/{approval.pk}/history/").json()
    assert [row["action"] for row in body] == ["start", "complete"]
    assert body[1]["element_name"] == "经办提交"


def test_history_outside_scope_is_404(cast, approval, as_user):
    assert_error(as_user(cast.officer_b).get(f"/api/v1/workflow/instances/{approval.pk}/history/"), 404, "not_found")


def test_the_diagram_marks_completed_and_current(cast, approval, review, as_user):
    body = as_user(cast.officer_a).get(f"/api/v1/workflow/instances/{approval.pk}/diagram/").json()
    assert "submit" in body["completed"]
    assert "review" in body["current"]
    assert body["xml"].startswith("<?xml")


def test_the_diagram_outside_scope_is_404(cast, approval, as_user):
    assert_error(as_user(cast.officer_b).get(f"/api/v1/workflow/instances/{approval.pk}/diagram/"), 404, "not_found")
