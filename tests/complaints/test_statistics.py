"""投诉统计: the same complaints the list shows for the same filters, counted in SQL; 按时办结率, repeat rate
and average days recomputed from their own numerator and denominator at every level; the overview page.

Rows are written with the ORM here (not through the services): these tests are about the arithmetic and
the scope, so each complaint's dates and status are set exactly.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from xiaobao.complaints import selectors
from xiaobao.complaints.models import Category, Complaint, TaxonomyVersion
from xiaobao.core.models import User

S = Complaint.Status


def at(*args) -> datetime:
    """An aware moment in Asia/Shanghai."""
    return timezone.make_aware(datetime(*args))


NOW = at(2025, 6, 30, 9, 0)


def make(unit, *, received=None, status=S.HANDLING, decided_days=None, closed_days=None, due_days=15, **fields):
    """One complaint of `unit` received on `received` (default 20 days before NOW), due `due_days` later;
    decided and closed that many days after receipt (closed ones: closed_days defaults to decided_days)."""
    received = received or NOW - timedelta(days=20)
    if status == S.CLOSED and closed_days is None:
        closed_days = decided_days if decided_days is not None else 10
    values = {
        "org_unit": unit,
        "channel": Complaint.Channel.HOTLINE,
        "received_at": received,
        "registered_at": received,
        "complainant_name": "王秀兰",
        "subject": "理赔款迟迟未到账",
        "content": "投诉人反映理赔款超过约定时限仍未支付。",
        "status": status,
        "due_at": received + timedelta(days=due_days),
        "decided_at": received + timedelta(days=decided_days) if decided_days is not None else None,
        "closed_at": received + timedelta(days=closed_days) if closed_days is not None else None,
    }
    values.update(fields)
    return Complaint.objects.create(**values)


def fresh(user: User) -> User:
    """The user as the next request sees them (scope is cached on the object)."""
    return User.objects.get(pk=user.pk)


def stats(user, filters=None) -> dict:
    return selectors.statistics(fresh(user), filters or {}, now=NOW)


def listed(user, filters=None) -> int:
    return selectors.complaints_visible_to(fresh(user), {"box": "all", "now": NOW, **(filters or {})}).count()


@pytest.fixture
def taxonomy():
    version = TaxonomyVersion.objects.filter(is_current=True).first() or TaxonomyVersion.objects.create(
        code="T-STAT", name="统计测试分类", effective_from=NOW.date(), is_current=True
    )

    def category(dimension, code, name, sort=0):
        return Category.objects.create(version=version, dimension=dimension, code=f"ST{code}", name=name, sort=sort)

    D = Category.Dimension
    return {
        "claims": category(D.BUSINESS, "B1", "理赔", 1),
        "sales": category(D.BUSINESS, "B2", "销售", 2),
        "delay": category(D.CAUSE, "C1", "理赔时效", 1),
        "misleading": category(D.CAUSE, "C2", "销售误导", 2),
    }


@pytest.fixture
def book(cast, taxonomy):
    """Branch A (and its sub-branch A1) and branch B, every state, two channels, two months.

    A:  closed on time (day 10, due 15), closed late (decided day 20), closed on time after an extension
        (decided day 25, due 30), open overdue, a repeat, withdrawn
    A1: closed on time (day 5), open not yet due (received 3 days ago)
    B:  closed late (decided day 18), open overdue from the regulator
    """
    t = taxonomy
    return {
        "a_on_time": make(
            cast.branch_a, status=S.CLOSED, decided_days=10, business_category=t["claims"], cause_category=t["delay"]
        ),
        "a_late": make(
            cast.branch_a,
            status=S.CLOSED,
            decided_days=20,
            closed_days=22,
            business_category=t["claims"],
            cause_category=t["delay"],
            received=at(2025, 5, 10, 10, 0),
        ),
        "a_extended": make(
            cast.branch_a,
            status=S.CLOSED,
            decided_days=25,
            closed_days=28,
            due_days=30,
            extension_level=1,
            received=at(2025, 5, 20, 9, 0),
            business_category=t["sales"],
            cause_category=t["misleading"],
        ),
        "a_overdue": make(cast.branch_a, status=S.HANDLING, channel=Complaint.Channel.WECHAT),
        "a_repeat": make(cast.branch_a, status=S.ACCEPTED, is_repeat=True, received=NOW - timedelta(days=2)),
        "a_withdrawn": make(cast.branch_a, status=S.WITHDRAWN, withdrawn_at=NOW - timedelta(days=15)),
        "a1_on_time": make(cast.sub_a, status=S.CLOSED, decided_days=5, closed_days=7, cause_category=t["delay"]),
        "a1_new": make(cast.sub_a, status=S.REGISTERED, received=NOW - timedelta(days=3)),
        "b_late": make(cast.branch_b, status=S.CLOSED, decided_days=18, channel=Complaint.Channel.REGULATOR),
        "b_overdue": make(cast.branch_b, status=S.HANDLING, channel=Complaint.Channel.REGULATOR, is_major=True),
    }


# --- the totals are the list's count ------------------------------------------------------------


@pytest.mark.parametrize(
    "who, filters",
    [
        ("hq_admin", {}),
        ("manager", {}),
        ("officer_a", {}),
        ("officer_b", {}),
        ("hq_admin", {"channel": Complaint.Channel.REGULATOR}),
        ("hq_admin", {"status": S.CLOSED}),
        ("hq_admin", {"overdue": True}),
        ("hq_admin", {"is_repeat": True}),
        ("hq_admin", {"is_major": True}),
        ("officer_a", {"org_unit": "sub_a"}),
        ("hq_admin", {"q": "理赔"}),
    ],
)
def test_the_totals_are_the_count_of_the_list_with_the_same_filters(cast, book, who, filters):
    user = getattr(cast, who)
    if filters.get("org_unit"):
        filters = {**filters, "org_unit": getattr(cast, filters["org_unit"]).pk}
    assert stats(user, filters)["totals"]["total"] == listed(user, filters)


def test_every_breakdown_adds_up_to_the_totals(cast, book):
    data = stats(cast.hq_admin)
    assert data["totals"]["total"] == len(book)
    for key in ("by_month", "by_unit", "by_channel", "by_business", "by_cause"):
        for measure in ("total", "closed", "due", "on_time", "repeat", "open", "overdue", "withdrawn", "major"):
            assert sum(row[measure] for row in data[key]) == data["totals"][measure], (key, measure)


def test_a_branch_counts_its_subtree_and_nothing_else(cast, book):
    data = stats(cast.officer_a)
    assert data["totals"]["total"] == 8
    assert {row["key"] for row in data["by_unit"]} == {"A", "A1"}
    assert stats(cast.officer_b)["totals"]["total"] == 2


def test_someone_without_a_role_counts_nothing(cast, book):
    data = stats(cast.outsider)
    assert data["totals"]["total"] == 0
    assert data["totals"]["on_time_rate"] is None and data["totals"]["avg_days"] is None
    assert data["by_unit"] == [] and data["by_month"] == []


# --- the measures ---------------------------------------------------------------------------------


def test_on_time_means_the_decision_was_told_by_the_deadline_in_force(cast, book):
    totals = stats(cast.hq_admin)["totals"]
    assert totals["closed"] == 5
    # on time: A's day-10 decision, A's day-25 decision within its extended 30 days, A1's day-5 one
    assert totals["on_time"] == 3
    # due (the deadline in force fell by NOW): the five closed ones and the two open overdue ones; not the
    # repeat nor A1's new one (not yet due), not the one withdrawn before its deadline
    assert (totals["due"], totals["late_open"]) == (7, 2)
    assert totals["on_time_rate"] == round(100 * 3 / 7, 2)  # the old "of the closed" gave 60.0
    assert totals["open"] == 4 and totals["withdrawn"] == 1
    # overdue: the clock still running past the deadline (A's and B's handling ones; not the repeat, not A1's new one)
    assert totals["overdue"] == 2


def test_rates_are_recomputed_at_each_level_never_averaged(cast, book):
    data = stats(cast.hq_admin)
    units = {row["key"]: row for row in data["by_unit"]}
    assert (units["A"]["on_time"], units["A"]["due"], units["A"]["on_time_rate"]) == (2, 4, 50.0)
    assert (units["A1"]["on_time"], units["A1"]["due"], units["A1"]["on_time_rate"]) == (1, 1, 100.0)
    assert (units["B"]["on_time"], units["B"]["due"], units["B"]["on_time_rate"]) == (0, 2, 0.0)
    # the mean of the three units' rates would be 50.0; the company's rate is 3 of 7
    assert data["totals"]["on_time_rate"] == 42.86


def test_the_repeat_rate_is_repeats_over_all_complaints(cast, book):
    data = stats(cast.hq_admin)
    assert data["totals"]["repeat"] == 1
    assert data["totals"]["repeat_rate"] == 10.0
    units = {row["key"]: row for row in data["by_unit"]}
    assert units["A"]["repeat_rate"] == round(100 / 6, 2)
    assert units["B"]["repeat_rate"] == 0.0


def test_average_days_run_from_receipt_to_closure_over_closed_complaints(cast, book):
    data = stats(cast.hq_admin)
    # closed after 10, 22, 28, 7 and 18 days
    assert data["totals"]["avg_days"] == round((10 + 22 + 28 + 7 + 18) / 5, 1)
    units = {row["key"]: row for row in data["by_unit"]}
    assert units["A"]["avg_days"] == round((10 + 22 + 28) / 3, 1)
    assert units["A"]["handling_seconds"] == pytest.approx((10 + 22 + 28) * 86400)


def test_complaints_passed_on_by_the_regulator_and_major_ones_are_counted(cast, book):
    totals = stats(cast.hq_admin)["totals"]
    assert totals["regulator"] == 2
    assert totals["major"] == 1


# --- the breakdowns ---------------------------------------------------------------------------------


def test_months_follow_the_local_calendar(cast):
    make(cast.branch_a, received=at(2025, 1, 31, 23, 30))  # 15:30 UTC: still January in Shanghai
    make(cast.branch_a, received=at(2025, 2, 1, 0, 30))  # 16:30 UTC on 31 January: February in Shanghai
    months = {row["key"]: row["total"] for row in stats(cast.hq_admin)["by_month"]}
    assert months == {"2025-01": 1, "2025-02": 1}


def test_units_come_in_org_tree_order_with_their_depth(cast, book):
    rows = stats(cast.hq_admin)["by_unit"]
    assert [row["key"] for row in rows] == ["A", "A1", "B"]
    assert [row["depth"] for row in rows] == [2, 3, 2]
    assert rows[0]["label"] == "北京分公司"


def test_channels_are_labelled_and_largest_first(cast, book):
    rows = stats(cast.hq_admin)["by_channel"]
    assert [(row["key"], row["total"]) for row in rows] == [("hotline", 7), ("regulator", 2), ("wechat", 1)]
    assert rows[1]["label"] == "监管转办"


def test_categories_in_code_table_order_and_the_unclassified_last(cast, book):
    causes = stats(cast.hq_admin)["by_cause"]
    assert [(row["label"], row["total"]) for row in causes] == [("理赔时效", 3), ("销售误导", 1), ("未分类", 6)]
    business = stats(cast.hq_admin)["by_business"]
    assert [row["key"] for row in business] == ["STB1", "STB2", ""]


def test_the_period_filter_counts_by_the_day_received(cast, book):
    filters = {"received_from": at(2025, 5, 1).date(), "received_to": at(2025, 5, 31).date()}
    data = stats(cast.hq_admin, filters)
    assert data["totals"]["total"] == listed(cast.hq_admin, filters) == 2
    assert [row["key"] for row in data["by_month"]] == ["2025-05"]


def test_the_query_count_does_not_grow_with_rows(cast, taxonomy):
    def queries() -> int:
        user = fresh(cast.hq_admin)
        with CaptureQueriesContext(connection) as captured:
            selectors.statistics(user, {}, now=NOW)
        return len(captured.captured_queries)

    make(cast.branch_a, status=S.CLOSED, decided_days=3, cause_category=taxonomy["delay"])
    few = queries()
    for unit in (cast.branch_a, cast.sub_a, cast.branch_b, cast.sub_b):
        for days in range(1, 6):
            make(unit, status=S.CLOSED, decided_days=days, cause_category=taxonomy["misleading"])
            make(unit, received=NOW - timedelta(days=40 + days))
    assert queries() == few


# --- the overview and statistics pages -----------------------------------------------------------------


@pytest.fixture
def as_user():
    def make_client(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make_client


def chart_data(page: str) -> dict:
    found = re.search(r'<script id="complaint-chart-data" type="application/json">(.*?)</script>', page, re.S)
    return json.loads(found.group(1))


def test_the_overview_shows_the_kpis_and_the_chart_data(cast, book, as_user):
    response = as_user(cast.hq_admin).get("/complaints/overview/")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="kpi-total" data-value="10"' in page
    assert 'data-testid="kpi-closed"' not in page  # closed shows inside the on-time tile
    charts = chart_data(page)
    assert sum(charts["trend"]["total"]) == 10
    assert {item["name"]: item["value"] for item in charts["channel"]["items"]}["监管转办"] == 2
    assert charts["unit"]["labels"][-1] == "北京分公司"  # the largest unit on top of the ranking
    assert sum(charts["cause"]["values"]) == 10
    for chart in ("trend", "channel", "cause", "unit"):
        assert f'data-complaint-chart="{chart}"' in page
    assert "vendor/echarts/echarts.min.js" in page and "js/complaints-charts.js" in page


def test_the_overview_of_a_branch_counts_its_subtree(cast, book, as_user):
    page = as_user(cast.officer_b).get("/complaints/overview/").content.decode()
    assert 'data-testid="kpi-total" data-value="2"' in page


def test_the_overview_with_nothing_to_count_says_so(cast, as_user):
    page = as_user(cast.outsider).get("/complaints/overview/").content.decode()
    assert 'data-testid="stats-empty"' in page
    assert "complaint-chart-data" not in page


def test_the_statistics_tables_total_the_filtered_list(cast, book, as_user):
    page = as_user(cast.hq_admin).get("/complaints/statistics/?channel=regulator").content.decode()
    totals = re.findall(r'data-testid="totals-row" data-total="(\d+)"', page)
    assert totals == ["2"] * 5
    assert 'href="/complaints/statistics/export.xlsx?channel=regulator&amp;box=all"' in page or (
        "/complaints/statistics/export.xlsx?" in page and "channel=regulator" in page
    )


@pytest.mark.parametrize(
    "url", ["/complaints/overview/", "/complaints/statistics/", "/complaints/statistics/export.xlsx"]
)
def test_the_pages_need_a_sign_in_and_refuse_posts(cast, as_user, url):
    assert Client().get(url).status_code == 302
    assert as_user(cast.hq_admin).post(url).status_code == 405


# --- the list benchmark --------------------------------------------------------------------------------


def test_the_list_benchmark_runs_small_and_prints_its_figures():
    """benchmarks/complaint_list.py at a few hundred rows (the figure itself is 200k: `make bench`)."""
    if connection.vendor != "sqlite":
        # the script runs on SQLite in a temp dir whichever database the suite uses (DATABASE_URL is dropped
        # below): the PostgreSQL pass would repeat the SQLite pass's run to the byte, so it runs once
        pytest.skip("the list benchmark's smoke run is the SQLite pass's")
    script = Path(__file__).resolve().parents[2] / "benchmarks" / "complaint_list.py"
    done = subprocess.run(
        # --one-backend: this run only, not the side-by-side PostgreSQL run the script makes by default
        [sys.executable, str(script), "--one-backend", "--rows", "600", "--repeat", "2", "--rounds", "1"],
        capture_output=True,
        text=True,
        timeout=300,
        env={k: v for k, v in os.environ.items() if k != "DATABASE_URL"},  # SQLite in a temp dir
    )
    assert done.returncode == 0, done.stderr[-2000:]
    figures = json.loads(done.stdout)
    assert figures["benchmark"] == "complaint_list" and figures["rows"] == 600
    for page in figures["pages"].values():
        assert page["matching_rows"] > 0 and page["selector_plan"] and page["raw_plan"]
        for mode in ("cold", "warm"):
            assert page[mode]["selector_ms"]["p95"] > 0 and page[mode]["raw_ms"]["p95"] > 0
    assert figures["ratio"] > 0 and figures["goal_ratio"] == 2.0
