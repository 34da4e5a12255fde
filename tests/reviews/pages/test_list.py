"""Review list page: search, tabs, its query count, navigation, the objection record shown to the
department, and the statistics period.
"""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.reviews.pages.conftest import referred

# --- list ----------------------------------------------------------------------------------------------


def test_the_list_searches_by_product_department_status_and_type(people, as_user, submit, assigned):
    submit(title="养老年金审查", product_name="颐享年年")
    submit(actor=people.other_clerk, title="团险审查", product_name="团体意外险")
    assigned(title="已分派的审查", product_name="安心医疗")
    client = as_user(people.hq_admin)

    def listed(query: str) -> set[str]:
        html = client.get(f"/reviews/?box=all&{query}").content.decode()
        return set(
            re.findall(
                r'<td[^>]*><a href="/reviews/\d+/">[^<]*</a></td>\s*<td[^>]*><a href="/reviews/\d+/">([^<]+)<', html
            )
        )

    assert listed("q=颐享") == {"养老年金审查"}
    assert listed("department=团体业务部") == {"团险审查"}
    assert listed("status=reviewing") == {"已分派的审查"}
    assert listed("form_type=product") == {"养老年金审查", "团险审查", "已分派的审查"}
    assert listed("form_type=marketing") == set()


def test_the_tabs_hold_what_waits_for_me_what_i_filed_and_what_i_review(people, as_user, submit, assigned):
    mine = submit(title="我提交的审查")
    assigned_one = assigned(title="分派出去的审查")
    reviewer = as_user(people.reviewer)
    assert assigned_one.number in reviewer.get("/reviews/").content.decode()
    assert assigned_one.number in reviewer.get("/reviews/?box=reviewing").content.decode()
    assert mine.number not in reviewer.get("/reviews/?box=all").content.decode()
    clerk_mine = as_user(people.clerk).get("/reviews/?box=mine").content.decode()
    assert mine.number in clerk_mine and assigned_one.number in clerk_mine
    assert mine.number in as_user(people.hq_admin).get("/reviews/").content.decode()  # waiting to be assigned


def _list_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "who, url", [("hq_admin", "/reviews/?box=all"), ("clerk", "/reviews/?box=all"), ("hq_admin", "/reviews/")]
)
def test_the_list_page_query_count_does_not_grow_with_rows(
    people, as_user, submit, assigned, django_assert_max_num_queries, who, url
):
    client = as_user(getattr(people, who))
    submit()
    assigned()
    few = _list_queries(client, url)
    for n in range(8):
        submit(title=f"审查 {n}")
        assigned(title=f"已分派 {n}")
    with django_assert_max_num_queries(20):
        response = client.get(url)
    assert response.content.decode().count('data-testid="review-row"') >= 9
    many = _list_queries(client, url)
    print(f"review list {who} {url}: {few} queries with 2 rows, {many} with 18")
    assert many == few


def test_the_navigation_shows_reviews_as_built(people, as_user):
    from xiaobao.web.navigation import NAV_ITEMS

    item = next(i for i in NAV_ITEMS if i.key == "reviews")
    assert item.built
    html = as_user(people.clerk).get("/reviews/").content.decode()
    assert re.search(r'<a href="/reviews/" class="active">', html)


def test_a_disputed_review_shows_its_objection_record_to_the_department(people, as_user, issued):
    review, _objection = referred(people, issued)
    html = as_user(people.clerk).get(f"/reviews/{review.pk}/").content.decode()
    assert 'data-testid="objection" ' in html
    assert 'data-stage="committee"' in html
    assert "监管未要求加粗。" in html


def test_the_list_keeps_the_statistics_period(people, as_user, submit):
    from tests.reviews.conftest import at

    march = submit(title="三月提交的审查")
    june = submit(title="六月提交的审查", now=at(2025, 6, 2, 9, 0))
    html = (
        as_user(people.hq_admin)
        .get("/reviews/", {"box": "all", "submitted_from": "2025-06-01", "submitted_to": "2025-06-30"})
        .content.decode()
    )
    assert june.number in html
    assert march.number not in html
    assert 'name="submitted_from" value="2025-06-01"' in html  # changing other filters keeps the period
