"""Indicators (指标): the figures a consumer-protection department is judged by.

A definition says what a figure is and how it is obtained: computed by a registered query over the system's
own data (`registry.py`), collected (entered or imported per unit and period) or a formula over other
indicators (`formula.py`). Values are kept per org unit and period; a new value supersedes the old row
instead of updating it, so the history of a figure survives recomputation.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from xiaobao.core.models import OrgScopedModel, OrgUnit


class IndicatorDefinition(models.Model):
    """指标定义. Shipped definitions come from a data migration; admins edit them in admin."""

    class Direction(models.TextChoices):
        HIGHER = "higher", _("越高越好")
        LOWER = "lower", _("越低越好")

    class Frequency(models.TextChoices):
        MONTH = "month", _("月度")
        QUARTER = "quarter", _("季度")
        YEAR = "year", _("年度")

    class Source(models.TextChoices):
        COMPUTED = "computed", _("系统计算")
        COLLECTED = "collected", _("填报采集")
        FORMULA = "formula", _("公式")

    class Rollup(models.TextChoices):
        SUM = "sum", _("求和")
        RATIO = "ratio", _("分子分母重算")
        FORMULA = "formula", _("按公式重算")
        NONE = "none", _("不汇总")

    class Category(models.TextChoices):
        COMPLAINTS = "complaints", _("投诉")
        REVIEWS = "reviews", _("审查")
        EDUCATION = "education", _("宣教")
        TRAINING = "training", _("培训")
        SERVICE = "service", _("服务")
        BUSINESS = "business", _("经营")

    code = models.CharField(_("指标代码"), max_length=40, unique=True)
    name = models.CharField(_("指标名称"), max_length=100)
    unit = models.CharField(_("计量单位"), max_length=20, blank=True)
    direction = models.CharField(_("方向"), max_length=10, choices=Direction.choices, default=Direction.HIGHER)
    frequency = models.CharField(_("频度"), max_length=10, choices=Frequency.choices, default=Frequency.QUARTER)
    source = models.CharField(_("来源"), max_length=10, choices=Source.choices)
    query = models.CharField(_("计算口径"), max_length=60, blank=True, help_text=_("系统计算指标的查询键"))
    formula = models.CharField(
        _("公式"), max_length=300, blank=True, help_text=_("例如 complaints_count / premium_income_100m")
    )
    rollup = models.CharField(_("汇总方式"), max_length=10, choices=Rollup.choices, default=Rollup.SUM)
    # A ratio is stored as numerator / denominator × scale (100 for a percentage).
    scale = models.DecimalField(_("倍数"), max_digits=12, decimal_places=4, default=Decimal(1))
    decimals = models.PositiveSmallIntegerField(_("小数位数"), default=0)
    category = models.CharField(_("类别"), max_length=20, choices=Category.choices)
    description = models.TextField(_("说明"), blank=True)
    is_key = models.BooleanField(_("驾驶舱关键指标"), default=False)
    sort = models.PositiveSmallIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("指标定义")
        verbose_name_plural = _("指标定义")
        ordering = ["sort", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def clean(self):
        # Validation needs the registry and the formula parser, which read other definitions: kept out of
        # the model module so that it stays importable by migrations.
        from xiaobao.indicators.validation import definition_clean

        definition_clean(self)


class IndicatorValue(models.Model):
    """指标值: one unit's figure for one period. Superseded rows stay as history (is_current False)."""

    class Source(models.TextChoices):
        COMPUTED = "computed", _("系统计算")
        COLLECTED = "collected", _("填报采集")
        FORMULA = "formula", _("公式")
        ROLLUP = "rollup", _("下级汇总")

    definition = models.ForeignKey(
        IndicatorDefinition, verbose_name=_("指标"), on_delete=models.PROTECT, related_name="values"
    )
    org_unit = models.ForeignKey(OrgUnit, verbose_name=_("机构"), on_delete=models.PROTECT, related_name="+")
    period = models.CharField(_("期间"), max_length=10)  # "2024", "2024-Q1", "2024-03"
    period_start = models.DateField(_("期间起"))
    period_end = models.DateField(_("期间止"))
    # Null when the figure cannot be computed (a denominator of 0, a missing input).
    value = models.DecimalField(_("指标值"), max_digits=20, decimal_places=6, null=True, blank=True)
    numerator = models.DecimalField(_("分子"), max_digits=20, decimal_places=6, null=True, blank=True)
    denominator = models.DecimalField(_("分母"), max_digits=20, decimal_places=6, null=True, blank=True)
    source = models.CharField(_("来源"), max_length=10, choices=Source.choices)
    is_current = models.BooleanField(_("当前值"), default=True)
    computed_at = models.DateTimeField(_("计算时间"))
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("填报人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    superseded_at = models.DateTimeField(_("被替代时间"), null=True, blank=True)
    # Set while an import has written the row but not yet made it visible (is_current False meanwhile): such a
    # row is neither a current value nor history. Emptied in the one transaction that publishes the import.
    staged_import = models.CharField(_("待发布的导入"), max_length=32, blank=True, default="", db_index=True)

    class Meta:
        verbose_name = _("指标值")
        verbose_name_plural = _("指标值")
        constraints = [
            models.UniqueConstraint(
                fields=["definition", "org_unit", "period"],
                condition=Q(is_current=True),
                name="indicator_value_one_current",
            )
        ]
        indexes = [models.Index(fields=["definition", "period", "is_current"], name="indicator_value_lookup")]

    def __str__(self) -> str:
        return f"{self.definition_id}/{self.org_unit_id}/{self.period}={self.value}"


class Target(models.Model):
    """目标值 for a year; thresholds are read in the indicator's direction (for `lower`, red is above amber)."""

    definition = models.ForeignKey(
        IndicatorDefinition, verbose_name=_("指标"), on_delete=models.CASCADE, related_name="targets"
    )
    # Null means every unit without a target of its own.
    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("机构"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    target = models.DecimalField(_("目标值"), max_digits=20, decimal_places=6)
    amber = models.DecimalField(_("黄色预警线"), max_digits=20, decimal_places=6)
    red = models.DecimalField(_("红色预警线"), max_digits=20, decimal_places=6)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("目标值")
        verbose_name_plural = _("目标值")
        constraints = [
            models.UniqueConstraint(
                fields=["definition", "org_unit", "year"],
                condition=Q(org_unit__isnull=False),
                name="indicator_target_unit_year",
            ),
            models.UniqueConstraint(
                fields=["definition", "year"],
                condition=Q(org_unit__isnull=True),
                name="indicator_target_default_year",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.definition_id}/{self.org_unit_id or '*'}/{self.year}"


class Alert(models.Model):
    """预警: a value crossed a threshold. One open row per breach; cleared when the value is back in green."""

    class Level(models.TextChoices):
        AMBER = "amber", _("黄色")
        RED = "red", _("红色")

    definition = models.ForeignKey(
        IndicatorDefinition, verbose_name=_("指标"), on_delete=models.PROTECT, related_name="alerts"
    )
    org_unit = models.ForeignKey(OrgUnit, verbose_name=_("机构"), on_delete=models.PROTECT, related_name="+")
    period = models.CharField(_("期间"), max_length=10)
    level = models.CharField(_("级别"), max_length=10, choices=Level.choices)
    value = models.DecimalField(_("指标值"), max_digits=20, decimal_places=6)
    threshold = models.DecimalField(_("阈值"), max_digits=20, decimal_places=6)
    raised_at = models.DateTimeField(_("预警时间"))
    # Work orders sit below indicators: an id, not a foreign key (read through workorders.selectors).
    workorder_id = models.BigIntegerField(_("工单"), null=True, blank=True)
    cleared_at = models.DateTimeField(_("解除时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("预警")
        verbose_name_plural = _("预警")
        ordering = ["-raised_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["definition", "org_unit", "period", "level"],
                condition=Q(cleared_at__isnull=True),
                name="indicator_alert_once_per_breach",
            )
        ]
        indexes = [models.Index(fields=["org_unit", "cleared_at"], name="indicator_alert_unit_open")]

    def __str__(self) -> str:
        return f"{self.definition.name} · {self.org_unit.name} · {self.period} · {self.get_level_display()}"

    def get_absolute_url(self) -> str:
        return reverse("indicators:alerts")


class ReportJob(OrgScopedModel):
    """报告生成: a report built in the worker; the output is a core Attachment owned by the job (purpose "output")."""

    class Kind(models.TextChoices):
        BOARD_REPORT = "board_report", _("董事会消保年度报告")
        INDICATOR_WORKBOOK = "indicator_workbook", _("指标报表")

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("生成中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    kind = models.CharField(_("报告类型"), max_length=30, choices=Kind.choices)
    year = models.PositiveSmallIntegerField(_("年度"))
    params = models.JSONField(_("参数"), default=dict, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(_("进度"), default=0)
    step = models.CharField(_("当前步骤"), max_length=200, blank=True)
    message = models.TextField(_("信息"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("创建人"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"))
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    # The worker's pulse (each build step): a job whose heartbeat stops is retried, then failed, by the sweep.
    heartbeat_at = models.DateTimeField(null=True, blank=True, editable=False)
    attempts = models.PositiveSmallIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("报告生成")
        verbose_name_plural = _("报告生成")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"], name="indicator_reportjob_status")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.year}"


class SourceState(models.Model):
    """What the periodic sweep last saw of one data source (complaints, reviews…): it recomputes only when
    the source's watermark moved. Internal bookkeeping, not business data."""

    source = models.CharField(max_length=40, unique=True)
    watermark = models.CharField(max_length=500, blank=True)
    checked_at = models.DateTimeField()

    class Meta:
        verbose_name = _("数据源状态")
        verbose_name_plural = _("数据源状态")

    def __str__(self) -> str:
        return self.source
