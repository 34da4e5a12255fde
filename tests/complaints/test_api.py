"""The complaint API: register with Idempotency-Key, list and detail masked, reveal with a reason (audited),
the loop's actions and their refusals (asserting codes, not wording), scope (404 outside) and authentication."""

# Who reaches each of this app's object routes — another branch or department, no role, anonymous — and that a
# refusal writes nothing, is the permission matrix's (tests/access_matrix/table.py); the copies once here are
# gone. What stays asserts more than a status: lists that leak nothing, writes not done, actors the matrix lacks.

from __future__ import annotations

import threading
import uuid
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.api_helpers import assert_error
from tests.api_helpers import token_client as shared_token_client
from tests.api_helpers import url as api_url
from tests.complaints.conftest import ID_NUMBER, NOW, PHONE
from xiaobao.complaints import api, idempotency
from xiaobao.complaints import error_codes as codes
from xiaobao.complaints.models import Category, Complaint, TaxonomyVersion
from xiaobao.core import error_codes as core_codes
from xiaobao.core.models import Attachment, AuditEntry
from xiaobao.workflow import error_codes as workflow_codes
from xiaobao.workflow.models import HumanTask, ProcessInstance

LIST = "/api/v1/complaints/"
NAME = "王小明"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def url(pk, action=""):
    return api_url(LIST, pk, action)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


class FeedClient(APIClient):
    """A machine client: sends a fresh Idempotency-Key with each registration, as the API requires, unless the
    test gives its own (or `HTTP_IDEMPOTENCY_KEY=None` to send none)."""

    def post(self, path, data=None, format=None, content_type=None, follow=False, **extra):
        if path == LIST:
            if "HTTP_IDEMPOTENCY_KEY" not in extra:
                extra["HTTP_IDEMPOTENCY_KEY"] = uuid.uuid4().hex
            elif extra["HTTP_IDEMPOTENCY_KEY"] is None:
                del extra["HTTP_IDEMPOTENCY_KEY"]
        return super().post(path, data, format, content_type, follow, **extra)


@pytest.fixture
def token_client():
    """A client signed in with a real API token, as the CC system or a platform feed would be."""
    return lambda user: shared_token_client(user, FeedClient)


def payload(people, **overrides) -> dict:
    body = {
        "channel": "hotline",
        "received_at": NOW.isoformat(),
        "complainant_name": NAME,
        "complainant_id_number": ID_NUMBER,
        "complainant_phone": PHONE,
        "complainant_address": "北京市朝阳区建国路88号",
        "policy_number": "P2025000001",
        "subject": "销售人员承诺保本高收益",
        "content": f"购买年金险时销售人员称保本，联系电话{PHONE}。",
        "demand_text": "要求全额退保",
        "org_unit": people.branch_a.pk,
        "external_ref": "CC20250303001",
    }
    body.update(overrides)
    return body


@pytest.fixture
def complaint(register):
    """Registered by the head-office agent against branch A, waiting for branch A to accept it."""
    now = timezone.now()
    return register(received_at=now - timedelta(hours=1), now=now, complainant_address="北京市朝阳区建国路88号")


@pytest.fixture
def categories(db):
    """One active entry per dimension in the current code table."""
    version = TaxonomyVersion.objects.filter(is_current=True).first() or TaxonomyVersion.objects.create(
        code="T-API", name="接口测试分类", effective_from=timezone.localdate(), is_current=True
    )
    D = Category.Dimension

    def category(dimension, code, name):
        return Category.objects.create(version=version, dimension=dimension, code=f"API{code}", name=name)

    return {
        "business": category(D.BUSINESS, "B1", "人身保险"),
        "cause": category(D.CAUSE, "C1", "销售误导"),
        "demand": category(D.DEMAND, "D1", "退保退费"),
        "root_cause": category(D.ROOT_CAUSE, "R1", "销售行为管理不到位"),
    }


def nothing_written():
    return not Complaint.objects.exists() and not ProcessInstance.objects.exists()


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


# --- the loop's actions -------------------------------------------------------------------------------


