"""Complaints (消费投诉) under 《银行业保险业消费投诉处理管理办法》 (原银保监会令2020年第3号, "the Measures").

A complaint is registered from a channel, classified on a versioned code table, handled by the
responsible unit on the statutory clock (Art. 18: 15 days, extendable to 30, then by a further 30
with approval and notice; Art. 43: calendar days), answered (Art. 19: findings, grounds, remedies),
possibly re-examined (核查, Art. 20), visited back (回访) and closed with its root cause (溯源整改,
Art. 9). The process itself is `processes/complaint.bpmn`; these rows keep the facts the pages,
statistics and regulators read.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from xiaobao.complaints import statute
from xiaobao.core.fields import EncryptedTextField
from xiaobao.core.models import OrgScopedModel
from xiaobao.core.scope import ScopedQuerySet


class VisibleComplaintManager(models.Manager.from_queryset(ScopedQuerySet)):
    """Complaints everyone may see: not the rows an import is still staging (those are `Complaint.with_staged`)."""

    def get_queryset(self):
        return super().get_queryset().exclude(import_state=Complaint.ImportState.STAGED)


class TaxonomyVersion(models.Model):
    """分类标准版本: one edition of the code tables (business type, cause, demand, root cause).

    A complaint keeps the version it was classified on; a new edition never reclassifies old ones.
    """

    code = models.CharField(_("版本代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=200)
    source = models.CharField(_("依据"), max_length=300, blank=True)
    effective_from = models.DateField(_("启用日期"))
    institution_type = models.CharField(
        _("机构类型"),
        max_length=10,
        choices=[("insurer", _("保险机构")), ("bank", _("银行业金融机构"))],
        default="insurer",
    )
    is_current = models.BooleanField(_("现行版本"), default=False)

    class Meta:
        verbose_name = _("分类标准版本")
        verbose_name_plural = _("分类标准版本")
        ordering = ["-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_current"], condition=models.Q(is_current=True), name="complaints_one_current_taxonomy"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Category(models.Model):
    """分类代码: one entry of a code table, in a tree (e.g. 人身保险 → 寿险 → 分红险)."""

    class Dimension(models.TextChoices):
        BUSINESS = "business", _("业务/产品类别")
        CAUSE = "cause", _("投诉原因")
        DEMAND = "demand", _("投诉诉求")
        ROOT_CAUSE = "root_cause", _("溯源根因")
        CHANNEL = "channel", _("业务办理渠道")  # JR/T 0169-2018's first dimension (banking edition)

    version = models.ForeignKey(TaxonomyVersion, on_delete=models.PROTECT, related_name="categories")
    dimension = models.CharField(_("维度"), max_length=20, choices=Dimension.choices)
    code = models.CharField(_("代码"), max_length=20)
    name = models.CharField(_("名称"), max_length=100)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # A root cause marked systemic opens a rectification work order on its own (not only above a count).
    systemic = models.BooleanField(_("系统性问题"), default=False)
    sort = models.PositiveIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("分类代码")
        verbose_name_plural = _("分类代码")
        ordering = ["version", "dimension", "sort", "code"]
        constraints = [
            models.UniqueConstraint(fields=["version", "dimension", "code"], name="complaints_category_code")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class ComplaintRule(models.Model):
    """处理规则参数: one configurable rule (deadlines and their day unit, repeat window, major thresholds…).

    Rules are data so a compliance officer can change them in admin; `article` cites the provision.
    """

    code = models.CharField(_("规则代码"), max_length=60, unique=True)
    name = models.CharField(_("名称"), max_length=200)
    value = models.JSONField(_("取值"))
    article = models.CharField(_("依据条款"), max_length=200, blank=True)
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("投诉处理规则")
        verbose_name_plural = _("投诉处理规则")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        # checked on every save, not only in admin forms: no path may store a non-compliant statutory row
        self.clean()
        super().save(*args, **kwargs)

    def clean(self) -> None:
        """A statutory row stays within the Measures (calendar days, no longer than the text); an
        internal target stays stricter than the statutory row it tightens. Refusals cite the article."""
        problems = statute.violations(self.code, self.value)
        if problems:
            raise ValidationError({"value": problems})


class Complaint(OrgScopedModel):
    """消费投诉. `org_unit` is the responsible unit (属地管理: the unit that handles it)."""

    class Channel(models.TextChoices):
        HOTLINE = "hotline", _("400热线")
        CHATBOT = "chatbot", _("智能客服")
        VIDEO = "video", _("视频客服")
        COUNTER = "counter", _("柜面")
        IN_PERSON = "in_person", _("面谈")
        WECHAT = "wechat", _("官方微信")
        APP = "app", _("官方APP")
        LETTER = "letter", _("信函/邮件")
        REGULATOR = "regulator", _("监管转办")
        PLATFORM = "platform", _("银保信投诉平台")
        OTHER = "other", _("其他")

    class Relation(models.TextChoices):
        SELF = "self", _("本人")
        AGENT = "agent", _("受托人")
        HEIR = "heir", _("继承人")
        GUARDIAN = "guardian", _("法定代理人")

    class Status(models.TextChoices):
        REGISTERED = "registered", _("已登记")
        ACCEPTED = "accepted", _("已受理")
        HANDLING = "handling", _("处理中")
        REPLIED = "replied", _("已答复")
        REEXAMINING = "reexamining", _("核查中")
        REVISITING = "revisiting", _("回访中")
        CLOSED = "closed", _("已办结")
        WITHDRAWN = "withdrawn", _("已撤回")
        # 第十八条第四款: 不是由投诉人或者其法定代理人、受托人提出的 — 可以不予办理，并告知投诉提出人
        DECLINED = "declined", _("不予办理")

    class Complexity(models.TextChoices):
        SIMPLE = "simple", _("一般")
        COMPLEX = "complex", _("复杂")
        SPECIAL = "special", _("特别复杂")

    OPEN_STATUSES = (
        Status.REGISTERED,
        Status.ACCEPTED,
        Status.HANDLING,
        Status.REPLIED,
        Status.REEXAMINING,
        Status.REVISITING,
    )

    class ImportState(models.TextChoices):
        STAGED = "staged", _("导入暂存")  # written by a running import, seen by nobody
        PUBLISHED = "published", _("导入待启动")  # visible; its process starts in a moment

    # The statutory clock (Art. 18) runs until the decision is told to the complainant.
    CLOCK_STATUSES = (Status.REGISTERED, Status.ACCEPTED, Status.HANDLING)

    number = models.CharField(_("投诉编号"), max_length=30, unique=True, null=True, blank=True)
    channel = models.CharField(_("投诉渠道"), max_length=20, choices=Channel.choices)
    external_ref = models.CharField(_("外部编号"), max_length=64, blank=True, db_index=True)
    # Art. 7: in-person reception is recorded (录音录像); a 面谈 complaint names its recording.
    recording_ref = models.CharField(_("录音录像编号"), max_length=100, blank=True)
    # Idempotency-Key of the feed that created it (CC system, platform): the same key never creates two.
    idempotency_key = models.CharField(max_length=200, null=True, blank=True, unique=True, editable=False)
    # SHA-256 of the whole registration request the key came with (complaints/idempotency.py)
    idempotency_digest = models.CharField(max_length=64, blank=True, default="", editable=False)
    received_at = models.DateTimeField(_("收到时间"))
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    registered_at = models.DateTimeField(_("登记时间"))

    # Art. 13: who complains (personal data: encrypted, looked up by blind index, shown masked).
    complainant_name = EncryptedTextField(_("投诉人姓名"))
    complainant_id_number = EncryptedTextField(_("证件号码"), blank=True, default="")
    complainant_id_index = models.CharField(max_length=64, blank=True, default="", db_index=True, editable=False)
    complainant_phone = EncryptedTextField(_("联系电话"), blank=True, default="")
    complainant_phone_index = models.CharField(max_length=64, blank=True, default="", db_index=True, editable=False)
    complainant_address = EncryptedTextField(_("联系地址"), blank=True, default="")
    relation = models.CharField(_("与消费者关系"), max_length=20, choices=Relation.choices, default=Relation.SELF)
    # Art. 14: an agent or heir complaining on the consumer's behalf.
    consumer_name = EncryptedTextField(_("消费者姓名"), blank=True, default="")
    complainant_count = models.PositiveIntegerField(_("投诉人数"), default=1)
    # 第二十九条第一项: a complaint arising from a major natural disaster, accident or public-health event.
    major_event = models.CharField(_("重大事件类型"), max_length=20, blank=True, default="")

    policy_number = models.CharField(_("保单/账户号"), max_length=64, blank=True, db_index=True)
    product_name = models.CharField(_("产品名称"), max_length=200, blank=True)
    subject = models.CharField(_("投诉事由"), max_length=200)
    content = models.TextField(_("投诉内容"))
    demand_text = models.TextField(_("投诉请求"), blank=True)
    amount = models.DecimalField(_("涉及金额（元）"), max_digits=14, decimal_places=2, null=True, blank=True)
    media_attention = models.BooleanField(_("媒体关注"), default=False)
    # 回避 (Art. 17): the person complained about never handles the complaint.
    respondent_staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("被投诉人员"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints_against",
    )
    respondent_text = models.CharField(_("被投诉人员（外部）"), max_length=100, blank=True)

    taxonomy = models.ForeignKey(
        TaxonomyVersion, verbose_name=_("分类标准"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    business_category = models.ForeignKey(
        Category, verbose_name=_("业务类别"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cause_category = models.ForeignKey(
        Category, verbose_name=_("投诉原因"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    demand_category = models.ForeignKey(
        Category, verbose_name=_("投诉诉求"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.REGISTERED)
    complexity = models.CharField(_("复杂程度"), max_length=10, choices=Complexity.choices, default=Complexity.SIMPLE)
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("处理人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    due_at = models.DateTimeField(_("处理期限"), db_index=True)
    due_provisional = models.BooleanField(_("期限待确认"), default=False)
    extension_level = models.PositiveSmallIntegerField(_("延期次数"), default=0)
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    decision = models.TextField(_("处理决定"), blank=True)
    decided_at = models.DateTimeField(_("决定告知时间"), null=True, blank=True)
    reply_method = models.CharField(_("告知方式"), max_length=50, blank=True)
    # Art. 19: the decision tells the complainant the other ways open to them.
    remedies_told = models.BooleanField(_("已告知救济途径"), default=False)
    satisfied = models.BooleanField(_("投诉人满意"), null=True, blank=True)
    reexamine_requested_at = models.DateTimeField(_("申请核查时间"), null=True, blank=True)
    reexamine_due_at = models.DateTimeField(_("核查期限"), null=True, blank=True)
    reexamine_conclusion = models.TextField(_("核查结论"), blank=True)
    revisit_at = models.DateTimeField(_("回访时间"), null=True, blank=True)
    revisit_result = models.TextField(_("回访情况"), blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    # 第十五条: the procedure ends the day the withdrawal is *received* (withdrawn_at), which may be
    # earlier than the day someone entered it (withdraw_recorded_at).
    withdrawn_at = models.DateTimeField(_("撤回申请收到时间"), null=True, blank=True)
    withdraw_recorded_at = models.DateTimeField(_("撤回登记时间"), null=True, blank=True)
    withdraw_reason = models.TextField(_("撤回说明"), blank=True)
    # 第十八条第四款 不予办理: the ground and when and how the person who brought it was told.
    declined_at = models.DateTimeField(_("不予办理告知时间"), null=True, blank=True)
    decline_ground = models.TextField(_("不予办理理由"), blank=True)
    decline_notice_method = models.CharField(_("告知方式"), max_length=50, blank=True)
    # While a clock stop (mediation, outside appraisal) is open the deadline in force is not yet known:
    # `due_at` then holds the deadline as if the stop ended today and the handling task's timer is held.
    clock_paused_since = models.DateTimeField(_("计时暂停自"), null=True, blank=True)

    root_cause = models.ForeignKey(
        Category, verbose_name=_("溯源根因"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    root_cause_note = models.TextField(_("溯源分析"), blank=True)
    # The work order that rectifies this complaint's cause (an id: apps never share models, DESIGN.md).
    rectification_order_id = models.PositiveIntegerField(_("整改工单"), null=True, blank=True)

    is_repeat = models.BooleanField(_("重复投诉"), default=False)
    repeat_of = models.ForeignKey(
        "self", verbose_name=_("关联投诉"), null=True, blank=True, on_delete=models.SET_NULL, related_name="repeats"
    )
    # 重大消费投诉 (第二十九条): only the article's triggers — see rules.MAJOR_TRIGGERS.
    is_major = models.BooleanField(_("重大消费投诉"), default=False)
    major_reasons = models.JSONField(_("重大投诉情形"), default=list, blank=True)
    major_designation_ref = models.CharField(_("监管认定文号"), max_length=100, blank=True)
    major_reported_at = models.DateTimeField(_("报告总公司时间"), null=True, blank=True)
    # This project's own internal flag (5+ complainants, media attention, amount): not 第二十九条, and
    # counted apart from it in statistics so the two are never confused.
    is_group = models.BooleanField(_("群体性/重点关注（内部标准）"), default=False)
    group_reasons = models.JSONField(_("内部标准依据"), default=list, blank=True)
    supervised_at = models.DateTimeField(_("督办时间"), null=True, blank=True)
    supervision_order_id = models.PositiveIntegerField(_("督办工单"), null=True, blank=True)
    # 批量导入: an import stages its rows invisible, in short batches, then makes them all visible in one
    # statement and starts their processes (imports.py). The default manager never shows staged rows.
    import_job = models.ForeignKey(
        "ImportJob", null=True, blank=True, on_delete=models.SET_NULL, related_name="complaints", editable=False
    )
    import_state = models.CharField(max_length=10, choices=ImportState.choices, blank=True, default="", editable=False)

    objects = VisibleComplaintManager()
    with_staged = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("消费投诉")
        verbose_name_plural = _("消费投诉")
        ordering = ["due_at", "id"]
        indexes = [
            # the handler's list: open complaints of a subtree, soonest due first
            models.Index(fields=["status", "due_at"], name="complaint_status_due_idx"),
            # ... and every list of the visible complaints (pages, API): besides a subtree's open complaints by due
            # date, the index holds what the data scope, the default order (action first: the clock, the deadline,
            # the receipt) and the staged-import exclusion read, so the count and the page's ids are read from the
            # index alone, not from the wide rows (issue 22: 1.2 s -> 0.06 s for a count at 200k rows on SQLite)
            models.Index(
                fields=[
                    "org_unit",
                    "status",
                    "due_at",
                    "clock_paused_since",
                    "received_at",
                    "import_state",
                    "registered_by",
                    "handler",
                ],
                name="complaint_unit_list_idx",
            ),
            models.Index(fields=["received_at"], name="complaint_received_idx"),
            models.Index(fields=["channel", "received_at"], name="complaint_channel_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.number or ''} {self.subject}".strip()

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("complaints:detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class Extension(models.Model):
    """延期: one recorded extension of the Art. 18 deadline, with reason, approver and notice."""

    class Level(models.IntegerChoices):
        COMPLEX = 1, _("情况复杂，延长至30日")
        SPECIAL = 2, _("情况特别复杂，经审批再延长30日")

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="extensions")
    level = models.PositiveSmallIntegerField(_("延期类别"), choices=Level.choices)
    reason = models.TextField(_("延期理由"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("审批人"), on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(_("审批时间"))
    notice_method = models.CharField(_("告知方式"), max_length=50)
    noticed_at = models.DateTimeField(_("告知时间"))
    previous_due_at = models.DateTimeField(_("原期限"))
    new_due_at = models.DateTimeField(_("新期限"))

    class Meta:
        verbose_name = _("延期记录")
        verbose_name_plural = _("延期记录")
        ordering = ["complaint", "level"]
        constraints = [models.UniqueConstraint(fields=["complaint", "level"], name="complaints_extension_level")]

    def __str__(self) -> str:
        return f"{self.complaint} · {self.get_level_display()}"


class ClockEvent(models.Model):
    """计时事件: one recorded stop, restart or end of the statutory clock (第十八条, 第二十三条), on the
    complaint's timeline with its start, end, reason, evidence and who recorded it.

    `started_at` is when the thing happened or arrived (the mediation began, the appraisal was
    commissioned, the new material was received), not when someone typed it in (`recorded_at`).
    """

    class Kind(models.TextChoices):
        # 第二十三条: 调解期间不计入消费投诉处理期限
        MEDIATION = "mediation", _("调解（不计入处理期限）")
        # 第十八条第二款: 需外部机构进行鉴定、检测、评估等工作的，相关期间可以不计入，但应当及时告知投诉人
        APPRAISAL = "appraisal", _("外部鉴定、检测、评估（不计入处理期限）")
        # 第十八条第三款: 投诉人提出新的事实和理由，处理期限自收到新的投诉材料之日起重新计算
        NEW_FACTS = "new_facts", _("新的事实和理由（期限重新计算）")
        # 第十八条第四款: 不予办理，并告知投诉提出人
        DECLINED = "declined", _("不予办理")

    PAUSES = (Kind.MEDIATION, Kind.APPRAISAL)

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="clock_events")
    kind = models.CharField(_("事件类型"), max_length=20, choices=Kind.choices)
    started_at = models.DateTimeField(_("开始/收到时间"))
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    reason = models.TextField(_("事由"))
    evidence = models.CharField(_("凭证"), max_length=200)
    notice_method = models.CharField(_("告知投诉人方式"), max_length=50, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("登记时间"))
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    end_recorded_at = models.DateTimeField(_("结束登记时间"), null=True, blank=True)
    end_evidence = models.CharField(_("结束凭证"), max_length=200, blank=True)
    due_before = models.DateTimeField(_("原期限"))
    due_after = models.DateTimeField(_("新期限"), null=True, blank=True)

    class Meta:
        verbose_name = _("计时事件")
        verbose_name_plural = _("计时事件")
        ordering = ["complaint", "started_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ended_at__isnull=True) | models.Q(ended_at__gte=models.F("started_at")),
                name="complaints_clock_event_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.complaint} · {self.get_kind_display()}"

    @property
    def is_open(self) -> bool:
        return self.kind in self.PAUSES and self.ended_at is None


class MajorReport(models.Model):
    """重大消费投诉报告 (第二十九条): the record that head office was told at once, and of later reports."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="major_reports")
    reported_at = models.DateTimeField(_("报告时间"))
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recipients = models.JSONField(_("报告对象"), default=list)
    content = models.TextField(_("报告内容"))
    emergency_plan_url = models.CharField(_("应急预案"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("重大投诉报告")
        verbose_name_plural = _("重大投诉报告")
        ordering = ["complaint", "reported_at", "id"]

    def __str__(self) -> str:
        return f"{self.complaint} · {self.reported_at:%Y-%m-%d %H:%M}"


class ImportJob(OrgScopedModel):
    """批量导入: one uploaded Excel workbook, checked row by row, imported all or nothing by the worker.

    `org_unit` is the uploader's unit (who may see the job); progress is counted in rows.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        CHECKING = "checking", _("校验中")
        IMPORTING = "importing", _("导入中")
        DONE = "done", _("已导入")
        REJECTED = "rejected", _("校验未通过")
        FAILED = "failed", _("失败")

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("上传时间"))
    file_name = models.CharField(_("文件名"), max_length=200)
    # the workbook itself and the row-by-row error report are core Attachments owned by this job
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.QUEUED)
    total_rows = models.PositiveIntegerField(_("总行数"), default=0)
    processed_rows = models.PositiveIntegerField(_("已处理行数"), default=0)
    error_rows = models.PositiveIntegerField(_("错误行数"), default=0)
    imported = models.PositiveIntegerField(_("导入条数"), default=0)
    message = models.TextField(_("说明"), blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    # The workbook's SHA-256: the same workbook is never imported twice (nor queued twice at once).
    source_sha256 = models.CharField(max_length=64, blank=True, default="", editable=False)
    # The worker's pulse: a job whose heartbeat stops is retried (or failed) by the sweep within minutes.
    started_at = models.DateTimeField(_("开始处理时间"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True, editable=False)
    attempts = models.PositiveSmallIntegerField(default=0, editable=False)
    # Set in the statement that made the staged rows visible: from then on the job only finishes, never undoes.
    published_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("投诉导入")
        verbose_name_plural = _("投诉导入")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"], name="complaint_import_status_idx")]
        constraints = [
            # two uploads of one workbook racing each other: only one job may be live or done
            models.UniqueConstraint(
                fields=["source_sha256"],
                condition=~models.Q(status__in=["rejected", "failed"]) & ~models.Q(source_sha256=""),
                name="complaint_import_one_live_per_workbook",
            )
        ]

    def __str__(self) -> str:
        return self.file_name

    @property
    def percent(self) -> int:
        return round(100 * self.processed_rows / self.total_rows) if self.total_rows else 0
