"""Work order pages through Django's test client: who sees which page, who may act, the full journey
(issue a batch → accept / refuse → feedback with evidence → return → approve), bad input writing
nothing, stale pages (409), and the list's query count.

The cast (tests/helpers.py): hq_admin (HQ), officer_a (branch A 北京), officer_b (branch B 河北),
manager (read-only, HQ), outsider (no role, branch A).
"""

# Who reaches each of this app's object routes — another branch or department, no role, anonymous — and that a
# refusal writes nothing, is the permission matrix's (tests/access_matrix/table.py); the copies once here are
# gone. What stays asserts more than a status: lists that leak nothing, writes not done, actors the matrix lacks.

from __future__ import annotations

import re
import struct
import zlib
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from xiaobao.core.models import Attachment
from xiaobao.workflow import services as workflow
from xiaobao.workflow.messages import conflict_message
from xiaobao.workorders import selectors
from xiaobao.workorders.models import Feedback, WorkOrder

# url name → a plausible POST body (each is a real route: reverse() fails loudly on a typo)
ACTIONS = {
    "accept": {},
    "refuse": {"reason": "不属于本机构"},
    "resolve-refusal": {"resend": "1", "comment": "请办理"},
    "feedback": {"text": "已完成自查"},
    "review": {"approved": "1", "comment": ""},
    "cancel": {"reason": "下错了"},
}


