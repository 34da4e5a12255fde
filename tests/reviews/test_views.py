"""Review pages through Django's test client: who sees which page, who may act, cross-department refusal,
the committee's narrow view, the full journey (file with a PDF → assign → checklist and opinions in the
workspace → issue → adopt → verify → closed), the objection record, refusals writing nothing (400/409),
the inline preview of safe files, and the list's query count.

People (tests/reviews/conftest.py): clerk and colleague (HQ 个人业务部), other_clerk (HQ 团体业务部),
branch_clerk (北京分公司), reviewer / reviewer2, member (消保委员会), hq_admin (消保部).
"""

# Who reaches each of this app's object routes — another branch or department, no role, anonymous — and that a
# refusal writes nothing, is the permission matrix's (tests/access_matrix/table.py); the copies once here are
# gone. What stays asserts more than a status: lists that leak nothing, writes not done, actors the matrix lacks.

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.reviews.conftest import PRODUCT_DATA, fill_checklist
from xiaobao.core.models import Attachment
from xiaobao.reviews import services
from xiaobao.reviews.models import Objection, Opinion, Review
from xiaobao.workflow import services as workflow
from xiaobao.workflow.messages import conflict_message
from xiaobao.workflow.models import ProcessInstance
from xiaobao.workorders import services as workorders
from xiaobao.workorders.models import WorkOrder

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64 + b"This program cannot be run."
TEXT = "修改后的条款：责任免除部分已加粗。\n".encode()

# url name → a plausible POST body (each is a real route: reverse() fails loudly on a typo)
ACTIONS = {
    "assign": {"reviewer": "0", "urgency": "normal", "due_days": "5"},
    "return": {"reason": "缺少条款"},
    "resubmit": {},
    "withdraw": {"reason": "产品取消"},
    "checklist": {},
    "opinion-add": {"kind": "general", "location": "第一条", "risk": "r", "suggestion": "s"},
    "issue": {"conclusion": "同意"},
    "respond": {},
    "refresh-verification": {},
}
DEPARTMENT_ACTIONS = {"resubmit", "withdraw", "respond", "refresh-verification"}


@pytest.fixture
def as_user():
    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


