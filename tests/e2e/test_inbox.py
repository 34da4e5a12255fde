"""我的待办 in a real browser: a branch review of the generic approval, from the candidate-group tab to 已办.

The process (xiaobao/workflow/processes/generic_approval.bpmn): the starter submits, then 分支机构审核
waits for any 分支机构消保专员 of the business object's branch — officer_a for an object in 朝阳支公司
(branch A) — and officer_b (branch B) must never see it.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.conftest import log_in, screenshot
from tests.helpers import make_user
from xiaobao.workflow import services
from xiaobao.workflow.models import HumanTask

pytestmark = pytest.mark.e2e

COMMENT = "材料齐全，同意报送总公司复核。"


def submitted_review(starter, business_object, *, now=None) -> HumanTask:
    """Start a generic approval and submit it: the branch review is then open and unclaimed."""
    instance = services.start(process_key="generic_approval", business_object=business_object, actor=starter, now=now)
    submit = HumanTask.objects.get(instance=instance, element_id="submit", status=HumanTask.Status.OPEN)
    services.complete(task=submit, user=starter, now=now)
    return HumanTask.objects.get(instance=instance, element_id="review", status=HumanTask.Status.OPEN)


@pytest.fixture
def review(cast):
    applicant = make_user("applicant", cast.sub_a, None, "王客户")
    clerk = make_user("clerk_a1", cast.sub_a, "dept_clerk", "陈静")
    return submitted_review(clerk, applicant)


@pytest.fixture
def overdue_review(cast):
    """Another review in branch A, submitted in March 2025 and long past its three working days."""
    applicant = make_user("applicant_old", cast.sub_a, None, "赵客户")
    clerk = make_user("clerk_a2", cast.sub_a, "dept_clerk", "孙敏")
    return submitted_review(clerk, applicant, now=timezone.make_aware(datetime(2025, 3, 3, 10, 0)))


def row(page, task):
    return page.locator(f'[data-testid="inbox-row"][data-task-id="{task.pk}"]')


def open_tab(page, box: str) -> None:
    page.get_by_test_id(f"tab-{box}").click()
    page.wait_for_url(f"**/workflow/?box={box}")


def mark_page(page) -> None:
    """A marker a full page load would wipe: still there after an htmx action means no reload."""
    page.evaluate("window.__noReload = 'kept'")


def assert_not_reloaded(page) -> None:
    assert page.evaluate("window.__noReload") == "kept", "the action reloaded the whole page"


def test_a_candidate_claims_and_completes_a_review_from_the_group_tab(new_page, cast, review, overdue_review):
    page = new_page()
    log_in(page, cast.officer_a.username)
    page.goto("/workflow/")

    # 我的任务 is empty until claimed; the review waits in 我的候选组; the March one is also 已逾期.
    expect(page.get_by_test_id("tab-mine")).to_have_class("active")
    expect(row(page, review)).to_have_count(0)
    open_tab(page, "group")
    expect(row(page, review)).to_be_visible()
    expect(row(page, review)).to_contain_text("王客户")
    expect(row(page, review).get_by_test_id("due-countdown")).to_be_visible()
    expect(row(page, overdue_review).get_by_test_id("overdue-badge")).to_be_visible()
    expect(page.get_by_test_id("tab-group").locator(".badge")).to_have_text("2")
    open_tab(page, "overdue")
    expect(row(page, overdue_review)).to_be_visible()
    expect(row(page, review)).to_have_count(0)
    screenshot(page, "inbox-overdue")
    open_tab(page, "group")

    # The task page: the business object, the task form is not offered before claiming, the history so far.
    row(page, review).get_by_role("link", name="分支机构审核").click()
    page.wait_for_url(f"**/workflow/tasks/{review.pk}/")
    expect(page.get_by_test_id("business-object")).to_have_text("王客户")
    expect(page.get_by_test_id("task-status")).to_have_text("待处理")
    timeline = page.locator("#task-history li")
    submitted = timeline.filter(has_text="经办提交")
    expect(submitted).to_contain_text("陈静")
    steps = timeline.count()

    # Claim: the panel and the history are swapped in place (htmx), no page load.
    mark_page(page)
    page.get_by_test_id("claim").click()
    expect(page.get_by_test_id("task-notice")).to_contain_text("已认领")
    expect(page.get_by_test_id("task-assignee")).to_have_text("张伟")
    expect(page.get_by_test_id("claim")).to_have_count(0)
    expect(timeline).to_have_count(steps + 1)
    expect(timeline.last).to_contain_text("认领")
    assert_not_reloaded(page)
    assert HumanTask.objects.get(pk=review.pk).assignee == cast.officer_a

    # Claimed, the task has moved from the group tab to 我的任务.
    page.goto("/workflow/?box=mine")
    expect(row(page, review)).to_be_visible()
    page.goto("/workflow/?box=group")
    expect(row(page, review)).to_have_count(0)
    page.goto(f"/workflow/tasks/{review.pk}/")

    # Fill the review form and complete it, again without a page load.
    mark_page(page)
    form = page.get_by_test_id("complete-form")
    form.get_by_label("同意").check()
    form.get_by_label("审核意见").fill(COMMENT)
    form.get_by_test_id("complete").click()
    expect(page.get_by_test_id("task-status")).to_have_text("已完成")
    expect(page.get_by_test_id("task-notice")).to_contain_text("已办理完成")
    expect(page.get_by_test_id("complete-form")).to_have_count(0)
    expect(page.get_by_test_id("task-data")).to_contain_text(COMMENT)
    last = page.locator("#task-history li").filter(has_text="分支机构审核").last
    expect(last).to_contain_text("办理")
    expect(last).to_contain_text("张伟")
    expect(last.locator(".timeline-comment")).to_have_text(COMMENT)
    assert_not_reloaded(page)
    screenshot(page, "inbox-task-completed")

    # Done: listed under 已办, gone from the open tabs; head office's review is next.
    page.goto("/workflow/")
    open_tab(page, "done")
    expect(row(page, review)).to_be_visible()
    open_tab(page, "mine")
    expect(row(page, review)).to_have_count(0)
    final = HumanTask.objects.get(instance=review.instance, element_id="final", status=HumanTask.Status.OPEN)
    assert final.candidate_role.code == "hq_admin"
    screenshot(page, "inbox-done")


def test_an_officer_of_another_branch_sees_none_of_it(new_page, cast, review, overdue_review):
    page = new_page()
    log_in(page, cast.officer_b.username)
    for box in ("mine", "group", "overdue", "done"):
        page.goto(f"/workflow/?box={box}")
        expect(page.get_by_test_id("inbox-empty")).to_be_visible()
        expect(page.get_by_test_id("inbox-row")).to_have_count(0)
    response = page.goto(f"/workflow/tasks/{review.pk}/")
    assert response.status == 404
