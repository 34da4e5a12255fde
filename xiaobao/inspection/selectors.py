"""Inspection reads, each filtered by the caller's data scope (pages and API call the same functions).

Who sees what: an inspector (or anyone holding inspection.view_finding) sees findings and interactions of
the units in their scope; an agent (inspection.contest_finding only) sees the findings about their own
work and those interactions, nothing else. Rules and score sheets are company-wide code tables.
"""

from __future__ import annotations

import itertools
from datetime import date, datetime, time, timedelta

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone

from xiaobao.core import sorting
from xiaobao.core.models import OrgUnit
from xiaobao.inspection.models import (
    Finding,
    IntakeBatch,
    Interaction,
    ManualReview,
    Rule,
    RuleVersion,
    ScanJob,
    ScoreSheet,
)

VIEW_FINDING = "inspection.view_finding"
VIEW_INTERACTION = "inspection.view_interaction"
REVIEW = "inspection.review_finding"
CONTEST = "inspection.contest_finding"
#: statuses that mean "the robot's finding stands" (not dismissed as false, not withdrawn by a rule change)
STANDING = (
    Finding.Status.OPEN,
    Finding.Status.CONFIRMED,
    Finding.Status.ESCALATED,
    Finding.Status.CONTESTED,
    Finding.Status.RECTIFIED,
)
CONFIRMED = (Finding.Status.CONFIRMED, Finding.Status.RECTIFIED)


def _authenticated(user) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def only_own(user) -> bool:
    """An agent: sees only findings about their own work."""
    return _authenticated(user) and not user.has_perm(VIEW_FINDING) and user.has_perm(CONTEST)


def _findings(user) -> QuerySet[Finding]:
    if not _authenticated(user):
        return Finding.objects.none()
    if user.has_perm(VIEW_FINDING):
        return Finding.objects.visible_to(user)
    if user.has_perm(CONTEST):
        return Finding.objects.filter(agent=user)
    return Finding.objects.none()


def _interactions(user) -> QuerySet[Interaction]:
    if not _authenticated(user):
        return Interaction.objects.none()
    if user.has_perm(VIEW_INTERACTION):
        return Interaction.objects.visible_to(user)
    if user.has_perm(CONTEST):
        return Interaction.objects.filter(agent=user)
    return Interaction.objects.none()


def _day_start(value: date) -> datetime:
    return timezone.make_aware(datetime.combine(value, time.min))


def _period(rows, field: str, filters: dict):
    if filters.get("date_from"):
        rows = rows.filter(**{f"{field}__gte": _day_start(filters["date_from"])})
    if filters.get("date_to"):
        rows = rows.filter(**{f"{field}__lt": _day_start(filters["date_to"]) + timedelta(days=1)})
    return rows


def _unit(rows, filters: dict, field: str = "org_unit"):
    if filters.get("org_unit"):
        unit = OrgUnit.objects.filter(pk=filters["org_unit"]).only("path").first()
        rows = rows.filter(**{f"{field}__path__startswith": unit.path}) if unit else rows.none()
    return rows


