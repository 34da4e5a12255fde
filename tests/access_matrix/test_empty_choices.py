"""Empty choices say what to choose (issue 21 point 7): no select on any page shows a row of dashes.

Every page of the URL configuration (with and without an object, the admin's add forms included) is opened by
each person the matrix lets in — the world's objects have their processes running, so the pages show their
task forms, decision forms and model forms as the roles that use them do.
"""

from __future__ import annotations

import re

from tests.access_matrix.table import TABLE
from tests.access_matrix.test_matrix import ROUTES, _value
from tests.access_matrix.world import PRINCIPALS, client_of
from tests.api_helpers import routes

DASHES = "---------"
OPTION = re.compile(r"<option[^>]*>([^<]*)</option>")
FILES = (".xlsx", ".docx", ".csv", ".pdf")
ADMIN_ADD = ("complaints/complaint", "workorders/workorder", "reviews/review", "plans/plan", "core/user")


def _dashed_options(html: str) -> list[str]:
    return [label for label in OPTION.findall(html) if DASHES in label]


def _check(client, url: str, who: str, bad: list[str], opened: list[str]) -> None:
    response = client.get(url)
    if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
        return
    opened.append(url)
    dashed = _dashed_options(response.content.decode())
    if dashed:
        bad.append(f"{who} {url}: {dashed[:3]}")


def test_no_page_offers_a_row_of_dashes_as_a_choice(world, db):
    bad: list[str] = []
    opened: list[str] = []
    people = [p for p in PRINCIPALS if p != "anonymous"]
    for route in routes("/"):
        if route.is_api or route.template.startswith("/admin/") or route.template.endswith(FILES):
            continue
        if not route.params:
            for who in people:
                _check(client_of(world, who, False), route.fill(), who, bad, opened)
            continue
        for case in TABLE.get(route.name, ()):
            if case.method != "GET" or route.name not in ROUTES:
                continue
            url = route.fill(*(_value(world, key) for key in case.fill))
            for who in sorted(case.may):
                _check(client_of(world, who, False), url, who, bad, opened)
    for model in ADMIN_ADD:
        _check(client_of(world, "hq_admin", False), f"/admin/{model}/add/", "hq_admin", bad, opened)
    assert len(opened) > 100  # the walk reached the pages, not only refusals
    assert any("/workflow/tasks/" in url for url in opened)  # task forms among them
    assert not bad, "selects with a row of dashes:\n" + "\n".join(bad)
