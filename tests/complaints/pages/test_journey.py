"""Complaint pages: the full journey (register → accept → assign → classify → decide → satisfied →
revisit → close), extensions, root causes, withdrawal and review, page by page.
"""

from __future__ import annotations

import re

from django.core.files.uploadedfile import SimpleUploadedFile

from tests.complaints.pages.conftest import (
    PDF,
    PHONE,
    S,
    accepted,
    handling,
    options,
    page_of,
    register_data,
    version_on,
)
from xiaobao.complaints.models import Category, Complaint
from xiaobao.core.models import Attachment

# --- the full journey, page by page -----------------------------------------------------------------


def test_the_full_journey_through_the_pages(cast, agent, as_user, taxonomy):
    desk, a = as_user(agent), as_user(cast.officer_a)

    # The agent registers a complaint on the form, with the policy as material; it lands on its page.
    units = options(desk.get("/complaints/new/").content.decode(), "org_unit")
    assert {str(cast.branch_a.pk), str(cast.sub_b.pk)} <= units
    policy = SimpleUploadedFile("保单.pdf", PDF, content_type="application/pdf")
    response = desk.post("/complaints/new/", register_data(cast, files=[policy], media_attention="on"))
    assert response.status_code == 302
    complaint = Complaint.objects.get()
    assert response["Location"] == complaint.get_absolute_url()
    assert (complaint.status, complaint.org_unit, complaint.registered_by) == (S.REGISTERED, cast.branch_a, agent)
    assert (complaint.complainant_phone, complaint.media_attention, str(complaint.amount)) == (PHONE, True, "12000.00")
    assert Attachment.objects.get().name == "保单.pdf"

    # The same form sent twice (a double click sends the same content) registers once, and says so.
    policy = SimpleUploadedFile("保单.pdf", PDF, content_type="application/pdf")
    response = desk.post("/complaints/new/", register_data(cast, files=[policy], media_attention="on"), follow=True)
    assert response.redirect_chain == [(complaint.get_absolute_url(), 302)]
    assert "该表单已提交过，未重复登记" in response.content.decode()
    assert Complaint.objects.count() == 1
    # The same form sent again with other content (edited after going back) is not silently dropped.
    response = desk.post("/complaints/new/", register_data(cast))
    assert response.status_code == 422
    assert "修改后的内容未登记" in response.content.decode()
    assert Complaint.objects.count() == 1

    # Branch A finds it in 待我处理 and accepts it, then assigns it to its officer.
    assert complaint.number in a.get("/complaints/").content.decode()
    accepted(a, complaint)
    complaint.refresh_from_db()
    assert complaint.status == S.ACCEPTED
    html = page_of(a, complaint)
    response = a.post(
        f"/complaints/{complaint.pk}/assign/", {"version": version_on(html, "assign"), "handler": cast.officer_a.pk}
    )
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert (complaint.status, complaint.handler) == (S.HANDLING, cast.officer_a)

    # Classifies it on the current code table.
    response = a.post(
        f"/complaints/{complaint.pk}/classify/",
        {
            "business_category": taxonomy["business"].pk,
            "cause_category": taxonomy["cause"].pk,
            "demand_category": taxonomy["demand"].pk,
        },
    )
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert (complaint.business_category, complaint.cause_category) == (taxonomy["business"], taxonomy["cause"])
    assert "VWB1 人身保险" in page_of(a, complaint)

    # Decides and tells the complainant, with the remedies.
    html = page_of(a, complaint)
    response = a.post(
        f"/complaints/{complaint.pk}/decide/",
        {
            "version": version_on(html, "decide"),
            "decision": "经核实，同意按已交保费全额退保。",
            "reply_method": "电话",
            "remedies_told": "on",
        },
    )
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert (complaint.status, complaint.remedies_told) == (S.REPLIED, True)
    assert complaint.decided_at is not None
    html = page_of(a, complaint)
    assert "经核实，同意按已交保费全额退保。" in html
    assert 'data-testid="decided-on-time"' in html

    # The complainant is satisfied; the handler visits back and closes with the root cause.
    assert a.post(f"/complaints/{complaint.pk}/response/", {"satisfied": "1"}).status_code == 302
    complaint.refresh_from_db()
    assert (complaint.status, complaint.satisfied) == (S.REVISITING, True)
    assert a.post(f"/complaints/{complaint.pk}/revisit/", {"result": "投诉人表示满意。"}).status_code == 302
    complaint.refresh_from_db()
    assert complaint.revisit_result == "投诉人表示满意。"
    response = a.post(
        f"/complaints/{complaint.pk}/close/",
        {"root_cause": taxonomy["root_cause"].pk, "root_cause_note": "业务员培训不足。"},
    )
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert (complaint.status, complaint.root_cause) == (S.CLOSED, taxonomy["root_cause"])
    html = page_of(a, complaint)
    assert 'data-testid="actions"' not in html
    assert "业务员培训不足。" in html
    assert complaint.number in a.get(f"/complaints/?box=all&status={S.CLOSED}").content.decode()
    assert complaint.number not in a.get("/complaints/").content.decode()


def test_an_extension_shows_with_its_reason_approver_and_notice(cast, as_user, complaint_a):
    a = as_user(cast.officer_a)
    handling(a, complaint_a, cast.officer_a)
    previous = complaint_a.due_at
    response = a.post(
        f"/complaints/{complaint_a.pk}/extend/",
        {"level": "1", "reason": "需调取销售录音核实", "approver": cast.officer_a.pk, "notice_method": "电话"},
    )
    assert response.status_code == 302
    complaint_a.refresh_from_db()
    assert complaint_a.extension_level == 1 and complaint_a.due_at > previous
    html = page_of(a, complaint_a)
    assert 'data-testid="extension-row" data-level="1"' in html
    assert "需调取销售录音核实" in html


