"""Lists of work put what needs action first and sort by whitelisted columns only (issue 21)."""

from __future__ import annotations

from datetime import timedelta

from django.test import Client
from django.utils import timezone

from tests.web.test_workbench import complaint, supervised_order
from xiaobao.complaints import selectors as complaint_selectors
from xiaobao.complaints.models import Complaint
from xiaobao.workorders import selectors as workorder_selectors
from xiaobao.workorders.models import WorkOrder


def numbers(rows) -> list[str]:
    return [row.number for row in rows]


def test_the_complaint_list_puts_open_cases_first_by_the_nearest_deadline(cast):
    closed_long_ago = complaint(cast.branch_a, due_in_days=-200, status=Complaint.Status.CLOSED)
    replied = complaint(cast.branch_a, due_in_days=-5, status=Complaint.Status.REPLIED)  # awaiting 回访
    later = complaint(cast.branch_a, due_in_days=9)
    sooner = complaint(cast.branch_a, due_in_days=1)
    overdue = complaint(cast.branch_a, due_in_days=-1)
    rows = complaint_selectors.complaints_visible_to(cast.officer_a, {"box": "all"})
    assert numbers(rows) == [overdue.number, sooner.number, later.number, replied.number, closed_long_ago.number]


def test_a_whitelisted_column_sorts_both_ways_with_a_stable_tie_break(cast):
    a = complaint(cast.branch_a, due_in_days=3)
    b = complaint(cast.branch_a, due_in_days=3)
    b.due_at = a.due_at  # equal keys: the id decides, the same way on every page
    b.save(update_fields=["due_at"])
    c = complaint(cast.branch_a, due_in_days=1)
    up = complaint_selectors.complaints_visible_to(cast.officer_a, {"box": "all", "sort": "due_at"})
    down = complaint_selectors.complaints_visible_to(cast.officer_a, {"box": "all", "sort": "-due_at"})
    assert numbers(up) == [c.number, a.number, b.number]
    assert numbers(down) == [b.number, a.number, c.number]


def test_an_unknown_sort_key_is_ignored_and_the_default_order_kept(cast):
    closed = complaint(cast.branch_a, due_in_days=-30, status=Complaint.Status.CLOSED)
    running = complaint(cast.branch_a, due_in_days=5)
    for probe in ("complainant_name", "-complainant_id_index", "handler__password", "due_at;drop", ""):
        rows = complaint_selectors.complaints_visible_to(cast.officer_a, {"box": "all", "sort": probe})
        assert numbers(rows) == [running.number, closed.number], probe
    client = Client()
    client.force_login(cast.officer_a)
    response = client.get("/complaints/", {"box": "all", "sort": "handler__password"})
    assert response.status_code == 200


def test_the_list_page_offers_sortable_headers_that_keep_the_filters(cast):
    complaint(cast.branch_a, due_in_days=2)
    client = Client()
    client.force_login(cast.officer_a)
    html = client.get("/complaints/", {"box": "all", "channel": "hotline", "sort": "due_at", "page": "1"}).content
    html = html.decode()
    assert 'aria-sort="ascending"' in html
    assert 'href="?box=all&amp;channel=hotline&amp;sort=-due_at"' in html  # same filters, other direction
    assert 'data-sort-key="received_at"' in html


def test_the_list_never_shows_another_branchs_complaints_whatever_the_sort(cast):
    mine = complaint(cast.branch_a, due_in_days=1)
    theirs = complaint(cast.branch_b, due_in_days=-1)
    for sort in ("", "due_at", "-org_unit", "number"):
        rows = numbers(complaint_selectors.complaints_visible_to(cast.officer_a, {"box": "all", "sort": sort}))
        assert mine.number in rows and theirs.number not in rows


def test_work_orders_open_first_by_deadline_finished_last(cast):
    done = supervised_order(cast.branch_a, cast.hq_admin)
    done.status = WorkOrder.Status.CLOSED
    done.due_at = timezone.now() - timedelta(days=90)
    done.save(update_fields=["status", "due_at"])
    later = supervised_order(cast.branch_a, cast.hq_admin)
    later.due_at = timezone.now() + timedelta(days=20)
    later.save(update_fields=["due_at"])
    sooner = supervised_order(cast.branch_a, cast.hq_admin)
    rows = workorder_selectors.work_orders_visible_to(cast.officer_a, {"box": "all"})
    assert numbers(rows) == [sooner.number, later.number, done.number]
    by_number = workorder_selectors.work_orders_visible_to(cast.officer_a, {"box": "all", "sort": "-number"})
    assert numbers(by_number) == sorted(numbers(rows), reverse=True)
