"""Review reads, each filtered by the caller's data scope (pages and API call the same functions).

Who sees a review (issue 6, "permissions"):
- its submitter, always;
- a business-department clerk (dept_clerk): reviews of the same department (User.department) filed in
  their org unit's subtree — a clerk with no department sees only their own;
- a reviewer: the reviews assigned to them;
- a committee member: the reviews with an objection referred to the 消保委员会;
- 消保部 (hq_admin) and the read-only management role: all of them.
Outside that, `get_review_for_user` answers 404, so ids reveal nothing.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from xiaobao.core import sorting
from xiaobao.core.inputs import DB_INT_MAX
from xiaobao.core.scope import scope_for
from xiaobao.reviews.models import Objection, Opinion, Review
from xiaobao.reviews.rules import COMMITTEE_ROLE, REVIEWER_ROLE, SEE_ALL_ROLES, SUBMITTER_ROLE, role_codes
from xiaobao.workflow import selectors as workflow_selectors

PROCESS_KEY = "review"
BOXES = ("todo", "mine", "all")
VIEW_PERMISSION = "reviews.view_review"

# An objection the committee has (or had) before it: referred, or decided after a referral.
REFERRED = Q(stage=Objection.Stage.COMMITTEE) | Q(stage=Objection.Stage.DECIDED, committee_decided_at__isnull=False)


def _referred_review_ids() -> QuerySet:
    return Objection.objects.filter(REFERRED).values("opinion__review")


def _visible(user) -> QuerySet[Review]:
    if user is None or not user.is_authenticated or not user.has_perm(VIEW_PERMISSION):
        return Review.objects.none()
    roles = role_codes(user)
    if user.is_superuser or roles & set(SEE_ALL_ROLES):
        return Review.objects.all()
    where = Q(submitter=user)
    if SUBMITTER_ROLE in roles and user.department:
        scope = scope_for(user, "view")
        if not scope.is_empty:
            where |= scope.q("org_unit") & Q(department=user.department)
    if REVIEWER_ROLE in roles:
        where |= Q(reviewer=user)
    if COMMITTEE_ROLE in roles:
        where |= Q(pk__in=_referred_review_ids())
    return Review.objects.filter(where)


def _day_start(value) -> datetime:
    day = value if isinstance(value, date) and not isinstance(value, datetime) else date.fromisoformat(str(value))
    return timezone.make_aware(datetime.combine(day, time.min))


def reviews_visible_to(user, filters: dict | None = None) -> QuerySet[Review]:
    """Reviews the user may see, open ones first by the nearest deadline (finished ones newest first), or by a
    whitelisted column (`sort`: a SORT_KEYS key, "-" for descending; an unknown key keeps the default).
    filters: box (todo: waiting on the user | mine: submitted by or assigned to the user | all), status,
    form_type (code or id), department, reviewer (id), q (title, product name or number), submitted_from /
    submitted_to (dates, inclusive)."""
    filters = filters or {}
    rows = _visible(user).select_related("org_unit", "form_version__form_type", "submitter", "reviewer")
    box = filters.get("box") or "all"
    if box == "todo":
        rows = rows.filter(pk__in=_todo_ids(user))
    elif box == "mine":
        rows = rows.filter(Q(submitter=user) | Q(reviewer=user))
    if filters.get("status"):
        rows = rows.filter(status=filters["status"])
    if filters.get("form_type"):
        value = str(filters["form_type"])
        rows = rows.filter(
            Q(form_version__form_type__code=value)
            | (Q(form_version__form_type=value) if value.isdigit() and int(value) <= DB_INT_MAX else Q())
        )
    if filters.get("department"):
        rows = rows.filter(department=filters["department"])
    if filters.get("reviewer"):
        rows = rows.filter(reviewer=filters["reviewer"])
    if filters.get("submitted_from"):
        rows = rows.filter(submitted_at__gte=_day_start(filters["submitted_from"]))
    if filters.get("submitted_to"):
        rows = rows.filter(submitted_at__lt=_day_start(filters["submitted_to"]) + timedelta(days=1))
    if filters.get("q"):
        term = str(filters["q"]).strip()
        rows = rows.filter(Q(title__icontains=term) | Q(product_name__icontains=term) | Q(number__icontains=term))
    default = sorting.action_first(Q(status__in=Review.OPEN_STATUSES), due="due_at", recent="submitted_at")
    return sorting.apply_sort(rows.order_by(*default), filters.get("sort"), SORT_KEYS)


# Columns the review list may be sorted by (core/sorting.py); anything else in `sort` is ignored.
SORT_KEYS = {
    "number": ("number",),
    "submitted_at": ("submitted_at",),
    "status": ("status",),
    "due_at": ("due_at",),
    "org_unit": ("org_unit__path",),
}


def _todo_ids(user) -> list[int]:
    ids = workflow_selectors.object_ids_with_tasks_for(user, PROCESS_KEY).values_list("instance__object_id", flat=True)
    return [int(i) for i in ids if str(i).isdigit()]


def get_review_for_user(user, pk: int) -> Review:
    """One review the user may see; 404 (not 403) outside scope."""
    found = (
        _visible(user)
        .select_related("org_unit", "form_version__form_type", "submitter", "reviewer")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise Http404
    return found


def opinions(review: Review) -> QuerySet[Opinion]:
    """A review's opinions in order, each with its objection if any (the caller has the review from
    get_review_for_user)."""
    return review.opinions.select_related("objection", "created_by", "responded_by").order_by("seq")


def objections_visible_to(user, filters: dict | None = None) -> QuerySet[Objection]:
    """Objections on reviews the user may see; a committee member sees only those referred to the committee
    (also when they see the review for another reason). filters: stage."""
    filters = filters or {}
    rows = Objection.objects.filter(opinion__review__in=_visible(user).values("pk")).select_related(
        "opinion__review", "rereview_by", "recorded_by"
    )
    roles = role_codes(user)
    if COMMITTEE_ROLE in roles and not (user.is_superuser or roles & set(SEE_ALL_ROLES)):
        mine = Q(opinion__review__submitter=user)
        if REVIEWER_ROLE in roles:
            mine |= Q(opinion__review__reviewer=user)
        rows = rows.filter(REFERRED | mine)
    if filters.get("stage"):
        rows = rows.filter(stage=filters["stage"])
    return rows.order_by("-raised_at", "-id")


def get_objection_for_user(user, pk: int) -> Objection:
    found = objections_visible_to(user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def open_task(review: Review, element_id: str | None = None):
    """The review's open workflow task (the step it waits at), or None."""
    return workflow_selectors.open_tasks_for_object(review, element_id, process_key=PROCESS_KEY).first()


