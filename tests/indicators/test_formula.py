"""Formulas are parsed with `ast` against a whitelist (never evaluated by Python), checked for units, and
evaluated with Decimal arithmetic: a divisor of 0 or a missing input gives no value."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from xiaobao.indicators import error_codes as codes
from xiaobao.indicators import formula
from xiaobao.indicators.models import IndicatorDefinition


def evaluate(text: str, **values):
    return formula.parse(text).evaluate({k: Decimal(str(v)) for k, v in values.items()})


def test_the_shipped_formula_divides_complaints_by_premium():
    parsed = formula.parse("complaints_count / premium_income_100m")
    assert parsed.codes == {"complaints_count", "premium_income_100m"}
    assert parsed.evaluate({"complaints_count": Decimal(7), "premium_income_100m": Decimal("2.5")}) == Decimal("2.8")


def test_precedence_parentheses_and_unary_minus():
    assert evaluate("a + b * c", a=1, b=2, c=3) == 7
    assert evaluate("(a + b) * c", a=1, b=2, c=3) == 9
    assert evaluate("-a + 10", a=4) == 6
    assert evaluate("100 - a / b * 100", a=1, b=4) == 75


def test_division_by_zero_gives_no_value():
    assert evaluate("a / b", a=1, b=0) is None
    assert evaluate("a / (b - c)", a=1, b=2, c=2) is None


def test_a_missing_input_gives_no_value():
    assert formula.parse("a / b").evaluate({"a": Decimal(1)}) is None


@pytest.mark.parametrize(
    "text",
    [
        "__import__('os').system('true')",
        "a.__class__",
        "a.real",
        "abs(a)",
        "a[0]",
        "a ** 2",
        "a if b else c",
        "a < b",
        "'text'",
        "lambda: 1",
        "[a, b]",
        "a % b",
        "a // b",
        "True",
        "1j",
    ],
)
def test_anything_but_arithmetic_over_codes_is_refused(text):
    with pytest.raises(formula.FormulaError) as refused:
        formula.parse(text)
    assert refused.value.error_code in (codes.FORMULA_FORBIDDEN, codes.FORMULA_SYNTAX)


def test_calls_and_attributes_are_refused_as_forbidden():
    for text in ("__import__('os')", "open('x')", "a.b", "a[1]"):
        with pytest.raises(formula.FormulaError) as refused:
            formula.parse(text)
        assert refused.value.error_code == codes.FORMULA_FORBIDDEN, text


@pytest.mark.parametrize("text", ["", "a +", "(a", "a b", "x" * 301])
def test_malformed_text_is_a_syntax_refusal(text):
    with pytest.raises(formula.FormulaError) as refused:
        formula.parse(text)
    assert refused.value.error_code == codes.FORMULA_SYNTAX


def test_dimensions_combine_on_division_and_refuse_unlike_sums():
    units = {"complaints_count": "件", "premium_income_100m": "亿元", "rate": "%", "other": "件"}
    assert formula.parse("complaints_count / premium_income_100m").dimension(units) == "件/亿元"
    assert formula.parse("complaints_count + other").dimension(units) == "件"
    assert formula.parse("100 - rate").dimension(units) == "%"
    with pytest.raises(formula.FormulaError) as refused:
        formula.parse("complaints_count + rate").dimension(units)
    assert refused.value.error_code == codes.FORMULA_DIMENSION


@pytest.mark.django_db
def test_saving_a_definition_checks_codes_units_and_cycles():
    def candidate(code, text):
        return IndicatorDefinition(
            code=code, name="测试", unit="件", source="formula", formula=text, rollup="formula", category="complaints"
        )

    for text, code in (
        ("complaints_count + complaints_on_time_rate", codes.FORMULA_DIMENSION),
        ("complaints_count / no_such_code", codes.FORMULA_UNKNOWN_CODE),
        ("complaints_count.real", codes.FORMULA_FORBIDDEN),
    ):
        with pytest.raises(ValidationError) as refused:
            candidate("probe", text).full_clean()
        assert refused.value.error_dict["formula"][0].code == code, text
    shipped = IndicatorDefinition.objects.get(code="complaints_per_100m_premium")
    shipped.formula = "complaints_count / complaints_per_100m_premium"
    with pytest.raises(ValidationError) as refused:
        shipped.full_clean()
    assert refused.value.error_dict["formula"][0].code == codes.FORMULA_CYCLE


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_any_text_either_parses_or_is_refused_with_a_code(text):
    try:
        parsed = formula.parse(text)
    except formula.FormulaError as refused:
        assert refused.error_code.startswith("indicators.formula_")
    else:
        assert all(formula.CODE.match(code) for code in parsed.codes)


numbers = st.decimals(min_value=-(10**6), max_value=10**6, allow_nan=False, allow_infinity=False, places=3)


@settings(max_examples=200, deadline=None)
@given(numbers, numbers, numbers)
def test_evaluation_agrees_with_decimal_arithmetic(a, b, c):
    values = {"a": a, "b": b, "c": c}
    assert formula.parse("a + b * c").evaluate(values) == a + b * c
    assert formula.parse("(a - b) / c").evaluate(values) == (None if c == 0 else (a - b) / c)
