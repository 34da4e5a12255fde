"""Plan pages through Django's test client: who sees which page (outsider 404, read-only 403 on writes),
the lifecycle from the pages (draft → submit → approve / return → issue → summary → close), goals and
tasks edited in place (htmx), refusals shown on the page with nothing written.

The cast (tests/helpers.py): hq_admin (HQ), officer_a (branch A 北京), officer_b (branch B 河北),
manager (read-only, HQ), outsider (no role, branch A). Fixtures: tests/plans/conftest.py.
"""

# Who reaches each of this app's object routes — another branch or department, no role, anonymous — and that a
# refusal writes nothing, is the permission matrix's (tests/access_matrix/table.py); the copies once here are
# gone. What stays asserts more than a status: lists that leak nothing, writes not done, actors the matrix lacks.

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from xiaobao.core.models import AuditEntry
from xiaobao.plans import services
from xiaobao.plans.models import Plan, PlanGoal, PlanTask


@pytest.fixture
def as_user():
    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


def current_plan(cast, new_plan, **overrides):
    """A draft whose period covers today, so the pages (which act at the real time) may issue it."""
    today = timezone.localdate()
    arguments = {
        "period_start": today - timedelta(days=10),
        "period_end": today + timedelta(days=60),
        "task": {"title": "开展“五进入”集中宣传", "expected_output": "活动台账", "due_on": today + timedelta(days=30)},
    }
    arguments.update(overrides)
    return new_plan(**arguments)


@pytest.fixture
def draft(cast, new_plan):
    return current_plan(cast, new_plan)


def plan_data(cast, **overrides) -> dict:
    data = {
        "name": "2026年消保宣传方案",
        "kind": Plan.Kind.CAMPAIGN,
        "period_start": "2026-03-01",
        "period_end": "2026-04-30",
        "description": "集中宣传。",
        "budget": "",
        "participating_units": [cast.branch_a.pk],
    }
    data.update(overrides)
    return data


# --- who sees which page --------------------------------------------------------------------------


@pytest.mark.parametrize("user", ["hq_admin", "officer_a", "manager"])
@pytest.mark.parametrize("name", ["plans:list", "plans:activities", "plans:report"])
def test_list_pages_open_for_the_cast(cast, as_user, user, name):
    response = as_user(getattr(cast, user)).get(reverse(name))
    assert response.status_code == 200


def test_pages_need_a_sign_in(db):
    response = Client().get(reverse("plans:list"))
    assert response.status_code == 302 and "/login" in response["Location"]


def test_list_shows_issued_plans_with_their_progress(cast, as_user, running_plan):
    html = as_user(cast.hq_admin).get(reverse("plans:list")).content.decode()
    assert f'data-plan-id="{running_plan.pk}"' in html
    assert 'data-done="0" data-total="2"' in html


def test_list_filters_by_kind_status_and_year(cast, as_user, running_plan, new_plan):
    other = new_plan(name="年度工作计划", kind=Plan.Kind.ANNUAL)
    client = as_user(cast.hq_admin)
    html = client.get(reverse("plans:list"), {"kind": "annual"}).content.decode()
    assert f'data-plan-id="{other.pk}"' in html and f'data-plan-id="{running_plan.pk}"' not in html
    html = client.get(reverse("plans:list"), {"status": "in_progress", "year": 2025}).content.decode()
    assert f'data-plan-id="{running_plan.pk}"' in html and f'data-plan-id="{other.pk}"' not in html
    html = client.get(reverse("plans:list"), {"year": 2024}).content.decode()
    assert 'data-testid="plan-empty"' in html


def test_a_branch_sees_an_issued_head_office_plan_but_not_a_draft(cast, as_user, running_plan, draft):
    client = as_user(cast.officer_a)
    assert client.get(reverse("plans:detail", args=[running_plan.pk])).status_code == 200
    assert client.get(reverse("plans:detail", args=[draft.pk])).status_code == 404


# head office's decisions (the matrix checks the branch's own actions and pages, where the peer rule holds)
@pytest.mark.parametrize("name", ["plans:approve", "plans:reject"])
def test_outsider_gets_404_on_head_office_s_decisions(cast, as_user, draft, name):
    response = as_user(cast.officer_b).post(reverse(name, args=[draft.pk]), {"reason": "x", "summary": "x"})
    assert response.status_code == 404
    assert Plan.objects.get(pk=draft.pk).status == Plan.Status.DRAFT


def test_outsider_without_role_sees_nothing(cast, as_user, draft):
    client = as_user(cast.outsider)
    assert client.get(reverse("plans:detail", args=[draft.pk])).status_code == 404
    assert f'data-plan-id="{draft.pk}"' not in client.get(reverse("plans:list")).content.decode()


