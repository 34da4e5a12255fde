"""Complaint reads, each filtered by the caller's data scope (pages and API call the same functions).

Who sees a complaint: people with complaints.view_complaint whose reach covers its responsible
unit (a branch sees its sub-branches' complaints, head office sees all), plus whoever registered
it and whoever handles it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_noop

from xiaobao.complaints.models import Complaint
from xiaobao.core import sorting
from xiaobao.core.crypto import blind_index
from xiaobao.core.models import OrgUnit
from xiaobao.core.scope import scope_for
from xiaobao.workflow import selectors as workflow_selectors
from xiaobao.workorders import selectors as workorder_selectors

PROCESS_KEY = "complaint"
BOXES = ("todo", "all")
VIEW_PERMISSION = "complaints.view_complaint"
CATEGORY_FILTERS = ("business_category", "cause_category", "demand_category", "root_cause")


def _visible(user) -> QuerySet[Complaint]:
    if user is None or not user.is_authenticated or not user.has_perm(VIEW_PERMISSION):
        return Complaint.objects.none()
    scope = scope_for(user, "view")
    if scope.everything:
        return Complaint.objects.all()
    where = Q(registered_by=user) | Q(handler=user)
    if not scope.is_empty:
        where |= scope.q("org_unit")
    return Complaint.objects.filter(where)


def _flag(value) -> bool | None:
    if value in (None, ""):
        return None
    if isinstance(value, str):
        return value.lower() in ("1", "true", "yes", "on")
    return bool(value)


def complaints_visible_to(user, filters: dict | None = None) -> QuerySet[Complaint]:
    """Complaints the user may see, what needs action first (`action_first`), or by a whitelisted column
    (`sort`: a SORT_KEYS key, "-" for descending; an unknown key keeps the default). filters: box (todo | all), status, channel,
    org_unit (its subtree), q (number, subject, policy; or an exact phone / ID number through the
    blind index), overdue, due_before, received_from / received_to (dates or datetimes), category
    ids (business_category, cause_category, demand_category, root_cause), is_repeat, is_major (重大消费投诉,
    第二十九条), is_group (the internal group flag), clock_running (the statutory clock runs, not paused), sort."""
    filters = filters or {}
    rows = _visible(user).select_related("org_unit", "handler", "business_category", "cause_category")
    if (filters.get("box") or "all") == "todo":
        rows = rows.filter(workflow_selectors.with_open_task_for(user, Complaint, PROCESS_KEY))
    if filters.get("status"):
        rows = rows.filter(status=filters["status"])
    if filters.get("channel"):
        rows = rows.filter(channel=filters["channel"])
    if filters.get("org_unit"):
        unit = OrgUnit.objects.filter(pk=filters["org_unit"]).only("path").first()
        rows = rows.filter(org_unit__path__startswith=unit.path) if unit else rows.none()
    if _flag(filters.get("overdue")):
        rows = overdue(rows, now=filters.get("now"))
    if filters.get("due_before"):
        rows = rows.filter(due_at__lte=_moment(filters["due_before"], end=True))
    if _flag(filters.get("clock_running")):  # the statutory clock runs: a deadline in force, not yet met
        rows = rows.filter(status__in=Complaint.CLOCK_STATUSES, clock_paused_since__isnull=True)
    if filters.get("received_from"):
        rows = rows.filter(received_at__gte=_moment(filters["received_from"]))
    if filters.get("received_to"):
        rows = rows.filter(received_at__lte=_moment(filters["received_to"], end=True))
    for name in CATEGORY_FILTERS:
        if filters.get(name):
            rows = rows.filter(**{f"{name}_id": filters[name]})
    for name in ("is_repeat", "is_major", "is_group"):
        flag = _flag(filters.get(name))
        if flag is not None:
            rows = rows.filter(**{name: flag})
    if filters.get("q"):
        term = str(filters["q"]).strip()
        index = blind_index(term)
        rows = rows.filter(
            Q(number__icontains=term)
            | Q(subject__icontains=term)
            | Q(policy_number=term)
            | Q(complainant_phone_index=index)
            | Q(complainant_id_index=index)
        )
    return sorting.apply_sort(rows.order_by(*action_first()), filters.get("sort"), SORT_KEYS)


# Columns a list may be sorted by (core/sorting.py): anything else in `sort` is ignored.
SORT_KEYS = {
    "number": ("number",),
    "received_at": ("received_at",),
    "channel": ("channel",),
    "org_unit": ("org_unit__path",),
    "status": ("status",),
    "due_at": ("due_at",),
}


def action_first() -> list:
    """The default order (issue 21): what needs action first — a running statutory clock, then a paused one or a
    case awaiting 核查/回访, each by the nearest deadline in force; then finished cases, newest first."""
    return sorting.action_first(
        Q(status__in=Complaint.OPEN_STATUSES),
        urgent_q=Q(status__in=Complaint.CLOCK_STATUSES, clock_paused_since__isnull=True),
        due="due_at",
        recent="received_at",
    )


# What the list page shows of each complaint (templates/complaints/list.html, _flags.html, _clock.html and
# views.clock): only these columns are read, so the other personal data (ID number, phone, address — each
# decrypted when loaded) and the long texts stay in the database. The complainant's name is the one
# encrypted column the list shows, masked.
LIST_COLUMNS = (
    "number",
    "received_at",
    "channel",
    "complainant_name",
    "complainant_count",
    "subject",
    "status",
    "due_at",
    "due_provisional",
    "clock_paused_since",
    "decided_at",
    "is_repeat",
    "is_major",
    "is_group",
    "media_attention",
    "supervised_at",
    "org_unit__name",
    "handler__username",
    "handler__full_name",
)


def complaint_list_rows(user, filters: dict | None = None) -> QuerySet[Complaint]:
    """The list page's rows: `complaints_visible_to` (same scope, filters and order) reading only the
    columns the page shows (LIST_COLUMNS); any other attribute would cost a query per row."""
    return (
        complaints_visible_to(user, filters)
        .select_related(None)
        .select_related("org_unit", "handler")
        .only(*LIST_COLUMNS)
    )


def _moment(value, *, end: bool = False) -> datetime:
    """A filter bound: a datetime as given; a date (or 'YYYY-MM-DD') as the start or end of that day."""
    if isinstance(value, datetime):
        return value
    day = value if hasattr(value, "year") else datetime.strptime(str(value)[:10], "%Y-%m-%d").date()
    return timezone.make_aware(datetime.combine(day, datetime.max.time() if end else datetime.min.time()))


def overdue(rows: QuerySet[Complaint], *, now=None) -> QuerySet[Complaint]:
    """Complaints whose decision was not told to the complainant by the deadline in force (a clock that
    stands still for mediation or appraisal has no deadline in force yet)."""
    return rows.filter(status__in=Complaint.CLOCK_STATUSES, due_at__lt=now or timezone.now()).exclude(
        clock_paused_since__isnull=False
    )


# 按时办结率, the one definition every page, the cockpit and the board report use (docs/complaints.md):
#   denominator (应办结, `due`): every complaint whose deadline in force fell in the period (and by now),
#     decided or not — except those whose procedure ended, with no decision due, before that deadline: a
#     withdrawal received (第十五条) or a 不予办理 notice given (第十八条第四款) by then — and except a clock
#     that stands still (mediation, appraisal: its deadline is not yet in force);
#   numerator (`on_time`): of those, the decision told (decided_at) on or before the deadline in force.
#   An open complaint past its deadline is in the denominator and not on time; a late extension is refused
#   (EXTENSION_LATE), and no event entered after the deadline moves it, so nothing makes a late one on time.
ON_TIME_DEFINITION = gettext_noop(
    "按时办结率 = 在期限内告知处理决定的件数 ÷ 应办结件数。应办结件数：现行处理期限（含依规延长、暂停计时与重新"
    "计算后的期限）落在统计期间内且已届满的全部投诉，不论是否办结；期限届满前已收到撤回申请或已告知不予办理的除外，"
    "暂停计时中的除外。逾期未办结的计为未按时。"
)


def _ended_without_decision() -> Q:
    from django.db.models import F

    return Q(decided_at__isnull=True) & (
        Q(status=Complaint.Status.WITHDRAWN, withdrawn_at__lte=F("due_at"))
        | Q(status=Complaint.Status.DECLINED, declined_at__lte=F("due_at"))
    )


def due_in(rows: QuerySet[Complaint], *, date_from=None, date_to=None, now=None) -> QuerySet[Complaint]:
    """The denominator of 按时办结率: complaints whose deadline in force fell from `date_from` to `date_to`
    (dates, inclusive; open-ended when None) and by `now` (see ON_TIME_DEFINITION)."""
    now = now or timezone.now()
    rows = rows.filter(due_at__lte=now).exclude(_ended_without_decision())
    rows = rows.exclude(Q(clock_paused_since__isnull=False) & Q(decided_at__isnull=True))
    if date_from:
        rows = rows.filter(due_at__gte=_moment(date_from))
    if date_to:
        rows = rows.filter(due_at__lte=_moment(date_to, end=True))
    return rows


def _due_measures() -> dict:
    from django.db.models import Count, F

    return {
        "due": Count("pk"),
        "on_time": Count("pk", filter=Q(decided_at__lte=F("due_at"))),
        "late_open": Count("pk", filter=Q(decided_at__isnull=True)),
    }


def countdown(complaint: Complaint, *, now=None) -> dict:
    """What every list shows next to a complaint: calendar days left on the statutory clock (negative
    when overdue), or that the clock has stopped (decision told, closed, withdrawn)."""
    now = now or timezone.now()
    if complaint.status not in Complaint.CLOCK_STATUSES:
        return {"running": False, "days_left": None, "overdue": False, "due_at": complaint.due_at}
    days = (timezone.localtime(complaint.due_at).date() - timezone.localtime(now).date()).days
    return {
        "running": True,
        "days_left": days,
        "overdue": complaint.due_at < now,
        "due_soon": 0 <= days <= 3,
        "provisional": complaint.due_provisional,
        "due_at": complaint.due_at,
    }


def get_complaint_for_user(user, pk: int) -> Complaint:
    """One complaint the user may see; 404 (not 403) outside scope, so ids reveal nothing."""
    found = (
        _visible(user)
        .select_related(
            "org_unit",
            "handler",
            "registered_by",
            "respondent_staff",
            "taxonomy",
            "business_category",
            "cause_category",
            "demand_category",
            "root_cause",
        )  # not repeat_of: no page shows it, and a whole second complaint (decrypted) costs ~3 ms
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise Http404
    return found


def open_task(complaint: Complaint, element_id: str | None = None):
    """The complaint's open workflow task (the step it waits at), or None."""
    return workflow_selectors.open_tasks_for_object(complaint, element_id, process_key=PROCESS_KEY).first()


