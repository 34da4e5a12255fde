"""The knowledge contest (知识竞赛, e.g. 消保之星): online individual rounds, team rounds per branch, awards."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from xiaobao.core.models import OrgScopedModel, OrgUnit
from xiaobao.core.scope import ScopedQuerySet


class Contest(OrgScopedModel):
    """知识竞赛. `org_unit` is the organiser (head office for a company-wide contest)."""

    year = models.PositiveSmallIntegerField(_("年度"))
    title = models.CharField(_("竞赛名称"), max_length=200)
    created_at = models.DateTimeField(_("创建时间"))

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("知识竞赛")
        verbose_name_plural = _("知识竞赛")
        ordering = ["-year", "-id"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("training:contest", args=[self.pk])


class ContestRound(models.Model):
    """A round: preliminary (online, individual, an exam), team (per branch, scores entered) or final."""

    class Kind(models.TextChoices):
        PRELIMINARY = "preliminary", _("初赛（线上个人赛）")
        TEAM = "team", _("团体赛")
        FINAL = "final", _("决赛")

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="rounds")
    kind = models.CharField(_("赛段"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("名称"), max_length=100)
    sequence = models.PositiveSmallIntegerField(_("顺序"))
    exam = models.OneToOneField(
        "training.Exam", null=True, blank=True, on_delete=models.PROTECT, related_name="contest_round"
    )

    class Meta:
        verbose_name = _("竞赛赛段")
        verbose_name_plural = _("竞赛赛段")
        ordering = ["contest", "sequence"]

    def __str__(self) -> str:
        return f"{self.contest} · {self.name}"


class ContestTeam(models.Model):
    """代表队: one branch's team; `members` are people on the roster of that branch's subtree."""

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="teams")
    org_unit = models.ForeignKey(OrgUnit, verbose_name=_("代表机构"), on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("队名"), max_length=100)
    members = models.ManyToManyField("training.StaffMember", verbose_name=_("队员"), related_name="contest_teams")

    class Meta:
        verbose_name = _("代表队")
        verbose_name_plural = _("代表队")
        ordering = ["contest", "id"]
        constraints = [models.UniqueConstraint(fields=["contest", "org_unit"], name="contest_team_per_unit")]

    def __str__(self) -> str:
        return self.name


class TeamScore(models.Model):
    """A team's score in a team or final round (entered by the judges); ties broken by `seconds_used`."""

    round = models.ForeignKey(ContestRound, on_delete=models.CASCADE, related_name="team_scores")
    team = models.ForeignKey(ContestTeam, on_delete=models.CASCADE, related_name="scores")
    score = models.DecimalField(_("得分"), max_digits=7, decimal_places=1)
    seconds_used = models.PositiveIntegerField(_("用时（秒）"), default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["round", "team"], name="team_score_once")]

    def __str__(self) -> str:
        return f"{self.team} · {self.score}"


class Award(models.Model):
    """奖项: to a team or to one person."""

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="awards")
    title = models.CharField(_("奖项"), max_length=100)
    rank = models.PositiveSmallIntegerField(_("名次"))
    team = models.ForeignKey(ContestTeam, null=True, blank=True, on_delete=models.PROTECT, related_name="awards")
    staff = models.ForeignKey(
        "training.StaffMember", null=True, blank=True, on_delete=models.PROTECT, related_name="awards"
    )

    class Meta:
        verbose_name = _("奖项")
        verbose_name_plural = _("奖项")
        ordering = ["contest", "team", "rank"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(team__isnull=True, staff__isnull=False)
                | models.Q(team__isnull=False, staff__isnull=True),
                name="award_team_or_person",
            )
        ]

    def __str__(self) -> str:
        return self.title
