"""审查统计: the annual report's figures (KPI tiles, ECharts, tables) and their Excel export.

Thin (DESIGN.md): every number comes from `reviews.selectors.statistics`, which counts the reviews the list
shows for the same filters, in the caller's data scope; the page only lays the numbers out. The period is
picked as a year (and optionally a quarter or half) or as two dates, by the day a review was submitted.
"""

from __future__ import annotations

from datetime import date

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from xiaobao.core import numbers
from xiaobao.reviews import selectors
from xiaobao.reviews.exports import MEASURES, OPINION_MEASURES, statistics_workbook
from xiaobao.reviews.models import FormType, Review

RANKED = 10  # departments shown in the ranking chart (the table holds them all)

PERIODS = [
    ("", gettext_lazy("全年")),
    ("q1", gettext_lazy("第一季度")),
    ("q2", gettext_lazy("第二季度")),
    ("q3", gettext_lazy("第三季度")),
    ("q4", gettext_lazy("第四季度")),
    ("h1", gettext_lazy("上半年")),
    ("h2", gettext_lazy("下半年")),
]
# first and last month of each period
MONTHS = {"": (1, 12), "q1": (1, 3), "q2": (4, 6), "q3": (7, 9), "q4": (10, 12), "h1": (1, 6), "h2": (7, 12)}


class StatisticsFilterForm(forms.Form):
    year = forms.IntegerField(required=False, min_value=2000, max_value=2100)
    period = forms.ChoiceField(required=False, choices=PERIODS)
    submitted_from = forms.DateField(required=False)
    submitted_to = forms.DateField(required=False)
    form_type = forms.CharField(required=False, max_length=40)
    department = forms.CharField(required=False, max_length=50)
    status = forms.ChoiceField(required=False, choices=[("", ""), *Review.Status.choices])


def _period_dates(year: int, period: str) -> tuple[date, date]:
    first, last = MONTHS[period]
    start = date(year, first, 1)
    end = date(year + 1, 1, 1) if last == 12 else date(year, last + 1, 1)
    return start, date.fromordinal(end.toordinal() - 1)


def _form(request) -> tuple[dict, dict]:
    """(the page's choices as given, the selector's filters): a year (and period) becomes the two dates;
    dates given explicitly win over the year."""
    form = StatisticsFilterForm(request.GET)
    chosen = {k: v for k, v in (form.cleaned_data if form.is_valid() else {}).items() if v not in (None, "")}
    filters = {k: chosen[k] for k in ("form_type", "department", "status") if k in chosen}
    if chosen.get("year") and not (chosen.get("submitted_from") or chosen.get("submitted_to")):
        filters["submitted_from"], filters["submitted_to"] = _period_dates(chosen["year"], chosen.get("period", ""))
    else:
        chosen.pop("year", None)
        chosen.pop("period", None)
        for key in ("submitted_from", "submitted_to"):
            if chosen.get(key):
                filters[key] = chosen[key]
    filters["box"] = "all"
    return chosen, filters


def _query(chosen: dict) -> str:
    """The choices as a query string (the export and the list link keep what the page counts)."""
    return urlencode({k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in chosen.items()})


def _list_query(filters: dict) -> str:
    return urlencode({k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in filters.items()})


def _period(chosen: dict, filters: dict, now) -> str:
    if chosen.get("year"):
        label = dict(PERIODS)[chosen.get("period", "")]
        return _("%(year)s年%(period)s") % {"year": chosen["year"], "period": label}
    start, end = filters.get("submitted_from"), filters.get("submitted_to")
    today = timezone.localtime(now).date()
    if start or end:
        return _("%(start)s 至 %(end)s") % {
            "start": start.isoformat() if start else "—",
            "end": (end or today).isoformat(),
        }
    return _("全部（截至 %(end)s）") % {"end": today.isoformat()}


