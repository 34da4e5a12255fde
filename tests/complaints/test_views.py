"""Complaint pages through Django's test client: who sees which page, who may act, the full journey
(register → accept → assign → classify → decide → satisfied → revisit → close), refusals shown on the
page and writing nothing, personal data masked until revealed with a reason, and the list's query count.

The cast (tests/helpers.py): hq_admin (HQ), officer_a (branch A 北京), officer_b (branch B 河北),
manager (read-only, HQ), outsider (no role, branch A); plus an agent (客服坐席) at head office here.
"""

# Who reaches each of this app's object routes — another branch or department, no role, anonymous — and that a
# refusal writes nothing, is the permission matrix's (tests/access_matrix/table.py); the copies once here are
# gone. What stays asserts more than a status: lists that leak nothing, writes not done, actors the matrix lacks.

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.helpers import make_user
from xiaobao.complaints import selectors, services
from xiaobao.complaints.models import Category, Complaint, TaxonomyVersion
from xiaobao.core.models import Attachment, AuditEntry
from xiaobao.workflow import services as workflow
from xiaobao.workflow.messages import conflict_message

S = Complaint.Status
NAME, ID_NUMBER, PHONE, ADDRESS = "王秀兰", "110101196503071234", "13912345678", "北京市朝阳区建国路88号3单元502室"
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"

# url name → a plausible POST body (each is a real route: reverse() fails loudly on a typo)
ACTIONS = {
    "accept": {},
    "assign": {},
    "classify": {},
    "extend": {"level": "1", "reason": "需调取录音", "notice_method": "电话"},
    "decide": {"decision": "同意退保", "reply_method": "电话", "remedies_told": "on"},
    "respond": {"satisfied": "1"},
    "reexamine": {"upheld": "1", "conclusion": "维持"},
    "revisit": {"result": "满意"},
    "close": {"root_cause_note": "销售管理"},
    "withdraw": {"reason": "投诉人撤回"},
    "reveal": {"field": "complainant_phone", "reason": "回电核实"},
}


@pytest.fixture
def as_user():
    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def agent(cast):
    """A 客服坐席 at head office: registers complaints for every unit (subtree of HQ), handles none."""
    return make_user("agent", cast.hq, "agent", "周坐席")


@pytest.fixture
def taxonomy(db):
    """The current code table, one or two entries per dimension."""
    version = TaxonomyVersion.objects.filter(is_current=True).first() or TaxonomyVersion.objects.create(
        code="T-VIEWS", name="页面测试分类", effective_from=timezone.localdate(), is_current=True
    )
    D = Category.Dimension

    def category(dimension, code, name):
        return Category.objects.create(version=version, dimension=dimension, code=f"VW{code}", name=name)

    return {
        "business": category(D.BUSINESS, "B1", "人身保险"),
        "cause": category(D.CAUSE, "C1", "销售误导"),
        "demand": category(D.DEMAND, "D1", "退保退费"),
        "root_cause": category(D.ROOT_CAUSE, "R1", "销售行为管理不到位"),
    }


@pytest.fixture
def register(cast, agent):
    """register(**overrides): the agent registers a hotline complaint for branch A, received an hour ago."""

    def _register(**overrides) -> Complaint:
        arguments = {
            "actor": agent,
            "channel": Complaint.Channel.HOTLINE,
            "received_at": timezone.now() - timedelta(hours=1),
            "complainant_name": NAME,
            "complainant_id_number": ID_NUMBER,
            "complainant_phone": PHONE,
            "complainant_address": ADDRESS,
            "subject": "销售时未说明退保损失",
            "content": "投诉人称业务员销售分红险时承诺随时可全额退保。",
            "demand_text": "全额退保",
            "org_unit": cast.branch_a,
        }
        arguments.update(overrides)
        return services.complaint_register(**arguments)

    return _register


