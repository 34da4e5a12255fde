"""core.numbers: figures printed as people write them, the same in pages, Excel and Word."""

from __future__ import annotations

from decimal import Decimal

import pytest

from xiaobao.core import numbers


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (Decimal("56.3200"), "亿元", "56.32 亿元"),
        (Decimal("1.625"), "亿元", "1.63 亿元"),  # half up, as people round
        (Decimal("99.2800"), "%", "99.28%"),
        (Decimal("95.6"), "%", "95.60%"),
        (Decimal("5010"), "人次", "5,010 人次"),
        (Decimal("7855300.0000"), "人次", "7,855,300 人次"),
        (Decimal("3.25"), "件", "3.25 件"),  # an average of a count keeps its decimals
        (Decimal("1.4321"), "件/亿元", "1.43 件/亿元"),
        (Decimal("84.65"), "", "84.65"),
        (None, "亿元", "—"),
    ],
)
def test_a_figure_is_printed_with_its_units_precision(value, unit, text):
    assert numbers.figure_text(value, unit) == text


def test_percentages_have_two_decimals_and_nothing_to_divide_by_is_a_dash():
    assert numbers.percent_text(Decimal("0.9928")) == "99.28%"
    assert numbers.percent_text(1) == "100.00%"
    assert numbers.percent_of(50, 50) == "100.00%"
    assert numbers.percent_of(1, 3) == "33.33%"
    assert numbers.percent_of(3, 0) == "—"
    assert numbers.percent_text(None) == "—"


def test_counts_have_thousands_separators():
    assert numbers.count_text(5010) == "5,010"
    assert numbers.count_text(123_300) == "123,300"
    assert numbers.count_text(0) == "0"
    assert numbers.count_text(None) == "—"


def test_excel_shows_what_the_page_shows():
    assert numbers.excel_format("人次", 5010) == "#,##0"
    assert numbers.excel_format("件", Decimal("3.25")) == "#,##0.00"
    assert numbers.excel_format("亿元", Decimal("56.32")) == "#,##0.00"
    assert numbers.excel_format("%", Decimal("99.28")) == "#,##0.00"


def test_something_that_is_not_a_number_is_a_dash_not_an_error():
    assert numbers.figure_text("n/a", "件") == "—"
