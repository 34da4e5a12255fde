"""董事会消保年度报告 (Word): the six sections, figures from the system, Chinese fonts through eastAsia."""

from __future__ import annotations

import io

import pytest
from docx import Document
from docx.oxml.ns import qn

from tests.indicators import pages_data
from tests.indicators.pages_data import YEAR
from xiaobao.indicators import board_docx

# the shared fixtures (pages_data is not a conftest: the engine tests own that)
_media = pages_data._media
figures = pages_data.figures


def _read(content: bytes):
    document = Document(io.BytesIO(content))
    text = "\n".join(p.text for p in document.paragraphs)
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return document, text, cells


@pytest.mark.django_db
def test_the_report_has_the_six_sections_in_order(figures):
    document, _text, _cells = _read(board_docx.board_report(figures.hq_admin, unit=figures.hq, year=YEAR))
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    expected = ["治理", "审查", "投诉", "宣传教育", "培训", "服务"]
    assert len(headings) == 7  # six sections and the appendix
    for heading, word in zip(headings, expected, strict=False):
        assert word in heading


@pytest.mark.django_db
def test_the_figures_come_from_the_indicator_values_and_targets(figures):
    _document, text, cells = _read(board_docx.board_report(figures.hq_admin, unit=figures.hq, year=YEAR))
    assert f"{figures.hq.name}{YEAR}年度消费者权益保护工作报告" in text
    # 投诉按时办结率 at HQ: 17.27 % against a target of 95 %, below the red line of 80 %
    row = cells.index("投诉按时办结率")
    assert cells[row + 1 : row + 5] == ["17.27%", "95.00%", "—", "红色预警"]
    # 投诉量 with last year's figure beside it
    row = cells.index("投诉量")
    assert cells[row + 1 : row + 4] == ["137 件", "—", "100 件"]
    assert "设定年度目标的指标1项，达到目标0项" in text


@pytest.mark.django_db
def test_a_section_without_figures_says_so(figures):
    _document, text, _cells = _read(board_docx.board_report(figures.hq_admin, unit=figures.hq, year=YEAR))
    assert "本年度尚无宣教类指标数据" in text
    assert "全年受理消费投诉0件" in text  # no complaint was registered: the complaints app counts none


@pytest.mark.django_db
def test_chinese_text_is_set_in_an_east_asian_font(figures):
    document, _text, _cells = _read(board_docx.board_report(figures.hq_admin, unit=figures.hq, year=YEAR))
    fonts = document.styles["Normal"].element.rPr.find(qn("w:rFonts"))
    assert fonts.get(qn("w:eastAsia")) == "宋体"
    heading = document.styles["Heading 1"].element.rPr.find(qn("w:rFonts"))
    assert heading.get(qn("w:eastAsia")) == "黑体"


@pytest.mark.django_db
def test_the_steps_are_reported_in_order(figures):
    seen = []
    board_docx.board_report(figures.hq_admin, unit=figures.hq, year=YEAR, step=lambda p, t: seen.append(p))
    assert seen == sorted(seen) and len(seen) >= 6


@pytest.mark.django_db
def test_inside_the_thresholds_is_normal_but_below_target_is_not_met(figures):
    # branch A's 90 % is on the amber line, so no alert ("正常"), but short of the 95 % target
    _document, text, cells = _read(board_docx.board_report(figures.officer_a, unit=figures.branch_a, year=YEAR))
    row = cells.index("投诉按时办结率")
    assert cells[row + 1 : row + 5] == ["90.00%", "95.00%", "—", "正常"]
    assert "设定年度目标的指标1项，达到目标0项" in text
