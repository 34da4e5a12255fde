"""Signing in on the page: lockout after failed attempts, the password rules, the idle session timeout."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from tests.helpers import PASSWORD

LOGIN = "/accounts/login/"


def attempt(client: Client, username: str, password: str):
    return client.post(LOGIN, {"username": username, "password": password})


def test_the_right_password_signs_in(cast):
    client = Client()
    response = attempt(client, "officer_a", PASSWORD)
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_repeated_failures_lock_the_account_even_against_the_right_password(cast, settings):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert attempt(client, "officer_a", "wrong-password").status_code == 200  # the form again, with an error
    assert attempt(client, "officer_a", "wrong-password").status_code == 429  # the last allowed failure locks
    response = attempt(client, "officer_a", PASSWORD)
    assert response.status_code == 429
    assert "锁定" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_failures_below_the_limit_do_not_lock(cast, settings):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        attempt(client, "officer_a", "wrong-password")
    assert attempt(client, "officer_a", PASSWORD).status_code == 302


def test_a_lockout_is_per_account(cast, settings):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "officer_a", "wrong-password")
    assert attempt(Client(), "officer_b", PASSWORD).status_code == 302


@pytest.mark.parametrize(
    "password",
    [
        "Ab1!",  # too short
        "1234567890123",  # numbers only
        "password123",  # common
        "abcdefghijkl",  # one character class
        "abcdefgh1234",  # two classes
    ],
)
def test_weak_passwords_are_refused(cast, password):
    with pytest.raises(ValidationError):
        validate_password(password, cast.officer_a)


def test_a_password_like_the_username_is_refused(cast):
    with pytest.raises(ValidationError):
        validate_password("Officer_a2026", cast.officer_a)


def test_a_long_password_of_three_classes_is_accepted(cast):
    validate_password("Xiaobao-Audit-2026", cast.officer_a)  # raises if refused


def test_an_idle_session_expires(cast, settings):
    client = Client()
    client.force_login(cast.officer_a)
    assert client.get("/").status_code == 200
    # the session's expiry moves with requests (core.sessions); simulate idleness past it
    key = client.session.session_key
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_a_request_after_the_touch_interval_extends_the_session(cast, settings):
    settings.SESSION_TOUCH_INTERVAL_SECONDS = 0  # every request is past it (core.sessions)
    client = Client()
    client.force_login(cast.officer_a)
    key = client.session.session_key
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() + timedelta(seconds=60))
    client.get("/")
    expiry = Session.objects.get(session_key=key).expire_date
    assert expiry > timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE - 60)
