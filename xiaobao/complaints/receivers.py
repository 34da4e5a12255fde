"""What complaints answers when a module on its layer asks through `core.hooks` (it cannot import us):

- a complaint shown by a service interaction (quality inspection confirmed an unlogged complaint intent):
  registered through `services.complaint_register`, received when the customer said it, so the statutory
  clock runs from the call; it waits at the unit's 受理 step, where the handler confirms it — or declines it
  (不予办理) if the call was not a complaint after all;
- the complaints at their 回访 step, for the outbound robot's call list;
- the robot's answer for one of them: the 回访 step completed through `services.complaint_revisit`, in the
  name of the handler who owns the step (the robot called for them), the note saying it was the robot.

Each receiver declines (returns None) rather than raise for what the asker can live with — no permission,
a complaint that has moved on — so the asker keeps its request pending instead of losing its own action.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from xiaobao.complaints import selectors, services
from xiaobao.complaints.models import Complaint
from xiaobao.core.api_errors import BusinessRuleError

#: the interaction's channel (inspection) -> the complaint's channel
CHANNELS = {
    "hotline": Complaint.Channel.HOTLINE,
    "online": Complaint.Channel.CHATBOT,
    "video": Complaint.Channel.VIDEO,
    "counter": Complaint.Channel.COUNTER,
    "wechat": Complaint.Channel.WECHAT,
    "app": Complaint.Channel.APP,
}


def complaint_from_interaction(sender, *, draft: dict, source, actor, **kwargs) -> dict | None:
    from datetime import datetime

    from xiaobao.core.models import OrgUnit

    unit = OrgUnit.objects.filter(pk=draft.get("org_unit")).first()
    name = (draft.get("customer_name") or "").strip() or _("客户（客户号 %(ref)s）") % {
        "ref": draft.get("customer_ref") or "-"
    }
    try:
        with transaction.atomic():  # a refusal half-way leaves nothing of the complaint behind
            complaint = services.complaint_register(
                actor=actor,
                channel=CHANNELS.get(draft.get("channel"), Complaint.Channel.OTHER),
                received_at=datetime.fromisoformat(draft["received_at"]),
                complainant_name=name,
                complainant_phone=draft.get("customer_phone") or "",
                policy_number=draft.get("policy_number") or "",
                subject=_("服务交互中表达的投诉（质检发现）"),
                content=_(
                    "质检发现客户在服务交互中表达投诉意图，未登记为投诉。\n客户原话（脱敏）：%(summary)s\n来源：%(source)s"
                )
                % {"summary": draft.get("summary") or "", "source": draft.get("source_label") or ""},
                org_unit=unit,
                external_ref=f"inspection-finding-{source.pk}",
                idempotency_key=f"inspection-finding-{source.pk}",
            )
    except BusinessRuleError:
        return None  # e.g. the inspector may not register complaints: the request stays pending on the finding
    return {"id": complaint.pk, "number": complaint.number, "url": complaint.get_absolute_url()}


def revisit_calls(sender, *, actor, now, **kwargs) -> dict:
    rows = selectors.complaints_visible_to(actor, {"status": Complaint.Status.REVISITING})
    calls = [
        {
            "ref": complaint.number,
            "org_unit": complaint.org_unit,
            "customer_name": complaint.complainant_name,
            "phone": complaint.complainant_phone,
            "label": complaint.subject[:200],
            "due_on": complaint.decided_at.date() if complaint.decided_at else None,
        }
        for complaint in rows
        if complaint.complainant_phone
    ]
    return {"purpose": "complaint_revisit", "calls": calls}


def revisit_answered(sender, *, purpose, ref, outcome, note, called_at, actor, **kwargs) -> dict | None:
    if purpose != "complaint_revisit" or outcome != "reached":
        return None
    complaint = Complaint.objects.filter(number=ref, status=Complaint.Status.REVISITING).first()
    if complaint is None or complaint.handler_id is None:
        return None
    result = _("外呼机器人回访（%(at)s，结果由 %(who)s 导入）：%(note)s") % {
        "at": f"{called_at:%Y-%m-%d %H:%M}",
        "who": actor,
        "note": note,
    }
    try:
        with transaction.atomic():
            services.complaint_revisit(complaint=complaint, actor=complaint.handler, result=result, now=called_at)
    except BusinessRuleError:
        return None
    return {"label": complaint.number}
