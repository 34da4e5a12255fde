"""Complaint list page: tabs, filters, badges, its query count, navigation and statistics period, and the
detail page's layout.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.complaints.pages.conftest import page_of
from xiaobao.complaints.models import Complaint

# --- list ----------------------------------------------------------------------------------------------


def test_the_list_tabs_and_filters(cast, as_user, register):
    late = register(subject="逾期的投诉", received_at=timezone.now() - timedelta(days=40))
    fresh = register(subject="新的投诉", complainant_phone="13700000001", complainant_id_number="")
    theirs = register(subject="河北的投诉", org_unit=cast.branch_b, complainant_phone="13700000002")
    a = as_user(cast.officer_a)
    todo = a.get("/complaints/").content.decode()
    assert late.number in todo and fresh.number in todo and theirs.number not in todo
    overdue = a.get("/complaints/?box=overdue").content.decode()
    assert late.number in overdue and fresh.number not in overdue
    assert 'data-testid="overdue-badge"' in overdue
    html = a.get("/complaints/?box=all&q=新的").content.decode()
    assert fresh.number in html and late.number not in html
    assert 'data-testid="due-countdown"' in html
    html = as_user(cast.hq_admin).get(f"/complaints/?box=all&org_unit={cast.branch_b.pk}").content.decode()
    assert theirs.number in html and fresh.number not in html


def test_the_list_shows_repeat_and_major_badges_and_links_repeats(cast, as_user, register):
    first = register()
    again = register(subject="再次投诉退保问题")
    again.refresh_from_db()
    if not again.is_repeat:  # the repeat rule belongs to the services; the badge shows whatever it decided
        Complaint.objects.filter(pk=again.pk).update(is_repeat=True, repeat_of=first)
    Complaint.objects.filter(pk=first.pk).update(is_major=True, major_reasons=["群体性投诉"])
    client = as_user(cast.officer_a)
    html = client.get("/complaints/?box=all&is_repeat=1").content.decode()
    assert again.number in html and 'data-testid="repeat-badge"' in html
    html = client.get("/complaints/?box=all&is_major=1").content.decode()
    assert first.number in html and 'data-testid="major-badge"' in html and again.number not in html
    assert f'data-testid="linked-complaint" data-complaint-id="{first.pk}"' in page_of(client, again)


def _list_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "user, url",
    [("hq_admin", "/complaints/?box=all"), ("officer_a", "/complaints/?box=all"), ("officer_a", "/complaints/")],
)
def test_the_list_page_query_count_does_not_grow_with_rows(
    cast, as_user, register, django_assert_max_num_queries, user, url
):
    client = as_user(getattr(cast, user))
    for n in range(2):
        register(complainant_phone=f"1380000{n:04d}", complainant_id_number="", policy_number=f"P{n}")
    few = _list_queries(client, url)
    for n in range(2, 20):
        register(complainant_phone=f"1380000{n:04d}", complainant_id_number="", policy_number=f"P{n}")
    # session, user, scope, count, page (the to-do box's tasks are a subquery in it), units, notices
    with django_assert_max_num_queries(18):
        response = client.get(url)
    assert response.content.decode().count('data-testid="complaint-row"') == 20
    many = _list_queries(client, url)
    print(f"complaint list {user} {url}: {few} queries with 2 rows, {many} with 20")
    assert many == few


def test_the_navigation_shows_complaints_as_built(cast, as_user):
    from xiaobao.web.navigation import NAV_ITEMS

    item = next(i for i in NAV_ITEMS if i.key == "complaints")
    assert item.built
    html = as_user(cast.officer_a).get("/complaints/").content.decode()
    assert re.search(r'<a href="/complaints/" class="active">', html)


def test_the_list_keeps_the_statistics_period(cast, as_user, register):
    recent = register(subject="近期投诉")
    older = register(subject="较早投诉", received_at=timezone.now() - timedelta(days=40))
    since = (timezone.localdate() - timedelta(days=7)).isoformat()
    html = as_user(cast.hq_admin).get("/complaints/", {"box": "all", "received_from": since}).content.decode()
    assert recent.number in html
    assert older.number not in html
    assert f'name="received_from" value="{since}"' in html  # changing other filters keeps the period


def test_the_action_panel_comes_before_the_read_only_cards(cast, as_user, complaint_a):
    """What the officer can do now sits right under the facts, not 1,500 px down under personal data,
    categories, deadline and outcome."""
    html = page_of(as_user(cast.officer_a), complaint_a)
    actions = html.index('data-testid="actions"')
    assert html.index('data-testid="complaint-facts"') < actions
    cards = [f'data-testid="{card}"' for card in ("personal-data", "categories", "deadline", "outcome", "timeline")]
    present = [card for card in cards if card in html]
    assert len(present) >= 3, present  # the read-only cards this complaint has
    for card in present:
        assert actions < html.index(card), card