def test_the_full_loop_over_the_api(people, complaint, token_client, categories):
    officer = token_client(people.officer_a)
    seen = officer.get(url(complaint.pk)).json()

    def act(action, body):
        response = officer.post(url(complaint.pk, action), body, format="json")
        assert response.status_code == 200, (action, response.content)
        return response.json()

    assert act("accept", {"version": seen["step"]["version"]})["status"] == "accepted"
    assigned = act("assign", {"handler": people.officer_a.pk})
    assert assigned["status"] == "handling"
    assert assigned["handler"]["id"] == people.officer_a.pk
    classified = act(
        "classify",
        {
            "business_category": categories["business"].pk,
            "cause_category": categories["cause"].pk,
            "demand_category": categories["demand"].pk,
        },
    )
    assert classified["cause_category"]["code"] == "APIC1"
    assert (
        act("decide", {"decision": "同意全额退保。", "reply_method": "电话", "remedies_told": True})["status"]
        == "replied"
    )
    assert act("response", {"satisfied": True})["status"] == "revisiting"
    revisited = act("revisit", {"result": "投诉人表示满意。"})
    assert "close" in revisited["actions"]
    closed = act("close", {"root_cause": categories["root_cause"].pk, "root_cause_note": "销售话术管理"})
    assert closed["status"] == "closed"
    assert closed["closed_at"] is not None
    assert closed["step"] is None
    assert closed["actions"] == []
    assert closed["root_cause"]["id"] == categories["root_cause"].pk


def test_accepting_twice_is_a_conflict(people, complaint, token_client):
    officer = token_client(people.officer_a)
    assert officer.post(url(complaint.pk, "accept"), {}, format="json").status_code == 200
    assert_error(officer.post(url(complaint.pk, "accept"), {}, format="json"), 409, codes.WRONG_STEP)


def test_a_stale_version_is_a_conflict_and_changes_nothing(people, complaint, token_client):
    task = HumanTask.objects.get(status="open", instance__object_id=str(complaint.pk))
    response = token_client(people.officer_a).post(
        url(complaint.pk, "accept"), {"version": task.version + 1}, format="json"
    )
    assert_error(response, 409, workflow_codes.STALE_VERSION)
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.REGISTERED


def test_the_decision_must_tell_the_remedies(people, handling, token_client):
    body = {"decision": "同意退保", "reply_method": "电话", "remedies_told": False}
    response = token_client(people.officer_a).post(url(handling.pk, "decide"), body, format="json")
    body = assert_error(response, 400, codes.REMEDIES_REQUIRED)
    assert "remedies_told" in body["fields"]


def test_withdrawing_needs_a_reason_then_ends_the_complaint(people, complaint, token_client):
    officer = token_client(people.officer_a)
    assert_error(
        officer.post(url(complaint.pk, "withdraw"), {"reason": " "}, format="json"), 400, codes.REASON_REQUIRED
    )
    response = officer.post(url(complaint.pk, "withdraw"), {"reason": "投诉人来电撤回"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "withdrawn"
    assert response.json()["actions"] == []
    assert_error(officer.post(url(complaint.pk, "accept"), {}, format="json"), 409, codes.CLOSED)


def test_a_second_extension_before_the_first_is_refused(people, handling, token_client):
    body = {"level": 2, "reason": "案情特别复杂", "approver": people.hq_admin.pk, "notice_method": "电话"}
    response = token_client(people.officer_a).post(url(handling.pk, "extend"), body, format="json")
    assert_error(response, 400, codes.EXTENSION_ORDER)


def test_closing_at_the_wrong_step_is_a_conflict(people, handling, token_client, categories):
    response = token_client(people.officer_a).post(
        url(handling.pk, "close"), {"root_cause": categories["root_cause"].pk}, format="json"
    )
    assert response.status_code in (400, 409), response.content
    assert response.json()["error"] in {codes.WRONG_STEP, codes.NOT_CLASSIFIED}
    handling.refresh_from_db()
    assert handling.status == Complaint.Status.HANDLING


def test_the_read_only_manager_reads_but_may_not_act(people, complaint, token_client):
    client = token_client(people.manager)
    body = client.get(url(complaint.pk)).json()
    assert body["id"] == complaint.pk
    assert body["actions"] == []
    assert client.post(url(complaint.pk, "accept"), {}, format="json").status_code == 403
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.REGISTERED


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