def _conditions(filters: dict) -> str:
    words = []
    if filters.get("form_type"):
        name = FormType.objects.filter(code=filters["form_type"]).values_list("name", flat=True).first()
        words.append(name or filters["form_type"])
    if filters.get("department"):
        words.append(filters["department"])
    if filters.get("status"):
        words.append(str(Review.Status(filters["status"]).label))
    return "、".join(words)


def _percent(value: float | None) -> str:
    return numbers.percent_text(value)


def _days(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def _cells(row: dict, measures) -> list[str]:
    shown = []
    for key, _header, kind in measures:
        value = row.get(key)
        shown.append(_percent(value) if kind == "rate" else _days(value) if kind == "days" else value)
    return shown


def _tiles(data: dict) -> list[dict]:
    t, o = data["totals"], data["objections"]
    return [
        {"key": "reviews", "label": _("审查件数"), "value": t["reviews"]},
        {"key": "closed", "label": _("已办结"), "value": t["closed"], "note": _("办理中 %(n)s 件") % {"n": t["open"]}},
        {
            "key": "substantive",
            "label": _("实质性意见"),
            "value": t["substantive"],
            "note": _("意见合计 %(n)s 条") % {"n": t["opinions"]},
        },
        {
            "key": "substantive_adoption_rate",
            "label": _("实质性意见采纳率"),
            "value": _percent(t["substantive_adoption_rate"]),
            "note": _("%(adopted)s / %(answered)s 条")
            % {"adopted": t["substantive_adopted"], "answered": t["substantive_answered"]},
        },
        {
            "key": "adoption_rate",
            "label": _("意见采纳率"),
            "value": _percent(t["adoption_rate"]),
            "note": _("%(adopted)s / %(answered)s 条") % {"adopted": t["adopted"], "answered": t["answered"]},
        },
        {
            "key": "objections",
            "label": _("异议件数"),
            "value": o["total"],
            "note": _("委员会决定 %(n)s 件") % {"n": o["decided_by_committee"]},
            "alert": bool(o["pending_rereview"] or o["pending_committee"]),
        },
        {"key": "avg_review_days", "label": _("平均出具意见天数"), "value": _days(t["avg_review_days"])},
        {"key": "avg_close_days", "label": _("平均办结天数"), "value": _days(t["avg_close_days"])},
    ]


def _percent_number(value: float | None) -> float | None:
    return None if value is None else round(100 * value, 1)


def _chart_label(row: dict) -> str:
    """A head-office department by its name; a branch's with the branch's short name in front."""
    return row["label"] if row["unit_depth"] <= 1 else f"{row['unit_short']}·{row['label']}"


def _charts(data: dict) -> dict:
    """What the four charts draw (reviews-charts.js); the tables on the page carry the same numbers."""
    departments = sorted(data["by_department"], key=lambda row: (-row["reviews"], row["path"]))[:RANKED]
    kinds = data["opinions_by_kind"]
    outcomes = data["objections"]["outcomes"]
    pending = data["objections"]
    return {
        "type": {
            "labels": [row["label"] for row in data["by_type"]],
            "reviews": [row["reviews"] for row in data["by_type"]],
            "substantive": [row["substantive"] for row in data["by_type"]],
            "rate": [_percent_number(row["adoption_rate"]) for row in data["by_type"]],
            "names": {"reviews": _("审查件数"), "substantive": _("实质性意见"), "rate": _("意见采纳率（%）")},
        },
        # the ranking reads top-down: the largest first
        "department": {
            "labels": [_chart_label(row) for row in reversed(departments)],
            "reviews": [row["reviews"] for row in reversed(departments)],
            "substantive": [row["substantive"] for row in reversed(departments)],
            "names": {"reviews": _("审查件数"), "substantive": _("实质性意见")},
        },
        "opinions": {
            "labels": [row["label"] for row in kinds],
            "adopted": [row["adopted"] for row in kinds],
            "not_adopted": [row["answered"] - row["adopted"] for row in kinds],
            "unanswered": [row["unanswered"] for row in kinds],
            "rate": [_percent_number(row["adoption_rate"]) for row in kinds],
            "names": {
                "adopted": _("最终采纳"),
                "not_adopted": _("未采纳/异议中"),
                "unanswered": _("待反馈"),
                "rate": _("采纳率（%）"),
            },
        },
        "objections": {
            "labels": [*[row["label"] for row in outcomes], _("处理中")],
            "rereview": [*[row["rereview"] for row in outcomes], pending["pending_rereview"]],
            "committee": [*[row["committee"] for row in outcomes], pending["pending_committee"]],
            "names": {"rereview": _("审查负责人复核"), "committee": _("消保委员会")},
        },
    }


def _years(user) -> list[int]:
    years = {timezone.localdate().year}
    for moment in selectors.reviews_visible_to(user, {"box": "all"}).order_by().dates("submitted_at", "year"):
        years.add(moment.year)
    return sorted(years, reverse=True)


def _departments(user) -> list[str]:
    rows = selectors.reviews_visible_to(user, {"box": "all"}).order_by().exclude(department="")
    return sorted(set(rows.values_list("department", flat=True).distinct()))


def _allowed(user) -> None:
    if not user.has_perm(selectors.VIEW_PERMISSION):
        raise PermissionDenied(_("您没有查看消保审查统计的权限。"))


@require_GET
@login_required
def statistics(request):
    """审查统计: KPI tiles, charts and the tables by type, department, month, opinion kind, consumer right,
    and objections by outcome, each with its 合计."""
    _allowed(request.user)
    chosen, filters = _form(request)
    data = selectors.statistics(request.user, filters)
    tables = [
        ("by_type", _("按审查类型"), _("审查类型"), data["by_type"]),
        ("by_department", _("按提交部门"), _("部门"), data["by_department"]),
        ("by_month", _("按提交月份"), _("月份"), data["by_month"]),
    ]
    opinion_tables = [
        ("opinions_by_kind", _("意见类型及采纳"), _("意见类型"), data["opinions_by_kind"]),
        ("opinions_by_right", _("涉及的消费者权益"), _("消费者权益"), data["opinions_by_right"]),
    ]
    opinion_totals = {**data["totals"], "unanswered": data["totals"]["opinions"] - data["totals"]["answered"]}
    return render(
        request,
        "reviews/statistics.html",
        {
            "stats": data,
            "chosen": chosen,
            "query": _query(chosen),
            "list_query": _list_query(filters),
            "period": _period(chosen, filters, data["now"]),
            "conditions": _conditions(filters),
            "tiles": _tiles(data),
            "charts": _charts(data),
            "headers": [_(header) for _key, header, _kind in MEASURES],
            "opinion_headers": [_(header) for _key, header, _kind in OPINION_MEASURES],
            "tables": [
                (key, title, first, [(row, _cells(row, MEASURES)) for row in rows])
                for key, title, first, rows in tables
            ],
            "totals_cells": _cells(data["totals"], MEASURES),
            "opinion_tables": [
                (key, title, first, [(row, _cells(row, OPINION_MEASURES)) for row in rows])
                for key, title, first, rows in opinion_tables
            ],
            "opinion_totals_cells": _cells(opinion_totals, OPINION_MEASURES),
            "years": _years(request.user),
            "periods": PERIODS,
            "form_types": FormType.objects.order_by("sort", "code"),
            "departments": _departments(request.user),
            "statuses": Review.Status.choices,
        },
    )


@require_GET
@login_required
def export(request):
    """The statistics as an Excel workbook (a summary sheet, then a sheet per breakdown with its 合计)."""
    _allowed(request.user)
    chosen, filters = _form(request)
    data = selectors.statistics(request.user, filters)
    return statistics_workbook(
        data,
        period=_period(chosen, filters, data["now"]),
        conditions=_conditions(filters),
        filename=f"review-statistics-{timezone.localdate():%Y%m%d}.xlsx",
    )
