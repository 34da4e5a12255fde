"""How the complaint process's variables read on task and history pages (workflow.labels)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from xiaobao.workflow import labels
from xiaobao.workflow.labels import BOOLEAN, DATETIME, HIDDEN, USER, Variable


def _categories(ids: set) -> dict:
    from xiaobao.complaints.models import Category

    numeric = {int(i) for i in ids if str(i).isdigit()}
    return {str(pk): name for pk, name in Category.objects.filter(pk__in=numeric).values_list("pk", "name")}


VARIABLES = {
    "complaint_id": HIDDEN,
    "superior_is_head_office": HIDDEN,
    "due_at": Variable(_("办结期限"), DATETIME),
    "due_at_provisional": Variable(_("期限为暂定（节假日安排未公布）"), BOOLEAN),
    "accept_due_at": Variable(_("受理期限"), DATETIME),
    "assign_due_at": Variable(_("分派期限"), DATETIME),
    "handler_id": Variable(_("承办人"), USER),
    "decision": Variable(_("处理决定")),
    "reply_method": Variable(_("答复方式")),
    "remedies_told": Variable(_("已告知救济途径"), BOOLEAN),
    "response_due_at": Variable(_("申请核查截止"), DATETIME),
    "conclusion": Variable(_("核查结论")),
    "upheld": Variable(_("维持原决定"), BOOLEAN),
    "revisit_due_at": Variable(_("回访期限"), DATETIME),
    "result": Variable(_("回访情况")),
    "root_cause": Variable(_("溯源根因"), resolve=_categories),
    "note": Variable(_("溯源分析")),
}


def register(process_key: str) -> None:
    labels.register(process_key, VARIABLES)
