"""In-app notifications: idempotent sending, masking, each user sees and marks only their own."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.test import APIClient

from xiaobao.core import selectors, services
from xiaobao.core.models import Notification


@pytest.fixture
def login():
    def make(user):
        client = Client()
        client.force_login(user)
        return client

    return make


def test_the_same_dedupe_key_notifies_each_person_once(cast):
    people = [cast.officer_a, cast.officer_b]
    assert services.notify(recipients=people, kind="t", title="到期提醒", dedupe_key="k1") == 2
    assert services.notify(recipients=people, kind="t", title="到期提醒", dedupe_key="k1") == 0
    assert services.notify(recipients=[*people, cast.hq_admin], kind="t", title="到期提醒", dedupe_key="k1") == 1
    assert Notification.objects.count() == 3


def test_without_a_key_every_call_notifies(cast):
    services.notify(recipients=[cast.officer_a], kind="t", title="a")
    services.notify(recipients=[cast.officer_a], kind="t", title="a")
    assert Notification.objects.filter(recipient=cast.officer_a).count() == 2


def test_inactive_people_are_not_notified(cast):
    cast.officer_b.is_active = False
    cast.officer_b.save()
    assert services.notify(recipients=[cast.officer_a, cast.officer_b], kind="t", title="a") == 1


def test_personal_data_in_the_text_is_masked(cast):
    services.notify(recipients=[cast.officer_a], kind="t", title="客户 13812345678", body="身份证 110101199003071234")
    note = Notification.objects.get()
    assert "13812345678" not in note.title and "138****5678" in note.title
    assert "110101199003071234" not in note.body


def test_marking_read_touches_only_my_own(cast):
    services.notify(recipients=[cast.officer_a, cast.officer_b], kind="t", title="a")
    theirs = Notification.objects.get(recipient=cast.officer_b)
    assert services.notifications_mark_read(user=cast.officer_a, ids=[theirs.pk]) == 0
    assert services.notifications_mark_read(user=cast.officer_a) == 1
    assert selectors.unread_notification_count(cast.officer_a) == 0
    assert selectors.unread_notification_count(cast.officer_b) == 1


def test_the_page_lists_only_my_notifications_and_the_badge_counts_them(cast, login):
    services.notify(recipients=[cast.officer_a], kind="t", title="给张伟的提醒")
    services.notify(recipients=[cast.officer_b], kind="t", title="给刘洋的提醒")
    html = login(cast.officer_a).get("/core/notifications/").content.decode()
    assert "给张伟的提醒" in html and "给刘洋的提醒" not in html
    assert html.count('data-testid="notification-row"') == 1


def test_the_page_marks_one_read(cast, login):
    services.notify(recipients=[cast.officer_a], kind="t", title="a")
    note = Notification.objects.get()
    client = login(cast.officer_a)
    assert client.get("/core/notifications/read/").status_code == 405
    assert client.post("/core/notifications/read/", {"id": note.pk}).status_code == 302
    note.refresh_from_db()
    assert note.read_at is not None


def test_the_page_redirects_anonymous_visitors(db):
    assert Client().get("/core/notifications/").status_code == 302
    assert Client().post("/core/notifications/read/").status_code == 302


def test_the_api_lists_mine_and_marks_them_read(cast):
    services.notify(recipients=[cast.officer_a], kind="t", title="a")
    services.notify(recipients=[cast.officer_b], kind="t", title="b")
    api = APIClient()
    api.force_authenticate(cast.officer_a)
    listed = api.get("/api/v1/core/notifications/", {"unread": "true"}).json()
    assert [n["title"] for n in listed["results"]] == ["a"]
    assert api.post("/api/v1/core/notifications/read/", {}, format="json").json() == {"marked": 1}
    assert api.get("/api/v1/core/notifications/", {"unread": "true"}).json()["count"] == 0


def test_the_api_refuses_a_bad_ids_list(cast):
    api = APIClient()
    api.force_authenticate(cast.officer_a)
    response = api.post("/api/v1/core/notifications/read/", {"ids": ["x"]}, format="json")
    assert response.status_code == 400
    assert "ids" in response.json()["fields"]


def test_email_goes_out_once_from_the_worker_to_people_with_an_address(cast, mailoutbox, settings):
    settings.SITE_URL = "https://xiaobao.example.com"
    cast.officer_a.email = "zhangwei@example.com"
    cast.officer_a.save()
    services.notify(
        recipients=[cast.officer_a, cast.officer_b], kind="t", title="工单已逾期", url="/workorders/1/", email=True
    )
    assert mailoutbox == []  # nothing is mailed inside the request
    assert services.notifications_send_emails() == {"sent": 1, "failed": 0}
    assert services.notifications_send_emails() == {"sent": 0, "failed": 0}
    assert [m.to for m in mailoutbox] == [["zhangwei@example.com"]]
    assert "工单已逾期" in mailoutbox[0].subject
    assert "https://xiaobao.example.com/workorders/1/" in mailoutbox[0].body


def test_a_failing_mail_server_marks_the_row_failed_and_goes_on(cast, monkeypatch):
    cast.officer_a.email = "a@example.com"
    cast.officer_a.save()
    cast.officer_b.email = "b@example.com"
    cast.officer_b.save()
    services.notify(recipients=[cast.officer_a, cast.officer_b], kind="t", title="x", email=True)
    calls = []

    def flaky(**kwargs):
        calls.append(kwargs["recipient_list"])
        if len(calls) == 1:
            raise OSError("connection refused")

    monkeypatch.setattr("django.core.mail.send_mail", flaky)
    assert services.notifications_send_emails() == {"sent": 1, "failed": 1}
    assert Notification.objects.filter(email_state="failed").count() == 1