@pytest.mark.parametrize(
    "name, data",
    [
        ("plans:edit", None),
        ("plans:submit", {}),
        ("plans:issue", {}),
        ("plans:summarize", {"summary": "总结"}),
        ("plans:close", {}),
        ("plans:goal-add", {"description": "触达100万人次"}),
        ("plans:task-add", {"title": "任务"}),
    ],
)
def test_read_only_manager_gets_403_on_writes(cast, as_user, draft, name, data):
    client = as_user(cast.manager)
    url = reverse(name, args=[draft.pk])
    response = client.get(url) if data is None else client.post(url, data)
    assert response.status_code == 403
    assert Plan.objects.get(pk=draft.pk).status == Plan.Status.DRAFT
    assert draft.goals.count() == 0 and draft.tasks.count() == 1


def test_manager_cannot_open_the_new_plan_form(cast, as_user):
    assert as_user(cast.manager).get(reverse("plans:new")).status_code == 403
    assert as_user(cast.outsider).get(reverse("plans:new")).status_code == 403


def test_manager_reads_the_detail_without_buttons(cast, as_user, draft):
    html = as_user(cast.manager).get(reverse("plans:detail", args=[draft.pk])).content.decode()
    assert 'data-testid="plan-facts"' in html
    assert 'data-testid="submit-form"' not in html and 'data-testid="goal-form"' not in html


@pytest.mark.parametrize("method", ["get", "put"])
def test_actions_refuse_other_methods(cast, as_user, draft, method):
    response = getattr(as_user(cast.hq_admin), method)(reverse("plans:submit", args=[draft.pk]))
    assert response.status_code == 405


# --- create and edit ------------------------------------------------------------------------------


def test_officer_creates_a_draft_for_their_unit(cast, as_user):
    response = as_user(cast.officer_a).post(reverse("plans:new"), plan_data(cast))
    plan = Plan.objects.get(name="2026年消保宣传方案")
    assert response.status_code == 302 and response["Location"] == plan.get_absolute_url()
    assert plan.org_unit == cast.branch_a and plan.status == Plan.Status.DRAFT
    assert list(plan.participating_units.all()) == [cast.branch_a]


def test_new_plan_with_end_before_start_writes_nothing(cast, as_user):
    response = as_user(cast.hq_admin).post(
        reverse("plans:new"), plan_data(cast, period_start="2026-05-01", period_end="2026-04-01")
    )
    assert response.status_code == 400
    assert 'data-testid="error-period_end"' in response.content.decode()
    assert not Plan.objects.exists()


def test_new_plan_refuses_a_unit_outside_the_owner(cast, as_user):
    # branch A's officer cannot even pick branch B: the form offers only their own scope
    response = as_user(cast.officer_a).post(
        reverse("plans:new"), plan_data(cast, participating_units=[cast.branch_b.pk])
    )
    assert response.status_code == 400
    assert not Plan.objects.exists()


def test_edit_saves_a_draft(cast, as_user, draft):
    data = plan_data(
        cast,
        name="改名后的方案",
        period_start=draft.period_start.isoformat(),
        period_end=draft.period_end.isoformat(),
        participating_units=[cast.branch_a.pk, cast.branch_b.pk],
    )
    response = as_user(cast.hq_admin).post(reverse("plans:edit", args=[draft.pk]), data)
    assert response.status_code == 302
    assert Plan.objects.get(pk=draft.pk).name == "改名后的方案"


def test_edit_is_refused_once_submitted(cast, as_user, draft):
    services.plan_submit(actor=cast.hq_admin, plan=draft)
    data = plan_data(
        cast, name="改名", period_start=draft.period_start.isoformat(), period_end=draft.period_end.isoformat()
    )
    response = as_user(cast.hq_admin).post(reverse("plans:edit", args=[draft.pk]), data)
    assert response.status_code == 409
    assert Plan.objects.get(pk=draft.pk).name == draft.name


# --- goals and tasks (htmx) -----------------------------------------------------------------------