def attachments(review: Review):
    """The review's files: the submitter's material and the evidence of changes."""
    from django.contrib.contenttypes.models import ContentType

    from xiaobao.core.models import Attachment

    return Attachment.objects.filter(
        content_type=ContentType.objects.get_for_model(Review), object_id=str(review.pk)
    ).select_related("uploaded_by")


# --- statistics: the annual report's figures (reviews_visible_to's filters, grouped SQL aggregates) ---------


def _stats_review_measures() -> dict:
    from datetime import timedelta

    from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Sum, Value

    from xiaobao.reviews.models import Review

    def days(end: str) -> Sum:
        span = ExpressionWrapper(F(end) - F("submitted_at"), output_field=DurationField())
        return Sum(span, filter=Q(**{f"{end}__isnull": False}), default=Value(timedelta(0)))

    closed = Q(status=Review.Status.CLOSED)
    return {
        "reviews": Count("pk"),
        "closed": Count("pk", filter=closed),
        "open": Count("pk", filter=Q(status__in=Review.OPEN_STATUSES)),
        "withdrawn": Count("pk", filter=Q(status=Review.Status.WITHDRAWN)),
        "urgent": Count("pk", filter=Q(urgency=Review.Urgency.URGENT)),
        "reviewed": Count("pk", filter=Q(reviewed_at__isnull=False)),
        "review_time": days("reviewed_at"),
        "closed_timed": Count("pk", filter=closed & Q(closed_at__isnull=False)),
        "close_time": Sum(
            ExpressionWrapper(F("closed_at") - F("submitted_at"), output_field=DurationField()),
            filter=closed & Q(closed_at__isnull=False),
            default=Value(timedelta(0)),
        ),
    }


