"""Health for load balancers: /livez (no dependencies), /readyz and /healthz (503 only without a database)."""

import os

import pytest
from django.db.utils import OperationalError

from xiaobao.core import health


def test_liveness_answers_without_touching_the_database(client):
    # No `db` fixture: pytest-django fails any query here, so a 200 proves liveness has no dependency.
    response = client.get("/livez")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_liveness_answers_a_probe_that_addresses_the_node_by_ip(client):
    # Balancers probe 10.x.y.z:8000 with that as Host; ALLOWED_HOSTS would refuse it with 400 elsewhere.
    assert client.get("/livez", HTTP_HOST="10.1.2.3:8000").status_code == 200


def test_readiness_reports_ok_on_the_embedded_stack(db, client):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["broker"] == {"ok": True, "transport": "sqla+sqlite"}
    assert "no-cache" in response["Cache-Control"]


def test_an_unreachable_broker_is_degraded_but_ready(db, client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["broker"]["ok"] is False
    assert body["broker"]["transport"] == "redis"
    assert body["database"]["ok"] is True


def test_an_unreachable_cache_is_degraded_but_ready(db, client, settings):
    from django.core.cache import caches

    settings.CACHES = {
        "default": {"BACKEND": "xiaobao.core.cache.ResilientRedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    }
    caches._settings = None
    try:
        if hasattr(caches._connections, "default"):
            del caches._connections.default
        response = client.get("/readyz")
    finally:
        if hasattr(caches._connections, "default"):
            del caches._connections.default
    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["cache"]["ok"] is False


class DownDatabase:
    vendor = "postgresql"

    def cursor(self):
        raise OperationalError("connection refused")

    def close(self):
        pass


def test_a_failing_database_is_not_ready(db, client, monkeypatch):
    # Only the health module's handle is swapped; the test's own database stays usable.
    monkeypatch.setattr(health, "connection", DownDatabase())
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail"
    assert body["database"] == {"ok": False, "vendor": "postgresql", "error": "OperationalError"}


def test_liveness_stays_up_while_the_database_is_down(db, client, monkeypatch):
    monkeypatch.setattr(health, "connection", DownDatabase())
    assert client.get("/livez").status_code == 200


def test_healthz_is_readiness_under_its_older_name(db, client, settings, monkeypatch):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    assert client.get("/healthz").json()["status"] == "degraded"
    monkeypatch.setattr(health, "connection", DownDatabase())
    assert client.get("/healthz").status_code == 503


def test_it_does_not_leak_the_broker_address(db, client, settings):
    settings.CELERY_BROKER_URL = "redis://:s3cret-pass@127.0.0.1:1/0"
    for path in ("/readyz", "/healthz"):
        assert b"s3cret-pass" not in client.get(path).content


def test_probes_write_no_session(db, client):
    response = client.get("/readyz")
    assert "sessionid" not in response.cookies


@pytest.mark.parametrize("path", ["/livez", "/readyz", "/healthz"])
def test_it_answers_only_get(db, client, path):
    assert client.post(path).status_code == 405


@pytest.mark.redis
def test_it_reports_ok_against_a_real_redis_broker(db, client, settings):
    settings.CELERY_BROKER_URL = os.environ["TEST_REDIS_URL"]
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["broker"] == {"ok": True, "transport": "redis"}