def pdf(name: str = "产品条款.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def submit_data(**overrides) -> dict:
    data = {
        "title": "颐享年年养老年金保险上市审查",
        "product_name": "颐享年年养老年金保险",
        "planned_launch": "",
        "urgency": "normal",
        **{f"data_{key}": value for key, value in PRODUCT_DATA.items()},
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def version_on(html: str, action: str) -> int:
    """The hidden task version carried by the named action form of a page."""
    form = re.search(rf'<form[^>]*data-testid="{action}-form".*?</form>', html, re.S)
    assert form, f"no {action} form on the page"
    return int(re.search(r'name="version" value="(\d+)"', form.group(0)).group(1))


def counts() -> tuple[int, ...]:
    return (
        Review.objects.count(),
        Opinion.objects.count(),
        Objection.objects.count(),
        Attachment.objects.count(),
        ProcessInstance.objects.count(),
        WorkOrder.objects.count(),
    )


def all_pass(review: Review) -> dict:
    return {f"result_{item['id']}": "pass" for item in review.form_version.checklist}


# --- who sees which page -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "who, url",
    [
        ("clerk", "/reviews/"),
        ("clerk", "/reviews/?box=mine"),
        ("clerk", "/reviews/?box=all&status=submitted&form_type=product&department=个人业务部&q=颐享"),
        ("clerk", "/reviews/new/"),
        ("clerk", "/reviews/new/marketing/"),
        ("clerk", "/reviews/objections/"),
        ("reviewer", "/reviews/?box=reviewing"),
        ("hq_admin", "/reviews/?box=all"),
        ("member", "/reviews/objections/?stage=committee"),
        ("member", "/reviews/"),
    ],
)
def test_each_page_renders_for_a_user_who_may_see_it(people, as_user, submit, who, url):
    submit()
    response = as_user(getattr(people, who)).get(url)
    assert response.status_code == 200
    assert "<html" in response.content.decode()


def test_the_type_chooser_offers_the_eight_types_and_each_form_renders(people, as_user):
    client = as_user(people.clerk)
    html = client.get("/reviews/new/").content.decode()
    codes = re.findall(r'data-testid="form-type" data-code="([\w-]+)"', html)
    assert len(codes) == 8
    for code in codes:
        page = client.get(f"/reviews/new/{code}/")
        assert page.status_code == 200, code
        assert 'data-testid="form-fields"' in page.content.decode()
    assert client.get("/reviews/new/no-such-type/").status_code == 404


def test_the_submit_form_is_built_from_the_current_version_with_required_marks(people, as_user):
    html = as_user(people.clerk).get("/reviews/new/product/").content.decode()
    assert 'name="data_product_category"' in html and 'name="data_key_terms"' in html
    assert re.search(r'<select name="data_risk_level"[^>]*required', html)
    assert 'type="number" name="data_cooling_off_days"' in html
    assert 'name="data_involves_elderly"' in html
    assert html.count('class="field required"') >= 8
    assert 'type="file" name="files"' in html


@pytest.mark.parametrize(
    "path", ["/reviews/", "/reviews/new/", "/reviews/new/product/", "/reviews/objections/", "/reviews/1/"]
)
def test_anonymous_visitors_are_sent_to_sign_in(db, path):
    response = Client().get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_only_submitters_may_file(cast, people, as_user):
    for user in (people.member, cast.outsider, cast.manager):
        client = as_user(user)
        assert client.get("/reviews/new/").status_code == 403
        assert client.post("/reviews/new/product/", submit_data()).status_code == 403
    assert not Review.objects.exists()


@pytest.mark.parametrize("who", ["clerk", "colleague", "hq_admin"])
def test_the_detail_renders_for_the_department_and_hq(people, as_user, submit, who):
    review = submit()
    response = as_user(getattr(people, who)).get(f"/reviews/{review.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert review.number in html
    assert 'data-testid="review-data"' in html
    assert 'data-testid="review-status" data-status="submitted"' in html


def test_hq_sees_the_timeline_and_the_process_diagram(people, as_user, submit):
    review = submit()
    html = as_user(people.hq_admin).get(f"/reviews/{review.pk}/").content.decode()
    assert 'data-testid="timeline"' in html
    assert 'data-testid="diagram-link"' in html


@pytest.mark.parametrize("who", ["other_clerk", "branch_clerk", "reviewer2", "member", "outsider"])
def test_outside_the_department_the_detail_is_404(cast, people, as_user, assigned, who):
    review = assigned()
    user = getattr(people, who, None) or getattr(cast, who)
    client = as_user(user)
    assert client.get(f"/reviews/{review.pk}/").status_code == 404
    assert review.number not in client.get("/reviews/?box=all").content.decode()


# the department's own actions (resubmit, withdraw, respond, refresh-verification) are the matrix's
# (tests/access_matrix), where the peer rule holds; here the actions of 消保部 and the reviewer
@pytest.mark.parametrize("action", [a for a in ACTIONS if a not in DEPARTMENT_ACTIONS])
def test_another_department_gets_404_on_every_action(people, as_user, assigned, action):
    review = assigned()
    before = counts()
    response = as_user(people.other_clerk).post(reverse(f"reviews:{action}", args=[review.pk]), ACTIONS[action])
    assert response.status_code == 404
    assert counts() == before
    review.refresh_from_db()
    assert review.status == Review.Status.REVIEWING


def test_another_department_gets_404_on_opinion_and_objection_actions(people, as_user, issued):
    review, (first, _second) = issued()
    client = as_user(people.other_clerk)
    for url in (
        reverse("reviews:opinion-update", args=[review.pk, first.pk]),
        reverse("reviews:opinion-delete", args=[review.pk, first.pk]),
        reverse("reviews:rereview", args=[review.pk, 1]),
        reverse("reviews:committee", args=[review.pk, 1]),
    ):
        assert client.post(url, {"note": "x"}).status_code == 404


def test_files_are_served_only_within_scope_and_only_through_their_review(people, as_user, submit):
    review = submit(files=[pdf()])
    other = submit(title="另一项审查")
    attachment = Attachment.objects.get()
    url = f"/reviews/{review.pk}/files/{attachment.pk}/"
    assert as_user(people.other_clerk).get(url).status_code == 404
    assert as_user(people.branch_clerk).get(url + "preview/").status_code == 404
    assert as_user(people.clerk).get(f"/reviews/{other.pk}/files/{attachment.pk}/").status_code == 404
    response = as_user(people.colleague).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert "attachment" in response["Content-Disposition"]


def test_a_pdf_previews_inline_in_a_same_origin_frame_and_other_kinds_do_not(people, as_user, submit):
    review = submit(files=[pdf(), SimpleUploadedFile("说明.txt", TEXT, content_type="text/plain")])
    by_kind = {a.kind: a for a in Attachment.objects.all()}
    client = as_user(people.hq_admin)
    # the frame shows the pages drawn on the server (tests/reviews/test_preview_conversion.py); the original
    # file is still there for the browser's own viewer
    drawn = client.get(f"/reviews/{review.pk}/files/{by_kind['pdf'].pk}/preview/")
    assert drawn.status_code == 200 and drawn["Content-Type"].startswith("text/html")
    assert drawn["X-Frame-Options"] == "SAMEORIGIN"
    response = client.get(f"/reviews/{review.pk}/files/{by_kind['pdf'].pk}/preview/?as=original")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'self'" in response["Content-Security-Policy"]
    assert client.get(f"/reviews/{review.pk}/files/{by_kind['text'].pk}/preview/").status_code == 404


@pytest.mark.parametrize("action", list(ACTIONS))
def test_get_on_an_action_is_405(people, as_user, submit, action):
    review = submit()
    assert as_user(people.clerk).get(reverse(f"reviews:{action}", args=[review.pk])).status_code == 405


def test_post_on_a_read_only_page_is_405(people, as_user):
    for path in ("/reviews/", "/reviews/new/", "/reviews/objections/"):
        assert as_user(people.hq_admin).post(path).status_code == 405


def test_a_colleague_sees_the_review_but_may_not_act_on_it(people, as_user, issued):
    review, opinions = issued()
    client = as_user(people.colleague)
    html = client.get(f"/reviews/{review.pk}/").content.decode()
    assert 'data-testid="respond-form"' not in html
    body = {f"response_{o.pk}": "adopted" for o in opinions}
    assert client.post(f"/reviews/{review.pk}/respond/", body).status_code == 403
    assert not Opinion.objects.exclude(response="").exists()


# --- the committee sees only what is referred to it --------------------------------------------------


def _referred(people, issued):
    """A review whose first opinion the department rejected, upheld on re-review: before the committee."""
    review, (first, second) = issued()
    services.review_respond(
        review=review,
        actor=people.clerk,
        responses={first.pk: {"response": "rejected", "reason": "监管未要求加粗。"}, second.pk: "adopted"},
    )
    services.objection_rereview(objection=first.objection, actor=people.hq_admin, upheld=True, note="维持意见。")
    return review, first.objection


def test_a_committee_member_sees_only_referred_objections(people, as_user, issued):
    quiet, _opinions = issued(title="无异议的审查")
    review, objection = _referred(people, issued)
    client = as_user(people.member)
    assert client.get(f"/reviews/{quiet.pk}/").status_code == 404
    listed = client.get("/reviews/objections/").content.decode()
    assert f'data-objection-id="{objection.pk}"' in listed
    assert quiet.title not in listed
    page = client.get(f"/reviews/{review.pk}/").content.decode()
    assert 'data-testid="committee-form"' in page
    assert 'data-testid="rereview-record"' in page


def test_the_committee_records_a_binding_decision_with_attendees(people, as_user, issued):
    review, objection = _referred(people, issued)
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


# --- refusals: a clear message, nothing written --------------------------------------------------------


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"title": ""}, "title"),
        ({"data_background": ""}, "data_background"),
        ({"data_risk_level": "R9"}, "data_risk_level"),
        ({"data_cooling_off_days": "十五"}, "data_cooling_off_days"),
        ({"files": [SimpleUploadedFile("条款.pdf", EXE, content_type="application/pdf")]}, "files"),
    ],
    ids=["no-title", "required-data", "bad-choice", "bad-number", "exe-named-pdf"],
)
def test_bad_input_on_the_submit_page_shows_the_error_and_writes_nothing(people, as_user, overrides, field):
    before = counts()
    response = as_user(people.clerk).post("/reviews/new/product/", submit_data(**overrides))
    assert response.status_code == 400
    html = response.content.decode()
    assert f'data-testid="error-{field}"' in html
    assert 'data-testid="form-errors"' in html
    assert counts() == before


