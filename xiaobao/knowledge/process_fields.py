"""How the policy publishing process's variables read on task and history pages (workflow.labels)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from xiaobao.workflow import labels
from xiaobao.workflow.labels import BOOLEAN, HIDDEN, Variable

VARIABLES = {
    "document_id": HIDDEN,
    "version_id": HIDDEN,
    "version_number": Variable(_("版本号")),
    "approved": Variable(_("审批通过"), BOOLEAN),
    "comment": Variable(_("审批意见")),
}


def register(process_key: str) -> None:
    labels.register(process_key, VARIABLES)