def _stats_opinion_measures() -> dict:
    from django.db.models import Count, Q

    from xiaobao.reviews.models import Opinion

    answered = ~Q(response="")
    adopted = answered & Q(final_adopted=True)
    substantive = Q(kind=Opinion.Kind.SUBSTANTIVE)
    return {
        "opinions": Count("pk"),
        "substantive": Count("pk", filter=substantive),
        "answered": Count("pk", filter=answered),
        "adopted": Count("pk", filter=adopted),
        "partial": Count("pk", filter=Q(response=Opinion.Response.PARTIAL)),
        "rejected": Count("pk", filter=Q(response=Opinion.Response.REJECTED)),
        "substantive_answered": Count("pk", filter=substantive & answered),
        "substantive_adopted": Count("pk", filter=substantive & adopted),
        "to_verify": Count("pk", filter=adopted & Q(requires_change=True)),
        "verified": Count("pk", filter=adopted & Q(requires_change=True, verified_at__isnull=False)),
    }


def _stats_objection_measures() -> dict:
    from django.db.models import Count, Q

    from xiaobao.reviews.models import Objection

    S, OC = Objection.Stage, Objection.Outcome
    return {
        "objections": Count("pk"),
        "objections_pending": Count("pk", filter=~Q(stage=S.DECIDED)),
        "objections_committee": Count("pk", filter=Q(stage=S.COMMITTEE) | Q(committee_decided_at__isnull=False)),
        "objections_upheld": Count("pk", filter=Q(stage=S.DECIDED, outcome=OC.OPINION_UPHELD)),
        "objections_withdrawn": Count("pk", filter=Q(stage=S.DECIDED, outcome=OC.OPINION_WITHDRAWN)),
        "objections_modified": Count("pk", filter=Q(stage=S.DECIDED, outcome=OC.OPINION_MODIFIED)),
    }


def _stats_grouped(rows, group: list | None, measures: dict) -> dict[tuple, dict]:
    """{group key: measures}: one grouped aggregate query; `group=None` is the one row of totals."""
    if group is None:
        return {(): rows.order_by().aggregate(**measures)}
    names = {f"group_{i}": expression for i, expression in enumerate(group)}
    found = {}
    for row in rows.order_by().values(**names).annotate(**measures).order_by():
        found[tuple(row.pop(name) for name in names)] = row
    return found


def _stats_ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def _stats_finish(row: dict) -> dict:
    """Rates and averages from the row's own numerators and denominators (never an average of averages)."""
    review_time, close_time = row.pop("review_time"), row.pop("close_time")
    row["review_days_total"] = review_time.total_seconds() / 86400
    row["close_days_total"] = close_time.total_seconds() / 86400
    row["avg_review_days"] = _stats_ratio(row["review_days_total"], row["reviewed"])
    row["avg_close_days"] = _stats_ratio(row["close_days_total"], row["closed_timed"])
    row["adoption_rate"] = _stats_ratio(row["adopted"], row["answered"])
    row["substantive_adoption_rate"] = _stats_ratio(row["substantive_adopted"], row["substantive_answered"])
    return row


def _stats_breakdown(base, group) -> dict[tuple, dict]:
    """Review, opinion and objection measures per group, `group(prefix)` naming the grouping through a
    relation prefix ("" for reviews, "review__" for opinions, "opinion__review__" for objections)."""
    from xiaobao.reviews.models import Objection, Opinion

    def spec(prefix: str):
        return None if group is None else group(prefix)

    reviews = _stats_grouped(base, spec(""), _stats_review_measures())
    opinions = _stats_grouped(Opinion.objects.filter(review__in=base), spec("review__"), _stats_opinion_measures())
    objections = _stats_grouped(
        Objection.objects.filter(opinion__review__in=base), spec("opinion__review__"), _stats_objection_measures()
    )
    found = {}
    for key in reviews:  # every opinion and objection belongs to a review of its group
        found[key] = _stats_finish(
            {**_stats_zeros(), **reviews[key], **opinions.get(key, {}), **objections.get(key, {})}
        )
    return found


