"""指标管理 in a real browser: head office opens the cockpit for 2024 (key indicators as tiles with their status,
the trend and branch comparison drawn by ECharts), drills down from the ranking to branch A and on to the
complaints behind the number, reads the same page in care mode (sizes, contrast, the tables open), and has
the annual board report built (the worker runs eagerly in tests) and downloads it.

The figures are stored by hand (the engine has its own tests); a flushed database has no definitions, so the
shipped set is seeded again from its data migration.
"""

from __future__ import annotations

import importlib
import io
import re

import pytest
from django.apps import apps
from docx import Document
from playwright.sync_api import expect

from tests.e2e.conftest import log_in, screenshot
from tests.e2e.test_care_mode import assert_care_layout, switch_care_mode
from tests.indicators.pages_data import YEAR, put
from xiaobao.indicators.models import IndicatorDefinition, Target

pytestmark = pytest.mark.e2e


@pytest.fixture
def figures(cast, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    importlib.import_module("xiaobao.indicators.migrations.0002_seed_definitions").seed(apps, None)
    put("complaints_count", cast.hq, 137)
    put("complaints_count", cast.branch_a, 12)
    put("complaints_count", cast.branch_b, 120)
    put("complaints_count", cast.hq, 100, period=str(YEAR - 1))
    put("complaints_on_time_rate", cast.hq, "17.272727", numerator=19, denominator=110)
    put("complaints_on_time_rate", cast.branch_a, 90, numerator=9, denominator=10)
    put("complaints_on_time_rate", cast.branch_b, 10, numerator=10, denominator=100)
    Target.objects.create(
        definition=IndicatorDefinition.objects.get(code="complaints_on_time_rate"),
        year=YEAR,
        target=95,
        amber=90,
        red=80,
    )
    return cast


def test_head_office_reads_the_cockpit_drills_down_and_gets_the_board_report(page, figures):
    log_in(page, figures.hq_admin.username)
    page.goto(f"/indicators/?period={YEAR}&indicator=complaints_on_time_rate")
    tile = page.locator("[data-testid=tile][data-code=complaints_on_time_rate]")
    expect(tile).to_have_attribute("data-status", "red")
    expect(tile.get_by_test_id("tile-value")).to_contain_text("17.27")
    expect(tile.get_by_test_id("tile-status")).to_have_text("红色预警")
    expect(page.get_by_test_id("chart-trend")).to_have_attribute("data-ready", "true")
    expect(page.get_by_test_id("chart-comparison")).to_have_attribute("data-ready", "true")
    expect(page.locator("[data-testid=chart-comparison] svg")).to_be_visible()
    ranking = page.get_by_test_id("ranking-row")
    expect(ranking.first).to_have_attribute("data-unit", "A")  # 90 % ranks above 10 %
    screenshot(page, "indicators-cockpit")

    # drill down: branch A from the ranking, then the complaints behind its number
    ranking.first.get_by_role("link").click()
    page.wait_for_url("**/indicators/indicator/complaints_on_time_rate/**")
    expect(page.get_by_test_id("detail-display")).to_have_text("90.00")
    expect(page.get_by_test_id("detail-ratio")).to_have_text("9 / 10")
    screenshot(page, "indicators-detail")
    page.get_by_test_id("records-link").click()
    page.wait_for_url("**/complaints/?**")
    assert f"org_unit={figures.branch_a.pk}" in page.url

    # care mode: the cockpit keeps care mode's sizes and contrast; the tables beside the charts are open
    page.goto(f"/indicators/?period={YEAR}")
    switch_care_mode(page)
    expect(page.locator("html")).to_have_class(re.compile(r"\bcare-mode\b"))  # beside "js"
    expect(page.locator("details.ind-table-alt").first).to_have_attribute("open", "")
    expect(page.get_by_test_id("trend-table").first).to_be_visible()
    assert_care_layout(page)
    screenshot(page, "indicators-cockpit-care")
    switch_care_mode(page)

    # the board report: asked for, built (eagerly in tests), downloaded
    page.goto("/indicators/reports/")
    form = page.get_by_test_id("report-form")
    form.get_by_label("报告类型").select_option("board_report")
    form.get_by_label("年度").select_option(str(YEAR))
    form.get_by_test_id("report-submit").click()
    page.wait_for_url("**/indicators/reports/*/")
    expect(page.get_by_test_id("report-progress")).to_have_attribute("data-status", "done")
    with page.expect_download() as download:
        page.get_by_test_id("report-download").click()
    document = Document(io.BytesIO(open(download.value.path(), "rb").read()))  # noqa: SIM115 (read once)
    text = "\n".join(p.text for p in document.paragraphs)
    assert f"{figures.hq.name}{YEAR}年度消费者权益保护工作报告" in text
