"""Core data: the org tree, users and roles, the audit chain, the working-day calendar.

Every business object elsewhere hangs off an org unit (`OrgScopedModel`), so one scope
rule, in `xiaobao.core.scope`, decides what each user may see.
"""

from django.contrib.auth.models import AbstractUser, Group
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from xiaobao.core.fields import EncryptedTextField
from xiaobao.core.scope import ScopedQuerySet

PATH_STEP = 4  # digits per level in OrgUnit.path: 9,999 children per parent


class OrgUnit(models.Model):
    """机构: a node of the company tree (总公司 → 分公司 → 中心支公司 → 支公司/营业部).

    `path` is a materialized path ("0001.0003.") so "in the subtree of X" is one indexed
    prefix lookup (`path__startswith`), on SQLite and PostgreSQL alike.
    """

    class Level(models.IntegerChoices):
        HEAD_OFFICE = 1, _("总公司")
        BRANCH = 2, _("分公司")
        CENTRAL_SUB_BRANCH = 3, _("中心支公司")
        SUB_BRANCH = 4, _("支公司/营业部")

    code = models.CharField(_("机构代码"), max_length=32, unique=True)
    name = models.CharField(_("机构名称"), max_length=100)
    short_name = models.CharField(_("简称"), max_length=50, blank=True)
    level = models.PositiveSmallIntegerField(_("层级"), choices=Level.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级机构"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(_("路径"), max_length=255, unique=True, editable=False)
    region = models.CharField(_("所在地区"), max_length=50, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("机构")
        verbose_name_plural = _("机构")
        ordering = ["path"]
        # varchar_pattern_ops lets PostgreSQL use the index for LIKE 'prefix%' under any collation.
        indexes = [models.Index(fields=["path"], name="core_orgunit_path_like", opclasses=["varchar_pattern_ops"])]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        if not self.path:
            self.path = self._next_path()
        super().save(*args, **kwargs)

    @property
    def depth(self) -> int:
        return len(self.path) // (PATH_STEP + 1)

    def clean(self):
        if self.parent_id and self.parent.level >= self.level:
            raise ValidationError({"level": _("下级机构的层级必须低于上级机构。")})
        if not self.parent_id and self.level != self.Level.HEAD_OFFICE:
            raise ValidationError({"parent": _("只有总公司可以没有上级机构。")})

    def _next_path(self) -> str:
        prefix = self.parent.path if self.parent_id else ""
        siblings = (
            OrgUnit.objects.filter(parent=self.parent_id)
            if self.parent_id
            else OrgUnit.objects.filter(parent__isnull=True)
        )
        last = siblings.order_by("-path").values_list("path", flat=True).first()
        number = int(last[-(PATH_STEP + 1) : -1]) + 1 if last else 1
        return f"{prefix}{number:0{PATH_STEP}d}."

    def subtree(self):
        return OrgUnit.objects.filter(path__startswith=self.path)

    def ancestors(self):
        prefixes = [self.path[: i * (PATH_STEP + 1)] for i in range(1, self.depth)]
        return OrgUnit.objects.filter(path__in=prefixes)

    def is_within(self, other: "OrgUnit") -> bool:
        return self.path.startswith(other.path)


class User(AbstractUser):
    """用户: a person who signs in. Belongs to exactly one org unit."""

    full_name = models.CharField(_("姓名"), max_length=50, blank=True)
    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("所属机构"), null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    department = models.CharField(_("部门"), max_length=50, blank=True)
    care_mode = models.BooleanField(_("关怀模式"), default=False)
    language = models.CharField(_("界面语言"), max_length=10, blank=True, default="")
    # Personal data: encrypted at rest, looked up by blind index, shown masked.
    mobile = EncryptedTextField(_("手机号"), blank=True, default="")
    mobile_index = models.CharField(max_length=64, blank=True, default="", db_index=True, editable=False)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.full_name or self.username


class Role(models.Model):
    """角色: the business meaning of a Django group — its code and how far its data scope reaches.

    Permissions (what a user may do) stay on the group; the scope (where) is here.
    """

    class Scope(models.TextChoices):
        SUBTREE = "subtree", _("本机构及下级")
        ALL = "all", _("全公司")

    group = models.OneToOneField(Group, on_delete=models.CASCADE, related_name="role")
    code = models.SlugField(_("角色代码"), max_length=50, unique=True)
    name = models.CharField(_("角色名称"), max_length=50)
    scope = models.CharField(_("数据范围"), max_length=20, choices=Scope.choices, default=Scope.SUBTREE)
    read_only = models.BooleanField(_("只读"), default=False)
    description = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("角色")
        verbose_name_plural = _("角色")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class RoleAssignment(models.Model):
    """额外授权: grants a user a role over another org unit (and, if recursive, its subtree).

    A user's own unit is always in scope; assignments widen it, e.g. a head-office
    inspector covering two branches.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.ForeignKey(Role, on_delete=models.CASCADE, related_name="assignments")
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="role_assignments")
    is_recursive = models.BooleanField(_("含下级机构"), default=True)

    class Meta:
        verbose_name = _("额外授权")
        verbose_name_plural = _("额外授权")
        constraints = [models.UniqueConstraint(fields=["user", "role", "org_unit"], name="core_roleassignment_unique")]

    def __str__(self) -> str:
        return f"{self.user} · {self.role} · {self.org_unit}"


class OrgScopedModel(models.Model):
    """Mixin for business objects that belong to an org unit; gives `.objects.visible_to()`."""

    org_unit = models.ForeignKey(OrgUnit, verbose_name=_("所属机构"), on_delete=models.PROTECT, related_name="+")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        abstract = True


class AuditLogImmutableError(RuntimeError):
    """Raised when code tries to rewrite history: audit rows are only ever appended."""


class AuditEntryQuerySet(models.QuerySet):
    """Refuses bulk writes, so no app code can rewrite or drop audit rows through the ORM.

    Rows are appended by `xiaobao.core.audit.record()` only and sealed (hash-chained) by `audit.seal()`.
    """

    def update(self, **kwargs):
        raise AuditLogImmutableError("audit rows cannot be updated")

    def delete(self):
        raise AuditLogImmutableError("audit rows cannot be deleted")

    def bulk_update(self, objs, fields, batch_size=None):
        raise AuditLogImmutableError("audit rows cannot be updated")

    def bulk_create(self, objs, *args, **kwargs):
        # Bulk rows would skip the chain head; they must go through audit.record().
        raise AuditLogImmutableError("audit rows are appended through audit.record() only")

    def update_or_create(self, *args, **kwargs):
        raise AuditLogImmutableError("audit rows cannot be updated")


class AuditEntry(models.Model):
    """审计日志: one append-only, hash-chained row per write or personal-data reveal.

    A row is appended unsealed (no `seq`, no hash) in its writer's own transaction, with no lock shared
    with other writers. The sealer (`audit.seal()`, run by the worker and by `manage.py audit_seal`) then
    gives rows their place in the chain, in order: `seq` 1, 2, 3… and `hash` = SHA-256 over the previous
    row's hash and this row's canonical content, so editing, deleting or inserting a sealed row breaks the
    chain at that point (`manage.py audit_verify`). The model refuses updates and deletes; raw SQL still
    can, which is what the chain catches.
    """

    at = models.DateTimeField(_("时间"), db_index=True)
    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    actor_name = models.CharField(_("操作人"), max_length=150, blank=True)
    action = models.CharField(_("动作"), max_length=50, db_index=True)
    object_type = models.CharField(_("对象类型"), max_length=100, blank=True)
    object_id = models.CharField(_("对象标识"), max_length=64, blank=True)
    object_repr = models.CharField(_("对象"), max_length=200, blank=True)
    org_unit = models.ForeignKey(OrgUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    changes = models.JSONField(_("变更摘要"), default=dict, blank=True)
    reason = models.CharField(_("原因"), max_length=500, blank=True)
    ip_address = models.GenericIPAddressField(_("IP"), null=True, blank=True)
    # Set by the sealer only: the row's place in the chain, the hash it continues from, and its own.
    seq = models.BigIntegerField(null=True, blank=True, unique=True, editable=False)
    prev_hash = models.CharField(max_length=64, blank=True, default="")
    hash = models.CharField(max_length=64, null=True, blank=True, unique=True)

    # Named `objects` and not use_in_migrations, so the migration state is unchanged.
    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="core_audit_object_idx"),
            # the sealer's work list stays small and indexed however long the log grows
            models.Index(fields=["id"], condition=models.Q(seq__isnull=True), name="core_audit_unsealed_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):
        if not self._state.adding or kwargs.get("update_fields") is not None:
            raise AuditLogImmutableError("audit rows cannot be updated")
        raise AuditLogImmutableError("audit rows are appended through audit.record() only")

    def delete(self, *args, **kwargs):
        raise AuditLogImmutableError("audit rows cannot be deleted")


class AuditChainHead(models.Model):
    """Where the sealed chain ends: locked by the sealer only (never by a writer), so sealers take turns."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_hash = models.CharField(max_length=64, default="0" * 64)
    length = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"audit chain head ({self.length} rows)"


class CalendarDay(models.Model):
    """工作日历: a day that differs from the weekday rule — a public holiday or a 调休 working day."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("法定节假日")
        WORKDAY = "workday", _("调休工作日")

    date = models.DateField(_("日期"), unique=True)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("名称"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("日历例外日")
        verbose_name_plural = _("工作日历")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()} {self.name}"


class CalendarYear(models.Model):
    """A year whose holiday schedule is entered; deadlines reaching other years are provisional."""

    year = models.PositiveSmallIntegerField(_("年份"), unique=True)
    complete = models.BooleanField(_("已录入全年安排"), default=True)
    source = models.CharField(_("来源"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("日历年度")
        verbose_name_plural = _("日历年度")
        ordering = ["year"]

    def __str__(self) -> str:
        return str(self.year)


class Notification(models.Model):
    """站内通知: a message to one user — a reminder, an overdue task, a 督办, an admin alert.

    `dedupe_key` makes sending idempotent: the periodic sweeps may run twice (or on two workers)
    and a user still gets one notification per event. Services write these rows inside their own
    transaction, so a notification exists exactly when the event it reports was committed.
    """

    class EmailState(models.TextChoices):
        NONE = "", _("不发送")
        PENDING = "pending", _("待发送")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败")

    class Level(models.TextChoices):
        INFO = "info", _("提示")
        WARNING = "warning", _("提醒")
        URGENT = "urgent", _("紧急")

    recipient = models.ForeignKey(
        User, verbose_name=_("接收人"), on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("类别"), max_length=50)
    level = models.CharField(_("级别"), max_length=10, choices=Level.choices, default=Level.INFO)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    dedupe_key = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField(_("时间"), db_index=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    # E-mail copy: the service marks it pending; the worker's periodic job sends it (never the request).
    email_state = models.CharField(max_length=10, blank=True, default="", choices=EmailState.choices, db_index=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    # 汇总通知: when many notices of one kind arrive at once (settings.NOTIFICATION_DIGEST_AFTER), the later ones
    # are folded into one digest row (is_digest, digest_size = how many it holds); a folded notice points at its
    # digest and is shown under it, not in the list.
    is_digest = models.BooleanField(_("汇总"), default=False)
    digest_size = models.PositiveIntegerField(_("汇总条数"), default=0)
    digest = models.ForeignKey(
        "self", verbose_name=_("所属汇总"), null=True, blank=True, on_delete=models.CASCADE, related_name="folded"
    )

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="core_notification_unread_idx"),
            # the digest rule counts one person's notices of one kind in a time window on every notice written
            models.Index(fields=["recipient", "kind", "created_at"], name="core_notification_kind_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"],
                condition=~models.Q(dedupe_key=""),
                name="core_notification_once",
            )
        ]

    def __str__(self) -> str:
        return self.title


def _attachment_path(instance, filename: str) -> str:
    # The stored name is ours (a random token), never the uploader's: no traversal, no clashes.
    import secrets

    return f"attachments/{instance.uploaded_at:%Y/%m}/{secrets.token_hex(16)}.{instance.extension}"


class Attachment(OrgScopedModel):
    """附件: a file attached to a business object (evidence, material), checked by content when uploaded.

    Files are never served from MEDIA_URL: the owning app's view checks the object is visible to the
    caller and streams it (`core.views.serve_attachment`).
    """

    content_type = models.ForeignKey("contenttypes.ContentType", on_delete=models.PROTECT, related_name="+")
    object_id = models.CharField(max_length=64)
    purpose = models.CharField(_("用途"), max_length=50, blank=True)
    file = models.FileField(_("文件"), upload_to=_attachment_path, max_length=300)
    name = models.CharField(_("文件名"), max_length=200)
    kind = models.CharField(_("类型"), max_length=20)
    mime = models.CharField(max_length=120)
    extension = models.CharField(max_length=10)
    size = models.PositiveBigIntegerField(_("大小"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"))

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["uploaded_at", "id"]
        indexes = [models.Index(fields=["content_type", "object_id"], name="core_attachment_owner_idx")]

    def __str__(self) -> str:
        return self.name
