"""指标报表: the indicator set as a regulator-style Excel workbook (openpyxl).

One sheet per category (投诉, 审查, 宣教, 培训, 服务, 经营): a title, a line naming the reporting unit, the year
and the day it was made, then units × indicators — one row per unit directly under the report's unit (each
unit's subtree figure) — and a 合计 row recomputed from those rows by each indicator's rollup rule: counts summed,
rates recomputed from the summed numerators and denominators (never an average of rates), formulas evaluated
over the 合计 of their inputs, "不汇总" left blank. The last row is the report unit's own stored figure (全口径),
which also holds what the unit itself did beside its subordinate units.
"""

from __future__ import annotations

import io
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_
from openpyxl import Workbook

from xiaobao.core import numbers, xlsx
from xiaobao.indicators import engine, selectors
from xiaobao.indicators.formula import parse as parse_formula
from xiaobao.indicators.models import IndicatorDefinition

NOTES = [
    N_("注：1. 各机构数值为该机构及其下级机构的全口径数值。"),
    N_(
        "2. 合计行按各指标的汇总规则由上列各机构重算：数量类求和；比率类由分子、分母合计重新计算，不是各机构比率的平均数；公式类由合计后的输入指标按公式重算；不汇总的指标不计合计。"
    ),
    N_("3. 全口径行为报送机构本级及全部下级机构的数值，含本级自身业务，可能大于合计行。"),
]


def _units(user, unit) -> list:
    """The units directly under the report's unit that the user may see (the unit itself when it has none)."""
    children = list(selectors.children(user, unit).filter(is_active=True))
    return children or [unit]


def total(definition, rows: list, totals: dict) -> tuple[Decimal | None, Decimal | None, Decimal | None]:
    """(value, numerator, denominator) of a 合计 over `rows` (IndicatorValue or None per unit) by the rollup rule.

    `totals` holds the 合计 values already computed for other indicators, by code (for formula indicators).
    The arithmetic is the engine's (engine.ratio, engine.decimal), so the workbook and the stored values agree.
    """
    present = [row for row in rows if row is not None]
    rule = definition.rollup
    if rule == IndicatorDefinition.Rollup.SUM:
        values = [row.value for row in present if row.value is not None]
        return (engine.decimal(sum(values, Decimal(0))) if values else None), None, None
    if rule == IndicatorDefinition.Rollup.RATIO:
        parts = [row for row in present if row.numerator is not None and row.denominator is not None]
        if not parts:
            return None, None, None
        numerator = sum((row.numerator for row in parts), Decimal(0))
        denominator = sum((row.denominator for row in parts), Decimal(0))
        return engine.ratio(numerator, denominator, definition.scale), numerator, denominator
    if rule == IndicatorDefinition.Rollup.FORMULA and definition.formula:
        result = parse_formula(definition.formula).evaluate(totals)
        return (engine.decimal(result * definition.scale) if result is not None else None), None, None
    return None, None, None


def indicator_sheets(user, *, unit, year: int) -> list[dict]:
    """What each sheet holds (kept apart from the styling so tests can read it): name, title, header,
    definitions, rows ([label, value…]), totals and the unit's own (全口径) row."""
    period = str(year)
    units = _units(user, unit)
    definitions = list(selectors.definitions(user))
    stored = {
        (row.definition_id, row.org_unit_id): row
        for row in selectors.values_for(user, period=period, units=[*units, unit])
    }
    # Formula totals read other indicators' totals: compute every non-formula 合计 first, whatever its sheet.
    totals: dict[str, Decimal | None] = {}
    formulas = [d for d in definitions if d.rollup == IndicatorDefinition.Rollup.FORMULA and d.formula]
    ordered = [d for d in definitions if d not in formulas] + engine.formula_order(formulas)
    for definition in ordered:
        rows = [stored.get((definition.pk, u.pk)) for u in units]
        totals[definition.code] = total(definition, rows, totals)[0]

    sheets = []
    categories = dict(IndicatorDefinition.Category.choices)
    for category, label in categories.items():
        chosen = [d for d in definitions if d.category == category]
        if not chosen:
            continue
        header = [_("序号"), _("机构")] + [f"{d.name}（{d.unit}）" if d.unit else d.name for d in chosen]
        rows = []
        for index, member in enumerate(units, start=1):
            cells = [_cell_value(stored.get((d.pk, member.pk))) for d in chosen]
            rows.append([index, member.name, *cells])
        own = [_cell_value(stored.get((d.pk, unit.pk))) for d in chosen]
        sheets.append(
            {
                "category": category,
                "name": str(label),
                "title": _("消费者权益保护指标报表（%(category)s类）") % {"category": label},
                "header": header,
                "definitions": chosen,
                "rows": rows,
                "totals": ["", _("合计"), *[totals.get(d.code) for d in chosen]],
                "own": ["", _("%(unit)s（全口径）") % {"unit": unit.name}, *own],
            }
        )
    return sheets


def _cell_value(row) -> Decimal | None:
    return None if row is None else row.value


def _number_format(definition, value=None) -> str:
    """As the pages print it (core.numbers): whole counts without decimals, everything else with two."""
    return numbers.excel_format(definition.unit or "", value)


def _write(sheet, spec: dict, subtitle: str) -> None:
    width = len(spec["header"])
    xlsx.head(sheet, title=spec["title"], subtitle=subtitle, header=spec["header"], height=48)
    for values in [*spec["rows"], spec["totals"], spec["own"]]:
        # Decimals become floats: Excel stores numbers as doubles whatever we hand it.
        cells = xlsx.boxed_row(sheet, [float(v) if isinstance(v, Decimal) else v for v in values])
        for definition, cell in zip(spec["definitions"], cells[2:], strict=False):
            cell.number_format = _number_format(definition, cell.value)
    xlsx.shade_totals(sheet, sheet.max_row - 1)
    xlsx.shade_totals(sheet)
    xlsx.notes(sheet, [_(note) for note in NOTES], width)
    xlsx.finish(sheet, width=width, label_width=24, value_width=14)


def indicator_workbook(user, *, unit, year: int, step=lambda percent, text: None, now=None) -> bytes:
    """The workbook as .xlsx bytes; `step(percent, text)` is told as each sheet is written."""
    now = now or timezone.now()
    step(10, _("读取指标值"))
    sheets = indicator_sheets(user, unit=unit, year=year)
    book = Workbook()
    book.remove(book.active)
    subtitle = "　".join(
        [
            _("填报机构：%(unit)s") % {"unit": unit.name},
            _("统计期间：%(year)s年度") % {"year": year},
            _("制表日期：%(day)s") % {"day": timezone.localtime(now).strftime("%Y-%m-%d")},
        ]
    )
    for index, spec in enumerate(sheets, start=1):
        step(10 + 80 * index // max(len(sheets), 1), _("写入工作表：%(name)s") % {"name": spec["name"]})
        _write(book.create_sheet(spec["name"]), spec, subtitle)
    if not sheets:
        book.create_sheet(_("说明")).append([_("没有可报送的指标。")])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
