"""Review pages: who sees which page, who may act, cross-department refusal, files served only within
scope, and the inline preview of safe files.
"""


# Who reaches each of this app's object routes — another branch or department, no role, anonymous — and that a
# refusal writes nothing, is the permission matrix's (tests/access_matrix/table.py); the copies once here are
# gone. What stays asserts more than a status: lists that leak nothing, writes not done, actors the matrix lacks.

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tests.reviews.pages.conftest import ACTIONS, DEPARTMENT_ACTIONS, PDF, TEXT, counts, pdf, submit_data
from xiaobao.core.models import Attachment
from xiaobao.reviews.models import Opinion, Review

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
