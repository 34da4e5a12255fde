"""Quality inspection (智能质检): service interactions, the rules they are checked against, and findings.

Every call, chat, video session and 双录 transcript that arrives is scanned against every published rule
(100 % coverage, not a sample); an inspector confirms or dismisses each finding, and a confirmed one turns
into rectification work. Rules are data with versions: a published version is never edited, a new one is.
Transcripts hold personal data: the turns are stored encrypted; a masked copy (same length, so a hit's
offsets point at the same characters) is what pages and exports show.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from xiaobao.core.fields import EncryptedTextField
from xiaobao.core.models import OrgScopedModel
from xiaobao.core.scope import ScopedQuerySet

# the outbound 回访 models live in their own module; imported here so Django registers them with this app
# and the app's other modules import them from its `models`
from xiaobao.inspection.models_outbound import CallTask, OutboundBatch  # noqa: F401


class Interaction(OrgScopedModel):
    """服务交互: one call, chat, video session or 双录 recording, as its transcript. `org_unit` is the agent's unit."""

    class Kind(models.TextChoices):
        CALL = "call", _("通话")
        CHAT = "chat", _("在线会话")
        VIDEO = "video", _("视频服务")
        DUAL_RECORDING = "dual_recording", _("双录")

    class Channel(models.TextChoices):
        HOTLINE = "hotline", _("400热线")
        ONLINE = "online", _("智能客服")
        VIDEO = "video", _("视频客服")
        COUNTER = "counter", _("柜面")
        WECHAT = "wechat", _("官方微信")
        APP = "app", _("官方APP")
        OUTBOUND = "outbound", _("外呼")
        AGENCY = "agency", _("个险/银保渠道")

    class Purpose(models.TextChoices):
        SALES = "sales", _("销售")
        SERVICE = "service", _("咨询服务")
        POLICY_SERVICE = "policy_service", _("保全")
        CLAIM = "claim", _("理赔")
        COMPLAINT = "complaint", _("投诉")
        REVISIT = "revisit", _("回访")
        OTHER = "other", _("其他")

    source_system = models.CharField(_("来源系统"), max_length=40)
    source_id = models.CharField(_("来源编号"), max_length=100)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    channel = models.CharField(_("渠道"), max_length=20, choices=Channel.choices)
    purpose = models.CharField(_("业务类型"), max_length=20, choices=Purpose.choices, default=Purpose.SERVICE)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("坐席/销售人员"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    agent_code = models.CharField(_("工号"), max_length=50, blank=True)
    product_code = models.CharField(_("产品代码"), max_length=50, blank=True)
    product_name = models.CharField(_("产品名称"), max_length=100, blank=True)
    # the customer and the complaint as the source system names them (other modules' rows are not ours)
    customer_name = EncryptedTextField(_("客户姓名"), blank=True, default="")
    customer_ref = models.CharField(_("客户号"), max_length=64, blank=True)
    complaint_number = models.CharField(_("关联投诉编号"), max_length=40, blank=True)
    policy_number = models.CharField(_("保单号"), max_length=50, blank=True)
    started_at = models.DateTimeField(_("开始时间"))
    duration_seconds = models.PositiveIntegerField(_("时长（秒）"), default=0)
    # [{"speaker": "agent"|"customer"|"system", "start": seconds, "end": seconds, "text": "…"}] as JSON, encrypted
    turns = EncryptedTextField(_("转写内容"))
    masked_turns = models.JSONField(_("转写内容（脱敏）"), default=list)
    personal_data = models.JSONField(_("识别到的个人信息"), default=dict, blank=True)  # {"phone": 2, …}
    batch = models.ForeignKey(
        "IntakeBatch", verbose_name=_("接入批次"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    received_at = models.DateTimeField(_("接入时间"))
    scanned_at = models.DateTimeField(_("质检时间"), null=True, blank=True)
    ruleset = models.CharField(_("规则集版本"), max_length=64, blank=True)
    finding_count = models.PositiveIntegerField(_("发现数"), default=0)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("服务交互")
        verbose_name_plural = _("服务交互")
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["source_system", "source_id"], name="inspection_interaction_source")
        ]
        indexes = [
            models.Index(fields=["started_at"], name="inspection_interaction_start"),
            models.Index(fields=["agent", "started_at"], name="inspection_interaction_agent"),
            models.Index(fields=["scanned_at"], name="inspection_interaction_scan"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.source_id}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("inspection:interaction", args=[self.pk])


class IntakeBatch(OrgScopedModel):
    """接入批次: one API batch or one uploaded file, with its row report. `org_unit` is the uploader's unit."""

    class Source(models.TextChoices):
        API = "api", _("接口")
        FILE = "file", _("文件")

    source = models.CharField(_("方式"), max_length=10, choices=Source.choices)
    file_name = models.CharField(_("文件名"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("接入时间"))
    total = models.PositiveIntegerField(_("总条数"), default=0)
    created = models.PositiveIntegerField(_("新增"), default=0)
    duplicates = models.PositiveIntegerField(_("重复（已接入）"), default=0)
    errors = models.PositiveIntegerField(_("错误"), default=0)
    # [{"row": 3, "source_id": "…", "status": "created|duplicate|error", "message": "…"}]
    report = models.JSONField(_("逐行报告"), default=list)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("接入批次")
        verbose_name_plural = _("接入批次")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.file_name or f"{self.get_source_display()} #{self.pk}"


class ConsumerRight(models.TextChoices):
    """金融消费者八项权利."""

    INFORMED = "informed", _("知情权")
    CHOICE = "choice", _("自主选择权")
    FAIR_TRADE = "fair_trade", _("公平交易权")
    PROPERTY = "property", _("财产安全权")
    REDRESS = "redress", _("依法求偿权")
    EDUCATION = "education", _("受教育权")
    RESPECT = "respect", _("受尊重权")
    INFORMATION = "information", _("信息安全权")


class Rule(models.Model):
    """质检规则: what is checked, why (the right it protects, its regulatory basis), and who owns it.

    The checking itself is in the rule's versions; `current` is the published one the scanner uses.
    """

    class Kind(models.TextChoices):
        FORBIDDEN_PHRASE = "forbidden_phrase", _("禁用语")
        PROXIMITY = "proximity", _("邻近词（承诺+收益）")
        REQUIRED_DISCLOSURE = "required_disclosure", _("必读告知")
        SENSITIVE_REQUEST = "sensitive_request", _("索要敏感信息")
        ABUSIVE_LANGUAGE = "abusive_language", _("辱骂/不耐烦用语")
        COMPLAINT_INTENT = "complaint_intent", _("投诉意图未登记")

    class Severity(models.IntegerChoices):
        LOW = 1, _("轻微")
        MEDIUM = 2, _("一般")
        HIGH = 3, _("严重")

    code = models.SlugField(_("规则代码"), max_length=40, unique=True)
    name = models.CharField(_("规则名称"), max_length=100)
    kind = models.CharField(_("规则类型"), max_length=30, choices=Kind.choices)
    severity = models.PositiveSmallIntegerField(_("严重程度"), choices=Severity.choices, default=Severity.MEDIUM)
    consumer_right = models.CharField(_("保护的消费者权利"), max_length=20, choices=ConsumerRight.choices)
    regulatory_basis = models.TextField(_("监管依据"))
    description = models.TextField(_("说明"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("规则负责人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    current = models.ForeignKey(
        "RuleVersion",
        verbose_name=_("生效版本"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("质检规则")
        verbose_name_plural = _("质检规则")
        ordering = ["-severity", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("inspection:rule", args=[self.pk])


class RuleVersion(models.Model):
    """规则版本: the checking definition (JSON, see `rules.py`). Drafts are edited; published ones never are."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PUBLISHED = "published", _("已发布")
        RETIRED = "retired", _("已停用")

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("版本号"))
    definition = models.JSONField(_("规则定义"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    note = models.CharField(_("版本说明"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("规则版本")
        verbose_name_plural = _("规则版本")
        ordering = ["rule", "-number"]
        constraints = [models.UniqueConstraint(fields=["rule", "number"], name="inspection_ruleversion_number")]

    def __str__(self) -> str:
        return f"{self.rule.code} v{self.number}"


class Finding(OrgScopedModel):
    """质检发现: one rule hit in one interaction. `org_unit` is the interaction's (the agent's) unit.

    `turn` is the index of the turn hit (-1: the whole interaction, e.g. a missing disclosure); `start`/`end`
    are character offsets in that turn's text, identical in the masked copy.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("待复核")
        CONFIRMED = "confirmed", _("已确认")
        DISMISSED = "dismissed", _("误报")
        ESCALATED = "escalated", _("已升级")
        CONTESTED = "contested", _("坐席申诉")
        RECTIFIED = "rectified", _("已整改")
        WITHDRAWN = "withdrawn", _("规则更新后撤销")

    UNDECIDED = (Status.OPEN, Status.ESCALATED, Status.CONTESTED)

    interaction = models.ForeignKey(Interaction, on_delete=models.CASCADE, related_name="findings")
    rule = models.ForeignKey(Rule, verbose_name=_("规则"), on_delete=models.PROTECT, related_name="findings")
    rule_version = models.ForeignKey(RuleVersion, on_delete=models.PROTECT, related_name="findings")
    severity = models.PositiveSmallIntegerField(_("严重程度"), choices=Rule.Severity.choices)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("坐席"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    turn = models.IntegerField(_("轮次"), default=-1)
    start = models.PositiveIntegerField(default=0)
    end = models.PositiveIntegerField(default=0)
    speaker = models.CharField(_("说话人"), max_length=20, blank=True)
    at_seconds = models.FloatField(_("时间点（秒）"), null=True, blank=True)
    evidence = models.CharField(_("命中内容"), max_length=500, blank=True)  # masked
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(_("发现时间"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("复核时间"), null=True, blank=True)
    reason = models.TextField(_("复核意见"), blank=True)
    contest_reason = models.TextField(_("申诉理由"), blank=True)
    contested_at = models.DateTimeField(_("申诉时间"), null=True, blank=True)
    repeat_count = models.PositiveSmallIntegerField(_("近期同类确认次数"), default=0)
    # Work orders, training and complaints sit elsewhere: ids and labels, read back through their selectors.
    workorder_id = models.BigIntegerField(_("整改工单"), null=True, blank=True)
    training = models.JSONField(_("定向培训"), default=dict, blank=True)  # {"state": "pending|assigned", …}
    complaint_draft = models.JSONField(_("投诉草稿"), default=dict, blank=True)
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("质检发现")
        verbose_name_plural = _("质检发现")
        permissions = [
            ("review_finding", _("复核质检发现（确认、误报、升级）")),
            ("contest_finding", _("对本人的质检发现提出申诉")),
        ]
        ordering = ["-severity", "-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["interaction", "rule", "turn", "start"], name="inspection_finding_once")
        ]
        indexes = [
            models.Index(fields=["status", "severity"], name="inspection_finding_status"),
            models.Index(fields=["agent", "status"], name="inspection_finding_agent"),
            models.Index(fields=["rule", "status"], name="inspection_finding_rule"),
        ]

    def __str__(self) -> str:
        return f"{self.rule.code} · {self.interaction.source_id}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("inspection:finding", args=[self.pk])


class ScanJob(models.Model):
    """质检任务: the worker scans interactions in batches; a re-scan of a period is a job too.

    `cursor` is the last interaction id done, so a job that dies half-way resumes where it stopped and a
    job run twice writes nothing twice (findings are unique per place).
    """

    class Kind(models.TextChoices):
        NEW = "new", _("新接入质检")
        RESCAN = "rescan", _("按期间重检")

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("质检中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    date_from = models.DateField(_("期间起"), null=True, blank=True)
    date_to = models.DateField(_("期间止"), null=True, blank=True)
    rule_codes = models.JSONField(_("规则范围"), default=list, blank=True)  # [] = every published rule
    batch = models.ForeignKey(IntakeBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(_("总数"), default=0)
    processed = models.PositiveIntegerField(_("已处理"), default=0)
    findings = models.PositiveIntegerField(_("新增发现"), default=0)
    cursor = models.BigIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"))
    heartbeat_at = models.DateTimeField(_("心跳"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    message = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("质检任务")
        verbose_name_plural = _("质检任务")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.processed / self.total)) if self.total else (100 if self.finished_at else 0)


class ScoreSheet(models.Model):
    """评分表: the items a manual inspection scores. An item may name a rule, so the robot and the person are
    measured on the same item. items: [{"code", "text", "points", "rule": "rule code" | ""}]."""

    code = models.SlugField(_("评分表代码"), max_length=40)
    version = models.PositiveIntegerField(_("版本"), default=1)
    name = models.CharField(_("名称"), max_length=100)
    kinds = models.JSONField(_("适用交互类型"), default=list, blank=True)
    items = models.JSONField(_("评分项"))
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("评分表")
        verbose_name_plural = _("评分表")
        ordering = ["code", "-version"]
        constraints = [models.UniqueConstraint(fields=["code", "version"], name="inspection_scoresheet_version")]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class ManualReview(OrgScopedModel):
    """抽检: one interaction drawn at random for an agent and period, scored by a person on a score sheet.

    scores: {item code: {"passed": bool, "note": str}}; `robot` keeps, per item naming a rule, whether the
    robot found a hit, so agreement between person and robot is counted on the same items.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("待评分")
        DONE = "done", _("已评分")

    interaction = models.ForeignKey(Interaction, on_delete=models.CASCADE, related_name="reviews")
    sheet = models.ForeignKey(ScoreSheet, on_delete=models.PROTECT, related_name="+")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    period = models.CharField(_("期间"), max_length=32)
    sampled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    sampled_at = models.DateTimeField(_("抽取时间"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    scored_at = models.DateTimeField(_("评分时间"), null=True, blank=True)
    scores = models.JSONField(_("评分"), default=dict, blank=True)
    robot = models.JSONField(_("机器质检结果"), default=dict, blank=True)
    total = models.DecimalField(_("得分"), max_digits=6, decimal_places=1, null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("人工抽检")
        verbose_name_plural = _("人工抽检")
        ordering = ["-sampled_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["interaction", "sheet"], name="inspection_review_once"),
        ]

    def __str__(self) -> str:
        return f"{self.period} · {self.interaction}"
