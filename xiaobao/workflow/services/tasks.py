"""Who holds a human task and when it is due: claim, release, reassign, delegate, set_due (no engine
step, only the task row and its timers)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xiaobao.core import audit
from xiaobao.workflow import error_codes as codes
from xiaobao.workflow.assignment import is_candidate, is_supervisor, may_hold
from xiaobao.workflow.exceptions import NotAllowed, WorkflowConflict, WorkflowError
from xiaobao.workflow.models import HumanTask, Timer
from xiaobao.workflow.services.step import Action, check_open, expected, lock_instance, record, task_pk


def _lock_task(task) -> HumanTask:
    return (
        HumanTask.objects.select_for_update(of=("self",))
        .select_related("org_unit", "instance", "instance__definition", "instance__org_unit")
        .defer("instance__state", "instance__definition__xml")
        .get(pk=task_pk(task))
    )


def _reassigned(row: HumanTask, assignee, *, delegated_by=None) -> None:
    row.assignee = assignee
    row.delegated_by = delegated_by
    row.version += 1
    row.save(update_fields=["assignee", "delegated_by", "version"])


@transaction.atomic
def claim(*, task, user, expected_version: int | None = None, now: datetime | None = None) -> HumanTask:
    """Take an unassigned task from the candidate group.

    Refuses: TASK_CLOSED / STALE_VERSION / ALREADY_CLAIMED (409), NOT_CANDIDATE (403).
    """
    now = now or timezone.now()
    row = _lock_task(task)
    check_open(row, expected(task, expected_version))
    if row.assignee_id is not None:
        raise WorkflowConflict(codes.ALREADY_CLAIMED, _("该任务已被认领。"))
    if not is_candidate(user, row):
        raise NotAllowed(codes.NOT_CANDIDATE, _("您不是该任务的候选办理人。"))
    _reassigned(row, user)
    record(row.instance, Action.CLAIM, actor=user, now=now, task=row)
    return row


@transaction.atomic
def release(*, task, user, expected_version: int | None = None, now: datetime | None = None) -> HumanTask:
    """Give a claimed task back to its candidate group (the holder, or a supervisor).

    Refuses: TASK_CLOSED / STALE_VERSION (409), NOT_ASSIGNEE (403).
    """
    now = now or timezone.now()
    row = _lock_task(task)
    check_open(row, expected(task, expected_version))
    if row.assignee_id is None or (row.assignee_id != user.pk and not is_supervisor(user, row.org_unit)):
        raise NotAllowed(codes.NOT_ASSIGNEE, _("只有办理人或主管可以退回该任务。"))
    _reassigned(row, None)
    record(row.instance, Action.RELEASE, actor=user, now=now, task=row)
    return row


@transaction.atomic
def reassign(
    *, task, actor, to_user, comment: str = "", expected_version: int | None = None, now: datetime | None = None
) -> HumanTask:
    """A supervisor (workflow.change_processinstance over the task's org unit) gives the task to someone.

    Refuses: TASK_CLOSED / STALE_VERSION (409), NOT_SUPERVISOR (403), TARGET_NOT_ELIGIBLE (400)
    when the new holder may not act on tasks of that org unit.
    """
    now = now or timezone.now()
    row = _lock_task(task)
    check_open(row, expected(task, expected_version))
    if not is_supervisor(actor, row.org_unit):
        raise NotAllowed(codes.NOT_SUPERVISOR, _("您无权改派该机构的任务。"))
    if not may_hold(to_user, row):
        raise WorkflowError(
            codes.TARGET_NOT_ELIGIBLE, _("%(user)s 不能办理%(unit)s的任务。") % {"user": to_user, "unit": row.org_unit}
        )
    before = row.assignee_id
    _reassigned(row, to_user)
    record(
        row.instance,
        Action.REASSIGN,
        actor=actor,
        now=now,
        task=row,
        comment=comment,
        changes={"assignee": {"before": before, "after": to_user.pk}},
    )
    return row


@transaction.atomic
def delegate(
    *, task, actor, to_user, comment: str = "", expected_version: int | None = None, now: datetime | None = None
) -> HumanTask:
    """The holder hands the task to a colleague who may act in its org unit; history keeps who delegated.

    Refuses: TASK_CLOSED / STALE_VERSION (409), NOT_ASSIGNEE (403), TARGET_NOT_ELIGIBLE (400).
    """
    now = now or timezone.now()
    row = _lock_task(task)
    check_open(row, expected(task, expected_version))
    if row.assignee_id != actor.pk:
        raise NotAllowed(codes.NOT_ASSIGNEE, _("只有办理人可以委托该任务。"))
    if not may_hold(to_user, row) or to_user.pk == actor.pk:
        raise WorkflowError(
            codes.TARGET_NOT_ELIGIBLE, _("%(user)s 不能办理%(unit)s的任务。") % {"user": to_user, "unit": row.org_unit}
        )
    _reassigned(row, to_user, delegated_by=actor)
    record(
        row.instance,
        Action.DELEGATE,
        actor=actor,
        now=now,
        task=row,
        comment=comment,
        changes={"assignee": {"before": actor.pk, "after": to_user.pk}},
    )
    return row


@transaction.atomic
def set_due(
    *,
    task,
    due_at: datetime,
    actor=None,
    reason: str = "",
    provisional: bool = False,
    held: bool = False,
    timer_at: datetime | None = None,
    now: datetime | None = None,
) -> HumanTask:
    """Move an open task's deadline (e.g. a complaint's handling period extended under its rules).

    The calling app has applied its own rule (who may extend, and by how much), as with
    `cancel(app_checked=True)`. The task's reminder moves with it, a reminder or overdue mark
    already stamped is cleared when the new deadline is still ahead, and the boundary timers
    attached to the task fire at the new deadline, or at `timer_at` when the timer watches another moment
    than the task's own due (a work order's acceptance step is due in 3 working days, its timer watches the
    order's deadline). `held=True` says the deadline is not known yet
    (a clock that stands still): the task has no due while held, and its boundary timers wait, unfired,
    until a later call without `held` gives them a moment again.
    Refuses: TASK_CLOSED (409).
    """
    now = now or timezone.now()
    instance_id = (
        task.instance_id
        if isinstance(task, HumanTask)
        else HumanTask.objects.values_list("instance_id", flat=True).get(pk=task_pk(task))
    )
    instance = lock_instance(instance_id)  # the sweep locks the instance first too
    row = _lock_task(task)
    check_open(row, None)
    before = row.due_at
    meta = instance.definition.meta
    days = meta["user_tasks"].get(row.element_id, {}).get("remind_before_days", 1)
    # a held task has no deadline to remind of or to be overdue against until it is given one again
    row.due_at, row.due_provisional = (None, False) if held else (due_at, provisional)
    row.remind_at = due_at - timedelta(days=days) if days and not held else None
    if held or due_at > now:
        row.overdue_at = None
        if row.remind_at is None or row.remind_at > now:
            row.reminded_at = None
    row.version += 1
    row.save(update_fields=["due_at", "due_provisional", "remind_at", "reminded_at", "overdue_at", "version"])
    boundary = [element for element, timer in meta["timers"].items() if timer.get("attached_to") == row.element_id]
    if boundary:
        Timer.objects.filter(
            instance=instance, element_id__in=boundary, status__in=(Timer.Status.PENDING, Timer.Status.HELD)
        ).update(
            fire_at=timer_at or due_at,
            provisional=provisional,
            status=Timer.Status.HELD if held else Timer.Status.PENDING,
        )
    audit.record(
        actor=actor,
        action="workflow.task_set_due",
        obj=row,
        reason=reason,
        changes={"due_at": {"before": before, "after": due_at}, "held": held},
        org_unit=row.org_unit,
        at=now,
    )
    return row
