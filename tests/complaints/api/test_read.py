"""The complaint API's reads: lists scoped and masked, filters, query count, the detail, reveal with a
reason (audited); authentication, methods and the schema.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from tests.api_helpers import assert_error
from tests.complaints.api.conftest import LIST, NAME, url
from tests.complaints.conftest import ID_NUMBER, PHONE
from xiaobao.complaints import api
from xiaobao.complaints.models import Complaint
from xiaobao.core import error_codes as core_codes
from xiaobao.core.models import AuditEntry
from xiaobao.workflow.models import HumanTask

# --- list and detail ------------------------------------------------------------------------------------


def test_lists_are_scoped_and_masked(people, register, token_client):
    to_a = register()
    to_b = register(org_unit=people.branch_b, complainant_phone="13900000001", policy_number="P2")
    to_sub_a = register(org_unit=people.sub_a, complainant_phone="13900000002", policy_number="P3")

    def ids(user, **params):
        response = token_client(user).get(LIST, params)
        assert response.status_code == 200, response.content
        for clear in (NAME, PHONE, ID_NUMBER):
            assert clear not in response.content.decode()
        return {row["id"] for row in response.json()["results"]}

    assert ids(people.officer_b) == {to_b.pk}
    assert ids(people.officer_a) == {to_a.pk, to_sub_a.pk}
    assert ids(people.hq_admin) == {to_a.pk, to_b.pk, to_sub_a.pk}
    assert ids(people.manager) == {to_a.pk, to_b.pk, to_sub_a.pk}
    row = token_client(people.officer_b).get(LIST).json()["results"][0]
    assert row["complainant_name"] == "王**"
    assert row["complainant_phone"] == "139****0001"


def test_list_filters(people, register, token_client):
    hotline = register()
    letter = register(channel=Complaint.Channel.LETTER, complainant_phone="13900000003", policy_number="P9")
    client = token_client(people.hq_admin)

    def ids(**params):
        response = client.get(LIST, params)
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["results"]}

    assert ids(channel="letter") == {letter.pk}
    assert ids(status="registered") == {hotline.pk, letter.pk}
    assert ids(status="closed") == set()
    assert ids(q=hotline.number) == {hotline.pk}
    assert ids(q=PHONE) == {hotline.pk}  # an exact phone finds it through the blind index
    assert ids(org_unit=people.branch_b.pk) == set()
    assert ids(overdue="true") == {hotline.pk, letter.pk}  # received 2025-03-03: long past due
    body = assert_error(client.get(LIST, {"box": "spam"}), 400, "invalid")
    assert "box" in body["fields"]


def test_the_list_query_count_does_not_grow_with_rows(people, register, token_client, django_assert_max_num_queries):
    client = token_client(people.hq_admin)
    counts = []
    for size in (3, 8):
        for i in range(len(counts) * 3, size):
            register(complainant_phone=f"1370000000{i}", policy_number=f"PQ{i}")
        with CaptureQueriesContext(connection) as captured, django_assert_max_num_queries(10):
            assert client.get(LIST).json()["count"] == size
        counts.append(len(captured))
    print(f"complaint list API: {counts[0]} queries with 3 rows, {counts[1]} with 8")
    assert counts[0] == counts[1]


def test_the_detail_shows_step_version_actions_and_timeline(people, complaint, token_client):
    body = token_client(people.officer_a).get(url(complaint.pk)).json()
    task = HumanTask.objects.get(status="open", instance__object_id=str(complaint.pk))
    assert body["step"]["task"] == task.pk
    assert body["step"]["version"] == task.version
    assert "accept" in body["actions"]
    assert body["extensions"] == []
    assert isinstance(body["timeline"], list)
    assert body["complainant_address"] not in ("", "北京市朝阳区建国路88号")
    assert body["relation"] == "self"
    # head office's agent registered it but does not handle it
    assert token_client(people.agent).get(url(complaint.pk)).json()["actions"] == []


# --- reveal -----------------------------------------------------------------------------------------------


def test_reveal_with_a_reason_returns_the_clear_value_and_audits_it(people, complaint, token_client):
    response = token_client(people.officer_a).post(
        url(complaint.pk, "reveal"), {"field": "complainant_id_number", "reason": "核实投保人身份"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json() == {"field": "complainant_id_number", "value": ID_NUMBER}
    assert "no-store" in response["Cache-Control"]
    entry = AuditEntry.objects.get(action="personal_data.reveal")
    assert entry.actor == people.officer_a
    assert entry.reason == "核实投保人身份"
    assert entry.object_id == str(complaint.pk)
    assert ID_NUMBER not in str(entry.changes)


@pytest.mark.parametrize("reason", ["", "   "])
def test_reveal_without_a_reason_is_refused_and_not_audited(people, complaint, token_client, reason):
    response = token_client(people.officer_a).post(
        url(complaint.pk, "reveal"), {"field": "complainant_phone", "reason": reason}, format="json"
    )
    body = assert_error(response, 400, core_codes.REVEAL_REASON_REQUIRED)
    assert PHONE not in str(body)
    assert not AuditEntry.objects.filter(action="personal_data.reveal").exists()


def test_reveal_refuses_a_field_that_is_not_personal_data(people, complaint, token_client):
    response = token_client(people.officer_a).post(
        url(complaint.pk, "reveal"), {"field": "content", "reason": "好奇"}, format="json"
    )
    assert_error(response, 400, "invalid")


# --- authentication, methods, schema ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", LIST), ("post", LIST), ("get", f"{LIST}1/"), ("post", f"{LIST}1/accept/"), ("post", f"{LIST}1/reveal/")],
)
def test_anonymous_callers_get_401(db, method, path):
    response = getattr(APIClient(), method)(path, {}, format="json")
    assert_error(response, 401, "not_authenticated")


def test_actions_refuse_get(people, complaint, token_client):
    assert_error(token_client(people.officer_a).get(url(complaint.pk, "accept")), 405, "method_not_allowed")


def test_the_schema_describes_the_endpoints(db, client):
    schema = client.get("/api/schema/?format=json").json()
    paths = schema["paths"]
    assert {"/api/v1/complaints/", "/api/v1/complaints/{id}/", "/api/v1/complaints/{id}/reveal/"} <= set(paths)
    for action in api.ACTIONS:
        assert f"/api/v1/complaints/{{id}}/{action}/" in paths
    register = paths["/api/v1/complaints/"]["post"]
    assert "Idempotency-Key" in {p["name"] for p in register["parameters"]}
    assert {"201", "200", "422"} <= set(register["responses"])
    assert "409" in paths["/api/v1/complaints/{id}/accept/"]["post"]["responses"]
