"""Numbers as people write them in reports (数字格式): one rule for pages, Excel and Word alike.

- counts (件, 人次, 场, 篇…): whole numbers with thousands separators — 5,010 件, 7,855,300 人次;
- percentages: two decimals — 99.28%, 96.23%;
- amounts (亿元, 万元, 元): two decimals with thousands separators — 56.32 亿元, 1.63 亿元;
- ratios (件/亿元, 件/万张…) and indices: two decimals — 1.43 件/亿元, 84.65;
- no value: an em dash.

A figure's stored precision (an indicator's `decimals`, 4 for 亿元 so that sums stay exact) is not its printed
precision: 56.3200 亿元 is stored, 56.32 亿元 is printed. A value whose unit is a count but which is not whole
(an average) keeps two decimals rather than being rounded away.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

EMPTY = "—"
PERCENT = "%"
# units that count things: whole numbers when the value is whole
COUNT_UNITS = frozenset(
    {"件", "人次", "场", "篇", "条", "次", "人", "个", "张", "份", "家", "期", "项", "单", "户", "通", "名"}
)


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _fixed(number: Decimal, places: int) -> str:
    quantum = Decimal(1).scaleb(-places)
    return f"{number.quantize(quantum, rounding=ROUND_HALF_UP):,.{places}f}"


def places_for(unit: str, value=None) -> int:
    """How many decimals a value of this unit is printed with (see the module's rules)."""
    if unit in COUNT_UNITS:
        number = _decimal(value)
        return 0 if number is None or number == number.to_integral_value() else 2
    return 2  # amounts, percentages, ratios and indices alike


def count_text(value) -> str:
    """A count: 5,010 (an average that is not whole keeps two decimals: 3.25)."""
    number = _decimal(value)
    if number is None:
        return EMPTY
    return _fixed(number, 0 if number == number.to_integral_value() else 2)


def percent_text(fraction) -> str:
    """A fraction (0.9928) as a percentage with two decimals: 99.28%."""
    number = _decimal(fraction)
    return EMPTY if number is None else f"{_fixed(100 * number, 2)}%"


def percent_of(numerator, denominator) -> str:
    """numerator / denominator as a percentage with two decimals; an em dash when there is nothing to divide by."""
    if not denominator:
        return EMPTY
    return percent_text(Decimal(str(numerator)) / Decimal(str(denominator)))


def figure_text(value, unit: str = "") -> str:
    """A figure with its unit as a report prints it: 56.32 亿元, 99.28%, 5,010 人次, 1.43 件/亿元, 84.65."""
    number = _decimal(value)
    if number is None:
        return EMPTY
    unit = unit or ""
    if unit == PERCENT:  # the value is already in percent (99.28 means 99.28 %)
        return f"{_fixed(number, 2)}%"
    text = _fixed(number, places_for(unit, number))
    return f"{text} {unit}".strip()


def excel_format(unit: str = "", value=None) -> str:
    """The Excel number format that shows a figure as `figure_text` does (without the unit, which the column
    header carries): '#,##0' for whole counts, '#,##0.00' otherwise."""
    return "#,##0" if places_for(unit or "", value) == 0 else "#,##0.00"


EXCEL_PERCENT = "0.00%"  # a fraction shown as a percentage with two decimals
EXCEL_COUNT = "#,##0"
EXCEL_DECIMAL = "#,##0.00"  # averages, amounts, ratios
