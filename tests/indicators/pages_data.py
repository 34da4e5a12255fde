"""Fixtures for the indicator page and report tests (imported by those modules; not a conftest, which the
engine tests own): stored values for 2024 written directly (the engine
that computes them is tested on its own), a target, and media in a temporary folder."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from xiaobao.indicators.models import IndicatorDefinition, IndicatorValue, Target

YEAR = 2024


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def put(code: str, unit, value, *, period: str = str(YEAR), numerator=None, denominator=None, source="computed"):
    """Store one current value (the engine's job in production: here the figures are chosen by hand)."""
    from xiaobao.indicators import periods

    parsed = periods.parse(period)
    return IndicatorValue.objects.create(
        definition=IndicatorDefinition.objects.get(code=code),
        org_unit=unit,
        period=parsed.code,
        period_start=parsed.start,
        period_end=parsed.end,
        value=None if value is None else Decimal(str(value)),
        numerator=None if numerator is None else Decimal(str(numerator)),
        denominator=None if denominator is None else Decimal(str(denominator)),
        source=source,
        computed_at=timezone.now(),
    )


@pytest.fixture
def figures(cast):
    """2024 by hand. Branch A closed 10 complaints, 9 on time (90 %); branch B closed 100, 10 on time (10 %):
    the company's rate is 19 / 110 = 17.27 %, not the mean of the rates (50 %). HQ's own row (全口径) also
    holds 5 complaints of its own. Premium income 2 亿元 (A) and 3 亿元 (B)."""
    put("complaints_count", cast.branch_a, 12)
    put("complaints_count", cast.branch_b, 120)
    put("complaints_count", cast.sub_a, 4)
    put("complaints_count", cast.sub_b, 20)
    put("complaints_count", cast.hq, 137)
    put("complaints_on_time_rate", cast.branch_a, 90, numerator=9, denominator=10)
    put("complaints_on_time_rate", cast.branch_b, 10, numerator=10, denominator=100)
    put("complaints_on_time_rate", cast.hq, "17.272727", numerator=19, denominator=110)
    put("premium_income_100m", cast.branch_a, 2, source="collected")
    put("premium_income_100m", cast.branch_b, 3, source="collected")
    put("premium_income_100m", cast.hq, 5, source="rollup")
    put("complaints_per_100m_premium", cast.branch_a, 6, source="formula")
    put("complaints_per_100m_premium", cast.branch_b, 40, source="formula")
    put("complaints_per_100m_premium", cast.hq, "27.4", source="formula")
    put("complaints_count", cast.hq, 100, period=str(YEAR - 1))
    Target.objects.create(
        definition=IndicatorDefinition.objects.get(code="complaints_on_time_rate"),
        org_unit=None,
        year=YEAR,
        target=Decimal(95),
        amber=Decimal(90),
        red=Decimal(80),
    )
    return cast


def year_start() -> date:
    return date(YEAR, 1, 1)
