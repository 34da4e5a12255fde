"""The figures the reports print: one unit's indicator values for a year with their targets and status, and
the other apps' statistics for the same year — read in the report creator's scope.

Kept apart from the document builders (board_docx.py, workbook.py) so that each builder only lays figures out,
and so tests can check the numbers without opening a document.
"""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext as _

from xiaobao.core import numbers
from xiaobao.indicators import alerts, selectors
from xiaobao.indicators.models import IndicatorDefinition


def year_bounds(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


def value_text(definition, value) -> str:
    """A value as pages, the board report and the workbook print it (core.numbers: 56.32 亿元, 99.28%, 5,010 人次);
    the definition's `decimals` is the stored precision, not the printed one."""
    return numbers.figure_text(value, definition.unit or "")


def rate_text(numerator, denominator) -> str:
    return numbers.percent_of(numerator, denominator)


def status_label(status: str | None, *, target=None, empty: str = "—") -> str:
    """Green means "no alert" (inside the thresholds), not "target met": a value may be green below its target.
    Without a status: `empty` when there is no target, "no value yet" when there is one."""
    if status:
        return {"green": _("正常"), "amber": _("黄色预警"), "red": _("红色预警")}[status]
    return empty if target is None else _("暂无取值")


def indicator_rows(user, *, unit, year: int) -> list[dict]:
    """Every active indicator the user may see, with this year's and last year's value at `unit` (its subtree
    figure), the year's target and the status (green/amber/red, "" without a target or a value)."""
    period, previous_period = str(year), str(year - 1)
    definitions = list(selectors.definitions(user))
    values = {
        (row.definition_id, row.period): row.value
        for row in selectors.values_for(user, units=[unit]).filter(period__in=[period, previous_period])
    }
    targets = alerts.targets_by_unit([d.pk for d in definitions], year)
    rows = []
    for definition in definitions:
        value = values.get((definition.pk, period))
        target = alerts.target_for(targets, definition.pk, unit.pk)
        status = alerts.status(definition, value, target) or ""
        previous = values.get((definition.pk, previous_period))
        rows.append(
            {
                "definition": definition,
                "code": definition.code,
                "name": definition.name,
                "category": definition.category,
                "is_key": definition.is_key,
                "value": value,
                "value_text": value_text(definition, value),
                "previous": previous,
                "previous_text": value_text(definition, previous),
                "target": target.target if target is not None else None,
                "target_text": value_text(definition, target.target) if target is not None else "—",
                "status": status,
                "status_label": status_label(status, target=target),
            }
        )
    return rows


def meets_target(definition, value, target) -> bool:
    """The value reached the year's target in the indicator's direction (green only means no alert)."""
    if value is None or target is None:
        return False
    return value >= target if definition.direction == IndicatorDefinition.Direction.HIGHER else value <= target


def by_category(rows: list[dict]) -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = {}
    for row in rows:
        grouped.setdefault(row["category"], []).append(row)
    return grouped


def governance(user, *, unit, year: int, rows: list[dict]) -> dict:
    """The indicator system itself: how many indicators, targets met, alerts raised and their work orders."""
    targeted = [row for row in rows if row["target"] is not None]
    raised = list(selectors.alerts_for(user).filter(period__startswith=str(year), org_unit__path__startswith=unit.path))
    return {
        "defined": len(rows),
        "key": sum(1 for row in rows if row["is_key"]),
        "targeted": len(targeted),
        "met": sum(1 for row in targeted if meets_target(row["definition"], row["value"], row["target"])),
        "alerts": len(raised),
        "red": sum(1 for alert in raised if alert.level == "red"),
        "cleared": sum(1 for alert in raised if alert.cleared_at is not None),
        "orders": sum(1 for alert in raised if alert.workorder_id),
    }


def complaints(user, *, unit, year: int) -> dict:
    """投诉统计 for the year over the unit's subtree (empty for a user who may not see complaints)."""
    from xiaobao.complaints import selectors as complaint_selectors

    start, end = year_bounds(year)
    return complaint_selectors.statistics(
        user, {"box": "all", "received_from": start, "received_to": end, "org_unit": unit.pk}
    )


def reviews(user, *, year: int) -> dict:
    """审查统计 for the reviews submitted in the year, in the user's scope."""
    from xiaobao.reviews import selectors as review_selectors

    start, end = year_bounds(year)
    return review_selectors.statistics(user, {"box": "all", "submitted_from": start, "submitted_to": end})


def education(user, *, year: int):
    """宣教 activities of the year in the user's scope (plans.selectors.rollup)."""
    from xiaobao.plans import selectors as plan_selectors

    return plan_selectors.rollup(user, year=year)


def summary_sentence(rows: list[dict], lead: str) -> str:
    """ "<lead>：A 1,234 件，B 99.28%。" over the rows that have a value (or a sentence saying there are none)."""
    parts = [f"{row['name']}{row['value_text']}" for row in rows if row["value"] is not None]
    if not parts:
        return _("%(lead)s本年度尚无统计数据。") % {"lead": lead}
    return _("%(lead)s：%(figures)s。") % {"lead": lead, "figures": "，".join(parts)}


CATEGORY_ORDER = [choice for choice, _label in IndicatorDefinition.Category.choices]
