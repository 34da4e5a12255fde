"""Plan use cases (方案管理): create and edit a plan with its goals and tasks, submit it for approval
(processes/plan_approval.bpmn), approve or reject it from the plan's page, issue it — each task becomes one
batch work order with a child per owner unit — then summarise and close it. Activity records are in
`activities`, the Excel import in `imports`; their functions are re-exported here, the one module callers use.

Every function is one transaction: the plan rows, the workflow step, the work orders, attachments,
notifications and audit rows commit together or not at all. Rows are locked plan first, then the
process instance (inside the workflow services), then the audit chain.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xiaobao.core import audit
from xiaobao.core import services as core_services
from xiaobao.core.models import PATH_STEP, OrgUnit, User
from xiaobao.core.scope import scope_for
from xiaobao.plans import error_codes as codes
from xiaobao.plans import selectors
from xiaobao.plans.activities import activity_add_photos, activity_delete, activity_record, activity_update
from xiaobao.plans.imports import ImportResult, activities_import, activities_template
from xiaobao.plans.models import Plan, PlanGoal, PlanTask
from xiaobao.plans.rules import clean_goal, clean_plan, clean_task, refusal, units_within
from xiaobao.workflow import services as workflow
from xiaobao.workflow.objects import ProcessObject
from xiaobao.workorders import services as workorders

__all__ = [
    "ImportResult",
    "activities_import",
    "activities_template",
    "activity_add_photos",
    "activity_delete",
    "activity_record",
    "activity_update",
    "goal_add",
    "goal_remove",
    "goal_update",
    "plan_add_files",
    "plan_approve",
    "plan_close",
    "plan_create",
    "plan_issue",
    "plan_reject",
    "plan_submit",
    "plan_summarize",
    "plan_update",
    "task_add",
    "task_remove",
    "task_update",
]

ADD_PERMISSION = "plans.add_plan"
# The work order kind a plan's tasks go out as (workorders.models.WorkOrder.Kind values; that app is below).
WORKORDER_KIND = {
    Plan.Kind.CAMPAIGN: "education",  # 宣教任务
    Plan.Kind.SPECIAL: "rectification",  # 整改
    Plan.Kind.SELF_CHECK: "self_check",  # 自查
}
WORKORDER_KIND_DEFAULT = "other"


# The plan as a business object running its approval process, locked with the rows its services read.
PLAN = ProcessObject(
    Plan,
    process_key=selectors.PROCESS_KEY,
    related=("org_unit", "created_by"),
    wrong_step=codes.WRONG_STATUS,
    wrong_step_message=gettext_lazy("方案当前状态为“%(status)s”，不能进行这项操作，请刷新页面。"),
    not_allowed=codes.NOT_ALLOWED,
    not_allowed_message=gettext_lazy("您不能审批这个方案。"),
)


def _may_change(actor, plan: Plan) -> None:
    if not selectors.may_change_plan(actor, plan):
        raise refusal(codes.NOT_ALLOWED, _("您不能修改这个方案。"), status=403)


def _in_status(plan: Plan, *statuses) -> None:
    if plan.status not in statuses:
        raise refusal(
            codes.WRONG_STATUS,
            _("方案当前状态为“%(status)s”，不能进行这项操作，请刷新页面。") % {"status": plan.get_status_display()},
            status=409,
        )


def _editable(actor, plan: Plan | int) -> Plan:
    """The plan locked, after checking the actor may change it and it is still a draft (or sent back)."""
    locked = PLAN.lock(plan)
    _may_change(actor, locked)
    _in_status(locked, *Plan.EDITABLE_STATUSES)
    return locked


def _touch(plan: Plan, now: datetime) -> None:
    plan.updated_at = now
    plan.save(update_fields=["updated_at"])


# --- the plan itself -----------------------------------------------------------------------------------


@transaction.atomic
def plan_create(
    *,
    actor: User,
    name: str,
    kind: str,
    period_start,
    period_end,
    description: str,
    budget=None,
    org_unit: OrgUnit | None = None,
    participating_units=(),
    files=(),
    now: datetime | None = None,
) -> Plan:
    """A draft plan owned by `org_unit` (default: the actor's unit), with its material.

    Refuses, writing nothing: NOT_ALLOWED (403: without plans.add_plan, or an owner unit outside the
    actor's write scope), INVALID (name, kind, period, description, budget), UNIT_OUT_OF_SCOPE (403: a
    participating unit outside the owner's subtree), and the upload refusals of core.
    """
    now = now or timezone.now()
    owner = org_unit or getattr(actor, "org_unit", None)
    if not (actor and actor.is_authenticated and actor.has_perm(ADD_PERMISSION) and owner is not None):
        raise refusal(codes.NOT_ALLOWED, _("您没有制定方案的权限。"), status=403)
    if not scope_for(actor, "add").covers(owner.path):
        raise refusal(codes.NOT_ALLOWED, _("您不能为该机构制定方案。"), field="org_unit", status=403)
    cleaned = clean_plan(
        {
            "name": name,
            "kind": kind,
            "period_start": period_start,
            "period_end": period_end,
            "description": description,
            "budget": budget,
        }
    )
    units = units_within(owner, participating_units, field="participating_units")
    plan = Plan.objects.create(
        org_unit=owner, created_by=actor, created_at=now, updated_at=now, status=Plan.Status.DRAFT, **cleaned
    )
    plan.participating_units.set(units)
    audit.record(
        actor=actor,
        action="plan.create",
        obj=plan,
        changes={**cleaned, "participating_units": [u.code for u in units]},
        at=now,
    )
    if files:
        core_services.attachments_add(owner=plan, files=files, actor=actor, purpose="material")
    return plan


@transaction.atomic
def plan_update(*, actor: User, plan: Plan, data: dict, now: datetime | None = None) -> Plan:
    """Edit a draft or sent-back plan: any of name, kind, period_start, period_end, description, budget,
    participating_units (a list of units; units of its tasks stay in).

    Refuses, writing nothing: NOT_ALLOWED (403), WRONG_STATUS (409: submitted or later), INVALID,
    UNIT_OUT_OF_SCOPE (403), DUE_OUT_OF_PERIOD (the new period would leave a task's due date outside).
    """
    now = now or timezone.now()
    plan = _editable(actor, plan)
    cleaned = clean_plan(data, current=plan)
    start, end = cleaned.get("period_start", plan.period_start), cleaned.get("period_end", plan.period_end)
    if plan.tasks.exclude(due_on__isnull=True).exclude(due_on__range=(start, end)).exists():
        raise refusal(codes.DUE_OUT_OF_PERIOD, _("有任务的完成期限不在新的方案期间内。"), field="period_end")
    plan, changed, changes = core_services.model_update(instance=plan, fields=list(cleaned), data=cleaned)
    if "participating_units" in data:
        task_units = OrgUnit.objects.filter(plan_tasks__plan=plan).distinct()
        units = units_within(plan.org_unit, [*data["participating_units"], *task_units], field="participating_units")
        before = sorted(plan.participating_units.values_list("code", flat=True))
        after = sorted(u.code for u in units)
        if before != after:
            plan.participating_units.set(units)
            changes["participating_units"] = {"before": before, "after": after}
            changed = True
    if changed:
        _touch(plan, now)
        audit.record(actor=actor, action="plan.update", obj=plan, changes=changes, at=now)
    return plan


@transaction.atomic
def plan_add_files(*, actor: User, plan: Plan, files, now: datetime | None = None) -> list:
    """Attach material to a plan that is not closed. Refuses NOT_ALLOWED (403), WRONG_STATUS (409: closed),
    and the upload refusals of core (nothing stored unless every file passes)."""
    now = now or timezone.now()
    plan = PLAN.lock(plan)
    _may_change(actor, plan)
    if plan.status == Plan.Status.CLOSED:
        _in_status(plan)
    stored = core_services.attachments_add(owner=plan, files=files, actor=actor, purpose="material")
    _touch(plan, now)
    return stored


# --- goals and tasks -----------------------------------------------------------------------------------


@transaction.atomic
def goal_add(*, actor: User, plan: Plan, data: dict, now: datetime | None = None) -> PlanGoal:
    """Add a measurable goal (description, indicator_code, target_value, unit) to a draft plan.
    Refuses NOT_ALLOWED (403), WRONG_STATUS (409), INVALID."""
    now = now or timezone.now()
    plan = _editable(actor, plan)
    cleaned = clean_goal(data)
    cleaned.setdefault("sort", plan.goals.count() + 1)
    goal = PlanGoal.objects.create(plan=plan, **cleaned)
    audit.record(actor=actor, action="plan.goal_add", obj=plan, changes={"goal": cleaned}, at=now)
    _touch(plan, now)
    return goal


@transaction.atomic
def goal_update(*, actor: User, goal: PlanGoal, data: dict, now: datetime | None = None) -> PlanGoal:
    """Change a goal of a draft plan. Refuses NOT_ALLOWED (403), WRONG_STATUS (409), INVALID."""
    now = now or timezone.now()
    plan = _editable(actor, goal.plan_id)
    cleaned = clean_goal(data, partial=True)
    goal, changed, changes = core_services.model_update(instance=goal, fields=list(cleaned), data=cleaned)
    if changed:
        audit.record(actor=actor, action="plan.goal_update", obj=plan, changes={"goal": goal.pk, **changes}, at=now)
        _touch(plan, now)
    return goal


@transaction.atomic
def goal_remove(*, actor: User, goal: PlanGoal, now: datetime | None = None) -> None:
    """Remove a goal from a draft plan. Refuses NOT_ALLOWED (403), WRONG_STATUS (409)."""
    now = now or timezone.now()
    plan = _editable(actor, goal.plan_id)
    audit.record(actor=actor, action="plan.goal_remove", obj=plan, changes={"goal": goal.description}, at=now)
    goal.delete()
    _touch(plan, now)


def _task_units(plan: Plan, units) -> list[OrgUnit]:
    found = units_within(plan.org_unit, units, field="units")
    plan.participating_units.add(*found)  # a unit with a task takes part in the plan
    return found


@transaction.atomic
def task_add(*, actor: User, plan: Plan, data: dict, units=(), now: datetime | None = None) -> PlanTask:
    """Add a task (title, description, expected_output, due_on) with its owner units to a draft plan;
    the units join the participating units.

    Refuses, writing nothing: NOT_ALLOWED (403), WRONG_STATUS (409), INVALID, DUE_OUT_OF_PERIOD,
    UNIT_OUT_OF_SCOPE (403: a unit outside the owner's subtree).
    """
    now = now or timezone.now()
    plan = _editable(actor, plan)
    cleaned = clean_task(data, plan=plan)
    cleaned.setdefault("sort", plan.tasks.count() + 1)
    found = _task_units(plan, units)
    task = PlanTask.objects.create(plan=plan, **cleaned)
    task.units.set(found)
    audit.record(
        actor=actor,
        action="plan.task_add",
        obj=plan,
        changes={"task": cleaned["title"], "due_on": cleaned.get("due_on"), "units": [u.code for u in found]},
        at=now,
    )
    _touch(plan, now)
    return task


@transaction.atomic
def task_update(*, actor: User, task: PlanTask, data: dict, units=None, now: datetime | None = None) -> PlanTask:
    """Change a task of a draft plan; `units`, when given, replaces its owner units.
    Refuses NOT_ALLOWED (403), WRONG_STATUS (409), INVALID, DUE_OUT_OF_PERIOD, UNIT_OUT_OF_SCOPE (403)."""
    now = now or timezone.now()
    plan = _editable(actor, task.plan_id)
    cleaned = clean_task(data, plan=plan, partial=True)
    task, changed, changes = core_services.model_update(instance=task, fields=list(cleaned), data=cleaned)
    if units is not None:
        found = _task_units(plan, units)
        before = sorted(task.units.values_list("code", flat=True))
        if before != [u.code for u in found]:
            task.units.set(found)
            changes["units"] = {"before": before, "after": [u.code for u in found]}
            changed = True
    if changed:
        audit.record(actor=actor, action="plan.task_update", obj=plan, changes={"task": task.pk, **changes}, at=now)
        _touch(plan, now)
    return task


@transaction.atomic
def task_remove(*, actor: User, task: PlanTask, now: datetime | None = None) -> None:
    """Remove a task from a draft plan. Refuses NOT_ALLOWED (403), WRONG_STATUS (409)."""
    now = now or timezone.now()
    plan = _editable(actor, task.plan_id)
    audit.record(actor=actor, action="plan.task_remove", obj=plan, changes={"task": task.title}, at=now)
    task.delete()
    _touch(plan, now)


# --- approval ------------------------------------------------------------------------------------------


def _check_tasks(plan: Plan, *, today=None) -> list[PlanTask]:
    plan_tasks = list(plan.tasks.prefetch_related("units"))
    if not plan_tasks:
        raise refusal(codes.NO_TASKS, _("方案还没有任务：请先分解任务。"), field="tasks")
    incomplete = [t.title for t in plan_tasks if not t.due_on or not t.units.all()]
    if incomplete:
        raise refusal(
            codes.TASK_INCOMPLETE,
            _("这些任务还没有责任机构或完成期限：%(titles)s") % {"titles": "、".join(incomplete)},
            field="tasks",
        )
    if today is not None:
        late = [t.title for t in plan_tasks if t.due_on < today]
        if late:
            raise refusal(
                codes.TASK_INCOMPLETE,
                _("这些任务的完成期限已过，请先修改：%(titles)s") % {"titles": "、".join(late)},
                field="tasks",
            )
    return plan_tasks


@transaction.atomic
def plan_submit(*, actor: User, plan: Plan, now: datetime | None = None) -> Plan:
    """Send a draft (or sent-back) plan for approval: head office's 消保 administrators approve a plan of
    head office or of a branch, the parent unit's officers a plan of a lower unit (plan_approval.bpmn).

    Refuses, writing nothing: NOT_ALLOWED (403), WRONG_STATUS (409), NO_TASKS, TASK_INCOMPLETE (a task
    without owner units or due date).
    """
    now = now or timezone.now()
    plan = _editable(actor, plan)
    _check_tasks(plan)
    approver = "hq" if plan.org_unit.level <= OrgUnit.Level.BRANCH else "parent"
    workflow.start(
        process_key=selectors.PROCESS_KEY,
        business_object=plan,
        actor=actor,
        data={"plan_id": plan.pk, "approver": approver},
        now=now,
    )
    before = plan.status
    plan.status, plan.submitted_at, plan.updated_at = Plan.Status.APPROVING, now, now
    plan.save(update_fields=["status", "submitted_at", "updated_at"])
    audit.record(
        actor=actor,
        action="plan.submit",
        obj=plan,
        changes={"status": {"before": before, "after": plan.status}, "approver": approver},
        at=now,
    )
    return plan


def _may_ever_decide(actor, plan: Plan) -> bool:
    """Whether the actor is among those who decide this plan's approval, whatever its status now: the plans
    change permission and write reach over the approving unit — head office for a plan of head office or of a
    branch, the parent unit for a lower unit's plan (plan_approval.bpmn). Who holds the step is checked after."""
    if not (actor and actor.is_authenticated and actor.has_perm(selectors.CHANGE_PLAN)):
        return False
    unit = plan.org_unit
    if unit.level > OrgUnit.Level.BRANCH and unit.parent_id:
        approving_path = unit.parent.path
    else:
        approving_path = unit.path[: PATH_STEP + 1]  # the head office: the root of the unit's path
    return scope_for(actor, "act").covers(approving_path)


def _decide(actor, plan: Plan | int, *, approved: bool, comment: str, expected_version, now) -> Plan:
    now = now or timezone.now()
    plan = PLAN.lock(plan)
    # permission before state and input: someone who may never decide this plan hears 403, not "wrong status"
    # or "reason required"
    if not _may_ever_decide(actor, plan):
        raise refusal(codes.NOT_ALLOWED, _("您不能审批这个方案。"), status=403)
    if not approved and not comment:
        raise refusal(codes.REASON_REQUIRED, _("请说明退回理由。"), field="reason")
    _in_status(plan, Plan.Status.APPROVING)
    # no open task: the process has moved on without the plan, a stale page (WRONG_STATUS)
    task = PLAN.task(plan, actor=actor)
    PLAN.complete(
        task, actor=actor, data={"approved": approved}, expected_version=expected_version, comment=comment, now=now
    )
    before = plan.status
    plan.status = Plan.Status.APPROVED if approved else Plan.Status.REJECTED
    plan.updated_at = now
    plan.save(update_fields=["status", "updated_at"])
    audit.record(
        actor=actor,
        action="plan.approve" if approved else "plan.reject",
        obj=plan,
        changes={"status": {"before": before, "after": plan.status}},
        reason=comment,
        at=now,
    )
    verdict = _("方案已批准：%(name)s") if approved else _("方案被退回：%(name)s")
    core_services.notify(
        recipients=[plan.created_by],
        kind="plans.approved" if approved else "plans.rejected",
        title=verdict % {"name": plan.name},
        body=comment,
        url=plan.get_absolute_url(),
        obj=plan,
        level="info" if approved else "warning",
        now=now,
    )
    return plan


@transaction.atomic
def plan_approve(
    *, actor: User, plan: Plan, comment: str = "", expected_version: int | None = None, now: datetime | None = None
) -> Plan:
    """The approver agrees: the plan is approved and waits to be issued; its creator is told.

    Refuses, writing nothing: WRONG_STATUS (409: not awaiting approval), NOT_ALLOWED (403: not the
    approval task's holder or candidate), and the workflow's conflicts (409: the page is stale).
    """
    return _decide(
        actor, plan, approved=True, comment=(comment or "").strip(), expected_version=expected_version, now=now
    )


@transaction.atomic
def plan_reject(
    *, actor: User, plan: Plan, reason: str, expected_version: int | None = None, now: datetime | None = None
) -> Plan:
    """The approver sends the plan back with a reason; it can be edited and submitted again.

    Refuses, writing nothing: REASON_REQUIRED, WRONG_STATUS (409), NOT_ALLOWED (403), workflow conflicts (409).
    """
    reason = (reason or "").strip()
    return _decide(actor, plan, approved=False, comment=reason, expected_version=expected_version, now=now)


# --- issue, summary, close ------------------------------------------------------------------------------


def _order_content(plan: Plan, task: PlanTask) -> str:
    lines = [task.description or task.title]
    if task.expected_output:
        lines.append(_("预期成果：%(output)s") % {"output": task.expected_output})
    lines.append(
        _("所属方案：%(name)s（%(start)s 至 %(end)s）")
        % {"name": plan.name, "start": plan.period_start, "end": plan.period_end}
    )
    return "\n".join(lines)


@transaction.atomic
def plan_issue(*, actor: User, plan: Plan, now: datetime | None = None) -> Plan:
    """Put an approved plan into effect: each task goes out as one work order to its owner units (a batch
    with one child per unit), due on the task's date, in the plan's owner unit's name; the plan is then
    in progress and the units see it.

    Refuses, writing nothing: NOT_ALLOWED (403), WRONG_STATUS (409: not approved), NO_TASKS,
    TASK_INCOMPLETE (a task without units or due date, or due before today), and the work-order
    refusals (e.g. a unit closed since).
    """
    now = now or timezone.now()
    plan = PLAN.lock(plan)
    _may_change(actor, plan)
    _in_status(plan, Plan.Status.APPROVED)
    plan_tasks = _check_tasks(plan, today=timezone.localdate(now))
    kind = WORKORDER_KIND.get(plan.kind, WORKORDER_KIND_DEFAULT)
    for task in plan_tasks:
        order = workorders.workorder_issue(
            actor=actor,
            title=f"{plan.name}：{task.title}"[:200],
            kind=kind,
            content=_order_content(plan, task),
            recipient_units=list(task.units.all()),
            due_date=task.due_on,
            source=plan,
            issuer_unit=plan.org_unit,
            check_permission=False,  # the plan's approval is the authority to dispatch
            now=now,
        )
        task.workorder_id = order.pk
        task.save(update_fields=["workorder_id"])
    before = plan.status
    plan.status, plan.issued_at, plan.updated_at = Plan.Status.IN_PROGRESS, now, now
    plan.save(update_fields=["status", "issued_at", "updated_at"])
    audit.record(
        actor=actor,
        action="plan.issue",
        obj=plan,
        changes={
            "status": {"before": before, "after": plan.status},
            "work_orders": [t.workorder_id for t in plan_tasks],
        },
        at=now,
    )
    return plan


@transaction.atomic
def plan_summarize(*, actor: User, plan: Plan, summary: str, now: datetime | None = None) -> Plan:
    """Write the plan's summary (工作总结) when its work is done: in progress → summary; the summary may be
    revised while in summary. Refuses SUMMARY_REQUIRED, NOT_ALLOWED (403), WRONG_STATUS (409)."""
    now = now or timezone.now()
    summary = (summary or "").strip()
    if not summary:
        raise refusal(codes.SUMMARY_REQUIRED, _("请填写工作总结。"), field="summary")
    plan = PLAN.lock(plan)
    _may_change(actor, plan)
    _in_status(plan, Plan.Status.IN_PROGRESS, Plan.Status.SUMMARY)
    before = {"status": plan.status, "summary": plan.summary}
    plan.status, plan.summary, plan.updated_at = Plan.Status.SUMMARY, summary, now
    plan.save(update_fields=["status", "summary", "updated_at"])
    audit.record(
        actor=actor,
        action="plan.summarize",
        obj=plan,
        changes=audit.diff(before, {"status": plan.status, "summary": summary}),
        at=now,
    )
    return plan


@transaction.atomic
def plan_close(*, actor: User, plan: Plan, now: datetime | None = None) -> Plan:
    """Close a summarised plan; its activities are frozen from then on.
    Refuses NOT_ALLOWED (403), WRONG_STATUS (409: not in summary)."""
    now = now or timezone.now()
    plan = PLAN.lock(plan)
    _may_change(actor, plan)
    _in_status(plan, Plan.Status.SUMMARY)
    plan.status, plan.closed_at, plan.updated_at = Plan.Status.CLOSED, now, now
    plan.save(update_fields=["status", "closed_at", "updated_at"])
    audit.record(
        actor=actor,
        action="plan.close",
        obj=plan,
        changes={"status": {"before": Plan.Status.SUMMARY, "after": Plan.Status.CLOSED}},
        at=now,
    )
    return plan
