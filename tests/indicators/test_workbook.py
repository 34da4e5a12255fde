"""指标报表 (regulator-style workbook): one sheet per category, units × indicators, and a 合计 row recomputed by
each indicator's rollup rule — read back with openpyxl."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from tests.indicators import pages_data
from tests.indicators.pages_data import YEAR
from xiaobao.indicators import workbook

# the shared fixtures (pages_data is not a conftest: the engine tests own that)
_media = pages_data._media
figures = pages_data.figures


def _sheets(user, unit):
    return {spec["category"]: spec for spec in workbook.indicator_sheets(user, unit=unit, year=YEAR)}


def _column(spec, code):
    return [d.code for d in spec["definitions"]].index(code) + 2


@pytest.mark.django_db
def test_a_rate_total_is_recomputed_from_numerators_not_the_mean_of_rates(figures):
    spec = _sheets(figures.hq_admin, figures.hq)["complaints"]
    column = _column(spec, "complaints_on_time_rate")
    assert [row[column] for row in spec["rows"]] == [Decimal(90), Decimal(10)]
    # 19 / 110 = 17.27 %; the mean of the two rates would be 50 %
    assert spec["totals"][column].quantize(Decimal("0.01")) == Decimal("17.27")


@pytest.mark.django_db
def test_counts_are_summed_and_the_unit_row_shows_the_stored_full_figure(figures):
    spec = _sheets(figures.hq_admin, figures.hq)["complaints"]
    column = _column(spec, "complaints_count")
    assert [row[1] for row in spec["rows"]] == [figures.branch_a.name, figures.branch_b.name]
    assert spec["totals"][column] == Decimal(132)
    assert spec["own"][column] == Decimal(137)  # HQ's own complaints are in the 全口径 figure only


@pytest.mark.django_db
def test_a_formula_total_is_evaluated_over_the_totals_of_its_inputs(figures):
    spec = _sheets(figures.hq_admin, figures.hq)["complaints"]
    column = _column(spec, "complaints_per_100m_premium")
    # (12 + 120) / (2 + 3) = 26.4; the mean of 6 and 40 would be 23
    assert spec["totals"][column] == Decimal("26.4")


@pytest.mark.django_db
def test_a_branch_officer_gets_the_rows_of_their_own_subtree_only(figures):
    sheets = _sheets(figures.officer_b, figures.branch_b)
    spec = sheets["complaints"]
    assert [row[1] for row in spec["rows"]] == [figures.sub_b.name]
    assert spec["totals"][_column(spec, "complaints_count")] == Decimal(20)
    assert spec["own"][_column(spec, "complaints_count")] == Decimal(120)


@pytest.mark.django_db
def test_the_workbook_has_a_sheet_per_category_with_title_header_and_totals(figures):
    content = workbook.indicator_workbook(figures.hq_admin, unit=figures.hq, year=YEAR)
    book = load_workbook(io.BytesIO(content))
    assert book.sheetnames[:2] == ["投诉", "审查"]
    sheet = book["投诉"]
    assert "投诉" in sheet["A1"].value
    assert figures.hq.name in sheet["A2"].value and str(YEAR) in sheet["A2"].value
    header = [cell.value for cell in sheet[3]]
    assert header[:2] == ["序号", "机构"] and "投诉按时办结率（%）" in header
    column = header.index("投诉按时办结率（%）") + 1
    labels = [sheet.cell(row=r, column=2).value for r in range(4, 8)]
    assert labels == [figures.branch_a.name, figures.branch_b.name, "合计", f"{figures.hq.name}（全口径）"]
    assert round(sheet.cell(row=6, column=column).value, 2) == 17.27
    assert sheet.cell(row=6, column=column).number_format == "#,##0.00"


@pytest.mark.django_db
def test_names_that_look_like_formulas_stay_text(figures):
    from xiaobao.indicators.models import IndicatorDefinition

    IndicatorDefinition.objects.filter(code="complaints_count").update(name='=HYPERLINK("http://x","y")', unit="")
    figures.branch_a.name = "=1+1"
    figures.branch_a.save()
    book = load_workbook(io.BytesIO(workbook.indicator_workbook(figures.hq_admin, unit=figures.hq, year=YEAR)))
    sheet = book["投诉"]
    cells = [cell for row in sheet.iter_rows(min_row=3, max_row=5) for cell in row]
    texts = [cell for cell in cells if isinstance(cell.value, str) and cell.value.startswith("=")]
    assert len(texts) == 2 and all(cell.data_type == "s" for cell in texts)
