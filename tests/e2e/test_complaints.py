"""投诉 in a real browser: a head-office agent (客服坐席) registers a hotline complaint on the form; branch A's
officer finds it in 待我处理, sees the complainant masked, reveals the phone number with a reason, accepts
the complaint, takes it on, classifies it and tells the complainant the decision with the remedies.

The cast (tests/helpers.py) plus an agent at head office; the complaint is for 北京分公司 (A, officer_a).
"""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.conftest import log_in, screenshot
from tests.e2e.test_care_mode import assert_care_layout, switch_care_mode
from tests.helpers import make_user
from xiaobao.complaints.models import Category, Complaint, TaxonomyVersion

pytestmark = pytest.mark.e2e

NAME, PHONE, ID_NUMBER = "王秀兰", "13912345678", "110101196503071234"
SUBJECT = "销售分红险时未说明退保损失"
DECISION = "经调取销售录音核实，业务员未充分说明退保损失，同意全额退还已交保费12,000元。"


@pytest.fixture
def categories(transactional_db):
    """One entry per dimension of the current code table (a flushed database has none)."""
    version = TaxonomyVersion.objects.filter(is_current=True).first() or TaxonomyVersion.objects.create(
        code="T-E2E", name="浏览器测试分类", effective_from=timezone.localdate(), is_current=True
    )
    D = Category.Dimension
    return {
        key: Category.objects.create(version=version, dimension=dimension, code=f"E2E{key[:2].upper()}", name=name)
        for key, dimension, name in (
            ("business", D.BUSINESS, "分红型两全保险"),
            ("cause", D.CAUSE, "销售误导"),
            ("demand", D.DEMAND, "退保退费"),
        )
    }


def status_of(page):
    return page.get_by_test_id("complaint-facts").get_by_test_id("complaint-status")


def register(page, cast) -> Complaint:
    page.goto("/complaints/")
    page.get_by_test_id("register-button").click()
    page.wait_for_url("**/complaints/new/")
    form = page.get_by_test_id("register-form")
    form.get_by_label("投诉渠道").select_option(Complaint.Channel.HOTLINE)
    form.get_by_label("投诉人姓名").fill(NAME)
    form.get_by_label("证件号码").fill(ID_NUMBER)
    form.get_by_label("联系电话").fill(PHONE)
    form.get_by_label("联系地址").fill("北京市朝阳区建国路88号")
    # someone complaining for the consumer names them (Art. 14): the field appears for an agent
    expect(form.get_by_label("消费者姓名")).to_be_hidden()
    form.get_by_label("与消费者关系").select_option(Complaint.Relation.AGENT)
    expect(form.get_by_label("消费者姓名")).to_be_visible()
    form.get_by_label("与消费者关系").select_option(Complaint.Relation.SELF)
    form.get_by_label("保单/账户号").fill("P2024000123")
    form.get_by_label("投诉事由").fill(SUBJECT)
    form.get_by_label("投诉内容").fill("投诉人称业务员销售时承诺随时可全额退保，现退保仅退现金价值。")
    form.get_by_label("投诉请求").fill("全额退还已交保费")
    form.get_by_label("涉及金额（元）").fill("12000")
    form.get_by_label("责任机构").select_option(str(cast.branch_a.pk))
    screenshot(page, "complaints-register-form")
    form.get_by_test_id("register-submit").click()
    complaint = Complaint.objects.get(subject=SUBJECT)
    page.wait_for_url(f"**/complaints/{complaint.pk}/")
    return complaint


