"""Work orders (工单): work one unit asks of others, tracked to closure with evidence.

A work order to one unit is one row with its own process instance (`processes/workorder.bpmn`).
Dispatching to many units makes a batch: a parent row (no process of its own) whose children are
the per-unit orders; the parent's progress is counted from its children, never stored twice.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from xiaobao.core.models import OrgScopedModel, OrgUnit
from xiaobao.core.scope import ScopedQuerySet


class WorkOrder(OrgScopedModel):
    """工单. `org_unit` is the recipient unit (for a batch parent: the issuer's unit)."""

    class Kind(models.TextChoices):
        RECTIFICATION = "rectification", _("整改")
        SUBMISSION = "submission", _("报送")
        SELF_CHECK = "self_check", _("自查")
        EDUCATION = "education", _("宣教任务")
        SUPERVISION = "supervision", _("督办事项")
        OTHER = "other", _("其他")

    class Priority(models.TextChoices):
        NORMAL = "normal", _("一般")
        HIGH = "high", _("紧急")
        URGENT = "urgent", _("特急")

    class Status(models.TextChoices):
        PENDING_ACCEPT = "pending_accept", _("待接收")
        REFUSED = "refused", _("已拒收")
        IN_PROGRESS = "in_progress", _("办理中")
        SUBMITTED = "submitted", _("待验收")
        CLOSED = "closed", _("已办结")
        CANCELLED = "cancelled", _("已撤销")
        DISPATCHED = "dispatched", _("已下发")  # a batch parent while any child is open

    class DayUnit(models.TextChoices):
        WORKING = "working", _("工作日")
        CALENDAR = "calendar", _("自然日")

    class Supervision(models.IntegerChoices):
        NONE = 0, _("未督办")
        SUPERVISED = 1, _("已督办")
        ESCALATED = 2, _("已上报总公司")

    OPEN_STATUSES = (Status.PENDING_ACCEPT, Status.REFUSED, Status.IN_PROGRESS, Status.SUBMITTED)
    # Overdue means the recipient has not reported back in time; once reported, the clock is the issuer's.
    RECIPIENT_STATUSES = (Status.PENDING_ACCEPT, Status.IN_PROGRESS)

    number = models.CharField(_("工单编号"), max_length=30, unique=True, null=True, blank=True)
    parent = models.ForeignKey(
        "self", verbose_name=_("批量工单"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    is_batch = models.BooleanField(_("批量下发"), default=False)
    title = models.CharField(_("标题"), max_length=200)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    content = models.TextField(_("工作内容"))
    priority = models.CharField(_("优先级"), max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    issuer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("下发人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="issued_work_orders",
    )
    issuer_unit = models.ForeignKey(OrgUnit, verbose_name=_("下发机构"), on_delete=models.PROTECT, related_name="+")
    recipient_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("指定接收人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="received_work_orders",
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("办理人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    due_days = models.PositiveSmallIntegerField(_("办理时限（天）"), null=True, blank=True)
    day_unit = models.CharField(_("天数口径"), max_length=10, choices=DayUnit.choices, default=DayUnit.WORKING)
    due_at = models.DateTimeField(_("办理期限"))
    due_provisional = models.BooleanField(_("期限待确认"), default=False)
    # The moment `due_days` is counted from (the issue, or a resend that gave a new period): a deadline
    # counted into a year with no holiday schedule yet is counted again from here when the schedule arrives.
    # Empty for a deadline given as a date, and for orders issued before this was kept.
    due_counted_from = models.DateTimeField(_("期限起算时间"), null=True, blank=True)
    # What caused this order (a complaint, a review, an indicator alert, a plan task), if anything.
    source_type = models.ForeignKey(
        "contenttypes.ContentType", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    source_id = models.CharField(max_length=64, blank=True)
    source_label = models.CharField(_("来源"), max_length=200, blank=True)
    source_url = models.CharField(max_length=300, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.PENDING_ACCEPT)
    supervision = models.PositiveSmallIntegerField(_("督办"), choices=Supervision.choices, default=Supervision.NONE)
    supervised_at = models.DateTimeField(_("督办时间"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("上报时间"), null=True, blank=True)
    return_count = models.PositiveSmallIntegerField(_("退回次数"), default=0)
    refuse_reason = models.TextField(_("拒收理由"), blank=True)
    feedback = models.TextField(_("办理情况"), blank=True)
    created_at = models.DateTimeField(_("下发时间"))
    accepted_at = models.DateTimeField(_("接收时间"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("反馈时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("工单")
        verbose_name_plural = _("工单")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "due_at"], name="workorder_status_due_idx"),
            models.Index(fields=["issuer", "created_at"], name="workorder_issuer_idx"),
            models.Index(fields=["parent", "status"], name="workorder_parent_idx"),
            models.Index(fields=["source_type", "source_id"], name="workorder_source_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.number or ''} {self.title}".strip()

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("workorders:detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES or self.status == self.Status.DISPATCHED


class Feedback(models.Model):
    """办理反馈: one report back from the recipient (each return asks for another), with its evidence."""

    order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="feedbacks")
    round = models.PositiveSmallIntegerField(_("轮次"))
    text = models.TextField(_("办理情况"))
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(_("反馈时间"))
    # The issuer's answer to this report: accepted, or returned with a reason.
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("验收时间"), null=True, blank=True)
    approved = models.BooleanField(_("验收通过"), null=True)
    review_comment = models.TextField(_("验收意见"), blank=True)

    class Meta:
        verbose_name = _("办理反馈")
        verbose_name_plural = _("办理反馈")
        ordering = ["order", "round"]
        constraints = [models.UniqueConstraint(fields=["order", "round"], name="workorder_feedback_round")]

    def __str__(self) -> str:
        return f"{self.order} #{self.round}"
