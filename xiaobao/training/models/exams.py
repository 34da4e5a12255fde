"""The question bank (题库) with versions, exams (考试) and attempts (答卷).

A question's text, options and key live in `QuestionVersion` rows that are never edited: an edit adds a
version, and a paper points at versions, so a submitted paper reads exactly as it was answered.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from xiaobao.core.models import OrgScopedModel
from xiaobao.core.scope import ScopedQuerySet


class ConsumerRight(models.TextChoices):
    """The eight rights of financial consumers (same codes as the review checklists use)."""

    PROPERTY_SAFETY = "property_safety", _("财产安全权")
    INFORMATION = "information", _("知情权")
    CHOICE = "choice", _("自主选择权")
    FAIR_DEALING = "fair_dealing", _("公平交易权")
    REDRESS = "redress", _("依法求偿权")
    EDUCATION = "education", _("受教育权")
    RESPECT = "respect", _("受尊重权")
    DATA_SECURITY = "data_security", _("信息安全权")


class Difficulty(models.TextChoices):
    EASY = "easy", _("容易")
    MEDIUM = "medium", _("中等")
    HARD = "hard", _("困难")


class Question(OrgScopedModel):
    """试题: the stable identity of a question; its content is `current` (the latest QuestionVersion)."""

    class Kind(models.TextChoices):
        SINGLE = "single", _("单选题")
        MULTIPLE = "multiple", _("多选题")
        TRUE_FALSE = "true_false", _("判断题")
        FILL = "fill", _("填空题")

    code = models.CharField(_("题号"), max_length=32, unique=True)
    kind = models.CharField(_("题型"), max_length=20, choices=Kind.choices)
    topic = models.CharField(_("知识点"), max_length=50)
    right = models.CharField(_("涉及消费者权益"), max_length=20, choices=ConsumerRight.choices, blank=True)
    difficulty = models.CharField(_("难度"), max_length=10, choices=Difficulty.choices, default=Difficulty.MEDIUM)
    knowledge_document_id = models.BigIntegerField(_("出处（知识文档）"), null=True, blank=True)
    current = models.ForeignKey(
        "training.QuestionVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    is_active = models.BooleanField(_("启用"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("创建时间"))

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("试题")
        verbose_name_plural = _("题库")
        ordering = ["code"]
        indexes = [models.Index(fields=["topic", "difficulty", "is_active"], name="question_draw_idx")]

    def __str__(self) -> str:
        return self.code


class QuestionVersion(models.Model):
    """试题版本: never changed once written. `options`: [{"key": "A", "text": …}] (none for fill-in);
    `answer`: the keys that are right (single/true-false: one; multiple: all of them), or for fill-in the
    accepted texts of each blank: [["…", "…"], …]."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("版本号"))
    stem = models.TextField(_("题干"))
    options = models.JSONField(_("选项"), default=list, blank=True)
    answer = models.JSONField(_("答案"))
    explanation = models.TextField(_("解析"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("创建时间"))

    class Meta:
        verbose_name = _("试题版本")
        verbose_name_plural = _("试题版本")
        ordering = ["question", "number"]
        constraints = [models.UniqueConstraint(fields=["question", "number"], name="question_version_number")]

    def __str__(self) -> str:
        return f"{self.question_id} v{self.number}"


class Exam(OrgScopedModel):
    """考试: a paper (fixed items, or drawn per person by rules), its window, time limit, pass mark and attempts.

    `owner` is the only person who sees the answer keys (besides a system administrator).
    """

    class PaperMode(models.TextChoices):
        FIXED = "fixed", _("固定试卷")
        RULES = "rules", _("按规则抽题")

    class Results(models.TextChoices):
        ON_SUBMIT = "on_submit", _("交卷后立即公布")
        AFTER_WINDOW = "after_window", _("考试结束后公布")
        HIDDEN = "hidden", _("不公布答案")

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PUBLISHED = "published", _("已发布")
        CLOSED = "closed", _("已结束")

    title = models.CharField(_("考试名称"), max_length=200)
    course = models.ForeignKey(
        "training.Course", verbose_name=_("课程"), null=True, blank=True, on_delete=models.PROTECT, related_name="exams"
    )
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("出题人"), on_delete=models.PROTECT)
    paper_mode = models.CharField(_("组卷方式"), max_length=10, choices=PaperMode.choices, default=PaperMode.FIXED)
    time_limit_minutes = models.PositiveSmallIntegerField(_("考试时长（分钟）"))
    pass_mark = models.DecimalField(_("及格分"), max_digits=6, decimal_places=1)
    attempts_allowed = models.PositiveSmallIntegerField(_("允许作答次数"), default=1)
    opens_at = models.DateTimeField(_("开始时间"))
    closes_at = models.DateTimeField(_("结束时间"))
    shuffle = models.BooleanField(_("题目与选项乱序"), default=True)
    results = models.CharField(_("成绩与解析"), max_length=20, choices=Results.choices, default=Results.AFTER_WINDOW)
    # who may sit it: an audience group (and channel), or everyone on the roster in the org unit's subtree
    audience_group = models.CharField(_("考试对象"), max_length=20, blank=True)
    audience_channel = models.CharField(_("销售渠道"), max_length=20, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    created_at = models.DateTimeField(_("创建时间"))

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("考试")
        verbose_name_plural = _("考试")
        ordering = ["-opens_at", "-id"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("training:exam", args=[self.pk])


class ExamItem(models.Model):
    """A fixed paper's question (a version, frozen when the exam is published) and its points."""

    exam = models.ForeignKey(Exam, on_delete=models.CASCADE, related_name="items")
    version = models.ForeignKey(QuestionVersion, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField(_("顺序"))
    points = models.DecimalField(_("分值"), max_digits=5, decimal_places=1)

    class Meta:
        ordering = ["exam", "position"]
        constraints = [models.UniqueConstraint(fields=["exam", "position"], name="exam_item_position")]

    def __str__(self) -> str:
        return f"{self.exam_id} #{self.position}"


class ExamRule(models.Model):
    """A drawing rule: `count` active questions of this topic (and difficulty and kind, when set), each worth
    `points`; drawn afresh for each person when they start."""

    exam = models.ForeignKey(Exam, on_delete=models.CASCADE, related_name="rules")
    topic = models.CharField(_("知识点"), max_length=50, blank=True)
    difficulty = models.CharField(_("难度"), max_length=10, choices=Difficulty.choices, blank=True)
    kind = models.CharField(_("题型"), max_length=20, choices=Question.Kind.choices, blank=True)
    count = models.PositiveSmallIntegerField(_("题数"))
    points = models.DecimalField(_("每题分值"), max_digits=5, decimal_places=1)

    class Meta:
        ordering = ["exam", "id"]

    def __str__(self) -> str:
        return f"{self.topic} × {self.count}"


class Attempt(models.Model):
    """答卷: one sitting of one person. `paper` is their drawn, shuffled paper:
    [{"v": version id, "points": "2.0", "order": [option keys in display order]}]; `draft` their saved
    answers {version id: response} until they submit. The clock is the server's: `deadline_at`."""

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", _("答题中")
        SUBMITTED = "submitted", _("已交卷")
        TIMED_OUT = "timed_out", _("超时自动交卷")
        IMPORTED = "imported", _("线下成绩导入")

    exam = models.ForeignKey(Exam, on_delete=models.PROTECT, related_name="attempts")
    staff = models.ForeignKey("training.StaffMember", on_delete=models.PROTECT, related_name="attempts")
    number = models.PositiveSmallIntegerField(_("第几次作答"))
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.IN_PROGRESS)
    paper = models.JSONField(default=list)
    draft = models.JSONField(default=dict)
    started_at = models.DateTimeField(_("开始时间"))
    deadline_at = models.DateTimeField(_("截止时间"))
    saved_at = models.DateTimeField(_("最近保存"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("交卷时间"), null=True, blank=True)
    score = models.DecimalField(_("得分"), max_digits=6, decimal_places=1, null=True, blank=True)
    max_score = models.DecimalField(_("满分"), max_digits=6, decimal_places=1, default=0)
    passed = models.BooleanField(_("及格"), null=True)
    # time used in seconds (submitted_at − started_at): the contest breaks ties with it
    seconds_used = models.PositiveIntegerField(_("用时（秒）"), null=True, blank=True)

    class Meta:
        verbose_name = _("答卷")
        verbose_name_plural = _("答卷")
        ordering = ["-started_at", "-id"]
        # 员工: staff who are users sit exams and check in at sessions with this (the 员工 role has it)
        permissions = [("sit_exam", _("参加培训考试与签到"))]
        constraints = [
            models.UniqueConstraint(fields=["exam", "staff", "number"], name="attempt_number_unique"),
            models.UniqueConstraint(
                fields=["exam", "staff"], condition=models.Q(status="in_progress"), name="attempt_one_active"
            ),
        ]
        indexes = [
            models.Index(fields=["exam", "status", "score"], name="attempt_exam_score_idx"),
            models.Index(fields=["status", "deadline_at"], name="attempt_deadline_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.exam} · {self.staff} #{self.number}"

    @property
    def is_resit(self) -> bool:
        return self.number > 1


class AttemptAnswer(models.Model):
    """One graded answer of a submitted attempt (written at submission, never edited)."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="answers")
    version = models.ForeignKey(QuestionVersion, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField()
    response = models.JSONField(null=True)
    correct = models.BooleanField()
    points = models.DecimalField(max_digits=5, decimal_places=1)

    class Meta:
        ordering = ["attempt", "position"]
        constraints = [models.UniqueConstraint(fields=["attempt", "position"], name="attempt_answer_position")]

    def __str__(self) -> str:
        return f"{self.attempt_id} #{self.position}"
