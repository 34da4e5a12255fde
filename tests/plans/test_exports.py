"""The roll-up report: the page, the Excel workbook (a sheet per breakdown, each 合计 the same) and the
Word summary — their numbers from the same roll-up, scoped to the caller (a branch sees its own units)."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from xiaobao.plans import services
from xiaobao.plans.exports import SHEETS, report_data, rollup_sheets
from xiaobao.plans.models import Activity
from xiaobao.plans.report_views import task_state, timeline_data

from .conftest import NOW


@pytest.fixture
def as_user():
    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def activities(cast, running_plan):
    task = running_plan.tasks.get()
    record = services.activity_record
    record(
        actor=cast.officer_a,
        task=task,
        held_on=date(2025, 3, 10),
        title="进校园",
        form="offline",
        target="school",
        participants=200,
        reach=1500,
    )
    record(
        actor=cast.officer_a,
        task=task,
        held_on=date(2025, 4, 2),
        title="公众号文章",
        form="article",
        reach=30000,
        articles=2,
        reposts=5,
    )
    record(
        actor=cast.officer_b,
        task=task,
        held_on=date(2025, 3, 15),
        title="进社区",
        form="offline",
        target="community",
        participants=80,
        reach=600,
        videos=1,
        media_stories=1,
    )
    return task


def workbook(response):
    return load_workbook(io.BytesIO(response.content))


def test_report_page_for_a_plan_shows_units_and_totals(cast, as_user, running_plan, activities):
    response = as_user(cast.hq_admin).get(reverse("plans:report"), {"plan": running_plan.pk})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="total-events" data-value="3"' in html
    assert 'data-testid="total-reach" data-value="32100"' in html
    # counts as people write them, as in the Excel and Word outputs (issue 23 point 4)
    assert '<span class="wo-total-n">32,100</span>' in html
    assert 'id="plan-charts"' in html


def test_report_for_a_year_without_activities_is_empty(cast, as_user, activities):
    html = as_user(cast.hq_admin).get(reverse("plans:report"), {"year": 2023}).content.decode()
    assert 'data-testid="report-empty"' in html and 'data-value="0"' in html


def test_branch_report_counts_only_its_own_activities(cast, as_user, running_plan, activities):
    html = as_user(cast.officer_a).get(reverse("plans:report"), {"plan": running_plan.pk}).content.decode()
    assert 'data-testid="total-events" data-value="2"' in html
    assert "进社区" not in html


def test_report_of_a_plan_outside_scope_is_404(cast, as_user, new_plan):
    draft = new_plan()
    for name in ("plans:report", "plans:report-xlsx", "plans:report-docx"):
        assert as_user(cast.officer_b).get(reverse(name), {"plan": draft.pk}).status_code == 404


def test_workbook_has_a_sheet_per_breakdown_with_equal_totals(cast, as_user, running_plan, activities):
    response = as_user(cast.hq_admin).get(reverse("plans:report-xlsx"), {"plan": running_plan.pk})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    book = workbook(response)
    assert len(book.sheetnames) == len(SHEETS)
    for sheet in book.worksheets:
        totals = [row for row in sheet.iter_rows(values_only=True) if row[1] == "合计"]
        assert totals and list(totals[0][2:9]) == [3, 280, 32100, 2, 1, 5, 1], sheet.title
        # and the rows above add up to it: every activity is in exactly one row of each breakdown
        rows = [row for row in sheet.iter_rows(values_only=True) if isinstance(row[0], int)]
        assert [sum(row[i] for row in rows) for i in range(2, 9)] == [3, 280, 32100, 2, 1, 5, 1], sheet.title
    units = [row[1].strip() for row in book["按机构"].iter_rows(min_row=4, values_only=True) if isinstance(row[0], int)]
    assert units == ["北京分公司", "河北分公司"]


def test_workbook_of_a_branch_has_only_its_unit(cast, as_user, running_plan, activities):
    book = workbook(as_user(cast.officer_b).get(reverse("plans:report-xlsx"), {"plan": running_plan.pk}))
    units = [row[1].strip() for row in book["按机构"].iter_rows(min_row=4, values_only=True) if isinstance(row[0], int)]
    assert units == ["河北分公司"]


def test_by_target_sheet_names_the_five_outreach_kinds(cast, running_plan, activities):
    from xiaobao.plans import selectors

    data = report_data(selectors.rollup(cast.hq_admin, plan=running_plan))
    sheets = {sheet["key"]: sheet for sheet in rollup_sheets(data)}
    # the 五进入 in order, then online activities
    assert [row[1] for row in sheets["by_target"]["rows"]] == ["进社区", "进校园", "线上活动"]
    assert [row[1] for row in sheets["by_month"]["rows"]] == ["2025-03", "2025-04"]


def test_a_formula_like_unit_name_stays_text(cast, as_user, running_plan, activities):
    cast.branch_a.name = '=HYPERLINK("http://x")'
    cast.branch_a.save()
    book = workbook(as_user(cast.hq_admin).get(reverse("plans:report-xlsx"), {"plan": running_plan.pk}))
    cell = next(c for row in book["按机构"].iter_rows(min_row=4) for c in row if str(c.value).startswith("="))
    assert cell.data_type == "s"


@pytest.mark.parametrize("user", ["manager", "officer_a"])
def test_exports_open_for_read_only_and_branch(cast, as_user, user, activities):
    client = as_user(getattr(cast, user))
    assert client.get(reverse("plans:report-xlsx"), {"year": 2025}).status_code == 200
    assert client.get(reverse("plans:report-docx"), {"year": 2025}).status_code == 200


def test_exports_need_a_sign_in(db):
    assert Client().get(reverse("plans:report-xlsx")).status_code == 302


# --- timeline states ------------------------------------------------------------------------------


def row(**overrides):
    found = {"issued": True, "total": 2, "done": 0, "overdue": 0, "due_on": date(2025, 3, 31), "percent": 0}
    found.update(overrides)
    return found


@pytest.mark.parametrize(
    "overrides, state",
    [
        ({"issued": False}, "pending"),
        ({"done": 2}, "done"),
        ({"overdue": 1}, "late"),
        ({"due_on": date(2025, 3, 1)}, "late"),
        ({}, "running"),
    ],
)
def test_task_state(overrides, state):
    assert task_state(row(**overrides), date(2025, 3, 10)) == state


def test_timeline_bars_run_from_issue_to_due(cast, running_plan):
    from xiaobao.plans import selectors

    data = timeline_data(
        running_plan, selectors.tasks_progress(cast.hq_admin, running_plan, now=NOW), today=date(2025, 3, 10)
    )
    bar = data["tasks"][0]
    assert (bar["start"], bar["end"], bar["state"]) == ("2025-03-03", "2025-03-31", "running")
    assert data["today"] is not None


def test_activity_model_counts_are_the_reports_measures():
    from xiaobao.plans.exports import KEYS

    assert set(KEYS) - {"events"} == set(Activity.COUNT_FIELDS)
