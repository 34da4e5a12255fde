"""The permission matrix (issue 14, point 2): every route of the URL configuration that names an object, pages
and API alike, × anonymous, no permission, another branch, another department, the own unit (and the own
department), head office — each answered as the app's rule says (tests/access_matrix/table.py), and a
refusal writes nothing (no audit entry, no attachment, no row of the named objects' kinds, no field of theirs
changed).

The routes come from the URL resolver and are checked against the OpenAPI schema, so a route added to either
and not classified in the table fails here; a table entry whose route is gone fails too.
"""

from __future__ import annotations

import re

import pytest

from tests.access_matrix.table import KNOWN_GAPS, NOT_OBJECTS, TABLE, Case
from tests.access_matrix.world import PRINCIPALS, client_of
from tests.api_helpers import ERROR_KEYS, Route, allowed_methods, routes

REFUSED = {401, 403, 404}
# Principals with the same role, one inside the object's scope and one outside it (another branch, another
# department): when the rule lets the first in, the second is refused for scope alone.
PEERS = {"officer_b": "officer_a", "clerk_other": "clerk_own"}


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


def test_every_schema_path_with_a_parameter_is_a_classified_route(openapi):
    """The OpenAPI schema is what integrators read: each of its object paths is a route the matrix checks."""
    schema = openapi
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


def _value(world, key: str):
    if key.startswith("="):
        return key[1:]
    obj = getattr(world, key)
    if key.endswith("version") and hasattr(obj, "number"):
        return obj.number  # versions are addressed by their number within the document or rule
    return obj.pk


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


def _state(world, case: Case) -> tuple:
    """What a refused caller must leave as it was: the audit trail, the attachments, and every field of the
    objects the route names and the number of their kind (a refusal that wrote a row, moved a status or bumped
    a version shows here)."""
    from xiaobao.core.models import Attachment, AuditEntry

    rows = [AuditEntry.objects.count(), Attachment.objects.count()]
    for key in case.fill:
        if key.startswith("="):
            continue
        obj = getattr(world, key)
        model = type(obj)
        fresh = model._base_manager.filter(pk=obj.pk).first()  # None once deleted by one who may
        rows.append(model._base_manager.count())
        rows.append(fresh and {f.attname: getattr(fresh, f.attname) for f in fresh._meta.concrete_fields})
    return tuple(rows)


@pytest.mark.parametrize(("name", "index"), CASES)
def test_route_answers_as_the_rule_says(world, db, name, index):
    route, case = ROUTES[name], TABLE[name][index]
    assert isinstance(case, Case)
    target = route.fill(*(_value(world, key) for key in case.fill))
    method = _method(route, case)
    wrong = []
    state = _state(world, case)
    # the six principals, then anyone else the rule names (a reviewer, an inspector); the refused come first,
    # so an action let through cannot change the object's state before a refusal is checked
    extras = sorted(case.may - set(PRINCIPALS))
    for principal in (*PRINCIPALS, *extras):
        if principal == "anonymous" and route.is_api:
            continue  # every API route refuses an anonymous caller: tests/api/test_anonymous_route_walk.py
        client = client_of(world, principal, route.is_api)
        response = client.generic(method, target) if route.is_api else getattr(client, method.lower())(target)
        assert response.status_code < 500, f"{principal} {method} {target}: {response.status_code}"
        refused = _refused(response, principal, route.is_api)
        expected_refused = principal not in case.may
        if refused != expected_refused:
            wrong.append(f"{principal}: {response.status_code}")
        elif refused and PEERS.get(principal) in case.may and response.status_code != 404:
            # the same role lets its holder in on its own unit's (department's) object: refused here for scope
            # alone, so the object is not there for them (404), never "you may not" (403)
            wrong.append(f"{principal}: {response.status_code}, not 404 as outside the scope")
        if refused and route.is_api and response.status_code != 401:
            body = response.json()
            if set(body) != ERROR_KEYS or (response.status_code == 404 and body["error"] != "not_found"):
                wrong.append(f"{principal}: {response.status_code} not in the error shape: {body}")
        after = _state(world, case)
        if refused and after != state:
            wrong.append(f"{principal}: refused with {response.status_code} but wrote")
        state = after
    assert not wrong, f"{method} {target} ({name}) may={sorted(case.may)}: {wrong}"