def test_a_respond_leaving_a_reason_out_is_refused_on_its_field(people, as_user, issued):
    review, (first, second) = issued()
    client = as_user(people.clerk)
    before = counts()
    response = client.post(
        f"/reviews/{review.pk}/respond/", {f"response_{first.pk}": "rejected", f"response_{second.pk}": "adopted"}
    )
    assert response.status_code == 400
    assert f'data-testid="error-response_{first.pk}"' in response.content.decode()
    response = client.post(f"/reviews/{review.pk}/respond/", {f"response_{first.pk}": "adopted"})
    assert response.status_code == 400
    assert counts() == before
    assert not Opinion.objects.exclude(response="").exists()


def test_a_stale_assign_is_a_409_and_changes_nothing(people, as_user, submit):
    review = submit()
    client = as_user(people.hq_admin)
    page = client.get(f"/reviews/{review.pk}/").content.decode()
    stale = version_on(page, "assign")
    workflow.claim(task=services.selectors.open_task(review, "assign"), user=people.hq_admin)
    response = client.post(
        f"/reviews/{review.pk}/assign/",
        {"version": stale, "reviewer": people.reviewer.pk, "urgency": "normal", "due_days": "5"},
    )
    assert response.status_code == 409
    assert conflict_message() in response.content.decode()
    review.refresh_from_db()
    assert (review.status, review.reviewer) == ("submitted", None)