def timeline(user, complaint: Complaint):
    """The complaint's history (every step of its process), oldest first."""
    return workflow_selectors.timeline_for_object(user, complaint)


def attachments(complaint: Complaint):
    """The complaint's files (the caller has the complaint from get_complaint_for_user)."""
    from django.contrib.contenttypes.models import ContentType

    from xiaobao.core.models import Attachment

    return Attachment.objects.filter(
        content_type=ContentType.objects.get_for_model(Complaint), object_id=str(complaint.pk)
    ).select_related("uploaded_by")


def get_attachment_for_user(user, complaint_pk: int, attachment_pk: int):
    """One file of a complaint the user may see; 404 otherwise (also for another complaint's file)."""
    found = attachments(get_complaint_for_user(user, complaint_pk)).filter(pk=attachment_pk).first()
    if found is None:
        raise Http404
    return found


def clock_events(complaint: Complaint):
    """The clock's timeline: stops, restarts and 不予办理, oldest first (the caller has the complaint from
    get_complaint_for_user)."""
    return complaint.clock_events.select_related("recorded_by", "ended_by").order_by("started_at", "id")


def major_reports(complaint: Complaint):
    """The 重大消费投诉 reports to head office (第二十九条), oldest first."""
    return complaint.major_reports.select_related("reported_by").order_by("reported_at", "id")


