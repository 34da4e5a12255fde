"""When a year's holiday schedule is published, every open complaint whose statutory deadline was only
provisional (counted on weekends alone because the year had no schedule) is counted again on the real
calendar; the handling task's due and timers move with it, and the people handling it are told when
the date changed. Runs inside the transaction that stores the schedule (`core.signals`).
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from xiaobao.complaints import clock, notices, selectors
from xiaobao.complaints.models import Complaint
from xiaobao.core import audit
from xiaobao.core import services as core_services
from xiaobao.core.workdays import Calendar, Deadline
from xiaobao.workflow import services as workflow


def deadline_for_level(complaint: Complaint, calendar: Calendar) -> Deadline:
    """The deadline in force (Art. 18 levels, Art. 18/23 stops, new facts restarting the clock), counted on
    `calendar` — the same computation the clock events use, so a recount never undoes a pause or a restart."""
    return clock.compute(complaint, calendar=calendar).deadline


def recompute_provisional(*, year: int, calendar: Calendar, actor=None, now=None, **_signal) -> list[int]:
    """Recount the provisional deadlines of open complaints on `calendar`; returns the ids whose date
    changed. Idempotent: a complaint no longer provisional is not touched again."""
    now = now or timezone.now()
    changed = []
    rows = Complaint.objects.select_for_update(of=("self",)).filter(
        due_provisional=True, status__in=Complaint.CLOCK_STATUSES
    )
    for complaint in rows.select_related("handler", "org_unit"):
        state = clock.compute(complaint, calendar=calendar, now=now)
        if state.paused_since is not None:
            continue  # a paused clock has no due date; resuming it counts the deadline on the stored calendar
        deadline = state.deadline
        before = complaint.due_at
        if deadline.at == before and deadline.provisional == complaint.due_provisional:
            continue
        complaint.due_at, complaint.due_provisional = deadline.at, deadline.provisional
        complaint.save(update_fields=["due_at", "due_provisional"])
        task = selectors.open_task(complaint, "handle")
        if task is not None:
            workflow.set_due(
                task=task,
                due_at=deadline.at,
                provisional=deadline.provisional,
                actor=actor,
                reason=_("%(year)s 年节假日安排已发布") % {"year": year},
                now=now,
            )
        audit.record(
            actor=actor,
            action="complaint.recount_due",
            obj=complaint,
            changes={"due_at": {"before": before, "after": deadline.at}, "year": year},
            at=now,
        )
        if deadline.at != before:
            changed.append(complaint.pk)
            core_services.notify_about(
                complaint,
                notices.unique(notices.handler_people(complaint), notices.unit_officers(complaint)),
                kind="due_recounted",
                title=_("投诉 %(number)s 的处理期限已按 %(year)s 年节假日安排重新计算")
                % {"number": complaint.number, "year": year},
                body=core_services.due_recounted_body(before, deadline.at),
                level="warning",
                key=f"due_recounted.{year}",
            )
    return changed
