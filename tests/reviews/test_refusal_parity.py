"""Pages and API answer the same refusal the same way (issue 14 §3): someone without the review permission
got an empty 200 from the review pages where the API answered 403."""

from __future__ import annotations

from django.test import Client
from rest_framework.test import APIClient

from tests.workflow_access import fresh


def test_a_user_without_the_review_permission_gets_403_from_pages_and_api(cast, people, submit):
    submit()
    page, api = Client(), APIClient()
    page.force_login(cast.officer_a)  # a branch officer: no reviews permission
    api.force_authenticate(fresh(cast.officer_a))
    for url in ("/reviews/", "/reviews/objections/"):
        assert page.get(url).status_code == 403, url
    for url in ("/api/v1/reviews/", "/api/v1/reviews/objections/"):
        assert api.get(url).status_code == 403, url


def test_a_clerk_with_the_permission_still_gets_their_list(people, submit):
    submit()
    page = Client()
    page.force_login(people.clerk)
    assert page.get("/reviews/?box=all").status_code == 200