@pytest.fixture
def complaint_a(register):
    """A complaint for branch A, waiting to be accepted."""
    return register()


def version_on(html: str, action: str) -> int:
    """The hidden task version carried by the named action form of a detail page."""
    form = re.search(rf'<form[^>]*data-testid="{action}-form".*?</form>', html, re.S)
    assert form, f"no {action} form on the page"
    return int(re.search(r'name="version" value="(\d+)"', form.group(0)).group(1))


def options(html: str, name: str) -> set[str]:
    """The values offered by the named <select> of a page."""
    select = re.search(rf'<select name="{name}".*?</select>', html, re.S)
    assert select, f"no {name} picker on the page"
    return set(re.findall(r'<option value="(\d+)"', select.group(0)))


def page_of(client, complaint) -> str:
    response = client.get(complaint.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def register_data(cast, **overrides) -> dict:
    data = {
        "channel": Complaint.Channel.HOTLINE,
        "received_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "complainant_name": NAME,
        "complainant_id_number": ID_NUMBER,
        "complainant_phone": PHONE,
        "complainant_address": ADDRESS,
        "relation": Complaint.Relation.SELF,
        "consumer_name": "",
        "complainant_count": "1",
        "policy_number": "P2024000123",
        "product_name": "鑫福年年分红型两全保险",
        "subject": "销售时未说明退保损失",
        "content": "投诉人称业务员销售分红险时承诺随时可全额退保，现退保仅退现金价值。",
        "demand_text": "全额退还已交保费",
        "amount": "12000.00",
        "org_unit": cast.branch_a.pk,
        "token": "t-1",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def accepted(client, complaint) -> None:
    html = page_of(client, complaint)
    assert (
        client.post(f"/complaints/{complaint.pk}/accept/", {"version": version_on(html, "accept")}).status_code == 302
    )


def handling(client, complaint, handler) -> None:
    accepted(client, complaint)
    html = page_of(client, complaint)
    response = client.post(
        f"/complaints/{complaint.pk}/assign/", {"version": version_on(html, "assign"), "handler": handler.pk}
    )
    assert response.status_code == 302


# --- who sees which page ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "user, url",
    [
        ("officer_a", "/complaints/"),
        ("officer_a", "/complaints/?box=all"),
        ("officer_a", "/complaints/?box=overdue"),
        ("officer_a", "/complaints/new/"),
        ("hq_admin", "/complaints/?box=all&status=registered&channel=hotline&q=退保&overdue=1&is_repeat=1&is_major=1"),
        ("hq_admin", "/complaints/new/"),
        ("manager", "/complaints/?box=all"),
        ("agent", "/complaints/"),
        ("agent", "/complaints/new/"),
    ],
)
def test_each_page_renders_for_a_user_who_may_see_it(cast, agent, as_user, complaint_a, user, url):
    person = agent if user == "agent" else getattr(cast, user)
    response = as_user(person).get(url)
    assert response.status_code == 200
    assert "<html" in response.content.decode()


@pytest.mark.parametrize("path", ["/complaints/", "/complaints/new/"])
def test_anonymous_visitors_are_sent_to_sign_in(db, path):
    response = Client().get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("user", ["officer_a", "hq_admin", "manager"])
def test_the_detail_page_renders_for_the_unit_head_office_and_the_manager(cast, as_user, complaint_a, user):
    html = page_of(as_user(getattr(cast, user)), complaint_a)
    assert complaint_a.number in html
    assert 'data-testid="timeline"' in html
    assert 'data-testid="diagram-link"' in html
    assert 'data-testid="due-countdown"' in html


def test_the_agent_who_registered_it_sees_it_without_the_process_and_may_not_handle_it(agent, as_user, complaint_a):
    html = page_of(as_user(agent), complaint_a)
    assert complaint_a.number in html and 'data-testid="due-countdown"' in html
    assert 'data-testid="accept-form"' not in html


def test_only_the_unit_is_offered_accept_and_the_manager_no_action(cast, as_user, complaint_a):
    assert 'data-testid="accept-form"' in page_of(as_user(cast.officer_a), complaint_a)
    assert 'data-testid="actions"' not in page_of(as_user(cast.manager), complaint_a)


def test_a_user_without_a_role_is_refused_the_list_as_by_the_api_and_gets_404_on_one(cast, as_user, complaint_a):
    client = as_user(cast.outsider)
    response = client.get("/complaints/?box=all")
    assert response.status_code == 403  # as the API's list: a refusal, not an empty page
    assert complaint_a.number not in response.content.decode()
    assert client.get(f"/complaints/{complaint_a.pk}/").status_code == 404


def test_branch_b_gets_404_on_branch_a_s_file_and_branch_a_downloads_it(cast, as_user, register):
    complaint = register(files=[SimpleUploadedFile("保单.pdf", PDF, content_type="application/pdf")])
    attachment = Attachment.objects.get()
    url = f"/complaints/{complaint.pk}/files/{attachment.pk}/"
    assert as_user(cast.officer_b).get(url).status_code == 404
    response = as_user(cast.officer_a).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert "保单.pdf" in page_of(as_user(cast.officer_a), complaint)


@pytest.mark.parametrize("action", list(ACTIONS))
def test_get_on_an_action_is_405(cast, as_user, complaint_a, action):
    assert as_user(cast.officer_a).get(reverse(f"complaints:{action}", args=[complaint_a.pk])).status_code == 405


def test_post_on_the_list_is_405(cast, as_user):
    assert as_user(cast.hq_admin).post("/complaints/").status_code == 405


def test_the_read_only_manager_may_not_register_or_act(cast, as_user, complaint_a):
    client = as_user(cast.manager)
    assert 'data-testid="register-button"' not in client.get("/complaints/?box=all").content.decode()
    assert client.get("/complaints/new/").status_code == 403
    assert client.post("/complaints/new/", register_data(cast)).status_code == 403
    response = client.post(f"/complaints/{complaint_a.pk}/withdraw/", {"reason": "测试"})
    assert response.status_code == 403
    assert Complaint.objects.count() == 1
    complaint_a.refresh_from_db()
    assert complaint_a.status == S.REGISTERED


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


# --- refusals on the page: a clear error, nothing written --------------------------------------------


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"complainant_name": ""}, "complainant_name"),
        ({"subject": ""}, "subject"),
        ({"content": ""}, "content"),
        ({"org_unit": ""}, "org_unit"),
        ({"relation": "agent", "consumer_name": ""}, "consumer_name"),
        ({"complainant_count": "0"}, "complainant_count"),
        ({"received_at": "2099-01-01T09:00"}, "received_at"),
        (
            {"files": [SimpleUploadedFile("材料.pdf", b"MZ\x90\x00" + b"\x00" * 64, content_type="application/pdf")]},
            "files",
        ),
    ],
    ids=["no-name", "no-subject", "no-content", "no-unit", "agent-without-consumer", "zero-people", "future", "exe"],
)
def test_bad_input_on_the_register_page_shows_the_error_and_writes_nothing(cast, agent, as_user, overrides, field):
    response = as_user(agent).post("/complaints/new/", register_data(cast, **overrides))
    assert response.status_code == 400
    html = response.content.decode()
    assert f'data-testid="error-{field}"' in html
    assert 'data-testid="form-errors"' in html
    assert (Complaint.objects.count(), Attachment.objects.count()) == (0, 0)