def test_goal_added_in_place_with_htmx(cast, as_user, draft):
    response = as_user(cast.hq_admin).post(
        reverse("plans:goal-add", args=[draft.pk]),
        {
            "description": "触达消费者100万人次",
            "indicator_code": "EDU-REACH",
            "target_value": "1000000",
            "unit": "人次",
        },
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert response.status_code == 200 and response["HX-Retarget"] == "#plan-goals"
    assert html.startswith('<section class="card" id="plan-goals"') and "触达消费者100万人次" in html
    assert draft.goals.get().indicator_code == "EDU-REACH"


def test_goal_without_description_is_refused_in_place(cast, as_user, draft):
    response = as_user(cast.hq_admin).post(
        reverse("plans:goal-add", args=[draft.pk]), {"description": ""}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200  # htmx swaps only 2xx: the errors come inside the section
    assert 'data-testid="error-description"' in response.content.decode()
    assert not PlanGoal.objects.exists()


def test_goal_removed_without_js_redirects(cast, as_user, draft):
    goal = services.goal_add(actor=cast.hq_admin, plan=draft, data={"description": "目标"})
    response = as_user(cast.hq_admin).post(reverse("plans:goal-remove", args=[draft.pk, goal.pk]))
    assert response.status_code == 302
    assert not PlanGoal.objects.exists()


def test_task_added_edited_and_removed(cast, as_user, draft):
    client = as_user(cast.hq_admin)
    due = (draft.period_start + timedelta(days=20)).isoformat()
    response = client.post(
        reverse("plans:task-add", args=[draft.pk]),
        {"title": "制作宣传视频", "due_on": due, "units": [cast.branch_b.pk], "expected_output": "视频2个"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200 and "制作宣传视频" in response.content.decode()
    task = draft.tasks.get(title="制作宣传视频")
    assert list(task.units.all()) == [cast.branch_b]
    editor = client.get(reverse("plans:task-edit", args=[draft.pk, task.pk]), HTTP_HX_REQUEST="true")
    assert editor.status_code == 200 and 'data-testid="task-edit-form"' in editor.content.decode()
    assert "<html" not in editor.content.decode()
    response = client.post(
        reverse("plans:task-edit", args=[draft.pk, task.pk]),
        {"title": "制作宣传短视频", "due_on": due, "units": [cast.branch_a.pk]},
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.title == "制作宣传短视频" and list(task.units.all()) == [cast.branch_a]
    client.post(reverse("plans:task-remove", args=[draft.pk, task.pk]))
    assert not PlanTask.objects.filter(pk=task.pk).exists()


def test_task_due_outside_the_period_is_refused(cast, as_user, draft):
    response = as_user(cast.hq_admin).post(
        reverse("plans:task-add", args=[draft.pk]),
        {
            "title": "超期任务",
            "due_on": (draft.period_end + timedelta(days=1)).isoformat(),
            "units": [cast.branch_a.pk],
        },
    )
    assert response.status_code == 400
    assert 'data-testid="error-due_on"' in response.content.decode()
    assert not draft.tasks.filter(title="超期任务").exists()


def test_task_of_another_plan_is_404(cast, as_user, draft, new_plan):
    other = current_plan(cast, new_plan, name="另一个方案")
    task = other.tasks.get()
    response = as_user(cast.hq_admin).post(reverse("plans:task-remove", args=[draft.pk, task.pk]))
    assert response.status_code == 404
    assert PlanTask.objects.filter(pk=task.pk).exists()


# --- the lifecycle ------------------------------------------------------------------------------


def test_full_lifecycle_through_the_pages(cast, as_user, draft):
    client = as_user(cast.hq_admin)
    detail = reverse("plans:detail", args=[draft.pk])
    assert 'data-testid="submit-form"' in client.get(detail).content.decode()
    assert client.post(reverse("plans:submit", args=[draft.pk])).status_code == 302
    html = client.get(detail).content.decode()
    assert 'data-testid="approve-form"' in html and 'data-testid="goal-form"' not in html
    assert client.post(reverse("plans:approve", args=[draft.pk])).status_code == 302
    assert Plan.objects.get(pk=draft.pk).status == Plan.Status.APPROVED
    assert 'data-testid="issue-form"' in client.get(detail).content.decode()
    assert client.post(reverse("plans:issue", args=[draft.pk])).status_code == 302
    plan = Plan.objects.get(pk=draft.pk)
    assert plan.status == Plan.Status.IN_PROGRESS and plan.tasks.get().workorder_id
    html = client.get(detail).content.decode()
    assert html.count('data-testid="task-unit-row"') == 2 and 'data-testid="board-link"' in html
    assert client.post(reverse("plans:summarize", args=[draft.pk]), {"summary": "圆满完成。"}).status_code == 302
    assert client.post(reverse("plans:close", args=[draft.pk])).status_code == 302
    plan.refresh_from_db()
    assert plan.status == Plan.Status.CLOSED and plan.summary == "圆满完成。"


def test_reject_needs_a_reason_and_writes_nothing(cast, as_user, draft):
    services.plan_submit(actor=cast.hq_admin, plan=draft)
    response = as_user(cast.hq_admin).post(reverse("plans:reject", args=[draft.pk]), {"reason": ""})
    assert response.status_code == 400
    assert 'data-testid="error-reason"' in response.content.decode()
    assert Plan.objects.get(pk=draft.pk).status == Plan.Status.APPROVING


def test_reject_sends_the_plan_back(cast, as_user, draft):
    services.plan_submit(actor=cast.hq_admin, plan=draft)
    response = as_user(cast.hq_admin).post(reverse("plans:reject", args=[draft.pk]), {"reason": "预算偏高"})
    assert response.status_code == 302
    assert Plan.objects.get(pk=draft.pk).status == Plan.Status.REJECTED


def test_branch_officer_cannot_approve_a_head_office_plan(cast, as_user, running_plan, draft):
    services.plan_submit(actor=cast.hq_admin, plan=draft)
    # a draft of head office is outside branch A's view: 404, and the plan stays where it was
    assert as_user(cast.officer_a).post(reverse("plans:approve", args=[draft.pk])).status_code == 404
    assert Plan.objects.get(pk=draft.pk).status == Plan.Status.APPROVING


def test_summary_is_required(cast, as_user, running_plan):
    response = as_user(cast.hq_admin).post(reverse("plans:summarize", args=[running_plan.pk]), {"summary": " "})
    assert response.status_code == 400
    assert Plan.objects.get(pk=running_plan.pk).status == Plan.Status.IN_PROGRESS


def test_submit_twice_is_a_conflict_shown_on_the_page(cast, as_user, draft):
    client = as_user(cast.hq_admin)
    client.post(reverse("plans:submit", args=[draft.pk]))
    entries = AuditEntry.objects.count()
    response = client.post(reverse("plans:submit", args=[draft.pk]))
    assert response.status_code == 409
    assert 'data-testid="action-error"' in response.content.decode()
    assert AuditEntry.objects.count() == entries


def test_submit_without_tasks_is_refused(cast, as_user, draft):
    draft.tasks.all().delete()
    response = as_user(cast.hq_admin).post(reverse("plans:submit", args=[draft.pk]))
    assert response.status_code == 400
    assert Plan.objects.get(pk=draft.pk).status == Plan.Status.DRAFT


def test_board_and_timeline_show_each_task_and_unit(cast, as_user, running_plan):
    client = as_user(cast.hq_admin)
    html = client.get(reverse("plans:board", args=[running_plan.pk])).content.decode()
    assert html.count('data-testid="board-row"') == 2 and 'id="plan-charts"' in html
    html = client.get(reverse("plans:timeline", args=[running_plan.pk])).content.decode()
    assert html.count('data-testid="timeline-row"') == 1


def test_branch_board_shows_only_its_own_unit(cast, as_user, running_plan):
    html = as_user(cast.officer_a).get(reverse("plans:board", args=[running_plan.pk])).content.decode()
    assert 'data-unit="A"' in html and 'data-unit="B"' not in html


def test_plan_file_download_is_scoped(cast, as_user, new_plan):
    from django.core.files.uploadedfile import SimpleUploadedFile

    pdf = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    plan = current_plan(cast, new_plan, files=[SimpleUploadedFile("方案.pdf", pdf)])
    attachment = plan_attachment(plan)
    url = reverse("plans:download", args=[plan.pk, attachment.pk])
    assert as_user(cast.hq_admin).get(url).status_code == 200
    assert as_user(cast.officer_b).get(url).status_code == 404


def plan_attachment(plan):
    from xiaobao.plans import selectors

    return selectors.attachments(plan).get()


def _queries(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_plan_list_queries_do_not_grow_with_the_plans(cast, as_user, new_plan):
    client = as_user(cast.hq_admin)
    new_plan(name="方案一")
    one = _queries(client, reverse("plans:list"))
    for n in range(4):
        new_plan(name=f"方案{n + 2}")
    many = _queries(client, reverse("plans:list"))
    print(f"plan list: {one} queries with 1 plan, {many} with 5")
    assert many == one


def test_activity_list_queries_do_not_grow_with_the_rows(cast, as_user, running_plan):
    task = running_plan.tasks.get()
    client = as_user(cast.hq_admin)

    def record(n):
        services.activity_record(
            actor=cast.officer_a, task=task, held_on=date(2025, 3, 10), title=f"活动{n}", form="article", reach=n
        )

    record(0)
    one = _queries(client, reverse("plans:activities"))
    for n in range(1, 5):
        record(n)
    many = _queries(client, reverse("plans:activities"))
    print(f"activity list: {one} queries with 1 record, {many} with 5")
    assert many == one


@pytest.mark.parametrize("name, data", [("plans:approve", {}), ("plans:reject", {"reason": "不同意"})])
def test_read_only_manager_cannot_decide_an_approval(cast, as_user, draft, name, data):
    services.plan_submit(actor=cast.hq_admin, plan=draft)
    assert (
        'data-testid="approve-form"'
        not in as_user(cast.manager).get(reverse("plans:detail", args=[draft.pk])).content.decode()
    )
    response = as_user(cast.manager).post(reverse(name, args=[draft.pk]), data)
    assert response.status_code == 403
    assert Plan.objects.get(pk=draft.pk).status == Plan.Status.APPROVING