def _stats_zeros() -> dict:
    from datetime import timedelta

    return {
        **dict.fromkeys(_stats_review_measures(), 0),
        "review_time": timedelta(0),
        "close_time": timedelta(0),
        **dict.fromkeys(_stats_opinion_measures(), 0),
        **dict.fromkeys(_stats_objection_measures(), 0),
    }


def _stats_opinions_by(base, field: str, choices) -> list[dict]:
    """Opinions per kind or per consumer right, with their answers and adoption (labels in choice order)."""
    from django.db.models import F

    from xiaobao.reviews.models import Opinion

    measures = _stats_opinion_measures()
    grouped = _stats_grouped(Opinion.objects.filter(review__in=base), [F(field)], measures)
    rows = []
    for value, label in [*choices, ("", None)]:
        data = grouped.get((value,))
        if data is None:
            if value == "":
                continue
            data = dict.fromkeys(measures, 0)
        data = {**data, "key": value, "label": str(label) if label else "—"}
        data["unanswered"] = data["opinions"] - data["answered"]
        data["adoption_rate"] = _stats_ratio(data["adopted"], data["answered"])
        rows.append(data)
    return rows


def _stats_objections(base) -> dict:
    """Objections per outcome and per deciding body (review lead's re-review or the committee), and pending."""
    from django.db.models import Count, Q

    from xiaobao.reviews.models import Objection

    S = Objection.Stage
    rows = Objection.objects.filter(opinion__review__in=base).order_by()
    by_committee = Q(committee_decided_at__isnull=False)
    grouped = {
        outcome: (n, committee)
        for outcome, n, committee in rows.filter(stage=S.DECIDED)
        .values_list("outcome")
        .annotate(n=Count("pk"), committee=Count("pk", filter=by_committee))
    }
    pending = dict(rows.exclude(stage=S.DECIDED).values_list("stage").annotate(n=Count("pk")))
    outcomes = []
    for value, label in Objection.Outcome.choices:
        n, committee = grouped.get(value, (0, 0))
        outcomes.append(
            {"key": value, "label": str(label), "total": n, "committee": committee, "rereview": n - committee}
        )
    decided = sum(row["total"] for row in outcomes)
    committee = sum(row["committee"] for row in outcomes)
    return {
        "outcomes": outcomes,
        "decided": decided,
        "decided_by_rereview": decided - committee,
        "decided_by_committee": committee,
        "pending_rereview": pending.get(S.REREVIEW, 0),
        "pending_committee": pending.get(S.COMMITTEE, 0),
        "total": decided + sum(pending.values()),
    }


