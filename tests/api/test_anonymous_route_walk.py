"""Every route under /api/v1/, every method it allows, as an anonymous caller: 401 or 403, never 200 or 500.

Routes are discovered from the URL resolver, so endpoints other apps add later are covered
without touching this file. A route shape the walker cannot fill in fails loudly.
"""

from __future__ import annotations

import pytest
from django.urls import resolve

from tests.api_helpers import SAMPLES, allowed_methods, routes, walk

PREFIX = "/api/v1/"
# Routes an anonymous caller may reach on purpose: route name -> {method: expected status}.
PUBLIC = {
    "api-auth-token": {"POST": 400},  # signing in; an empty body is a field error (DELETE still needs a caller)
    "api-not-found": None,  # any method: the API's 404
}


def api_routes():
    return [(r.sample, r.pattern) for r in routes(PREFIX)]


CASES = [
    pytest.param(url, method, pattern, id=f"{method} {url}")
    for url, pattern in api_routes()
    for method in allowed_methods(pattern.callback)
]


def test_the_walk_sees_the_known_routes():
    urls = {url for url, _ in api_routes()}
    assert {"/api/v1/auth/token/", "/api/v1/core/me/", "/api/v1/core/org-units/", "/api/v1/core/users/"} <= urls


@pytest.mark.parametrize(("url", "method", "pattern"), CASES)
def test_anonymous_callers_are_refused(db, api, url, method, pattern):
    match = resolve(url)
    assert match.func is pattern.callback, f"sample URL {url} resolved to another view ({match.view_name})"
    response = api.generic(method, url, data="{}", content_type="application/json")
    assert response.status_code != 500
    if pattern.name in PUBLIC:
        expected = PUBLIC[pattern.name]
        assert response.status_code == (404 if expected is None else expected.get(method, 401))
        return
    assert response.status_code in (401, 403), f"{method} {url} answered {response.status_code} to an anonymous caller"
    if method != "HEAD":
        assert response.json()["error"] in {"not_authenticated", "permission_denied"}
    if response.status_code == 401:
        assert response["WWW-Authenticate"]


def test_the_walker_fills_in_router_and_converter_routes():
    """The walker must keep working when an app registers a DRF router or typed path parameters."""
    from django.urls import path
    from rest_framework import viewsets
    from rest_framework.routers import DefaultRouter

    class Things(viewsets.ViewSet):
        def list(self, request): ...
        def retrieve(self, request, pk=None): ...

    router = DefaultRouter()
    router.register("things", Things, basename="thing")
    patterns = [*router.urls, path("tasks/<int:pk>/<uuid:key>/", Things.as_view({"get": "list"}))]
    urls = {r.sample for r in walk(patterns, "/x/")}
    assert {"/x/things/", "/x/things/1/", f"/x/tasks/1/{SAMPLES['uuid']}/"} <= urls
    assert not any("(" in url or "<" in url or "\\" in url for url in urls)