def test_a_branch_officer_may_only_register_for_its_own_subtree(cast, as_user):
    client = as_user(cast.officer_a)
    units = options(client.get("/complaints/new/").content.decode(), "org_unit")
    assert units == {str(cast.branch_a.pk), str(cast.sub_a.pk)}
    response = client.post("/complaints/new/", register_data(cast, org_unit=cast.branch_b.pk))
    assert response.status_code == 400
    assert not Complaint.objects.exists()


def test_a_decision_without_the_remedies_is_refused_on_the_field(cast, as_user, complaint_a):
    a = as_user(cast.officer_a)
    handling(a, complaint_a, cast.officer_a)
    html = page_of(a, complaint_a)
    response = a.post(
        f"/complaints/{complaint_a.pk}/decide/",
        {"version": version_on(html, "decide"), "decision": "同意退保", "reply_method": "电话"},
    )
    assert response.status_code == 400
    assert 'data-testid="error-remedies_told"' in response.content.decode()
    complaint_a.refresh_from_db()
    assert (complaint_a.status, complaint_a.decision, complaint_a.decided_at) == (S.HANDLING, "", None)


def test_closing_an_unclassified_complaint_is_refused_at_the_top(cast, as_user, complaint_a, taxonomy):
    a = as_user(cast.officer_a)
    handling(a, complaint_a, cast.officer_a)
    html = page_of(a, complaint_a)
    a.post(
        f"/complaints/{complaint_a.pk}/decide/",
        {"version": version_on(html, "decide"), "decision": "同意", "reply_method": "电话", "remedies_told": "on"},
    )
    a.post(f"/complaints/{complaint_a.pk}/response/", {"satisfied": "1"})
    a.post(f"/complaints/{complaint_a.pk}/revisit/", {"result": "满意"})
    before = AuditEntry.objects.count()
    response = a.post(f"/complaints/{complaint_a.pk}/close/", {"root_cause": taxonomy["root_cause"].pk})
    assert response.status_code == 400
    assert 'data-testid="action-error"' in response.content.decode()
    complaint_a.refresh_from_db()
    assert (complaint_a.status, complaint_a.root_cause, complaint_a.closed_at) == (S.REVISITING, None, None)
    assert AuditEntry.objects.count() == before


