"""Review pages: the committee's narrow view, and the full journey (file with a PDF → assign → checklist
and opinions in the workspace → issue → adopt → verify → closed), return for material and withdrawal.
"""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from tests.reviews.conftest import PRODUCT_DATA
from tests.reviews.pages.conftest import TEXT, all_pass, counts, pdf, referred, submit_data, version_on
from xiaobao.core.models import Attachment
from xiaobao.reviews import services
from xiaobao.reviews.models import Objection, Opinion, Review
from xiaobao.workorders import services as workorders
from xiaobao.workorders.models import WorkOrder

# --- the committee sees only what is referred to it --------------------------------------------------


def test_a_committee_member_sees_only_referred_objections(people, as_user, issued):
    quiet, _opinions = issued(title="无异议的审查")
    review, objection = referred(people, issued)
    client = as_user(people.member)
    assert client.get(f"/reviews/{quiet.pk}/").status_code == 404
    listed = client.get("/reviews/objections/").content.decode()
    assert f'data-objection-id="{objection.pk}"' in listed
    assert quiet.title not in listed
    page = client.get(f"/reviews/{review.pk}/").content.decode()
    assert 'data-testid="committee-form"' in page
    assert 'data-testid="rereview-record"' in page


def test_the_committee_records_a_binding_decision_with_attendees(people, as_user, issued):
    review, objection = referred(people, issued)
    client = as_user(people.member)
    url = f"/reviews/{review.pk}/objections/{objection.pk}/committee/"
    response = client.post(url, {"outcome": "upheld", "decision": "维持审查意见。", "attendees": ""})
    assert response.status_code == 400
    assert 'data-testid="error-attendees"' in response.content.decode()
    objection.refresh_from_db()
    assert objection.stage == Objection.Stage.COMMITTEE
    response = client.post(
        url, {"outcome": "upheld", "decision": "维持审查意见，须加粗提示。", "attendees": "孙丽华、李晓梅\n王建国"}
    )
    assert response.status_code == 302
    objection.refresh_from_db()
    review.refresh_from_db()
    assert objection.attendees == ["孙丽华", "李晓梅", "王建国"]
    assert (objection.stage, objection.outcome) == (Objection.Stage.DECIDED, Objection.Outcome.OPINION_UPHELD)
    assert review.status == Review.Status.VERIFYING
    html = as_user(people.clerk).get(f"/reviews/{review.pk}/").content.decode()
    assert 'data-testid="committee-record"' in html and "王建国" in html
    assert 'data-outcome="upheld"' in html


def test_the_review_lead_withdraws_a_disputed_opinion_on_rereview(people, as_user, issued):
    review, (first, second) = issued()
    services.review_respond(
        review=review,
        actor=people.clerk,
        responses={first.pk: {"response": "partial", "reason": "仅在投保单提示。"}, second.pk: "adopted"},
    )
    objection = Objection.objects.get()
    client = as_user(people.hq_admin)
    page = client.get(f"/reviews/{review.pk}/").content.decode()
    assert 'data-testid="rereview-form"' in page
    url = f"/reviews/{review.pk}/objections/{objection.pk}/rereview/"
    assert client.post(url, {"upheld": "0", "note": ""}).status_code == 400
    assert client.post(url, {"upheld": "0", "note": "部门方案可以接受。"}).status_code == 302
    objection.refresh_from_db()
    review.refresh_from_db()
    assert (objection.outcome, review.status) == (Objection.Outcome.OPINION_WITHDRAWN, Review.Status.CLOSED)
    # the member never saw it: it was settled before any referral
    assert as_user(people.member).get(f"/reviews/{review.pk}/").status_code == 404


# --- the full journey, page by page --------------------------------------------------------------------


