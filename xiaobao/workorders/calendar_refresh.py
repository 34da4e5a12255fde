"""When a year's holiday schedule is published, every open work order whose own deadline was counted in days
into that year while it had no schedule (provisional: weekends alone) is counted again on the real calendar,
from the moment it was counted from; the step it waits at and its 督办 timer move with it, and the recipients
and the issuer are told when the date changed. Runs inside the transaction that stores the schedule
(`core.signals.calendar_year_published`), so a failure stores nothing.

The workflow app recounts the deadlines it counted itself (`workflow.services.recount`); the acceptance and
handling steps of an order take theirs from the order (`xb:dueFrom`), so they are moved here.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from xiaobao.core import audit
from xiaobao.core import services as core_services
from xiaobao.core.workdays import Calendar
from xiaobao.core.workdays import due as deadline_after
from xiaobao.workflow import services as workflow
from xiaobao.workorders import selectors
from xiaobao.workorders.models import WorkOrder
from xiaobao.workorders.notices import issuer_people, recipient_people, unique
from xiaobao.workorders.services import ACCEPT_WITHIN_WORKING_DAYS

#: the statuses in which an order's deadline still runs (a batch parent has none of its own: its children do)
OPEN_STATUSES = (WorkOrder.Status.PENDING_ACCEPT, WorkOrder.Status.REFUSED, WorkOrder.Status.IN_PROGRESS)


def recount_provisional(*, year: int, calendar: Calendar, actor=None, now: datetime | None = None, **_signal):
    """Count the provisional day-counted deadlines of open orders again on `calendar`; returns the ids of the
    orders whose date changed. Idempotent: an order no longer provisional is not touched again. An order whose
    deadline was given as a date, or whose counting moment was not kept, is left as it is."""
    now = now or timezone.now()
    reason = _("%(year)s 年节假日安排已发布") % {"year": year}
    changed = []
    rows = WorkOrder.objects.select_for_update(of=("self",)).filter(
        due_provisional=True,
        status__in=OPEN_STATUSES,
        is_batch=False,
        due_days__isnull=False,
        due_counted_from__isnull=False,
    )
    for order in rows.order_by("pk"):
        deadline = deadline_after(order.due_counted_from, order.due_days, order.day_unit, calendar=calendar)
        before = order.due_at
        if deadline.at == before and deadline.provisional == order.due_provisional:
            continue
        order.due_at, order.due_provisional = deadline.at, deadline.provisional
        order.save(update_fields=["due_at", "due_provisional"])
        _move_step(order, calendar, actor=actor, reason=reason, now=now)
        audit.record(
            actor=actor,
            action="workorder.recount_due",
            obj=order,
            changes={"due_at": {"before": before, "after": deadline.at}, "year": year},
            org_unit=order.org_unit,
            at=now,
        )
        if deadline.at != before:
            changed.append(order.pk)
            core_services.notify_about(
                order,
                unique(recipient_people(order), issuer_people(order)),
                kind="due_recounted",
                title=_("工单“%(title)s”的办理期限已按 %(year)s 年节假日安排重新计算")
                % {"title": order.title, "year": year},
                body=core_services.due_recounted_body(before, deadline.at),
                level="warning",
                key=f"due_recounted.{year}",
            )
    return changed


def _move_step(order: WorkOrder, calendar: Calendar, *, actor, reason: str, now: datetime) -> None:
    """The open step follows the order: 办理 is due at the order's deadline; 接收 within its acceptance period
    (counted from when the step opened) but never after the order's deadline — while its 督办 timer, like the
    handling step's, watches the order's deadline itself."""
    task = selectors.open_task(order)
    if task is None or task.element_id not in ("accept", "handle"):
        return  # 处理拒收 (the issuer's step) runs no deadline of the order's
    due_at = order.due_at
    if task.element_id == "accept":
        due_at = min(order.due_at, deadline_after(task.created_at, ACCEPT_WITHIN_WORKING_DAYS, calendar=calendar).at)
    workflow.set_due(
        task=task,
        due_at=due_at,
        provisional=order.due_provisional,
        timer_at=order.due_at,
        actor=actor,
        reason=reason,
        now=now,
    )