def test_the_person_complained_about_is_not_offered_as_handler_and_is_refused(cast, as_user, register):
    complaint = register(respondent_staff=cast.officer_a)
    hq = as_user(cast.hq_admin)
    accepted(as_user(cast.officer_a), complaint)
    html = page_of(as_user(cast.officer_a), complaint)
    assert str(cast.officer_a.pk) not in options(html, "handler")
    response = as_user(cast.officer_a).post(
        f"/complaints/{complaint.pk}/assign/", {"version": version_on(html, "assign"), "handler": cast.officer_a.pk}
    )
    assert response.status_code == 400
    complaint.refresh_from_db()
    assert (complaint.status, complaint.handler) == (S.ACCEPTED, None)
    assert hq.get(complaint.get_absolute_url()).status_code == 200


def test_a_stale_task_version_is_a_409_with_a_message(cast, as_user, complaint_a):
    client = as_user(cast.officer_a)
    stale = version_on(page_of(client, complaint_a), "accept")
    workflow.claim(task=selectors.open_task(complaint_a, "accept"), user=cast.officer_a)  # the task changes meanwhile
    response = client.post(f"/complaints/{complaint_a.pk}/accept/", {"version": stale})
    assert response.status_code == 409
    assert conflict_message() in response.content.decode()
    complaint_a.refresh_from_db()
    assert complaint_a.status == S.REGISTERED


def test_acting_at_a_step_already_passed_is_a_409_and_changes_nothing(cast, as_user, complaint_a):
    first, second = as_user(cast.officer_a), as_user(cast.officer_a)
    version = version_on(page_of(second, complaint_a), "accept")
    assert first.post(f"/complaints/{complaint_a.pk}/accept/", {"version": version}).status_code == 302
    response = second.post(f"/complaints/{complaint_a.pk}/accept/", {"version": version})
    assert response.status_code == 409
    assert 'data-testid="action-error"' in response.content.decode()
    complaint_a.refresh_from_db()
    assert complaint_a.status == S.ACCEPTED


