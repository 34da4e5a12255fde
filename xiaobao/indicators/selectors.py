"""Indicator reads, each scoped to the user: values of the units in the user's reach (a branch sees its
subtree, head office and the committee see all). Pages and the API call the same functions.

Values are stored per unit for the unit's subtree, so a branch officer reading their branch's row reads the
branch's whole figure without seeing the sibling branches.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, QuerySet
from django.http import Http404

from xiaobao.core.models import OrgUnit
from xiaobao.core.scope import scope_for
from xiaobao.indicators import periods, registry
from xiaobao.indicators.alerts import GREEN, status, target_for, targets_by_unit
from xiaobao.indicators.models import Alert, IndicatorDefinition, IndicatorValue, Target

VIEW_VALUE = "indicators.view_indicatorvalue"
VIEW_DEFINITION = "indicators.view_indicatordefinition"
VIEW_ALERT = "indicators.view_alert"
VIEW_TARGET = "indicators.view_target"
TREND_LENGTH = 8  # periods shown in a tile's sparkline


def _may(user, permission: str) -> bool:
    return bool(user and user.is_authenticated and user.has_perm(permission))


def _scope_q(user, field: str = "org_unit") -> Q | None:
    """The user's view scope as a Q over `field`, or None when the user reaches nothing."""
    scope = scope_for(user, "view")
    return None if scope.is_empty else scope.q(field)


def display(definition: IndicatorDefinition, value: Decimal | None) -> str:
    """A value rounded to the indicator's decimals, or "—" when it cannot be computed."""
    if value is None:
        return "—"
    return f"{value:,.{definition.decimals}f}"


# --- definitions and units ------------------------------------------------------------------------------


def definitions(user, *, category: str | None = None, key_only: bool = False) -> QuerySet[IndicatorDefinition]:
    """Active indicator definitions, in display order; none without a view permission on indicators."""
    if not (_may(user, VIEW_DEFINITION) or _may(user, VIEW_VALUE)):
        return IndicatorDefinition.objects.none()
    rows = IndicatorDefinition.objects.filter(is_active=True)
    if category:
        rows = rows.filter(category=category)
    if key_only:
        rows = rows.filter(is_key=True)
    return rows.order_by("sort", "code")


def get_definition_for_user(user, key) -> IndicatorDefinition:
    """By id or code; 404 when missing, inactive or the user may not read indicators."""
    rows = definitions(user)
    found = rows.filter(pk=key).first() if str(key).isdigit() else rows.filter(code=str(key)).first()
    if found is None:
        raise Http404
    return found


def units_for(user) -> QuerySet[OrgUnit]:
    """The org units whose values the user may read, in tree order."""
    where = _scope_q(user, field=None) if _may(user, VIEW_VALUE) else None
    if where is None:
        return OrgUnit.objects.none()
    return OrgUnit.objects.filter(where).order_by("path")


def get_unit_for_user(user, pk) -> OrgUnit:
    unit = units_for(user).filter(pk=pk).first() if str(pk).isdigit() else None
    if unit is None:
        raise Http404
    return unit


def home_unit(user) -> OrgUnit | None:
    """Where the user's dashboard starts: the top of what they reach (head office for company-wide roles)."""
    return units_for(user).order_by("path").first()


def children(user, unit: OrgUnit) -> QuerySet[OrgUnit]:
    return units_for(user).filter(parent=unit).order_by("path")


# --- values ---------------------------------------------------------------------------------------------


def values_for(user, *, definition=None, period=None, units=None) -> QuerySet[IndicatorValue]:
    """Current values the user may read; filters: definition (object or id), period (code), units (ids)."""
    where = _scope_q(user) if _may(user, VIEW_VALUE) else None
    if where is None:
        return IndicatorValue.objects.none()
    rows = IndicatorValue.objects.filter(where, is_current=True, definition__is_active=True)
    if definition is not None:
        rows = rows.filter(definition=definition)
    if period:
        rows = rows.filter(period=str(period))
    if units is not None:
        rows = rows.filter(org_unit__in=units)
    return rows.select_related("definition", "org_unit").order_by("definition__sort", "org_unit__path", "period")


def value_of(user, definition, unit, period) -> IndicatorValue | None:
    return values_for(user, definition=definition, period=period, units=[unit]).first()


