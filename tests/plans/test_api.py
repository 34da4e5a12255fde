"""The plans API: list / create / detail, the lifecycle actions, task progress, activities and the roll-up —
each endpoint's happy path, refusals in the one error shape (codes, not wording), scope (404 outside)
and permissions (403 read-only), including a unit recording activities only for itself."""

# Who reaches each of this app's object routes — another branch or department, no role, anonymous — and that a
# refusal writes nothing, is the permission matrix's (tests/access_matrix/table.py); the copies once here are
# gone. What stays asserts more than a status: lists that leak nothing, writes not done, actors the matrix lacks.

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from tests.api_helpers import assert_error
from tests.api_helpers import token_client as shared_token_client
from tests.api_helpers import url as api_url
from xiaobao.plans import error_codes as codes
from xiaobao.plans import services
from xiaobao.plans.models import Activity, Plan

LIST = "/api/v1/plans/"
ACTIVITIES = "/api/v1/plans/activities/"
ROLLUP = "/api/v1/plans/rollup/"


def url(pk, action=""):
    return api_url(LIST, pk, action)


@pytest.fixture
def api():
    return shared_token_client


def payload(cast, **overrides) -> dict:
    today = timezone.localdate()
    data = {
        "name": "消保宣传方案",
        "kind": "campaign",
        "period_start": (today - timedelta(days=5)).isoformat(),
        "period_end": (today + timedelta(days=60)).isoformat(),
        "description": "集中宣传。",
        "participating_units": [cast.branch_a.pk, cast.branch_b.pk],
        "goals": [{"description": "触达100万人次", "indicator_code": "EDU-REACH", "target_value": "1000000"}],
        "tasks": [
            {
                "title": "五进入宣传",
                "due_on": (today + timedelta(days=30)).isoformat(),
                "units": [cast.branch_a.pk, cast.branch_b.pk],
            }
        ],
    }
    data.update(overrides)
    return data


@pytest.fixture
def task(running_plan):
    return running_plan.tasks.get()


def activity_payload(task, **overrides) -> dict:
    data = {
        "task": task.pk,
        "held_on": "2025-03-15",
        "title": "进社区",
        "form": "offline",
        "target": "community",
        "participants": 100,
        "reach": 900,
    }
    data.update(overrides)
    return data


# --- plans ---------------------------------------------------------------------------------------


