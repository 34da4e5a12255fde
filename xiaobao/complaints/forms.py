"""Complaint forms: parse and validate input shape; the rules (deadlines, 回避, what each step needs) live in services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from xiaobao.complaints.models import Category, Complaint, Extension
from xiaobao.core.forms import ChoiceField
from xiaobao.core.models import OrgUnit, User
from xiaobao.ui.forms import Form, MultipleFileField

# The personal-data fields a page may reveal (each one an EncryptedTextField of Complaint).
REVEALABLE = [
    ("complainant_name", _("投诉人姓名")),
    ("complainant_id_number", _("证件号码")),
    ("complainant_phone", _("联系电话")),
    ("complainant_address", _("联系地址")),
    ("consumer_name", _("消费者姓名")),
]


class UserField(ChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj} · {obj.org_unit}" if obj.org_unit_id else str(obj)


class UnitField(ChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.name


class CategoryField(ChoiceField):
    """One entry of the current code table; children indented under their parent (the table is short)."""

    def label_from_instance(self, obj) -> str:
        depth = 0 if not obj.parent_id else (2 if obj.parent.parent_id else 1)
        return "\u3000" * depth + f"{obj.code} {obj.name}"


def current_categories(dimension: str):
    """The active entries of one dimension of the current code table (a complaint keeps the edition it used)."""
    return (
        Category.objects.filter(version__is_current=True, dimension=dimension, is_active=True)
        .select_related("parent")
        .order_by("sort", "code")
    )


def category_field(label, dimension: str, *, required: bool = False) -> CategoryField:
    return CategoryField(label=label, queryset=current_categories(dimension), required=required)


RECEIVED_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]


class PageForm(Form):
    """Several forms share the detail page: each gets its own element ids, so every label finds its field."""

    id_prefix = ""

    def __init__(self, *args, **kwargs):
        if self.id_prefix:
            kwargs.setdefault("auto_id", f"id_{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


class RegisterForm(Form):
    # What the feed or the person at the desk knows first: where and when it came in.
    channel = forms.ChoiceField(label=_("投诉渠道"), choices=Complaint.Channel.choices)
    received_at = forms.DateTimeField(
        label=_("收到时间"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"],
    )
    external_ref = forms.CharField(label=_("外部编号"), max_length=64, required=False)
    # Art. 7: a 面谈 complaint names the recording of its reception.
    recording_ref = forms.CharField(
        label=_("录音录像编号"), max_length=100, required=False, help_text=_("面谈投诉必填（接待过程录音录像）。")
    )
    # Art. 13: the complainant's identity and contact.
    complainant_name = forms.CharField(label=_("投诉人姓名"), max_length=100)
    complainant_id_number = forms.CharField(label=_("证件号码"), max_length=40, required=False)
    complainant_phone = forms.CharField(label=_("联系电话"), max_length=30, required=False)
    complainant_address = forms.CharField(label=_("联系地址"), max_length=300, required=False)
    # Art. 14: an agent, heir or guardian complaining for the consumer.
    relation = forms.ChoiceField(
        label=_("与消费者关系"), choices=Complaint.Relation.choices, initial=Complaint.Relation.SELF
    )
    consumer_name = forms.CharField(label=_("消费者姓名"), max_length=100, required=False)
    complainant_count = forms.IntegerField(label=_("投诉人数"), min_value=1, max_value=100000, initial=1)
    policy_number = forms.CharField(label=_("保单/账户号"), max_length=64, required=False)
    product_name = forms.CharField(label=_("产品名称"), max_length=200, required=False)
    subject = forms.CharField(label=_("投诉事由"), max_length=200)
    content = forms.CharField(label=_("投诉内容"), widget=forms.Textarea(attrs={"rows": 6}))
    demand_text = forms.CharField(label=_("投诉请求"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    amount = forms.DecimalField(label=_("涉及金额（元）"), max_digits=14, decimal_places=2, min_value=0, required=False)
    media_attention = forms.BooleanField(label=_("媒体关注"), required=False)
    org_unit = UnitField(label=_("责任机构"), queryset=OrgUnit.objects.none())
    respondent_staff = UserField(label=_("被投诉人员"), queryset=User.objects.none(), required=False)
    respondent_text = forms.CharField(label=_("被投诉人员（外部）"), max_length=100, required=False)
    business_category = category_field(_("业务/产品类别"), Category.Dimension.BUSINESS)
    cause_category = category_field(_("投诉原因"), Category.Dimension.CAUSE)
    demand_category = category_field(_("投诉诉求"), Category.Dimension.DEMAND)
    files = MultipleFileField(label=_("投诉材料"), required=False)
    # One token per rendered form: a double click or a resubmitted page never registers twice.
    token = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args, units, staff, **kwargs):
        super().__init__(*args, **kwargs)
        # Choices come from the caller's selectors (the units the agent may register complaints for).
        self.fields["org_unit"].queryset = units
        self.fields["respondent_staff"].queryset = staff


class VersionForm(PageForm):
    id_prefix = "version"
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class AssignForm(VersionForm):
    id_prefix = "assign"
    org_unit = UnitField(label=_("承办机构"), queryset=OrgUnit.objects.none(), required=False)
    handler = UserField(label=_("处理人"), queryset=User.objects.none(), required=False)

    def __init__(self, *args, units=None, handlers=None, **kwargs):
        super().__init__(*args, **kwargs)
        if units is not None:
            self.fields["org_unit"].queryset = units
        if handlers is not None:
            self.fields["handler"].queryset = handlers


class ClassifyForm(PageForm):
    id_prefix = "classify"
    business_category = category_field(_("业务/产品类别"), Category.Dimension.BUSINESS, required=True)
    cause_category = category_field(_("投诉原因"), Category.Dimension.CAUSE, required=True)
    demand_category = category_field(_("投诉诉求"), Category.Dimension.DEMAND, required=True)


class ExtendForm(PageForm):
    id_prefix = "extend"
    level = forms.TypedChoiceField(label=_("延期类别"), choices=Extension.Level.choices, coerce=int)
    reason = forms.CharField(label=_("延期理由"), widget=forms.Textarea(attrs={"rows": 3}))
    approver = UserField(label=_("审批人"), queryset=User.objects.none())
    notice_method = forms.CharField(label=_("告知投诉人的方式"), max_length=50)

    def __init__(self, *args, approvers=None, **kwargs):
        super().__init__(*args, **kwargs)
        if approvers is not None:
            self.fields["approver"].queryset = approvers


class DecideForm(VersionForm):
    id_prefix = "decide"
    decision = forms.CharField(label=_("处理决定"), widget=forms.Textarea(attrs={"rows": 5}))
    reply_method = forms.CharField(label=_("告知方式"), max_length=50)
    # Art. 19: the decision tells the complainant the other ways open (核查, mediation, arbitration, courts).
    remedies_told = forms.BooleanField(label=_("已告知投诉人核查、调解、仲裁、诉讼等途径"), required=False)


class ResponseForm(PageForm):
    id_prefix = "response"
    satisfied = forms.TypedChoiceField(
        label=_("投诉人意见"),
        choices=[("1", _("满意")), ("0", _("不满意"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    reexamine = forms.BooleanField(label=_("投诉人申请核查"), required=False)
    # 第二十条: the 30 days run from the day the application was received, not the day it is entered
    received_at = forms.DateTimeField(
        label=_("核查申请收到时间"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=RECEIVED_FORMATS,
        help_text=_("不填则为现在。"),
    )
    note = forms.CharField(label=_("说明"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class ReexamineForm(PageForm):
    id_prefix = "reexamine"
    upheld = forms.TypedChoiceField(
        label=_("核查结论"),
        choices=[("1", _("维持原处理决定")), ("0", _("变更原处理决定"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    conclusion = forms.CharField(label=_("核查意见"), widget=forms.Textarea(attrs={"rows": 4}))


class RevisitForm(PageForm):
    id_prefix = "revisit"
    result = forms.CharField(label=_("回访情况"), widget=forms.Textarea(attrs={"rows": 3}))


class CloseForm(PageForm):
    id_prefix = "close"
    root_cause = category_field(_("溯源根因"), Category.Dimension.ROOT_CAUSE, required=True)
    root_cause_note = forms.CharField(label=_("溯源分析"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class WithdrawForm(PageForm):
    id_prefix = "withdraw"
    reason = forms.CharField(label=_("撤回说明"), widget=forms.Textarea(attrs={"rows": 3}))
    # 第十五条: the procedure ends the day the withdrawal was received
    received_at = forms.DateTimeField(
        label=_("撤回申请收到时间"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=RECEIVED_FORMATS,
        help_text=_("不填则为现在。"),
    )


class RevealForm(PageForm):
    id_prefix = "reveal"
    field = forms.ChoiceField(choices=REVEALABLE, widget=forms.HiddenInput)
    reason = forms.CharField(label=_("查看理由"), max_length=500)


class ListFilterForm(Form):
    box = forms.ChoiceField(
        required=False, choices=[("todo", _("待我处理")), ("all", _("全部")), ("overdue", _("已逾期"))]
    )
    status = forms.ChoiceField(required=False, choices=[("", _("全部状态")), *Complaint.Status.choices])
    channel = forms.ChoiceField(required=False, choices=[("", _("全部渠道")), *Complaint.Channel.choices])
    org_unit = forms.IntegerField(required=False)
    q = forms.CharField(required=False, max_length=100)
    overdue = forms.BooleanField(required=False)
    is_repeat = forms.BooleanField(required=False)
    is_major = forms.BooleanField(required=False)
    is_group = forms.BooleanField(required=False)
    # the statistics page links here with its period, so the list shows the complaints behind its figures
    received_from = forms.DateField(required=False)
    received_to = forms.DateField(required=False)
    due_before = forms.DateField(required=False)  # the 工作台's "nearing the deadline" link
    clock_running = forms.BooleanField(required=False)
    sort = forms.CharField(required=False, max_length=30)  # a column key; the selector ignores unknown ones


def _moment_field(label, *, required: bool = True, help_text: str = ""):
    return forms.DateTimeField(
        label=label,
        required=required,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=RECEIVED_FORMATS,
        help_text=help_text,
    )


class ClockStopForm(PageForm):
    """暂停计时: mediation (第二十三条) or outside appraisal, testing, valuation (第十八条第二款)."""

    id_prefix = "clock_stop"
    kind = forms.ChoiceField(
        label=_("暂停事由"),
        choices=[
            ("mediation", _("调解（第二十三条，调解期间不计入）")),
            ("appraisal", _("外部鉴定、检测、评估（第十八条，相关期间不计入）")),
        ],
    )
    started_at = _moment_field(_("开始时间"), help_text=_("调解开始或委托外部机构之日，不是录入之日。"))
    reason = forms.CharField(label=_("事由说明"), widget=forms.Textarea(attrs={"rows": 2}))
    evidence = forms.CharField(label=_("凭证"), max_length=200, help_text=_("如调解申请书、鉴定委托书编号。"))
    notice_method = forms.CharField(
        label=_("告知投诉人方式"), max_length=50, required=False, help_text=_("外部鉴定等须及时告知投诉人。")
    )


class ClockResumeForm(PageForm):
    id_prefix = "clock_resume"
    kind = forms.ChoiceField(label=_("结束的暂停"), choices=[("mediation", _("调解")), ("appraisal", _("外部鉴定等"))])
    ended_at = _moment_field(_("结束时间"), help_text=_("调解结束或收到鉴定结果之日。"))
    evidence = forms.CharField(label=_("结束凭证"), max_length=200)


class NewFactsForm(PageForm):
    """新的事实和理由 (第十八条第三款): the period is counted again from the day the material arrived."""

    id_prefix = "new_facts"
    received_at = _moment_field(_("新材料收到时间"))
    reason = forms.CharField(label=_("新的事实和理由"), widget=forms.Textarea(attrs={"rows": 2}))
    evidence = forms.CharField(label=_("凭证"), max_length=200, help_text=_("如收件登记号。"))


class DeclineForm(PageForm):
    """不予办理 (第十八条第四款)."""

    id_prefix = "decline"
    ground = forms.CharField(label=_("不予办理理由"), widget=forms.Textarea(attrs={"rows": 2}))
    evidence = forms.CharField(label=_("核实凭证"), max_length=200)
    notice_method = forms.CharField(label=_("告知投诉提出人方式"), max_length=50)
    noticed_at = _moment_field(_("告知时间"), required=False, help_text=_("不填则为现在。"))


class DesignateMajorForm(PageForm):
    """第二十九条第三项: the regulator designated the complaint 重大."""

    id_prefix = "designate"
    designation_ref = forms.CharField(label=_("监管认定文号或转办单号"), max_length=100)