# --- personal data: masked until revealed with a reason ----------------------------------------------


def assert_masked(html: str) -> None:
    for clear in (NAME, ID_NUMBER, PHONE, ADDRESS):
        assert clear not in html, clear


def test_personal_data_is_masked_on_the_list_and_the_detail(cast, as_user, register):
    complaint = register(content=f"投诉人{NAME}留下手机{PHONE}，身份证{ID_NUMBER}。")
    for user in (cast.officer_a, cast.hq_admin, cast.manager):
        client = as_user(user)
        listed = client.get("/complaints/?box=all").content.decode()
        assert complaint.number in listed and "王**" in listed
        assert_masked(listed)
        html = page_of(client, complaint)
        assert "139****5678" in html and "110***********1234" in html
        assert PHONE not in html and ID_NUMBER not in html


def test_a_note_with_the_phone_number_shows_masked_in_the_history(cast, as_user, complaint_a):
    a = as_user(cast.officer_a)
    handling(a, complaint_a, cast.officer_a)
    html = page_of(a, complaint_a)
    a.post(
        f"/complaints/{complaint_a.pk}/decide/",
        {"version": version_on(html, "decide"), "decision": "同意", "reply_method": "电话", "remedies_told": "on"},
    )
    a.post(f"/complaints/{complaint_a.pk}/response/", {"satisfied": "1", "note": f"投诉人来电{PHONE}表示满意"})
    html = page_of(a, complaint_a)
    assert "投诉人来电139****5678表示满意" in html
    assert_masked(html)


def test_revealing_needs_a_reason_and_shows_the_value_once_audited(cast, as_user, complaint_a):
    client = as_user(cast.officer_a)
    url = f"/complaints/{complaint_a.pk}/reveal/"
    response = client.post(url, {"field": "complainant_phone", "reason": ""})
    assert response.status_code == 400
    assert 'data-testid="error-reason"' in response.content.decode()
    assert_masked(response.content.decode())
    assert not AuditEntry.objects.filter(action="personal_data.reveal").exists()

    response = client.post(url, {"field": "complainant_phone", "reason": "回电核实投诉诉求"})
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(rf'data-testid="revealed-complainant_phone">{PHONE}<', html)
    assert ID_NUMBER not in html and ADDRESS not in html  # only the field asked for
    assert response["Cache-Control"] == "no-store"
    entry = AuditEntry.objects.get(action="personal_data.reveal")
    assert (entry.actor, entry.reason, entry.ip_address) == (cast.officer_a, "回电核实投诉诉求", "127.0.0.1")
    assert PHONE not in str(entry.changes)
    assert_masked(page_of(client, complaint_a))  # the next page is masked again


def test_an_unknown_field_cannot_be_revealed(cast, as_user, complaint_a):
    response = as_user(cast.officer_a).post(
        f"/complaints/{complaint_a.pk}/reveal/", {"field": "subject", "reason": "看看"}
    )
    assert response.status_code == 400
    assert 'data-testid="action-error"' in response.content.decode()
    assert not AuditEntry.objects.filter(action="personal_data.reveal").exists()


# --- list ----------------------------------------------------------------------------------------------


def test_the_list_tabs_and_filters(cast, as_user, register):
    late = register(subject="逾期的投诉", received_at=timezone.now() - timedelta(days=40))
    fresh = register(subject="新的投诉", complainant_phone="13700000001", complainant_id_number="")
    theirs = register(subject="河北的投诉", org_unit=cast.branch_b, complainant_phone="13700000002")
    a = as_user(cast.officer_a)
    todo = a.get("/complaints/").content.decode()
    assert late.number in todo and fresh.number in todo and theirs.number not in todo
    overdue = a.get("/complaints/?box=overdue").content.decode()
    assert late.number in overdue and fresh.number not in overdue
    assert 'data-testid="overdue-badge"' in overdue
    html = a.get("/complaints/?box=all&q=新的").content.decode()
    assert fresh.number in html and late.number not in html
    assert 'data-testid="due-countdown"' in html
    html = as_user(cast.hq_admin).get(f"/complaints/?box=all&org_unit={cast.branch_b.pk}").content.decode()
    assert theirs.number in html and fresh.number not in html


