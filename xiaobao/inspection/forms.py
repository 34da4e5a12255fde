"""Forms of the inspection pages: they parse; the services decide."""

from __future__ import annotations

import json

from django import forms
from django.utils.translation import gettext_lazy as _

from xiaobao.inspection.models import ConsumerRight, Finding, Interaction, Rule


class FindingFilterForm(forms.Form):
    status = forms.ChoiceField(
        required=False, choices=[("", _("全部状态")), ("undecided", _("未复核")), *Finding.Status.choices]
    )
    severity = forms.TypedChoiceField(
        required=False, coerce=int, empty_value=None, choices=[("", _("全部")), *Rule.Severity.choices]
    )
    rule = forms.IntegerField(required=False, min_value=1)
    channel = forms.ChoiceField(required=False, choices=[("", _("全部渠道")), *Interaction.Channel.choices])
    kind = forms.ChoiceField(required=False, choices=[("", _("全部类型")), *Interaction.Kind.choices])
    org_unit = forms.IntegerField(required=False, min_value=1)
    agent = forms.IntegerField(required=False, min_value=1)
    date_from = forms.DateField(required=False)
    date_to = forms.DateField(required=False)
    q = forms.CharField(required=False, max_length=100)
    sort = forms.CharField(required=False, max_length=30)  # a column key; the selector ignores unknown ones


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("理由"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class ConfirmForm(forms.Form):
    comment = forms.CharField(
        label=_("复核意见"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    training = forms.BooleanField(label=_("同时安排定向培训"), required=False, initial=True)


class UploadForm(forms.Form):
    file = forms.FileField(label=_("转写文件（JSONL、CSV 或 Excel）"))


class JsonField(forms.CharField):
    widget = forms.Textarea(attrs={"rows": 14, "class": "mono"})

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return {}
        try:
            parsed = json.loads(value)
        except ValueError as exc:
            raise forms.ValidationError(_("不是有效的 JSON：%(e)s") % {"e": exc}) from exc
        if not isinstance(parsed, dict):
            raise forms.ValidationError(_("规则定义应为 JSON 对象。"))
        return parsed


class DraftForm(forms.Form):
    definition = JsonField(label=_("规则定义（JSON）"))
    note = forms.CharField(label=_("版本说明"), required=False, max_length=200)
    sample = forms.CharField(
        label=_("测试文本"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("每行一句；以“坐席：”或“客户：”开头指定说话人。"),
    )


class RuleCreateForm(forms.Form):
    code = forms.SlugField(label=_("规则代码"), max_length=40)
    name = forms.CharField(label=_("规则名称"), max_length=100)
    kind = forms.ChoiceField(label=_("规则类型"), choices=Rule.Kind.choices)
    severity = forms.TypedChoiceField(label=_("严重程度"), coerce=int, choices=Rule.Severity.choices)
    consumer_right = forms.ChoiceField(label=_("保护的消费者权利"), choices=ConsumerRight.choices)
    regulatory_basis = forms.CharField(label=_("监管依据"), widget=forms.Textarea(attrs={"rows": 2}))
    description = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    definition = JsonField(label=_("规则定义（JSON）"))


class PeriodForm(forms.Form):
    date_from = forms.DateField(label=_("期间起"))
    date_to = forms.DateField(label=_("期间止"))


class RescanForm(PeriodForm):
    rules = forms.CharField(label=_("规则代码（逗号分隔，留空为全部）"), required=False, max_length=500)


class SampleForm(PeriodForm):
    per_agent = forms.IntegerField(label=_("每名坐席抽取"), min_value=1, max_value=50, initial=3)
    seed = forms.IntegerField(label=_("随机种子（可选，便于复核）"), required=False)


class StatsFilterForm(forms.Form):
    date_from = forms.DateField(required=False)
    date_to = forms.DateField(required=False)
    org_unit = forms.IntegerField(required=False, min_value=1)
    channel = forms.ChoiceField(required=False, choices=[("", _("全部渠道")), *Interaction.Channel.choices])


class CallListForm(forms.Form):
    purpose = forms.ChoiceField(label=_("回访类型"), choices=[])
    fmt = forms.ChoiceField(label=_("文件格式"), choices=[("csv", "CSV"), ("xlsx", "Excel")], initial="csv")

    def __init__(self, *args, **kwargs):
        from xiaobao.inspection.models import CallTask

        super().__init__(*args, **kwargs)
        self.fields["purpose"].choices = CallTask.Purpose.choices


class CallResultsForm(forms.Form):
    file = forms.FileField(label=_("外呼结果文件（CSV 或 Excel）"))


class PolicyForm(forms.Form):
    """One new policy for 新契约回访, keyed in on the page."""

    policy_number = forms.CharField(label=_("保单号"), max_length=64)
    customer_name = forms.CharField(label=_("投保人"), max_length=50, required=False)
    phone = forms.CharField(label=_("联系电话"), max_length=20)
    org_unit = forms.ModelChoiceField(label=_("所属机构"), queryset=None)
    product_name = forms.CharField(label=_("产品名称"), max_length=100, required=False)
    due_on = forms.DateField(label=_("应回访日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = units


class PolicyFileForm(forms.Form):
    file = forms.FileField(label=_("保单文件（CSV 或 Excel）"))
