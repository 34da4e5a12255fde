"""Outbound 回访 calls (外呼): the records an outbound-call robot calls, the lists it imports and the result
files it sends back.

A call task is one customer to call back for one record: a complaint at its 回访 step (owned by complaints,
named here by its number) or a new policy's 新契约回访 (owned here). The robot gets a list with the name and
number masked and a call id (a token, new for each listing) in place of the record; its results file is
matched back by that call id. A customer not reached is listed again by the retry rule (`outbound.RETRY`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from xiaobao.core.fields import EncryptedTextField
from xiaobao.core.models import OrgScopedModel
from xiaobao.core.scope import ScopedQuerySet


class CallTask(OrgScopedModel):
    """外呼回访任务: one customer to call back for one complaint's 回访 or one new policy's 回访."""

    class Purpose(models.TextChoices):
        COMPLAINT_REVISIT = "complaint_revisit", _("投诉回访")
        POLICY_REVISIT = "policy_revisit", _("新契约回访")

    class Status(models.TextChoices):
        WAITING = "waiting", _("待外呼")
        LISTED = "listed", _("已下发名单")
        RETRY = "retry", _("未接通待重呼")
        REACHED = "reached", _("回访成功")
        REFUSED = "refused", _("客户拒绝回访")
        FAILED = "failed", _("外呼失败转人工")

    OPEN = (Status.WAITING, Status.LISTED, Status.RETRY)

    purpose = models.CharField(_("回访类型"), max_length=20, choices=Purpose.choices)
    ref = models.CharField(_("业务编号"), max_length=64)  # complaint number or policy number
    label = models.CharField(_("说明"), max_length=200, blank=True)
    customer_name = EncryptedTextField(_("客户姓名"), blank=True, default="")
    phone = EncryptedTextField(_("联系电话"))
    product_name = models.CharField(_("产品名称"), max_length=100, blank=True)
    due_on = models.DateField(_("应回访日期"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.WAITING)
    attempts = models.PositiveSmallIntegerField(_("已外呼次数"), default=0)
    next_call_at = models.DateTimeField(_("下次可外呼时间"), null=True, blank=True)
    call_id = models.CharField(_("外呼编号"), max_length=32, blank=True, db_index=True)
    listed_at = models.DateTimeField(_("下发时间"), null=True, blank=True)
    outcome = models.CharField(_("最近结果"), max_length=20, blank=True)
    result_note = models.TextField(_("回访记录"), blank=True)
    answered_at = models.DateTimeField(_("回访完成时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"))

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("外呼回访任务")
        verbose_name_plural = _("外呼回访任务")
        ordering = ["status", "due_on", "id"]
        constraints = [models.UniqueConstraint(fields=["purpose", "ref"], name="inspection_calltask_once")]
        permissions = [("manage_outbound", _("生成外呼名单、导入外呼结果"))]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} {self.ref}"


class OutboundBatch(OrgScopedModel):
    """外呼批次: one list given to the robot, or one results file taken back, with its row report.
    `org_unit` is the operator's unit."""

    class Direction(models.TextChoices):
        LIST = "list", _("下发名单")
        RESULTS = "results", _("导入结果")
        POLICIES = "policies", _("新增回访保单")

    direction = models.CharField(_("方向"), max_length=10, choices=Direction.choices)
    purpose = models.CharField(_("回访类型"), max_length=20, choices=CallTask.Purpose.choices, blank=True)
    file_name = models.CharField(_("文件名"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("时间"))
    total = models.PositiveIntegerField(_("总条数"), default=0)
    applied = models.PositiveIntegerField(_("已处理"), default=0)
    errors = models.PositiveIntegerField(_("错误"), default=0)
    # [{"row": 2, "call_id": "…", "status": "reached|retry|failed|refused|duplicate|error", "message": "…"}]
    report = models.JSONField(_("逐行报告"), default=list)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("外呼批次")
        verbose_name_plural = _("外呼批次")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.file_name or f"{self.get_direction_display()} #{self.pk}"
