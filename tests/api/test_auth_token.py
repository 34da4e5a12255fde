"""POST/DELETE /api/v1/auth/token/: sign in for a token, revoke it; guesses are throttled and locked out."""

import pytest
from rest_framework.authtoken.models import Token

from tests.helpers import PASSWORD
from xiaobao.core.api import TokenObtainThrottle

URL = "/api/v1/auth/token/"
ME = "/api/v1/core/me/"


def test_it_issues_a_token_that_authenticates(cast, api):
    response = api.post(URL, {"username": "officer_a", "password": PASSWORD}, format="json")
    assert response.status_code == 200
    token = response.json()["token"]
    assert Token.objects.get(user=cast.officer_a).key == token
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get(ME).json()["username"] == "officer_a"


def test_it_refuses_a_wrong_password_with_the_error_shape(cast, api):
    response = api.post(URL, {"username": "officer_a", "password": "wrong-password"}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid"
    assert set(body) == {"error", "detail", "fields"}
    assert "non_field_errors" in body["fields"]
    assert not Token.objects.filter(user=cast.officer_a).exists()


def test_it_refuses_an_inactive_user(cast, api):
    cast.officer_a.is_active = False
    cast.officer_a.save()
    response = api.post(URL, {"username": "officer_a", "password": PASSWORD}, format="json")
    assert response.status_code == 400


def test_it_names_missing_fields(cast, api):
    response = api.post(URL, {"username": "officer_a"}, format="json")
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["password"]


def test_delete_revokes_the_token(cast, client_for):
    client = client_for(cast.officer_a)
    assert client.get(ME).status_code == 200
    assert client.delete(URL).status_code == 204
    assert not Token.objects.filter(user=cast.officer_a).exists()
    response = client.get(ME)
    assert response.status_code == 401
    assert response.json()["error"] == "authentication_failed"


def test_delete_requires_a_signed_in_caller(cast, api):
    response = api.delete(URL)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_it_locks_the_account_after_repeated_failures(cast, api, settings):
    wrong = {"username": "officer_a", "password": "wrong-password"}
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert api.post(URL, wrong, format="json").status_code == 400
    assert api.post(URL, wrong, format="json").status_code == 429  # the failure that reaches the limit
    # Now even the right password is refused, in the API's shape (not axes' HTML page).
    response = api.post(URL, {"username": "officer_a", "password": PASSWORD}, format="json")
    assert response.status_code == 429
    assert response.json()["error"] == "locked_out"
    assert not Token.objects.filter(user=cast.officer_a).exists()


def test_it_throttles_guesses_per_client(cast, api, monkeypatch):
    # Throttle classes copy the rates at import, so the test shrinks the class's own table.
    monkeypatch.setattr(TokenObtainThrottle, "THROTTLE_RATES", {"auth_token": "3/min"})
    for username in ["officer_b", "manager", "hq_admin"]:  # different accounts: axes alone would not stop this
        assert api.post(URL, {"username": username, "password": "wrong-password"}, format="json").status_code == 400
    response = api.post(URL, {"username": "officer_a", "password": PASSWORD}, format="json")
    assert response.status_code == 429
    assert response.json()["error"] == "throttled"


@pytest.mark.parametrize("method", ["get", "put", "patch"])
def test_other_methods_are_not_allowed(cast, client_for, method):
    response = getattr(client_for(cast.officer_a), method)(URL)
    assert response.status_code == 405
    assert response.json()["error"] == "method_not_allowed"
