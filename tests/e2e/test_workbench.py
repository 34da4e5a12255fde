"""工作台 in a real browser (issue 21): branch A's officer signs in, sees the complaint that is past its statutory
deadline at the top of 临近法定时限的投诉 — and not branch B's — and reaches the step to take (受理) in one click.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.conftest import log_in, screenshot
from tests.helpers import make_user
from xiaobao.complaints import services
from xiaobao.complaints.models import Complaint

pytestmark = pytest.mark.e2e


def registered(agent, unit, subject: str, *, days_ago: int) -> Complaint:
    """A hotline complaint received `days_ago` days ago, registered through the service (so its process and its
    deadline in force are the real ones)."""
    now = timezone.now()
    return services.complaint_register(
        actor=agent,
        channel=Complaint.Channel.HOTLINE,
        received_at=now - timedelta(days=days_ago),
        complainant_name="王秀兰",
        complainant_phone="13912345678",
        subject=subject,
        content="投诉人称理赔款超过约定时限仍未支付。",
        demand_text="尽快支付理赔款",
        org_unit=unit,
        now=now,
    )


def test_a_branch_officer_reaches_an_overdue_complaints_next_step_in_one_click(new_page, cast):
    agent = make_user("agent", cast.hq, "agent", "周坐席")
    overdue = registered(agent, cast.branch_a, "理赔款迟迟未到账", days_ago=20)
    fresh = registered(agent, cast.sub_a, "保全变更办理缓慢", days_ago=1)
    elsewhere = registered(agent, cast.branch_b, "河北分公司的投诉", days_ago=20)
    assert overdue.due_at < timezone.now() < fresh.due_at  # the deadline in force the clock wrote

    page = new_page()
    log_in(page, cast.officer_a.username)  # lands on the 工作台
    panel = page.get_by_test_id("panel-complaints")
    first = panel.get_by_test_id("workbench-item").first
    expect(first).to_contain_text(overdue.number)
    expect(first).to_have_attribute("data-state", "overdue")
    expect(panel).not_to_contain_text(elsewhere.number)
    expect(page.get_by_text("即将上线")).to_have_count(0)
    screenshot(page, "workbench-branch-officer")

    first.click()  # one click: the complaint's page, where its next step is taken
    page.wait_for_url(f"**/complaints/{overdue.pk}/")
    accept = page.get_by_test_id("accept")
    expect(accept).to_be_visible()
    accept.click()
    expect(page.get_by_test_id("complaint-facts").get_by_test_id("complaint-status")).to_have_attribute(
        "data-status", Complaint.Status.ACCEPTED
    )
    screenshot(page, "workbench-overdue-complaint-accepted")
