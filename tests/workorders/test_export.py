"""The work-order Excel export: a real workbook, the rows the caller may see (and only those), the
list's filters kept, and text that looks like a formula kept as text."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from xiaobao.workorders.exports import XLSX
from xiaobao.workorders.models import WorkOrder


@pytest.fixture
def as_user():
    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def orders(cast, issue):
    """Two orders to branch A, one to branch B, one batch to A and B (a parent and two children)."""
    return {
        "a_late": issue(title="北京逾期"),
        "a_open": issue(title="北京未到期", due_days=None, due_date=timezone.localdate() + timedelta(days=30)),
        "b": issue(title="河北自查", recipient_units=[cast.branch_b]),
        "batch": issue(title="全辖宣教", kind=WorkOrder.Kind.EDUCATION, recipient_units=[cast.branch_a, cast.branch_b]),
    }


def workbook(response) -> list[list]:
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert re.match(r'attachment; filename="workorders-\d{8}\.xlsx"', response["Content-Disposition"])
    sheet = load_workbook(io.BytesIO(response.content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def numbers(rows: list[list]) -> set[str]:
    return {row[0] for row in rows[1:]}


def test_head_office_exports_every_per_unit_order(cast, as_user, orders):
    rows = workbook(as_user(cast.hq_admin).get("/workorders/export.xlsx"))
    assert rows[0][:3] == ["工单编号", "标题", "类型"]
    expected = set(WorkOrder.objects.filter(is_batch=False).values_list("number", flat=True))
    assert len(expected) == 5
    assert numbers(rows) == expected
    assert len(rows) == 1 + 5  # one row per order, no duplicates


def test_a_branch_exports_its_own_orders_only(cast, as_user, orders):
    rows = workbook(as_user(cast.officer_b).get("/workorders/export.xlsx"))
    expected = set(WorkOrder.objects.filter(is_batch=False, org_unit=cast.branch_b).values_list("number", flat=True))
    assert numbers(rows) == expected
    assert len(expected) == 2
    assert all(row[6] == "河北分公司" for row in rows[1:])
    branch_a = set(WorkOrder.objects.filter(org_unit=cast.branch_a).values_list("number", flat=True))
    assert not numbers(rows) & branch_a


def test_a_user_without_the_permission_is_refused_the_export(cast, as_user, orders):
    assert as_user(cast.outsider).get("/workorders/export.xlsx").status_code == 403


def test_the_export_matches_the_filtered_list_it_is_linked_from(cast, as_user, orders):
    client = as_user(cast.hq_admin)
    page = client.get("/workorders/?box=all&overdue=1&kind=self_check").content.decode()
    link = re.search(r'href="(/workorders/export\.xlsx\?[^"]+)"', page).group(1).replace("&amp;", "&")
    on_page = set(re.findall(r'data-testid="workorder-row" data-order-id="\d+" data-number="(\w+)"', page))
    exported = numbers(workbook(client.get(link)))
    assert exported == on_page == {orders["a_late"].number, orders["b"].number}


def test_the_export_of_the_issued_tab_lists_the_batch_parent(cast, as_user, orders):
    exported = numbers(workbook(as_user(cast.hq_admin).get("/workorders/export.xlsx?box=issued")))
    assert orders["batch"].number in exported
    assert orders["a_late"].number in exported


def test_the_export_writes_readable_values(cast, as_user, orders):
    rows = workbook(as_user(cast.hq_admin).get("/workorders/export.xlsx?q=北京逾期"))
    assert len(rows) == 2
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["标题"] == "北京逾期"
    assert row["类型"] == "自查"
    assert row["状态"] == "待接收"
    assert row["接收机构"] == "北京分公司"
    assert row["下发机构"] == "总公司"
    assert row["是否逾期"] == "是"
    assert row["督办"] == "未督办"
    assert row["办理期限"] == timezone.localtime(orders["a_late"].due_at).replace(tzinfo=None, microsecond=0)


def test_a_title_that_looks_like_a_formula_stays_text(cast, as_user, issue):
    issue(title='=HYPERLINK("http://example.invalid","点我")')
    response = as_user(cast.hq_admin).get("/workorders/export.xlsx")
    cell = load_workbook(io.BytesIO(response.content)).active["B2"]
    assert (cell.value, cell.data_type) == ('=HYPERLINK("http://example.invalid","点我")', "s")
