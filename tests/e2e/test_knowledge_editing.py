"""知识中心 writing in a real browser: 消保部 edits an internal policy (the new version goes to approval), a
branch officer still reads the current text, the approver compares the versions side by side and publishes,
and the officer then reads the new text; the history shows both versions and the approval.

People: the fixed cast's hq_admin (edits and approves), officer_a (reads, branch A).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import log_in, screenshot
from xiaobao.knowledge import search
from xiaobao.knowledge.models import Document, DocumentVersion
from xiaobao.knowledge.services import document_create

pytestmark = pytest.mark.e2e

OLD = "第一条 投诉应当在十五日内办结。"
NEW = "第一条 投诉应当在十日内办结，并建立投诉台账。"


@pytest.fixture
def policy(cast):
    search.reload()
    return document_create(
        actor=cast.hq_admin,
        kind=Document.Kind.POLICY,
        title="投诉处理管理办法",
        body=OLD,
        number="XB-2024-007",
        policy_status=Document.PolicyStatus.CURRENT,
        org_unit=cast.hq,
    )


def test_a_policy_edit_is_approved_before_readers_see_it(new_page, cast, policy):
    admin = new_page()
    log_in(admin, cast.hq_admin.username)
    admin.goto(f"/knowledge/{policy.pk}/edit/")
    expect(admin.get_by_test_id("policy-notice")).to_be_visible()
    screenshot(admin, "knowledge-edit")
    form = admin.get_by_test_id("document-form")
    form.get_by_label("正文", exact=True).fill(NEW)
    form.get_by_label("修改说明", exact=True).fill("缩短办结时限")
    form.get_by_test_id("save").click()
    admin.wait_for_url(f"**/knowledge/{policy.pk}/versions/")
    pending_row = admin.locator('[data-testid="version-row"][data-number="2"]')
    expect(pending_row.get_by_test_id("version-status")).to_have_attribute("data-status", "pending")
    assert policy.versions.get(number=2).status == DocumentVersion.Status.PENDING

    # The branch officer still reads the current version.
    officer = new_page()
    log_in(officer, cast.officer_a.username)
    officer.goto(f"/knowledge/{policy.pk}/")
    expect(officer.get_by_test_id("knowledge-body")).to_contain_text("十五日内办结")

    # The approver compares side by side and publishes.
    admin.get_by_test_id("approve-link").click()
    admin.wait_for_url(f"**/knowledge/{policy.pk}/approve/")
    changed = admin.locator('[data-testid="diff-row"][data-kind="change"]')
    expect(changed).to_have_count(1)
    expect(changed.locator("del")).to_contain_text("五")
    expect(changed.locator("ins").first).to_be_visible()
    screenshot(admin, "knowledge-approval-diff")
    decision = admin.get_by_test_id("decision-form")
    decision.get_by_label("审批意见", exact=True).fill("同意")
    decision.get_by_test_id("approve").click()
    admin.wait_for_url(f"**/knowledge/{policy.pk}/versions/")
    current_row = admin.locator('[data-testid="version-row"][data-number="2"]')
    expect(current_row.get_by_test_id("current-mark")).to_be_visible()
    expect(current_row.get_by_test_id("decision")).to_contain_text("同意")
    screenshot(admin, "knowledge-versions")

    # The officer now reads the new text, and can compare the two versions.
    officer.reload()
    expect(officer.get_by_test_id("knowledge-body")).to_contain_text("投诉台账")
    officer.goto(f"/knowledge/{policy.pk}/versions/")
    officer.get_by_test_id("compare").click()
    officer.wait_for_url(re.compile(rf"/knowledge/{policy.pk}/diff/\?"))
    expect(officer.locator('[data-testid="diff-row"][data-kind="change"]')).to_have_count(1)
    policy.refresh_from_db()
    assert policy.current_version.number == 2


def test_the_approval_decision_stays_in_view_beside_a_long_diff(new_page, cast):
    # issue 21: at desktop width the decision is on screen on arrival and after scrolling to the diff's end
    from xiaobao.knowledge.services import document_edit

    search.reload()
    lines = [f"第{n}条 投诉处理的第{n}项要求。" for n in range(1, 121)]
    document = document_create(
        actor=cast.hq_admin,
        kind=Document.Kind.POLICY,
        title="投诉处理管理办法",
        body="\n".join(lines),
        number="XB-2024-008",
        policy_status=Document.PolicyStatus.CURRENT,
        org_unit=cast.hq,
    )
    changed = [*lines[:-1], "第120条 本办法自发布之日起施行。"]
    document_edit(document=document, actor=cast.hq_admin, title=document.title, body="\n".join(changed))
    admin = new_page()
    log_in(admin, cast.hq_admin.username)
    admin.goto(f"/knowledge/{document.pk}/approve/")
    approve = admin.get_by_test_id("decision-form").get_by_test_id("approve")
    expect(approve).to_be_in_viewport()
    last_change = admin.locator('[data-testid="diff-row"][data-kind="change"]').last
    last_change.scroll_into_view_if_needed()
    expect(last_change).to_be_in_viewport()
    expect(approve).to_be_in_viewport()
