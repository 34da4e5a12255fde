"""Work order board and list pages: counts within scope, supervision, filters, the to-do tab, query counts
that do not grow with rows, and the navigation.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from xiaobao.workorders.models import WorkOrder

# --- board and list ----------------------------------------------------------------------------------


def board_rows(html: str) -> dict[str, tuple[int, int]]:
    return {
        code: (int(total), int(late))
        for code, total, late in re.findall(
            r'data-testid="board-row" data-unit="(\w+)" data-total="(\d+)" data-overdue="(\d+)"', html
        )
    }


def test_the_board_counts_orders_per_unit_within_scope(cast, as_user, issue):
    issue(recipient_units=[cast.branch_a, cast.branch_b])  # NOW is long past: both are overdue
    issue(recipient_units=[cast.branch_b], due_days=None, due_date=timezone.localdate() + timedelta(days=30))
    html = as_user(cast.hq_admin).get("/workorders/board/").content.decode()
    assert board_rows(html) == {"A": (1, 1), "B": (2, 1)}
    assert 'id="board-chart-data"' in html
    assert "vendor/echarts/echarts.min.js" in html
    assert board_rows(as_user(cast.officer_b).get("/workorders/board/").content.decode()) == {"B": (2, 1)}


def test_the_board_lists_supervised_orders(cast, as_user, order_a):
    WorkOrder.objects.filter(pk=order_a.pk).update(
        supervision=WorkOrder.Supervision.SUPERVISED, supervised_at=timezone.now()
    )
    html = as_user(cast.hq_admin).get("/workorders/board/").content.decode()
    assert f'data-testid="supervised-row" data-order-id="{order_a.pk}"' in html
    assert re.search(r'data-testid="total-supervised"><span class="wo-total-n">1<', html)


def test_the_list_filters_and_shows_overdue_and_supervision(cast, as_user, issue):
    late = issue(title="逾期的工单")
    issue(title="未到期的工单", due_days=None, due_date=timezone.localdate() + timedelta(days=30))
    WorkOrder.objects.filter(pk=late.pk).update(supervision=WorkOrder.Supervision.SUPERVISED)
    client = as_user(cast.hq_admin)
    html = client.get("/workorders/?box=all&overdue=1").content.decode()
    assert "逾期的工单" in html and "未到期的工单" not in html
    assert 'data-testid="overdue-badge"' in html
    assert 'data-testid="supervision-badge"' in html
    assert "export.xlsx?box=all&amp;overdue=1" in html
    html = client.get("/workorders/?box=all&q=未到期").content.decode()
    assert "未到期的工单" in html and "逾期的工单" not in html
    assert 'data-testid="due-countdown"' in html


def test_the_to_do_tab_holds_only_what_waits_for_me(cast, as_user, issue):
    mine = issue(title="给北京的")
    theirs = issue(title="给河北的", recipient_units=[cast.branch_b])
    html = as_user(cast.officer_a).get("/workorders/").content.decode()
    assert mine.number in html and theirs.number not in html


def _list_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "user, url",
    [
        ("hq_admin", "/workorders/?box=all"),
        ("officer_a", "/workorders/?box=all"),
        ("officer_a", "/workorders/"),
    ],
)
def test_the_list_page_query_count_does_not_grow_with_rows(
    cast, as_user, issue, django_assert_max_num_queries, user, url
):
    client = as_user(getattr(cast, user))
    issue()
    issue()
    client.get(url)  # warm: the first request looks up the content types of the registered rules once
    few = _list_queries(client, url)
    for _ in range(18):
        issue()
    with django_assert_max_num_queries(18):
        response = client.get(url)
    assert response.content.decode().count('data-testid="workorder-row"') == 20
    many = _list_queries(client, url)
    print(f"work order list {user} {url}: {few} queries with 2 rows, {many} with 20")
    assert many == few


def test_the_issued_tab_query_count_does_not_grow_with_batches(cast, as_user, issue, django_assert_max_num_queries):
    client = as_user(cast.hq_admin)
    issue(recipient_units=[cast.branch_a, cast.branch_b])
    few = _list_queries(client, "/workorders/?box=issued")
    for _ in range(5):
        issue(recipient_units=[cast.branch_a, cast.branch_b, cast.sub_b])
    with django_assert_max_num_queries(16):
        html = client.get("/workorders/?box=issued").content.decode()
    assert html.count('data-testid="batch-progress"') == 6
    many = _list_queries(client, "/workorders/?box=issued")
    print(f"work orders issued tab: {few} queries with 1 batch, {many} with 6")
    assert many == few


def test_the_navigation_shows_work_orders_as_built(cast, as_user):
    from xiaobao.web.navigation import NAV_ITEMS

    item = next(i for i in NAV_ITEMS if i.key == "workorders")
    assert item.built
    html = as_user(cast.officer_a).get("/workorders/").content.decode()
    assert re.search(r'<a href="/workorders/" class="active">', html)
