"""方案管理 and 宣教 in a real browser: head office drafts a campaign plan, adds a goal and a task in place
(htmx), submits, approves and issues it; branch A's officer records an activity for its own unit (the form
offers no other unit); head office opens the progress board, the timeline and the roll-up report, whose
ECharts charts draw from local assets only, and downloads the Word summary.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.conftest import log_in, log_out, screenshot
from xiaobao.plans.models import Activity, Plan

pytestmark = pytest.mark.e2e

NAME = "“3·15”金融消费者权益保护教育宣传周活动方案"


def create_plan(page, cast) -> Plan:
    today = timezone.localdate()
    page.goto("/plans/")
    page.get_by_test_id("new-plan").click()
    page.wait_for_url("**/plans/new/")
    form = page.get_by_test_id("plan-form")
    form.get_by_label("方案名称").fill(NAME)
    form.get_by_label("方案类型").select_option(Plan.Kind.CAMPAIGN)
    form.get_by_label("开始日期").fill((today - timedelta(days=5)).isoformat())
    form.get_by_label("结束日期").fill((today + timedelta(days=60)).isoformat())
    form.get_by_label("方案内容").fill("围绕“共筑诚信金融 守护美好生活”主题开展集中宣传。")
    form.get_by_test_id("save-plan").click()
    plan = Plan.objects.get(name=NAME)
    page.wait_for_url(f"**/plans/{plan.pk}/")
    return plan


def test_a_campaign_from_draft_to_report(new_page, cast):
    today = timezone.localdate()
    page = new_page()
    log_in(page, "hq_admin")
    plan = create_plan(page, cast)

    goals = page.get_by_test_id("goal-form")
    goals.get_by_label("目标", exact=True).fill("触达消费者100万人次")
    goals.get_by_label("目标值").fill("1000000")
    goals.get_by_test_id("goal-add").click()
    expect(page.get_by_test_id("goal-row")).to_have_count(1)  # swapped in place, no reload

    tasks = page.get_by_test_id("task-form")
    tasks.get_by_label("任务名称").fill("开展“五进入”集中宣传")
    tasks.get_by_label("完成期限").fill((today + timedelta(days=30)).isoformat())
    tasks.get_by_label("北京分公司").check()
    tasks.get_by_label("河北分公司").check()
    tasks.get_by_test_id("task-add").click()
    expect(page.get_by_test_id("task-row")).to_have_count(1)

    page.get_by_test_id("submit").click()
    expect(page.get_by_test_id("plan-status")).to_have_attribute("data-status", "approving")
    page.get_by_test_id("approve").click()
    expect(page.get_by_test_id("plan-status")).to_have_attribute("data-status", "approved")
    page.get_by_test_id("issue").click()
    expect(page.get_by_test_id("plan-status")).to_have_attribute("data-status", "in_progress")
    expect(page.get_by_test_id("task-unit-row")).to_have_count(2)
    screenshot(page, "plans-detail")
    log_out_from(page)

    log_in(page, "officer_a")
    page.goto("/plans/activities/")
    page.get_by_test_id("new-activity").click()
    form = page.get_by_test_id("activity-form")
    units = form.get_by_label("组织机构")
    expect(units.locator("option")).to_have_count(1)  # a branch records only for itself
    form.get_by_label("方案任务").select_option(str(plan.tasks.get().pk))
    form.get_by_label("活动日期").fill(today.isoformat())
    form.get_by_label("活动名称").fill("进社区宣传")
    form.get_by_label("活动形式").select_option("offline")
    form.get_by_label("五进入", exact=True).select_option("community")
    form.get_by_label("触达人次").fill("800")
    form.get_by_label("参与人数").fill("120")
    form.get_by_test_id("save-activity").click()
    expect(page.get_by_test_id("activity-unit")).to_have_text("北京分公司")
    assert Activity.objects.get().org_unit == cast.branch_a
    log_out_from(page)

    log_in(page, "hq_admin")
    page.goto(f"/plans/{plan.pk}/board/")
    expect(page.get_by_test_id("board-row")).to_have_count(2)
    expect(page.get_by_test_id("board-chart")).to_have_attribute("data-ready", "true")
    screenshot(page, "plans-board")
    page.goto(f"/plans/{plan.pk}/timeline/")
    expect(page.get_by_test_id("timeline-chart")).to_have_attribute("data-ready", "true")
    screenshot(page, "plans-timeline")
    page.goto(f"/plans/report/?plan={plan.pk}")
    expect(page.get_by_test_id("total-reach")).to_have_attribute("data-value", "800")
    expect(page.locator("[data-plan-chart][data-ready=true]")).to_have_count(4)
    screenshot(page, "plans-report")
    with page.expect_download() as download:
        page.get_by_test_id("export-docx").click()
    assert download.value.suggested_filename.endswith(".docx")


def log_out_from(page) -> None:
    log_out(page)
