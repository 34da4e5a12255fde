"""The indicators demo: values for every unit by quarter and year from the other modules' demo data, the
2025 collected figures rolled up to the published company figures, targets, and alerts with work orders.

Loaded once for the package (tests/demo/conftest.py) inside a transaction rolled back at the end."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from xiaobao.core.models import OrgUnit
from xiaobao.indicators.models import Alert, IndicatorValue, Target
from xiaobao.workorders.models import WorkOrder


@pytest.fixture
def loaded(demo_output, db):
    return demo_output


def value(code: str, unit_code: str, period: str):
    return IndicatorValue.objects.get(
        definition__code=code, org_unit__code=unit_code, period=period, is_current=True
    ).value


def test_every_unit_has_computed_values_by_quarter_and_year(loaded):
    units = OrgUnit.objects.count()
    for period in ("2025-Q1", "2025-Q4", "2025", f"{timezone.localdate().year}-Q1"):
        assert (
            IndicatorValue.objects.filter(period=period, is_current=True, definition__code="complaints_count").count()
            == units
        )
    this_year = str(timezone.localdate().year)
    assert value("complaints_count", "HQ", this_year) > 0  # the complaints demo runs up to today


def test_the_2025_service_figures_roll_up_to_the_published_ones(loaded):
    assert round(value("e_rate_underwriting", "HQ", "2025"), 2) == Decimal("99.28")
    assert round(value("e_rate_preservation", "HQ", "2025"), 2) == Decimal("96.23")
    assert round(value("e_rate_claims", "HQ", "2025"), 2) == Decimal("95.64")
    assert round(value("claims_paid_rate", "HQ", "2025"), 2) == Decimal("99.76")
    assert value("claims_closed", "HQ", "2025") == 123_300
    assert value("service_quality_index", "HQ", "2025") == Decimal("84.65")
    assert value("premium_income_100m", "HQ", "2025") == Decimal("56.32")
    assert value("complaints_per_100m_premium", "HQ", "2025") is not None


def test_education_figures_come_from_the_plan_activities(loaded):
    assert value("education_events", "HQ", "2025") == 347
    assert value("education_reach", "HQ", "2025") == 7_855_300


def test_targets_and_alerts_with_their_work_orders(loaded):
    assert Target.objects.filter(year=2025, org_unit__code="HQ").exists()
    alerts = list(Alert.objects.all())
    assert alerts, "the demo shows a few alerts"
    for alert in alerts:
        assert WorkOrder.objects.filter(pk=alert.workorder_id, org_unit=alert.org_unit).exists()


def test_the_complaints_emergency_plan_resolves_to_a_published_knowledge_document(loaded):
    # 第二十九条: every 重大 case links the plan; in the full demo the rule names a real document
    from xiaobao.complaints import major

    plan = major.emergency_plan()
    assert plan["url"] and "应急预案" in plan["title"]


# --- the training year (training.demo), read as its pages and the indicators read it ---------------------


def test_the_training_year_adds_up_to_the_published_figures(loaded):
    from django.contrib.auth import get_user_model
    from django.db.models import Sum

    from xiaobao.demo import training_data as demo_data
    from xiaobao.training import contest_selectors
    from xiaobao.training import selectors as training

    admin = get_user_model().objects.get(username="xiaobao")
    year = demo_data.YEAR
    assert training.programmes_for(admin, {"year": year}).count() == 13
    assert training.courses_for(admin, {"year": year, "group": "all_staff"}).count() == 14
    assert training.courses_for(admin, {"year": year, "group": "operations"}).count() == 48
    for channel in demo_data.CHANNEL_NAMES:
        wanted = {"year": year, "group": "sales", "channel": channel}
        assert training.courses_for(admin, {**wanted, "compulsory": True}).count() == 2
        assert training.courses_for(admin, {**wanted, "compulsory": False}).count() == 9
    sessions = training.sessions_for(admin, {"year": year})
    assert sessions.aggregate(n=Sum("person_times"))["n"] == 5010
    sales = training.sessions_for(admin, {"year": year, "group": "sales"})
    assert sales.count() == 57
    assert sales.aggregate(n=Sum("person_times"))["n"] == 1936
    assert value("training_person_times", "HQ", str(year)) == 5010
    contest = contest_selectors.contests_for(admin).get(year=year)
    assert len(contest_selectors.participant_ids(contest)) == 571
    assert contest.awards.filter(team__isnull=False).count() == 3
    assert contest.awards.filter(staff__isnull=False).count() == 30


def test_every_training_attendee_was_examined_on_the_sessions_course(loaded):
    from xiaobao.training.models import Attempt, Attendance

    examined = set(
        Attempt.objects.filter(exam__course__isnull=False).values_list("staff_id", "exam__course_id").distinct()
    )
    assert len(examined) == 5010
    attended = Attendance.objects.values_list("staff_id", "session__courses")
    assert {pair for pair in attended if pair in examined} == examined


def test_coverage_leaves_out_only_the_december_joiners(loaded):
    from django.contrib.auth import get_user_model

    from xiaobao.demo import training_data as demo_data
    from xiaobao.training import selectors as training
    from xiaobao.training.coverage import coverage

    admin = get_user_model().objects.get(username="xiaobao")
    result = coverage(training.staff_for(admin), demo_data.YEAR)
    missing = [p for p in result.people if not p.covered]
    assert len(missing) == demo_data.NEW_JOINERS
    assert result.totals["rate"] < 100
    assert value("training_coverage_rate", "HQ", str(demo_data.YEAR)) == pytest.approx(
        Decimal(100 * result.totals["covered"]) / result.totals["people"], abs=Decimal("0.01")
    )
