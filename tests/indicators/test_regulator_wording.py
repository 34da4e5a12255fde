"""The complaint-intensity ratios carry the regulator's names and units (issue 17, point 9; migration 0011)."""

import importlib

import pytest
from django.apps import apps

from xiaobao.indicators.models import IndicatorDefinition

wording = importlib.import_module("xiaobao.indicators.migrations.0011_regulator_ratio_wording")

pytestmark = pytest.mark.django_db

REGULATOR = {
    # as the regulator's quarterly reports write them (docs/indicators.md cites the reports)
    "complaints_per_100m_premium": ("亿元保费投诉量", "件/亿元"),
    "complaints_per_10k_policies": ("万张保单投诉量", "件/万张"),
    "complaints_per_10k_persons": ("万人次投诉量", "件/万人次"),
    "complaints_per_1k_outlets": ("平均每千营业网点投诉量", "件/千营业网点"),
    "complaints_per_10m_customers": ("平均每千万个人客户投诉量", "件/千万个人客户"),
    "fwd_complaints_per_1k_outlets": ("平均每千营业网点投诉量（监管转办口径）", "件/千营业网点"),
    "fwd_complaints_per_10m_customers": ("平均每千万个人客户投诉量（监管转办口径）", "件/千万个人客户"),
}


def test_shipped_ratios_use_the_regulators_names_and_units():
    shipped = {d.code: (d.name, d.unit) for d in IndicatorDefinition.objects.filter(code__in=REGULATOR)}
    assert shipped == REGULATOR


def test_a_name_or_unit_an_administrator_chose_is_kept():
    outlets = IndicatorDefinition.objects.get(code="complaints_per_1k_outlets")
    outlets.name, outlets.unit = "网点投诉强度", "件/千网点"
    outlets.save()
    policies = IndicatorDefinition.objects.get(code="complaints_per_10k_policies")
    policies.unit = "件/万件"  # the shipped wording before the migration
    policies.save()

    wording.forwards(apps, None)

    outlets.refresh_from_db()
    policies.refresh_from_db()
    assert (outlets.name, outlets.unit) == ("网点投诉强度", "件/千网点")
    assert policies.unit == "件/万张"


def test_backwards_restores_the_shipped_wording():
    wording.backwards(apps, None)
    outlets = IndicatorDefinition.objects.get(code="complaints_per_1k_outlets")
    assert (outlets.name, outlets.unit) == ("每千个营业网点投诉量", "件/千个")