def extensions(complaint: Complaint):
    """The recorded extensions, level 1 first (the caller has the complaint from get_complaint_for_user)."""
    return complaint.extensions.select_related("requested_by", "approved_by")


def related(user, complaint: Complaint) -> QuerySet[Complaint]:
    """The complaints linked to this one as repeats (either way), within the user's scope."""
    # Each link its own indexed lookup: `repeat_of = A OR id = B OR repeat_of = B` in one WHERE made SQLite's
    # planner (its statistics count the many NULLs of repeat_of as one value) walk the whole table, 100+ ms at
    # 20,000 rows, on every detail page.
    where = Q(pk__in=Complaint.objects.filter(repeat_of=complaint).values("pk"))
    if complaint.repeat_of_id:
        original = complaint.repeat_of_id
        where |= Q(pk=original) | Q(pk__in=Complaint.objects.filter(repeat_of=original).values("pk"))
    return _visible(user).filter(where).exclude(pk=complaint.pk).order_by("-received_at")


def linked_work_order(user, order_id: int | None) -> dict | None:
    """A work order the complaint opened (督办 or rectification), read through the work-order app's
    own scoped selector: its number, status and link — or None if absent or outside the user's scope."""
    if not order_id:
        return None
    try:
        order = workorder_selectors.get_work_order_for_user(user, order_id)
    except Http404:
        return None
    return {
        "id": order.pk,
        "number": order.number,
        "title": order.title,
        "status": order.status,
        "status_display": order.get_status_display(),
        "closed": not order.is_open,
        "closed_at": order.closed_at,
        "url": order.get_absolute_url(),
    }


