"""Plan services: drafting with goals and tasks, approval through the BPMN process, issuing as work orders,
summary and close — each rule and refusal (by code), with nothing written on a refusal."""

from __future__ import annotations

from datetime import date

import pytest

from tests.helpers import make_user
from tests.plans.conftest import NOW, at
from xiaobao.core.api_errors import BusinessRuleError
from xiaobao.core.models import AuditEntry, Notification
from xiaobao.plans import error_codes as codes
from xiaobao.plans import selectors, services
from xiaobao.plans.models import Plan, PlanGoal, PlanTask
from xiaobao.workflow import selectors as workflow_selectors
from xiaobao.workflow.models import HumanTask
from xiaobao.workorders import selectors as workorder_selectors


def refused(code: str, call, *args, **kwargs) -> BusinessRuleError:
    with pytest.raises(BusinessRuleError) as caught:
        call(*args, **kwargs)
    assert caught.value.error_code == code
    return caught.value


# --- create and edit ---------------------------------------------------------------------------------


def test_create_makes_a_draft_owned_by_the_actors_unit_with_an_audit_row(cast, new_plan):
    plan = new_plan()
    assert plan.status == Plan.Status.DRAFT and plan.org_unit == cast.hq
    assert sorted(u.code for u in plan.participating_units.all()) == ["A", "B"]  # the task's units joined
    assert AuditEntry.objects.filter(action="plan.create", object_id=str(plan.pk)).exists()


@pytest.mark.parametrize(
    "change, field",
    [
        ({"name": ""}, "name"),
        ({"kind": "party"}, "kind"),
        ({"period_end": date(2025, 2, 1)}, "period_end"),
        ({"period_start": "03/01/2025"}, "period_start"),
        ({"description": "  "}, "description"),
        ({"budget": "-1"}, "budget"),
        ({"budget": "12.345"}, "budget"),
    ],
)
def test_create_refuses_bad_fields_and_writes_nothing(cast, new_plan, change, field):
    error = refused(codes.INVALID, new_plan, **change)
    assert field in error.fields
    assert not Plan.objects.exists()


def test_create_needs_the_permission(cast, new_plan):
    refused(codes.NOT_ALLOWED, new_plan, actor=cast.manager)  # read-only management
    refused(codes.NOT_ALLOWED, new_plan, actor=cast.outsider)  # no role
    assert not Plan.objects.exists()


def test_a_branch_may_not_plan_for_another_branch_nor_reach_outside_its_subtree(cast):
    base = {
        "name": "北京分公司2025年宣教方案",
        "kind": "campaign",
        "period_start": date(2025, 3, 1),
        "period_end": date(2025, 4, 30),
        "description": "本分公司宣教活动。",
        "now": NOW,
    }
    refused(codes.NOT_ALLOWED, services.plan_create, actor=cast.officer_a, org_unit=cast.branch_b, **base)
    refused(
        codes.UNIT_OUT_OF_SCOPE,
        services.plan_create,
        actor=cast.officer_a,
        participating_units=[cast.sub_a, cast.branch_b],
        **base,
    )
    plan = services.plan_create(actor=cast.officer_a, participating_units=[cast.sub_a], **base)
    assert plan.org_unit == cast.branch_a
    refused(
        codes.UNIT_OUT_OF_SCOPE,
        services.task_add,
        actor=cast.officer_a,
        plan=plan,
        data={"title": "x"},
        units=[cast.sub_b],
    )
    assert not plan.tasks.exists()


def test_update_changes_fields_and_records_only_real_changes(cast, new_plan):
    plan = new_plan()
    services.plan_update(actor=cast.hq_admin, plan=plan, data={"name": "新名称", "budget": ""}, now=NOW)
    plan.refresh_from_db()
    assert plan.name == "新名称" and plan.budget is None
    before = AuditEntry.objects.filter(action="plan.update").count()
    services.plan_update(actor=cast.hq_admin, plan=plan, data={"name": "新名称"}, now=NOW)
    assert AuditEntry.objects.filter(action="plan.update").count() == before


