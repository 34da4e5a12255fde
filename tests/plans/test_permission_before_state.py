"""Permission is checked before state (issue 14 §3): someone who may never approve a plan hears "you may not"
(403), not "wrong status" (409) — the status of a plan they cannot decide is none of their business."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.workflow_access import fresh
from xiaobao.plans import error_codes as codes


def _post(user, plan, action, body=None):
    api = APIClient()
    api.force_authenticate(fresh(user))
    return api.post(f"/api/v1/plans/{plan.pk}/{action}/", body or {"reason": "不同意"}, format="json")


@pytest.mark.parametrize("action", ["approve", "reject"])
def test_a_branch_officer_may_not_decide_a_head_office_plan_whatever_its_status(cast, new_plan, action):
    draft = new_plan()  # not awaiting approval: the state alone would answer 409
    response = _post(cast.officer_a, draft, action)
    assert response.status_code in (403, 404), response.content
    if response.status_code == 403:
        assert response.json()["error"] == codes.NOT_ALLOWED


@pytest.mark.parametrize("action", ["approve", "reject"])
def test_a_read_only_manager_is_refused_before_the_status_is_looked_at(cast, new_plan, action):
    draft = new_plan()
    response = _post(cast.manager, draft, action)
    assert response.status_code == 403, response.content
    assert response.json()["error"] == codes.NOT_ALLOWED


def test_the_approver_still_hears_wrong_status_on_a_draft(cast, new_plan):
    draft = new_plan()
    response = _post(cast.hq_admin, draft, "approve")
    assert response.status_code == 409
    assert response.json()["error"] == codes.WRONG_STATUS
