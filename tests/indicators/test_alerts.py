"""Alerts: a value past a threshold raises one alert per breach, which opens a work order to the unit through
the work-order services; evaluating again changes nothing; back in green clears it; worse is a new breach."""

from __future__ import annotations

import pytest

from tests.indicators.conftest import NOW, at, complaint, definition
from xiaobao.core.models import User
from xiaobao.indicators import services
from xiaobao.indicators.models import Alert
from xiaobao.workorders.models import WorkOrder

pytestmark = pytest.mark.django_db


@pytest.fixture
def breached(world):
    """2025-Q1 按时办结率 (target 95, amber below 90, red below 80): A 80 amber, B 0 red, HQ 66.67 red, A1 green."""
    services.target_set(
        actor=User.objects.get(pk=world.hq_admin.pk),
        definition=definition("complaints_on_time_rate"),
        year=2025,
        target=95,
        amber=90,
        red=80,
        now=NOW,
    )
    services.indicator_compute(period="2025-Q1", now=NOW)
    return world


def open_alerts():
    return {(a.org_unit.code, a.level) for a in Alert.objects.filter(cleared_at__isnull=True)}


def test_each_breach_raises_one_alert_with_a_work_order_to_the_unit(breached):
    result = services.alerts_evaluate(period="2025-Q1", now=NOW)
    assert result["raised"] == 3
    assert open_alerts() == {("A", "amber"), ("B", "red"), ("HQ", "red")}
    for alert in Alert.objects.all():
        order = WorkOrder.objects.get(pk=alert.workorder_id)
        assert order.org_unit_id == alert.org_unit_id
        assert order.kind == WorkOrder.Kind.RECTIFICATION
        assert order.source_id == str(alert.pk)
        assert "投诉按时办结率" in order.title
    b = Alert.objects.get(org_unit=breached.branch_b)
    assert (b.value, b.threshold) == (0, 80)


def test_evaluating_again_changes_nothing(breached):
    services.alerts_evaluate(period="2025-Q1", now=NOW)
    orders = WorkOrder.objects.count()
    again = services.alerts_evaluate(period="2025-Q1", now=NOW)
    assert again == {"raised": 0, "cleared": 0, "kept": 3}
    assert WorkOrder.objects.count() == orders and Alert.objects.count() == 3


def test_back_in_green_clears_the_alert(breached):
    services.alerts_evaluate(period="2025-Q1", now=NOW)
    for day in range(1, 10):  # B: 9 more closed on time → 9 of 10 = 90 %: green
        complaint(breached.branch_b, at(2025, 3, day, 9), closed_days=3)
    services.indicator_compute(period="2025-Q1", now=NOW)
    result = services.alerts_evaluate(period="2025-Q1", now=NOW)
    assert result["cleared"] == 1
    assert ("B", "red") not in open_alerts()
    assert Alert.objects.get(org_unit=breached.branch_b).cleared_at == NOW


def test_getting_worse_is_a_new_breach_and_better_but_not_green_keeps_the_alert(breached):
    services.alerts_evaluate(period="2025-Q1", now=NOW)
    complaint(breached.branch_a, at(2025, 3, 3, 9), closed_days=20, decided_days=20)  # A: 4 of 6 = 66.7 %: red
    services.indicator_compute(period="2025-Q1", now=NOW)
    services.alerts_evaluate(period="2025-Q1", now=NOW)
    assert ("A", "red") in open_alerts() and ("A", "amber") not in open_alerts()
    assert Alert.objects.filter(org_unit=breached.branch_a).count() == 2
    orders = WorkOrder.objects.count()
    for day in range(10, 15):  # A: 9 of 11 = 81.8 %: amber again, the red alert stays
        complaint(breached.branch_a, at(2025, 3, day, 9), closed_days=3)
    services.indicator_compute(period="2025-Q1", now=NOW)
    result = services.alerts_evaluate(period="2025-Q1", now=NOW)
    assert ("A", "red") in open_alerts() and result["raised"] == 0
    assert WorkOrder.objects.count() == orders


def test_a_unit_target_wins_over_the_company_wide_one(breached):
    services.target_set(
        actor=User.objects.get(pk=breached.hq_admin.pk),
        definition=definition("complaints_on_time_rate"),
        org_unit=breached.branch_a,
        year=2025,
        target=80,
        amber=75,
        red=60,
        now=NOW,
    )
    services.alerts_evaluate(period="2025-Q1", now=NOW)
    assert {code for code, _level in open_alerts()} == {"B", "HQ"}  # A at 80 meets its own target


def test_no_target_no_alert(world):
    services.indicator_compute(period="2025-Q1", now=NOW)
    assert services.alerts_evaluate(period="2025-Q1", now=NOW)["raised"] == 0


def test_the_sweep_recomputes_when_a_source_moved_then_evaluates(breached):
    now = at(2025, 4, 2, 9)  # Q2 has begun: Q1 is the previous quarter
    first = services.sweep(now=now)
    assert "complaints" in first["sources"]
    # the current and previous quarter and year. 按时办结率 counts by the deadline in force (issue 17): A's
    # complaints due in the first days of Q2 and not decided by then count as late, so Q2 and the year so far
    # breach for A and head office as well as Q1 for B and head office
    assert set(first["periods"]) == {"2025-Q2", "2025-Q1", "2025", "2024"}
    assert first["alerts"]["raised"] == 8
    assert {(a.period, a.org_unit.code) for a in Alert.objects.filter(level="red")} == {
        ("2025-Q1", "B"),
        ("2025-Q1", "HQ"),
        ("2025-Q2", "A"),
        ("2025-Q2", "HQ"),
        ("2025", "A"),
        ("2025", "B"),
        ("2025", "HQ"),
    }
    second = services.sweep(now=now)
    assert second["sources"] == [] and second["periods"] == {} and second["alerts"]["raised"] == 0
    complaint(breached.branch_b, at(2025, 3, 30, 9), closed_days=1)
    third = services.sweep(now=now)
    assert third["sources"] == ["complaints"] and third["periods"]["2025-Q1"] > 0


def test_the_alert_list_links_only_work_orders_the_reader_may_open(breached, client):
    """An alert of a unit in my reach may carry a work order I may not open: it is named, never linked."""
    from django.urls import reverse

    from xiaobao.workorders.selectors import visible_orders

    services.alerts_evaluate(period="2025-Q1", now=NOW)
    a_alert = Alert.objects.get(org_unit=breached.branch_a)
    # the order goes to branch B's staff instead: officer A still sees the alert of A, not the order
    WorkOrder.objects.filter(pk=a_alert.workorder_id).update(org_unit=breached.branch_b, issuer=breached.hq_admin)
    officer = User.objects.get(pk=breached.officer_a.pk)
    assert not visible_orders(officer).filter(pk=a_alert.workorder_id).exists()
    client.force_login(officer)
    html = client.get(reverse("indicators:alerts")).content.decode()
    assert 'data-code="complaints_on_time_rate"' in html  # the alert itself is listed
    assert reverse("workorders:detail", args=[a_alert.workorder_id]) not in html
    assert 'data-testid="alert-workorder-hidden"' in html
    client.force_login(breached.hq_admin)
    html = client.get(reverse("indicators:alerts")).content.decode()
    order = WorkOrder.objects.get(pk=a_alert.workorder_id)
    assert reverse("workorders:detail", args=[order.pk]) in html and order.number in html
