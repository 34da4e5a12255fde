"""Consumer-protection reviews (消保审查): products, services, marketing, contracts and policies are
reviewed before launch; each opinion is tracked to adoption, and disputes go through the objection
procedure (异议处理) up to the consumer-protection committee (消保委员会).

Form types and their checklists are data (`FormType` → versioned `FormVersion`); a review keeps the
version it was filed on. The process itself is `processes/review.bpmn`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from xiaobao.core.models import OrgScopedModel
from xiaobao.core.scope import ScopedQuerySet


class ConsumerRight(models.TextChoices):
    """The eight rights of financial consumers a checklist item or an opinion protects."""

    PROPERTY_SAFETY = "property_safety", _("财产安全权")
    INFORMATION = "information", _("知情权")
    CHOICE = "choice", _("自主选择权")
    FAIR_DEALING = "fair_dealing", _("公平交易权")
    REDRESS = "redress", _("依法求偿权")
    EDUCATION = "education", _("受教育权")
    RESPECT = "respect", _("受尊重权")
    DATA_SECURITY = "data_security", _("信息安全权")


class FormType(models.Model):
    """审查表单类型: one of the eight kinds (产品类, 服务类, …); admins may add more."""

    code = models.SlugField(_("类型代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    description = models.TextField(_("适用范围"), blank=True)
    sort = models.PositiveIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("审查表单类型")
        verbose_name_plural = _("审查表单类型")
        ordering = ["sort", "code"]

    def __str__(self) -> str:
        return self.name


class FormVersion(models.Model):
    """审查表单版本: the fields a submitter fills and the checklist (审查要点) a reviewer works through.

    `fields`: [{"id", "label", "type": text|textarea|date|number|choice|boolean, "required", "choices"}].
    `checklist`: [{"id", "text", "right": ConsumerRight value}]. Versions are never edited once used:
    changing a form makes a new version, and reviews keep theirs.
    """

    form_type = models.ForeignKey(FormType, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("版本号"))
    fields = models.JSONField(_("表单字段"), default=list)
    checklist = models.JSONField(_("审查要点"), default=list)
    is_current = models.BooleanField(_("现行版本"), default=True)
    created_at = models.DateTimeField(_("创建时间"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("审查表单版本")
        verbose_name_plural = _("审查表单版本")
        ordering = ["form_type", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["form_type", "number"], name="reviews_formversion_number"),
            models.UniqueConstraint(
                fields=["form_type"], condition=models.Q(is_current=True), name="reviews_one_current_version"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.form_type} v{self.number}"


class Review(OrgScopedModel):
    """消保审查. `org_unit` is the submitting department's unit; `department` narrows it (User.department)."""

    class Urgency(models.TextChoices):
        NORMAL = "normal", _("一般")
        URGENT = "urgent", _("加急")

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("已提交")
        RETURNED = "returned", _("退回补充材料")
        REVIEWING = "reviewing", _("审查中")
        RESPONDING = "responding", _("待反馈意见")
        OBJECTION = "objection", _("异议处理中")
        COMMITTEE = "committee", _("提交消保委员会")
        VERIFYING = "verifying", _("整改验证中")
        CLOSED = "closed", _("已办结")
        WITHDRAWN = "withdrawn", _("已撤回")

    OPEN_STATUSES = (
        Status.SUBMITTED,
        Status.RETURNED,
        Status.REVIEWING,
        Status.RESPONDING,
        Status.OBJECTION,
        Status.COMMITTEE,
        Status.VERIFYING,
    )

    number = models.CharField(_("审查编号"), max_length=30, unique=True, null=True, blank=True)
    form_version = models.ForeignKey(
        FormVersion, verbose_name=_("表单版本"), on_delete=models.PROTECT, related_name="reviews"
    )
    title = models.CharField(_("审查事项"), max_length=200)
    product_name = models.CharField(_("产品/活动名称"), max_length=200, blank=True, db_index=True)
    department = models.CharField(_("提交部门"), max_length=50, blank=True, db_index=True)
    submitter = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("提交人"), on_delete=models.PROTECT, related_name="submitted_reviews"
    )
    submitted_at = models.DateTimeField(_("提交时间"))
    planned_launch = models.DateField(_("计划上线日期"), null=True, blank=True)
    data = models.JSONField(_("表单内容"), default=dict, blank=True)
    urgency = models.CharField(_("紧急程度"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL)
    due_days = models.PositiveSmallIntegerField(_("审查时限（工作日）"), null=True, blank=True)
    due_at = models.DateTimeField(_("审查期限"), null=True, blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审查员"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_reviews",
    )
    assigned_at = models.DateTimeField(_("分派时间"), null=True, blank=True)
    # {checklist item id: {"result": "pass" | "issue" | "na", "note": str}}
    checklist_results = models.JSONField(_("审查要点结果"), default=dict, blank=True)
    reviewed_at = models.DateTimeField(_("出具意见时间"), null=True, blank=True)
    conclusion = models.TextField(_("审查结论"), blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.SUBMITTED)
    return_reason = models.TextField(_("退回原因"), blank=True)
    return_count = models.PositiveSmallIntegerField(_("退回次数"), default=0)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)
    withdraw_reason = models.TextField(_("撤回原因"), blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("消保审查")
        verbose_name_plural = _("消保审查")
        ordering = ["-submitted_at", "-id"]
        indexes = [
            models.Index(fields=["status", "due_at"], name="review_status_due_idx"),
            models.Index(fields=["reviewer", "status"], name="review_reviewer_idx"),
            models.Index(fields=["submitted_at"], name="review_submitted_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.number or ''} {self.title}".strip()

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("reviews:detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class Opinion(models.Model):
    """审查意见: one finding, with the submitter's answer (采纳 / 部分采纳 / 不采纳) and its follow-up."""

    class Kind(models.TextChoices):
        GENERAL = "general", _("一般意见")
        SUBSTANTIVE = "substantive", _("实质性意见")

    class Response(models.TextChoices):
        ADOPTED = "adopted", _("采纳")
        PARTIAL = "partial", _("部分采纳")
        REJECTED = "rejected", _("不采纳")

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="opinions")
    seq = models.PositiveSmallIntegerField(_("序号"))
    kind = models.CharField(_("意见类型"), max_length=20, choices=Kind.choices)
    checklist_item = models.CharField(_("对应审查要点"), max_length=40, blank=True)
    right = models.CharField(_("涉及消费者权益"), max_length=20, choices=ConsumerRight.choices, blank=True)
    location = models.CharField(_("条款/位置"), max_length=200)
    risk = models.TextField(_("风险描述"))
    suggestion = models.TextField(_("修改建议"))
    # an adopted substantive opinion that needs a change is verified before launch (a work order)
    requires_change = models.BooleanField(_("需整改验证"), default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("提出时间"))

    response = models.CharField(_("反馈结果"), max_length=20, choices=Response.choices, blank=True)
    response_reason = models.TextField(_("反馈说明"), blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    responded_at = models.DateTimeField(_("反馈时间"), null=True, blank=True)
    # the binding result after any objection: adopted in the end or withdrawn by the reviewer/committee
    final_adopted = models.BooleanField(_("最终采纳"), null=True, blank=True)
    verification_order_id = models.PositiveIntegerField(_("整改验证工单"), null=True, blank=True)
    verified_at = models.DateTimeField(_("验证通过时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("审查意见")
        verbose_name_plural = _("审查意见")
        ordering = ["review", "seq"]
        constraints = [models.UniqueConstraint(fields=["review", "seq"], name="reviews_opinion_seq")]

    def __str__(self) -> str:
        return f"{self.review} #{self.seq}"


class Objection(models.Model):
    """异议处理: a 不采纳 answer disputed — re-review by the review lead, then the committee if still disputed."""

    class Stage(models.TextChoices):
        REREVIEW = "rereview", _("审查负责人复核")
        COMMITTEE = "committee", _("消保委员会审议")
        DECIDED = "decided", _("已决定")

    class Outcome(models.TextChoices):
        OPINION_UPHELD = "upheld", _("维持审查意见")
        OPINION_WITHDRAWN = "withdrawn", _("撤回审查意见")
        OPINION_MODIFIED = "modified", _("修改审查意见")

    opinion = models.OneToOneField(Opinion, on_delete=models.CASCADE, related_name="objection")
    raised_at = models.DateTimeField(_("提出时间"))
    reason = models.TextField(_("异议理由"))
    stage = models.CharField(_("阶段"), max_length=20, choices=Stage.choices, default=Stage.REREVIEW)
    rereview_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rereview_at = models.DateTimeField(_("复核时间"), null=True, blank=True)
    rereview_note = models.TextField(_("复核意见"), blank=True)
    committee_decision = models.TextField(_("委员会决定"), blank=True)
    committee_decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)
    attendees = models.JSONField(_("出席委员"), default=list, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    outcome = models.CharField(_("结果"), max_length=20, choices=Outcome.choices, blank=True)
    decided_at = models.DateTimeField(_("办结时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("异议")
        verbose_name_plural = _("异议")
        ordering = ["-raised_at"]

    def __str__(self) -> str:
        return f"{self.opinion} · {self.get_stage_display()}"
