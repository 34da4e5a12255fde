"""Work order forms: parse and validate input shape; the rules live in services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from xiaobao.core.models import OrgUnit, User
from xiaobao.ui.forms import Form, MultipleFileField
from xiaobao.workorders.models import WorkOrder


class RecipientUserField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj} · {obj.org_unit}" if obj.org_unit_id else str(obj)


class IssueForm(Form):
    title = forms.CharField(label=_("标题"), max_length=200)
    kind = forms.ChoiceField(label=_("类型"), choices=WorkOrder.Kind.choices)
    priority = forms.ChoiceField(label=_("优先级"), choices=WorkOrder.Priority.choices, initial="normal")
    content = forms.CharField(label=_("工作内容"), widget=forms.Textarea(attrs={"rows": 6}))
    recipient_units = forms.ModelMultipleChoiceField(
        label=_("接收机构"), queryset=OrgUnit.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    recipient_users = RecipientUserField(
        label=_("指定接收人"), queryset=User.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    due_days = forms.IntegerField(label=_("办理时限（天）"), required=False, min_value=1, max_value=365)
    day_unit = forms.ChoiceField(label=_("天数口径"), choices=WorkOrder.DayUnit.choices, initial="working")
    due_date = forms.DateField(label=_("或截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    files = MultipleFileField(label=_("附件"), required=False)

    def __init__(self, *args, units, users, **kwargs):
        super().__init__(*args, **kwargs)
        # Choices come from the caller's selectors (the units the issuer may dispatch to).
        self.fields["recipient_units"].queryset = units
        self.fields["recipient_users"].queryset = users


class ReasonForm(Form):
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    reason = forms.CharField(label=_("理由"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class RefusalForm(Form):
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    resend = forms.TypedChoiceField(
        label=_("处理方式"),
        choices=[("1", _("重新下发")), ("0", _("撤销工单"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(label=_("说明"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    # a resend may set a new deadline; it must when the old one has passed
    due_days = forms.IntegerField(label=_("新的办理时限（天）"), required=False, min_value=1, max_value=365)
    day_unit = forms.ChoiceField(label=_("天数口径"), choices=WorkOrder.DayUnit.choices, required=False)
    due_date = forms.DateField(
        label=_("或新的截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class FeedbackForm(Form):
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    text = forms.CharField(label=_("办理情况"), widget=forms.Textarea(attrs={"rows": 6}), required=False)
    files = MultipleFileField(label=_("佐证材料"), required=False)


class ReviewForm(Form):
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    approved = forms.TypedChoiceField(
        label=_("验收结论"),
        choices=[("1", _("验收通过")), ("0", _("退回重办"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(label=_("验收意见"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class ListFilterForm(Form):
    box = forms.ChoiceField(
        required=False,
        choices=[("todo", _("待我处理")), ("issued", _("我下发的")), ("supervising", _("督办中")), ("all", _("全部"))],
    )
    status = forms.ChoiceField(required=False, choices=[("", _("全部状态")), *WorkOrder.Status.choices])
    kind = forms.ChoiceField(required=False, choices=[("", _("全部类型")), *WorkOrder.Kind.choices])
    q = forms.CharField(required=False, max_length=100)
    overdue = forms.BooleanField(required=False)
    org_unit = forms.IntegerField(required=False)
    sort = forms.CharField(required=False, max_length=30)  # a column key; the selector ignores unknown ones
