"""ui.api_actions: the action endpoint shape the work order, complaint and review APIs share.

A toy app base over an in-memory object shows the machinery (scope, permission, input, refusal, answer); the
project's schema shows what `action_schema` documents for the real apps.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.http import Http404
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory, force_authenticate

from xiaobao.core.api_errors import BusinessRuleError
from xiaobao.ui.api_actions import ObjectActionApi, VersionInput, action_schema

THINGS: dict[int, dict] = {}


class _ThingActionApi(ObjectActionApi):
    """Toy app base: things 1..9 exist, in everyone's scope."""

    required_permission = "things.view_thing"
    detail_output = serializers.Serializer

    def find(self, request, pk: int):
        if pk not in THINGS:
            raise Http404
        return THINGS[pk]

    def answer(self, request, thing):
        return Response(dict(thing))


class RenameApi(_ThingActionApi):
    class InputSerializer(VersionInput):
        name = serializers.CharField(max_length=10)

    def act(self, request, thing, data):
        name = data.get("name", thing["name"])  # absent only from a partial action
        if name == "taken":
            raise BusinessRuleError("things.taken", "已被占用。", fields={"name": ["things.taken"]}, status_code=409)
        thing["name"] = name
        thing["version_seen"] = data.get("version")


class PatchApi(RenameApi):
    partial = True


class User(SimpleNamespace):
    is_authenticated = True

    def has_perm(self, perm):
        return perm in self.perms


@pytest.fixture(autouse=True)
def things(db):  # db: an action runs in a transaction, so its answer is built before anything commits
    THINGS.clear()
    THINGS[1] = {"id": 1, "name": "old"}
    yield THINGS
    THINGS.clear()


def _post(view, pk, data, perms=("things.view_thing",)):
    request = APIRequestFactory().post(f"/things/{pk}/rename/", data, format="json")
    force_authenticate(request, user=User(pk=1, perms=set(perms)))
    return view.as_view()(request, pk=pk)


def test_an_action_validates_calls_its_act_and_answers_the_object_read_again():
    response = _post(RenameApi, 1, {"name": "new", "version": 4})
    assert response.status_code == 200
    assert response.data == {"id": 1, "name": "new", "version_seen": 4}


def test_bad_input_is_a_400_in_the_api_error_shape_and_acts_on_nothing():
    response = _post(RenameApi, 1, {"name": "much too long a name", "version": 0})
    assert response.status_code == 400
    assert response.data["error"] == "invalid"
    assert set(response.data["fields"]) == {"name", "version"}
    assert THINGS[1]["name"] == "old"


def test_a_refusal_keeps_its_code_and_status():
    response = _post(RenameApi, 1, {"name": "taken"})
    assert response.status_code == 409
    assert response.data == {"error": "things.taken", "detail": "已被占用。", "fields": {"name": ["things.taken"]}}


def test_an_object_outside_scope_is_404():
    assert _post(RenameApi, 5, {"name": "new"}).status_code == 404


def test_without_the_permission_it_is_403_and_nothing_changes():
    assert _post(RenameApi, 1, {"name": "new"}, perms=()).status_code == 403
    assert THINGS[1]["name"] == "old"


def test_a_partial_action_keeps_what_is_not_given():
    assert _post(RenameApi, 1, {}).status_code == 400
    response = _post(PatchApi, 1, {})
    assert response.status_code == 200 and response.data["name"] == "old"


def test_the_schema_fallback_body_is_the_actions_own_input():
    assert RenameApi.serializer_class is RenameApi.InputSerializer
    assert ObjectActionApi.serializer_class is VersionInput


def test_action_schema_documents_only_the_decorated_action():
    @action_schema("Rename it", "Names are short.")
    class DocumentedApi(RenameApi):
        pass

    assert "schema" in DocumentedApi.post.kwargs
    # the base's method was not decorated in place: the other actions keep their own documentation
    assert "post" not in RenameApi.__dict__
    assert "schema" not in getattr(ObjectActionApi.post, "kwargs", {})


# --- the apps, as the schema shows them ----------------------------------------------------------------


@pytest.fixture
def schema(db, client):
    return client.get("/api/schema/?format=json").json()


def _op(schema, path):
    return schema["paths"][path]["post"]


def test_each_apps_actions_answer_their_own_detail_and_refusals(schema):
    order = _op(schema, "/api/v1/workorders/{id}/refuse/")
    assert order["summary"] == "Refuse the order (recipient)"
    assert order["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/RefuseInput")
    assert order["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/WorkOrderDetailOutput")
    assert {"200", "400", "403", "404", "409"} <= set(order["responses"])
    complaint = _op(schema, "/api/v1/complaints/{id}/accept/")
    assert complaint["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/ComplaintVersionInput")
    assert complaint["responses"]["404"]["description"] == "No such complaint in the caller's scope"


def test_an_action_without_a_description_takes_its_apps_base_docstring(schema):
    assert _op(schema, "/api/v1/workorders/{id}/review/")["description"].startswith(
        "Shared shape of the actions: find the order in scope"
    )
    assert _op(schema, "/api/v1/reviews/{id}/withdraw/")["description"].startswith(
        "Shared shape of the actions: find the review in scope"
    )


def test_an_action_documented_without_a_body_has_none(schema):
    assert "requestBody" not in _op(schema, "/api/v1/reviews/{id}/verification/")
