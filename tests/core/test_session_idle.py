"""Browsing is not a write: the idle timeout holds without saving the session on every page view."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from xiaobao.core.sessions import TOUCHED

LOGIN = "/accounts/login/"
WRITES = ("insert", "update", "delete")


@pytest.fixture
def browsing(cast):
    client = Client()
    client.force_login(cast.officer_a)
    return client


def _session_writes(queries) -> list[str]:
    return [q["sql"] for q in queries if "django_session" in q["sql"] and q["sql"].lower().startswith(WRITES)]


def test_page_views_within_the_interval_do_not_write_the_session(browsing):
    # signing in saved the session (and counts as its first extension): the pages after it only read it
    with CaptureQueriesContext(connection) as queries:
        for path in ("/", "/", "/complaints/"):
            assert browsing.get(path).status_code == 200
    assert _session_writes(queries.captured_queries) == []


def test_a_page_view_after_the_interval_extends_the_session_once(browsing, settings):
    key = browsing.session.session_key
    store = SessionStore(session_key=key)
    store[TOUCHED] = int(time.time()) - settings.SESSION_TOUCH_INTERVAL_SECONDS - 1
    store.save()
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() + timedelta(seconds=90))
    with CaptureQueriesContext(connection) as queries:
        browsing.get("/")
        browsing.get("/")
    assert len(_session_writes(queries.captured_queries)) == 1
    expiry = Session.objects.get(session_key=key).expire_date
    assert expiry > timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE - 30)


def test_a_session_idle_past_its_age_still_expires(browsing, settings):
    key = browsing.session.session_key
    # idle: the last extension was a whole age ago, so its expiry has passed
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - timedelta(seconds=1))
    response = browsing.get("/")
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)


def test_an_anonymous_visit_creates_no_session(db):
    with CaptureQueriesContext(connection) as queries:
        Client().get(LOGIN)
    assert _session_writes(queries.captured_queries) == []
    assert Session.objects.count() == 0
