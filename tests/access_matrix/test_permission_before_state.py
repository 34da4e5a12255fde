"""Permission before input and state (issue 14, point 3), beyond a plan's approval: someone who may never take an
action hears 403 whatever the body holds and whatever step the object is at; someone who may take it hears
the field error (400) or the wrong step (409). Pages and API answer alike. And free-form JSON values (a
workflow task's data, a review's form data) refuse control characters at any depth, naming the field.

Asked of the permission matrix's world (tests/access_matrix/conftest.py: built once for the package).
"""

from __future__ import annotations

import pytest
from django.test import Client

from tests.api_helpers import assert_error, token_client, url


def page(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


REVIEWS, PLANS, DOCUMENTS = "/api/v1/reviews/", "/api/v1/plans/", "/api/v1/knowledge/documents/"


@pytest.mark.parametrize(
    ("action", "body"),
    [
        ("assign", {}),  # a field error for 消保部 …
        ("assign", {"reviewer": 1, "due_days": 5}),  # … a wrong reviewer for 消保部
        ("checklist", {"results": "not an object"}),
        ("issue", {"conclusion": ""}),
        ("return", {"reason": ""}),
    ],
)
def test_a_clerk_hears_403_for_a_reviewers_action_whatever_the_body(world, db, action, body):
    """The submitting department sees its review, but never assigns, reviews or returns it."""
    answer = token_client(world.clerk_own).post(url(REVIEWS, world.review.pk, action), body, format="json")
    assert_error(answer, 403, "reviews.not_allowed")


def test_a_clerk_hears_403_on_the_page_as_in_the_api(world, db):
    assert page(world.clerk_own).post(f"/reviews/{world.review.pk}/assign/", {}).status_code == 403
    assert page(world.clerk_own).post(f"/reviews/{world.review.pk}/issue/", {}).status_code == 403


def test_whoever_may_act_hears_the_field_error_or_the_wrong_step(world, db):
    lead = token_client(world.hq_admin)
    assert_error(lead.post(url(REVIEWS, world.review.pk, "assign"), {}, format="json"), 400)
    # the lead may check verification, but this review is being reviewed: the wrong step, not "may not"
    assert_error(lead.post(url(REVIEWS, world.review.pk, "verification")), 409, "reviews.wrong_step")
    assert page(world.hq_admin).post(f"/reviews/{world.review.pk}/verification/").status_code == 409


def test_a_committee_member_is_refused_a_review_leads_rereview_before_its_body(world, db):
    member = token_client(world.member)
    answer = member.post(url(REVIEWS, world.review.pk, f"objections/{world.objection.pk}/rereview"), {}, format="json")
    assert answer.status_code in (403, 404)  # 404: a member does not see the objections waiting for re-review


def test_a_branch_officer_hears_403_not_reason_required_when_rejecting_a_plan(world, db):
    """The branch's own plan is approved at head office: its officer may never reject it."""
    answer = token_client(world.officer_a).post(url(PLANS, world.plan.pk, "reject"), {"reason": ""}, format="json")
    assert_error(answer, 403, "plans.not_allowed")
    assert page(world.officer_a).post(f"/plans/{world.plan.pk}/reject/", {"reason": ""}).status_code == 403
    approver = token_client(world.hq_admin).post(url(PLANS, world.plan.pk, "reject"), {"reason": ""}, format="json")
    assert_error(approver, 400, "plans.reason_required")


def test_a_branch_officer_hears_403_before_a_policy_versions_fields_or_state(world, db):
    officer = token_client(world.officer_a)
    assert_error(officer.post(url(DOCUMENTS, world.document.pk, "approval"), {}, format="json"), 403)
    decided = {"decision": "approve", "version": world.version.number}  # version 1 is published: not pending
    assert_error(officer.post(url(DOCUMENTS, world.document.pk, "approval"), decided, format="json"), 403)
    assert_error(token_client(world.hq_admin).post(url(DOCUMENTS, world.document.pk, "approval"), decided), 409)


@pytest.mark.parametrize(
    "data",
    [
        {"note": "已核实\x07"},
        {"nested": {"list": ["ok", "bad\x1b[31m"]}},
        {"key\x00": "value"},
    ],
)
def test_a_tasks_data_refuses_control_characters_at_any_depth(world, db, data):
    task = world.complaint_task
    before = (task.status, task.version)
    answer = token_client(world.officer_a).post(
        f"/api/v1/workflow/tasks/{task.pk}/complete/", {"version": task.version, "data": data}, format="json"
    )
    body = assert_error(answer, 400)
    assert "data" in body["fields"], body
    task.refresh_from_db()
    assert (task.status, task.version) == before  # nothing written


def test_a_reviews_form_data_refuses_control_characters(world, db):
    answer = token_client(world.clerk_own).post(
        REVIEWS,
        {"form_type": "product", "title": "新产品审查", "data": {"background": "为满足\x0c客户需求"}},
        format="json",
    )
    body = assert_error(answer, 400)
    assert "data" in body["fields"], body
    assert body["fields"]["data"], body


def test_tab_and_line_breaks_stay_welcome_in_json_values(world, db):
    from xiaobao.core.inputs import refuse_control_characters_in

    value = {"note": "第一行\n第二行\t缩进\r\n"}
    assert refuse_control_characters_in(value) == value
