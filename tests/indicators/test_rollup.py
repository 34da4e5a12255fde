"""Rollup to parents: counts are summed; rates are recomputed from the summed numerators and denominators
(never the average of the children's rates); collected values roll up to the units that entered none; formulas
are recomputed from the rolled-up inputs."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.indicators.conftest import NOW, definition, q
from xiaobao.indicators import services
from xiaobao.indicators.models import IndicatorValue

pytestmark = pytest.mark.django_db


def current(code: str, unit, period: str):
    row = IndicatorValue.objects.filter(definition__code=code, org_unit=unit, period=period, is_current=True).first()
    return row.value if row else "no row"


def collect(actor, code, unit, period="2025", **values):
    return services.value_collect(
        actor=actor, definition=definition(code), org_unit=unit, period=period, now=NOW, **values
    )


def test_a_computed_rate_is_not_the_average_of_the_children_rates(world):
    services.indicator_compute(period="2025-Q1", now=NOW)
    a, b, hq = (current("complaints_on_time_rate", u, "2025-Q1") for u in (world.branch_a, world.branch_b, world.hq))
    assert (a, b) == (80, 0)
    assert hq == q(400 / 6)  # 4 of 6 closed on time
    assert hq != (a + b) / 2


def test_a_collected_rate_rolls_up_from_numerators_and_denominators(cast):
    collect(cast.hq_admin, "e_rate_underwriting", cast.branch_a, numerator=99, denominator=100)
    collect(cast.hq_admin, "e_rate_underwriting", cast.branch_b, numerator=45, denominator=50)
    assert current("e_rate_underwriting", cast.hq, "2025") == 96  # 144 / 150, not mean(99, 90) = 94.5
    row = IndicatorValue.objects.get(definition__code="e_rate_underwriting", org_unit=cast.hq, is_current=True)
    assert (row.numerator, row.denominator, row.source) == (144, 150, IndicatorValue.Source.ROLLUP)


def test_a_child_rate_without_its_parts_leaves_the_parent_without_a_value(cast):
    collect(cast.hq_admin, "e_rate_underwriting", cast.branch_a, numerator=99, denominator=100)
    collect(cast.hq_admin, "e_rate_underwriting", cast.branch_b, value="90")
    assert current("e_rate_underwriting", cast.hq, "2025") is None


def test_a_count_is_summed_and_a_unit_own_entry_wins_over_its_children(cast):
    collect(cast.hq_admin, "premium_income_100m", cast.sub_a, value="1.0")
    collect(cast.hq_admin, "premium_income_100m", cast.branch_a, value="2.5")  # A's whole figure, A1 included
    collect(cast.hq_admin, "premium_income_100m", cast.sub_b, value="1.5")  # B entered nothing: rolled up
    assert current("premium_income_100m", cast.branch_a, "2025") == Decimal("2.5")
    assert current("premium_income_100m", cast.branch_b, "2025") == Decimal("1.5")
    assert current("premium_income_100m", cast.hq, "2025") == 4


def test_an_indicator_without_rollup_stays_where_it_was_entered(cast):
    collect(cast.hq_admin, "service_quality_index", cast.branch_a, value="84.65")
    assert current("service_quality_index", cast.hq, "2025") == "no row"


def test_a_formula_is_recomputed_from_the_rolled_up_inputs(world):
    services.indicator_compute(period="2025", now=NOW)
    collect(world.hq_admin, "premium_income_100m", world.branch_a, value="2.5")
    collect(world.hq_admin, "premium_income_100m", world.branch_b, value="1.5")
    # 2025 complaints: A subtree 7, B 1, HQ 8
    a = current("complaints_per_100m_premium", world.branch_a, "2025")
    b = current("complaints_per_100m_premium", world.branch_b, "2025")
    hq = current("complaints_per_100m_premium", world.hq, "2025")
    assert (a, b, hq) == (q(7 / 2.5), q(1 / 1.5), q(8 / 4))
    assert hq != q((a + b) / 2)


def test_a_formula_dividing_by_zero_has_no_value(world):
    services.indicator_compute(period="2025", now=NOW)
    collect(world.hq_admin, "premium_income_100m", world.branch_b, value="0")
    assert current("complaints_per_100m_premium", world.branch_b, "2025") is None
    assert current("complaints_per_100m_premium", world.branch_a, "2025") == "no row"  # no premium entered


def test_a_formula_on_a_formula_of_counts(world):
    services.indicator_compute(period="2025", now=NOW)
    collect(world.hq_admin, "policies_in_force", world.branch_a, value="20000")
    assert current("complaints_per_10k_policies", world.branch_a, "2025") == q(7 / 20000 * 10000)
    assert current("complaints_per_10k_policies", world.hq, "2025") == q(8 / 20000 * 10000)


def test_every_shipped_collected_indicator_rolls_up_by_its_rule(cast):
    from xiaobao.indicators.models import IndicatorDefinition as D

    collected = D.objects.filter(source="collected")
    assert collected.exists()
    for d in collected:
        if d.rollup == "ratio":  # A 9 of 10, B1 1 of 30: the company 10 of 40 (25 %), not mean(90, 3.33)
            collect(cast.hq_admin, d.code, cast.branch_a, numerator=9, denominator=10)
            collect(cast.hq_admin, d.code, cast.sub_b, numerator=1, denominator=30)
            assert current(d.code, cast.hq, "2025") == q(10 / 40 * 100), d.code
            assert current(d.code, cast.branch_b, "2025") == q(1 / 30 * 100), d.code
        elif d.rollup == "sum":
            collect(cast.hq_admin, d.code, cast.branch_a, value="3")
            collect(cast.hq_admin, d.code, cast.sub_b, value="4")
            assert current(d.code, cast.hq, "2025") == 7, d.code
        else:
            assert d.rollup == "none", d.code
            collect(cast.hq_admin, d.code, cast.branch_a, value="80")
            assert current(d.code, cast.hq, "2025") == "no row", d.code
