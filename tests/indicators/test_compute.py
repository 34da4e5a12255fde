"""The engine recomputes every shipped computed indicator on a small fixture, matching figures worked out by
hand; values are written only when they change, and a change supersedes the old row (history kept)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.indicators.conftest import NOW, at, complaint, definition, expected, q
from xiaobao.complaints import selectors as complaint_selectors
from xiaobao.indicators import services
from xiaobao.indicators.models import IndicatorDefinition, IndicatorValue

pytestmark = pytest.mark.django_db


def current(code: str, unit, period: str = "2025-Q1"):
    row = IndicatorValue.objects.get(definition__code=code, org_unit=unit, period=period, is_current=True)
    return row.value


def test_every_shipped_computed_indicator_matches_the_hand_figures(world):
    services.indicator_compute(period="2025-Q1", now=NOW)
    shipped = set(IndicatorDefinition.objects.filter(source="computed").values_list("code", flat=True))
    figures = expected(world)
    assert shipped == set(figures), "every shipped computed indicator has hand figures"
    for code, by_unit in figures.items():
        for unit, value in by_unit.items():
            want = None if value is None else q(value)
            assert current(code, unit) == want, (code, unit.code)


def test_complaint_figures_agree_with_the_statistics_page(world):
    services.indicator_compute(period="2025-Q1", now=NOW)
    page = complaint_selectors.statistics(
        world.hq_admin, {"received_from": "2025-01-01", "received_to": "2025-03-31"}, now=NOW
    )["totals"]
    assert current("complaints_count", world.hq) == page["total"]
    assert round(current("complaints_on_time_rate", world.hq), 2) == Decimal(str(page["on_time_rate"]))
    assert round(current("complaints_repeat_rate", world.hq), 2) == Decimal(str(page["repeat_rate"]))
    assert round(current("complaints_avg_days", world.hq), 1) == Decimal(str(page["avg_days"]))


def test_a_rate_keeps_its_numerator_and_denominator(world):
    services.indicator_compute(period="2025-Q1", now=NOW)
    row = IndicatorValue.objects.get(
        definition__code="complaints_on_time_rate", org_unit=world.hq, period="2025-Q1", is_current=True
    )
    assert (row.numerator, row.denominator) == (4, 6)
    assert row.source == IndicatorValue.Source.COMPUTED


def test_a_second_run_writes_nothing(world):
    first = services.indicator_compute(period="2025-Q1", now=NOW)
    assert first["written"] > 0
    again = services.indicator_compute(period="2025-Q1", now=NOW)
    assert again["written"] == 0
    assert again["unchanged"] == first["written"]


def test_a_change_in_the_source_supersedes_only_the_values_it_moves(world):
    services.indicator_compute(period="2025-Q1", now=NOW)
    before = IndicatorValue.objects.count()
    complaint(world.branch_b, at(2025, 3, 2, 9), closed_days=4)  # B: 2 received, 1 of 2 on time
    result = services.indicator_compute(period="2025-Q1", now=NOW)
    # count, on-time rate, repeat rate and average days move for B and HQ; nothing else
    assert result["written"] == 8
    assert IndicatorValue.objects.count() == before + 8
    assert current("complaints_on_time_rate", world.branch_b) == 50
    old = IndicatorValue.objects.get(
        definition__code="complaints_on_time_rate", org_unit=world.branch_b, period="2025-Q1", is_current=False
    )
    assert old.value == 0 and old.superseded_at == NOW


def test_a_year_includes_every_quarter_and_nothing_outside(world):
    services.indicator_compute(period="2025", now=NOW)
    # A subtree: four of its own and two of A1 in Q1, one on 2025-04-01 00:00
    assert current("complaints_count", world.branch_a, "2025") == 7
    services.indicator_compute(period="2024", now=NOW)
    assert current("complaints_count", world.branch_a, "2024") == 1  # 2024-12-31 23:59 local time


def test_a_quarters_intensity_is_its_own_complaints_over_its_own_premium_and_none_without_it(world):
    # issue 17: the regulator reports 亿元保费投诉量 per quarter; no premium entered for the quarter, no ratio
    services.indicator_compute(period="2025-Q1", now=NOW)
    assert not IndicatorValue.objects.filter(definition__code="complaints_per_100m_premium", period="2025-Q1").exists()
    services.value_collect(
        actor=world.hq_admin, definition=definition("premium_income_100m"), org_unit=world.hq, period="2025", value="8"
    )
    assert not IndicatorValue.objects.filter(definition__code="complaints_per_100m_premium", period="2025-Q1").exists()
    services.value_collect(
        actor=world.hq_admin,
        definition=definition("premium_income_100m"),
        org_unit=world.hq,
        period="2025-Q1",
        value="2",
        now=NOW,
    )
    quarter = current("complaints_count", world.hq)
    assert current("complaints_per_100m_premium", world.hq) == q(Decimal(quarter) / 2)


def test_an_inactive_definition_is_not_computed(world):
    IndicatorDefinition.objects.filter(code="reviews_count").update(is_active=False)
    services.indicator_compute(period="2025-Q1", now=NOW)
    assert not IndicatorValue.objects.filter(definition__code="reviews_count").exists()


def test_computing_one_definition_leaves_the_others_alone(world):
    services.indicator_compute(definitions=[definition("complaints_count")], period="2025-Q1", now=NOW)
    assert set(IndicatorValue.objects.values_list("definition__code", flat=True)) == {"complaints_count"}


def test_a_malformed_period_is_refused(world):
    with pytest.raises(ValueError):
        services.indicator_compute(period="2025-Q5", now=NOW)
