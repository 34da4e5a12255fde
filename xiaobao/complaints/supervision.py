"""What the complaints app does on its own: 督办 when the statutory deadline passes, escalation of
major or group complaints to head office, and 溯源整改 (root cause → rectification work order).

`handle_overdue` is the service task of `processes/complaint.bpmn`: the handling step's boundary
timer (timeDate=${due_at}) fires it inside the workflow's timer sweep, in its transaction, with the
process instance already locked. It is idempotent — the complaint's `supervision_order_id` makes
a second run (or a second timer path) change nothing, so one 督办 work order per complaint.
Work orders are opened through `workorders.services.workorder_open` (apps never share models).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xiaobao.complaints import notices
from xiaobao.complaints.models import Category, Complaint
from xiaobao.complaints.rules import rule
from xiaobao.core import audit
from xiaobao.core import services as core_services
from xiaobao.workorders import services as workorders

SUPERVISION_KIND = "supervision"  # 督办事项 (workorders.WorkOrder.Kind)
RECTIFICATION_KIND = "rectification"  # 整改


def _locked_for_sweep(pk: int) -> Complaint:
    # The sweep holds the instance lock and only then asks for the complaint row, while a person's
    # action takes the complaint row first: NOWAIT turns a would-be deadlock into a failed timer,
    # which the sweep logs and fires again on its next run (as workorders.supervision does).
    return (
        Complaint.objects.select_for_update(nowait=True, of=("self",)).select_related("org_unit", "handler").get(pk=pk)
    )


def handle_overdue(*, instance, data, now: datetime) -> dict:
    """督办: the statutory deadline passed before the decision was told to the complainant. Opens one
    督办 work order to the responsible unit and tells its officers, the handler and head office."""
    complaint = _locked_for_sweep(int(instance.object_id))
    if complaint.status not in Complaint.CLOCK_STATUSES or complaint.supervision_order_id:
        return {"supervised": bool(complaint.supervision_order_id)}
    due = f"{timezone.localtime(complaint.due_at):%Y-%m-%d}"
    value = rule("supervision.deadline")
    order = workorders.workorder_open(
        source=complaint,
        title=_("督办：投诉 %(number)s 逾期未处理") % {"number": complaint.number},
        kind=SUPERVISION_KIND,
        content=_("投诉“%(subject)s”的处理期限 %(due)s 已过，请立即处理并答复投诉人，反馈办理情况。")
        % {"subject": complaint.subject, "due": due},
        recipient_unit=complaint.org_unit,
        due_days=int(value["days"]),
        day_unit=value.get("unit", "working"),
        priority="urgent",
        now=now,
    )
    complaint.supervised_at, complaint.supervision_order_id = now, order.pk
    complaint.save(update_fields=["supervised_at", "supervision_order_id"])
    audit.record(actor=None, action="complaint.supervise", obj=complaint, changes={"work_order": order.pk}, at=now)
    core_services.notify_about(
        complaint,
        notices.unique(
            notices.handler_people(complaint), notices.unit_officers(complaint), notices.head_office_people()
        ),
        kind="supervised",
        title=_("督办：投诉 %(number)s 逾期未处理") % {"number": complaint.number},
        body=_("处理期限 %(due)s 已过。") % {"due": due},
        level="urgent",
        key="1",
    )
    return {"supervised": True, "supervision_order_id": order.pk}


def escalate_major(complaint: Complaint, *, actor, now: datetime) -> None:
    """重大消费投诉 (第二十九条): head office hears at once (urgent), a report record keeps who was told,
    when and what, with the link to the emergency plan (应急预案) in the knowledge centre. Audited."""
    from xiaobao.complaints import major

    major.report(complaint, actor=actor, now=now, first=True)


GROUP_LABELS = {
    "complainants": gettext_lazy("投诉人数达到内部群体性标准"),
    "media_attention": gettext_lazy("媒体关注"),
    "amount": gettext_lazy("涉及金额达到内部关注标准"),
}


def escalate_group(complaint: Complaint, *, actor, now: datetime) -> None:
    """The internal group / attention flag (this project's `major.thresholds`, not 第二十九条): head
    office hears at once, and the escalation is audited."""
    audit.record(
        actor=actor,
        action="complaint.escalate_group",
        obj=complaint,
        changes={"reasons": complaint.group_reasons},
        at=now,
    )
    core_services.notify_about(
        complaint,
        notices.head_office_people(),
        kind="group",
        title=_("群体性/重点关注投诉（内部标准）：%(number)s %(subject)s")
        % {"number": complaint.number, "subject": complaint.subject},
        body="、".join(str(GROUP_LABELS.get(r, r)) for r in complaint.group_reasons),
        level="urgent",
        key="1",
    )


def trace_root_cause(complaint: Complaint, *, actor, now: datetime) -> int | None:
    """溯源整改: after a complaint closes with its root cause, a cause marked systemic, or one that
    reached the threshold count at the responsible unit within the period, opens a rectification
    work order to that unit — once per cause, unit and period: later complaints of the same cause
    in the period are linked to the same order. Returns the order's id, or None."""
    cause: Category = complaint.root_cause
    value = rule("root_cause.threshold")
    since = now - timedelta(days=int(value["period_days"]))
    same = Complaint.objects.filter(
        root_cause=cause, org_unit=complaint.org_unit, status=Complaint.Status.CLOSED, closed_at__gte=since
    )
    existing = same.exclude(rectification_order_id=None).values_list("rectification_order_id", flat=True).first()
    if existing is None:
        if not cause.systemic and same.count() < int(value["count"]):
            return None
        term = rule("rectification.deadline")
        order = workorders.workorder_open(
            source=complaint,
            title=_("溯源整改：%(cause)s（%(unit)s）") % {"cause": cause.name, "unit": complaint.org_unit.name},
            kind=RECTIFICATION_KIND,
            content=_(
                "%(days)s 日内 %(count)s 件投诉溯源为“%(cause)s”%(systemic)s。请分析成因、制定整改措施并反馈整改结果。"
            )
            % {
                "days": value["period_days"],
                "count": same.count(),
                "cause": cause.name,
                "systemic": _("（系统性问题）") if cause.systemic else "",
            },
            recipient_unit=complaint.org_unit,
            due_days=int(term["days"]),
            day_unit=term.get("unit", "working"),
            priority="high",
            now=now,
        )
        existing = order.pk
        audit.record(
            actor=actor,
            action="complaint.rectification_open",
            obj=complaint,
            changes={"work_order": order.pk, "root_cause": cause.code},
            at=now,
        )
    same.filter(rectification_order_id=None).update(rectification_order_id=existing)
    complaint.rectification_order_id = existing
    return existing