def rectification_status(user, complaint: Complaint) -> dict | None:
    """溯源整改 linked back: the rectification order this complaint's root cause opened (or joined)."""
    return linked_work_order(user, complaint.rectification_order_id)


def supervision_status(user, complaint: Complaint) -> dict | None:
    """The 督办 work order the statutory deadline opened, if any."""
    return linked_work_order(user, complaint.supervision_order_id)


# --- statistics (投诉统计) ------------------------------------------------------------------------


def _statistics_measures(now) -> dict:
    """The aggregates computed for the whole and for each group, in SQL (one query per breakdown).

    The on-time figures (`due`, `on_time`) are not here: they count by the deadline in force, not by
    receipt (`_due_measures`, ON_TIME_DEFINITION). Handling time runs from receipt (第十八条:
    收到消费投诉之日) to closure. Rates are derived later from these counts, never averaged.
    """
    from django.db.models import Count, DurationField, ExpressionWrapper, F, Sum

    closed = Q(status=Complaint.Status.CLOSED)
    running = Q(status__in=Complaint.CLOCK_STATUSES, clock_paused_since__isnull=True)
    return {
        "total": Count("pk"),
        "open": Count("pk", filter=Q(status__in=Complaint.OPEN_STATUSES)),
        "overdue": Count("pk", filter=running & Q(due_at__lt=now)),
        "paused": Count("pk", filter=Q(status__in=Complaint.CLOCK_STATUSES, clock_paused_since__isnull=False)),
        "closed": Count("pk", filter=closed),
        "withdrawn": Count("pk", filter=Q(status=Complaint.Status.WITHDRAWN)),
        "repeat": Count("pk", filter=Q(is_repeat=True)),
        "major": Count("pk", filter=Q(is_major=True)),  # 重大消费投诉 (第二十九条) only
        "internal_group": Count("pk", filter=Q(is_group=True)),  # the internal group / attention flag, counted apart
        "regulator": Count("pk", filter=Q(channel__in=(Complaint.Channel.REGULATOR, Complaint.Channel.PLATFORM))),
        "handling": Sum(
            ExpressionWrapper(F("closed_at") - F("received_at"), output_field=DurationField()), filter=closed
        ),
    }


def _statistics_rates(row: dict) -> dict:
    """Rates of one group from its own numerators and denominators (a total's rate is never a mean of rates)."""
    handling = row.pop("handling", None)
    seconds = handling.total_seconds() if handling is not None else 0.0
    closed, total, due = row["closed"], row["total"], row.get("due", 0)
    row["handling_seconds"] = seconds
    row["on_time_rate"] = round(100 * row["on_time"] / due, 2) if due else None
    row["repeat_rate"] = round(100 * row["repeat"] / total, 2) if total else None
    row["avg_days"] = round(seconds / 86400 / closed, 1) if closed else None
    return row


