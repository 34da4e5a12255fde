"""The pages' htmx calls use the session: unsafe API requests then need the CSRF token."""

from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

URL = "/api/v1/auth/token/"


def session_client(user) -> APIClient:
    client = APIClient(enforce_csrf_checks=True)
    client.get("/accounts/login/")  # the sign-in form sets the CSRF cookie, as in a browser
    client.force_login(user)
    return client


def test_a_session_reads_without_a_csrf_token(cast):
    assert session_client(cast.officer_a).get("/api/v1/core/me/").status_code == 200


def test_a_session_write_without_the_csrf_token_is_refused(cast):
    Token.objects.create(user=cast.officer_a)
    response = session_client(cast.officer_a).delete(URL)
    assert response.status_code == 403
    assert response.json()["error"] == "permission_denied"
    assert "CSRF" in response.json()["detail"]
    assert Token.objects.filter(user=cast.officer_a).exists()


def test_a_session_write_with_the_csrf_token_goes_through(cast):
    Token.objects.create(user=cast.officer_a)
    client = session_client(cast.officer_a)
    csrf = client.cookies["csrftoken"].value
    assert client.delete(URL, HTTP_X_CSRFTOKEN=csrf).status_code == 204
    assert not Token.objects.filter(user=cast.officer_a).exists()


def test_a_token_write_needs_no_csrf_token(cast):
    token = Token.objects.create(user=cast.officer_a)
    client = APIClient(enforce_csrf_checks=True)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.delete(URL).status_code == 204
