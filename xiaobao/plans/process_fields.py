"""How the plan approval process's variables read on task and history pages (workflow.labels)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from xiaobao.workflow import labels
from xiaobao.workflow.labels import BOOLEAN, HIDDEN, Variable

VARIABLES = {
    "plan_id": HIDDEN,
    "approver": Variable(_("审批层级"), choices={"hq": _("总公司审批"), "parent": _("上级机构审批")}),
    "approved": Variable(_("审批通过"), BOOLEAN),
}


def register(process_key: str) -> None:
    labels.register(process_key, VARIABLES)