def test_update_refuses_a_period_that_leaves_a_task_due_outside(cast, new_plan):
    plan = new_plan()
    refused(
        codes.DUE_OUT_OF_PERIOD,
        services.plan_update,
        actor=cast.hq_admin,
        plan=plan,
        data={"period_end": date(2025, 3, 20)},
    )
    plan.refresh_from_db()
    assert plan.period_end == date(2025, 4, 30)


def test_update_keeps_the_task_units_participating(cast, new_plan):
    plan = new_plan(units=[cast.branch_a])
    services.plan_update(actor=cast.hq_admin, plan=plan, data={"participating_units": [cast.branch_b]}, now=NOW)
    assert sorted(u.code for u in plan.participating_units.all()) == ["A", "B"]


def test_others_may_not_edit_and_read_only_gets_403(cast, new_plan):
    plan = new_plan()
    error = refused(codes.NOT_ALLOWED, services.plan_update, actor=cast.officer_a, plan=plan, data={"name": "x"})
    assert error.status_code == 403
    refused(codes.NOT_ALLOWED, services.plan_update, actor=cast.manager, plan=plan, data={"name": "x"})
    plan.refresh_from_db()
    assert plan.name != "x"


# --- goals and tasks ------------------------------------------------------------------------------------


def test_goals_are_added_updated_and_removed_on_a_draft(cast, new_plan):
    plan = new_plan()
    goal = services.goal_add(
        actor=cast.hq_admin,
        plan=plan,
        data={
            "description": "开展活动不少于30场",
            "indicator_code": "education_events",
            "target_value": "30",
            "unit": "场",
        },
    )
    assert goal.sort == 1 and goal.target_value == 30
    services.goal_update(actor=cast.hq_admin, goal=goal, data={"target_value": "40"})
    goal.refresh_from_db()
    assert goal.target_value == 40
    refused(codes.INVALID, services.goal_update, actor=cast.hq_admin, goal=goal, data={"target_value": "许多"})
    services.goal_remove(actor=cast.hq_admin, goal=goal)
    assert not PlanGoal.objects.exists()


def test_a_task_due_outside_the_period_is_refused(cast, new_plan):
    plan = new_plan()
    refused(
        codes.DUE_OUT_OF_PERIOD,
        services.task_add,
        actor=cast.hq_admin,
        plan=plan,
        data={"title": "总结", "due_on": date(2025, 5, 10)},
        units=[cast.branch_a],
    )
    assert plan.tasks.count() == 1


def test_task_update_replaces_units_and_task_remove_deletes(cast, new_plan):
    plan = new_plan()
    task = plan.tasks.get()
    services.task_update(actor=cast.hq_admin, task=task, data={"title": "改名"}, units=[cast.branch_b])
    task.refresh_from_db()
    assert task.title == "改名" and [u.code for u in task.units.all()] == ["B"]
    services.task_remove(actor=cast.hq_admin, task=task)
    assert not PlanTask.objects.exists()


def test_goals_and_tasks_are_frozen_once_submitted(cast, new_plan):
    plan = new_plan()
    services.plan_submit(actor=cast.hq_admin, plan=plan, now=NOW)
    error = refused(codes.WRONG_STATUS, services.task_add, actor=cast.hq_admin, plan=plan, data={"title": "新任务"})
    assert error.status_code == 409
    refused(codes.WRONG_STATUS, services.goal_add, actor=cast.hq_admin, plan=plan, data={"description": "x"})
    refused(codes.WRONG_STATUS, services.plan_update, actor=cast.hq_admin, plan=plan, data={"name": "x"})


# --- submit, approve, reject -----------------------------------------------------------------------------


def test_submit_refuses_a_plan_without_tasks_or_with_an_incomplete_task(cast, new_plan):
    plan = new_plan()
    services.task_remove(actor=cast.hq_admin, task=plan.tasks.get())
    refused(codes.NO_TASKS, services.plan_submit, actor=cast.hq_admin, plan=plan)
    services.task_add(actor=cast.hq_admin, plan=plan, data={"title": "无期限任务"}, units=[cast.branch_a])
    refused(codes.TASK_INCOMPLETE, services.plan_submit, actor=cast.hq_admin, plan=plan)
    plan.refresh_from_db()
    assert plan.status == Plan.Status.DRAFT
    assert not workflow_selectors.running_instances_for_object(plan).exists()


