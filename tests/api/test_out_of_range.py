"""No input reaches a 500 (issue 14 §4): an id too large for the database, in a filter, an id list or a
nested id, is a 400 naming the field — on every endpoint that takes one."""

from __future__ import annotations

import pytest

TOO_LARGE = 2**64  # past every integer column (SQLite and PostgreSQL bigint end at 2**63 - 1)
JUST_PAST = 2**63

GETS = [
    ("/api/v1/complaints/", "business_category"),
    ("/api/v1/complaints/", "cause_category"),
    ("/api/v1/complaints/", "demand_category"),
    ("/api/v1/complaints/", "root_cause"),
    ("/api/v1/complaints/", "org_unit"),
    ("/api/v1/workorders/", "parent"),
    ("/api/v1/core/users/", "org_unit"),
    ("/api/v1/reviews/", "reviewer"),
    ("/api/v1/reviews/", "form_type"),
    ("/api/v1/plans/activities/", "task"),
    ("/api/v1/plans/activities/", "plan"),
    ("/api/v1/plans/activities/", "org_unit"),
]


@pytest.fixture
def head_office(cast, client_for):
    return client_for(cast.hq_admin)


def assert_names_field(response, field: str):
    assert response.status_code == 400, (response.status_code, response.content[:300])
    body = response.json()
    assert field in body["fields"], body


@pytest.mark.parametrize("value", [TOO_LARGE, JUST_PAST, -TOO_LARGE])
@pytest.mark.parametrize(("url", "field"), GETS)
def test_a_filter_id_out_of_range_is_a_400_naming_the_field(head_office, url, field, value):
    assert_names_field(head_office.get(url, {field: str(value)}), field)


def test_work_order_recipients_out_of_range(head_office):
    body = {"title": "自查", "kind": "self_check", "content": "请自查。", "due_days": 5}
    for field in ("recipient_units", "recipient_users"):
        response = head_office.post("/api/v1/workorders/", {**body, field: [TOO_LARGE]}, format="json")
        assert_names_field(response, field)


def test_plan_units_out_of_range(head_office):
    body = {
        "name": "3·15 宣传",
        "kind": "campaign",
        "period_start": "2025-03-01",
        "period_end": "2025-03-31",
        "description": "宣传周",
    }
    response = head_office.post("/api/v1/plans/", {**body, "participating_units": [TOO_LARGE]}, format="json")
    assert_names_field(response, "participating_units")
    nested = {**body, "tasks": [{"title": "进社区", "units": [TOO_LARGE]}]}
    response = head_office.post("/api/v1/plans/", nested, format="json")
    assert_names_field(response, "tasks")


def test_activity_nested_ids_out_of_range(cast, client_for):
    officer = client_for(cast.officer_a)
    body = {"title": "进社区", "form": "offline", "held_on": "2025-03-15"}
    for field in ("task", "org_unit"):
        response = officer.post("/api/v1/plans/activities/", {**body, field: TOO_LARGE}, format="json")
        assert_names_field(response, field)


def test_notification_ids_out_of_range(cast, client_for):
    response = client_for(cast.officer_a).post("/api/v1/core/notifications/read/", {"ids": [TOO_LARGE]}, format="json")
    assert_names_field(response, "ids")
