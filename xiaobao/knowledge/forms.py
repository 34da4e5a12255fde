"""Knowledge forms for writing (new document, edit, approval decision): input shape only, the rules live in
services. Choices (owning units, categories) come from the caller's selectors."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from xiaobao.core.models import OrgUnit, Role
from xiaobao.knowledge.models import Category, Document

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class Form(forms.Form):
    """Labels sit above their fields, so no ":" after them (an ASCII colon after Chinese)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class DocumentForm(Form):
    """Text and metadata of a document. `new=True` adds the kind and the owning unit (fixed once created)."""

    kind = forms.ChoiceField(label=_("类型"), choices=Document.Kind.choices)
    org_unit = forms.ModelChoiceField(label=_("所属机构"), queryset=OrgUnit.objects.none(), empty_label=None)
    title = forms.CharField(label=_("标题"), max_length=300)
    question = forms.CharField(label=_("问题"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    answer = forms.CharField(label=_("答案"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    alternatives = forms.CharField(
        label=_("相似问法"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("每行一个。"),
    )
    body = forms.CharField(label=_("正文"), required=False, widget=forms.Textarea(attrs={"rows": 16}))
    change_note = forms.CharField(label=_("修改说明"), required=False, max_length=300)
    number = forms.CharField(label=_("制度编号"), required=False, max_length=60)
    issuing_department = forms.CharField(label=_("发文部门"), required=False, max_length=100)
    issuer = forms.CharField(label=_("发布机关"), required=False, max_length=100)
    effective_from = forms.DateField(label=_("生效日期"), required=False, widget=DATE)
    repealed_on = forms.DateField(label=_("废止日期"), required=False, widget=DATE)
    policy_status = forms.ChoiceField(
        label=_("制度状态"), required=False, choices=[("", "—"), *Document.PolicyStatus.choices]
    )
    review_due_on = forms.DateField(label=_("定期评估日期"), required=False, widget=DATE)
    category = forms.TypedChoiceField(label=_("分类"), required=False, coerce=int, empty_value=None)
    tags = forms.CharField(
        label=_("标签"), required=False, max_length=700, help_text=_("用逗号分隔，可填所涉消费者权利，如：知情权")
    )
    visible_roles = forms.ModelMultipleChoiceField(
        label=_("可见角色"),
        queryset=Role.objects.order_by("pk"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("不选即所属机构及上下级机构有阅读权限的人都可见。"),
    )
    base_version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    METADATA = (
        "number",
        "issuing_department",
        "issuer",
        "effective_from",
        "repealed_on",
        "policy_status",
        "review_due_on",
        "category",
        "tags",
        "visible_roles",
    )

    def __init__(self, *args, new: bool, units=None, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "—"), *categories]
        if new:
            self.fields["org_unit"].queryset = units if units is not None else OrgUnit.objects.none()
        else:
            del self.fields["kind"]
            del self.fields["org_unit"]

    def text(self) -> dict:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "body": data["body"],
            "question": data["question"],
            "answer": data["answer"],
            "alternatives": data["alternatives"].splitlines(),
            "change_note": data["change_note"],
        }

    def metadata(self) -> dict:
        data = {name: self.cleaned_data[name] for name in self.METADATA}
        data["category"] = Category.objects.filter(pk=data["category"]).first() if data["category"] else None
        data["visible_roles"] = list(data["visible_roles"])
        return data

    @staticmethod
    def initial_for(document: Document, version) -> dict:
        return {
            "title": version.title if version else document.title,
            "body": version.body if version else "",
            "question": version.question if version else "",
            "answer": version.answer if version else "",
            "alternatives": "\n".join(version.alternatives or []) if version else "",
            "number": document.number,
            "issuing_department": document.issuing_department,
            "issuer": document.issuer,
            "effective_from": document.effective_from,
            "repealed_on": document.repealed_on,
            "policy_status": document.policy_status,
            "review_due_on": document.review_due_on,
            "category": document.category_id,
            "tags": ", ".join(document.tags or []),
            "visible_roles": list(document.visible_roles.all()),
            "base_version": version.number if version else None,
        }


class DecisionForm(Form):
    """审批: approve (with an optional comment) or reject (with a reason); the decision is the button pressed."""

    decision = forms.ChoiceField(label=_("审批结果"), choices=[("approve", _("同意发布")), ("reject", _("退回"))])
    comment = forms.CharField(
        label=_("审批意见"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("退回时必填，说明退回理由。"),
    )
