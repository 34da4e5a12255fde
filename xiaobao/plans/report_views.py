"""Plan progress and roll-up pages: the progress board (task × unit, from the work orders), the Gantt-like
timeline, and the activity roll-up for a plan or a year with its Excel and Word exports.

Thin (DESIGN.md): every number comes from `plans.selectors` (tasks_progress, rollup), in the caller's data
scope; `exports.report_data` shapes the roll-up once for the page, the workbook and the Word summary.
"""

from __future__ import annotations

from datetime import date, datetime, time

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from xiaobao.plans import selectors
from xiaobao.plans.exports import KEYS, MEASURES, report_data, rollup_workbook
from xiaobao.plans.forms import ReportForm
from xiaobao.plans.models import Plan
from xiaobao.plans.summary_docx import DOCX, summary_document

# Gantt bar colours by state (the legend on the page names them)
COLOURS = {"pending": "#8a94a6", "running": "#0b5cad", "done": "#1a7f37", "late": "#b42318"}


# --- progress board ---------------------------------------------------------------------------------


def board_data(tasks: list[dict]) -> dict:
    """The task × unit matrix (units in tree order, one cell per task: the unit's order or None) and the chart."""
    units = {}
    for row in tasks:
        for unit_row in row["units"]:
            units[unit_row["unit"].pk] = unit_row["unit"]
    ordered = sorted(units.values(), key=lambda unit: unit.path)
    cells = {(row["task"].pk, u["unit"].pk): u for row in tasks for u in row["units"]}
    matrix = [{"unit": unit, "cells": [cells.get((row["task"].pk, unit.pk)) for row in tasks]} for unit in ordered]
    chart = {
        "labels": [row["task"].title for row in tasks],
        "series": [
            {"name": _("已办结"), "data": [row["done"] for row in tasks], "color": COLOURS["done"]},
            {
                "name": _("办理中"),
                "data": [max(row["total"] - row["done"] - row["overdue"], 0) for row in tasks],
                "color": COLOURS["running"],
            },
            {"name": _("逾期"), "data": [row["overdue"] for row in tasks], "color": COLOURS["late"]},
        ],
    }
    return {"matrix": matrix, "chart": chart}


@require_GET
@login_required
def board(request, pk: int):
    """进度看板: per task, its units' work orders (n/m closed, overdue, supervised), with a chart."""
    plan = selectors.get_plan_for_user(request.user, pk)
    tasks = selectors.tasks_progress(request.user, plan)
    data = board_data(tasks)
    totals = {key: sum(row[key] for row in tasks) for key in ("total", "done", "overdue", "supervised")}
    return render(
        request,
        "plans/board.html",
        {"plan": plan, "tasks": tasks, "totals": totals, "matrix": data["matrix"], "charts": {"board": data["chart"]}},
    )


# --- timeline (Gantt-like) ------------------------------------------------------------------------


def _ms(day: date) -> int:
    return int(timezone.make_aware(datetime.combine(day, time.min)).timestamp() * 1000)


def task_state(row: dict, today: date) -> str:
    """pending (not issued), done (every unit closed), late (an order overdue, or due passed), running."""
    if not row["issued"]:
        return "pending"
    if row["total"] and row["done"] >= row["total"]:
        return "done"
    if row["overdue"] or (row["due_on"] and row["due_on"] < today):
        return "late"
    return "running"


def timeline_data(plan: Plan, tasks: list[dict], *, today: date) -> dict:
    """One bar per task from the plan's issue day (or its start) to the task's due day (or the plan's end)."""
    labels = {"pending": _("未下发"), "running": _("进行中"), "done": _("已完成"), "late": _("逾期")}
    start = timezone.localtime(plan.issued_at).date() if plan.issued_at else plan.period_start
    rows = []
    for row in tasks:
        end = row["due_on"] or plan.period_end
        begin = min(start, end)
        state = task_state(row, today)
        rows.append(
            {
                "title": row["task"].title,
                "start": begin.isoformat(),
                "end": end.isoformat(),
                "start_ms": _ms(begin),
                "end_ms": _ms(end),
                "state": state,
                "state_label": str(labels[state]),
                "color": COLOURS[state],
                "done": row["done"],
                "total": row["total"],
                "percent": row["percent"],
            }
        )
    low = min([plan.period_start, start, *(date.fromisoformat(r["start"]) for r in rows)])
    high = max([plan.period_end, *(date.fromisoformat(r["end"]) for r in rows)])
    return {
        "tasks": rows,
        "min": _ms(low),
        "max": _ms(high) + 86_400_000,
        "today": _ms(today) if low <= today <= high else None,
        "today_label": _("今天"),
        "legend": [(COLOURS[key], labels[key]) for key in ("pending", "running", "done", "late")],
    }


