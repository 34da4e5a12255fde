"""Plan and activity forms: parse and validate the input's shape; the rules live in the services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from xiaobao.core.forms import ChoiceField
from xiaobao.core.models import OrgUnit
from xiaobao.plans.models import Activity, Plan, PlanTask
from xiaobao.ui.forms import Form, MultipleFileField

DATE = {"type": "date"}


class UnitField(forms.ModelMultipleChoiceField):
    """Units listed indented under their parents (the queryset comes ordered by path)."""

    def label_from_instance(self, obj) -> str:
        return "\u3000" * max(obj.depth - 1, 0) + obj.name


class PlanForm(Form):
    name = forms.CharField(label=_("方案名称"), max_length=200)
    kind = forms.ChoiceField(label=_("方案类型"), choices=Plan.Kind.choices)
    period_start = forms.DateField(label=_("开始日期"), widget=forms.DateInput(attrs=DATE))
    period_end = forms.DateField(label=_("结束日期"), widget=forms.DateInput(attrs=DATE))
    description = forms.CharField(label=_("方案内容"), widget=forms.Textarea(attrs={"rows": 6}))
    budget = forms.DecimalField(label=_("预算（元）"), required=False, max_digits=14, decimal_places=2, min_value=0)
    participating_units = UnitField(
        label=_("参与机构"), queryset=OrgUnit.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    files = MultipleFileField(label=_("方案材料"), required=False)

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        # the units the caller may reach (core.selectors), never the whole table
        self.fields["participating_units"].queryset = units


class GoalForm(Form):
    description = forms.CharField(label=_("目标"), max_length=300)
    indicator_code = forms.CharField(label=_("关联指标代码"), max_length=40, required=False)
    target_value = forms.DecimalField(label=_("目标值"), required=False, max_digits=16, decimal_places=4)
    unit = forms.CharField(label=_("计量单位"), max_length=20, required=False)


class TaskForm(Form):
    title = forms.CharField(label=_("任务名称"), max_length=200)
    description = forms.CharField(label=_("任务说明"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    expected_output = forms.CharField(label=_("预期成果"), max_length=300, required=False)
    due_on = forms.DateField(label=_("完成期限"), required=False, widget=forms.DateInput(attrs=DATE))
    units = UnitField(
        label=_("责任机构"), queryset=OrgUnit.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["units"].queryset = units


class ReasonForm(Form):
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    reason = forms.CharField(label=_("退回理由"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class SummaryForm(Form):
    summary = forms.CharField(label=_("工作总结"), widget=forms.Textarea(attrs={"rows": 8}))


class PlanFilterForm(Form):
    kind = forms.ChoiceField(required=False, choices=[("", _("全部类型")), *Plan.Kind.choices])
    status = forms.ChoiceField(required=False, choices=[("", _("全部状态")), *Plan.Status.choices])
    year = forms.IntegerField(required=False, min_value=2000, max_value=2100)
    q = forms.CharField(required=False, max_length=100)
    sort = forms.CharField(required=False, max_length=30)  # a column key; the selector ignores unknown ones


class TaskChoiceField(ChoiceField):
    def label_from_instance(self, obj: PlanTask) -> str:
        return f"{obj.plan.name} · {obj.title}"


class UnitChoiceField(ChoiceField):
    def label_from_instance(self, obj) -> str:
        return "\u3000" * max(obj.depth - 1, 0) + obj.name


class ActivityForm(Form):
    task = TaskChoiceField(label=_("方案任务"), queryset=PlanTask.objects.none(), required=False)
    org_unit = UnitChoiceField(label=_("组织机构"), queryset=OrgUnit.objects.none())
    held_on = forms.DateField(label=_("活动日期"), widget=forms.DateInput(attrs=DATE))
    title = forms.CharField(label=_("活动名称"), max_length=200)
    form = forms.ChoiceField(label=_("活动形式"), choices=Activity.Form.choices)
    target = forms.ChoiceField(
        label=_("五进入"), required=False, choices=[("", _("（线上活动不填）")), *Activity.Target.choices]
    )
    place = forms.CharField(label=_("活动地点"), max_length=200, required=False)
    participants = forms.IntegerField(label=_("参与人数"), min_value=0, initial=0)
    reach = forms.IntegerField(label=_("触达人次"), min_value=0, initial=0)
    articles = forms.IntegerField(label=_("文章数"), min_value=0, initial=0)
    videos = forms.IntegerField(label=_("视频数"), min_value=0, initial=0)
    reposts = forms.IntegerField(label=_("转发数"), min_value=0, initial=0)
    media_stories = forms.IntegerField(label=_("媒体报道数"), min_value=0, initial=0)
    description = forms.CharField(label=_("活动简介"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    photos = MultipleFileField(label=_("活动照片"), required=False)

    COUNTS = ("participants", "reach", "articles", "videos", "reposts", "media_stories")

    def __init__(self, *args, tasks, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["task"].queryset = tasks
        self.fields["org_unit"].queryset = units
        if units.count() == 1:
            # a branch enters records only for itself: nothing to choose
            self.fields["org_unit"].initial = units.first().pk
            self.fields["org_unit"].empty_label = None
        for name in self.COUNTS:
            self.fields[name].widget.attrs["inputmode"] = "numeric"


class ActivityFilterForm(Form):
    plan = forms.IntegerField(required=False, min_value=1)
    task = forms.IntegerField(required=False, min_value=1)
    org_unit = forms.IntegerField(required=False, min_value=1)
    form = forms.ChoiceField(required=False, choices=[("", _("全部形式")), *Activity.Form.choices])
    target = forms.ChoiceField(required=False, choices=[("", _("全部")), *Activity.Target.choices])
    date_from = forms.DateField(required=False, widget=forms.DateInput(attrs=DATE))
    date_to = forms.DateField(required=False, widget=forms.DateInput(attrs=DATE))
    q = forms.CharField(required=False, max_length=100)


class ImportForm(Form):
    file = forms.FileField(label=_("Excel 文件（.xlsx）"))
    task = TaskChoiceField(label=_("方案任务"), queryset=PlanTask.objects.none(), required=False)
    org_unit = UnitChoiceField(label=_("组织机构"), queryset=OrgUnit.objects.none())

    def __init__(self, *args, tasks, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["task"].queryset = tasks
        self.fields["org_unit"].queryset = units
        if units.count() == 1:
            self.fields["org_unit"].initial = units.first().pk
            self.fields["org_unit"].empty_label = None


class ReportForm(Form):
    plan = forms.IntegerField(required=False, min_value=1)
    year = forms.IntegerField(required=False, min_value=2000, max_value=2100)