def test_a_head_office_plan_goes_to_head_office_admins(cast, new_plan):
    plan = services.plan_submit(actor=cast.hq_admin, plan=new_plan(), now=NOW)
    assert plan.status == Plan.Status.APPROVING and plan.submitted_at == NOW
    task = selectors.approval_task(plan)
    assert task.element_id == "approve_hq" and task.org_unit == cast.hq
    assert task.due_at is not None  # timed
    assert workflow_selectors.may_act(cast.hq_admin, task)
    assert not workflow_selectors.may_act(cast.officer_a, task)


def test_a_sub_branch_plan_goes_to_its_parent_branchs_officer(cast):
    officer = make_user("officer_a1", cast.sub_a, "branch_officer", "王芳")
    plan = services.plan_create(
        actor=officer,
        name="朝阳支公司社区宣传",
        kind="campaign",
        period_start=date(2025, 3, 1),
        period_end=date(2025, 3, 31),
        description="进社区宣传。",
        now=NOW,
    )
    services.task_add(
        actor=officer, plan=plan, data={"title": "进社区", "due_on": date(2025, 3, 20)}, units=[cast.sub_a]
    )
    services.plan_submit(actor=officer, plan=plan, now=NOW)
    task = selectors.approval_task(plan)
    assert task.element_id == "approve_parent" and task.org_unit == cast.branch_a
    refused(codes.NOT_ALLOWED, services.plan_approve, actor=cast.officer_b, plan=plan)
    refused(codes.NOT_ALLOWED, services.plan_approve, actor=officer, plan=plan)  # not one's own approval
    services.plan_approve(actor=cast.officer_a, plan=plan, now=NOW)
    plan.refresh_from_db()
    assert plan.status == Plan.Status.APPROVED


def test_approve_tells_the_creator_and_ends_the_process(cast, new_plan):
    plan = new_plan()
    services.plan_submit(actor=cast.hq_admin, plan=plan, now=NOW)
    services.plan_approve(actor=cast.hq_admin, plan=plan, comment="同意", now=NOW)
    plan.refresh_from_db()
    assert plan.status == Plan.Status.APPROVED
    assert not workflow_selectors.running_instances_for_object(plan).exists()
    assert Notification.objects.filter(recipient=cast.hq_admin, kind="plans.approved").exists()


def test_approving_twice_is_a_conflict(cast, new_plan):
    plan = new_plan()
    services.plan_submit(actor=cast.hq_admin, plan=plan, now=NOW)
    services.plan_approve(actor=cast.hq_admin, plan=plan, now=NOW)
    error = refused(codes.WRONG_STATUS, services.plan_approve, actor=cast.hq_admin, plan=plan)
    assert error.status_code == 409


def test_reject_needs_a_reason_and_the_plan_can_be_fixed_and_resubmitted(cast, new_plan):
    plan = new_plan()
    services.plan_submit(actor=cast.hq_admin, plan=plan, now=NOW)
    refused(codes.REASON_REQUIRED, services.plan_reject, actor=cast.hq_admin, plan=plan, reason=" ")
    assert HumanTask.objects.filter(status=HumanTask.Status.OPEN).count() == 1
    services.plan_reject(actor=cast.hq_admin, plan=plan, reason="预算偏高", now=NOW)
    plan.refresh_from_db()
    assert plan.status == Plan.Status.REJECTED
    services.plan_update(actor=cast.hq_admin, plan=plan, data={"budget": "30000"}, now=NOW)
    services.task_add(
        actor=cast.hq_admin, plan=plan, data={"title": "补充任务", "due_on": date(2025, 4, 10)}, units=[cast.branch_a]
    )
    services.plan_submit(actor=cast.hq_admin, plan=plan, now=NOW)
    assert selectors.approval_task(plan) is not None