def statistics(user, filters: dict | None = None) -> dict:
    """审查统计: the reviews `reviews_visible_to(user, filters)` lists, counted for the annual report — by form
    type, by submitting department, by month; opinions by kind and by consumer right; objections by outcome.
    Every breakdown partitions the same reviews, so each 合计 equals the list's count for the same filters.

    Grouped SQL aggregates only (a handful of queries, whatever the number of reviews). Definitions:
    - 采纳率 = opinions finally adopted ÷ opinions answered. "Finally adopted" is `Opinion.final_adopted`, the
      binding result after any objection: a 部分采纳 answer counts as adopted when its final result is adopted
      (the partial count is shown beside it); an opinion withdrawn after an objection counts as not adopted; an
      opinion still in objection counts as answered, not (yet) adopted.
    - 平均办结天数 = calendar days from submitted_at to closed_at, over closed reviews; 平均出具意见天数 = from
      submitted_at to reviewed_at, over reviews whose opinions were issued.
    - Rates and averages are recomputed from their numerators and denominators at every level (never averaged).
    """
    from django.db.models import F, Q
    from django.db.models.functions import TruncMonth
    from django.utils import timezone

    from xiaobao.core.models import OrgUnit
    from xiaobao.reviews.models import ConsumerRight, FormType, Opinion, Review

    filters = dict(filters or {})
    base = Review.objects.filter(pk__in=reviews_visible_to(user, filters).order_by().values("pk"))

    totals = _stats_breakdown(base, None)[()]

    by_type = _stats_breakdown(base, lambda p: [F(f"{p}form_version__form_type")])
    listed = FormType.objects.filter(Q(is_active=True) | Q(pk__in=[key[0] for key in by_type]))
    type_rows = []
    for form_type in listed.order_by("sort", "code"):  # every active type, with or without reviews
        row = by_type.get((form_type.pk,)) or _stats_finish(_stats_zeros())
        type_rows.append({**row, "key": form_type.code, "label": form_type.name})

    by_department = _stats_breakdown(base, lambda p: [F(f"{p}org_unit"), F(f"{p}department")])
    units = {u.pk: u for u in OrgUnit.objects.filter(pk__in={k[0] for k in by_department})}
    department_rows = [
        {
            **row,
            "key": f"{unit_id}:{department}",
            "label": department or "—",
            "unit": units[unit_id].name,
            "unit_short": units[unit_id].short_name or units[unit_id].name,
            "department": department,
            "path": units[unit_id].path,
            "unit_depth": units[unit_id].depth,
        }
        for (unit_id, department), row in by_department.items()
    ]
    department_rows.sort(key=lambda row: (row["path"], -row["reviews"], row["department"]))

    by_month = _stats_breakdown(base, lambda p: [TruncMonth(f"{p}submitted_at")])
    month_rows = []
    for (month,), row in sorted(by_month.items(), key=lambda item: item[0]):
        label = timezone.localtime(month).strftime("%Y-%m") if timezone.is_aware(month) else month.strftime("%Y-%m")
        month_rows.append({**row, "key": label, "label": label})

    return {
        "now": filters.get("now") or timezone.now(),
        "totals": totals,
        "by_type": type_rows,
        "by_department": department_rows,
        "by_month": month_rows,
        "opinions_by_kind": _stats_opinions_by(base, "kind", Opinion.Kind.choices),
        "opinions_by_right": _stats_opinions_by(base, "right", ConsumerRight.choices),
        "objections": _stats_objections(base),
    }


# --- figures for indicators (issue 9): unscoped, per unit, no person behind them ---------------------------
# The indicator engine (xiaobao.indicators, above this app) computes every unit's figures for a period and
# scopes what it shows itself. Same definitions as `statistics` above (reviews by submission date; 采纳率 =
# finally adopted ÷ answered), so the cockpit and the review statistics agree.


def figures_by_unit(date_from, date_to) -> dict[int, dict]:
    """{submitting unit id: {reviews, substantive, answered, adopted}} for reviews submitted from `date_from`
    to `date_to` (dates, inclusive) and their opinions — each unit's own reviews, not its subtree.
    Two grouped queries."""
    from django.db.models import Count

    base = Review.objects.filter(
        submitted_at__gte=_day_start(date_from), submitted_at__lt=_day_start(date_to) + timedelta(days=1)
    ).order_by()
    found: dict[int, dict] = {}
    for unit, n in base.values_list("org_unit").annotate(n=Count("pk")):
        found[unit] = {"reviews": n, "substantive": 0, "answered": 0, "adopted": 0}
    measures = _stats_opinion_measures()
    opinions = (
        Opinion.objects.filter(review__in=base.values("pk"))
        .order_by()
        .values("review__org_unit")
        .annotate(substantive=measures["substantive"], answered=measures["answered"], adopted=measures["adopted"])
    )
    for row in opinions:
        found[row.pop("review__org_unit")].update(row)
    return found


def figures_watermark() -> tuple:
    """Changes whenever a figure above can change (a review submitted, an opinion added or answered); the
    indicator sweep recomputes only when this moved. Two aggregate queries."""
    from django.db.models import Count, Max

    reviews = Review.objects.order_by().aggregate(n=Count("pk"), last=Max("pk"))
    opinions = Opinion.objects.order_by().aggregate(
        n=Count("pk"), answered=Count("pk", filter=~Q(response="")), adopted=Count("pk", filter=Q(final_adopted=True))
    )
    return (*(str(v) for v in reviews.values()), *(str(v) for v in opinions.values()))
