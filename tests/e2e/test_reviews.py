"""消保审查 in a real browser: a business-department clerk files a 营销宣传类 review with a PDF, 消保部 assigns
the reviewer, the reviewer works the checklist beside the PDF's preview and writes a substantive opinion,
issues it, and the clerk adopts it — which opens the verification work order the review now waits on.

People: the fixed cast's hq_admin (消保部), plus a clerk (业务部门经办, HQ 个人业务部) and a reviewer (审查员).
"""

from __future__ import annotations

import importlib
import re

import pytest
from django.apps import apps
from playwright.sync_api import expect

from tests.e2e.conftest import log_in, screenshot
from tests.helpers import make_user
from xiaobao.reviews.models import FormType, Opinion, Review

pytestmark = pytest.mark.e2e

PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 300 200]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
TITLE = "“养老无忧”系列短视频宣传审查"
RISK = "视频第12秒“稳赚不赔、年化6%”属承诺收益的误导性表述。"
SUGGESTION = "删除“稳赚不赔”，收益演示改为“演示利率不代表实际收益”，并同屏显著提示风险。"


@pytest.fixture
def form_types(transactional_db):
    """The eight form types: seeded by a data migration, which a transactional test's flush removes."""
    if not FormType.objects.exists():
        importlib.import_module("xiaobao.reviews.migrations.0002_seed_form_types").seed(apps, None)


@pytest.fixture
def people(cast, form_types):
    clerk = make_user("product_clerk", cast.hq, "dept_clerk", "陈静")
    clerk.department = "个人业务部"
    clerk.save(update_fields=["department"])
    reviewer = make_user("reviewer", cast.hq, "reviewer", "赵磊")
    return clerk, reviewer


# The browser's own PDF viewer loads its parts from chrome:// and chrome-extension:// URLs: inside the browser,
# never off the machine. The harness counts every non-local URL as leaving it, so these are let through here.
BROWSER_INTERNAL = re.compile(r"^(chrome|chrome-extension)://")


def allow_pdf_viewer(page) -> None:
    page.route(BROWSER_INTERNAL, lambda route: route.continue_())


def status_of(page):
    return page.get_by_test_id("review-facts").get_by_test_id("review-status")