def findings_visible_to(user, filters: dict | None = None) -> QuerySet[Finding]:
    """Findings the user may see: undecided ones first (what the inspector acts on), then by severity, newest
    first; or by a whitelisted column (`sort`: a FINDING_SORT_KEYS key, "-" for descending; an unknown key keeps
    the default). filters: status (or "undecided"), severity, rule (id), agent (id), org_unit (id, with its
    subtree), channel, kind, date_from/date_to (interaction start), q."""
    filters = filters or {}
    rows = _findings(user).select_related("rule", "interaction", "agent", "org_unit")
    status = filters.get("status")
    if status == "undecided":
        rows = rows.filter(status__in=Finding.UNDECIDED)
    elif status:
        rows = rows.filter(status=status)
    for key in ("severity", "rule", "agent"):
        if filters.get(key):
            rows = rows.filter(**{key: filters[key]})
    if filters.get("channel"):
        rows = rows.filter(interaction__channel=filters["channel"])
    if filters.get("kind"):
        rows = rows.filter(interaction__kind=filters["kind"])
    rows = _unit(rows, filters)
    rows = _period(rows, "interaction__started_at", filters)
    if filters.get("q"):
        term = str(filters["q"]).strip()
        rows = rows.filter(Q(interaction__source_id__icontains=term) | Q(evidence__icontains=term))
    undecided_first = Case(
        When(status__in=Finding.UNDECIDED, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    rows = rows.order_by(undecided_first.asc(), "-severity", "-created_at", "-id")
    return sorting.apply_sort(rows, filters.get("sort"), FINDING_SORT_KEYS)


# Columns the lists may be sorted by (core/sorting.py); anything else in `sort` is ignored.
FINDING_SORT_KEYS = {
    "severity": ("severity",),
    "rule": ("rule__code",),
    "source_id": ("interaction__source_id",),
    "started_at": ("interaction__started_at",),
    "org_unit": ("org_unit__path",),
    "status": ("status",),
}
INTERACTION_SORT_KEYS = {
    "source_id": ("source_id",),
    "kind": ("kind",),
    "channel": ("channel",),
    "purpose": ("purpose",),
    "agent": ("agent_code",),
    "started_at": ("started_at",),
    "finding_count": ("finding_count",),
}
CALL_TASK_SORT_KEYS = {
    "purpose": ("purpose",),
    "ref": ("ref",),
    "org_unit": ("org_unit__path",),
    "due_on": ("due_on",),
    "status": ("status",),
    "attempts": ("attempts",),
    "next_call_at": ("next_call_at",),
}


def get_finding_for_user(user, pk: int) -> Finding:
    """One finding the user may see; 404 (not 403) outside scope, so ids reveal nothing."""
    found = _findings(user).select_related("rule", "rule_version", "interaction", "agent", "org_unit").filter(pk=pk)
    finding = found.first()
    if finding is None:
        raise Http404
    return finding


def interactions_visible_to(user, filters: dict | None = None) -> QuerySet[Interaction]:
    """Interactions the user may see, newest first, or by a whitelisted column (`sort`, INTERACTION_SORT_KEYS).
    filters: kind, channel, purpose, agent, org_unit, date_from/date_to, with_findings (bool), q (source id)."""
    filters = filters or {}
    rows = _interactions(user).select_related("agent", "org_unit")
    for key in ("kind", "channel", "purpose", "agent"):
        if filters.get(key):
            rows = rows.filter(**{key: filters[key]})
    rows = _unit(rows, filters)
    rows = _period(rows, "started_at", filters)
    if filters.get("with_findings"):
        rows = rows.filter(finding_count__gt=0)
    if filters.get("q"):
        rows = rows.filter(source_id__icontains=str(filters["q"]).strip())
    return sorting.apply_sort(rows.order_by("-started_at", "-id"), filters.get("sort"), INTERACTION_SORT_KEYS)


def get_interaction_for_user(user, pk: int) -> Interaction:
    found = _interactions(user).select_related("agent", "org_unit").filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def transcript(interaction: Interaction, findings) -> list[dict]:
    """The masked turns, each split into segments so the hits can be highlighted: [{speaker, start, end,
    segments: [(text, [finding ids])]}]. Offsets of the masked copy equal those of the stored text."""
    by_turn: dict[int, list[Finding]] = {}
    for finding in findings:
        if finding.turn >= 0:
            by_turn.setdefault(finding.turn, []).append(finding)
    turns = []
    for index, turn in enumerate(interaction.masked_turns or []):
        text = str(turn.get("text") or "")
        cuts = {0, len(text)}
        for f in by_turn.get(index, []):
            cuts.update((min(f.start, len(text)), min(f.end, len(text))))
        edges = sorted(cuts)
        segments = []
        for left, right in itertools.pairwise(edges):
            covering = [f.pk for f in by_turn.get(index, []) if f.start <= left and f.end >= right]
            segments.append((text[left:right], covering))
        turns.append({**turn, "index": index, "segments": segments})
    return turns


def findings_of(user, interaction: Interaction) -> QuerySet[Finding]:
    return _findings(user).filter(interaction=interaction).select_related("rule").order_by("turn", "start")


# --- rules ----------------------------------------------------------------------------------------


def rules_for(user) -> QuerySet[Rule]:
    """Every rule (a company-wide code table) with its decided counts, for those who may see findings."""
    if not _authenticated(user) or not (user.has_perm(VIEW_FINDING) or user.has_perm("inspection.view_rule")):
        return Rule.objects.none()
    return (
        Rule.objects.select_related("current", "owner")
        .annotate(
            confirmed=Count("findings", filter=Q(findings__status__in=CONFIRMED)),
            dismissed=Count("findings", filter=Q(findings__status=Finding.Status.DISMISSED)),
            undecided=Count("findings", filter=Q(findings__status__in=Finding.UNDECIDED)),
        )
        .order_by("-severity", "code")
    )


def false_positive_rate(rule) -> float | None:
    """误报率: findings dismissed as false / findings decided (confirmed, rectified or dismissed)."""
    decided = (rule.confirmed or 0) + (rule.dismissed or 0)
    return round(100 * rule.dismissed / decided, 1) if decided else None


def get_rule_for_user(user, pk: int) -> Rule:
    rule = rules_for(user).filter(pk=pk).first()
    if rule is None:
        raise Http404
    return rule


def versions_of(rule: Rule) -> QuerySet[RuleVersion]:
    return rule.versions.select_related("created_by", "published_by").order_by("-number")


def dismissals_of(user, rule: Rule, limit: int = 20) -> QuerySet[Finding]:
    """The reasons given when this rule's findings were dismissed (what the owner tunes the rule by)."""
    return findings_visible_to(user, {"rule": rule.pk, "status": Finding.Status.DISMISSED}).order_by("-decided_at")[
        :limit
    ]


# --- jobs, batches, samples -------------------------------------------------------------------------


def scan_jobs_for(user) -> QuerySet[ScanJob]:
    if not _authenticated(user) or not user.has_perm("inspection.view_scanjob"):
        return ScanJob.objects.none()
    return ScanJob.objects.select_related("created_by").order_by("-created_at", "-id")


def get_scan_job_for_user(user, pk: int) -> ScanJob:
    job = scan_jobs_for(user).filter(pk=pk).first()
    if job is None:
        raise Http404
    return job


def batches_visible_to(user) -> QuerySet[IntakeBatch]:
    return IntakeBatch.objects.visible_to(user).select_related("created_by").order_by("-created_at", "-id")


def get_batch_for_user(user, pk: int) -> IntakeBatch:
    batch = batches_visible_to(user).filter(pk=pk).first()
    if batch is None:
        raise Http404
    return batch


def reviews_visible_to(user, filters: dict | None = None) -> QuerySet[ManualReview]:
    filters = filters or {}
    rows = ManualReview.objects.visible_to(user).select_related("interaction", "agent", "sheet", "reviewer")
    if filters.get("status"):
        rows = rows.filter(status=filters["status"])
    return rows.order_by("status", "-sampled_at", "-id")


def get_review_for_user(user, pk: int) -> ManualReview:
    review = reviews_visible_to(user).filter(pk=pk).first()
    if review is None:
        raise Http404
    return review


def active_sheets() -> QuerySet[ScoreSheet]:
    return ScoreSheet.objects.filter(is_active=True).order_by("code", "-version")


def agreement(user, filters: dict | None = None) -> dict:
    """Manual vs robot on the items that name a rule, over scored samples in scope: how often the person
    and the robot agree (person failed the item ⇔ robot hit the rule)."""
    rows = reviews_visible_to(user, {"status": ManualReview.Status.DONE}).values_list("scores", "robot")
    agree = total = 0
    for scores, robot in rows:
        for code, hit in (robot or {}).items():
            if code in (scores or {}):
                total += 1
                agree += (not scores[code]["passed"]) == bool(hit)
    return {"items": total, "agree": agree, "rate": round(100 * agree / total, 1) if total else None}


# --- figures for indicators: unscoped, per unit, no person behind them ------------------------------


def figures_by_unit(date_from: date, date_to: date) -> dict[int, dict]:
    """{unit id: {received, scanned, violating}} for interactions that started from `date_from` to `date_to`
    (inclusive, local dates), each unit's own. violating: interactions with at least one finding that stands
    (not dismissed as false with a reason, not withdrawn by a rule change) — an undecided finding counts, so
    leaving findings unreviewed cannot lower the rate. One grouped query."""
    rows = (
        Interaction.objects.filter(
            started_at__gte=_day_start(date_from), started_at__lt=_day_start(date_to) + timedelta(days=1)
        )
        .order_by()
        .values("org_unit")
        .annotate(
            received=Count("pk", distinct=True),
            scanned=Count("pk", filter=Q(scanned_at__isnull=False), distinct=True),
            violating=Count("pk", filter=Q(findings__status__in=STANDING), distinct=True),
        )
    )
    return {row.pop("org_unit"): row for row in rows}


def figures_watermark() -> tuple:
    """Moves whenever a figure above can move (an interaction received or scanned, a finding decided)."""
    from django.db.models import Max

    a = Interaction.objects.order_by().aggregate(n=Count("pk"), s=Max("scanned_at"))
    b = Finding.objects.order_by().aggregate(n=Count("pk"), d=Max("decided_at"), c=Max("closed_at"))
    return (str(a["n"]), str(a["s"]), str(b["n"]), str(b["d"]), str(b["c"]))


# --- outbound 回访 ----------------------------------------------------------------------------------


def call_tasks_visible_to(user, filters: dict | None = None):
    """Outbound call tasks in the user's scope (inspection.view_calltask), filtered by purpose and status: those
    still to call first, the earliest 应回访日期 first, then the finished ones newest first; or by a whitelisted
    column (`sort`, CALL_TASK_SORT_KEYS)."""
    from xiaobao.inspection.models import CallTask

    filters = filters or {}
    rows = CallTask.objects.visible_to(user).select_related("org_unit")
    if filters.get("purpose"):
        rows = rows.filter(purpose=filters["purpose"])
    if filters.get("status"):
        rows = rows.filter(status=filters["status"])
    default = sorting.action_first(Q(status__in=CallTask.OPEN), due="due_on", recent="created_at")
    return sorting.apply_sort(rows.order_by(*default), filters.get("sort"), CALL_TASK_SORT_KEYS)


def outbound_batches_visible_to(user):
    from xiaobao.inspection.models import OutboundBatch

    return OutboundBatch.objects.visible_to(user).select_related("created_by")


def get_outbound_batch_for_user(user, pk: int):
    found = outbound_batches_visible_to(user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found
