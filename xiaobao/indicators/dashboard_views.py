"""指标驾驶舱 and the drill-down page: key indicators as tiles (value, target, green/amber/red, sparkline), the
trend of one indicator, the comparison of the units below and a ranking table; each number links to the
indicator's page for that unit and period (its history, the units below it, the records behind it).

Thin (DESIGN.md): every number comes from `indicators.selectors`, scoped to the user (a unit outside scope is
404). Charts are an enhancement drawn by static/js/indicators-charts.js from the same rows the tables print,
so the tables are the charts' alternative (open by default in care mode).
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import get_script_prefix, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from xiaobao.indicators import alerts, figures, periods, selectors
from xiaobao.indicators.forms import PeriodForm, default_period, period_choices
from xiaobao.indicators.value_views import require_view

COLOURS = {"green": "#1a7f37", "amber": "#b7791f", "red": "#b42318", None: "#0b5cad"}


def status_label(status: str | None, target=None) -> str:
    return figures.status_label(status, target=target, empty=_("未设目标"))


def detail_url(definition, unit, period) -> str:
    query = urlencode({"unit": unit.pk, "period": str(period)})
    return _detail_path(definition.code, get_script_prefix()) + "?" + query


@lru_cache(maxsize=1024)
def _detail_path(code: str, prefix: str) -> str:
    """The indicator page's path, resolved once per code (and script prefix): the cockpit links every tile, point
    and unit to it, 150+ links a page, and reversing each one was a sixth of the page's time."""
    return reverse("indicators:detail", args=[code])


def _number(value: Decimal | None, places: int = 6) -> float | None:
    """A value for a chart, rounded as the page prints it (a chart label shows what the table shows)."""
    return None if value is None else round(float(value), places)


def _period(request, *, fallback: str) -> periods.Period:
    form = PeriodForm({"period": request.GET.get("period") or fallback})
    return periods.parse(form.cleaned_data["period"] if form.is_valid() else fallback)


def _unit(request):
    if request.GET.get("unit"):
        return selectors.get_unit_for_user(request.user, request.GET["unit"])
    return selectors.home_unit(request.user)


def _trend(user, definition, unit, period: periods.Period) -> dict:
    """The indicator over the trailing periods of the same kind, with each year's target beside it."""
    trail = selectors.trailing_periods(period)
    points = selectors.series(user, definition, unit, [p.code for p in trail])
    # every year's targets in one query: the unit's own, else the company-wide one
    targets = {
        (t.year, t.org_unit_id): t
        for t in selectors.targets_for(user, definition=definition).filter(year__in={p.year for p in trail})
    }
    rows = []
    for p, point in zip(trail, points, strict=True):
        target = targets.get((p.year, unit.pk)) or targets.get((p.year, None))
        rows.append(
            {
                "period": p.code,
                "value": point["value"],
                "display": selectors.display(definition, point["value"]),
                "target": target.target if target else None,
                "url": detail_url(definition, unit, p.code),
            }
        )
    return {
        "rows": rows,
        "chart": {
            "labels": [row["period"] for row in rows],
            "values": [_number(row["value"], definition.decimals) for row in rows],
            "urls": [row["url"] for row in rows],
            "targets": [_number(row["target"], definition.decimals) for row in rows],
            "name": definition.name,
            "target_name": _("目标值"),
        },
    }


def _comparison(user, definition, period: periods.Period, unit) -> dict:
    rows = selectors.comparison(user, definition, period.code, parent=unit)
    for row in rows:
        row["url"] = detail_url(definition, row["unit"], period.code)
        row["status_label"] = status_label(row["status"], row["target"])
    shown = list(reversed(rows))  # a horizontal bar chart draws bottom-up: the best on top
    return {
        "rows": rows,
        "has_values": any(row["value"] is not None for row in rows),
        "chart": {
            "labels": [row["unit"].short_name or row["unit"].name for row in shown],
            "values": [_number(row["value"], definition.decimals) for row in shown],
            "urls": [row["url"] for row in shown],
            "colors": [COLOURS.get(row["status"], COLOURS[None]) for row in shown],
            "name": definition.name,
        },
    }


