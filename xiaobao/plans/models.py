"""Consumer-protection plans (方案管理) and education activities (宣教活动).

A plan (the annual work plan, a 3·15 campaign, a special clean-up…) is approved through
`processes/plan_approval.bpmn`, decomposed into tasks, and issued: each task becomes one batch work
order with a child per owner unit, so progress is read from the work orders, never kept twice.
Units then record the activities they held against a task; roll-ups add those up.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from xiaobao.core.models import OrgScopedModel, OrgUnit
from xiaobao.core.scope import ScopedQuerySet


class Plan(OrgScopedModel):
    """方案. `org_unit` is the owner unit; `participating_units` are the units the plan reaches."""

    class Kind(models.TextChoices):
        ANNUAL = "annual", _("年度工作计划")
        CAMPAIGN = "campaign", _("宣教活动方案")
        SPECIAL = "special", _("专项整治")
        SELF_CHECK = "self_check", _("自查")
        TRAINING = "training", _("培训计划")
        OTHER = "other", _("其他")

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        APPROVING = "approving", _("审批中")
        REJECTED = "rejected", _("已退回")
        APPROVED = "approved", _("已批准")  # approved, not yet issued to the units
        IN_PROGRESS = "in_progress", _("执行中")
        SUMMARY = "summary", _("总结中")
        CLOSED = "closed", _("已关闭")

    EDITABLE_STATUSES = (Status.DRAFT, Status.REJECTED)

    name = models.CharField(_("方案名称"), max_length=200)
    kind = models.CharField(_("方案类型"), max_length=20, choices=Kind.choices)
    period_start = models.DateField(_("开始日期"))
    period_end = models.DateField(_("结束日期"))
    description = models.TextField(_("方案内容"))
    budget = models.DecimalField(_("预算（元）"), max_digits=14, decimal_places=2, null=True, blank=True)
    participating_units = models.ManyToManyField(
        OrgUnit, verbose_name=_("参与机构"), blank=True, related_name="participating_plans"
    )
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    summary = models.TextField(_("工作总结"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("创建人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"))
    updated_at = models.DateTimeField(_("更新时间"))
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    issued_at = models.DateTimeField(_("下发时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("方案")
        verbose_name_plural = _("方案")
        ordering = ["-period_start", "-id"]
        indexes = [
            models.Index(fields=["status", "period_start"], name="plan_status_period_idx"),
            models.Index(fields=["kind", "period_start"], name="plan_kind_period_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("plans:detail", args=[self.pk])

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE_STATUSES


class PlanGoal(models.Model):
    """目标: a measurable goal; `indicator_code` names an indicator when one exists (a code, not a FK,
    because indicators sit above plans in the layering)."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="goals")
    description = models.CharField(_("目标"), max_length=300)
    indicator_code = models.CharField(_("关联指标"), max_length=40, blank=True)
    target_value = models.DecimalField(_("目标值"), max_digits=16, decimal_places=4, null=True, blank=True)
    unit = models.CharField(_("计量单位"), max_length=20, blank=True)
    sort = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("方案目标")
        verbose_name_plural = _("方案目标")
        ordering = ["plan", "sort", "id"]

    def __str__(self) -> str:
        return self.description


class PlanTask(models.Model):
    """方案任务: what the owner units must deliver by `due_on`. Issued as one batch work order
    (`workorder_id`, the parent) with one child per unit."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(_("任务名称"), max_length=200)
    description = models.TextField(_("任务说明"), blank=True)
    expected_output = models.CharField(_("预期成果"), max_length=300, blank=True)
    due_on = models.DateField(_("完成期限"), null=True, blank=True)
    units = models.ManyToManyField(OrgUnit, verbose_name=_("责任机构"), blank=True, related_name="plan_tasks")
    sort = models.PositiveIntegerField(_("排序"), default=0)
    # the batch parent work order; the workorders app is below plans, so an id, read via its selectors
    workorder_id = models.BigIntegerField(_("工单"), null=True, blank=True)

    class Meta:
        verbose_name = _("方案任务")
        verbose_name_plural = _("方案任务")
        ordering = ["plan", "sort", "id"]

    def __str__(self) -> str:
        return self.title


class Activity(OrgScopedModel):
    """宣教活动: one event or online piece a unit produced. `org_unit` is the organising unit."""

    class Form(models.TextChoices):
        ARTICLE = "article", _("线上·文章")
        VIDEO = "video", _("线上·视频")
        LIVE = "live", _("线上·直播")
        GAME = "game", _("线上·互动游戏")
        OFFLINE = "offline", _("线下活动")

    class Target(models.TextChoices):
        """五进入: where an offline event went."""

        RURAL = "rural", _("进农村")
        COMMUNITY = "community", _("进社区")
        SCHOOL = "school", _("进校园")
        ENTERPRISE = "enterprise", _("进企业")
        BUSINESS = "business", _("进商圈")

    ONLINE_FORMS = (Form.ARTICLE, Form.VIDEO, Form.LIVE, Form.GAME)
    COUNT_FIELDS = ("participants", "reach", "articles", "videos", "reposts", "media_stories")

    task = models.ForeignKey(
        PlanTask, verbose_name=_("方案任务"), null=True, blank=True, on_delete=models.PROTECT, related_name="activities"
    )
    held_on = models.DateField(_("活动日期"))
    title = models.CharField(_("活动名称"), max_length=200)
    form = models.CharField(_("活动形式"), max_length=20, choices=Form.choices)
    target = models.CharField(_("五进入"), max_length=20, choices=Target.choices, blank=True)
    place = models.CharField(_("活动地点"), max_length=200, blank=True)
    participants = models.PositiveIntegerField(_("参与人数"), default=0)
    reach = models.PositiveIntegerField(_("触达人次"), default=0)
    articles = models.PositiveIntegerField(_("文章数"), default=0)
    videos = models.PositiveIntegerField(_("视频数"), default=0)
    reposts = models.PositiveIntegerField(_("转发数"), default=0)
    media_stories = models.PositiveIntegerField(_("媒体报道数"), default=0)
    description = models.TextField(_("活动简介"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("录入人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("录入时间"))

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("宣教活动")
        verbose_name_plural = _("宣教活动")
        ordering = ["-held_on", "-id"]
        indexes = [
            models.Index(fields=["org_unit", "held_on"], name="activity_unit_held_idx"),
            models.Index(fields=["task"], name="activity_task_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("plans:activity", args=[self.pk])

    @property
    def is_online(self) -> bool:
        return self.form in self.ONLINE_FORMS
