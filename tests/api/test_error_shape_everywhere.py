"""Every API error has the one shape — 413, 429, 500 and 503 included — in the caller's language, with no Python
reprs; gunicorn's own refusals too; the token endpoint keeps working while the shared cache (Redis) is down."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError
from django.utils import translation
from rest_framework.test import APIClient

from tests.helpers import PASSWORD, make_user
from xiaobao.core import api as core_api
from xiaobao.core.api import TokenObtainThrottle
from xiaobao.core.gunicorn_errors import error_response

SHAPE = {"error", "detail", "fields"}
REPRS = ("ErrorDetail", "{0:", "Traceback", "'")


def assert_shape(response, status: int, error: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == SHAPE
    assert body["error"] == error
    assert isinstance(body["detail"], str) and body["detail"]
    assert isinstance(body["fields"], dict)
    text = response.content.decode()
    assert not any(marker in text for marker in REPRS), text
    return body


@pytest.fixture(autouse=True)
def _default_language():
    # Another test may leave English active in this thread; these start from the site's default.
    with translation.override("zh-hans"):
        yield


def has_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_an_empty_file_in_a_list_field_is_a_plain_sentence(cast, client_for):
    agent = make_user("agent", cast.hq, "agent")  # may register complaints
    response = client_for(agent).post(
        "/api/v1/complaints/",
        {"channel": "hotline", "files": [SimpleUploadedFile("空.pdf", b"")]},
        format="multipart",
        HTTP_IDEMPOTENCY_KEY="empty-file-1",
    )
    body = assert_shape(response, 400, "invalid")
    assert body["fields"]["files"] and all(isinstance(m, str) for m in body["fields"]["files"])
    assert has_chinese(body["fields"]["files"][0])


def test_a_workflow_refusal_is_in_chinese_by_default_and_in_english_for_an_english_user(cast, client_for):
    bad = (
        b'<?xml version="1.0"?><bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        b'xmlns:x="urn:x" id="d" targetNamespace="t"><bpmn:process id="p" isExecutable="true"><bpmn:userTask id="t1">'
        b'<bpmn:extensionElements><x:properties><x:property name="role" value="wizard"/></x:properties>'
        b"</bpmn:extensionElements></bpmn:userTask></bpmn:process></bpmn:definitions>"
    )

    def deploy():
        return client_for(cast.hq_admin).post(
            "/api/v1/workflow/definitions/", {"file": SimpleUploadedFile("p.bpmn", bad)}, format="multipart"
        )

    body = assert_shape(deploy(), 400, "workflow.unknown_role")
    assert has_chinese(body["detail"]) and "wizard" in body["detail"]
    cast.hq_admin.language = "en"
    cast.hq_admin.save(update_fields=["language"])
    body = assert_shape(deploy(), 400, "workflow.unknown_role")
    assert not has_chinese(body["detail"]) and "wizard" in body["detail"]


@pytest.mark.parametrize(
    ("content", "code"), [(b"", "invalid"), (b"MZ\x90\x00" + bytes(300), "core.upload_type_refused")]
)
def test_a_knowledge_import_refusal_names_the_file_field(cast, client_for, settings, tmp_path, content, code):
    settings.MEDIA_ROOT = tmp_path
    response = client_for(cast.hq_admin).post(
        "/api/v1/knowledge/imports/",
        {"file": SimpleUploadedFile("通知.pdf", content), "kind": "regulation"},
        format="multipart",
    )
    body = assert_shape(response, 400, code)
    assert set(body["fields"]) == {"file"}


def test_a_bug_answers_500_in_the_shape_without_its_text(cast, client_for, monkeypatch):
    def boom(self, request):
        raise RuntimeError("secret internals: SELECT * FROM core_user")

    monkeypatch.setattr(core_api.MeApi, "get", boom)
    client = client_for(cast.officer_a)
    client.raise_request_exception = False
    body = assert_shape(client.get("/api/v1/core/me/"), 500, "server_error")
    assert "secret" not in body["detail"] and has_chinese(body["detail"])


def test_a_database_outage_answers_503_with_retry_after(cast, client_for, monkeypatch):
    def away(self, request):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(core_api.MeApi, "get", away)
    client = client_for(cast.officer_a)
    client.raise_request_exception = False
    response = client.get("/api/v1/core/me/")
    assert_shape(response, 503, "service_unavailable")
    assert int(response["Retry-After"]) > 0


def test_a_json_body_over_the_limit_is_413(db, api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 200
    response = api.post(
        "/api/v1/auth/token/", json.dumps({"username": "x" * 500, "password": "y"}), content_type="application/json"
    )
    assert_shape(response, 413, "request_too_large")


def test_too_many_form_fields_is_413(db, api, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 3
    response = api.post("/api/v1/auth/token/", {f"f{i}": "v" for i in range(10)}, format="multipart")
    assert_shape(response, 413, "request_too_large")


def test_an_unknown_path_outside_v1_is_a_json_404(db, api):
    assert_shape(api.get("/api/v9/nothing-here"), 404, "not_found")


def test_a_page_404_stays_a_page(db, client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert not response["Content-Type"].startswith("application/json")


def test_throttled_sign_ins_are_429_in_the_shape(cast, api, monkeypatch):
    monkeypatch.setattr(TokenObtainThrottle, "THROTTLE_RATES", {"auth_token": "2/min"})
    for _ in range(2):
        api.post("/api/v1/auth/token/", {"username": "officer_a", "password": "wrong"}, format="json")
    body = assert_shape(
        api.post("/api/v1/auth/token/", {"username": "officer_a", "password": PASSWORD}, format="json"),
        429,
        "throttled",
    )
    assert has_chinese(body["detail"])


@pytest.fixture
def redis_down(settings):
    """The shared cache points at a Redis nobody runs (port 1): every cache call fails to connect."""
    from django.core.cache import caches

    settings.CACHES = {
        "default": {"BACKEND": "xiaobao.core.cache.ResilientRedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    }

    def forget():
        if hasattr(caches._connections, "default"):
            del caches._connections.default

    forget()
    caches["default"].clear()  # the per-process fallback outlives one test's cache object
    yield
    caches["default"].clear()
    forget()


def test_the_token_endpoint_works_while_redis_is_down(cast, redis_down):
    response = APIClient().post("/api/v1/auth/token/", {"username": "officer_a", "password": PASSWORD}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["token"]


def test_the_throttle_still_counts_while_redis_is_down(cast, redis_down, monkeypatch):
    monkeypatch.setattr(TokenObtainThrottle, "THROTTLE_RATES", {"auth_token": "2/min"})
    client = APIClient()
    statuses = [
        client.post("/api/v1/auth/token/", {"username": "officer_a", "password": "wrong"}, format="json").status_code
        for _ in range(3)
    ]
    assert statuses == [400, 400, 429]


@pytest.mark.parametrize(("status", "code"), [(414, "uri_too_long"), (400, "bad_request"), (431, "headers_too_large")])
def test_gunicorns_own_refusals_are_in_the_shape(status, code):
    raw = error_response(status, "Whatever")
    head, _, payload = raw.partition(b"\r\n\r\n")
    assert head.startswith(f"HTTP/1.1 {status} ".encode())
    assert b"Content-Type: application/json" in head
    assert int(head.split(b"Content-Length: ")[1].split(b"\r\n")[0]) == len(payload)
    body = json.loads(payload)
    assert set(body) == SHAPE and body["error"] == code and has_chinese(body["detail"])