@require_GET
@login_required
def dashboard(request):
    """指标驾驶舱: the key indicators of my unit (or a unit below it) for a period, with trend and comparison."""
    require_view(request.user)
    unit = _unit(request)
    # without a period asked for: one that has data for this unit (issue 21), not a fixed rule of the calendar
    period = _period(request, fallback=selectors.opening_period(request.user, unit).code)
    data = selectors.cockpit(request.user, period, unit)
    tiles = []
    for tile in data["tiles"]:
        tiles.append(
            {
                "tile": tile,
                "url": detail_url(tile.definition, unit, period.code),
                "target_display": selectors.display(tile.definition, tile.target),
                "status_label": status_label(tile.status, tile.target),
                "spark": {
                    "labels": [point["period"] for point in tile.trend],
                    "values": [_number(point["value"], tile.definition.decimals) for point in tile.trend],
                    "urls": [detail_url(tile.definition, unit, point["period"]) for point in tile.trend],
                },
            }
        )
    chosen = next(
        (t["tile"].definition for t in tiles if t["tile"].definition.code == request.GET.get("indicator")), None
    )
    chosen = chosen or (tiles[0]["tile"].definition if tiles else None)
    context = {
        "unit": unit,
        "period": period,
        "period_choices": _choices(period),
        "units": [(u.pk, "\u3000" * (u.depth - 1) + u.name) for u in selectors.units_for(request.user)],
        "tiles": tiles,
        "chosen": chosen,
        "parent_url": _parent_url(request.user, unit, period),
        "open_alerts": (
            selectors.alerts_for(request.user, {"state": "open"}).filter(org_unit__path__startswith=unit.path).count()
            if unit is not None
            else 0
        ),
    }
    if chosen is not None and unit is not None:
        context["trend"] = _trend(request.user, chosen, unit, period)
        context["comparison"] = _comparison(request.user, chosen, period, unit)
        context["charts"] = {
            "spark": [t["spark"] for t in tiles],
            "trend": context["trend"]["chart"],
            "comparison": context["comparison"]["chart"],
        }
    return render(request, "indicators/dashboard.html", context)


def _choices(period: periods.Period) -> list[tuple[str, str]]:
    choices = period_choices()
    if period.code not in {code for code, _label in choices}:
        choices.insert(0, (period.code, period.code))
    return choices


def _parent_url(user, unit, period, definition=None) -> str:
    """The page one level up (the unit's parent), if the user reaches it."""
    if unit is None or unit.parent_id is None:
        return ""
    if not selectors.units_for(user).filter(pk=unit.parent_id).exists():
        return ""
    query = urlencode({"unit": unit.parent_id, "period": period.code})
    if definition is not None:
        return reverse("indicators:detail", args=[definition.code]) + "?" + query
    return reverse("indicators:dashboard") + "?" + query


def _records_url(user, definition, unit, period) -> str:
    found = selectors.records_behind(user, definition, unit, period.code)
    if not found:
        return ""
    url_name, params = found
    return reverse(url_name) + "?" + urlencode(params)


@require_GET
@login_required
def detail(request, code: str):
    """One indicator at one unit and period: the value and how it was obtained, its history (superseded values
    kept), its trend, the units below it ranked, and a link to the records behind a computed figure."""
    require_view(request.user)
    definition = selectors.get_definition_for_user(request.user, code)
    fallback = default_period()
    if definition.frequency == "year":
        fallback = str(periods.parse(fallback).year - 1)
    period = _period(request, fallback=fallback)
    if not periods.applies(definition.frequency, period):  # a yearly indicator asked for by quarter
        period = periods.parse(str(period.year))
    unit = _unit(request)
    if unit is None:  # nothing in reach: the same answer as no permission
        raise PermissionDenied(_("您没有查看指标的权限。"))
    value = selectors.value_of(request.user, definition, unit, period.code)
    target = alerts.target_for(alerts.targets_by_unit([definition.pk], period.year), definition.pk, unit.pk)
    status = alerts.status(definition, value.value if value else None, target)
    trend = _trend(request.user, definition, unit, period)
    comparison = _comparison(request.user, definition, period, unit)
    context = {
        "definition": definition,
        "unit": unit,
        "period": period,
        "value": value,
        "display": selectors.display(definition, value.value if value else None),
        "target": target,
        "target_display": selectors.display(definition, target.target) if target else "—",
        "status": status,
        "status_label": status_label(status, target),
        "history": selectors.history(request.user, definition, unit, period.code)[:50],
        "trend": trend,
        "comparison": comparison,
        "charts": {"trend": trend["chart"], "comparison": comparison["chart"]},
        "records_url": _records_url(request.user, definition, unit, period),
        "parent_url": _parent_url(request.user, unit, period, definition),
        "dashboard_url": reverse("indicators:dashboard") + "?" + urlencode({"unit": unit.pk, "period": period.code}),
    }
    return render(request, "indicators/detail.html", context)
