"""The pages' filters take the same hostile input as the API's (issue 14 §4): an id too large for the
database, or a control character, is never a 500."""

from __future__ import annotations

import pytest
from django.test import Client

TOO_LARGE = str(2**64)

PAGES = [
    ("/complaints/", "business_category"),
    ("/complaints/", "cause_category"),
    ("/complaints/", "root_cause"),
    ("/complaints/", "org_unit"),
    ("/workorders/", "parent"),
    ("/workorders/", "org_unit"),
    ("/reviews/", "reviewer"),
    ("/reviews/", "form_type"),
    ("/plans/", "org_unit"),
    ("/plans/activities/", "task"),
    ("/plans/activities/", "plan"),
    ("/plans/activities/", "org_unit"),
    ("/workflow/", "page"),
]


@pytest.mark.parametrize(("url", "field"), PAGES)
@pytest.mark.parametrize("value", [TOO_LARGE, "-" + TOO_LARGE, "1\x00", "\x1b[31m"])
def test_a_hostile_filter_value_is_never_a_500(cast, url, field, value):
    client = Client(raise_request_exception=False)
    client.force_login(cast.hq_admin)
    response = client.get(url, {field: value})
    assert response.status_code in (200, 400), response.status_code
