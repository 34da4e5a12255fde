"""The Word summary (python-docx): title, period, the overview paragraph with the totals, a table per unit
with its 合计, highlights by form and 五进入, Chinese fonts named on the East Asian slot."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.test import Client
from django.urls import reverse
from docx import Document
from docx.oxml.ns import qn

from xiaobao.plans import services
from xiaobao.plans.exports import report_data
from xiaobao.plans.summary_docx import highlights, overview, summary_document


@pytest.fixture
def rollup_input():
    return {
        "units": [
            {
                "unit": None,
                "name": "北京分公司",
                "events": 2,
                "participants": 200,
                "reach": 31500,
                "articles": 2,
                "videos": 0,
                "reposts": 5,
                "media_stories": 0,
            },
            {
                "unit": None,
                "name": "河北分公司",
                "events": 1,
                "participants": 80,
                "reach": 600,
                "articles": 0,
                "videos": 1,
                "reposts": 0,
                "media_stories": 1,
            },
        ],
        "totals": {
            "events": 347,
            "participants": 280,
            "reach": 7855300,
            "articles": 178,
            "videos": 50,
            "reposts": 445,
            "media_stories": 31,
        },
        "by_form": [
            {"form": "offline", "label": "线下活动", "events": 2, "reach": 2100},
            {"form": "article", "label": "线上·文章", "events": 1, "reach": 30000},
        ],
        "by_target": [
            {"target": "school", "label": "进校园", "events": 1, "participants": 200},
            {"target": "community", "label": "进社区", "events": 1, "participants": 80},
        ],
        "by_month": [],
    }


def test_overview_states_the_years_figures(rollup_input):
    text = overview(report_data(rollup_input), unit_name="总公司", period="2024年")
    assert "347场次" in text and "7,855,300人次" in text and "785.53万" in text
    assert "原创文章178篇" in text and "原创视频50个" in text and "445次" in text and "31篇次" in text


def test_highlights_name_forms_targets_and_leading_units(rollup_input):
    found = highlights(report_data(rollup_input))
    assert found[0].startswith("从活动形式看，线下活动2场次")
    assert "进校园1场次" in found[1] and "现场参与280人次" in found[1]
    assert found[2].startswith("从各机构看，触达人次居前的是北京分公司")


def test_document_has_title_table_and_east_asian_fonts(rollup_input):
    content = summary_document(
        report_data(rollup_input),
        title="2024年消费者教育宣传活动开展情况报告",
        unit_name="总公司",
        period="2024年",
        summary="一是……\n二是……",
    )
    document = Document(io.BytesIO(content))
    texts = [p.text for p in document.paragraphs]
    assert texts[0] == "2024年消费者教育宣传活动开展情况报告"
    assert "一、总体情况" in texts and "二、各机构开展情况" in texts and "四、工作总结" in texts
    table = document.tables[0]
    assert [c.text for c in table.rows[1].cells][1] == "北京分公司"
    assert [c.text for c in table.rows[-1].cells][1:3] == ["合计", "347"]
    fonts = document.element.body.xpath(".//w:rFonts")
    assert fonts and all(f.get(qn("w:eastAsia")) for f in fonts)
    normal = document.styles["Normal"].element.rPr.rFonts
    assert normal.get(qn("w:eastAsia")) == "仿宋"


def test_empty_rollup_says_so():
    empty = report_data({"units": [], "totals": {}, "by_form": [], "by_target": [], "by_month": []})
    document = Document(io.BytesIO(summary_document(empty, title="T", unit_name="总公司", period="2030年")))
    assert "统计范围内尚无宣教活动记录。" in [p.text for p in document.paragraphs]
    assert not document.tables


def test_download_for_a_plan_carries_its_summary(cast, running_plan):
    task = running_plan.tasks.get()
    services.activity_record(
        actor=cast.officer_a,
        task=task,
        held_on=date(2025, 3, 10),
        title="进校园",
        form="offline",
        target="school",
        participants=10,
        reach=100,
    )
    services.plan_summarize(actor=cast.hq_admin, plan=running_plan, summary="活动圆满完成。")
    client = Client()
    client.force_login(cast.hq_admin)
    response = client.get(reverse("plans:report-docx"), {"plan": running_plan.pk})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    document = Document(io.BytesIO(response.content))
    texts = [p.text for p in document.paragraphs]
    assert texts[0] == f"{running_plan.name}开展情况报告"
    assert "活动圆满完成。" in texts
    assert any("1场次" in t and "100人次" in t for t in texts)
