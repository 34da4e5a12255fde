"""Who holds a human task: claim, release, reassign, delegate (no engine step, only the task row)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from xiaobao.workflow import error_codes as codes
from xiaobao.workflow.assignment import is_candidate, is_supervisor, may_hold
from xiaobao.workflow.exceptions import NotAllowed, WorkflowConflict, WorkflowError
from xiaobao.workflow.models import HumanTask
from xiaobao.workflow.services.step import Action, check_open, expected, record, task_pk


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
        raise WorkflowConflict(codes.ALREADY_CLAIMED, "this task has already been claimed")
    if not is_candidate(user, row):
        raise NotAllowed(codes.NOT_CANDIDATE, "you are not a candidate for this task")
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
        raise NotAllowed(codes.NOT_ASSIGNEE, "only the holder or a supervisor may release this task")
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
        raise NotAllowed(codes.NOT_SUPERVISOR, "you may not reassign tasks of this org unit")
    if not may_hold(to_user, row):
        raise WorkflowError(codes.TARGET_NOT_ELIGIBLE, f"{to_user} may not handle tasks of {row.org_unit}")
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
        raise NotAllowed(codes.NOT_ASSIGNEE, "only the holder may delegate this task")
    if not may_hold(to_user, row) or to_user.pk == actor.pk:
        raise WorkflowError(codes.TARGET_NOT_ELIGIBLE, f"{to_user} may not handle tasks of {row.org_unit}")
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
