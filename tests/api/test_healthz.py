"""/healthz: database and broker reachability for load balancers; 503 when either fails."""

import os

import pytest
from django.db.utils import OperationalError


def test_it_reports_ok_on_the_embedded_stack(db, client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["broker"] == {"ok": True, "transport": "sqla+sqlite"}
    assert "no-cache" in response["Cache-Control"]


def test_an_unreachable_broker_is_a_503(db, client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail"
    assert body["broker"]["ok"] is False
    assert body["broker"]["transport"] == "redis"
    assert body["database"]["ok"] is True


def test_a_failing_database_is_a_503(db, client, monkeypatch):
    class DownDatabase:
        vendor = "postgresql"

        def cursor(self):
            raise OperationalError("connection refused")

    # Only the health view's handle is swapped; the test's own database stays usable.
    monkeypatch.setattr("xiaobao.core.views.connection", DownDatabase())
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == {"ok": False, "vendor": "postgresql", "error": "OperationalError"}


def test_it_does_not_leak_the_broker_address(db, client, settings):
    settings.CELERY_BROKER_URL = "redis://:s3cret-pass@127.0.0.1:1/0"
    assert b"s3cret-pass" not in client.get("/healthz").content


def test_it_answers_only_get(db, client):
    assert client.post("/healthz").status_code == 405


@pytest.mark.redis
def test_it_reports_ok_against_a_real_redis_broker(db, client, settings):
    settings.CELERY_BROKER_URL = os.environ["TEST_REDIS_URL"]
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["broker"] == {"ok": True, "transport": "redis"}