def test_read_only_and_outsiders_cannot_submit(cast, new_plan):
    plan = new_plan()
    refused(codes.NOT_ALLOWED, services.plan_submit, actor=cast.manager, plan=plan)
    refused(codes.NOT_ALLOWED, services.plan_submit, actor=cast.officer_b, plan=plan)
    plan.refresh_from_db()
    assert plan.status == Plan.Status.DRAFT


# --- issue, summary, close --------------------------------------------------------------------------


def test_issue_sends_each_task_as_a_batch_work_order_to_its_units(cast, running_plan):
    task = running_plan.tasks.get()
    assert running_plan.status == Plan.Status.IN_PROGRESS and running_plan.issued_at == NOW
    parent = workorder_selectors.get_work_order_for_user(cast.hq_admin, task.workorder_id)
    assert parent.is_batch and parent.kind == "education" and parent.issuer_unit == cast.hq
    children = workorder_selectors.children_of(cast.hq_admin, parent)
    assert sorted(c.org_unit.code for c in children) == ["A", "B"]
    assert "活动台账与照片" in parent.content
    assert all(c.due_at.date() == date(2025, 3, 31) for c in children)


def test_a_task_to_one_unit_is_one_work_order(cast, new_plan):
    plan = new_plan(units=[cast.branch_a], kind=Plan.Kind.SELF_CHECK)
    services.plan_submit(actor=cast.hq_admin, plan=plan, now=NOW)
    services.plan_approve(actor=cast.hq_admin, plan=plan, now=NOW)
    services.plan_issue(actor=cast.hq_admin, plan=plan, now=NOW)
    order = workorder_selectors.get_work_order_for_user(cast.hq_admin, plan.tasks.get().workorder_id)
    assert not order.is_batch and order.org_unit == cast.branch_a and order.kind == "self_check"
    assert selectors.plan_progress_for_many([plan])[plan.pk]["total"] == 1


def test_issue_refuses_a_plan_that_is_not_approved(cast, new_plan):
    plan = new_plan()
    refused(codes.WRONG_STATUS, services.plan_issue, actor=cast.hq_admin, plan=plan, now=NOW)
    assert plan.tasks.get().workorder_id is None


def test_issue_refuses_a_task_already_past_due_and_writes_nothing(cast, new_plan):
    plan = new_plan()
    services.plan_submit(actor=cast.hq_admin, plan=plan, now=NOW)
    services.plan_approve(actor=cast.hq_admin, plan=plan, now=NOW)
    refused(codes.TASK_INCOMPLETE, services.plan_issue, actor=cast.hq_admin, plan=plan, now=at(2025, 4, 2, 9))
    plan.refresh_from_db()
    assert plan.status == Plan.Status.APPROVED and plan.tasks.get().workorder_id is None


def test_summary_needs_text_then_close(cast, running_plan):
    refused(codes.SUMMARY_REQUIRED, services.plan_summarize, actor=cast.hq_admin, plan=running_plan, summary="")
    refused(codes.WRONG_STATUS, services.plan_close, actor=cast.hq_admin, plan=running_plan)
    services.plan_summarize(actor=cast.hq_admin, plan=running_plan, summary="共开展活动12场。", now=NOW)
    services.plan_summarize(actor=cast.hq_admin, plan=running_plan, summary="共开展活动13场。", now=NOW)
    plan = services.plan_close(actor=cast.hq_admin, plan=running_plan, now=NOW)
    assert plan.status == Plan.Status.CLOSED and plan.summary == "共开展活动13场。" and plan.closed_at == NOW
    refused(codes.WRONG_STATUS, services.plan_summarize, actor=cast.hq_admin, plan=plan, summary="x")


def test_a_participating_branch_may_not_summarise_or_close_the_plan(cast, running_plan):
    refused(codes.NOT_ALLOWED, services.plan_summarize, actor=cast.officer_a, plan=running_plan, summary="x")
    refused(codes.NOT_ALLOWED, services.plan_issue, actor=cast.officer_a, plan=running_plan)