def statistics(user, filters: dict | None = None, *, now=None) -> dict:
    """投诉统计 over the complaints the list shows for the same filters (box defaults to "all").

    Returns {"filters", "now", "totals", "by_month", "by_unit", "by_channel", "by_business", "by_cause",
    "definition"}; each row holds total, open, overdue, paused, closed, withdrawn, repeat, major (重大消费投诉,
    第二十九条), internal_group (the internal group flag), regulator (passed on by the regulator or the 银保信
    platform), handling_seconds, due and on_time (按时办结率's denominator and numerator: by the deadline in
    force falling in the period given as received_from / received_to, see ON_TIME_DEFINITION), late_open,
    and the rates on_time_rate (% of due), repeat_rate (% of total) and avg_days (mean days from receipt to
    closure). Every breakdown partitions the same rows (a group with no category is labelled 未分类; months
    count receipts by month received and deadlines by month fallen), so each one's rows add up to `totals`.
    """
    from django.db.models import F
    from django.db.models.functions import TruncMonth
    from django.utils import formats

    now = now or timezone.now()
    filters = {**(filters or {}), "box": (filters or {}).get("box") or "all", "now": now}
    rows = complaints_visible_to(user, filters).order_by()
    period = {k: v for k, v in filters.items() if k not in ("received_from", "received_to")}
    due_rows = due_in(
        complaints_visible_to(user, period).order_by(),
        date_from=filters.get("received_from"),
        date_to=filters.get("received_to"),
        now=now,
    )
    measures, due_measures = _statistics_measures(now), _due_measures()
    totals = _statistics_rates({**rows.aggregate(**measures), **due_rows.aggregate(**due_measures)})
    zeros = {**dict.fromkeys(measures, 0), "handling": None, **dict.fromkeys(due_measures, 0)}

    def grouped(expression, due_expression=None) -> list[dict]:
        found: dict = {}
        for row in rows.annotate(group=expression).values("group").annotate(**measures).order_by("group"):
            found[row["group"]] = {**zeros, **row}
        due_source = due_rows.annotate(group=due_expression or expression).values("group")
        for row in due_source.annotate(**due_measures).order_by("group"):
            found.setdefault(row["group"], {**zeros, "group": row["group"]}).update(row)
        ordered = sorted(found.values(), key=lambda row: (row["group"] is None, row["group"] or 0))
        return [_statistics_rates(row) for row in ordered]

    tz = timezone.get_current_timezone()
    by_month = grouped(TruncMonth("received_at", tzinfo=tz), TruncMonth("due_at", tzinfo=tz))
    for row in by_month:
        month = row.pop("group")
        row["key"] = month.strftime("%Y-%m") if month else ""
        row["label"] = formats.date_format(month, "YEAR_MONTH_FORMAT") if month else _statistics_unknown()

    by_unit = grouped(F("org_unit"))
    units = {u.pk: u for u in OrgUnit.objects.filter(pk__in=[row["group"] for row in by_unit])}
    for row in by_unit:
        unit = units[row.pop("group")]
        row.update(key=unit.code, label=unit.name, short_label=unit.short_name or unit.name, path=unit.path)
        row["depth"] = unit.depth
    by_unit.sort(key=lambda row: row["path"])

    channels = dict(Complaint.Channel.choices)
    by_channel = grouped(F("channel"))
    for row in by_channel:
        code = row.pop("group")
        row.update(key=code, label=str(channels.get(code, code)))
    by_channel.sort(key=lambda row: (-row["total"], row["key"]))

    return {
        "filters": filters,
        "now": now,
        "totals": totals,
        "by_month": by_month,
        "by_unit": by_unit,
        "by_channel": by_channel,
        "by_business": _statistics_categories(grouped(F("business_category"))),
        "by_cause": _statistics_categories(grouped(F("cause_category"))),
        "definition": _on_time_definition(),
    }


def _on_time_definition() -> str:
    from django.utils.translation import gettext

    return gettext(ON_TIME_DEFINITION)


def _statistics_unknown() -> str:
    from django.utils.translation import gettext

    return gettext("未分类")


def _statistics_categories(rows: list[dict]) -> list[dict]:
    """Label category groups (code + name, in code-table order); the unclassified group comes last."""
    from xiaobao.complaints.models import Category

    found = {c.pk: c for c in Category.objects.filter(pk__in=[row["group"] for row in rows if row["group"]])}
    for row in rows:
        category = found.get(row.pop("group"))
        if category is None:
            row.update(key="", label=_statistics_unknown(), sort=(1, 0, ""))
        else:
            row.update(key=category.code, label=category.name, sort=(0, category.sort, category.code))
    rows.sort(key=lambda row: row.pop("sort"))
    return rows


# --- figures for indicators (issue 9): unscoped, per unit, no person behind them ---------------------------
# The indicator engine (xiaobao.indicators, above this app) computes every unit's figures for a period in one
# query per source and scopes what it shows itself. Same definitions as `statistics` above, so the cockpit and
# the statistics page agree: complaints received in the period, of which closed, closed on time, repeat.


def _elapsed_seconds(start: str, end: str):
    """Seconds from `start` to `end` computed by the database itself. The ORM's datetime subtraction runs a
    Python function per row on SQLite, which is most of the time over a year of complaints."""
    from django.db.models import F, FloatField, Func

    class Elapsed(Func):
        output_field = FloatField()

        def as_sql(self, compiler, connection, **extra):
            # the two backends the project runs on (DESIGN.md): SQLite and PostgreSQL
            (end_sql, end_params), (start_sql, start_params) = (compiler.compile(e) for e in self.source_expressions)
            if connection.vendor == "sqlite":
                sql = f"((julianday({end_sql}) - julianday({start_sql})) * 86400.0)"
            else:
                sql = f"EXTRACT(EPOCH FROM ({end_sql} - {start_sql}))"
            return sql, (*end_params, *start_params)

    return Elapsed(F(end), F(start))


