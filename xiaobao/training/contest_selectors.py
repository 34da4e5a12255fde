"""Contest reads: participants, the live leaderboard of a round, the individual and team rankings."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db.models import Q

from xiaobao.training.models import Attempt, Contest, ContestRound, StaffMember


def participant_ids(contest: Contest) -> set[int]:
    """Everyone who handed in a preliminary paper or played in a team."""
    sat = Attempt.objects.filter(exam__contest_round__contest=contest).exclude(status=Attempt.Status.IN_PROGRESS)
    ids = set(sat.values_list("staff_id", flat=True))
    ids |= set(StaffMember.objects.filter(contest_teams__contest=contest).values_list("pk", flat=True))
    return ids


def _best_sittings(exam_ids) -> dict[tuple[int, int], tuple]:
    """(exam, person) -> (score, seconds, submitted_at) of their best sitting."""
    best = {}
    rows = (
        Attempt.objects.filter(exam_id__in=exam_ids)
        .exclude(status=Attempt.Status.IN_PROGRESS)
        .values_list("exam_id", "staff_id", "score", "seconds_used", "submitted_at")
    )
    for exam_id, staff_id, score, seconds, submitted in rows:
        candidate = (score or Decimal(0), seconds or 0, submitted)
        key = (exam_id, staff_id)
        if key not in best or (-candidate[0], candidate[1], candidate[2]) < (-best[key][0], best[key][1], best[key][2]):
            best[key] = candidate
    return best


def individual_ranking(contest: Contest, *, stage: ContestRound | None = None, limit: int | None = None) -> list[dict]:
    """People ranked by total best score over the preliminary rounds (or one round), then least time, then
    earliest hand-in. Equal score and time share a rank."""
    rounds = contest.rounds.filter(kind=ContestRound.Kind.PRELIMINARY, exam__isnull=False)
    if stage is not None:
        rounds = rounds.filter(pk=stage.pk)
    best = _best_sittings(list(rounds.values_list("exam_id", flat=True)))
    totals: dict[int, list] = defaultdict(lambda: [Decimal(0), 0, None])
    for (_exam, staff_id), (score, seconds, submitted) in best.items():
        row = totals[staff_id]
        row[0] += score
        row[1] += seconds
        row[2] = max(filter(None, [row[2], submitted]), default=None)
    people = StaffMember.objects.select_related("org_unit").in_bulk(list(totals)) if totals else {}
    ordered = sorted(totals.items(), key=lambda kv: (-kv[1][0], kv[1][1], kv[1][2] or 0))
    if limit:
        ordered = ordered[:limit]
    ranking, previous, rank = [], None, 0
    for position, (staff_id, (score, seconds, _submitted)) in enumerate(ordered, 1):
        if (score, seconds) != previous:
            rank, previous = position, (score, seconds)
        person = people[staff_id]
        ranking.append(
            {
                "rank": rank,
                "staff": person,
                "unit": person.org_unit.name if person.org_unit_id else "",
                "score": score,
                "seconds": seconds,
            }
        )
    return ranking


def team_ranking(contest: Contest) -> list[dict]:
    """Teams by final-round score, then the team rounds' total, then least total time."""
    rows = defaultdict(lambda: {"final": Decimal(0), "team_rounds": Decimal(0), "seconds": 0})
    teams = {t.pk: t for t in contest.teams.select_related("org_unit")}
    for score in contest.rounds.filter(~Q(kind=ContestRound.Kind.PRELIMINARY)).values_list(
        "kind", "team_scores__team_id", "team_scores__score", "team_scores__seconds_used"
    ):
        kind, team_id, points, seconds = score
        if team_id is None:
            continue
        rows[team_id]["final" if kind == ContestRound.Kind.FINAL else "team_rounds"] += points
        rows[team_id]["seconds"] += seconds
    for team_id in teams:
        rows[team_id]  # teams without scores still appear, last
    ordered = sorted(rows.items(), key=lambda kv: (-kv[1]["final"], -kv[1]["team_rounds"], kv[1]["seconds"]))
    return [{"rank": i, "team": teams[team_id], **values} for i, (team_id, values) in enumerate(ordered, 1)]


def contests_for(user):
    return Contest.objects.visible_to(user).select_related("org_unit")
