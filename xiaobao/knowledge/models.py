"""Knowledge centre (知识中心): laws and regulations, internal policies, scripts, FAQ, training material and
cases — every edit a version, the current version the one people read and search, internal policies
published only after approval.

Search lives in `knowledge.search` (segmented text in an index table the backend maintains); these rows
are the documents and their history.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from xiaobao.core.models import OrgScopedModel, Role
from xiaobao.core.scope import ScopedQuerySet


class Category(models.Model):
    """知识分类: a tree of categories (e.g. 监管制度 → 投诉处理)."""

    name = models.CharField(_("名称"), max_length=100)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级分类"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    sort = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("知识分类")
        verbose_name_plural = _("知识分类")
        ordering = ["sort", "name"]

    def __str__(self) -> str:
        return self.name


class Document(OrgScopedModel):
    """知识文档. `org_unit` is the owning unit: people of its subtree may read it (head office's documents
    reach everyone); `visible_roles`, when set, narrows readers to those roles."""

    class Kind(models.TextChoices):
        LAW = "law", _("法律法规")
        REGULATION = "regulation", _("监管文件")
        POLICY = "policy", _("内部制度")
        SCRIPT = "script", _("业务规则与话术")
        FAQ = "faq", _("FAQ")
        TRAINING = "training", _("培训资料")
        CASE = "case", _("案例")

    class PolicyStatus(models.TextChoices):
        CURRENT = "current", _("现行")
        REPEALED = "repealed", _("已废止")
        PENDING = "pending", _("待生效")

    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices, db_index=True)
    title = models.CharField(_("标题"), max_length=300)
    # 内部制度: number, issuing department, in force from/to, status
    number = models.CharField(_("制度编号"), max_length=60, blank=True, db_index=True)
    issuing_department = models.CharField(_("发文部门"), max_length=100, blank=True)
    issuer = models.CharField(_("发布机关"), max_length=100, blank=True)  # 法律法规/监管文件: who issued it
    effective_from = models.DateField(_("生效日期"), null=True, blank=True)
    repealed_on = models.DateField(_("废止日期"), null=True, blank=True)
    policy_status = models.CharField(_("制度状态"), max_length=20, choices=PolicyStatus.choices, blank=True)
    category = models.ForeignKey(
        Category, verbose_name=_("分类"), null=True, blank=True, on_delete=models.PROTECT, related_name="documents"
    )
    # free tags, including the consumer right concerned (e.g. "知情权")
    tags = models.JSONField(_("标签"), default=list, blank=True)
    visible_roles = models.ManyToManyField(Role, verbose_name=_("可见角色"), blank=True, related_name="+")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("负责人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # periodic review of an internal policy (a work order to the owner before it is due)
    review_due_on = models.DateField(_("定期评估日期"), null=True, blank=True)
    # the review date a reminder work order was last opened for: one reminder per review date, however
    # often the sweep runs (a new review date after the review re-arms it)
    review_reminded_for = models.DateField(_("已提醒的评估日期"), null=True, blank=True)
    current_version = models.ForeignKey(
        "DocumentVersion",
        verbose_name=_("现行版本"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"))
    updated_at = models.DateTimeField(_("更新时间"))
    is_archived = models.BooleanField(_("已归档"), default=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("知识文档")
        verbose_name_plural = _("知识文档")
        ordering = ["-updated_at", "-id"]
        indexes = [models.Index(fields=["kind", "policy_status"], name="knowledge_doc_kind_idx")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("knowledge:document", args=[self.pk])


class DocumentVersion(models.Model):
    """文档版本: the text of a document as of one edit. Only a published version becomes current."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PENDING = "pending", _("审批中")
        PUBLISHED = "published", _("已发布")
        SUPERSEDED = "superseded", _("已被替代")
        REJECTED = "rejected", _("未通过")

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("版本号"))
    title = models.CharField(_("标题"), max_length=300)
    body = models.TextField(_("正文"), blank=True)
    # FAQ: the question, its answer and other ways people ask it
    question = models.TextField(_("问题"), blank=True)
    answer = models.TextField(_("答案"), blank=True)
    alternatives = models.JSONField(_("相似问法"), default=list, blank=True)
    source_name = models.CharField(_("原始文件"), max_length=200, blank=True)  # an Attachment owned by this row
    change_note = models.CharField(_("修改说明"), max_length=300, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"))
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("文档版本")
        verbose_name_plural = _("文档版本")
        ordering = ["document", "-number"]
        constraints = [models.UniqueConstraint(fields=["document", "number"], name="knowledge_version_number")]

    def __str__(self) -> str:
        return f"{self.title} v{self.number}"


class ImportBatch(OrgScopedModel):
    """批量导入: a zip of .docx/.pdf/.txt/.md files (a folder), unpacked and imported file by file by the worker.

    `org_unit` is the owning unit of the documents it creates (and who may see the batch); the zip itself is
    a core Attachment owned by this row; `report` lists every file with its outcome.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("导入中")
        DONE = "done", _("已完成")
        REJECTED = "rejected", _("已拒绝")
        FAILED = "failed", _("失败")

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("上传时间"))
    file_name = models.CharField(_("文件名"), max_length=200)
    # what every imported document gets
    kind = models.CharField(_("类型"), max_length=20, choices=Document.Kind.choices)
    category = models.ForeignKey(
        Category, verbose_name=_("分类"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    publish = models.BooleanField(_("导入后发布"), default=True)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.QUEUED)
    total_files = models.PositiveIntegerField(_("文件数"), default=0)
    processed_files = models.PositiveIntegerField(_("已处理"), default=0)
    imported = models.PositiveIntegerField(_("已导入"), default=0)
    failed = models.PositiveIntegerField(_("未导入"), default=0)
    # [{"name": "制度/投诉管理办法.docx", "ok": true, "document_id": 12, "error": "", "code": ""}, …]
    report = models.JSONField(_("逐个文件结果"), default=list, blank=True)
    message = models.TextField(_("说明"), blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    # The worker's pulse: a batch whose heartbeat stops is put back in the queue (or failed) by the sweep.
    heartbeat_at = models.DateTimeField(null=True, blank=True, editable=False)
    attempts = models.PositiveSmallIntegerField(default=0, editable=False)
    # The zip's SHA-256: the same folder uploaded again to the same unit is refused while this one is live
    source_sha256 = models.CharField(max_length=64, blank=True, default="", db_index=True, editable=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("知识批量导入")
        verbose_name_plural = _("知识批量导入")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"], name="knowledge_import_status_idx")]

    def __str__(self) -> str:
        return self.file_name

    @property
    def percent(self) -> int:
        return round(100 * self.processed_files / self.total_files) if self.total_files else 0


class Term(models.Model):
    """检索词典: a domain word for the segmenter (e.g. 犹豫期), or a synonym group (退保 ≈ 解除合同).

    Editable by admins; the segmenter and the query expansion reload when a term changes.
    """

    class Kind(models.TextChoices):
        WORD = "word", _("专业词")
        SYNONYM = "synonym", _("同义词组")

    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    text = models.CharField(_("词语"), max_length=50)
    # for a synonym group: the other words meaning the same (searched as alternatives of `text`)
    synonyms = models.JSONField(_("同义词"), default=list, blank=True)
    weight = models.PositiveIntegerField(_("词频权重"), default=1000)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("检索词典")
        verbose_name_plural = _("检索词典")
        ordering = ["kind", "text"]
        constraints = [models.UniqueConstraint(fields=["kind", "text"], name="knowledge_term_unique")]

    def __str__(self) -> str:
        return self.text
