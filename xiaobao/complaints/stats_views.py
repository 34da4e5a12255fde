"""Complaint statistics pages: the overview (KPI tiles and ECharts), the statistics tables and their
regulator-style Excel export.

Thin (DESIGN.md): every number comes from `complaints.selectors.statistics`, which counts the complaints the
list shows for the same filters, in the caller's data scope; the pages only lay the numbers out.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from xiaobao.complaints import selectors
from xiaobao.complaints.exports import MEASURES, statistics_workbook
from xiaobao.complaints.forms import ListFilterForm
from xiaobao.complaints.models import Complaint
from xiaobao.core import numbers
from xiaobao.core import selectors as core_selectors
from xiaobao.core.models import OrgUnit

RANKED = 10  # units, causes shown in the ranking charts (the tables hold them all)
TREND_MONTHS = 12


class StatisticsFilterForm(ListFilterForm):
    """The list's filters plus the period (by the day the complaint was received, both ends included)."""

    received_from = forms.DateField(
        label=gettext_lazy("收到日期自"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    received_to = forms.DateField(
        label=gettext_lazy("至"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


def _filters(request) -> dict:
    form = StatisticsFilterForm(request.GET)
    filters = form.cleaned_data if form.is_valid() else {}
    filters = {k: v for k, v in filters.items() if v not in (None, "", False)}
    filters.setdefault("box", "all")
    if filters["box"] == "overdue":  # the list's 已逾期 tab is the overdue filter over everything
        filters.update(box="all", overdue=True)
    return filters


def _query(filters: dict) -> str:
    """The filters as a query string (the list link and the export keep what the page counts)."""
    return urlencode(
        {k: ("1" if v is True else v.isoformat() if hasattr(v, "isoformat") else v) for k, v in filters.items()}
    )


def _period(filters: dict, now) -> str:
    start, end = filters.get("received_from"), filters.get("received_to")
    today = timezone.localtime(now).date()
    if start and end:
        return _("%(start)s 至 %(end)s") % {"start": start.isoformat(), "end": end.isoformat()}
    if start:
        return _("%(start)s 至 %(end)s") % {"start": start.isoformat(), "end": today.isoformat()}
    if end:
        return _("截至 %(end)s") % {"end": end.isoformat()}
    return _("全部（截至 %(end)s）") % {"end": today.isoformat()}


def _conditions(filters: dict) -> str:
    """The filters other than the period, in words (the export's subtitle names them)."""
    words = []
    if filters.get("status"):
        words.append(str(Complaint.Status(filters["status"]).label))
    if filters.get("channel"):
        words.append(str(Complaint.Channel(filters["channel"]).label))
    if filters.get("org_unit"):
        unit = OrgUnit.objects.filter(pk=filters["org_unit"]).values_list("name", flat=True).first()
        words.append(_("%(unit)s及下级机构") % {"unit": unit or "—"})
    if filters.get("overdue") or filters.get("box") == "overdue":
        words.append(_("已逾期"))
    if filters.get("is_repeat"):
        words.append(_("重复投诉"))
    if filters.get("is_major"):
        words.append(_("重大消费投诉"))
    if filters.get("is_group"):
        words.append(_("群体性（内部标准）"))
    if filters.get("box") == "todo":
        words.append(_("待我处理"))
    if filters.get("q"):
        words.append(_("含“%(q)s”") % {"q": filters["q"]})
    return "、".join(words)


def _unit_name(user, filters: dict) -> str:
    if filters.get("org_unit"):
        name = OrgUnit.objects.filter(pk=filters["org_unit"]).values_list("name", flat=True).first()
        if name:
            return name
    return user.org_unit.name if getattr(user, "org_unit_id", None) else _("全公司")


def _percent(numerator: int, denominator: int) -> str:
    return numbers.percent_of(numerator, denominator)


def _charts(data: dict) -> dict:
    """What the four charts draw (complaints-charts.js); the page's tables carry the same numbers."""
    months = data["by_month"][-TREND_MONTHS:]
    units = sorted(data["by_unit"], key=lambda row: (-row["total"], row["path"]))[:RANKED]
    causes = sorted(data["by_cause"], key=lambda row: -row["total"])[:RANKED]
    return {
        "trend": {
            "labels": [row["key"] for row in months],
            "total": [row["total"] for row in months],
            "closed": [row["closed"] for row in months],
            "on_time_rate": [row["on_time_rate"] for row in months],
            "names": {"total": _("投诉件数"), "closed": _("办结件数"), "on_time_rate": _("按时办结率（%）")},
        },
        "channel": {"items": [{"name": row["label"], "value": row["total"]} for row in data["by_channel"]]},
        # the ranking reads top-down: the largest first
        "cause": {
            "labels": [row["label"] for row in reversed(causes)],
            "values": [row["total"] for row in reversed(causes)],
            "name": _("投诉件数"),
        },
        "unit": {
            "labels": [row["short_label"] for row in reversed(units)],
            "values": [row["total"] for row in reversed(units)],
            "overdue": [row["overdue"] for row in reversed(units)],
            "name": _("投诉件数"),
            "overdue_name": _("逾期未办结"),
        },
    }


def _tiles(totals: dict) -> list[dict]:
    return [
        {"key": "total", "label": _("投诉件数"), "value": totals["total"]},
        {"key": "open", "label": _("未办结"), "value": totals["open"]},
        {"key": "overdue", "label": _("逾期未办结"), "value": totals["overdue"], "alert": bool(totals["overdue"])},
        {
            "key": "on_time_rate",
            "label": _("按时办结率"),
            "value": _percent(totals["on_time"], totals["due"]),
            "note": _("%(on_time)s / 应办结 %(due)s 件") % {"on_time": totals["on_time"], "due": totals["due"]},
            "definition": _(selectors.ON_TIME_DEFINITION),
        },
        {
            "key": "repeat_rate",
            "label": _("重复投诉率"),
            "value": _percent(totals["repeat"], totals["total"]),
            "note": _("%(repeat)s 件") % {"repeat": totals["repeat"]},
        },
        {
            "key": "avg_days",
            "label": _("平均办结天数"),
            "value": "—" if totals["avg_days"] is None else f"{totals['avg_days']:.1f}",
        },
        {"key": "major", "label": _("重大消费投诉"), "value": totals["major"], "alert": bool(totals["major"])},
        {"key": "internal_group", "label": _("群体性（内部标准）"), "value": totals["internal_group"]},
        {"key": "regulator", "label": _("监管/平台转办"), "value": totals["regulator"]},
    ]


def _context(request) -> dict:
    filters = _filters(request)
    data = selectors.statistics(request.user, filters)
    return {
        "stats": data,
        "filters": filters,
        "query": _query(filters),
        "form": StatisticsFilterForm(request.GET or None),
        "period": _period(filters, data["now"]),
        "conditions": _conditions(filters),
        "unit_name": _unit_name(request.user, filters),
        "tiles": _tiles(data["totals"]),
        "statuses": Complaint.Status.choices,
        "channels": Complaint.Channel.choices,
        "units": [
            (unit.pk, "\u3000" * (unit.depth - 1) + unit.name)
            for unit in core_selectors.org_units_visible_to(request.user).filter(is_active=True).order_by("path")
        ],
        "measures": [(key, _(header), kind) for key, header, kind in MEASURES],
    }


@require_GET
@login_required
def overview(request):
    """投诉概览: KPI tiles and charts (trend by month, channels, causes, units ranked)."""
    context = _context(request)
    context["charts"] = _charts(context["stats"])
    return render(request, "complaints/overview.html", context)


@require_GET
@login_required
def statistics(request):
    """投诉统计: the tables by unit, month, channel, business category and cause, each with its totals."""
    context = _context(request)
    data = context["stats"]
    context["tables"] = [
        ("by_unit", _("按机构"), data["by_unit"]),
        ("by_month", _("按月份"), data["by_month"]),
        ("by_channel", _("按投诉渠道"), data["by_channel"]),
        ("by_business", _("按业务/产品类别"), data["by_business"]),
        ("by_cause", _("按投诉原因"), data["by_cause"]),
    ]
    return render(request, "complaints/statistics.html", context)


@require_GET
@login_required
def export(request):
    """The statistics as a regulator-style workbook (a sheet per breakdown, totals = the filtered list)."""
    filters = _filters(request)
    data = selectors.statistics(request.user, filters)
    return statistics_workbook(
        data,
        unit_name=_unit_name(request.user, filters),
        period=_period(filters, data["now"]),
        conditions=_conditions(filters),
        filename=f"complaint-statistics-{timezone.localdate():%Y%m%d}.xlsx",
    )
