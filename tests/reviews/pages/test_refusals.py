"""Review pages: refusals with a clear message, writing nothing (400/409) — bad input, missing reasons,
stale and wrong-step actions, the checklist's own refusals.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.reviews.conftest import fill_checklist
from tests.reviews.pages.conftest import EXE, all_pass, counts, submit_data, version_on
from xiaobao.reviews import services
from xiaobao.reviews.models import Opinion
from xiaobao.workflow import services as workflow
from xiaobao.workflow.messages import conflict_message

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