@require_GET
@login_required
def timeline(request, pk: int):
    """进度甘特图: each task a bar from issue to due, coloured by its state, with today marked."""
    plan = selectors.get_plan_for_user(request.user, pk)
    tasks = selectors.tasks_progress(request.user, plan)
    data = timeline_data(plan, tasks, today=timezone.localdate())
    legend = data.pop("legend")
    return render(
        request,
        "plans/timeline.html",
        {
            "plan": plan,
            "rows": list(zip(tasks, data["tasks"], strict=True)),
            "legend": legend,
            "charts": {"timeline": data},
            "chart_height": 120 + 48 * len(tasks),  # a lane per task: a short plan is not one huge bar
        },
    )


# --- roll-up report ---------------------------------------------------------------------------------


def _scope(request) -> dict:
    """The report's subject: a plan (404 outside scope) and/or a year; neither means this year."""
    form = ReportForm(request.GET)
    given = form.cleaned_data if form.is_valid() else {}
    plan = selectors.get_plan_for_user(request.user, given["plan"]) if given.get("plan") else None
    year = given.get("year") or (None if plan else timezone.localdate().year)
    return {"plan": plan, "year": year}


def _words(plan: Plan | None, year: int | None) -> dict:
    """The report's title, period and scope line."""
    if plan:
        period = _("%(start)s 至 %(end)s") % {
            "start": plan.period_start.isoformat(),
            "end": plan.period_end.isoformat(),
        }
        if year:
            period = _("%(year)s年（%(plan)s）") % {"year": year, "plan": period}
        return {
            "title": _("%(plan)s开展情况报告") % {"plan": plan.name},
            "period": period,
            "scope": plan.name,
        }
    return {
        "title": _("%(year)s年消费者教育宣传活动开展情况报告") % {"year": year},
        "period": _("%(year)s年") % {"year": year},
        "scope": _("%(year)s年全部宣教活动") % {"year": year},
    }


def _unit_name(user) -> str:
    return user.org_unit.name if getattr(user, "org_unit_id", None) else _("全公司")


def report_context(request) -> dict:
    subject = _scope(request)
    data = report_data(selectors.rollup(request.user, plan=subject["plan"], year=subject["year"]))
    return {**subject, **_words(subject["plan"], subject["year"]), "data": data, "unit_name": _unit_name(request.user)}


def charts(data: dict) -> dict:
    """What the report's charts draw (plans.js); the tables on the page carry the same numbers."""
    units = list(reversed(data["units"]))  # read top-down: the first unit at the top of the bar chart
    return {
        "units": {
            "labels": [row["short"] for row in units],
            "events": [row["events"] for row in units],
            "events_name": _("活动场次"),
        },
        "form": {"items": [{"name": row["label"], "value": row["events"]} for row in data["by_form"]]},
        "target": {
            "labels": [row["label"] for row in data["by_target"] if row["key"]],
            "values": [row["events"] for row in data["by_target"] if row["key"]],
            "name": _("活动场次"),
        },
        "month": {
            "labels": [row["label"] for row in data["by_month"]],
            "events": [row["events"] for row in data["by_month"]],
            "reach": [row["reach"] for row in data["by_month"]],
            "events_name": _("活动场次"),
            "reach_name": _("触达人次"),
        },
    }


@require_GET
@login_required
def report(request):
    """汇总报告: per-unit table, totals and charts for a plan or a year, with the Excel and Word exports."""
    context = report_context(request)
    context["charts"] = charts(context["data"])
    data = context["data"]
    context["tiles"] = [(key, _(label), data["totals"][key]) for key, label in MEASURES]
    context["tables"] = [
        {
            "key": key,
            "title": title,
            "first": first,
            "rows": [(row.get("name") or row["label"], [row[k] for k in KEYS]) for row in data[key]],
        }
        for key, title, first in (
            ("units", _("按机构"), _("机构")),
            ("by_form", _("按活动形式"), _("活动形式")),
            ("by_target", _("按“五进入”"), _("五进入")),
            ("by_month", _("按月份"), _("月份")),
        )
    ]
    context["plans"] = selectors.plans_for(request.user).exclude(status__in=Plan.EDITABLE_STATUSES)[:200]
    context["query"] = "&".join(
        part
        for part in (
            f"plan={context['plan'].pk}" if context["plan"] else "",
            f"year={context['year']}" if context["year"] else "",
        )
        if part
    )
    return render(request, "plans/report.html", context)


def _filename(context: dict, suffix: str) -> str:
    subject = f"plan{context['plan'].pk}" if context["plan"] else str(context["year"])
    return f"activities-{subject}-{timezone.localdate():%Y%m%d}.{suffix}"


@require_GET
@login_required
def report_xlsx(request):
    context = report_context(request)
    return rollup_workbook(
        context["data"], unit_name=context["unit_name"], scope=context["scope"], filename=_filename(context, "xlsx")
    )


@require_GET
@login_required
def report_docx(request):
    """The Word summary a head of department sends upward (title, overview, table per unit, highlights)."""
    context = report_context(request)
    content = summary_document(
        context["data"],
        title=context["title"],
        unit_name=context["unit_name"],
        period=context["period"],
        summary=context["plan"].summary if context["plan"] else "",
    )
    response = HttpResponse(content, content_type=DOCX)
    response["Content-Disposition"] = f'attachment; filename="{_filename(context, "docx")}"'
    return response