def png_bytes() -> bytes:
    """A real 1×1 PNG (signature, IHDR, IDAT, IEND with their CRCs)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + chunk(b"IEND", b"")
    )


PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
# A Windows executable's header: "MZ", then binary (NUL bytes) — whatever the file is called.
EXE = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
    + b"\x00" * 64
    + b"This program cannot be run in DOS mode."
)


@pytest.fixture
def as_user():
    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def order_a(issue):
    """A single 自查 order from HQ to branch A, waiting to be accepted."""
    return issue()


def version_on(html: str, action: str) -> int:
    """The hidden task version carried by the named action form of a detail page."""
    form = re.search(rf'<form[^>]*data-testid="{action}-form".*?</form>', html, re.S)
    assert form, f"no {action} form on the page"
    return int(re.search(r'name="version" value="(\d+)"', form.group(0)).group(1))


def issue_data(cast, **overrides) -> dict:
    data = {
        "title": "2025年消保自查",
        "kind": WorkOrder.Kind.SELF_CHECK,
        "priority": WorkOrder.Priority.NORMAL,
        "content": "请按自查清单开展自查并报送报告。",
        "recipient_units": [cast.branch_a.pk],
        "due_days": "10",
        "day_unit": WorkOrder.DayUnit.WORKING,
        "due_date": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


# --- who sees which page ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "user, url",
    [
        ("hq_admin", "/workorders/"),
        ("hq_admin", "/workorders/?box=issued"),
        ("hq_admin", "/workorders/?box=supervising"),
        ("hq_admin", "/workorders/?box=all&status=pending_accept&kind=self_check&q=自查&overdue=1"),
        ("hq_admin", "/workorders/new/"),
        ("hq_admin", "/workorders/board/"),
        ("officer_a", "/workorders/"),
        ("officer_a", "/workorders/new/"),
        ("officer_a", "/workorders/board/"),
        ("manager", "/workorders/?box=all"),
        ("manager", "/workorders/board/"),
    ],
)
def test_each_page_renders_for_a_user_who_may_see_it(cast, as_user, order_a, user, url):
    response = as_user(getattr(cast, user)).get(url)
    assert response.status_code == 200
    assert "<html" in response.content.decode()


@pytest.mark.parametrize("path", ["/workorders/", "/workorders/new/", "/workorders/board/", "/workorders/export.xlsx"])
def test_anonymous_visitors_are_sent_to_sign_in(db, path):
    response = Client().get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("user", ["officer_a", "hq_admin", "manager"])
def test_the_detail_page_renders_for_recipient_issuer_and_read_only_manager(cast, as_user, order_a, user):
    response = as_user(getattr(cast, user)).get(f"/workorders/{order_a.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert order_a.number in html
    assert 'data-testid="timeline"' in html
    assert 'data-testid="diagram-link"' in html


def test_only_the_recipient_is_offered_accept_and_the_manager_no_action(cast, as_user, order_a):
    assert 'data-testid="accept-form"' in as_user(cast.officer_a).get(f"/workorders/{order_a.pk}/").content.decode()
    manager_page = as_user(cast.manager).get(f"/workorders/{order_a.pk}/").content.decode()
    assert 'data-testid="actions"' not in manager_page


def test_a_user_without_a_role_is_refused_the_list_as_by_the_api_and_gets_404_on_one(cast, as_user, order_a):
    client = as_user(cast.outsider)
    # the API's list answers 403 to someone without the work-order permission; the pages answer the same
    for url in ("/workorders/?box=all", "/workorders/board/", "/workorders/export.xlsx"):
        response = client.get(url)
        assert response.status_code == 403, url
        assert order_a.number not in response.content.decode()
    assert client.get(f"/workorders/{order_a.pk}/").status_code == 404


# head office's cancel (the branch's own actions are the matrix's, tests/access_matrix, where the peer rule holds)
def test_branch_b_gets_404_on_head_office_s_cancel(cast, as_user, order_a):
    response = as_user(cast.officer_b).post(reverse("workorders:cancel", args=[order_a.pk]), ACTIONS["cancel"])
    assert response.status_code == 404
    order_a.refresh_from_db()
    assert order_a.status == WorkOrder.Status.PENDING_ACCEPT


def test_branch_b_gets_404_on_branch_a_s_file_and_branch_a_downloads_it(cast, as_user, issue):
    order = issue(files=[SimpleUploadedFile("清单.pdf", PDF, content_type="application/pdf")])
    attachment = selectors.attachments(order).get()
    url = f"/workorders/{order.pk}/files/{attachment.pk}/"
    assert as_user(cast.officer_b).get(url).status_code == 404
    response = as_user(cast.officer_a).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert "attachment" in response["Content-Disposition"]


def test_a_file_is_only_served_through_an_order_that_holds_it(cast, as_user, issue):
    holder = issue(files=[SimpleUploadedFile("清单.pdf", PDF, content_type="application/pdf")])
    other = issue(title="另一张工单")
    attachment = selectors.attachments(holder).get()
    assert as_user(cast.officer_a).get(f"/workorders/{other.pk}/files/{attachment.pk}/").status_code == 404


@pytest.mark.parametrize("action", list(ACTIONS))
def test_get_on_an_action_is_405(cast, as_user, order_a, action):
    assert as_user(cast.officer_a).get(reverse(f"workorders:{action}", args=[order_a.pk])).status_code == 405


@pytest.mark.parametrize("path", ["/workorders/", "/workorders/board/", "/workorders/export.xlsx"])
def test_post_on_a_read_only_page_is_405(cast, as_user, path):
    assert as_user(cast.hq_admin).post(path).status_code == 405


def test_the_read_only_manager_sees_lists_but_may_not_issue(cast, as_user, order_a):
    client = as_user(cast.manager)
    page = client.get("/workorders/?box=all")
    assert page.status_code == 200
    assert order_a.number in page.content.decode()
    assert 'data-testid="issue-button"' not in page.content.decode()
    assert client.get("/workorders/new/").status_code == 403
    before = WorkOrder.objects.count()
    assert client.post("/workorders/new/", issue_data(cast)).status_code == 403
    assert WorkOrder.objects.count() == before


def test_the_read_only_manager_may_not_act_on_an_order(cast, as_user, order_a):
    response = as_user(cast.manager).post(f"/workorders/{order_a.pk}/cancel/", {"reason": "测试"})
    assert response.status_code == 403
    order_a.refresh_from_db()
    assert order_a.status == WorkOrder.Status.PENDING_ACCEPT


# --- the full journey, page by page ---------------------------------------------------------------


def test_the_full_journey_through_the_pages(cast, as_user):
    hq, a, b = as_user(cast.hq_admin), as_user(cast.officer_a), as_user(cast.officer_b)

    # HQ issues a batch to branches A and B, with material, on the org-tree form
    form = hq.get("/workorders/new/").content.decode()
    assert f'value="{cast.branch_a.pk}"' in form and f'value="{cast.sub_b.pk}"' in form
    assert 'data-testid="pick-subtree"' in form
    material = SimpleUploadedFile("自查清单.pdf", PDF, content_type="application/pdf")
    response = hq.post(
        "/workorders/new/", issue_data(cast, recipient_units=[cast.branch_a.pk, cast.branch_b.pk], files=[material])
    )
    assert response.status_code == 302
    parent = WorkOrder.objects.get(is_batch=True)
    assert response["Location"] == f"/workorders/{parent.pk}/"
    child_a = parent.children.get(org_unit=cast.branch_a)
    child_b = parent.children.get(org_unit=cast.branch_b)
    assert {child_a.status, child_b.status} == {WorkOrder.Status.PENDING_ACCEPT}
    assert selectors.attachments(parent).get().purpose == "material"
    page = hq.get(parent.get_absolute_url()).content.decode()
    assert page.count('data-testid="child-row"') == 2
    assert 'data-done="0" data-total="2"' in page

    # officer A has its own order (only) in 待我处理, sees the material, accepts with the page's task version
    listed = a.get("/workorders/").content.decode()
    assert child_a.number in listed and child_b.number not in listed
    assert child_b.number not in a.get("/workorders/?box=all").content.decode()
    page = a.get(child_a.get_absolute_url()).content.decode()
    assert "自查清单.pdf" in page
    response = a.post(f"/workorders/{child_a.pk}/accept/", {"version": version_on(page, "accept")})
    assert response.status_code == 302
    child_a.refresh_from_db()
    assert (child_a.status, child_a.handler) == (WorkOrder.Status.IN_PROGRESS, cast.officer_a)

    # officer B refuses: without a reason the page says so and nothing changes; with one it goes back to HQ
    page = b.get(child_b.get_absolute_url()).content.decode()
    version = version_on(page, "refuse")
    response = b.post(f"/workorders/{child_b.pk}/refuse/", {"version": version, "reason": "  "})
    assert response.status_code == 400
    assert 'data-testid="error-reason"' in response.content.decode()
    child_b.refresh_from_db()
    assert child_b.status == WorkOrder.Status.PENDING_ACCEPT
    response = b.post(f"/workorders/{child_b.pk}/refuse/", {"version": version, "reason": "不属于本机构办理"})
    assert response.status_code == 302
    child_b.refresh_from_db()
    assert (child_b.status, child_b.refuse_reason) == (WorkOrder.Status.REFUSED, "不属于本机构办理")

    # HQ sends it again with a clarification; officer B then accepts it
    page = hq.get(child_b.get_absolute_url()).content.decode()
    assert "不属于本机构办理" in page
    response = hq.post(
        f"/workorders/{child_b.pk}/refusal/",
        {"version": version_on(page, "resolve-refusal"), "resend": "1", "comment": "请由分公司统筹"},
    )
    assert response.status_code == 302
    child_b.refresh_from_db()
    assert child_b.status == WorkOrder.Status.PENDING_ACCEPT
    page = b.get(child_b.get_absolute_url()).content.decode()
    assert b.post(f"/workorders/{child_b.pk}/accept/", {"version": version_on(page, "accept")}).status_code == 302

    # officer A reports back with a real PNG as evidence
    page = a.get(child_a.get_absolute_url()).content.decode()
    evidence = SimpleUploadedFile("现场照片.png", png_bytes(), content_type="image/png")
    response = a.post(
        f"/workorders/{child_a.pk}/feedback/",
        {"version": version_on(page, "feedback"), "text": "已完成自查，发现问题2项。", "files": [evidence]},
    )
    assert response.status_code == 302
    child_a.refresh_from_db()
    assert child_a.status == WorkOrder.Status.SUBMITTED
    first = Feedback.objects.get(order=child_a)
    assert (first.round, first.text, first.approved) == (1, "已完成自查，发现问题2项。", None)
    photo = Attachment.objects.get(purpose="evidence:1")
    assert (photo.kind, photo.name) == ("png", "现场照片.png")

    # HQ returns it with a reason
    page = hq.get(child_a.get_absolute_url()).content.decode()
    assert "现场照片.png" in page
    assert f"/workorders/{child_a.pk}/files/{photo.pk}/" in page
    response = hq.post(
        f"/workorders/{child_a.pk}/review/",
        {"version": version_on(page, "review"), "approved": "0", "comment": "请补充整改台账"},
    )
    assert response.status_code == 302
    child_a.refresh_from_db()
    first.refresh_from_db()
    assert (child_a.status, child_a.return_count) == (WorkOrder.Status.IN_PROGRESS, 1)
    assert (first.approved, first.review_comment, first.reviewed_by) == (False, "请补充整改台账", cast.hq_admin)

    # officer A reports again; HQ approves and the order closes
    page = a.get(child_a.get_absolute_url()).content.decode()
    assert "请补充整改台账" in page
    response = a.post(
        f"/workorders/{child_a.pk}/feedback/", {"version": version_on(page, "feedback"), "text": "已补充整改台账。"}
    )
    assert response.status_code == 302
    page = hq.get(child_a.get_absolute_url()).content.decode()
    response = hq.post(f"/workorders/{child_a.pk}/review/", {"version": version_on(page, "review"), "approved": "1"})
    assert response.status_code == 302
    child_a.refresh_from_db()
    assert child_a.status == WorkOrder.Status.CLOSED
    assert list(child_a.feedbacks.values_list("round", "approved")) == [(1, False), (2, True)]
    page = hq.get(child_a.get_absolute_url()).content.decode()
    assert page.count('data-testid="feedback-round"') == 2
    assert 'data-testid="actions"' not in page

    # the batch rolls up: 1 of 2 done on the parent page and in 我下发的
    assert 'data-done="1" data-total="2"' in hq.get(parent.get_absolute_url()).content.decode()
    assert 'data-done="1" data-total="2"' in hq.get("/workorders/?box=issued").content.decode()

    # HQ withdraws B's order: the batch closes, nothing is left open
    response = hq.post(f"/workorders/{child_b.pk}/cancel/", {"reason": "河北分公司另行安排"})
    assert response.status_code == 302
    child_b.refresh_from_db()
    parent.refresh_from_db()
    assert (child_b.status, parent.status) == (WorkOrder.Status.CANCELLED, WorkOrder.Status.CLOSED)


def test_withdrawing_a_refused_order_needs_a_reason(cast, as_user, order_a):
    a, hq = as_user(cast.officer_a), as_user(cast.hq_admin)
    page = a.get(order_a.get_absolute_url()).content.decode()
    a.post(f"/workorders/{order_a.pk}/refuse/", {"version": version_on(page, "refuse"), "reason": "非本机构职责"})
    page = hq.get(order_a.get_absolute_url()).content.decode()
    version = version_on(page, "resolve-refusal")
    response = hq.post(f"/workorders/{order_a.pk}/refusal/", {"version": version, "resend": "0", "comment": ""})
    assert response.status_code == 400
    assert 'data-testid="error-comment"' in response.content.decode()
    response = hq.post(f"/workorders/{order_a.pk}/refusal/", {"version": version, "resend": "0", "comment": "撤回"})
    assert response.status_code == 302
    order_a.refresh_from_db()
    assert order_a.status == WorkOrder.Status.CANCELLED


def test_resending_after_the_deadline_passed_asks_for_a_new_one(cast, as_user, order_a):
    # order_a was issued on 2025-03-03 with 5 working days: its deadline is long past
    a, hq = as_user(cast.officer_a), as_user(cast.hq_admin)
    page = a.get(order_a.get_absolute_url()).content.decode()
    a.post(f"/workorders/{order_a.pk}/refuse/", {"version": version_on(page, "refuse"), "reason": "非本机构职责"})
    page = hq.get(order_a.get_absolute_url()).content.decode()
    assert "原办理期限已过" in page
    version = version_on(page, "resolve-refusal")
    response = hq.post(f"/workorders/{order_a.pk}/refusal/", {"version": version, "resend": "1", "comment": "请办理"})
    assert response.status_code == 400
    order_a.refresh_from_db()
    assert order_a.status == WorkOrder.Status.REFUSED
    response = hq.post(
        f"/workorders/{order_a.pk}/refusal/",
        {"version": version, "resend": "1", "comment": "请办理", "due_days": "3", "day_unit": "working"},
    )
    assert response.status_code == 302
    order_a.refresh_from_db()
    assert order_a.status == WorkOrder.Status.PENDING_ACCEPT
    assert order_a.due_at > timezone.now()


def test_feedback_with_a_disguised_executable_is_refused_and_writes_nothing(cast, as_user, order_a):
    a = as_user(cast.officer_a)
    page = a.get(order_a.get_absolute_url()).content.decode()
    a.post(f"/workorders/{order_a.pk}/accept/", {"version": version_on(page, "accept")})
    page = a.get(order_a.get_absolute_url()).content.decode()
    bad = SimpleUploadedFile("报告.pdf", EXE, content_type="application/pdf")
    response = a.post(
        f"/workorders/{order_a.pk}/feedback/", {"version": version_on(page, "feedback"), "text": "已办", "files": [bad]}
    )
    assert response.status_code == 400
    assert 'data-testid="error-files"' in response.content.decode()
    order_a.refresh_from_db()
    assert order_a.status == WorkOrder.Status.IN_PROGRESS
    assert not Feedback.objects.exists()
    assert not Attachment.objects.exists()


# --- bad input on the issue page: a clear error, nothing written ------------------------------------


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"recipient_units": []}, "recipient_units"),
        ({"due_days": ""}, "due_days"),
        ({"due_days": "", "due_date": "2020-01-01"}, "due_date"),
        ({"due_days": "0"}, "due_days"),
        ({"title": ""}, "title"),
        ({"files": [SimpleUploadedFile("通知.pdf", EXE, content_type="application/pdf")]}, "files"),
        ({"recipient_units": [999999]}, "recipient_units"),
    ],
    ids=["no-recipients", "no-due", "due-in-past", "zero-days", "no-title", "exe-named-pdf", "unknown-unit"],
)
def test_bad_input_on_the_issue_page_shows_the_error_and_writes_nothing(cast, as_user, overrides, field):
    before = (WorkOrder.objects.count(), Attachment.objects.count())
    response = as_user(cast.hq_admin).post("/workorders/new/", issue_data(cast, **overrides))
    assert response.status_code == 400
    html = response.content.decode()
    assert f'data-testid="error-{field}"' in html
    assert 'data-testid="form-errors"' in html
    assert (WorkOrder.objects.count(), Attachment.objects.count()) == before


def test_a_batch_with_one_bad_file_writes_no_order_at_all(cast, as_user):
    files = [
        SimpleUploadedFile("清单.pdf", PDF, content_type="application/pdf"),
        SimpleUploadedFile("附件.pdf", EXE, content_type="application/pdf"),
    ]
    data = issue_data(cast, recipient_units=[cast.branch_a.pk, cast.branch_b.pk], files=files)
    response = as_user(cast.hq_admin).post("/workorders/new/", data)
    assert response.status_code == 400
    assert "附件.pdf" in response.content.decode()
    assert not WorkOrder.objects.exists()
    assert not Attachment.objects.exists()


def test_a_file_over_the_configured_size_is_refused(cast, as_user, settings):
    settings.UPLOAD_MAX_BYTES = 1024
    big = SimpleUploadedFile("大文件.pdf", PDF + b"0" * 2048, content_type="application/pdf")
    response = as_user(cast.hq_admin).post("/workorders/new/", issue_data(cast, files=[big]))
    assert response.status_code == 400
    assert 'data-testid="error-files"' in response.content.decode()
    assert not WorkOrder.objects.exists()


def test_a_bad_post_keeps_what_was_ticked_on_the_tree(cast, as_user):
    data = issue_data(cast, recipient_units=[cast.branch_b.pk], due_days="")
    html = as_user(cast.hq_admin).post("/workorders/new/", data).content.decode()
    ticked = re.findall(r'name="recipient_units" value="(\d+)"[^>]*checked', html)
    assert ticked == [str(cast.branch_b.pk)]


def test_a_branch_officer_may_only_pick_units_of_its_own_subtree(cast, as_user):
    client = as_user(cast.officer_a)
    form = client.get("/workorders/new/").content.decode()
    assert f'value="{cast.sub_a.pk}"' in form
    assert f'value="{cast.branch_b.pk}"' not in form
    response = client.post("/workorders/new/", issue_data(cast, recipient_units=[cast.branch_b.pk]))
    assert response.status_code == 400
    assert not WorkOrder.objects.exists()


def test_a_single_order_issued_on_the_page_lands_on_its_detail(cast, as_user):
    due = timezone.localdate() + timedelta(days=20)
    response = as_user(cast.hq_admin).post(
        "/workorders/new/", issue_data(cast, due_days="", due_date=due.isoformat(), priority="urgent")
    )
    order = WorkOrder.objects.get()
    assert response.status_code == 302
    assert response["Location"] == order.get_absolute_url()
    assert (order.is_batch, order.org_unit, order.priority) == (False, cast.branch_a, "urgent")
    assert timezone.localtime(order.due_at).date() == due


# --- stale pages -----------------------------------------------------------------------------------


def test_a_stale_task_version_is_a_409_with_a_message(cast, as_user, order_a):
    client = as_user(cast.officer_a)
    page = client.get(order_a.get_absolute_url()).content.decode()
    stale = version_on(page, "accept")
    workflow.claim(task=selectors.open_task(order_a, "accept"), user=cast.officer_a)  # the task changes meanwhile
    response = client.post(f"/workorders/{order_a.pk}/accept/", {"version": stale})
    assert response.status_code == 409
    assert conflict_message() in response.content.decode()
    order_a.refresh_from_db()
    assert order_a.status == WorkOrder.Status.PENDING_ACCEPT


def test_acting_from_a_second_tab_after_the_first_is_a_409_and_changes_nothing(cast, as_user, order_a):
    first, second = as_user(cast.officer_a), as_user(cast.officer_a)
    page = second.get(order_a.get_absolute_url()).content.decode()
    version = version_on(page, "refuse")
    assert first.post(f"/workorders/{order_a.pk}/accept/", {"version": version}).status_code == 302
    response = second.post(f"/workorders/{order_a.pk}/refuse/", {"version": version, "reason": "非本机构"})
    assert response.status_code == 409
    assert 'data-testid="action-error"' in response.content.decode()
    order_a.refresh_from_db()
    assert (order_a.status, order_a.refuse_reason) == (WorkOrder.Status.IN_PROGRESS, "")


# --- board and list ----------------------------------------------------------------------------------


def board_rows(html: str) -> dict[str, tuple[int, int]]:
    return {
        code: (int(total), int(late))
        for code, total, late in re.findall(
            r'data-testid="board-row" data-unit="(\w+)" data-total="(\d+)" data-overdue="(\d+)"', html
        )
    }


def test_the_board_counts_orders_per_unit_within_scope(cast, as_user, issue):
    issue(recipient_units=[cast.branch_a, cast.branch_b])  # NOW is long past: both are overdue
    issue(recipient_units=[cast.branch_b], due_days=None, due_date=timezone.localdate() + timedelta(days=30))
    html = as_user(cast.hq_admin).get("/workorders/board/").content.decode()
    assert board_rows(html) == {"A": (1, 1), "B": (2, 1)}
    assert 'id="board-chart-data"' in html
    assert "vendor/echarts/echarts.min.js" in html
    assert board_rows(as_user(cast.officer_b).get("/workorders/board/").content.decode()) == {"B": (2, 1)}


def test_the_board_lists_supervised_orders(cast, as_user, order_a):
    WorkOrder.objects.filter(pk=order_a.pk).update(
        supervision=WorkOrder.Supervision.SUPERVISED, supervised_at=timezone.now()
    )
    html = as_user(cast.hq_admin).get("/workorders/board/").content.decode()
    assert f'data-testid="supervised-row" data-order-id="{order_a.pk}"' in html
    assert re.search(r'data-testid="total-supervised"><span class="wo-total-n">1<', html)


def test_the_list_filters_and_shows_overdue_and_supervision(cast, as_user, issue):
    late = issue(title="逾期的工单")
    issue(title="未到期的工单", due_days=None, due_date=timezone.localdate() + timedelta(days=30))
    WorkOrder.objects.filter(pk=late.pk).update(supervision=WorkOrder.Supervision.SUPERVISED)
    client = as_user(cast.hq_admin)
    html = client.get("/workorders/?box=all&overdue=1").content.decode()
    assert "逾期的工单" in html and "未到期的工单" not in html
    assert 'data-testid="overdue-badge"' in html
    assert 'data-testid="supervision-badge"' in html
    assert "export.xlsx?box=all&amp;overdue=1" in html
    html = client.get("/workorders/?box=all&q=未到期").content.decode()
    assert "未到期的工单" in html and "逾期的工单" not in html
    assert 'data-testid="due-countdown"' in html


def test_the_to_do_tab_holds_only_what_waits_for_me(cast, as_user, issue):
    mine = issue(title="给北京的")
    theirs = issue(title="给河北的", recipient_units=[cast.branch_b])
    html = as_user(cast.officer_a).get("/workorders/").content.decode()
    assert mine.number in html and theirs.number not in html


def _list_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "user, url",
    [
        ("hq_admin", "/workorders/?box=all"),
        ("officer_a", "/workorders/?box=all"),
        ("officer_a", "/workorders/"),
    ],
)
def test_the_list_page_query_count_does_not_grow_with_rows(
    cast, as_user, issue, django_assert_max_num_queries, user, url
):
    client = as_user(getattr(cast, user))
    issue()
    issue()
    client.get(url)  # warm: the first request looks up the content types of the registered rules once
    few = _list_queries(client, url)
    for _ in range(18):
        issue()
    with django_assert_max_num_queries(18):
        response = client.get(url)
    assert response.content.decode().count('data-testid="workorder-row"') == 20
    many = _list_queries(client, url)
    print(f"work order list {user} {url}: {few} queries with 2 rows, {many} with 20")
    assert many == few


def test_the_issued_tab_query_count_does_not_grow_with_batches(cast, as_user, issue, django_assert_max_num_queries):
    client = as_user(cast.hq_admin)
    issue(recipient_units=[cast.branch_a, cast.branch_b])
    few = _list_queries(client, "/workorders/?box=issued")
    for _ in range(5):
        issue(recipient_units=[cast.branch_a, cast.branch_b, cast.sub_b])
    with django_assert_max_num_queries(16):
        html = client.get("/workorders/?box=issued").content.decode()
    assert html.count('data-testid="batch-progress"') == 6
    many = _list_queries(client, "/workorders/?box=issued")
    print(f"work orders issued tab: {few} queries with 1 batch, {many} with 6")
    assert many == few


def test_the_navigation_shows_work_orders_as_built(cast, as_user):
    from xiaobao.web.navigation import NAV_ITEMS

    item = next(i for i in NAV_ITEMS if i.key == "workorders")
    assert item.built
    html = as_user(cast.officer_a).get("/workorders/").content.decode()
    assert re.search(r'<a href="/workorders/" class="active">', html)