def test_an_action_at_the_wrong_step_is_a_409(people, as_user, issued):
    review, _opinions = issued()
    response = as_user(people.clerk).post(f"/reviews/{review.pk}/withdraw/", {"reason": "不要了"})
    assert response.status_code == 302  # responding: still withdrawable
    response = as_user(people.reviewer).post(f"/reviews/{review.pk}/issue/", {"conclusion": "再出一次"})
    assert response.status_code == 409
    response = as_user(people.hq_admin).post(f"/reviews/{review.pk}/return/", {"reason": "太晚了"})
    assert response.status_code == 409
    assert 'data-testid="action-error"' in response.content.decode()


def test_only_the_assigned_reviewer_may_work_the_checklist(people, as_user, assigned):
    review = assigned()
    response = as_user(people.hq_admin).post(f"/reviews/{review.pk}/checklist/", all_pass(review))
    assert response.status_code == 403
    review.refresh_from_db()
    assert review.checklist_results == {}
    html = as_user(people.hq_admin).get(f"/reviews/{review.pk}/?view=workspace").content.decode()
    assert 'data-testid="checklist-form"' not in html


def test_an_opinion_with_a_change_to_verify_must_be_substantive(people, as_user, assigned):
    review = assigned()
    response = as_user(people.reviewer).post(
        f"/reviews/{review.pk}/opinions/",
        {"kind": "general", "location": "第一条", "risk": "r", "suggestion": "s", "requires_change": "on"},
    )
    assert response.status_code == 400
    assert 'data-testid="error-requires_change"' in response.content.decode()
    assert not Opinion.objects.exists()


