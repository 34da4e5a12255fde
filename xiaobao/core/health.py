"""Health for load balancers and operators: liveness, readiness (docs/deployment.md, "Health endpoints").

- `GET /livez`: the process answers. Touches nothing — no database, no broker, no session, no host check — so
  a restart is only ever asked for when the web process itself is stuck.
- `GET /readyz` (and `/healthz`, its older name): can this node serve requests? 503 only when it cannot, i.e.
  the database does not answer. A broker or cache outage is reported as `degraded` with 200: pages and API
  writes still work (jobs queue once the broker is back), and taking every node out of rotation because the
  shared Redis blinked would turn a partial outage into a total one.

`HealthMiddleware` sits first in MIDDLEWARE and answers these paths itself, before the HTTPS redirect, the
ALLOWED_HOSTS check (probes often address the node by IP) and the session, so a probe never writes anything
and never waits for a lock. The bodies say `ok`/`fail` and an exception's class name, nothing more: no
addresses, no credentials.
"""

from __future__ import annotations

import contextlib

from django.conf import settings
from django.db import connection
from django.http import HttpResponseNotAllowed, JsonResponse
from django.utils.cache import add_never_cache_headers

LIVE_PATHS = {"/livez"}
READY_PATHS = {"/readyz", "/healthz"}
PROBE_TIMEOUT = 2  # seconds for each dependency; a probe must answer before the balancer gives up


def database_status() -> dict:
    try:
        # A probe must not sit out the connection retry that shields requests from a database restart.
        with getattr(connection, "no_connect_retry", contextlib.nullcontext)(), connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return {"ok": True, "vendor": connection.vendor}
    except Exception as exc:  # report, don't raise: health answers must come back
        with contextlib.suppress(Exception):
            connection.close()  # a broken handle must not be reused by the next request
        return {"ok": False, "vendor": connection.vendor, "error": exc.__class__.__name__}


def broker_status() -> dict:
    from kombu import Connection

    url = settings.CELERY_BROKER_URL
    transport = url.split(":", 1)[0]
    try:
        with Connection(url, connect_timeout=PROBE_TIMEOUT) as conn:
            conn.ensure_connection(max_retries=1, timeout=PROBE_TIMEOUT)
        return {"ok": True, "transport": transport}
    except Exception as exc:
        return {"ok": False, "transport": transport, "error": exc.__class__.__name__}


def cache_status() -> dict | None:
    """The shared cache (Redis), when there is one; a per-process cache cannot be down."""
    from django.core.cache import caches

    backend = caches["default"]
    probe = getattr(backend, "reachable", None)
    if probe is None:
        return None
    try:
        probe()
        return {"ok": True}
    except Exception as exc:
        return {"ok": False, "error": exc.__class__.__name__}


def _json(body: dict, status: int) -> JsonResponse:
    response = JsonResponse(body, status=status)
    add_never_cache_headers(response)
    return response


def livez(request):
    """Liveness: the process is up and answering; no dependency is consulted."""
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    return _json({"status": "ok"}, 200)


def readyz(request):
    """Readiness: 200 `ok` or `degraded` (broker or cache down, requests still served), 503 `fail` (no database)."""
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    body = {"database": database_status(), "broker": broker_status()}
    cache = cache_status()
    if cache is not None:
        body["cache"] = cache
    if not body["database"]["ok"]:
        status = "fail"
    elif all(part["ok"] for part in body.values()):
        status = "ok"
    else:
        status = "degraded"
    return _json({"status": status, **body}, 503 if status == "fail" else 200)


class HealthMiddleware:
    """Answers the health paths before anything else runs (see the module docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info in LIVE_PATHS:
            return livez(request)
        if request.path_info in READY_PATHS:
            return readyz(request)
        return self.get_response(request)
