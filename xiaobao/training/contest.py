"""The knowledge contest (知识竞赛): online preliminary rounds (each an exam), team rounds per branch with
scores entered by the judges, a final ranking and awards.

Individual ranking: a person's best sitting of each preliminary round, summed; ties broken by the time
used (less is better), then by who handed in first. Team ranking: the final round's score first, then the
sum of the team rounds, ties by time used. Rankings are reads (`contest_selectors`), never stored.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xiaobao.core import audit
from xiaobao.core.models import OrgUnit, User
from xiaobao.core.scope import scope_for
from xiaobao.training import error_codes as codes
from xiaobao.training.models import Award, Contest, ContestRound, ContestTeam, Exam, StaffMember, TeamScore
from xiaobao.training.sheets import refusal

PERMISSION = "training.change_contest"


def _may_run(actor, unit: OrgUnit) -> None:
    if not (
        actor and actor.is_authenticated and actor.has_perm(PERMISSION) and scope_for(actor, "change").covers(unit.path)
    ):
        raise refusal(codes.NOT_ALLOWED, _("您不能组织这项竞赛。"), status=403)


@transaction.atomic
def contest_create(*, actor: User, year: int, title: str, org_unit: OrgUnit | None = None, now=None) -> Contest:
    """A contest organised by `org_unit` (default: the actor's). Refuses NOT_ALLOWED (403), INVALID."""
    now = now or timezone.now()
    unit = org_unit or actor.org_unit
    _may_run(actor, unit)
    title = (title or "").strip()
    if not title or len(title) > 200:
        raise refusal(codes.INVALID, _("竞赛名称必填，且不超过200字。"), field="title")
    contest = Contest.objects.create(org_unit=unit, year=year, title=title, created_at=now)
    audit.record(actor=actor, action="training.contest_create", obj=contest, at=now)
    return contest


@transaction.atomic
def round_add(
    *, actor: User, contest: Contest, kind: str, name: str, exam: Exam | None = None, now=None
) -> ContestRound:
    """Add a round. A preliminary round is an online exam the organiser owns; team and final rounds are
    scored by the judges. Refuses NOT_ALLOWED (403), INVALID (kind; a preliminary round without an exam of
    the organiser's subtree, or an exam already used by a round)."""
    _may_run(actor, contest.org_unit)
    if kind not in ContestRound.Kind.values or not (name or "").strip():
        raise refusal(codes.INVALID, _("赛段类型和名称必填。"), field="kind")
    if kind == ContestRound.Kind.PRELIMINARY:
        if exam is None or not exam.org_unit.path.startswith(contest.org_unit.path):
            raise refusal(codes.INVALID, _("初赛须关联本机构组织的线上考试。"), field="exam")
        if ContestRound.objects.filter(exam=exam).exists():
            raise refusal(codes.INVALID, _("该考试已用于其他赛段。"), field="exam")
    sequence = contest.rounds.count() + 1
    stage = ContestRound.objects.create(
        contest=contest,
        kind=kind,
        name=name.strip()[:100],
        sequence=sequence,
        exam=exam if kind == "preliminary" else None,
    )
    audit.record(actor=actor, action="training.round_add", obj=contest, changes={"round": stage.name}, at=now)
    return stage


@transaction.atomic
def team_create(
    *, actor: User, contest: Contest, org_unit: OrgUnit, name: str, members: list[StaffMember], now=None
) -> ContestTeam:
    """A branch's team. Refuses NOT_ALLOWED (403), INVALID (a unit outside the contest's organiser, a
    member who is not on that unit's roster subtree or has left, no members, a second team of one unit)."""
    _may_run(actor, contest.org_unit)
    if not org_unit.path.startswith(contest.org_unit.path):
        raise refusal(codes.INVALID, _("代表机构不在竞赛范围内。"), field="org_unit")
    if not members or any(m.left_on or not m.org_unit.path.startswith(org_unit.path) for m in members):
        raise refusal(codes.INVALID, _("队员须是该机构的在职员工。"), field="members")
    if ContestTeam.objects.filter(contest=contest, org_unit=org_unit).exists():
        raise refusal(codes.INVALID, _("该机构已有代表队。"), field="org_unit")
    team = ContestTeam.objects.create(contest=contest, org_unit=org_unit, name=(name or org_unit.name)[:100])
    team.members.set(members)
    audit.record(actor=actor, action="training.team_create", obj=contest, changes={"team": team.name}, at=now)
    return team


@transaction.atomic
def team_score_set(
    *, actor: User, stage: ContestRound, team: ContestTeam, score, seconds_used: int = 0, now=None
) -> TeamScore:
    """Enter (or correct) a team's score in a team or final round. Refuses NOT_ALLOWED (403), INVALID (a
    preliminary round, a team of another contest, a negative score)."""
    _may_run(actor, stage.contest.org_unit)
    if stage.kind == ContestRound.Kind.PRELIMINARY or team.contest_id != stage.contest_id:
        raise refusal(codes.INVALID, _("只能为本竞赛的团体赛或决赛录入团队成绩。"), field="round")
    try:
        score = Decimal(str(score))
    except InvalidOperation:
        score = Decimal(-1)
    if score < 0 or int(seconds_used) < 0:
        raise refusal(codes.INVALID, _("成绩和用时不能为负数。"), field="score")
    row, _created = TeamScore.objects.update_or_create(
        round=stage, team=team, defaults={"score": score, "seconds_used": int(seconds_used)}
    )
    audit.record(
        actor=actor, action="training.team_score", obj=stage.contest, changes={"team": team.pk, "score": score}, at=now
    )
    return row


@transaction.atomic
def award_give(
    *,
    actor: User,
    contest: Contest,
    title: str,
    rank: int,
    team: ContestTeam | None = None,
    staff: StaffMember | None = None,
    now: datetime | None = None,
) -> Award:
    """An award to a team or a person of this contest. Refuses NOT_ALLOWED (403), INVALID (both or neither,
    a team of another contest, a person who did not take part)."""
    from xiaobao.training.contest_selectors import participant_ids

    _may_run(actor, contest.org_unit)
    if (team is None) == (staff is None) or not (title or "").strip():
        raise refusal(codes.INVALID, _("奖项须授予一个团队或一名个人。"), field="team")
    if team is not None and team.contest_id != contest.pk:
        raise refusal(codes.INVALID, _("该团队不属于本竞赛。"), field="team")
    if staff is not None and staff.pk not in participant_ids(contest):
        raise refusal(codes.INVALID, _("该员工未参加本竞赛。"), field="staff")
    award = Award.objects.create(contest=contest, title=title.strip()[:100], rank=rank, team=team, staff=staff)
    audit.record(actor=actor, action="training.award", obj=contest, changes={"award": award.title}, at=now)
    return award