def test_an_agent_registers_and_the_branch_accepts_classifies_and_decides(new_page, cast, categories):
    agent = make_user("agent", cast.hq, "agent", "周坐席")

    # The agent registers the call on the form; the page shows it registered, the phone masked.
    desk = new_page()
    log_in(desk, agent.username)
    complaint = register(desk, cast)
    expect(status_of(desk)).to_have_attribute("data-status", Complaint.Status.REGISTERED)
    expect(desk.get_by_test_id("masked-complainant_phone")).to_have_text("139****5678")
    expect(desk.get_by_test_id("due-countdown")).to_be_visible()
    assert PHONE not in desk.content() and ID_NUMBER not in desk.content()
    screenshot(desk, "complaints-registered")

    # Branch A's officer finds it in 待我处理 with the complainant masked.
    officer = new_page()
    log_in(officer, cast.officer_a.username)
    officer.goto("/complaints/")
    expect(officer.get_by_test_id("tab-todo")).to_have_class("active")
    row = officer.locator(f'[data-testid="complaint-row"][data-complaint-id="{complaint.pk}"]')
    expect(row.get_by_test_id("complainant")).to_have_text("王**")
    row.get_by_role("link", name=complaint.number).click()
    officer.wait_for_url(f"**/complaints/{complaint.pk}/")

    # Reveals the phone number to call back: a reason is asked for, the number shows on that page only.
    officer.get_by_test_id("reveal-complainant_phone").click()
    form = officer.get_by_test_id("reveal-form-complainant_phone")
    form.get_by_label("查看理由").fill("回电核实投诉诉求")
    form.get_by_test_id("reveal-submit-complainant_phone").click()
    expect(officer.get_by_test_id("revealed-complainant_phone")).to_have_text(PHONE)

    # Accepts, takes it on (the handler defaults to the officer), classifies it.
    officer.get_by_test_id("accept").click()
    expect(status_of(officer)).to_have_attribute("data-status", Complaint.Status.ACCEPTED)
    expect(officer.get_by_test_id("masked-complainant_phone")).to_have_text("139****5678")
    officer.get_by_test_id("assign").click()
    expect(status_of(officer)).to_have_attribute("data-status", Complaint.Status.HANDLING)
    expect(officer.get_by_test_id("complaint-handler")).to_have_text(cast.officer_a.full_name)
    officer.get_by_test_id("classify-toggle").click()
    form = officer.get_by_test_id("classify-form")
    form.get_by_label("业务/产品类别").select_option(str(categories["business"].pk))
    form.get_by_label("投诉原因").select_option(str(categories["cause"].pk))
    form.get_by_label("投诉诉求").select_option(str(categories["demand"].pk))
    form.get_by_test_id("classify").click()
    expect(officer.get_by_test_id("cause-category")).to_contain_text("销售误导")

    # Decides and tells the complainant, with the remedies: the statutory clock stops in time.
    form = officer.get_by_test_id("decide-form")
    form.get_by_label("处理决定").fill(DECISION)
    form.get_by_label("告知方式").fill("电话")
    form.get_by_label("已告知投诉人核查、调解、仲裁、诉讼等途径").check()
    form.get_by_test_id("decide").click()
    expect(status_of(officer)).to_have_attribute("data-status", Complaint.Status.REPLIED)
    expect(officer.get_by_test_id("decision")).to_contain_text(DECISION)
    expect(officer.get_by_test_id("decided-on-time")).to_be_visible()
    expect(officer.get_by_test_id("respond-form")).to_be_visible()
    expect(officer.locator("#complaint-history li").filter(has_text="调查处理并告知投诉人")).not_to_have_count(0)
    complaint.refresh_from_db()
    assert (complaint.status, complaint.handler_id, complaint.remedies_told) == (
        Complaint.Status.REPLIED,
        cast.officer_a.pk,
        True,
    )
    screenshot(officer, "complaints-detail-replied")

    # In care mode (适老化) the list with its badges and the page with the next step's form keep the promises.
    switch_care_mode(officer)
    officer.goto("/complaints/?box=all")
    expect(officer.get_by_test_id("complaint-row")).to_have_count(1)
    assert_care_layout(officer)
    screenshot(officer, "complaints-list-care-mode")
    officer.goto(f"/complaints/{complaint.pk}/")
    expect(officer.get_by_test_id("respond-form")).to_be_visible()
    assert_care_layout(officer)
    screenshot(officer, "complaints-detail-care-mode")
    officer.goto("/complaints/new/")
    assert_care_layout(officer)
