"""Saved list views (issue 21): a person's filters and sort under a name, theirs alone."""

from __future__ import annotations

import pytest
from django.test import Client

from xiaobao.core.api_errors import BusinessRuleError
from xiaobao.web import error_codes as codes
from xiaobao.web import saved_views
from xiaobao.web.models import SavedView

SAVE = "/views/save/"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_saving_keeps_the_filters_and_sort_without_the_page_number_and_opens_them(cast):
    client = client_for(cast.officer_a)
    response = client.post(
        SAVE, {"page": "complaints", "name": "本周逾期", "query": "box=all&overdue=1&sort=-received_at&page=3"}
    )
    view = SavedView.objects.get(owner=cast.officer_a)
    assert view.query == "box=all&overdue=1&sort=-received_at"
    assert response.status_code == 302 and response["Location"] == "/complaints/?" + view.query
    listed = client.get("/complaints/?box=all").content.decode()
    assert "本周逾期" in listed and 'href="/complaints/?box=all&amp;overdue=1&amp;sort=-received_at"' in listed


def test_another_persons_views_are_neither_shown_nor_deletable(cast):
    view = SavedView.objects.create(owner=cast.officer_a, page="complaints", name="我的逾期", query="box=overdue")
    other = client_for(cast.officer_b)
    assert "我的逾期" not in other.get("/complaints/").content.decode()
    assert other.post(f"/views/{view.pk}/delete/").status_code == 404
    assert SavedView.objects.filter(pk=view.pk).exists()
    assert client_for(cast.officer_a).post(f"/views/{view.pk}/delete/").status_code == 302
    assert not SavedView.objects.filter(pk=view.pk).exists()


def test_saving_under_a_used_name_replaces_that_view(cast):
    saved_views.saved_view_save(owner=cast.officer_a, page="reviews", name="待办", query="box=todo")
    saved_views.saved_view_save(owner=cast.officer_a, page="reviews", name="待办", query="box=todo&sort=due_at")
    assert list(SavedView.objects.values_list("query", flat=True)) == ["box=todo&sort=due_at"]


@pytest.mark.parametrize(
    ("page", "name", "code"),
    [
        ("complaints", "  ", codes.SAVED_VIEW_NAME_REQUIRED),
        ("admin", "x", codes.SAVED_VIEW_UNKNOWN_PAGE),
        ("complaints", "长" * 61, codes.SAVED_VIEW_TOO_LONG),
    ],
)
def test_bad_input_is_refused_with_its_code_and_nothing_saved(cast, page, name, code):
    with pytest.raises(BusinessRuleError) as refused:
        saved_views.saved_view_save(owner=cast.officer_a, page=page, name=name, query="box=all")
    assert refused.value.error_code == code
    assert not SavedView.objects.exists()


def test_a_list_holds_at_most_so_many_views(cast):
    for n in range(saved_views.MAX_PER_PAGE):
        saved_views.saved_view_save(owner=cast.officer_a, page="workorders", name=f"v{n}", query="")
    with pytest.raises(BusinessRuleError) as refused:
        saved_views.saved_view_save(owner=cast.officer_a, page="workorders", name="one more", query="")
    assert refused.value.error_code == codes.SAVED_VIEW_TOO_MANY


def test_the_page_refuses_get_and_a_refusal_is_a_message_not_an_error(cast):
    client = client_for(cast.officer_a)
    assert client.get(SAVE).status_code == 405
    response = client.post(SAVE, {"page": "complaints", "name": "", "query": "box=all"}, follow=True)
    assert response.status_code == 200 and not SavedView.objects.exists()


def test_signing_in_is_required(db):
    response = Client().post(SAVE, {"page": "complaints", "name": "x", "query": ""})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