def history(user, definition, unit, period) -> QuerySet[IndicatorValue]:
    """Every value the unit has had for the period, newest first (superseded rows included)."""
    where = _scope_q(user) if _may(user, VIEW_VALUE) else None
    if where is None:
        return IndicatorValue.objects.none()
    return (
        # an import's staged rows are not history: they are not values yet
        IndicatorValue.objects.filter(where, definition=definition, org_unit=unit, period=str(period), staged_import="")
        .select_related("entered_by")
        .order_by("-computed_at", "-id")
    )


def series(user, definition, unit, period_codes) -> list[dict]:
    """[{"period", "value"}] for the unit over `period_codes` (a trend), value None where there is none."""
    codes = [str(p) for p in period_codes]
    found = dict(
        values_for(user, definition=definition, units=[unit]).filter(period__in=codes).values_list("period", "value")
    )
    return [{"period": code, "value": found.get(code)} for code in codes]


def trailing_periods(period: periods.Period, n: int = TREND_LENGTH) -> list[periods.Period]:
    """The n periods of the same kind ending with `period`, oldest first."""
    found = [period]
    while len(found) < n:
        found.append(periods.previous(found[-1]))
    return found[::-1]


def comparison(user, definition, period, parent: OrgUnit | None = None) -> list[dict]:
    """The child units of `parent` (default: the user's home unit) for ranking: [{unit, value, display, target,
    status, rank}], best first in the indicator's direction; units without a value come last, unranked."""
    parent = parent or home_unit(user)
    if parent is None:
        return []
    units = list(children(user, parent))
    code = str(period)
    values = {
        v.org_unit_id: v.value
        for v in values_for(user, definition=definition, period=code, units=[u.pk for u in units])
    }
    targets = targets_by_unit([definition.pk], periods.parse(code).year)
    rows = []
    for unit in units:
        value = values.get(unit.pk)
        target = target_for(targets, definition.pk, unit.pk)
        rows.append(
            {
                "unit": unit,
                "value": value,
                "display": display(definition, value),
                "target": target.target if target else None,
                "status": status(definition, value, target),
            }
        )
    higher = definition.direction == IndicatorDefinition.Direction.HIGHER
    ranked = sorted((r for r in rows if r["value"] is not None), key=lambda r: r["value"], reverse=higher)
    for rank, row in enumerate(ranked, 1):
        row["rank"] = rank
    unranked = [dict(r, rank=None) for r in rows if r["value"] is None]
    return ranked + unranked


@dataclass
class Tile:
    definition: IndicatorDefinition
    value: Decimal | None
    display: str
    target: Decimal | None
    status: str | None  # green / amber / red, None without a target
    previous: Decimal | None
    change: Decimal | None
    trend: list[dict]


def cockpit(user, period, unit: OrgUnit | None = None) -> dict:
    """The management cockpit for a period: the key indicators of `unit` (default: the user's home unit) as
    tiles with value, target, status colour, the previous period's value and a trend. Three queries."""
    unit = unit or home_unit(user)
    period = period if isinstance(period, periods.Period) else periods.parse(period)
    if unit is None:
        return {"unit": None, "period": period, "tiles": []}
    keys = [d for d in definitions(user, key_only=True) if periods.applies(d.frequency, period)]
    trail = trailing_periods(period)
    codes = [p.code for p in trail]
    found = {
        (d, p): v
        for d, p, v in values_for(user, units=[unit.pk])
        .filter(definition__in=keys, period__in=codes)
        .values_list("definition_id", "period", "value")
    }
    targets = targets_by_unit([d.pk for d in keys], period.year)
    tiles = []
    for definition in keys:
        value = found.get((definition.pk, period.code))
        previous = found.get((definition.pk, codes[-2])) if len(codes) > 1 else None
        target = target_for(targets, definition.pk, unit.pk)
        tiles.append(
            Tile(
                definition=definition,
                value=value,
                display=display(definition, value),
                target=target.target if target else None,
                status=status(definition, value, target),
                previous=previous,
                change=(value - previous) if value is not None and previous is not None else None,
                trend=[{"period": code, "value": found.get((definition.pk, code))} for code in codes],
            )
        )
    return {"unit": unit, "period": period, "tiles": tiles}


