"""Plan and activity reads: scope (404 outside, 403 read-only writes), progress from the work orders,
roll-ups and the unscoped figures for indicators."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from tests.helpers import make_user
from tests.plans.conftest import LATER, NOW, at
from xiaobao.plans import selectors, services
from xiaobao.plans.models import Plan
from xiaobao.workorders import selectors as workorder_selectors
from xiaobao.workorders import services as workorders


def _activity(actor, plan, **fields):
    arguments = {
        "actor": actor,
        "task": plan.tasks.get(),
        "held_on": date(2025, 3, 15),
        "title": "宣传",
        "form": "offline",
        "target": "community",
        "reach": 100,
        "participants": 40,
        "now": LATER,
    }
    arguments.update(fields)
    return services.activity_record(**arguments)


# --- plans ---------------------------------------------------------------------------------------------


def test_a_draft_is_seen_by_its_owner_unit_and_company_wide_roles_only(cast, new_plan):
    plan = new_plan()
    assert list(selectors.plans_for(cast.hq_admin)) == [plan]
    assert list(selectors.plans_for(cast.manager)) == [plan]
    assert not selectors.plans_for(cast.officer_a).exists()
    assert not selectors.plans_for(cast.outsider).exists()
    with pytest.raises(Http404):
        selectors.get_plan_for_user(cast.officer_a, plan.pk)


def test_an_issued_plan_is_seen_by_its_participating_units(cast, running_plan):
    assert list(selectors.plans_for(cast.officer_a)) == [running_plan]
    assert selectors.get_plan_for_user(cast.officer_b, running_plan.pk) == running_plan
    with pytest.raises(Http404):
        selectors.get_plan_for_user(cast.outsider, running_plan.pk)


def test_a_sub_branch_sees_the_plan_its_branch_takes_part_in_and_may_record_on_its_tasks(cast, running_plan):
    officer = make_user("officer_a1", cast.sub_a, "branch_officer", "王芳")
    assert selectors.get_plan_for_user(officer, running_plan.pk) == running_plan
    assert list(selectors.tasks_open_for(officer)) == [running_plan.tasks.get()]
    other = make_user("officer_b1", cast.sub_b, "branch_officer", "赵强")
    assert list(selectors.plans_for(other)) == [running_plan]  # B takes part too
    assert not selectors.plans_for(cast.outsider).exists()


def test_writes_need_change_scope_over_the_owner_unit(cast, running_plan):
    assert selectors.get_plan_for_user(cast.hq_admin, running_plan.pk, for_write=True) == running_plan
    with pytest.raises(PermissionDenied):
        selectors.get_plan_for_user(cast.manager, running_plan.pk, for_write=True)
    with pytest.raises(PermissionDenied):
        selectors.get_plan_for_user(cast.officer_a, running_plan.pk, for_write=True)


def test_a_branch_plan_is_not_seen_by_another_branch(cast):
    plan = services.plan_create(
        actor=cast.officer_a,
        name="北京分公司方案",
        kind="other",
        period_start=date(2025, 1, 1),
        period_end=date(2025, 12, 31),
        description="x",
        now=NOW,
    )
    assert list(selectors.plans_for(cast.officer_a)) == [plan]
    assert selectors.get_plan_for_user(cast.officer_a, plan.pk, for_write=True) == plan
    assert not selectors.plans_for(cast.officer_b).exists()


def test_plans_filter_by_kind_status_year_and_name(cast, new_plan):
    campaign = new_plan()
    annual = new_plan(
        name="2024年度工作计划",
        kind=Plan.Kind.ANNUAL,
        period_start=date(2024, 1, 1),
        period_end=date(2024, 12, 31),
        task={"title": "自查", "due_on": date(2024, 6, 30)},
    )
    assert list(selectors.plans_for(cast.hq_admin, {"kind": "annual"})) == [annual]
    assert list(selectors.plans_for(cast.hq_admin, {"year": 2025})) == [campaign]
    assert list(selectors.plans_for(cast.hq_admin, {"q": "年度"})) == [annual]
    # both open: the one whose period ends first comes first (issue 21: what needs action first)
    assert list(selectors.plans_for(cast.hq_admin, {"status": "draft"})) == [annual, campaign]


# --- progress ------------------------------------------------------------------------------------------


def test_progress_counts_the_work_orders_per_task_and_per_unit(cast, running_plan):
    order_a = workorder_selectors.work_orders_visible_to(cast.officer_a, {"box": "todo"}).get()
    workorders.workorder_accept(order=order_a, actor=cast.officer_a, now=NOW)
    workorders.workorder_submit_feedback(order=order_a, actor=cast.officer_a, text="已完成。", now=LATER)
    workorders.workorder_review(order=order_a, actor=cast.hq_admin, approved=True, now=LATER)
    (row,) = selectors.tasks_progress(cast.hq_admin, running_plan, now=LATER)
    assert (row["total"], row["done"], row["overdue"], row["percent"]) == (2, 1, 0, 50)
    assert [(u["unit"].code, u["status"], u["done"]) for u in row["units"]] == [
        ("A", "closed", True),
        ("B", "pending_accept", False),
    ]
    late = selectors.tasks_progress(cast.hq_admin, running_plan, now=at(2025, 4, 2, 9))[0]
    assert late["overdue"] == 1 and late["units"][1]["overdue"]
    assert selectors.plan_progress_for_many([running_plan])[running_plan.pk]["done"] == 1


def test_a_branch_sees_the_totals_but_only_its_own_units_rows(cast, running_plan):
    (row,) = selectors.tasks_progress(cast.officer_b, running_plan, now=NOW)
    assert row["total"] == 2
    assert [u["unit"].code for u in row["units"]] == ["B"]


def test_a_plan_not_issued_has_no_progress(cast, new_plan):
    plan = new_plan()
    (row,) = selectors.tasks_progress(cast.hq_admin, plan)
    assert not row["issued"] and row["total"] == 0 and row["units"] == []
    assert selectors.plan_progress_for_many([plan])[plan.pk]["total"] == 0


# --- activities ------------------------------------------------------------------------------------


def test_activities_are_seen_by_their_units_subtree_and_changed_only_by_the_unit(cast, running_plan):
    mine = _activity(cast.officer_a, running_plan)
    theirs = _activity(cast.officer_b, running_plan, title="河北宣传")
    assert list(selectors.activities_for(cast.officer_a)) == [mine]
    assert set(selectors.activities_for(cast.hq_admin)) == {mine, theirs}
    assert set(selectors.activities_for(cast.manager)) == {mine, theirs}
    with pytest.raises(Http404):
        selectors.get_activity_for_user(cast.officer_a, theirs.pk)
    with pytest.raises(Http404):
        selectors.get_activity_for_user(cast.outsider, mine.pk)
    with pytest.raises(PermissionDenied):
        selectors.get_activity_for_user(cast.manager, mine.pk, for_write=True)
    assert selectors.get_activity_for_user(cast.officer_a, mine.pk, for_write=True) == mine


def test_activities_filter(cast, running_plan):
    one = _activity(cast.officer_a, running_plan)
    two = _activity(
        cast.officer_a, running_plan, title="推文", form="article", target="", articles=1, held_on=date(2025, 3, 10)
    )
    assert list(selectors.activities_for(cast.hq_admin, {"form": "article"})) == [two]
    assert list(selectors.activities_for(cast.hq_admin, {"target": "community"})) == [one]
    assert list(selectors.activities_for(cast.hq_admin, {"date_to": date(2025, 3, 12)})) == [two]
    assert list(selectors.activities_for(cast.hq_admin, {"q": "推文"})) == [two]
    assert list(selectors.activities_for(cast.hq_admin, {"org_unit": cast.branch_b.pk})) == []
    assert list(selectors.activities_for(cast.hq_admin, {"plan": running_plan.pk})) == [one, two]


def test_tasks_open_for_a_unit(cast, running_plan, new_plan):
    new_plan(name="草稿")  # a draft's tasks are not open for records
    task = running_plan.tasks.get()
    assert list(selectors.tasks_open_for(cast.officer_a)) == [task]
    assert list(selectors.tasks_open_for(cast.hq_admin, cast.sub_a)) == [task]  # via its branch
    assert list(selectors.tasks_open_for(cast.hq_admin, cast.hq)) == []


# --- roll-ups --------------------------------------------------------------------------------------


def test_rollup_sums_per_unit_by_form_target_and_month(cast, running_plan):
    _activity(cast.officer_a, running_plan, reach=100, participants=40)
    _activity(cast.officer_a, running_plan, reach=50, participants=10, target="school")
    _activity(cast.officer_b, running_plan, form="video", target="", videos=2, reach=3000, participants=0)
    result = selectors.rollup(cast.hq_admin, plan=running_plan)
    assert result.totals == {
        "events": 3,
        "reach": 3150,
        "participants": 50,
        "articles": 0,
        "videos": 2,
        "reposts": 0,
        "media_stories": 0,
    }
    assert [(r["unit"].code, r["events"], r["reach"]) for r in result.units] == [("A", 2, 150), ("B", 1, 3000)]
    assert [(r["form"], r["events"]) for r in result.by_form] == [("video", 1), ("offline", 2)]
    assert [(r["target"], r["reach"]) for r in result.by_target] == [("community", 100), ("school", 50), ("", 3000)]
    assert [(r["month"], r["events"]) for r in result.by_month] == [("2025-03", 3)]
    assert selectors.rollup(cast.hq_admin, year=2024).totals["events"] == 0


def test_rollup_is_scoped_to_the_user(cast, running_plan):
    _activity(cast.officer_a, running_plan)
    _activity(cast.officer_b, running_plan)
    mine = selectors.rollup(cast.officer_a, plan=running_plan)
    assert mine.totals["events"] == 1 and [r["unit"].code for r in mine.units] == ["A"]
    assert selectors.rollup(cast.outsider, year=2025).totals["events"] == 0


def test_a_years_rollup_leaves_out_training_sessions(cast, running_plan, new_plan):
    _activity(cast.officer_a, running_plan)
    training = new_plan(name="培训计划", kind="training")
    for step in (services.plan_submit, services.plan_approve, services.plan_issue):
        step(actor=cast.hq_admin, plan=training, now=NOW)
    _activity(cast.officer_a, training, target="", participants=80)
    _activity(cast.officer_a, running_plan, task=None, held_on=date(2025, 3, 1))
    assert selectors.rollup(cast.hq_admin, year=2025).totals["events"] == 2
    assert selectors.rollup(cast.hq_admin, plan=training).totals["participants"] == 80


def test_a_plans_rollup_lists_participating_units_that_recorded_nothing(cast, running_plan):
    _activity(cast.officer_a, running_plan)
    rows = selectors.rollup(cast.hq_admin, plan=running_plan).units
    assert [(r["unit"].code, r["events"]) for r in rows] == [("A", 1), ("B", 0)]


def test_activity_figures_for_indicators_are_unscoped_per_unit_and_by_plan_kind(cast, running_plan):
    _activity(cast.officer_a, running_plan, reach=100)
    _activity(cast.officer_a, running_plan, task=None, held_on=date(2025, 3, 1), reach=7)
    _activity(cast.officer_b, running_plan, reach=20)
    figures = selectors.activity_figures(date_from=date(2025, 3, 1), date_to=date(2025, 3, 15))
    assert figures[cast.branch_a.pk]["events"] == 2 and figures[cast.branch_a.pk]["reach"] == 107
    assert figures[cast.branch_b.pk]["reach"] == 20
    campaign = selectors.activity_figures(date_from=date(2025, 1, 1), date_to=date(2025, 12, 31), plan_kind="campaign")
    assert campaign[cast.branch_a.pk]["reach"] == 100
    assert (
        selectors.activity_figures(date_from=date(2025, 1, 1), date_to=date(2025, 12, 31), plan_kind="training") == {}
    )
    assert selectors.activity_figures(date_from=date(2025, 3, 2), date_to=date(2025, 3, 14)) == {}


def test_list_progress_and_rollup_take_a_fixed_number_of_queries(
    cast, running_plan, new_plan, django_assert_max_num_queries
):
    plans = [running_plan, new_plan(name="草稿一"), new_plan(name="草稿二")]
    for _ in range(3):
        _activity(cast.officer_a, running_plan)
    with django_assert_max_num_queries(4):
        selectors.plan_progress_for_many(plans)
    with django_assert_max_num_queries(8):
        selectors.rollup(cast.hq_admin, plan=running_plan)
