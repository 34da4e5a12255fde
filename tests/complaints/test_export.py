"""The regulator-style statistics workbook: a sheet per breakdown, each with a 合计 row equal to the list's
count for the same filters, in the caller's scope; rates as shares of their own counts; no personal data."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from django.test import Client
from openpyxl import load_workbook

from tests.complaints.test_statistics import NOW, S, at, fresh, make
from xiaobao.complaints import selectors
from xiaobao.complaints.exports import XLSX, statistics_sheets
from xiaobao.complaints.models import Category, Complaint

SHEETS = ["按机构", "按月份", "按渠道", "按业务类别", "按投诉原因"]


@pytest.fixture
def as_user():
    def make_client(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make_client


@pytest.fixture
def book(cast):
    """Seven complaints: A (3, one a regulator transfer), A1 (2), B (2); five closed, three of them on time."""
    cause = Category.objects.filter(version__is_current=True, dimension=Category.Dimension.CAUSE).first()
    return [
        make(cast.branch_a, status=S.CLOSED, decided_days=10, cause_category=cause),
        make(cast.branch_a, status=S.CLOSED, decided_days=20, channel=Complaint.Channel.REGULATOR),
        make(cast.branch_a, status=S.HANDLING, received=at(2025, 5, 2, 9, 0)),
        make(cast.sub_a, status=S.CLOSED, decided_days=5, is_repeat=True),
        make(cast.sub_a, status=S.WITHDRAWN, withdrawn_at=NOW - timedelta(days=18)),
        make(cast.branch_b, status=S.CLOSED, decided_days=12, channel=Complaint.Channel.REGULATOR),
        make(cast.branch_b, status=S.CLOSED, decided_days=16),
    ]


def workbook(response):
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert re.match(r'attachment; filename="complaint-statistics-\d{8}\.xlsx"', response["Content-Disposition"])
    return load_workbook(io.BytesIO(response.content))


def rows_of(sheet) -> list[list]:
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def totals_row(sheet) -> list:
    return next(row for row in rows_of(sheet) if row[1] == "合计")


def data_rows(sheet) -> list[list]:
    return [row for row in rows_of(sheet)[3:] if isinstance(row[0], int)]


def listed(user, filters=None) -> int:
    return selectors.complaints_visible_to(fresh(user), {"box": "all", **(filters or {})}).count()


def test_the_workbook_has_a_sheet_per_breakdown_in_the_regulators_layout(cast, as_user, book):
    book_ = workbook(as_user(cast.hq_admin).get("/complaints/statistics/export.xlsx"))
    assert book_.sheetnames == SHEETS
    sheet = book_["按机构"]
    rows = rows_of(sheet)
    assert rows[0][0] == "消费投诉情况统计表（按机构）"
    assert "填报机构：总公司" in rows[1][0] and "统计区间：全部" in rows[1][0]
    assert rows[2][:4] == ["序号", "机构", "投诉件数", "其中：监管/平台转办"]
    assert "A1:N1" in sheet.merged_cells and sheet.freeze_panes == "C4"
    assert [row[1] for row in data_rows(sheet)] == ["北京分公司", "\u3000朝阳支公司", "河北分公司"]


def test_every_sheets_totals_equal_the_list_count(cast, as_user, book):
    book_ = workbook(as_user(cast.hq_admin).get("/complaints/statistics/export.xlsx"))
    expected = listed(cast.hq_admin)
    assert expected == 7
    for name in SHEETS:
        sheet = book_[name]
        assert totals_row(sheet)[2] == expected, name
        assert sum(row[2] for row in data_rows(sheet)) == expected, name


@pytest.mark.parametrize(
    "query, filters",
    [
        ("channel=regulator", {"channel": "regulator"}),
        ("status=closed", {"status": "closed"}),
        ("is_repeat=1", {"is_repeat": True}),
        (
            "received_from=2025-05-01&received_to=2025-05-31",
            {"received_from": "2025-05-01", "received_to": "2025-05-31"},
        ),
    ],
)
def test_the_totals_follow_the_list_filters(cast, as_user, book, query, filters):
    book_ = workbook(as_user(cast.hq_admin).get(f"/complaints/statistics/export.xlsx?{query}"))
    expected = listed(cast.hq_admin, filters)
    assert expected > 0
    assert {name: totals_row(book_[name])[2] for name in SHEETS} == dict.fromkeys(SHEETS, expected)


def test_the_org_unit_filter_counts_the_units_subtree(cast, as_user, book):
    book_ = workbook(as_user(cast.hq_admin).get(f"/complaints/statistics/export.xlsx?org_unit={cast.branch_a.pk}"))
    assert totals_row(book_["按机构"])[2] == listed(cast.hq_admin, {"org_unit": cast.branch_a.pk}) == 5
    assert "填报机构：北京分公司" in rows_of(book_["按机构"])[1][0]
    assert "北京分公司及下级机构" in rows_of(book_["按机构"])[1][0]


def test_a_branch_exports_its_subtree_only(cast, as_user, book):
    book_ = workbook(as_user(cast.officer_b).get("/complaints/statistics/export.xlsx"))
    assert totals_row(book_["按机构"])[2] == 2
    assert [row[1] for row in data_rows(book_["按机构"])] == ["河北分公司"]


def test_someone_without_a_role_gets_empty_sheets_with_zero_totals(cast, as_user, book):
    book_ = workbook(as_user(cast.outsider).get("/complaints/statistics/export.xlsx"))
    for name in SHEETS:
        assert data_rows(book_[name]) == []
        assert totals_row(book_[name])[2] == 0


def test_rates_are_shares_of_their_own_counts_shown_as_percentages(cast, as_user, book):
    sheet = workbook(as_user(cast.hq_admin).get("/complaints/statistics/export.xlsx"))["按机构"]
    header = rows_of(sheet)[2]
    rate, due, on_time = header.index("按时办结率"), header.index("应办结件数"), header.index("按时办结件数")
    totals = totals_row(sheet)
    # decided after 10, 20, 5, 12 and 16 days against 15, and A's open one long overdue: three on time of six
    # due (the withdrawal came before its deadline: no decision fell due)
    assert (totals[on_time], totals[due]) == (3, 6)
    assert totals[rate] == pytest.approx(0.5)
    units = {row[1].strip("\u3000"): row for row in data_rows(sheet)}
    assert units["北京分公司"][rate] == pytest.approx(1 / 3)
    assert units["河北分公司"][rate] == pytest.approx(0.5)
    assert units["朝阳支公司"][rate] == pytest.approx(1.0)
    # the mean of the units' rates would be 0.611: the total is recomputed from the counts
    total_cells = next(row for row in sheet.iter_rows() if row[1].value == "合计")
    assert total_cells[rate].number_format == "0.00%"
    repeat_rate = header.index("重复投诉率")
    assert totals[repeat_rate] == pytest.approx(1 / 7)
    days = header.index("平均办结天数")
    assert totals[days] == pytest.approx(round((10 + 20 + 5 + 12 + 16) / 5, 1))


def test_no_personal_data_leaves_in_the_workbook(cast, as_user, book):
    content = as_user(cast.hq_admin).get("/complaints/statistics/export.xlsx").content
    text = " ".join(
        str(value)
        for sheet in load_workbook(io.BytesIO(content)).worksheets
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if value is not None
    )
    assert "王秀兰" not in text
    assert "理赔款迟迟未到账" not in text


def test_a_label_that_looks_like_a_formula_stays_text(cast, as_user):
    cast.branch_a.name = '=HYPERLINK("http://example.com")'
    cast.branch_a.save()
    make(cast.branch_a)
    sheet = workbook(as_user(cast.hq_admin).get("/complaints/statistics/export.xlsx"))["按机构"]
    cell = sheet["B4"]
    assert cell.value.startswith("=HYPERLINK") and cell.data_type == "s"


def test_the_sheets_partition_the_same_complaints(cast, book):
    data = selectors.statistics(fresh(cast.hq_admin), {}, now=NOW)
    for spec in statistics_sheets(data):
        for column in range(2, len(spec["header"])):
            if spec["header"][column] in ("按时办结率", "重复投诉率", "平均办结天数"):
                continue
            assert sum(row[column] for row in spec["rows"]) == spec["totals"][column], (spec["name"], column)


def test_the_statistics_page_links_the_export_with_its_filters(cast, as_user, book):
    client = as_user(cast.hq_admin)
    page = client.get(f"/complaints/statistics/?channel=regulator&org_unit={cast.branch_a.pk}").content.decode()
    link = re.search(r'href="(/complaints/statistics/export\.xlsx\?[^"]+)"', page).group(1).replace("&amp;", "&")
    on_page = re.search(r'data-testid="totals-row" data-total="(\d+)"', page).group(1)
    book_ = workbook(client.get(link))
    assert totals_row(book_["按渠道"])[2] == int(on_page) == 1


def test_the_overdue_tab_of_the_list_exports_the_overdue_complaints(cast, as_user, book):
    make(cast.branch_b, status=S.HANDLING, received=NOW - timedelta(days=400))
    book_ = workbook(as_user(cast.hq_admin).get("/complaints/statistics/export.xlsx?box=overdue"))
    assert totals_row(book_["按机构"])[2] == listed(cast.hq_admin, {"overdue": True}) >= 1
