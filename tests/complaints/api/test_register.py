"""The complaint API's registration: Idempotency-Key (replays, races, a changed body), material over
multipart, refusals that name their code and write nothing, scope, and a failure while answering rolled back.
"""

# Who reaches each of this app's object routes — another branch or department, no role, anonymous — and that a
# refusal writes nothing, is the permission matrix's (tests/access_matrix/table.py); the copies once here are
# gone. What stays asserts more than a status: lists that leak nothing, writes not done, actors the matrix lacks.

from __future__ import annotations

import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.api_helpers import assert_error
from tests.complaints.api.conftest import LIST, NAME, PDF, nothing_written, payload, url
from tests.complaints.conftest import ID_NUMBER, PHONE
from xiaobao.complaints import api, idempotency
from xiaobao.complaints import error_codes as codes
from xiaobao.complaints.models import Complaint
from xiaobao.core import error_codes as core_codes
from xiaobao.core.models import Attachment
from xiaobao.workflow.models import ProcessInstance

# --- register ---------------------------------------------------------------------------------------


def test_registering_creates_the_complaint_and_its_process_with_personal_data_masked(people, token_client):
    response = token_client(people.agent).post(LIST, payload(people), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    complaint = Complaint.objects.get()
    assert body["id"] == complaint.pk
    assert response["Location"] == url(complaint.pk)
    assert body["number"].startswith("TS")
    assert body["status"] == "registered"
    assert body["org_unit"]["id"] == people.branch_a.pk
    assert body["step"]["version"] >= 1
    assert body["complainant_name"] == "王**"
    assert body["complainant_phone"] == "138****8000"
    assert body["complainant_id_number"] == "110***********1234"
    assert PHONE not in body["content"]
    for clear in (NAME, PHONE, ID_NUMBER):
        assert clear not in response.content.decode()
    assert complaint.complainant_phone == PHONE  # stored as given (encrypted at rest)
    assert complaint.idempotency_key.startswith(f"api:{people.agent.pk}:")  # the feed client's key, namespaced
    assert len(complaint.idempotency_digest) == 64
    assert ProcessInstance.objects.filter(object_id=str(complaint.pk)).count() == 1


def test_the_same_idempotency_key_twice_registers_one_complaint(people, token_client):
    client = token_client(people.agent)
    first = client.post(LIST, payload(people), format="json", HTTP_IDEMPOTENCY_KEY="cc-7f3a9c")
    again = client.post(LIST, payload(people), format="json", HTTP_IDEMPOTENCY_KEY="cc-7f3a9c")
    assert first.status_code == 201, first.content
    assert again.status_code == 200, again.content
    assert again.json()["id"] == first.json()["id"]
    assert again["Idempotent-Replayed"] == "true"
    assert again["Location"] == url(first.json()["id"])
    assert Complaint.objects.count() == 1
    assert ProcessInstance.objects.count() == 1
    assert Complaint.objects.get().idempotency_key == f"api:{people.agent.pk}:cc-7f3a9c"


def test_a_retry_racing_the_first_request_gets_the_existing_complaint_as_a_replay(people, token_client, monkeypatch):
    client = token_client(people.agent)
    first = client.post(LIST, payload(people), format="json", HTTP_IDEMPOTENCY_KEY="race-1")
    # The retry looked the key up before the first request committed: it meets the key's unique index instead.
    monkeypatch.setattr(idempotency, "registered_with", lambda key: None)
    again = client.post(LIST, payload(people), format="json", HTTP_IDEMPOTENCY_KEY="race-1")
    assert (first.status_code, again.status_code) == (201, 200), again.content
    assert again.json()["id"] == first.json()["id"]
    assert again["Idempotent-Replayed"] == "true"
    assert Complaint.objects.count() == 1
    assert ProcessInstance.objects.count() == 1


def test_a_second_call_after_the_first_committed_returns_the_existing(people, token_client):
    client = token_client(people.agent)
    first = client.post(LIST, payload(people), format="json", HTTP_IDEMPOTENCY_KEY="feed-42")
    again = client.post(LIST, payload(people), format="json", HTTP_IDEMPOTENCY_KEY="feed-42")
    assert again.status_code == 200, again.content
    assert again.json()["id"] == first.json()["id"]
    assert Complaint.objects.count() == 1


def test_a_racing_request_with_the_same_key_and_another_body_is_422(people, token_client, monkeypatch):
    client = token_client(people.agent)
    client.post(LIST, payload(people), format="json", HTTP_IDEMPOTENCY_KEY="race-2")
    monkeypatch.setattr(idempotency, "registered_with", lambda key: None)
    response = client.post(LIST, payload(people, subject="另一件事"), format="json", HTTP_IDEMPOTENCY_KEY="race-2")
    assert_error(response, 422, codes.IDEMPOTENCY_KEY_REUSED)
    assert Complaint.objects.count() == 1
    assert ProcessInstance.objects.count() == 1


def _deliver_at_once(token, bodies: list[dict], key: str) -> list:
    """Post each body from its own thread, all released together, with one Idempotency-Key."""
    barrier = threading.Barrier(len(bodies))
    outcomes: list = [None] * len(bodies)

    def deliver(i):
        try:
            client = APIClient()
            client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
            barrier.wait(timeout=10)
            response = client.post(LIST, bodies[i], format="json", HTTP_IDEMPOTENCY_KEY=key)
            body = response.json()
            outcomes[i] = (
                response.status_code,
                body.get("id") or body.get("error"),
                response.get("Idempotent-Replayed"),
            )
        finally:
            connection.close()  # each thread had its own connection

    threads = [threading.Thread(target=deliver, args=(i,)) for i in range(len(bodies))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_deliveries_of_one_feed_item_all_answer_with_the_one_complaint(postgres_only, people):
    token = Token.objects.create(user=people.agent)
    outcomes = _deliver_at_once(token, [payload(people)] * 4, "feed-item-9")
    complaint = Complaint.objects.get()
    assert sorted(status for status, _, _ in outcomes) == [200, 200, 200, 201], outcomes
    assert {pk for _, pk, _ in outcomes} == {complaint.pk}
    # the later ones say so
    assert sorted(str(replayed) for _, _, replayed in outcomes) == ["None", "true", "true", "true"]
    assert ProcessInstance.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_with_one_key_and_other_bodies_register_only_the_first(postgres_only, people):
    token = Token.objects.create(user=people.agent)
    bodies = [payload(people, content=f"第{i}次描述，内容不同。") for i in range(4)]
    outcomes = _deliver_at_once(token, bodies, "feed-item-10")
    complaint = Complaint.objects.get()
    assert sorted(status for status, _, _ in outcomes) == [201, 422, 422, 422], outcomes
    assert [pk for status, pk, _ in outcomes if status == 201] == [complaint.pk]
    assert {error for status, error, _ in outcomes if status == 422} == {codes.IDEMPOTENCY_KEY_REUSED}
    assert ProcessInstance.objects.count() == 1


def test_the_same_key_with_another_body_is_422_and_writes_nothing(people, token_client):
    client = token_client(people.agent)
    client.post(LIST, payload(people), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    response = client.post(LIST, payload(people, subject="另一件事"), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    body = assert_error(response, 422, codes.IDEMPOTENCY_KEY_REUSED)
    assert "Idempotency-Key" in body["fields"]
    assert Complaint.objects.count() == 1


def test_keys_belong_to_the_caller_another_account_gets_its_own_complaint(people, token_client):
    first = token_client(people.agent).post(LIST, payload(people), format="json", HTTP_IDEMPOTENCY_KEY="shared")
    other = token_client(people.officer_a).post(LIST, payload(people), format="json", HTTP_IDEMPOTENCY_KEY="shared")
    assert (first.status_code, other.status_code) == (201, 201)
    assert first.json()["id"] != other.json()["id"]


@pytest.mark.parametrize("key", ["", "   ", "x" * 101, "带中文的键", "has space"])
def test_a_malformed_key_is_refused(people, token_client, key):
    response = token_client(people.agent).post(LIST, payload(people), format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert_error(response, 400, codes.IDEMPOTENCY_KEY_INVALID)
    assert nothing_written()


def test_a_machine_client_without_a_key_is_refused_and_nothing_is_written(people, token_client):
    response = token_client(people.agent).post(LIST, payload(people), format="json", HTTP_IDEMPOTENCY_KEY=None)
    body = assert_error(response, 400, codes.IDEMPOTENCY_KEY_REQUIRED)
    assert body["fields"] == {"Idempotency-Key": [codes.IDEMPOTENCY_KEY_REQUIRED]}
    assert nothing_written()


def test_a_person_signed_in_to_the_pages_may_register_without_a_key(people):
    client = APIClient()
    client.force_login(people.agent)
    client.cookies["csrftoken"] = "c" * 32
    headers = {"HTTP_X_CSRFTOKEN": "c" * 32}
    assert client.post(LIST, payload(people), format="json", **headers).status_code == 201
    assert client.post(LIST, payload(people), format="json", **headers).status_code == 201
    assert Complaint.objects.count() == 2


@pytest.mark.parametrize(
    "change",
    [
        {"content": "购买年金险时销售人员称保本（补充说明）。"},
        {"complainant_phone": "13900139000"},
        {"amount": "1000.00"},
        {"demand_text": "要求赔偿损失"},
        {"policy_number": "P2025000002"},
        {"media_attention": True},
        {"complainant_address": "北京市海淀区"},
    ],
)
def test_the_same_key_with_any_field_changed_is_422(people, token_client, change):
    client = token_client(people.agent)
    assert client.post(LIST, payload(people), format="json", HTTP_IDEMPOTENCY_KEY="k-any").status_code == 201
    response = client.post(LIST, payload(people, **change), format="json", HTTP_IDEMPOTENCY_KEY="k-any")
    assert_error(response, 422, codes.IDEMPOTENCY_KEY_REUSED)
    assert Complaint.objects.count() == 1


def test_the_same_key_with_other_file_bytes_is_422(people, token_client):
    client = token_client(people.agent)
    first = payload(people, files=[SimpleUploadedFile("录音转写.pdf", PDF)])
    assert client.post(LIST, first, format="multipart", HTTP_IDEMPOTENCY_KEY="k-file").status_code == 201
    same = client.post(
        LIST,
        payload(people, files=[SimpleUploadedFile("录音转写.pdf", PDF)]),
        format="multipart",
        HTTP_IDEMPOTENCY_KEY="k-file",
    )
    assert same.status_code == 200 and same["Idempotent-Replayed"] == "true"
    other = payload(people, files=[SimpleUploadedFile("录音转写.pdf", PDF + b"% changed\n")])
    assert_error(
        client.post(LIST, other, format="multipart", HTTP_IDEMPOTENCY_KEY="k-file"), 422, codes.IDEMPOTENCY_KEY_REUSED
    )
    assert Attachment.objects.count() == 1


def test_key_order_and_a_json_or_multipart_retry_are_the_same_request(people, token_client):
    client = token_client(people.agent)
    body = payload(people)
    assert client.post(LIST, body, format="json", HTTP_IDEMPOTENCY_KEY="k-form").status_code == 201
    reordered = dict(reversed(list(body.items())))
    again = client.post(LIST, reordered, format="multipart", HTTP_IDEMPOTENCY_KEY="k-form")
    assert again.status_code == 200, again.content
    assert Complaint.objects.count() == 1


def test_registering_with_material_over_multipart(people, token_client):
    body = payload(people, files=[SimpleUploadedFile("录音转写.pdf", PDF)])
    response = token_client(people.agent).post(LIST, body, format="multipart")
    assert response.status_code == 201, response.content
    assert Attachment.objects.get().kind == "pdf"


def test_a_disguised_file_is_refused_and_nothing_is_written(people, token_client):
    body = payload(people, files=[SimpleUploadedFile("录音.pdf", b"MZ\x90\x00" + bytes(300))])
    assert_error(token_client(people.agent).post(LIST, body, format="multipart"), 400, core_codes.UPLOAD_TYPE_REFUSED)
    assert nothing_written()


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({"channel": "pigeon"}, "invalid", "channel"),
        ({"subject": " "}, "invalid", "subject"),
        ({"received_at": "not a date"}, "invalid", "received_at"),
        ({"amount": "-1"}, "invalid", "amount"),
        ({"org_unit": 999999}, codes.INVALID, "org_unit"),
        ({"relation": "agent"}, codes.CONSUMER_REQUIRED, "consumer_name"),
        ({"business_category": 999999}, codes.BAD_CATEGORY, "business_category"),
    ],
)
def test_register_refusals_name_their_code_and_write_nothing(people, token_client, overrides, code, field):
    body = assert_error(token_client(people.agent).post(LIST, payload(people, **overrides), format="json"), 400, code)
    assert field in body["fields"]
    assert nothing_written()


def test_a_unit_outside_the_callers_scope_is_unknown_not_revealed(people, token_client):
    response = token_client(people.officer_b).post(LIST, payload(people), format="json")
    body = assert_error(response, 400, codes.INVALID)
    assert list(body["fields"]) == ["org_unit"]
    assert nothing_written()


def test_the_read_only_manager_and_someone_without_a_role_may_not_register(people, token_client):
    assert_error(token_client(people.manager).post(LIST, payload(people), format="json"), 403, "permission_denied")
    assert_error(token_client(people.outsider).post(LIST, payload(people), format="json"), 403, "permission_denied")
    assert nothing_written()


def test_a_failure_while_answering_rolls_the_registration_back_so_no_committed_write_gets_an_error(
    people, token_client, monkeypatch
):
    from django.db import OperationalError

    def lost_connection(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(api, "detail_response", lost_connection)
    client = token_client(people.agent)
    client.raise_request_exception = False
    response = client.post(LIST, payload(people), format="json", HTTP_IDEMPOTENCY_KEY="answer-fails")
    assert_error(response, 503, "service_unavailable")
    assert nothing_written()  # the client was told it failed: it did, and its retry registers it once
    monkeypatch.undo()
    retry = token_client(people.agent).post(LIST, payload(people), format="json", HTTP_IDEMPOTENCY_KEY="answer-fails")
    assert retry.status_code == 201
    assert Complaint.objects.count() == 1