def opening_period(user, unit: OrgUnit | None = None, *, now=None) -> periods.Period:
    """The period the cockpit opens on: the last complete quarter if the unit's key indicators have values
    for it, else the year to date, else the newest quarter or year (not in the future) that has values —
    decided from the data, so a cockpit opened in a quiet January, or on a database loaded with an earlier
    year, never opens on an empty page. The last complete quarter when nothing has values yet. One query."""
    from django.utils import timezone

    today = timezone.localdate(now or timezone.now())
    last_quarter = periods.previous(periods.containing(today, periods.QUARTER))
    unit = unit or home_unit(user)
    if unit is None:
        return last_quarter
    codes = set(
        values_for(user, units=[unit.pk])
        .filter(definition__is_key=True, definition__is_active=True, value__isnull=False)
        .order_by()
        .values_list("period", flat=True)
        .distinct()
    )
    for candidate in (last_quarter, periods.containing(today, periods.YEAR)):
        if candidate.code in codes:
            return candidate
    found = []
    for code in codes:
        try:
            period = periods.parse(code)
        except ValueError:
            continue
        if period.kind != periods.MONTH and period.start <= today:
            found.append(period)
    # the newest first; of a year and its last quarter, the quarter (the finer, complete figure)
    return max(found, key=lambda p: (p.end, -periods.GRAIN[p.kind]), default=last_quarter)


def records_behind(user, definition, unit, period) -> tuple[str, dict] | None:
    """Where the records behind a computed value are listed, for drill-down: (url name, query parameters),
    e.g. ("complaints:list", {"box": "all", "org_unit": 3, "received_from": "2024-01-01", …}). None for
    collected and formula indicators (their detail page is the record) or when no list page shows them."""
    if definition.source != IndicatorDefinition.Source.COMPUTED:
        return None
    query = registry.query(definition.query)
    source = registry.SOURCES.get(query.source) if query else None
    if source is None or not source.records:
        return None
    period = period if isinstance(period, periods.Period) else periods.parse(period)
    params = dict(source.extra)
    if source.unit_param:
        params[source.unit_param] = unit.pk
    first, last = source.date_params
    if first:
        params[first] = period.start.isoformat()
    if last:
        params[last] = period.end.isoformat()
    return source.records, params


def period_codes(user, *, kind: str | None = None) -> list[str]:
    """The periods that have values the user may read, newest first (for the period picker)."""
    codes = set(values_for(user).order_by().values_list("period", flat=True).distinct())
    found = [periods.parse(c) for c in codes]
    if kind:
        found = [p for p in found if p.kind == kind]
    return [p.code for p in sorted(found, key=lambda p: (p.start, -periods.GRAIN[p.kind]), reverse=True)]


# --- targets and alerts ---------------------------------------------------------------------------------


def targets_for(user, *, year=None, definition=None) -> QuerySet[Target]:
    """Targets the user may read: company-wide ones and those of units in reach."""
    where = _scope_q(user) if _may(user, VIEW_TARGET) else None
    if where is None:
        return Target.objects.none()
    rows = Target.objects.filter(where | Q(org_unit__isnull=True))
    if year:
        rows = rows.filter(year=int(year))
    if definition is not None:
        rows = rows.filter(definition=definition)
    return rows.select_related("definition", "org_unit").order_by("definition__sort", "year", "org_unit__path")


def alerts_for(user, filters: dict | None = None) -> QuerySet[Alert]:
    """Alerts of the units in reach, newest first. filters: state (open | cleared), level, definition, period."""
    filters = filters or {}
    where = _scope_q(user) if _may(user, VIEW_ALERT) else None
    if where is None:
        return Alert.objects.none()
    rows = Alert.objects.filter(where).select_related("definition", "org_unit")
    if filters.get("state") == "open":
        rows = rows.filter(cleared_at__isnull=True)
    elif filters.get("state") == "cleared":
        rows = rows.filter(cleared_at__isnull=False)
    if filters.get("level"):
        rows = rows.filter(level=filters["level"])
    if filters.get("definition"):
        rows = rows.filter(definition=filters["definition"])
    if filters.get("period"):
        rows = rows.filter(period=str(filters["period"]))
    return rows.order_by("-raised_at", "-id")


def get_alert_for_user(user, pk) -> Alert:
    alert = alerts_for(user).filter(pk=pk).first() if str(pk).isdigit() else None
    if alert is None:
        raise Http404
    return alert


__all__ = [
    "GREEN",
    "Tile",
    "alerts_for",
    "cockpit",
    "comparison",
    "definitions",
    "display",
    "get_alert_for_user",
    "get_definition_for_user",
    "get_unit_for_user",
    "history",
    "home_unit",
    "opening_period",
    "period_codes",
    "records_behind",
    "series",
    "targets_for",
    "trailing_periods",
    "units_for",
    "value_of",
    "values_for",
]
