"""重大消费投诉 (第二十九条).

"银行保险机构应当制定重大消费投诉处理应急预案，做好重大消费投诉的预防、报告和应急处理工作。重大消费投诉包括
以下情形：（一）因重大自然灾害、安全事故、公共卫生事件等引发的消费投诉；（二）20名以上投诉人采取面谈方式提出
共同消费投诉的群体性投诉；（三）中国银保监会及其派出机构认定的其他重大消费投诉。"

So: the triggers are the article's (rules.major_reasons); the emergency plan is a document kept in the
knowledge centre under the 制度编号 in the `major.emergency_plan` rule, linked from every 重大 case; head
office is told at once and each report is a `MajorReport` row. The project's internal group flag (5+
complainants, media, amount) is `is_group` — never counted as 重大.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xiaobao.complaints import error_codes as codes
from xiaobao.complaints import notices, rules
from xiaobao.complaints.models import Complaint, MajorReport
from xiaobao.complaints.rules import refusal
from xiaobao.core import audit
from xiaobao.core import services as core_services
from xiaobao.knowledge import selectors as knowledge_selectors

REASON_LABELS = {
    "disaster": gettext_lazy("因重大自然灾害引发"),
    "accident": gettext_lazy("因安全事故引发"),
    "public_health": gettext_lazy("因公共卫生事件引发"),
    "joint_in_person": gettext_lazy("20名以上投诉人采取面谈方式提出共同投诉"),
    "regulator_designated": gettext_lazy("监管部门认定"),
}


def reason_labels(complaint: Complaint) -> list[str]:
    return [str(REASON_LABELS.get(r, r)) for r in complaint.major_reasons or []]


def emergency_plan() -> dict | None:
    """The emergency plan the `major.emergency_plan` rule names: {number, title, url}, or None with the
    number when the knowledge centre has no published document under it (the page then says so)."""
    number = str(rules.rule("major.emergency_plan").get("number") or "")
    document = knowledge_selectors.published_document_by_number(number)
    if document is None:
        return {"number": number, "title": "", "url": ""}
    return {"number": number, "title": document.title, "url": document.get_absolute_url()}


def report(complaint: Complaint, *, actor, now: datetime, first: bool, content: str = "") -> MajorReport:
    """Tell head office (urgent, in-app and mail) and keep the report record. The caller holds the
    complaint row (register, designate)."""
    plan = emergency_plan()
    people = notices.head_office_people()
    reasons = "、".join(reason_labels(complaint))
    body = content or _("重大消费投诉（%(reasons)s），请按应急预案处置。") % {"reasons": reasons}
    row = MajorReport.objects.create(
        complaint=complaint,
        reported_at=now,
        reported_by=actor,
        recipients=[person.pk for person in people],
        content=body,
        emergency_plan_url=plan["url"],
    )
    if first and complaint.major_reported_at is None:
        complaint.major_reported_at = now
        complaint.save(update_fields=["major_reported_at"])
    audit.record(
        actor=actor,
        action="complaint.report_major",
        obj=complaint,
        changes={"reasons": complaint.major_reasons, "report": row.pk, "recipients": row.recipients},
        at=now,
    )
    core_services.notify_about(
        complaint,
        people,
        kind="major",
        title=_("重大消费投诉：%(number)s %(subject)s") % {"number": complaint.number, "subject": complaint.subject},
        body=body if plan["url"] else body + _("（知识中心未找到应急预案 %(number)s）") % {"number": plan["number"]},
        level="urgent",
        key=str(row.pk),
    )
    return row


@transaction.atomic
def complaint_designate_major(
    *, complaint: Complaint | int, actor, designation_ref: str, now: datetime | None = None
) -> Complaint:
    """第二十九条第三项: the regulator designated this complaint 重大 — recorded with the designation's
    reference, reported to head office at once. Refuses: NOT_ALLOWED (403), CLOSED (409),
    DESIGNATION_REF_REQUIRED."""
    from xiaobao.complaints.services import COMPLAINT

    now = now or timezone.now()
    complaint = COMPLAINT.lock(complaint)
    rules.check_may_change(actor, complaint)
    rules.check_open(complaint)
    ref = (designation_ref or "").strip()[:100]
    if not ref:
        raise refusal(codes.DESIGNATION_REF_REQUIRED, _("请填写监管认定的文号或转办单号。"), field="designation_ref")
    complaint.major_designation_ref = ref
    complaint.major_reasons = rules.major_reasons(complaint)
    complaint.is_major = True
    complaint.save(update_fields=["major_designation_ref", "major_reasons", "is_major"])
    report(complaint, actor=actor, now=now, first=True)
    return complaint
