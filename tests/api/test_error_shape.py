"""One error shape for every API refusal: {"error": code, "detail": text, "fields": {...}}."""

import pytest
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework.test import APIRequestFactory, force_authenticate
from rest_framework.views import APIView

from xiaobao.core.api_errors import BusinessRuleError, Conflict

SHAPE = {"error", "detail", "fields"}


def assert_shape(response, status: int, error: str) -> dict:
    assert response.status_code == status
    body = response.json() if hasattr(response, "json") else response.data
    assert set(body) == SHAPE
    assert body["error"] == error
    assert isinstance(body["detail"], str) and body["detail"]
    assert isinstance(body["fields"], dict)
    return body


def test_400_validation_names_the_fields(cast, api):
    body = assert_shape(api.post("/api/v1/auth/token/", {}, format="json"), 400, "invalid")
    assert set(body["fields"]) == {"username", "password"}
    assert all(isinstance(m, list) and m for m in body["fields"].values())


def test_401_for_an_anonymous_caller(cast, api):
    response = api.get("/api/v1/core/me/")
    assert_shape(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == "Token"


def test_401_for_a_bad_token(cast, api):
    api.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert_shape(api.get("/api/v1/core/me/"), 401, "authentication_failed")


def test_403_without_permission(cast, client_for):
    assert_shape(client_for(cast.outsider).get("/api/v1/core/users/"), 403, "permission_denied")


def test_404_for_an_unknown_api_path(cast, client_for):
    response = client_for(cast.officer_a).get("/api/v1/core/no-such-thing/")
    assert_shape(response, 404, "not_found")
    assert response["Content-Type"] == "application/json"


def test_405_for_a_method_the_endpoint_lacks(cast, client_for):
    assert_shape(client_for(cast.officer_a).delete("/api/v1/core/me/"), 405, "method_not_allowed")


class _Raises(APIView):
    """A stand-in endpoint: app endpoints raise these from their services (409 is the workflow's stale version)."""

    exc = None

    def post(self, request):
        raise self.exc


@pytest.mark.parametrize(
    ("exc", "status", "error", "fields"),
    [
        (Conflict(), 409, "conflict", {}),
        (BusinessRuleError("task_not_yours", "Not your task.", status_code=409), 409, "task_not_yours", {}),
        (
            BusinessRuleError("too_late", "Deadline passed.", fields={"due": ["past"]}),
            400,
            "too_late",
            {"due": ["past"]},
        ),
        (DjangoValidationError({"mobile": ["bad"]}), 400, "invalid", {"mobile": ["bad"]}),
        (
            DjangoValidationError("whole object bad", code="inconsistent"),
            400,
            "inconsistent",
            {"non_field_errors": ["whole object bad"]},
        ),
        (Http404(), 404, "not_found", {}),
    ],
)
def test_app_exceptions_map_to_the_shape(cast, exc, status, error, fields):
    request = APIRequestFactory().post("/api/v1/x/", {}, format="json")
    force_authenticate(request, user=cast.officer_a)
    response = _Raises.as_view(exc=exc)(request)
    response.render()
    body = assert_shape(response, status, error)
    assert body["fields"] == fields
