"""Every route under /api/v1/, every method it allows, as an anonymous caller: 401 or 403, never 200 or 500.

Routes are discovered from the URL resolver, so endpoints other apps add later are covered
without touching this file. A route shape the walker cannot fill in fails loudly.
"""

from __future__ import annotations

import re
import uuid

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.resolvers import RegexPattern, RoutePattern

PREFIX = "/api/v1/"
# Routes an anonymous caller may reach on purpose: route name -> {method: expected status}.
PUBLIC = {
    "api-auth-token": {"POST": 400},  # signing in; an empty body is a field error (DELETE still needs a caller)
    "api-not-found": None,  # any method: the API's 404
}
SAMPLES = {"int": "1", "slug": "sample", "str": "sample", "path": "sample", "uuid": str(uuid.UUID(int=1))}
_NAMED_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>(?:[^()]|\([^()]*\))*\)")


def _route_piece(pattern) -> str | None:
    """A concrete URL piece for one pattern, or None for format-suffix duplicates."""
    if isinstance(pattern, RoutePattern):
        if "format" in pattern.converters:
            return None  # DRF's ".json" twins resolve to the same view as the plain route
        return re.sub(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>", lambda m: SAMPLES[m["conv"] or "str"], str(pattern))
    if isinstance(pattern, RegexPattern):
        regex = pattern._regex
        if "(?P<format>" in regex:
            return None  # DRF's ".json" twins resolve to the same view as the plain route
        piece = _NAMED_GROUP.sub("1", regex).lstrip("^").rstrip("$").replace("/?", "/").replace("\\.", ".")
        return piece.replace(".*", "")  # the catch-all: its empty match is still that route
    raise AssertionError(f"unknown pattern type {type(pattern)!r}")


def _walk(patterns, prefix: str):
    for entry in patterns:
        piece = _route_piece(entry.pattern)
        if piece is None:
            continue
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + piece)
        elif isinstance(entry, URLPattern):
            yield prefix + piece, entry


def api_routes() -> list[tuple[str, URLPattern]]:
    routes = [(url, p) for url, p in _walk(get_resolver().url_patterns, "/") if url.startswith(PREFIX)]
    assert routes, "no routes found under /api/v1/"
    return routes


def allowed_methods(callback) -> list[str]:
    actions = getattr(callback, "actions", None)  # a ViewSet bound to method -> action
    if actions:
        return sorted({m.upper() for m in actions} | {"OPTIONS"})
    cls = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    assert cls is not None, f"{callback!r} is not a class-based view; API routes must be DRF views"
    return sorted(m.upper() for m in cls.http_method_names if hasattr(cls, m) and m != "trace")


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
    urls = {url for url, _ in _walk(patterns, "/x/")}
    assert {"/x/things/", "/x/things/1/", f"/x/tasks/1/{SAMPLES['uuid']}/"} <= urls
    assert not any("(" in url or "<" in url or "\\" in url for url in urls)
