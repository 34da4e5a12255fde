"""The plans demo (`xiaobao.demo.plans.load`): the seed year's plans through the real services, and the
activity records adding up exactly to the seed year's published education figures.

The demo is loaded once for the package (tests/demo/conftest.py), inside a transaction rolled back at the end.
"""

from __future__ import annotations

from datetime import date

import pytest

from xiaobao.core.models import User
from xiaobao.demo import plans as demo
from xiaobao.plans import selectors
from xiaobao.plans.models import Activity, Plan
from xiaobao.workflow.models import ProcessInstance


@pytest.fixture
def loaded(demo_output, db):
    return demo_output


def _admin():
    return User.objects.get(username=demo.ADMIN)


def test_the_year_adds_up_to_the_seed_figures(loaded):
    totals = selectors.rollup(_admin(), year=demo.YEAR).totals
    assert {k: totals[k] for k in demo.TOTALS} == demo.TOTALS
    assert totals["events"] == 347 and totals["reach"] == 7_855_300


def test_the_indicator_figures_agree_with_the_rollup(loaded):
    figures = selectors.activity_figures(
        date_from=date(demo.YEAR, 1, 1), date_to=date(demo.YEAR, 12, 31), plan_kind="campaign"
    )
    assert sum(row["events"] for row in figures.values()) == 347
    assert sum(row["articles"] for row in figures.values()) == 178
    assert sum(row["videos"] for row in figures.values()) == 50


def test_the_campaign_reaches_every_branch_and_its_orders_are_in_varied_states(loaded):
    campaign = Plan.objects.get(kind=Plan.Kind.CAMPAIGN, status=Plan.Status.IN_PROGRESS)
    rows = selectors.tasks_progress(_admin(), campaign)
    assert len(rows) == 4 and all(r["total"] == 3 for r in rows)
    statuses = {u["status"] for r in rows for u in r["units"]}
    assert {"closed", "submitted", "in_progress"} <= statuses
    assert any(u["supervised"] for r in rows for u in r["units"])
    assert sorted(u.code for u in campaign.participating_units.all()) == ["BJ", "HB", "TJ"]


def test_the_training_plan_leaves_the_sessions_to_the_training_app(loaded):
    figures = selectors.activity_figures(
        date_from=date(demo.YEAR, 1, 1), date_to=date(demo.YEAR, 12, 31), plan_kind="training"
    )
    assert sum(row["events"] for row in figures.values()) == 0
    assert Plan.objects.get(kind=Plan.Kind.TRAINING).status == Plan.Status.CLOSED


def test_every_activity_follows_the_rules(loaded):
    assert (
        not Activity.objects.filter(form=Activity.Form.OFFLINE, target="").exclude(task__plan__kind="training").exists()
    )
    assert not Activity.objects.exclude(form=Activity.Form.OFFLINE).exclude(target="").exists()
    assert all(a.task.units.filter(pk=a.org_unit_id).exists() for a in Activity.objects.select_related("task"))


def test_the_plans_are_in_their_statuses_with_their_approvals(loaded):
    assert sorted(Plan.objects.values_list("kind", "status")) == [
        ("annual", "in_progress"),
        ("campaign", "draft"),
        ("campaign", "in_progress"),
        ("training", "closed"),
    ]
    assert ProcessInstance.objects.filter(definition__key=selectors.PROCESS_KEY, status="completed").count() == 3


def test_loading_twice_adds_nothing(loaded):
    assert Activity.objects.count() == 347
    assert demo.load() == {"plans": 0, "activities": 0}
