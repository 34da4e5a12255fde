"""The statistics workbook: a real .xlsx, a sheet per breakdown with a 合计 row equal to the list's count,
rates as percentages, the caller's scope and the page's filters kept, labels that look like formulas kept
as text."""

from __future__ import annotations

import io
import re

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from tests.helpers import make_user
from tests.reviews.test_statistics import K, R, S, form_version, make_review
from xiaobao.reviews import selectors
from xiaobao.reviews.exports import XLSX, statistics_sheets


@pytest.fixture
def people(cast):
    personal = make_user("clerk_personal", cast.hq, "dept_clerk", "陈静")
    personal.department = "个人业务部"
    personal.save()
    group = make_user("clerk_group", cast.hq, "dept_clerk", "王芳")
    group.department = "团体业务部"
    group.save()
    return {"personal": personal, "group": group, "admin": cast.hq_admin}


@pytest.fixture
def reviews(people):
    product = form_version("product", "产品类", 1)
    marketing = form_version("marketing", "营销宣传类", 3)
    make_review(people["personal"], product, opinions=[(K.SUBSTANTIVE, R.ADOPTED, True), (K.GENERAL, R.ADOPTED, True)])
    make_review(people["personal"], marketing, submitted=(2024, 6, 3, 9, 0), opinions=[(K.GENERAL, R.PARTIAL, False)])
    make_review(people["group"], product, submitted=(2024, 9, 2, 9, 0), status=S.REVIEWING, close_days=None)
    make_review(people["group"], marketing, submitted=(2025, 3, 3, 9, 0))


def download(user, query: str = "") -> dict[str, list[list]]:
    client = Client()
    client.force_login(user)
    response = client.get(reverse("reviews:export") + query)
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert re.match(r'attachment; filename="review-statistics-\d{8}\.xlsx"', response["Content-Disposition"])
    book = load_workbook(io.BytesIO(response.content))
    return {sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)] for sheet in book.worksheets}


def totals_row(rows: list[list]) -> list:
    return next(row for row in rows if len(row) > 1 and row[1] == "合计")


def test_the_workbook_has_a_summary_and_a_sheet_per_breakdown(people, reviews):
    book = download(people["admin"])
    assert list(book) == [
        "总体情况",
        "按审查类型",
        "按提交部门",
        "按月份",
        "意见类型及采纳",
        "涉及消费者权益",
        "异议处理",
    ]
    assert book["按审查类型"][0][0] == "消保审查情况统计表（按审查类型）"
    assert book["按审查类型"][2][:3] == ["序号", "审查类型", "审查件数"]


def test_each_review_sheet_totals_the_filtered_list(people, reviews):
    book = download(people["admin"], "?year=2024")
    expected = selectors.reviews_visible_to(
        people["admin"], {"submitted_from": "2024-01-01", "submitted_to": "2024-12-31"}
    ).count()
    assert expected == 3
    assert totals_row(book["按审查类型"])[2] == expected
    assert totals_row(book["按提交部门"])[3] == expected  # 序号, 机构, 部门, 审查件数
    assert totals_row(book["按月份"])[2] == expected
    summary = {row[1]: row[2] for row in book["总体情况"][3:] if row and row[1]}
    assert summary["审查件数"] == expected


def test_the_type_rows_add_up_to_the_totals_row(people, reviews):
    rows = download(people["admin"])["按审查类型"]
    body = [row for row in rows[3:] if isinstance(row[0], int)]
    assert sum(row[2] for row in body) == totals_row(rows)[2] == 4


def test_rates_are_fractions_shown_as_percentages(people, reviews):
    data = selectors.statistics(people["admin"], {})
    sheet = next(spec for spec in statistics_sheets(data) if spec["key"] == "by_type")
    column = sheet["header"].index("意见采纳率")
    assert sheet["totals"][column] == pytest.approx(2 / 3)  # 2 adopted of 3 answered
    assert sheet["kinds"][column] == "rate"


def test_a_clerk_exports_only_their_department(people, reviews):
    book = download(people["personal"])
    assert totals_row(book["按审查类型"])[2] == 2
    departments = [row[2] for row in book["按提交部门"][3:] if row and isinstance(row[0], int)]
    assert departments == ["个人业务部"]


def test_the_filters_narrow_the_workbook(people, reviews):
    book = download(people["admin"], "?form_type=marketing")
    assert totals_row(book["按审查类型"])[2] == 2


def test_a_department_that_looks_like_a_formula_stays_text(people, reviews):
    people["group"].department = "=HYPERLINK(1)"
    people["group"].save()
    make_review(people["group"], form_version("product", "产品类", 1))
    client = Client()
    client.force_login(people["admin"])
    response = client.get(reverse("reviews:export"))
    sheet = load_workbook(io.BytesIO(response.content))["按提交部门"]
    cells = [cell for row in sheet.iter_rows() for cell in row if cell.value == "=HYPERLINK(1)"]
    assert cells and all(cell.data_type == "s" for cell in cells)


def test_someone_without_the_view_permission_gets_no_workbook(cast):
    client = Client()
    client.force_login(cast.outsider)
    assert client.get(reverse("reviews:export")).status_code == 403