def test_create_with_goals_and_tasks_then_run_the_lifecycle(cast, api):
    client = api(cast.hq_admin)
    response = client.post(LIST, payload(cast), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert response["Location"].endswith(url(body["id"]))
    assert body["status"] == "draft" and body["actions"] == ["edit", "submit"]
    assert body["goals"][0]["indicator_code"] == "EDU-REACH"
    assert body["tasks"][0]["units"] == [
        {"id": cast.branch_a.pk, "name": "北京分公司"},
        {"id": cast.branch_b.pk, "name": "河北分公司"},
    ]
    pk = body["id"]
    body = client.post(url(pk, "submit")).json()
    assert body["status"] == "approving" and body["step"]["element_id"] == "approve_hq"
    assert "approve" in body["actions"]
    body = client.post(url(pk, "approve"), {"version": body["step"]["version"]}, format="json").json()
    assert body["status"] == "approved" and body["actions"] == ["issue"]
    body = client.post(url(pk, "issue")).json()
    assert body["status"] == "in_progress" and body["tasks"][0]["total"] == 2
    assert body["progress"] == {"total": 2, "done": 0, "overdue": 0, "percent": 0}
    progress = client.get(url(pk, "progress")).json()
    assert {row["unit"]["name"] for row in progress[0]["orders"]} == {"北京分公司", "河北分公司"}
    assert client.post(url(pk, "summarize"), {"summary": "完成"}, format="json").json()["status"] == "summary"
    assert client.post(url(pk, "close")).json()["status"] == "closed"


def test_create_is_all_or_nothing(cast, api):
    bad = payload(cast, tasks=[{"title": "超期", "due_on": "2099-01-01", "units": [cast.branch_a.pk]}])
    assert_error(api(cast.hq_admin).post(LIST, bad, format="json"), 400, codes.DUE_OUT_OF_PERIOD)
    assert not Plan.objects.exists()


def test_create_with_a_unit_outside_scope_reveals_nothing(cast, api):
    response = api(cast.officer_a).post(LIST, payload(cast), format="json")
    body = assert_error(response, 400, codes.INVALID)
    assert "participating_units" in body["fields"]
    assert not Plan.objects.exists()


def test_create_with_bad_period_is_refused(cast, api):
    data = payload(cast, period_start="2026-05-01", period_end="2026-04-01", tasks=[], goals=[])
    body = assert_error(api(cast.hq_admin).post(LIST, data, format="json"), 400, codes.INVALID)
    assert "period_end" in body["fields"]


def test_manager_may_read_but_not_create(cast, api, running_plan):
    client = api(cast.manager)
    assert client.get(LIST).status_code == 200
    assert client.post(LIST, payload(cast), format="json").status_code == 403
    assert Plan.objects.count() == 1


@pytest.mark.parametrize("action", ["submit", "issue", "close"])
def test_manager_gets_403_on_actions(cast, api, new_plan, action):
    plan = new_plan()
    assert_error(api(cast.manager).post(url(plan.pk, action)), 403, codes.NOT_ALLOWED)
    assert Plan.objects.get(pk=plan.pk).status == Plan.Status.DRAFT


# head office's decisions (the matrix checks the branch's own reads and actions, where the peer rule holds)
@pytest.mark.parametrize("action", ["approve", "reject"])
def test_outsider_gets_404_on_head_office_s_decisions(cast, api, new_plan, action):
    plan = new_plan()
    client = api(cast.officer_b)
    response = client.post(url(plan.pk, action))
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"
    assert Plan.objects.get(pk=plan.pk).status == Plan.Status.DRAFT


def test_list_filters_and_scope(cast, api, running_plan, new_plan):
    draft = new_plan(name="年度计划", kind="annual")
    ids = [row["id"] for row in api(cast.hq_admin).get(LIST, {"kind": "annual"}).json()["results"]]
    assert ids == [draft.pk]
    ids = [row["id"] for row in api(cast.officer_a).get(LIST).json()["results"]]
    assert ids == [running_plan.pk]  # the issued plan reaches branch A, the draft does not
    assert api(cast.outsider).get(LIST).status_code == 403


def test_the_list_query_count_does_not_grow_with_rows(cast, api, new_plan):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = api(cast.hq_admin)
    counts = []
    for size in (1, 6):
        while Plan.objects.count() < size:
            new_plan(name=f"方案{Plan.objects.count()}")
        with CaptureQueriesContext(connection) as captured:
            response = client.get(LIST)
        assert response.json()["count"] == size
        counts.append(len(captured))
    print(f"plan list API: {counts[0]} queries with 1 plan, {counts[1]} with 6")
    assert counts[0] == counts[1]


def test_approve_with_a_stale_version_is_a_conflict(cast, api, new_plan):
    plan = new_plan()
    client = api(cast.hq_admin)
    version = client.post(url(plan.pk, "submit")).json()["step"]["version"]
    response = client.post(url(plan.pk, "approve"), {"version": version + 5}, format="json")
    assert response.status_code == 409
    assert Plan.objects.get(pk=plan.pk).status == Plan.Status.APPROVING


def test_reject_needs_a_reason(cast, api, new_plan):
    plan = new_plan()
    client = api(cast.hq_admin)
    client.post(url(plan.pk, "submit"))
    assert_error(client.post(url(plan.pk, "reject"), {"reason": ""}, format="json"), 400, codes.REASON_REQUIRED)
    assert client.post(url(plan.pk, "reject"), {"reason": "预算偏高"}, format="json").json()["status"] == "rejected"


def test_issue_before_approval_is_a_conflict(cast, api, new_plan):
    plan = new_plan()
    assert_error(api(cast.hq_admin).post(url(plan.pk, "issue")), 409, codes.WRONG_STATUS)


# --- activities -----------------------------------------------------------------------------------


def test_officer_records_for_own_unit(cast, api, task):
    response = api(cast.officer_a).post(ACTIVITIES, activity_payload(task), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["org_unit"]["name"] == "北京分公司" and body["task"]["id"] == task.pk
    assert response["Location"].endswith(f"{ACTIVITIES}{body['id']}/")


def test_officer_cannot_record_for_another_unit(cast, api, task):
    response = api(cast.officer_a).post(ACTIVITIES, activity_payload(task, org_unit=cast.branch_b.pk), format="json")
    # branch B is outside branch A's view: the id reveals nothing
    assert_error(response, 400, codes.INVALID)
    response = api(cast.officer_a).post(ACTIVITIES, activity_payload(task, org_unit=cast.sub_a.pk), format="json")
    assert_error(response, 403, codes.NOT_OWN_UNIT)
    assert not Activity.objects.exists()


@pytest.mark.parametrize(
    "overrides, code",
    [
        ({"target": ""}, codes.TARGET_REQUIRED),
        ({"form": "video"}, codes.TARGET_ONLINE),
        ({"reach": -1}, codes.INVALID),
        ({"held_on": "2025-06-01"}, codes.OUT_OF_PERIOD),
    ],
)
def test_activity_refusals_write_nothing(cast, api, task, overrides, code):
    assert_error(api(cast.officer_a).post(ACTIVITIES, activity_payload(task, **overrides), format="json"), 400, code)
    assert not Activity.objects.exists()


def test_manager_cannot_record(cast, api, task):
    assert api(cast.manager).post(ACTIVITIES, activity_payload(task), format="json").status_code == 403
    assert not Activity.objects.exists()


def test_activity_list_and_detail_are_scoped(cast, api, task):
    activity = services.activity_record(
        actor=cast.officer_a, task=task, held_on=date(2025, 3, 10), title="进校园", form="offline", target="school"
    )
    assert [row["id"] for row in api(cast.officer_a).get(ACTIVITIES).json()["results"]] == [activity.pk]
    assert api(cast.officer_b).get(ACTIVITIES).json()["results"] == []
    assert api(cast.officer_b).get(f"{ACTIVITIES}{activity.pk}/").status_code == 404
    assert api(cast.manager).get(f"{ACTIVITIES}{activity.pk}/").json()["title"] == "进校园"


# --- roll-up ---------------------------------------------------------------------------------------


def test_rollup_for_a_plan(cast, api, running_plan, task):
    record = services.activity_record
    record(
        actor=cast.officer_a,
        task=task,
        held_on=date(2025, 3, 10),
        title="a",
        form="offline",
        target="school",
        participants=10,
        reach=100,
    )
    record(actor=cast.officer_b, task=task, held_on=date(2025, 4, 1), title="b", form="article", reach=5000, articles=1)
    body = api(cast.hq_admin).get(ROLLUP, {"plan": running_plan.pk}).json()
    assert body["plan"] == running_plan.pk
    assert body["totals"]["events"] == 2 and body["totals"]["reach"] == 5100 and body["totals"]["articles"] == 1
    assert [row["unit"]["name"] for row in body["units"]] == ["北京分公司", "河北分公司"]
    assert [row["key"] for row in body["by_form"]] == ["article", "offline"]
    assert [row["key"] for row in body["by_target"]] == ["school", ""]  # online activities in a row of their own
    assert [row["key"] for row in body["by_month"]] == ["2025-03", "2025-04"]
    mine = api(cast.officer_a).get(ROLLUP, {"year": 2025}).json()
    assert mine["totals"]["events"] == 1


def test_rollup_of_a_plan_outside_scope_is_404(cast, api, new_plan):
    assert api(cast.officer_b).get(ROLLUP, {"plan": new_plan().pk}).status_code == 404


def test_schema_lists_the_plan_endpoints(cast, api):
    schema = api(cast.hq_admin).get("/api/schema/").content.decode()
    for path in ("/api/v1/plans/", "/api/v1/plans/activities/", "/api/v1/plans/rollup/", "/api/v1/plans/{id}/issue/"):
        assert path in schema
