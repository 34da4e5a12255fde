"""督办: the two steps `processes/workorder.bpmn` takes on its own when an order runs late.

The deadline passing before the recipient reports back fires the process's overdue timer, whose
service task calls `handle_overdue` (the order is marked supervised, the recipient's superior
unit, the issuer and the recipient are told). Three working days later the supervision timer calls
`handle_supervision_expired`: still not reported back, the order is escalated to head office.

Both run inside the workflow's timer sweep, in its transaction, with the process instance already
locked. They are idempotent — the order's own `supervision` level and the notifications' dedupe
keys make a second run (or a second timer path reaching the same step) change nothing.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from xiaobao.core import audit
from xiaobao.core import services as core_services
from xiaobao.workorders import notices
from xiaobao.workorders.models import WorkOrder


def _locked_for_sweep(pk: int) -> WorkOrder:
    # The sweep holds the instance lock and only then asks for the order row, while a person's
    # action takes the order row first (see services): NOWAIT turns what would be a deadlock into
    # a failed timer, which the sweep logs and fires again on its next run.
    return (
        WorkOrder.objects.select_for_update(nowait=True, of=("self",))
        .select_related("org_unit", "org_unit__parent", "issuer", "recipient_user", "handler")
        .get(pk=pk)
    )


def _recipients_of(order: WorkOrder) -> list:
    return [*notices.recipient_people(order), order.handler]


def handle_overdue(*, instance, data, now: datetime) -> dict:
    """督办 (the deadline passed before the recipient reported back): mark the order supervised and
    tell the recipient's superior unit, the issuer and the recipient (and whoever handles it).

    Once per order: a deadline passing again (after a return, or when both the acceptance and the
    handling timers reach this step) changes nothing.
    """
    order = _locked_for_sweep(int(instance.object_id))
    if order.status not in WorkOrder.RECIPIENT_STATUSES or order.supervision != WorkOrder.Supervision.NONE:
        return {"supervised": order.supervision >= WorkOrder.Supervision.SUPERVISED}
    order.supervision, order.supervised_at = WorkOrder.Supervision.SUPERVISED, now
    order.save(update_fields=["supervision", "supervised_at"])
    audit.record(actor=None, action="workorder.supervise", obj=order, at=now)
    core_services.notify_about(
        order,
        notices.unique(notices.superior_people(order), notices.issuer_people(order), _recipients_of(order)),
        kind="supervised",
        title=_("督办：%(unit)s 工单逾期未反馈 — %(title)s") % {"unit": order.org_unit.name, "title": order.title},
        body=_("期限 %(due)s 已过。") % {"due": f"{timezone.localtime(order.due_at):%Y-%m-%d}"},
        level="urgent",
        key="1",
    )
    return {"supervised": True}


def handle_supervision_expired(*, instance, data, now: datetime) -> dict:
    """The second overdue: still not reported back when the supervision period ends — escalate to
    head office (its 消保 admins, the superior unit, the issuer and the recipient are told; the
    order is marked and listed on the supervision board).
    """
    order = _locked_for_sweep(int(instance.object_id))
    if order.status not in WorkOrder.RECIPIENT_STATUSES or order.supervision != WorkOrder.Supervision.SUPERVISED:
        return {"escalated": order.supervision >= WorkOrder.Supervision.ESCALATED}
    order.supervision, order.escalated_at = WorkOrder.Supervision.ESCALATED, now
    order.save(update_fields=["supervision", "escalated_at"])
    audit.record(actor=None, action="workorder.escalate", obj=order, at=now)
    core_services.notify_about(
        order,
        notices.unique(
            notices.head_office_people(),
            notices.superior_people(order),
            notices.issuer_people(order),
            _recipients_of(order),
        ),
        kind="escalated",
        title=_("上报总公司：%(unit)s 督办后仍未反馈 — %(title)s")
        % {"unit": order.org_unit.name, "title": order.title},
        level="urgent",
        key="2",
    )
    return {"escalated": True}
