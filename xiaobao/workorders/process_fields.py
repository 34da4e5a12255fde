"""How the work-order process's variables read on task and history pages (workflow.labels)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from xiaobao.workflow import labels
from xiaobao.workflow.labels import BOOLEAN, DATETIME, HIDDEN, USER, Variable

VARIABLES = {
    "order_id": HIDDEN,
    "issuer_id": Variable(_("下发人"), USER),
    "recipient_user_id": Variable(_("接收人"), USER),
    "due_at": Variable(_("办结期限"), DATETIME),
    "due_at_provisional": Variable(_("期限为暂定（节假日安排未公布）"), BOOLEAN),
    "accept_due_at": Variable(_("签收期限"), DATETIME),
    "accepted": Variable(_("签收"), BOOLEAN),
    "reason": Variable(_("退回原因")),
    "feedback": Variable(_("反馈内容")),
    "approved": Variable(_("审核通过"), BOOLEAN),
    "comment": Variable(_("审核意见")),
}


def register(process_key: str) -> None:
    labels.register(process_key, VARIABLES)
