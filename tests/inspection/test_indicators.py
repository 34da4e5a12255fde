"""质检覆盖率 and 违规率 in the indicators app: computed from the inspection figures, as the statistics page."""

from __future__ import annotations

from tests.inspection.conftest import NOW, record
from xiaobao.indicators import services as indicator_services
from xiaobao.indicators.models import IndicatorValue
from xiaobao.inspection import decisions
from xiaobao.inspection.models import Finding, Interaction

PROMISE = [("agent", "放心，这款稳赚不赔。")]
CLEAN = [("agent", "您好，请问有什么可以帮您？"), ("customer", "查保单。")]


def value(code: str, unit) -> IndicatorValue:
    return IndicatorValue.objects.get(definition__code=code, org_unit=unit, period="2025-Q1", is_current=True)


def test_coverage_and_violation_rate_are_computed_per_unit_and_rolled_up(ingest, agent_a, agent_b, inspector, cast):
    ingest(record("A1", PROMISE), record("A2", CLEAN), record("B1", CLEAN, agent="agent_b"))
    # one more interaction received but not scanned yet: coverage must show it
    Interaction.objects.filter(source_id="A2").update(scanned_at=None)
    indicator_services.indicator_compute(period="2025-Q1", now=NOW)
    coverage_a = value("inspection_coverage", cast.branch_a)
    assert (coverage_a.numerator, coverage_a.denominator) == (1, 2)
    violation_hq = value("inspection_violation_rate", cast.hq)
    assert (violation_hq.numerator, violation_hq.denominator) == (1, 2)


def test_a_dismissed_finding_no_longer_counts_but_an_undecided_one_does(ingest, agent_a, inspector, cast):
    ingest(record("A1", PROMISE), record("A2", PROMISE))
    first = Finding.objects.filter(interaction__source_id="A1").get()
    decisions.finding_dismiss(finding=first, actor=inspector, reason="上下文为否定", now=NOW)
    indicator_services.indicator_compute(period="2025-Q1", now=NOW)
    rate = value("inspection_violation_rate", cast.branch_a)
    assert (rate.numerator, rate.denominator) == (1, 2)
