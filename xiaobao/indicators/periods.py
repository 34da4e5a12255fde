"""Reporting periods: "2024" (year), "2024-Q1" (quarter), "2024-03" (month), with their first and last day."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

YEAR, QUARTER, MONTH = "year", "quarter", "month"
# Coarser kinds hold finer ones: a quarterly indicator is also reported per year, never per month.
GRAIN = {MONTH: 0, QUARTER: 1, YEAR: 2}
_PATTERN = re.compile(r"^(?P<year>\d{4})(?:-Q(?P<quarter>[1-4])|-(?P<month>0[1-9]|1[0-2]))?$")


@dataclass(frozen=True, order=True)
class Period:
    start: date
    end: date
    kind: str
    code: str

    @property
    def year(self) -> int:
        return self.start.year

    def __str__(self) -> str:
        return self.code


def parse(code: str) -> Period:
    """The period a code names; ValueError when it names none."""
    match = _PATTERN.match(str(code or "").strip())
    if not match:
        raise ValueError(code)
    year = int(match["year"])
    if match["quarter"]:
        q = int(match["quarter"])
        start = date(year, 3 * q - 2, 1)
        return Period(start, _month_end(year, 3 * q), QUARTER, f"{year}-Q{q}")
    if match["month"]:
        m = int(match["month"])
        return Period(date(year, m, 1), _month_end(year, m), MONTH, f"{year}-{m:02d}")
    return Period(date(year, 1, 1), date(year, 12, 31), YEAR, str(year))


def _month_end(year: int, month: int) -> date:
    first_next = date(year + (month == 12), month % 12 + 1, 1)
    return first_next - timedelta(days=1)


def containing(day: date, kind: str) -> Period:
    """The period of `kind` that contains `day`."""
    if kind == YEAR:
        return parse(str(day.year))
    if kind == QUARTER:
        return parse(f"{day.year}-Q{(day.month - 1) // 3 + 1}")
    return parse(f"{day.year}-{day.month:02d}")


def previous(period: Period) -> Period:
    return containing(period.start - timedelta(days=1), period.kind)


def of_year(year: int, kind: str) -> list[Period]:
    """Every period of `kind` in `year`, in order."""
    if kind == YEAR:
        return [parse(str(year))]
    if kind == QUARTER:
        return [parse(f"{year}-Q{q}") for q in range(1, 5)]
    return [parse(f"{year}-{m:02d}") for m in range(1, 13)]


def applies(frequency: str, period: Period) -> bool:
    """Whether an indicator of `frequency` has a value for `period` (same grain or coarser)."""
    return GRAIN[period.kind] >= GRAIN[frequency]
