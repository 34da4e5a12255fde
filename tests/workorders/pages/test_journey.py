"""Work order pages: the full journey (issue a batch → accept / refuse → feedback with evidence → return →
approve), withdrawing a refused order, resending after the deadline, a disguised file refused.
"""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests.workorders.pages.conftest import EXE, PDF, issue_data, png_bytes, version_on
from xiaobao.core.models import Attachment
from xiaobao.workorders import selectors
from xiaobao.workorders.models import Feedback, WorkOrder

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
