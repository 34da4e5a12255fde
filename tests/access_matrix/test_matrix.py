"""The permission matrix (issue 14, point 2): every route of the URL configuration that names an object, pages
and API alike, × anonymous, no permission, another branch, another department, the own unit (and the own
department), head office — each answered as the app's rule says (tests/access_matrix/table.py).

The routes come from the URL resolver and are checked against the OpenAPI schema, so a route added to either
and not classified in the table fails here; a table entry whose route is gone fails too.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client
from rest_framework.test import APIClient

from tests.access_matrix.table import KNOWN_GAPS, NOT_OBJECTS, TABLE, Case
from tests.access_matrix.world import PRINCIPALS, world_for_module
from tests.api_helpers import Route, allowed_methods, routes, token_client

REFUSED = {401, 403, 404}


def object_routes() -> dict[str, Route]:
    found = {}
    for route in routes("/"):
        if not route.params or route.template.startswith("/admin/"):
            continue  # Django's admin has its own permission checks and tests
        assert route.name, f"{route.template} has no name: the matrix cannot classify it"
        found[route.name] = route
    return found


ROUTES = object_routes()


def test_every_route_with_an_object_is_classified():
    unclassified = sorted(set(ROUTES) - set(TABLE) - set(NOT_OBJECTS))
    assert not unclassified, f"routes not in the permission matrix (tests/access_matrix/table.py): {unclassified}"
    stale = sorted((set(TABLE) | set(NOT_OBJECTS)) - set(ROUTES))
    assert not stale, f"matrix entries for routes that no longer exist: {stale}"


def test_every_schema_path_with_a_parameter_is_a_classified_route():
    """The OpenAPI schema is what integrators read: each of its object paths is a route the matrix checks."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    api_templates = [
        (
            re.compile(
                "^" + re.sub(r"<\w+>", "[^/]+", re.escape(r.template).replace(r"\<", "<").replace(r"\>", ">")) + "$"
            ),
            name,
        )
        for name, r in ROUTES.items()
        if r.is_api
    ]
    missing = []
    for path in schema["paths"]:
        if "{" not in path:
            continue
        sample = re.sub(r"\{\w+\}", "1", path)
        names = [name for regex, name in api_templates if regex.match(sample)]
        if not any(name in TABLE for name in names):
            missing.append(path)
    assert not missing, f"schema paths with no classified route: {missing}"


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """One world for the module, rolled back at its end; each test runs in a savepoint inside it."""
    with world_for_module(django_db_blocker, str(tmp_path_factory.mktemp("matrix-media"))) as built:
        sign_in_everyone(built)
        yield built


def _value(world, key: str):
    if key.startswith("="):
        return key[1:]
    obj = getattr(world, key)
    if key.endswith("version") and hasattr(obj, "number"):
        return obj.number  # versions are addressed by their number within the document or rule
    return obj.pk


def _client(world, principal: str, api: bool):
    """One client per principal and kind for the module (their sessions and tokens live in the world)."""
    key = (principal, api)
    if key not in world.clients:
        if principal == "anonymous":
            world.clients[key] = APIClient() if api else Client()
        elif api:
            world.clients[key] = token_client(getattr(world, principal))
        else:
            world.clients[key] = Client()
            world.clients[key].force_login(getattr(world, principal))
    return world.clients[key]


def sign_in_everyone(world) -> None:
    """Every principal's page and API client, made before any test (a test's savepoint would undo them)."""
    people = set(PRINCIPALS) | {p for cases in TABLE.values() for case in cases for p in case.may}
    for principal in sorted(people):
        for api in (False, True):
            _client(world, principal, api)


def _method(route: Route, case: Case) -> str:
    """The case's method; an API write route that takes no POST is asked with the write method it takes."""
    if not route.is_api or case.method == "GET":
        return case.method
    allowed = allowed_methods(route.pattern.callback)
    for method in ("POST", "PATCH", "PUT", "DELETE"):
        if method in allowed:
            return method
    raise AssertionError(f"{route.template} takes no write method: classify it as a read")


def _refused(response, principal: str, api: bool) -> bool:
    if response.status_code in REFUSED:
        return True
    if principal == "anonymous" and not api and response.status_code == 302:
        return "/accounts/login/" in response["Location"]
    return False


CASES = [
    pytest.param(
        name,
        index,
        id=f"{name}[{index}]",
        marks=[pytest.mark.xfail(reason=KNOWN_GAPS[f"{name}[{index}]"], strict=True)]
        if f"{name}[{index}]" in KNOWN_GAPS
        else [],
    )
    for name in sorted(TABLE)
    for index in range(len(TABLE[name]))
    if name in ROUTES
]


@pytest.mark.parametrize(("name", "index"), CASES)
def test_route_answers_as_the_rule_says(world, db, name, index):
    route, case = ROUTES[name], TABLE[name][index]
    assert isinstance(case, Case)
    target = route.fill(*(_value(world, key) for key in case.fill))
    method = _method(route, case)
    wrong = []
    # the six principals, then anyone else the rule names (a reviewer, an inspector); the refused come first,
    # so an action let through cannot change the object's state before a refusal is checked
    extras = sorted(case.may - set(PRINCIPALS))
    for principal in (*PRINCIPALS, *extras):
        if principal == "anonymous" and route.is_api:
            continue  # every API route refuses an anonymous caller: tests/api/test_anonymous_route_walk.py
        client = _client(world, principal, route.is_api)
        response = client.generic(method, target) if route.is_api else getattr(client, method.lower())(target)
        assert response.status_code < 500, f"{principal} {method} {target}: {response.status_code}"
        refused = _refused(response, principal, route.is_api)
        expected_refused = principal not in case.may
        if refused != expected_refused:
            wrong.append(f"{principal}: {response.status_code}")
    assert not wrong, f"{method} {target} ({name}) may={sorted(case.may)}: {wrong}"
