"""Computed queries (系统计算指标), by key: what an `IndicatorDefinition.query` may name.

A query reads one data source through that app's unscoped figure function (one GROUP BY org unit for a
period: complaints, reviews, work orders, plan activities) and takes a numerator and, for a rate, a
denominator from it. The engine (services.indicator_compute) calls each source once per period whatever the
number of indicators, adds each unit's figures into its ancestors (a unit's value is its subtree's), then
derives the values — a rate from the summed numerator and denominator, never from an average of rates.

Sources are read only through the other apps' selectors, never their models (DESIGN.md layering).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from django.utils.translation import gettext_lazy as _

TRAINING_PLAN_KIND = "training"  # plans.Plan.Kind.TRAINING: its activities are training sessions, not 宣教


@dataclass(frozen=True)
class Source:
    key: str
    figures: Callable[[date, date], dict[int, dict]]
    watermark: Callable[[], tuple]
    # where the records behind a figure are listed: url name, and how the unit and dates are passed
    records: str = ""
    unit_param: str = ""
    date_params: tuple[str, str] = ("", "")
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Query:
    key: str
    label: str
    source: str
    numerator: str
    denominator: str = ""


def _complaints(date_from: date, date_to: date) -> dict[int, dict]:
    from xiaobao.complaints import selectors

    return selectors.figures_by_unit(date_from, date_to)


def _complaints_watermark() -> tuple:
    from xiaobao.complaints import selectors

    return selectors.figures_watermark()


def _reviews(date_from: date, date_to: date) -> dict[int, dict]:
    from xiaobao.reviews import selectors

    return selectors.figures_by_unit(date_from, date_to)


def _reviews_watermark() -> tuple:
    from xiaobao.reviews import selectors

    return selectors.figures_watermark()


def _workorders(date_from: date, date_to: date) -> dict[int, dict]:
    from xiaobao.workorders import selectors

    return selectors.figures_by_unit(date_from, date_to)


def _workorders_watermark() -> tuple:
    from xiaobao.workorders import selectors

    return selectors.figures_watermark()


def _inspection(date_from: date, date_to: date) -> dict[int, dict]:
    from xiaobao.inspection import selectors

    return selectors.figures_by_unit(date_from, date_to)


def _staff_training(date_from: date, date_to: date) -> dict[int, dict]:
    from xiaobao.training import selectors

    return selectors.figures_by_unit(date_from, date_to)


def _inspection_watermark() -> tuple:
    from xiaobao.inspection import selectors

    return selectors.figures_watermark()


def _staff_training_watermark() -> tuple:
    from xiaobao.training import selectors

    return selectors.figures_watermark()


def _activity_figures():
    from xiaobao.plans import selectors

    return selectors.activity_figures


def _education(date_from: date, date_to: date) -> dict[int, dict]:
    """宣教: every activity except the sessions of training plans (those are counted as training)."""
    figures = _activity_figures()
    every = figures(date_from=date_from, date_to=date_to)
    training = figures(date_from=date_from, date_to=date_to, plan_kind=TRAINING_PLAN_KIND)
    found = {}
    for unit, row in every.items():
        minus = training.get(unit, {})
        found[unit] = {name: value - minus.get(name, 0) for name, value in row.items()}
    return found


def _training(date_from: date, date_to: date) -> dict[int, dict]:
    return _activity_figures()(date_from=date_from, date_to=date_to, plan_kind=TRAINING_PLAN_KIND)


def _activities_watermark() -> tuple:
    # plans offers no change marker; all activities per unit (one small GROUP BY) hashed stand in for one
    figures = _activity_figures()(date_from=date(1900, 1, 1), date_to=date(9999, 12, 31))
    text = json.dumps(sorted((unit, sorted(row.items())) for unit, row in figures.items()))
    return (hashlib.sha256(text.encode()).hexdigest(),)


SOURCES: dict[str, Source] = {
    s.key: s
    for s in (
        Source(
            "complaints",
            _complaints,
            _complaints_watermark,
            "complaints:list",
            "org_unit",
            ("received_from", "received_to"),
            {"box": "all"},
        ),
        Source(
            "reviews",
            _reviews,
            _reviews_watermark,
            "reviews:list",
            "",
            ("submitted_from", "submitted_to"),
            {"box": "all"},
        ),
        Source(
            "workorders", _workorders, _workorders_watermark, "workorders:list", "org_unit", ("", ""), {"box": "all"}
        ),
        Source(
            "education", _education, _activities_watermark, "plans:activities", "org_unit", ("date_from", "date_to")
        ),
        Source("training", _training, _activities_watermark, "plans:activities", "org_unit", ("date_from", "date_to")),
        Source(
            "inspection",
            _inspection,
            _inspection_watermark,
            "inspection:interactions",
            "org_unit",
            ("date_from", "date_to"),
        ),
        # the training app: attendance, exam sittings and coverage over the staff roster
        Source("staff_training", _staff_training, _staff_training_watermark, "training:coverage", "org_unit", ("", "")),
    )
}

QUERIES: dict[str, Query] = {
    q.key: q
    for q in (
        Query("complaints.received", _("投诉量"), "complaints", "received"),
        # 按时办结率: of the complaints whose deadline in force fell in the period, those decided by it
        Query("complaints.on_time_rate", _("投诉按时办结率"), "complaints", "on_time", "due"),
        Query("complaints.repeat_rate", _("重复投诉率"), "complaints", "repeat", "received"),
        Query("complaints.avg_days", _("投诉平均处理时长"), "complaints", "handling_days", "closed"),
        Query("complaints.forwarded", _("监管转办投诉量"), "complaints", "forwarded"),
        Query("reviews.count", _("消保审查数量"), "reviews", "reviews"),
        Query("reviews.substantive_opinions", _("实质性审查意见数"), "reviews", "substantive"),
        Query("reviews.adoption_rate", _("审查意见采纳率"), "reviews", "adopted", "answered"),
        Query("workorders.on_time_rate", _("工单按时办结率"), "workorders", "on_time", "closed"),
        Query("plans.education_events", _("宣教活动场次"), "education", "events"),
        Query("plans.education_reach", _("宣教触达人次"), "education", "reach"),
        Query("plans.education_articles", _("原创宣教文章"), "education", "articles"),
        Query("inspection.coverage", _("质检覆盖率"), "inspection", "scanned", "received"),
        Query("inspection.violation_rate", _("违规率"), "inspection", "violating", "scanned"),
        # 培训人次 counted training-plan activities until the training app recorded sign-ins (migration 0004)
        Query("training.person_times", _("培训人次"), "staff_training", "person_times"),
        Query("training.exam_sittings", _("考试人次"), "staff_training", "sittings"),
        Query("training.pass_rate", _("考试通过率"), "staff_training", "passed", "examined"),
        Query("training.coverage_rate", _("培训覆盖率"), "staff_training", "covered", "staff"),
    )
}


def available(source: str) -> bool:
    """Whether a source is one this registry reads."""
    return source in SOURCES


def query(key: str) -> Query | None:
    return QUERIES.get(key)


def choices() -> list[tuple[str, str]]:
    return [(q.key, q.label) for q in QUERIES.values()]
