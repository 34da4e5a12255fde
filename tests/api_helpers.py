"""The one set of API test helpers (issues 14 and 16): a token-signed client, the error-shape assertion, URL
builders, and a walker over the URL configuration that the route tests (anonymous walk, permission matrix)
share, so a route added anywhere is seen by all of them.

    from tests.api_helpers import assert_error, token_client, url

    client = token_client(cast.officer_a)
    assert_error(client.post(url(LIST, order.pk, "accept")), 409, codes.WRONG_STATUS)
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

ERROR_KEYS = {"error", "detail", "fields"}


def token_client(user, client_class: type[APIClient] = APIClient) -> APIClient:
    """An API client signed in with a real token, as an integration would be (the user is loaded afresh on
    every request, so roles and scope changed by the test apply)."""
    client = client_class()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture(name="token_client")
def token_client_fixture():
    """The factory as a fixture, for tests that take their helpers as arguments."""
    return token_client


def assert_error(response, status: int, code: str | None = None) -> dict:
    """The API's one error shape ({"error", "detail", "fields"}) with this status and, if given, this code."""
    assert response.status_code == status, (response.status_code, response.content[:500])
    body = response.json()
    assert set(body) == ERROR_KEYS, body
    if code is not None:
        assert body["error"] == code, body
    return body


def url(base: str, pk=None, action: str = "") -> str:
    """`url("/api/v1/plans/", 3, "approve")` -> "/api/v1/plans/3/approve/"; `base` ends with a slash."""
    assert base.endswith("/"), base
    path = base if pk is None else f"{base}{pk}/"
    return path + (f"{action.strip('/')}/" if action else "")


# --- the route walker ---------------------------------------------------------------------------------

SAMPLES = {"int": "1", "slug": "sample", "str": "sample", "path": "sample", "uuid": str(uuid.UUID(int=1))}
_NAMED_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>(?:[^()]|\([^()]*\))*\)")
_CONVERTER = re.compile(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>")


@dataclass(frozen=True)
class Route:
    """One endpoint of the URL configuration: its template ("/complaints/<pk>/accept/"), a sample URL with
    every parameter filled, the parameter names in order, its full name ("complaints:accept") and view."""

    template: str
    sample: str
    params: tuple[str, ...]
    name: str
    pattern: URLPattern

    @property
    def is_api(self) -> bool:
        return self.template.startswith("/api/")

    def fill(self, *values) -> str:
        """The URL with `values` in place of the parameters, in order."""
        assert len(values) == len(self.params), (self.template, values)
        filled = iter(str(v) for v in values)
        return re.sub(r"<(\w+)>", lambda _m: next(filled), self.template)


def _piece(pattern) -> tuple[str, str, list[str]] | None:
    """(template piece, sample piece, parameter names) for one pattern; None for DRF's format-suffix twins."""
    if isinstance(pattern, RoutePattern):
        if "format" in pattern.converters:
            return None  # DRF's ".json" twins resolve to the same view as the plain route
        text = str(pattern)
        names = [m["name"] for m in _CONVERTER.finditer(text)]
        template = _CONVERTER.sub(lambda m: f"<{m['name']}>", text)
        sample = _CONVERTER.sub(lambda m: SAMPLES[m["conv"] or "str"], text)
        return template, sample, names
    if isinstance(pattern, RegexPattern):
        regex = pattern._regex
        if "(?P<format>" in regex:
            return None
        names = [m["name"] for m in _NAMED_GROUP.finditer(regex)]
        clean = regex.lstrip("^").rstrip("$").replace("/?", "/").replace("\\.", ".").replace(".*", "")
        template = _NAMED_GROUP.sub(lambda m: f"<{m['name']}>", clean)
        sample = _NAMED_GROUP.sub("1", clean)  # the catch-all's empty match is still that route
        return template, sample, names
    raise AssertionError(f"unknown pattern type {type(pattern)!r}")


def walk(patterns=None, prefix: str = "/", namespace: str = "", params: tuple[str, ...] = ()) -> Iterator[Route]:
    """Every route of the URL configuration (or of `patterns`), depth first."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        piece = _piece(entry.pattern)
        if piece is None:
            continue
        template, sample, names = piece
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk_resolver(entry, prefix, template, sample, inner, params + tuple(names))
        elif isinstance(entry, URLPattern):
            name = f"{namespace}{entry.name}" if entry.name else ""
            full = prefix + template
            yield Route(full, _sample_prefix(prefix) + sample, params + tuple(names), name, entry)


def _sample_prefix(prefix: str) -> str:
    return re.sub(r"<\w+>", "1", prefix)


def _walk_resolver(resolver, prefix, template, sample, namespace, params):
    yield from walk(resolver.url_patterns, prefix + template, namespace, params)


def routes(prefix: str = "/") -> list[Route]:
    found = [r for r in walk() if r.template.startswith(prefix)]
    assert found, f"no routes found under {prefix}"
    return found


def allowed_methods(callback) -> list[str]:
    """The HTTP methods a DRF view answers (its bound actions, or its handler methods)."""
    actions = getattr(callback, "actions", None)  # a ViewSet bound to method -> action
    if actions:
        return sorted({m.upper() for m in actions} | {"OPTIONS"})
    cls = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    assert cls is not None, f"{callback!r} is not a class-based view; API routes must be DRF views"
    return sorted(m.upper() for m in cls.http_method_names if hasattr(cls, m) and m != "trace")
