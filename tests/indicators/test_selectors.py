"""Indicator reads are scoped: a branch officer reads the values of the branch's subtree only, company-wide
roles read all, a user without the permission reads nothing; the cockpit, comparison, series and drill-down."""

from __future__ import annotations

import pytest
from django.http import Http404

from tests.indicators.conftest import NOW, definition
from xiaobao.core.models import User
from xiaobao.indicators import selectors, services

pytestmark = pytest.mark.django_db


@pytest.fixture
def computed(world):
    services.indicator_compute(period="2025-Q1", now=NOW)
    services.indicator_compute(period="2024-Q4", now=NOW)
    services.target_set(
        actor=User.objects.get(pk=world.hq_admin.pk),
        definition=definition("complaints_on_time_rate"),
        year=2025,
        target=95,
        amber=90,
        red=80,
        now=NOW,
    )
    services.alerts_evaluate(period="2025-Q1", now=NOW)
    return world


def fresh(user):
    return User.objects.get(pk=user.pk)


def units_seen(user) -> set[str]:
    return set(selectors.values_for(fresh(user), period="2025-Q1").values_list("org_unit__code", flat=True))


def test_a_branch_officer_reads_the_branch_subtree_only(computed):
    assert units_seen(computed.officer_a) == {"A", "A1"}
    assert units_seen(computed.officer_b) == {"B", "B1"}


def test_company_wide_roles_read_everything_and_outsiders_nothing(computed):
    assert units_seen(computed.hq_admin) == {"HQ", "A", "A1", "B", "B1"}
    assert units_seen(computed.manager) == {"HQ", "A", "A1", "B", "B1"}
    assert units_seen(computed.outsider) == set()
    assert not selectors.definitions(fresh(computed.outsider)).exists()
    assert selectors.home_unit(fresh(computed.outsider)) is None


def test_a_unit_outside_reach_is_not_found(computed):
    with pytest.raises(Http404):
        selectors.get_unit_for_user(fresh(computed.officer_a), computed.branch_b.pk)
    assert selectors.get_unit_for_user(fresh(computed.officer_a), computed.sub_a.pk) == computed.sub_a
    with pytest.raises(Http404):
        selectors.get_definition_for_user(fresh(computed.outsider), "complaints_count")
    assert selectors.get_definition_for_user(fresh(computed.officer_a), "complaints_count").code == "complaints_count"


def test_history_and_series_stay_in_reach(computed):
    rate = definition("complaints_on_time_rate")
    assert list(selectors.history(fresh(computed.officer_a), rate, computed.branch_b, "2025-Q1")) == []
    assert selectors.series(fresh(computed.officer_a), rate, computed.branch_b, ["2025-Q1"]) == [
        {"period": "2025-Q1", "value": None}
    ]
    series = selectors.series(fresh(computed.officer_a), rate, computed.branch_a, ["2024-Q4", "2025-Q1"])
    # 按时办结率 counts by the deadline in force (issue 17): the complaint received 2024-12-31 is due in January,
    # so it belongs to 2025-Q1 and 2024-Q4 has nothing due — an empty rate, never a flattering 100
    assert [row["value"] for row in series] == [None, 80]


def test_comparison_ranks_the_children_in_the_indicator_direction(computed):
    rows = selectors.comparison(fresh(computed.hq_admin), definition("complaints_on_time_rate"), "2025-Q1")
    assert [(r["unit"].code, r["rank"], r["status"]) for r in rows] == [("A", 1, "amber"), ("B", 2, "red")]
    volume = selectors.comparison(fresh(computed.hq_admin), definition("complaints_count"), "2025-Q1")
    assert [r["unit"].code for r in volume] == ["B", "A"]  # fewer complaints is better
    mine = selectors.comparison(fresh(computed.officer_a), definition("complaints_count"), "2025-Q1")
    assert [r["unit"].code for r in mine] == ["A1"]  # a branch compares its own sub-branches


def test_the_cockpit_shows_the_key_indicators_of_the_home_unit(computed):
    board = selectors.cockpit(fresh(computed.hq_admin), "2025-Q1")
    assert board["unit"] == computed.hq
    tiles = {t.definition.code: t for t in board["tiles"]}
    assert set(tiles) == set(
        selectors.definitions(fresh(computed.hq_admin), key_only=True)
        .exclude(frequency="year")
        .values_list("code", flat=True)
    )
    rate = tiles["complaints_on_time_rate"]
    assert (rate.display, rate.target, rate.status) == ("66.67", 95, "red")
    assert rate.previous is None  # no complaint's deadline fell in 2024-Q4
    assert [p["period"] for p in rate.trend][-2:] == ["2024-Q4", "2025-Q1"] and len(rate.trend) == 8
    assert selectors.cockpit(fresh(computed.officer_a), "2025-Q1")["unit"] == computed.branch_a


def test_records_behind_a_number_point_at_the_list_with_unit_and_dates(computed):
    url, params = selectors.records_behind(
        fresh(computed.hq_admin), definition("complaints_count"), computed.branch_a, "2025-Q1"
    )
    assert url == "complaints:list"
    assert params == {
        "box": "all",
        "org_unit": computed.branch_a.pk,
        "received_from": "2025-01-01",
        "received_to": "2025-03-31",
    }
    assert (
        selectors.records_behind(fresh(computed.hq_admin), definition("premium_income_100m"), computed.hq, "2025")
        is None
    )


def test_alerts_and_targets_are_scoped(computed):
    assert {a.org_unit.code for a in selectors.alerts_for(fresh(computed.officer_a))} == {"A"}
    assert {a.org_unit.code for a in selectors.alerts_for(fresh(computed.hq_admin), {"state": "open"})} == {
        "A",
        "B",
        "HQ",
    }
    assert not selectors.alerts_for(fresh(computed.outsider)).exists()
    b_alert = selectors.alerts_for(fresh(computed.hq_admin)).get(org_unit=computed.branch_b)
    with pytest.raises(Http404):
        selectors.get_alert_for_user(fresh(computed.officer_a), b_alert.pk)
    assert selectors.targets_for(fresh(computed.officer_a), year=2025).count() == 1  # the company-wide one


def test_the_period_picker_lists_periods_with_values_newest_first(computed):
    assert selectors.period_codes(fresh(computed.hq_admin)) == ["2025-Q1", "2024-Q4"]
    assert selectors.display(definition("complaints_on_time_rate"), None) == "—"
