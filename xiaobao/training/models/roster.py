"""The roster (员工名册), courses (课程) by audience group, sessions (培训场次) and attendance, targeted assignments."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from xiaobao.core.models import OrgScopedModel
from xiaobao.core.scope import ScopedQuerySet


class AudienceGroup(models.TextChoices):
    """培训对象: every employee is in ALL_STAFF; a member's own group adds its courses."""

    ALL_STAFF = "all_staff", _("全体员工")
    OPERATIONS = "operations", _("运营专员")
    SALES = "sales", _("销售渠道")
    MANAGEMENT = "management", _("管理人员")


class SalesChannel(models.TextChoices):
    """销售渠道: a sales-channel employee's channel; each channel has its own compulsory and elective courses."""

    AGENCY = "agency", _("个人营销")
    BANCASSURANCE = "bancassurance", _("银行保险")
    GROUP = "group", _("团体保险")
    BROKERAGE = "brokerage", _("中介经代")
    TELE = "tele", _("电话网络销售")


class StaffMember(OrgScopedModel):
    """员工: one employee on the HR roster, with or without a system account. `org_unit` is where they work.

    Leavers keep their row (history: attendance, exams) but are out of coverage from `left_on`.
    """

    employee_no = models.CharField(_("工号"), max_length=32, unique=True)
    name = models.CharField(_("姓名"), max_length=50)
    department = models.CharField(_("部门"), max_length=100, blank=True)
    position = models.CharField(_("岗位"), max_length=100, blank=True)
    group = models.CharField(_("培训对象类别"), max_length=20, choices=AudienceGroup.choices)
    channel = models.CharField(_("销售渠道"), max_length=20, choices=SalesChannel.choices, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("系统账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="staff_member",
    )
    hired_on = models.DateField(_("入职日期"), null=True, blank=True)
    left_on = models.DateField(_("离职日期"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"))

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("员工")
        verbose_name_plural = _("员工名册")
        ordering = ["org_unit__path", "employee_no"]
        indexes = [models.Index(fields=["org_unit", "group"], name="staff_unit_group_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(group="sales") | ~models.Q(channel=""), name="staff_sales_has_channel"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.employee_no}）"

    @property
    def is_leaver(self) -> bool:
        return self.left_on is not None


class Programme(OrgScopedModel):
    """培训项目: a named programme of a year (the model institution ran 13) grouping courses and sessions."""

    year = models.PositiveSmallIntegerField(_("年度"))
    name = models.CharField(_("项目名称"), max_length=200)
    description = models.TextField(_("说明"), blank=True)
    # the yearly training plan is a plans.Plan (kind "training"); plans sits beside training, so its id
    plan_id = models.BigIntegerField(_("年度培训方案"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("培训项目")
        verbose_name_plural = _("培训项目")
        ordering = ["-year", "id"]

    def __str__(self) -> str:
        return f"{self.year} {self.name}"


class Course(OrgScopedModel):
    """课程: taught to the audience groups listed in `audiences`, each compulsory or elective for that group."""

    year = models.PositiveSmallIntegerField(_("年度"))
    programme = models.ForeignKey(
        Programme, verbose_name=_("培训项目"), null=True, blank=True, on_delete=models.PROTECT, related_name="courses"
    )
    title = models.CharField(_("课程名称"), max_length=200)
    hours = models.DecimalField(_("学时"), max_digits=5, decimal_places=1, default=1)
    description = models.TextField(_("课程简介"), blank=True)
    created_at = models.DateTimeField(_("创建时间"))

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("课程")
        verbose_name_plural = _("课程")
        ordering = ["-year", "id"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("training:course", args=[self.pk])


class CourseAudience(models.Model):
    """One audience of a course: a group (and, for sales, optionally one channel), compulsory or elective."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="audiences")
    group = models.CharField(_("培训对象类别"), max_length=20, choices=AudienceGroup.choices)
    channel = models.CharField(_("销售渠道"), max_length=20, choices=SalesChannel.choices, blank=True)
    compulsory = models.BooleanField(_("必修"), default=True)

    class Meta:
        verbose_name = _("课程对象")
        verbose_name_plural = _("课程对象")
        constraints = [
            models.UniqueConstraint(fields=["course", "group", "channel"], name="course_audience_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.course} · {self.get_group_display()}"


class CourseMaterial(models.Model):
    """课件: an uploaded file (a core Attachment on the course), a link, or a knowledge-centre document."""

    class Kind(models.TextChoices):
        FILE = "file", _("文件")
        LINK = "link", _("链接")
        KNOWLEDGE = "knowledge", _("知识中心文档")

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="materials")
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("名称"), max_length=200)
    url = models.URLField(_("链接"), blank=True)
    attachment_id = models.BigIntegerField(null=True, blank=True)
    # knowledge sits below training; its document is read through knowledge.selectors, so an id
    knowledge_document_id = models.BigIntegerField(_("知识文档"), null=True, blank=True)

    class Meta:
        verbose_name = _("课件")
        verbose_name_plural = _("课件")
        ordering = ["course", "id"]

    def __str__(self) -> str:
        return self.title


class Session(OrgScopedModel):
    """培训场次: one training held by `org_unit` (the organiser) on `held_on`, online or in a room."""

    class Mode(models.TextChoices):
        OFFLINE = "offline", _("线下")
        ONLINE = "online", _("线上")

    programme = models.ForeignKey(
        Programme, verbose_name=_("培训项目"), null=True, blank=True, on_delete=models.PROTECT, related_name="sessions"
    )
    title = models.CharField(_("场次名称"), max_length=200)
    mode = models.CharField(_("形式"), max_length=20, choices=Mode.choices, default=Mode.OFFLINE)
    held_on = models.DateField(_("培训日期"))
    trainer = models.CharField(_("讲师"), max_length=100, blank=True)
    place = models.CharField(_("地点"), max_length=200, blank=True)
    courses = models.ManyToManyField(Course, verbose_name=_("课程"), related_name="sessions")
    audience_group = models.CharField(_("培训对象"), max_length=20, choices=AudienceGroup.choices)
    audience_channel = models.CharField(_("销售渠道"), max_length=20, choices=SalesChannel.choices, blank=True)
    # shown to the room; an attendee types it to check themselves in while check-in is open
    check_in_code = models.CharField(_("签到码"), max_length=8)
    check_in_open = models.BooleanField(_("开放签到"), default=False)
    # the work order this session was dispatched as (workorders sits below training), if any
    workorder_id = models.BigIntegerField(_("工单"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("创建时间"))

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("培训场次")
        verbose_name_plural = _("培训场次")
        ordering = ["-held_on", "-id"]
        indexes = [models.Index(fields=["org_unit", "held_on"], name="session_unit_held_idx")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("training:session", args=[self.pk])


class Attendance(models.Model):
    """签到: one person at one session. Unique per (session, person): a person-time is counted once."""

    class Source(models.TextChoices):
        IMPORT = "import", _("签到表导入")
        SELF = "self", _("本人签到")
        MANUAL = "manual", _("补录")

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="attendances")
    staff = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="attendances")
    source = models.CharField(_("来源"), max_length=10, choices=Source.choices)
    checked_in_at = models.DateTimeField(_("签到时间"))

    class Meta:
        verbose_name = _("签到记录")
        verbose_name_plural = _("签到记录")
        constraints = [models.UniqueConstraint(fields=["session", "staff"], name="attendance_once_per_session")]

    def __str__(self) -> str:
        return f"{self.session} · {self.staff}"


class TrainingAssignment(OrgScopedModel):
    """定向培训: a course (and its exam) assigned to one person by another module's finding, with a deadline.

    `org_unit` is the person's unit, so their branch sees and chases it. Done when the person has attended
    the course and (if it has one) passed `exam` after `assigned_at`; overdue when the deadline passed first.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("待完成")
        DONE = "done", _("已完成")
        OVERDUE = "overdue", _("已逾期")
        CANCELLED = "cancelled", _("已撤销")

    staff = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="assignments")
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="assignments")
    exam = models.ForeignKey(
        "training.Exam", null=True, blank=True, on_delete=models.PROTECT, related_name="assignments"
    )
    reason = models.CharField(_("原因"), max_length=300)
    source_label = models.CharField(_("来源"), max_length=200, blank=True)
    source_url = models.CharField(max_length=300, blank=True)
    source_key = models.CharField(max_length=100, blank=True)  # "<app>.<model>:<pk>", for idempotent calls
    due_on = models.DateField(_("完成期限"))
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.OPEN)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    assigned_at = models.DateTimeField(_("下达时间"))
    completed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    workorder_id = models.BigIntegerField(_("工单"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("定向培训")
        verbose_name_plural = _("定向培训")
        ordering = ["status", "due_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["staff", "course", "source_key"],
                condition=~models.Q(source_key=""),
                name="assignment_once_per_source",
            )
        ]

    def __str__(self) -> str:
        return f"{self.staff} · {self.course}"


class TargetedTrainingRule(models.Model):
    """定向培训规则: which course (and exam) a confirmed finding of an inspection rule, or a complaint closed
    with a root cause, assigns to the people concerned — a code table kept in admin. An assignment keeps the
    course it was given, so editing a rule never changes what was assigned before."""

    class Source(models.TextChoices):
        INSPECTION = "inspection", _("质检规则")
        COMPLAINT = "complaints", _("投诉溯源根因")

    source = models.CharField(_("来源"), max_length=20, choices=Source.choices)
    code = models.CharField(_("规则或根因代码"), max_length=50, help_text=_("质检规则代码，或投诉溯源根因的分类代码"))
    course = models.ForeignKey(Course, verbose_name=_("课程"), on_delete=models.PROTECT, related_name="+")
    exam = models.ForeignKey(
        "training.Exam", verbose_name=_("考试"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    due_days = models.PositiveSmallIntegerField(_("完成期限（天）"), default=30, help_text=_("请求方未给期限时使用"))
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("定向培训规则")
        verbose_name_plural = _("定向培训规则")
        ordering = ["source", "code"]
        constraints = [models.UniqueConstraint(fields=["source", "code"], name="targeted_rule_once")]

    def __str__(self) -> str:
        return f"{self.get_source_display()} {self.code} → {self.course}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.exam_id and self.course_id and self.exam.course_id != self.course_id:
            raise ValidationError({"exam": _("所选考试不属于该课程。")})