def test_a_marketing_review_goes_from_filing_to_an_adopted_opinion(new_page, cast, people, tmp_path):
    clerk_user, reviewer_user = people
    material = tmp_path / "短视频脚本.pdf"
    material.write_bytes(PDF)

    # The clerk files a 营销宣传类 review with the script as a PDF.
    clerk = new_page()
    log_in(clerk, clerk_user.username)
    clerk.goto("/reviews/")
    clerk.get_by_test_id("submit-button").click()
    clerk.wait_for_url("**/reviews/new/")
    clerk.locator('[data-testid="form-type"][data-code="marketing"]').click()
    clerk.wait_for_url("**/reviews/new/marketing/")
    form = clerk.get_by_test_id("submit-form")
    form.get_by_label("审查事项", exact=True).fill(TITLE)
    form.get_by_label("产品/活动名称", exact=True).fill("养老无忧年金保险")
    form.get_by_label("紧急程度", exact=True).select_option("urgent")
    form.get_by_label("材料形式", exact=True).select_option("短视频")
    form.get_by_label("宣传涉及的产品/服务", exact=True).fill("养老无忧年金保险")
    form.get_by_label("投放渠道", exact=True).fill("官方微信视频号、抖音")
    form.get_by_label("投放开始日期", exact=True).fill("2026-12-20")
    form.locator("input[type=file]").set_input_files(str(material))
    form.get_by_test_id("submit-review").click()
    review = Review.objects.get(title=TITLE)
    clerk.wait_for_url(f"**/reviews/{review.pk}/")
    expect(status_of(clerk)).to_have_attribute("data-status", Review.Status.SUBMITTED)
    expect(clerk.get_by_test_id("material-files")).to_contain_text("短视频脚本.pdf")
    assert (review.form_version.form_type.code, review.department) == ("marketing", "个人业务部")

    # 消保部 finds it waiting and assigns the reviewer.
    admin = new_page()
    log_in(admin, cast.hq_admin.username)
    admin.goto("/reviews/")
    row = admin.locator(f'[data-testid="review-row"][data-review-id="{review.pk}"]')
    expect(row).to_contain_text(TITLE)
    expect(row.get_by_test_id("urgent-badge")).to_be_visible()
    row.get_by_role("link", name=review.number).click()
    admin.wait_for_url(f"**/reviews/{review.pk}/")
    assign = admin.get_by_test_id("assign-form")
    assign.get_by_label("审查员", exact=True).select_option(str(reviewer_user.pk))
    assign.get_by_label("审查时限（工作日）", exact=True).fill("3")
    assign.get_by_test_id("assign").click()
    expect(status_of(admin)).to_have_attribute("data-status", Review.Status.REVIEWING)
    expect(admin.get_by_test_id("review-reviewer")).to_contain_text("赵磊")

    # The reviewer opens the workspace: the checklist beside the PDF.
    reviewer = new_page()
    allow_pdf_viewer(reviewer)
    log_in(reviewer, reviewer_user.username)
    reviewer.goto("/reviews/")
    reviewer.locator(f'[data-testid="review-row"][data-review-id="{review.pk}"]').get_by_role(
        "link", name=TITLE
    ).click()
    reviewer.wait_for_url(f"**/reviews/{review.pk}/")
    expect(reviewer.get_by_test_id("page-workspace")).to_be_visible()
    preview = reviewer.get_by_test_id("attachment-preview")
    expect(preview).to_have_attribute("data-kind", "pdf")
    expect(preview).to_be_visible()
    # its page drawn on the server, loaded inside the sandboxed frame (300 x 200 pt at 120 dpi)
    first_page = reviewer.frame_locator('[data-testid="attachment-preview"]').get_by_test_id("pdf-page").first
    expect(first_page).to_be_visible()
    expect(first_page).to_have_js_property("naturalWidth", 500)
    items = review.form_version.checklist
    checklist = reviewer.get_by_test_id("checklist")
    expect(checklist.get_by_test_id("checklist-item")).to_have_count(len(items))
    expect(checklist.locator('[data-testid="checklist-group"][data-right="information"]')).to_be_visible()

    # Ticks each item (one with a problem and a note) and saves: htmx swaps the panel in place.
    for item in items:
        result = "issue" if item["id"] == "MKT02" else "pass"
        checklist.locator(f'[data-testid="checklist-item"][data-item="{item["id"]}"] input[value="{result}"]').check()
    checklist.locator('[data-item="MKT02"] input[name="note_MKT02"]').fill("承诺收益")
    checklist.get_by_test_id("save-checklist").click()
    expect(reviewer.get_by_test_id("checklist-notice")).to_be_visible()
    expect(reviewer.get_by_test_id("checklist")).to_have_attribute("data-checked", str(len(items)))
    expect(reviewer.locator('[data-testid="checklist-item"][data-item="MKT02"]')).to_have_attribute(
        "data-result", "issue"
    )
    review.refresh_from_db()
    assert review.checklist_results["MKT02"] == {"result": "issue", "note": "承诺收益"}

    # A substantive opinion on the place in the video, tied to the checklist item, to be verified before launch.
    form = reviewer.get_by_test_id("opinion-form")
    form.get_by_label("意见类型", exact=True).select_option("substantive")
    form.get_by_label("条款/位置", exact=True).fill("短视频 第12秒 口播及字幕")
    form.get_by_label("对应审查要点", exact=True).select_option("MKT02")
    form.get_by_label("风险描述", exact=True).fill(RISK)
    form.get_by_label("修改建议", exact=True).fill(SUGGESTION)
    form.get_by_label("需整改并在上线前验证").check()
    form.get_by_test_id("add-opinion").click()
    opinion_card = reviewer.locator('[data-testid="opinion"][data-seq="1"]')
    expect(opinion_card).to_contain_text(RISK)
    expect(opinion_card).to_have_attribute("data-kind", "substantive")
    screenshot(reviewer, "reviews-workspace")

    # Issues the opinions with a conclusion.
    reviewer.get_by_test_id("issue-form").get_by_label("审查结论").fill("按意见修改后同意投放。")
    reviewer.get_by_test_id("issue").click()
    expect(status_of(reviewer)).to_have_attribute("data-status", Review.Status.RESPONDING)

    # The clerk, in care mode (关怀版), sees the opinion and adopts it; the verification work order opens.
    clerk.reload()
    clerk.get_by_test_id("care-toggle").click()
    expect(clerk.locator("html")).to_have_class(re.compile(r"care-mode"))
    expect(clerk.locator('[data-testid="opinion-row"][data-seq="1"]')).to_contain_text(SUGGESTION)
    answer = clerk.get_by_test_id("respond-form").locator('[data-testid="answer"]')
    choice = answer.locator(".rv-radio").first.bounding_box()
    assert choice["height"] >= 60, choice  # care mode: every tap target at least 60px high
    font = clerk.evaluate("parseFloat(getComputedStyle(document.querySelector('.rv-answer-text')).fontSize)")
    assert font >= 20, font
    answer.get_by_label("采纳", exact=True).check()
    answer.get_by_label("说明").fill("已删除“稳赚不赔”，风险提示同屏显示。")
    clerk.get_by_test_id("respond").click()
    expect(status_of(clerk)).to_have_attribute("data-status", Review.Status.VERIFYING)
    row = clerk.locator('[data-testid="opinion-row"][data-seq="1"]')
    expect(row).to_have_attribute("data-response", "adopted")
    expect(row.get_by_test_id("verification-link")).to_be_visible()
    opinion = Opinion.objects.get(review=review)
    assert (opinion.response, opinion.final_adopted, opinion.right) == ("adopted", True, "information")
    assert opinion.verification_order_id
    screenshot(clerk, "reviews-detail-verifying")