def figures_by_unit(date_from, date_to, *, now=None) -> dict[int, dict]:
    """{responsible unit id: {received, closed, repeat, forwarded, handling_days, due, on_time}} — each unit's own
    complaints, not its subtree. received, closed, repeat and handling_days count the complaints received from
    `date_from` to `date_to` (dates, inclusive, local time); handling_days is the sum over the closed ones of
    days from receipt to closure (avg = handling_days / closed). due and on_time are 按时办结率's denominator
    and numerator: the complaints whose deadline in force fell in the period (ON_TIME_DEFINITION).
    Two grouped queries."""
    from django.db.models import Count, Sum

    now = now or timezone.now()
    measures = _statistics_measures(now)
    closed = Q(status=Complaint.Status.CLOSED)
    rows = (
        Complaint.objects.filter(received_at__gte=_moment(date_from), received_at__lte=_moment(date_to, end=True))
        .order_by()
        .values("org_unit")
        .annotate(
            received=measures["total"],
            closed=measures["closed"],
            repeat=measures["repeat"],
            # 监管转办: what the regulator forwarded, the numerator of its quarterly reports (not the 银保信 platform)
            forwarded=Count("pk", filter=Q(channel=Complaint.Channel.REGULATOR)),
            handling=Sum(_elapsed_seconds("received_at", "closed_at"), filter=closed),
        )
    )
    empty = {"received": 0, "closed": 0, "repeat": 0, "forwarded": 0, "handling_days": 0.0, "due": 0, "on_time": 0}
    found: dict[int, dict] = {}
    for row in rows:
        unit = row.pop("org_unit")
        row["handling_days"] = (row.pop("handling") or 0.0) / 86400
        found[unit] = {**empty, **row}
    measures = _due_measures()
    due = (
        due_in(Complaint.objects.order_by(), date_from=date_from, date_to=date_to, now=now)
        .values("org_unit")
        .annotate(due=measures["due"], on_time=measures["on_time"])
    )
    for row in due:
        found.setdefault(row.pop("org_unit"), dict(empty)).update(row)
    return found


def figures_watermark() -> tuple:
    """Changes whenever a figure above can change (a complaint received, closed, decided, marked repeat):
    the indicator sweep recomputes only when this moved. One aggregate query."""
    from django.db.models import Count, Max, Sum
    from django.db.models.functions import ExtractDay

    row = Complaint.objects.order_by().aggregate(
        n=Count("pk"),
        last=Max("pk"),
        closed=Count("pk", filter=Q(status=Complaint.Status.CLOSED)),
        closed_at=Max("closed_at"),
        decided_at=Max("decided_at"),
        repeat=Count("pk", filter=Q(is_repeat=True)),
        # the on-time figures move when a deadline falls (time passes), moves (a stop, a restart, an
        # extension) or a withdrawal / 不予办理 ends a clock — none of which the counts above see
        fallen=Count("pk", filter=Q(due_at__lte=timezone.now())),
        due_days=Sum(ExtractDay("due_at")),
        ended=Count("pk", filter=Q(status__in=(Complaint.Status.WITHDRAWN, Complaint.Status.DECLINED))),
        paused=Count("pk", filter=Q(clock_paused_since__isnull=False)),
    )
    keys = ("n", "last", "closed", "closed_at", "decided_at", "repeat", "fallen", "due_days", "ended", "paused")
    return tuple(str(row[k]) for k in keys)


def nearing_deadline(user, *, within_days: int = 3, now=None) -> QuerySet[Complaint]:
    """The 工作台's complaints: those in the user's scope whose statutory clock runs and whose deadline in force
    (`due_at`, kept by clock_services — never recomputed here) is past or falls within `within_days` calendar
    days; the most urgent first. A paused clock (mediation, appraisal) has no deadline in force, so it is left
    out, as `overdue` leaves it out."""
    now = now or timezone.now()
    horizon = _moment(timezone.localdate(now) + timedelta(days=within_days), end=True)
    rows = _visible(user).select_related("org_unit", "handler")
    rows = rows.filter(status__in=Complaint.CLOCK_STATUSES, clock_paused_since__isnull=True, due_at__lte=horizon)
    return rows.order_by("due_at", "id")