def test_the_list_shows_repeat_and_major_badges_and_links_repeats(cast, as_user, register):
    first = register()
    again = register(subject="再次投诉退保问题")
    again.refresh_from_db()
    if not again.is_repeat:  # the repeat rule belongs to the services; the badge shows whatever it decided
        Complaint.objects.filter(pk=again.pk).update(is_repeat=True, repeat_of=first)
    Complaint.objects.filter(pk=first.pk).update(is_major=True, major_reasons=["群体性投诉"])
    client = as_user(cast.officer_a)
    html = client.get("/complaints/?box=all&is_repeat=1").content.decode()
    assert again.number in html and 'data-testid="repeat-badge"' in html
    html = client.get("/complaints/?box=all&is_major=1").content.decode()
    assert first.number in html and 'data-testid="major-badge"' in html and again.number not in html
    assert f'data-testid="linked-complaint" data-complaint-id="{first.pk}"' in page_of(client, again)


def _list_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "user, url",
    [("hq_admin", "/complaints/?box=all"), ("officer_a", "/complaints/?box=all"), ("officer_a", "/complaints/")],
)
def test_the_list_page_query_count_does_not_grow_with_rows(
    cast, as_user, register, django_assert_max_num_queries, user, url
):
    client = as_user(getattr(cast, user))
    for n in range(2):
        register(complainant_phone=f"1380000{n:04d}", complainant_id_number="", policy_number=f"P{n}")
    few = _list_queries(client, url)
    for n in range(2, 20):
        register(complainant_phone=f"1380000{n:04d}", complainant_id_number="", policy_number=f"P{n}")
    # session, user, scope, count, page (the to-do box's tasks are a subquery in it), units, notices
    with django_assert_max_num_queries(18):
        response = client.get(url)
    assert response.content.decode().count('data-testid="complaint-row"') == 20
    many = _list_queries(client, url)
    print(f"complaint list {user} {url}: {few} queries with 2 rows, {many} with 20")
    assert many == few


def test_the_navigation_shows_complaints_as_built(cast, as_user):
    from xiaobao.web.navigation import NAV_ITEMS

    item = next(i for i in NAV_ITEMS if i.key == "complaints")
    assert item.built
    html = as_user(cast.officer_a).get("/complaints/").content.decode()
    assert re.search(r'<a href="/complaints/" class="active">', html)


def test_the_list_keeps_the_statistics_period(cast, as_user, register):
    recent = register(subject="近期投诉")
    older = register(subject="较早投诉", received_at=timezone.now() - timedelta(days=40))
    since = (timezone.localdate() - timedelta(days=7)).isoformat()
    html = as_user(cast.hq_admin).get("/complaints/", {"box": "all", "received_from": since}).content.decode()
    assert recent.number in html
    assert older.number not in html
    assert f'name="received_from" value="{since}"' in html  # changing other filters keeps the period


def test_the_action_panel_comes_before_the_read_only_cards(cast, as_user, complaint_a):
    """What the officer can do now sits right under the facts, not 1,500 px down under personal data,
    categories, deadline and outcome."""
    html = page_of(as_user(cast.officer_a), complaint_a)
    actions = html.index('data-testid="actions"')
    assert html.index('data-testid="complaint-facts"') < actions
    cards = [f'data-testid="{card}"' for card in ("personal-data", "categories", "deadline", "outcome", "timeline")]
    present = [card for card in cards if card in html]
    assert len(present) >= 3, present  # the read-only cards this complaint has
    for card in present:
        assert actions < html.index(card), card
