"""工单 in a real browser: head office issues a batch on the org tree, a branch accepts, reports back with
evidence, is returned once, reports again and is approved; the batch shows 1/2, and once the other
branch lets its deadline pass, the supervision board lists it as supervised (督办).

The cast (tests/helpers.py): hq_admin issues to 北京分公司 (A, officer_a) and 河北分公司 (B, officer_b).
"""

from __future__ import annotations

import struct
import zlib
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import log_in, screenshot
from xiaobao.workflow.services import sweep_timers
from xiaobao.workorders.models import Feedback, WorkOrder

pytestmark = pytest.mark.e2e

TITLE = "2026年“3·15”金融消费者权益保护教育宣传周活动"
FIRST_REPORT = "3月9日至15日共开展线下宣教活动8场，覆盖约1,240人次。"
RETURN_REASON = "请补充各场活动的现场照片和签到表。"
SECOND_REPORT = "已补充8场活动的现场照片和签到表。"


def tiny_png() -> bytes:
    """A real 1×1 PNG (the upload check reads the bytes, not the name)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\xff\xff")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def status_of(page):
    return page.get_by_test_id("order-facts").get_by_test_id("order-status")


def issue_batch(page, cast) -> WorkOrder:
    page.goto("/workorders/?box=issued")
    page.get_by_test_id("issue-button").click()
    page.wait_for_url("**/workorders/new/")
    form = page.get_by_test_id("issue-form")
    form.get_by_label("标题").fill(TITLE)
    form.get_by_label("类型").select_option(WorkOrder.Kind.EDUCATION)
    form.get_by_label("优先级").select_option(WorkOrder.Priority.HIGH)
    form.get_by_label("工作内容").fill("请于3月9日至15日开展宣教活动，并反馈活动总结及现场照片。")
    for unit in (cast.branch_a, cast.branch_b):
        form.locator(f'[data-testid="org-node"][data-unit-id="{unit.pk}"] input[type=checkbox]').check()
    form.get_by_label("办理时限（天）").fill("10")
    form.get_by_test_id("issue-submit").click()
    batch = WorkOrder.objects.get(title=TITLE, is_batch=True)
    page.wait_for_url(f"**/workorders/{batch.pk}/")
    return batch


def review(page, *, approved: bool, comment: str = "") -> None:
    form = page.get_by_test_id("review-form")
    form.get_by_label("验收通过" if approved else "退回重办").check()
    if comment:
        form.get_by_label("验收意见").fill(comment)
    form.get_by_test_id("review").click()


def report(page, text: str, files=()) -> None:
    form = page.get_by_test_id("feedback-form")
    form.get_by_label("办理情况").fill(text)
    if files:
        form.locator("input[type=file]").set_input_files(files)
    form.get_by_test_id("submit-feedback").click()


def test_a_batch_goes_round_the_loop_for_one_branch(new_page, cast, tmp_path):
    photo = tmp_path / "现场照片.png"
    photo.write_bytes(tiny_png())

    # Head office issues one order to two branches, picked on the org tree.
    admin = new_page()
    log_in(admin, cast.hq_admin.username)
    batch = issue_batch(admin, cast)
    expect(admin.get_by_test_id("batch-progress")).to_have_attribute("data-total", "2")
    expect(admin.get_by_test_id("batch-progress")).to_have_attribute("data-done", "0")
    expect(admin.get_by_test_id("child-row")).to_have_count(2)
    mine = WorkOrder.objects.get(parent=batch, org_unit=cast.branch_a)
    theirs = WorkOrder.objects.get(parent=batch, org_unit=cast.branch_b)

    # Branch A's officer finds it in 待我处理 (and not branch B's), and accepts it.
    officer = new_page()
    log_in(officer, cast.officer_a.username)
    officer.goto("/workorders/")
    expect(officer.get_by_test_id("tab-todo")).to_have_class("active")
    row = officer.locator(f'[data-testid="workorder-row"][data-order-id="{mine.pk}"]')
    expect(row).to_contain_text(TITLE)
    expect(officer.locator(f'[data-testid="workorder-row"][data-order-id="{theirs.pk}"]')).to_have_count(0)
    row.get_by_role("link", name=mine.number).click()
    officer.wait_for_url(f"**/workorders/{mine.pk}/")
    expect(status_of(officer)).to_have_attribute("data-status", WorkOrder.Status.PENDING_ACCEPT)
    officer.get_by_test_id("accept").click()
    expect(status_of(officer)).to_have_attribute("data-status", WorkOrder.Status.IN_PROGRESS)

    # Reports back with a photo as evidence.
    report(officer, FIRST_REPORT, [str(photo)])
    expect(status_of(officer)).to_have_attribute("data-status", WorkOrder.Status.SUBMITTED)
    first = officer.locator('[data-testid="feedback-round"][data-round="1"]')
    expect(first).to_contain_text(FIRST_REPORT)
    expect(first.get_by_test_id("evidence-files")).to_contain_text("现场照片.png")
    expect(officer.get_by_test_id("feedback-form")).to_have_count(0)

    # Head office returns it with a reason.
    admin.goto(f"/workorders/{mine.pk}/")
    review(admin, approved=False, comment=RETURN_REASON)
    expect(status_of(admin)).to_have_attribute("data-status", WorkOrder.Status.IN_PROGRESS)
    expect(admin.get_by_test_id("order-returns")).to_have_text("1")
    expect(
        admin.locator('[data-testid="feedback-round"][data-round="1"]').get_by_test_id("review-result")
    ).to_contain_text(RETURN_REASON)

    # The officer sees the reason and reports again.
    officer.reload()
    expect(officer.get_by_test_id("review-result")).to_contain_text(RETURN_REASON)
    report(officer, SECOND_REPORT)
    expect(status_of(officer)).to_have_attribute("data-status", WorkOrder.Status.SUBMITTED)
    expect(officer.locator('[data-testid="feedback-round"][data-round="2"]')).to_contain_text(SECOND_REPORT)

    # Head office approves: the order is closed, its history tells the whole story.
    admin.reload()
    review(admin, approved=True, comment="材料齐全，验收通过。")
    expect(status_of(admin)).to_have_attribute("data-status", WorkOrder.Status.CLOSED)
    expect(admin.get_by_test_id("feedback-round")).to_have_count(2)
    expect(admin.locator("#order-history li").filter(has_text="验收")).to_have_count(2)
    assert list(Feedback.objects.filter(order=mine).values_list("approved", flat=True)) == [False, True]
    screenshot(admin, "workorders-detail-closed")

    # The batch: one of two closed; branch B's order still waits to be accepted.
    admin.goto(f"/workorders/{batch.pk}/")
    progress = admin.get_by_test_id("batch-progress")
    expect(progress).to_have_attribute("data-done", "1")
    expect(progress).to_have_attribute("data-total", "2")
    expect(progress).to_contain_text("1/2")
    child = admin.locator(f'[data-testid="child-row"][data-order-id="{theirs.pk}"]')
    expect(child.get_by_test_id("order-status")).to_have_attribute("data-status", WorkOrder.Status.PENDING_ACCEPT)
    screenshot(admin, "workorders-batch")

    # Branch B lets the deadline pass: the timer sweep supervises it (督办), and the board shows it.
    sweep_timers(now=theirs.due_at + timedelta(hours=1))
    theirs.refresh_from_db()
    assert theirs.supervision == WorkOrder.Supervision.SUPERVISED
    admin.goto("/workorders/board/")
    expect(admin.get_by_test_id("total-supervised")).to_contain_text("1")
    expect(admin.locator(f'[data-testid="supervised-row"][data-order-id="{theirs.pk}"]')).to_be_visible()
    expect(admin.locator(f'[data-testid="supervised-row"][data-order-id="{mine.pk}"]')).to_have_count(0)
    for unit, status_total in ((cast.branch_a, "1"), (cast.branch_b, "1")):
        expect(admin.locator(f'[data-testid="board-row"][data-unit="{unit.code}"]')).to_have_attribute(
            "data-total", status_total
        )
    expect(admin.get_by_test_id("board-chart")).to_have_attribute("data-ready", "true")
    screenshot(admin, "workorders-board")