def test_a_refused_checklist_over_htmx_comes_back_as_the_panel_with_the_error(people, as_user, assigned):
    review = assigned()
    response = as_user(people.reviewer).post(
        f"/reviews/{review.pk}/checklist/", {"result_PRD01": "pass", "result_PRD02": "maybe"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert html.startswith('<section class="card rv-checklist"')
    assert 'data-testid="error-result_PRD02"' in html
    review.refresh_from_db()
    assert review.checklist_results == {}


def test_the_checklist_refuses_a_bad_result_without_htmx(people, as_user, assigned):
    review = assigned()
    response = as_user(people.reviewer).post(f"/reviews/{review.pk}/checklist/", {"result_PRD01": "maybe"})
    assert response.status_code == 400
    review.refresh_from_db()
    assert review.checklist_results == {}
    fill_checklist(review, people.reviewer)
    review.refresh_from_db()
    assert len(review.checklist_results) == len(review.form_version.checklist)


# --- list ----------------------------------------------------------------------------------------------


def test_the_list_searches_by_product_department_status_and_type(people, as_user, submit, assigned):
    submit(title="养老年金审查", product_name="颐享年年")
    submit(actor=people.other_clerk, title="团险审查", product_name="团体意外险")
    assigned(title="已分派的审查", product_name="安心医疗")
    client = as_user(people.hq_admin)

    def listed(query: str) -> set[str]:
        html = client.get(f"/reviews/?box=all&{query}").content.decode()
        return set(
            re.findall(
                r'<td[^>]*><a href="/reviews/\d+/">[^<]*</a></td>\s*<td[^>]*><a href="/reviews/\d+/">([^<]+)<', html
            )
        )

    assert listed("q=颐享") == {"养老年金审查"}
    assert listed("department=团体业务部") == {"团险审查"}
    assert listed("status=reviewing") == {"已分派的审查"}
    assert listed("form_type=product") == {"养老年金审查", "团险审查", "已分派的审查"}
    assert listed("form_type=marketing") == set()


def test_the_tabs_hold_what_waits_for_me_what_i_filed_and_what_i_review(people, as_user, submit, assigned):
    mine = submit(title="我提交的审查")
    assigned_one = assigned(title="分派出去的审查")
    reviewer = as_user(people.reviewer)
    assert assigned_one.number in reviewer.get("/reviews/").content.decode()
    assert assigned_one.number in reviewer.get("/reviews/?box=reviewing").content.decode()
    assert mine.number not in reviewer.get("/reviews/?box=all").content.decode()
    clerk_mine = as_user(people.clerk).get("/reviews/?box=mine").content.decode()
    assert mine.number in clerk_mine and assigned_one.number in clerk_mine
    assert mine.number in as_user(people.hq_admin).get("/reviews/").content.decode()  # waiting to be assigned


def _list_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "who, url", [("hq_admin", "/reviews/?box=all"), ("clerk", "/reviews/?box=all"), ("hq_admin", "/reviews/")]
)
def test_the_list_page_query_count_does_not_grow_with_rows(
    people, as_user, submit, assigned, django_assert_max_num_queries, who, url
):
    client = as_user(getattr(people, who))
    submit()
    assigned()
    few = _list_queries(client, url)
    for n in range(8):
        submit(title=f"审查 {n}")
        assigned(title=f"已分派 {n}")
    with django_assert_max_num_queries(20):
        response = client.get(url)
    assert response.content.decode().count('data-testid="review-row"') >= 9
    many = _list_queries(client, url)
    print(f"review list {who} {url}: {few} queries with 2 rows, {many} with 18")
    assert many == few


def test_the_navigation_shows_reviews_as_built(people, as_user):
    from xiaobao.web.navigation import NAV_ITEMS

    item = next(i for i in NAV_ITEMS if i.key == "reviews")
    assert item.built
    html = as_user(people.clerk).get("/reviews/").content.decode()
    assert re.search(r'<a href="/reviews/" class="active">', html)


def test_a_disputed_review_shows_its_objection_record_to_the_department(people, as_user, issued):
    review, _objection = _referred(people, issued)
    html = as_user(people.clerk).get(f"/reviews/{review.pk}/").content.decode()
    assert 'data-testid="objection" ' in html
    assert 'data-stage="committee"' in html
    assert "监管未要求加粗。" in html


def test_the_list_keeps_the_statistics_period(people, as_user, submit):
    from tests.reviews.conftest import at

    march = submit(title="三月提交的审查")
    june = submit(title="六月提交的审查", now=at(2025, 6, 2, 9, 0))
    html = (
        as_user(people.hq_admin)
        .get("/reviews/", {"box": "all", "submitted_from": "2025-06-01", "submitted_to": "2025-06-30"})
        .content.decode()
    )
    assert june.number in html
    assert march.number not in html
    assert 'name="submitted_from" value="2025-06-01"' in html  # changing other filters keeps the period