def test_the_full_journey_through_the_pages(people, as_user):
    clerk, hq, reviewer = as_user(people.clerk), as_user(people.hq_admin), as_user(people.reviewer)

    # the clerk files a 产品类 review with a PDF
    response = clerk.post("/reviews/new/product/", submit_data(files=[pdf()]))
    assert response.status_code == 302, response.content.decode()[:2000]
    review = Review.objects.get()
    assert response["Location"] == f"/reviews/{review.pk}/"
    assert (review.status, review.department, review.data["cooling_off_days"]) == ("submitted", "个人业务部", 15)
    assert Attachment.objects.get().purpose == "material"

    # 消保部 finds it in 待我处理 and assigns the reviewer: urgent, 3 working days
    assert review.number in hq.get("/reviews/").content.decode()
    page = hq.get(f"/reviews/{review.pk}/").content.decode()
    assert f'value="{people.reviewer.pk}"' in page
    response = hq.post(
        f"/reviews/{review.pk}/assign/",
        {
            "version": version_on(page, "assign"),
            "reviewer": people.reviewer.pk,
            "urgency": "urgent",
            "due_days": "3",
        },
    )
    assert response.status_code == 302
    review.refresh_from_db()
    assert (review.status, review.reviewer, review.urgency, review.due_days) == (
        "reviewing",
        people.reviewer,
        "urgent",
        3,
    )

    # the reviewer lands on the workspace: the checklist beside the PDF preview
    listed = reviewer.get("/reviews/").content.decode()
    assert review.number in listed and 'data-testid="due-countdown"' in listed
    page = reviewer.get(f"/reviews/{review.pk}/").content.decode()
    assert 'data-testid="page-workspace"' in page
    assert 'data-testid="attachment-preview" data-kind="pdf"' in page
    assert page.count('data-testid="checklist-item"') == len(review.form_version.checklist)
    assert 'data-right="information"' in page

    # issuing before the checklist is done is refused and writes nothing
    before = counts()
    response = reviewer.post(
        f"/reviews/{review.pk}/issue/", {"version": version_on(page, "issue"), "conclusion": "同意上线。"}
    )
    assert response.status_code == 400
    assert 'data-testid="action-error"' in response.content.decode() or 'data-testid="error-' in (
        response.content.decode()
    )
    assert counts() == before
    review.refresh_from_db()
    assert review.status == "reviewing"

    # the checklist saves over htmx: the panel comes back
    results = all_pass(review) | {"result_PRD03": "issue", "note_PRD03": "免责条款未加粗"}
    response = reviewer.post(f"/reviews/{review.pk}/checklist/", results, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.startswith('<section class="card rv-checklist" id="checklist"')
    assert 'data-testid="checklist-notice"' in html
    review.refresh_from_db()
    assert review.checklist_results["PRD03"] == {"result": "issue", "note": "免责条款未加粗"}

    # a substantive opinion requiring a change, and a general one later deleted
    response = reviewer.post(
        f"/reviews/{review.pk}/opinions/",
        {
            "kind": "substantive",
            "location": "条款第七条 责任免除",
            "risk": "免责条款未加粗提示。",
            "suggestion": "加粗并在投保单单独提示。",
            "checklist_item": "PRD03",
            "requires_change": "on",
        },
    )
    assert response.status_code == 302
    substantive = Opinion.objects.get()
    assert (substantive.kind, substantive.right, substantive.requires_change) == ("substantive", "information", True)
    reviewer.post(
        f"/reviews/{review.pk}/opinions/", {"kind": "general", "location": "第2页", "risk": "r", "suggestion": "s"}
    )
    general = Opinion.objects.get(seq=2)
    response = reviewer.post(
        f"/reviews/{review.pk}/opinions/{general.pk}/",
        {"kind": "general", "location": "说明书第2页", "risk": "表述易误解", "suggestion": "改写"},
    )
    assert response.status_code == 302
    general.refresh_from_db()
    assert general.location == "说明书第2页"
    assert reviewer.post(f"/reviews/{review.pk}/opinions/{general.pk}/delete/").status_code == 302
    assert list(Opinion.objects.values_list("seq", flat=True)) == [1]

    # issue with a conclusion
    page = reviewer.get(f"/reviews/{review.pk}/").content.decode()
    assert page.count('data-testid="opinion"') == 1
    response = reviewer.post(
        f"/reviews/{review.pk}/issue/", {"version": version_on(page, "issue"), "conclusion": "修改后同意上线。"}
    )
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.status == "responding"

    # the clerk sees the opinion table and adopts it, with the changed terms as evidence
    page = clerk.get(f"/reviews/{review.pk}/").content.decode()
    assert 'data-testid="opinion-row"' in page and "修改后同意上线。" in page
    evidence = SimpleUploadedFile("修改稿.txt", TEXT, content_type="text/plain")
    response = clerk.post(
        f"/reviews/{review.pk}/respond/",
        {
            "version": version_on(page, "respond"),
            f"response_{substantive.pk}": "adopted",
            f"reason_{substantive.pk}": "已加粗。",
            "files": [evidence],
        },
    )
    assert response.status_code == 302
    review.refresh_from_db()
    substantive.refresh_from_db()
    assert (review.status, substantive.response, substantive.final_adopted) == ("verifying", "adopted", True)
    assert Attachment.objects.filter(purpose="evidence").count() == 1
    order = WorkOrder.objects.get(pk=substantive.verification_order_id)
    page = clerk.get(f"/reviews/{review.pk}/").content.decode()
    assert 'data-testid="verification-link"' in page and order.number in page
    assert "修改稿.txt" in page

    # nothing to close while the order is open; once it is closed the review closes
    assert clerk.post(f"/reviews/{review.pk}/verification/").status_code == 302
    review.refresh_from_db()
    assert review.status == "verifying"
    workorders.workorder_accept(order=order.pk, actor=people.clerk)
    workorders.workorder_submit_feedback(order=order.pk, actor=people.clerk, text="已修改，修改稿见附件。")
    workorders.workorder_review(order=order.pk, actor=people.hq_admin, approved=True)
    assert hq.post(f"/reviews/{review.pk}/verification/").status_code == 302
    review.refresh_from_db()
    assert review.status == "closed"
    page = clerk.get(f"/reviews/{review.pk}/").content.decode()
    assert 'data-testid="verified"' in page
    assert 'data-testid="actions"' not in page


def test_return_for_material_and_resubmit(people, as_user, assigned):
    review = assigned()
    reviewer, clerk = as_user(people.reviewer), as_user(people.clerk)
    assert reviewer.post(f"/reviews/{review.pk}/return/", {"reason": "  "}).status_code == 400
    review.refresh_from_db()
    assert review.status == "reviewing"
    assert reviewer.post(f"/reviews/{review.pk}/return/", {"reason": "请补充产品条款全文。"}).status_code == 302
    review.refresh_from_db()
    assert (review.status, review.return_count) == ("returned", 1)
    page = clerk.get(f"/reviews/{review.pk}/").content.decode()
    assert "请补充产品条款全文。" in page and 'data-testid="resubmit-form"' in page
    body = {f"data_{k}": v for k, v in PRODUCT_DATA.items()} | {"files": [pdf("条款全文.pdf")]}
    assert clerk.post(f"/reviews/{review.pk}/resubmit/", body).status_code == 302
    review.refresh_from_db()
    assert (review.status, review.reviewer) == ("reviewing", people.reviewer)
    assert Attachment.objects.filter(name="条款全文.pdf").exists()


def test_withdrawing_needs_a_reason_and_only_the_submitter_or_hq_may(people, as_user, submit):
    review = submit()
    assert as_user(people.colleague).post(f"/reviews/{review.pk}/withdraw/", {"reason": "x"}).status_code == 403
    clerk = as_user(people.clerk)
    response = clerk.post(f"/reviews/{review.pk}/withdraw/", {"reason": ""})
    assert response.status_code == 400
    assert 'data-testid="error-reason"' in response.content.decode()
    review.refresh_from_db()
    assert review.status == "submitted"
    assert clerk.post(f"/reviews/{review.pk}/withdraw/", {"reason": "产品暂缓上线"}).status_code == 302
    review.refresh_from_db()
    assert review.status == "withdrawn"
