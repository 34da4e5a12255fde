"""智能质检 in a real browser: an inspector opens a finding, sees the hit highlighted in the masked transcript
with speaker and time, confirms it, and the rectification work order it opened is linked and exists; the
agent then sees the finding among their own.

The cast (tests/helpers.py) plus an inspector at head office and an agent in 北京分公司 (A).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import log_in, screenshot
from tests.helpers import make_user
from tests.inspection.conftest import NOW, record
from xiaobao.inspection import scanning, services
from xiaobao.inspection.models import Finding
from xiaobao.workorders.models import WorkOrder

pytestmark = pytest.mark.e2e

TURNS = [
    ("customer", "这款年金险收益怎么样？"),
    ("agent", "您放心，这款产品稳赚不赔，我的电话是13812345678。"),
]


@pytest.fixture
def shipped_rules(transactional_db):
    """The shipped rule set is seed data from a migration; an earlier live-server test's flush removes it, so
    it is put back here exactly as the migration writes it (the loader skips rules already present)."""
    import importlib

    from django.apps import apps

    importlib.import_module("xiaobao.inspection.migrations.0002_shipped_rules").load(apps, None)


def test_confirming_a_finding_opens_a_rectification_work_order(page, cast, shipped_rules):
    inspector = make_user("inspector", cast.hq, "inspector", "吴刚")
    agent = make_user("agent_a", cast.branch_a, "agent", "周敏")
    services.interactions_ingest(actor=inspector, records=[record("E2E-1", TURNS)], now=NOW)
    for job_id in scanning.scan_jobs_waiting(now=NOW):
        scanning.scan_job_run(job_id=job_id, now=NOW)
    finding = Finding.objects.get(rule__code="SALES-GUARANTEE")

    log_in(page, inspector.username)
    page.goto("/inspection/")
    row = page.locator(f'[data-testid="finding-row"][data-finding-id="{finding.pk}"]')
    expect(row).to_be_visible()
    row.get_by_role("link").first.click()
    page.wait_for_url(f"**/inspection/findings/{finding.pk}/")
    hit = page.get_by_test_id("hit")
    expect(hit).to_have_text("稳赚不赔")
    transcript = page.get_by_test_id("transcript")
    expect(transcript).to_contain_text("5.0s")
    expect(transcript).to_contain_text("138****5678")
    expect(transcript).not_to_contain_text("13812345678")
    page.get_by_test_id("confirm-button").click()
    page.wait_for_url(f"**/inspection/findings/{finding.pk}/")
    expect(page.get_by_test_id("finding-status")).to_have_text("已确认")
    finding.refresh_from_db()
    order = WorkOrder.objects.get(pk=finding.workorder_id)
    assert order.kind == WorkOrder.Kind.RECTIFICATION and order.org_unit == cast.branch_a
    link = page.get_by_test_id("workorder-link")
    expect(link).to_have_text(order.number)
    screenshot(page, "inspection-confirmed")
    link.click()
    page.wait_for_url(f"**/workorders/{order.pk}/")
    expect(page.locator("body")).to_contain_text("质检整改")

    page.context.clear_cookies()
    log_in(page, agent.username)
    page.goto("/inspection/")
    expect(page.locator(f'[data-testid="finding-row"][data-finding-id="{finding.pk}"]')).to_be_visible()
