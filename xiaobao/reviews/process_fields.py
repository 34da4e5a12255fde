"""How the review process's variables read on task and history pages (workflow.labels)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from xiaobao.reviews.models import Objection
from xiaobao.workflow import labels
from xiaobao.workflow.labels import BOOLEAN, DATETIME, HIDDEN, USER, Variable

ACTIONS = {
    "assign": _("分配审查员"),
    "return": _("退回补充材料"),
    "resubmit": _("补充材料后重新提交"),
    "issue": _("出具审查意见"),
}


VARIABLES = {
    "review_id": HIDDEN,
    "assigned": HIDDEN,
    "submitter_id": Variable(_("提交人"), USER),
    "reviewer_id": Variable(_("审查员"), USER),
    "review_due_at": Variable(_("审查期限"), DATETIME),
    "action": Variable(_("办理结果"), choices=ACTIONS),
    "return_reason": Variable(_("退回原因")),
    "has_opinions": Variable(_("提出审查意见"), BOOLEAN),
    "disputed": Variable(_("对意见有异议"), BOOLEAN),
    "to_committee": Variable(_("提交消保委员会"), BOOLEAN),
    "outcome": Variable(_("异议处理结果"), choices=dict(Objection.Outcome.choices)),
}


def register(process_key: str) -> None:
    labels.register(process_key, VARIABLES)
