"""When a year's holiday schedule is published, the task deadlines the engine itself counted in days
(`xb:dueDays` on a user task: reviews, plan and policy approvals, the generic approval, a complaint's 受理 and
分派 steps) and that were only provisional — counted on weekends alone because the year had no schedule — are
counted again on the real calendar, from the moment the task was created, as the engine first counted them.
Whoever holds or may claim a task whose date changed is told. Runs inside the transaction that stores the
schedule (`core.signals.calendar_year_published`), so a failure stores nothing.

Left to their apps: a deadline taken from the business object (`xb:dueFrom`: a complaint's statutory period,
which complaints.calendar_refresh recounts; a work order's own period) and a task whose boundary timer sets
its deadline, since only the app knows what its deadline was counted from.
"""

from __future__ import annotations

from datetime import datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from xiaobao.core import directory
from xiaobao.core import services as core_services
from xiaobao.core.workdays import Calendar, due
from xiaobao.workflow.models import HumanTask
from xiaobao.workflow.services.tasks import set_due


def recount_provisional_dues(
    *, year: int, calendar: Calendar, actor=None, now: datetime | None = None, **_signal
) -> list[int]:
    """Count every open, provisional, day-counted task deadline again on `calendar`; returns the ids of the
    tasks whose date changed. Idempotent: a task no longer provisional is not touched again."""
    now = now or timezone.now()
    changed = []
    rows = (
        HumanTask.objects.filter(status=HumanTask.Status.OPEN, due_provisional=True)
        .select_related("instance__definition", "org_unit", "assignee", "candidate_role")
        .order_by("pk")
    )
    for task in rows:
        meta = task.instance.definition.meta
        info = meta["user_tasks"].get(task.element_id, {})
        if info.get("due_days") is None:
            continue  # dueFrom: the business object's own deadline, recounted by its app
        if any(timer.get("attached_to") == task.element_id for timer in meta["timers"].values()):
            continue  # a boundary timer counts this deadline; set_due would move the timer to it
        deadline = due(task.created_at, int(info["due_days"]), info.get("day_unit") or "working", calendar=calendar)
        if deadline.at == task.due_at and deadline.provisional == task.due_provisional:
            continue
        before = task.due_at
        set_due(
            task=task,
            due_at=deadline.at,
            provisional=deadline.provisional,
            actor=actor,
            reason=_("%(year)s 年节假日安排已发布") % {"year": year},
            now=now,
        )
        if deadline.at != before:
            changed.append(task.pk)
            _tell(task, before, deadline.at, year, now)
    return changed


def _tell(task: HumanTask, before: datetime | None, after: datetime, year: int, now: datetime) -> None:
    if task.assignee_id:
        people = [task.assignee]
    elif task.candidate_role_id:
        people = list(directory.users_with_role(task.candidate_role, task.org_unit))
    else:
        people = []
    core_services.notify(
        recipients=people,
        kind="workflow.due_recounted",
        level="warning",
        title=_("待办“%(task)s”的期限已按 %(year)s 年节假日安排重新计算") % {"task": task.name, "year": year},
        body=core_services.due_recounted_body(before, after),
        url=reverse("workflow:task", args=[task.pk]),
        obj=task,
        dedupe_key=f"workflow.due_recounted.{year}.{task.pk}",
        now=now,
    )