def test_a_second_extension_needs_an_approver_above_the_branch(cast, as_user, complaint_a):
    a = as_user(cast.officer_a)
    handling(a, complaint_a, cast.officer_a)
    body = {"reason": "情况复杂", "approver": cast.officer_a.pk, "notice_method": "电话"}
    assert a.post(f"/complaints/{complaint_a.pk}/extend/", {**body, "level": "1"}).status_code == 302
    response = a.post(f"/complaints/{complaint_a.pk}/extend/", {**body, "level": "2"})
    assert response.status_code == 400
    assert 'data-testid="error-approver"' in response.content.decode()
    complaint_a.refresh_from_db()
    assert complaint_a.extension_level == 1
    # head office is above the branch: its administrator may approve the second one
    assert str(cast.hq_admin.pk) in options(page_of(a, complaint_a), "approver")
    response = a.post(f"/complaints/{complaint_a.pk}/extend/", {**body, "level": "2", "approver": cast.hq_admin.pk})
    assert response.status_code == 302
    complaint_a.refresh_from_db()
    assert (complaint_a.extension_level, complaint_a.complexity) == (2, Complaint.Complexity.SPECIAL)
    assert 'data-testid="extend-form"' not in page_of(a, complaint_a)  # 60 days at most


def test_a_systemic_root_cause_links_the_rectification_work_order(cast, as_user, complaint_a, taxonomy):
    systemic = Category.objects.create(
        version=taxonomy["root_cause"].version,
        dimension=Category.Dimension.ROOT_CAUSE,
        code="VWR9",
        name="产品条款设计缺陷",
        systemic=True,
    )
    a = as_user(cast.officer_a)
    handling(a, complaint_a, cast.officer_a)
    a.post(
        f"/complaints/{complaint_a.pk}/classify/",
        {
            "business_category": taxonomy["business"].pk,
            "cause_category": taxonomy["cause"].pk,
            "demand_category": taxonomy["demand"].pk,
        },
    )
    html = page_of(a, complaint_a)
    a.post(
        f"/complaints/{complaint_a.pk}/decide/",
        {"version": version_on(html, "decide"), "decision": "同意", "reply_method": "电话", "remedies_told": "on"},
    )
    a.post(f"/complaints/{complaint_a.pk}/response/", {"satisfied": "1"})
    a.post(f"/complaints/{complaint_a.pk}/revisit/", {"result": "满意"})
    assert a.post(f"/complaints/{complaint_a.pk}/close/", {"root_cause": systemic.pk}).status_code == 302
    complaint_a.refresh_from_db()
    assert complaint_a.rectification_order_id
    html = page_of(a, complaint_a)
    link = re.search(r'<a href="(/workorders/\d+/)" data-testid="rectification-link">', html)
    assert link and link.group(1) == f"/workorders/{complaint_a.rectification_order_id}/"
    assert a.get(link.group(1)).status_code == 200


def test_withdrawing_ends_the_handling(cast, as_user, complaint_a):
    a = as_user(cast.officer_a)
    response = a.post(f"/complaints/{complaint_a.pk}/withdraw/", {"reason": ""})
    assert response.status_code == 400
    assert 'data-testid="error-reason"' in response.content.decode()
    complaint_a.refresh_from_db()
    assert complaint_a.status == S.REGISTERED
    assert a.post(f"/complaints/{complaint_a.pk}/withdraw/", {"reason": "投诉人来电撤回"}).status_code == 302
    complaint_a.refresh_from_db()
    assert complaint_a.status == S.WITHDRAWN
    html = page_of(a, complaint_a)
    assert "投诉人来电撤回" in html
    assert 'data-testid="actions"' not in html


def test_an_unsatisfied_complainant_gets_a_review_by_head_office(cast, as_user, complaint_a):
    a, hq = as_user(cast.officer_a), as_user(cast.hq_admin)
    handling(a, complaint_a, cast.officer_a)
    html = page_of(a, complaint_a)
    a.post(
        f"/complaints/{complaint_a.pk}/decide/",
        {"version": version_on(html, "decide"), "decision": "不予退保", "reply_method": "书面", "remedies_told": "on"},
    )
    response = a.post(f"/complaints/{complaint_a.pk}/response/", {"satisfied": "0", "reexamine": "on"})
    assert response.status_code == 302
    complaint_a.refresh_from_db()
    assert complaint_a.status == S.REEXAMINING
    assert 'data-testid="reexamine-form"' not in page_of(a, complaint_a)  # the branch does not review itself
    html = page_of(hq, complaint_a)
    assert 'data-testid="reexamine-form"' in html
    response = hq.post(f"/complaints/{complaint_a.pk}/reexamine/", {"upheld": "1", "conclusion": ""})
    assert response.status_code == 400
    assert 'data-testid="error-conclusion"' in response.content.decode()
    response = hq.post(
        f"/complaints/{complaint_a.pk}/reexamine/", {"upheld": "1", "conclusion": "原处理决定并无不当。"}
    )
    assert response.status_code == 302
    complaint_a.refresh_from_db()
    assert (complaint_a.status, complaint_a.reexamine_conclusion) == (S.REVISITING, "原处理决定并无不当。")
    assert 'data-testid="revisit-form"' in page_of(a, complaint_a)


def test_the_agent_who_registered_it_may_record_a_withdrawal(agent, as_user, complaint_a):
    desk = as_user(agent)
    assert 'data-testid="withdraw-form"' in page_of(desk, complaint_a)
    assert desk.post(f"/complaints/{complaint_a.pk}/withdraw/", {"reason": "投诉人来电撤回"}).status_code == 302
    complaint_a.refresh_from_db()
    assert complaint_a.status == S.WITHDRAWN
