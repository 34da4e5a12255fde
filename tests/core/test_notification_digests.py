"""Notifications grouped by module, filtered in the URL, marked read in bulk, and the digest rule: beyond
settings.NOTIFICATION_DIGEST_AFTER notices of one kind for one person within the window, the rest are folded
into one digest notice listing them (nothing dropped, one mail)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from xiaobao.core import selectors, services
from xiaobao.core.models import Notification

AFTER = 3
WINDOW = 60


@pytest.fixture(autouse=True)
def digest_rule(settings):
    settings.NOTIFICATION_DIGEST_AFTER = AFTER
    settings.NOTIFICATION_DIGEST_WINDOW_MINUTES = WINDOW


@pytest.fixture
def login():
    def make(user):
        client = Client()
        client.force_login(user)
        return client

    return make


def overdue(people, n, *, at, kind="workflow.overdue", email=False):
    for i in range(n):
        services.notify(
            recipients=people,
            kind=kind,
            title=f"任务逾期 {i + 1}",
            level="urgent" if i == n - 1 else "warning",
            now=at + timedelta(minutes=i),
            email=email,
            dedupe_key=f"{kind}.{i}.{at.isoformat()}",
        )


def listed(user, **filters):
    return list(selectors.notifications_for(user, filters=filters))


def test_up_to_the_threshold_each_event_is_its_own_notice(cast):
    overdue([cast.officer_a], AFTER, at=timezone.now())
    shown = listed(cast.officer_a)
    assert len(shown) == AFTER and not any(n.is_digest for n in shown)


def test_beyond_the_threshold_the_rest_fold_into_one_digest_listing_them(cast):
    start = timezone.now() - timedelta(hours=2)
    overdue([cast.officer_a, cast.officer_b], AFTER + 4, at=start)
    for person in (cast.officer_a, cast.officer_b):
        shown = listed(person)
        digests = [n for n in shown if n.is_digest]
        assert len(shown) == AFTER + 1 and len(digests) == 1
        digest = digests[0]
        assert digest.digest_size == 4 and digest.kind == "workflow.overdue"
        held = listed(person, digest=digest.pk)
        assert [n.title for n in held] == [f"任务逾期 {i}" for i in range(AFTER + 4, AFTER, -1)]
        assert all(f"任务逾期 {i}" in digest.body for i in range(AFTER + 1, AFTER + 5))
        # it carries the latest event's time and the most urgent level of what it holds
        assert digest.created_at == start + timedelta(minutes=AFTER + 3)
        assert digest.level == "urgent"
        assert str(digest.pk) in digest.url
    assert selectors.unread_notification_count(cast.officer_a) == AFTER + 1
    # nothing dropped: every event is still a row, folded or not
    assert Notification.objects.filter(recipient=cast.officer_a, is_digest=False).count() == AFTER + 4


def test_the_rule_counts_per_kind_and_per_window(cast):
    start = timezone.now() - timedelta(days=1)
    overdue([cast.officer_a], AFTER, at=start)
    overdue([cast.officer_a], AFTER, at=start, kind="workflow.reminder")  # another kind: its own count
    overdue([cast.officer_a], AFTER, at=start + timedelta(minutes=WINDOW + AFTER + 1))  # the window has passed
    assert not any(n.is_digest for n in listed(cast.officer_a))
    assert len(listed(cast.officer_a)) == 3 * AFTER


def test_a_digest_read_is_closed_and_later_events_open_a_new_one(cast):
    start = timezone.now() - timedelta(hours=3)
    overdue([cast.officer_a], AFTER + 1, at=start)
    first = Notification.objects.get(recipient=cast.officer_a, is_digest=True)
    services.notifications_mark_read(user=cast.officer_a, ids=[first.pk])
    assert not Notification.objects.filter(digest=first, read_at__isnull=True).exists()
    overdue([cast.officer_a], 1, at=start + timedelta(minutes=AFTER + 1))
    digests = Notification.objects.filter(recipient=cast.officer_a, is_digest=True)
    assert digests.count() == 2 and digests.exclude(pk=first.pk).get().digest_size == 1


def test_a_digest_is_mailed_once_and_its_notices_are_not(cast):
    cast.officer_a.email = "zhangwei@example.com"
    cast.officer_a.save(update_fields=["email"])
    overdue([cast.officer_a], AFTER + 5, at=timezone.now() - timedelta(hours=1), email=True)
    pending = Notification.objects.filter(recipient=cast.officer_a, email_state=Notification.EmailState.PENDING)
    assert pending.count() == AFTER + 1
    assert pending.filter(is_digest=True).count() == 1


def test_a_repeated_sweep_adds_nothing_to_the_digest(cast):
    start = timezone.now() - timedelta(hours=2)
    overdue([cast.officer_a], AFTER + 2, at=start)
    overdue([cast.officer_a], AFTER + 2, at=start)  # the same events, same keys: a sweep run twice
    digest = Notification.objects.get(recipient=cast.officer_a, is_digest=True)
    assert digest.digest_size == 2
    assert Notification.objects.filter(recipient=cast.officer_a).count() == AFTER + 2 + 1


def test_zero_switches_the_digest_off(cast, settings):
    settings.NOTIFICATION_DIGEST_AFTER = 0
    overdue([cast.officer_a], AFTER + 3, at=timezone.now())
    assert len(listed(cast.officer_a)) == AFTER + 3


def test_the_event_time_is_the_notice_time(cast):
    then = timezone.now() - timedelta(days=40)
    services.notify(recipients=[cast.officer_a], kind="t", title="旧事件", now=then)
    assert Notification.objects.get().created_at == then


def test_groups_count_by_module_and_filters_keep_a_module_or_a_kind(cast):
    now = timezone.now()
    overdue([cast.officer_a], 2, at=now)
    services.notify(recipients=[cast.officer_a], kind="complaints.assigned", title="新投诉", now=now)
    services.notify(recipients=[cast.officer_a], kind="complaints.major", title="重大投诉", level="urgent", now=now)
    services.notify(recipients=[cast.officer_b], kind="reviews.assigned", title="别人的", now=now)
    groups = {g["key"]: g for g in selectors.notification_groups(cast.officer_a)}
    assert set(groups) == {"workflow", "complaints"}
    assert groups["complaints"]["total"] == 2 and groups["complaints"]["urgent"] == 1
    assert selectors.notification_groups(cast.officer_a)[0]["key"] == "complaints"  # urgent first
    assert {n.title for n in listed(cast.officer_a, kind="complaints")} == {"新投诉", "重大投诉"}
    assert {n.title for n in listed(cast.officer_a, kind="complaints.major")} == {"重大投诉"}
    assert listed(cast.officer_a, kind="complaint") == []  # a prefix of a module is not that module


def test_mark_all_read_of_one_module_leaves_the_others(cast):
    now = timezone.now()
    overdue([cast.officer_a], 2, at=now)
    services.notify(recipients=[cast.officer_a, cast.officer_b], kind="complaints.assigned", title="新投诉", now=now)
    assert services.notifications_mark_read(user=cast.officer_a, kind="complaints") == 1
    assert selectors.unread_notification_count(cast.officer_a) == 2
    assert selectors.unread_notification_count(cast.officer_b) == 1


def test_the_page_groups_by_module_and_keeps_filters_in_the_url(cast, login):
    now = timezone.now()
    overdue([cast.officer_a], AFTER + 2, at=now - timedelta(hours=1))
    services.notify(recipients=[cast.officer_a], kind="complaints.assigned", title="新投诉分派", now=now)
    client = login(cast.officer_a)
    html = client.get("/core/notifications/").content.decode()
    assert html.count('data-testid="notification-group"') == 2
    assert 'href="?box=unread&amp;kind=complaints"' in html
    assert 'data-testid="digest-badge"' in html
    only = client.get("/core/notifications/?box=all&kind=complaints").content.decode()
    assert "新投诉分派" in only and "任务逾期" not in only
    digest = Notification.objects.get(is_digest=True)
    held = client.get(f"/core/notifications/?digest={digest.pk}").content.decode()
    assert held.count('data-testid="notification-row"') == 2


def test_the_page_refuses_someone_elses_digest_and_a_garbled_id(cast, login):
    overdue([cast.officer_b], AFTER + 1, at=timezone.now())
    theirs = Notification.objects.get(is_digest=True)
    client = login(cast.officer_a)
    assert client.get(f"/core/notifications/?digest={theirs.pk}").status_code == 404
    assert client.get("/core/notifications/?digest=x").status_code == 404
    assert client.post("/core/notifications/read/", {"id": "x"}).status_code == 400
    assert client.post("/core/notifications/read/", {"id": theirs.pk}).status_code == 302
    assert selectors.unread_notification_count(cast.officer_b) == AFTER + 1


def test_the_page_marks_one_module_read_with_csrf(cast):
    services.notify(recipients=[cast.officer_a], kind="complaints.assigned", title="新投诉")
    services.notify(recipients=[cast.officer_a], kind="workorders.issued", title="新工单")
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.officer_a)
    assert client.post("/core/notifications/read/", {"kind": "complaints"}).status_code == 403  # no token
    page = client.get("/core/notifications/?kind=complaints")
    token = page.cookies["csrftoken"].value
    assert (
        client.post("/core/notifications/read/", {"kind": "complaints", "csrfmiddlewaretoken": token}).status_code
        == 302
    )
    assert [n.kind for n in listed(cast.officer_a, unread=True)] == ["workorders.issued"]


def test_the_api_lists_groups_filters_and_marks_read_like_the_page(cast):
    now = timezone.now()
    overdue([cast.officer_a], AFTER + 2, at=now - timedelta(hours=1))
    services.notify(recipients=[cast.officer_a], kind="complaints.assigned", title="新投诉", now=now)
    api = APIClient()
    api.force_authenticate(cast.officer_a)
    groups = api.get("/api/v1/core/notifications/groups/").json()
    assert {g["key"]: g["total"] for g in groups} == {"workflow": AFTER + 1, "complaints": 1}
    listed_ = api.get("/api/v1/core/notifications/", {"kind": "workflow"}).json()
    rows = listed_["results"] if isinstance(listed_, dict) else listed_
    digest = next(r for r in rows if r["is_digest"])
    assert digest["digest_size"] == 2 and digest["group"] == "workflow"
    held = api.get("/api/v1/core/notifications/", {"digest": digest["id"]}).json()
    assert len(held["results"] if isinstance(held, dict) else held) == 2
    assert (
        api.post("/api/v1/core/notifications/read/", {"kind": "workflow"}, format="json").json()["marked"] == AFTER + 3
    )
    assert [n.kind for n in listed(cast.officer_a, unread=True)] == ["complaints.assigned"]
