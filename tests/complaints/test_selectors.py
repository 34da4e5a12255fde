"""Complaint reads are scoped: a branch sees its own subtree only, head office sees everything,
an agent sees what they registered; the filters, the countdown and the linked work orders."""

from __future__ import annotations

import pytest
from django.http import Http404

from tests.complaints.conftest import NOW, PHONE, at, close_through, end_of
from xiaobao.complaints import selectors, services
from xiaobao.workflow import services as workflow


@pytest.fixture
def spread(people, register):
    """One complaint at each of 北京分公司 (A), 朝阳支公司 (A1, under A) and 河北分公司 (B)."""
    return {
        "a": register(subject="A"),
        "a1": register(subject="A1", org_unit=people.sub_a, complainant_phone="13700000001", policy_number="P1"),
        "b": register(subject="B", org_unit=people.branch_b, complainant_phone="13700000002", policy_number="P2"),
    }


def subjects(user, filters=None) -> set[str]:
    return set(selectors.complaints_visible_to(user, filters).values_list("subject", flat=True))


def test_a_branch_sees_its_subtree_only(people, spread):
    assert subjects(people.officer_a) == {"A", "A1"}
    assert subjects(people.officer_b) == {"B"}
    assert subjects(people.officer_a1) == {"A1"}


def test_head_office_sees_everything(people, spread):
    assert subjects(people.hq_admin) == {"A", "A1", "B"}


def test_people_without_the_permission_see_nothing(people, spread):
    assert subjects(people.outsider) == set()


def test_one_complaint_outside_scope_is_a_404(people, spread):
    assert selectors.get_complaint_for_user(people.officer_a, spread["a1"].pk) == spread["a1"]
    with pytest.raises(Http404):
        selectors.get_complaint_for_user(people.officer_a, spread["b"].pk)


def test_the_org_unit_filter_takes_the_subtree(people, spread):
    assert subjects(people.hq_admin, {"org_unit": people.branch_a.pk}) == {"A", "A1"}


def test_search_finds_a_phone_number_through_the_blind_index(people, spread):
    assert subjects(people.hq_admin, {"q": PHONE}) == {"A"}
    assert subjects(people.officer_b, {"q": PHONE}) == set()  # still scoped


def test_the_todo_box_holds_the_complaints_waiting_on_the_user(people, spread):
    assert subjects(people.officer_a, {"box": "todo"}) == {"A", "A1"}  # both wait to be accepted
    services.complaint_accept(complaint=spread["a"], actor=people.officer_a, now=NOW)
    services.complaint_assign(complaint=spread["a"], actor=people.officer_a, handler=people.officer_a, now=NOW)
    assert "A" in subjects(people.officer_a, {"box": "todo"})
    assert subjects(people.officer_b, {"box": "todo"}) == {"B"}


def test_the_todo_box_is_one_query_with_a_subquery_not_a_list_of_ids(people, spread):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        found = {c.subject for c in selectors.complaints_visible_to(people.officer_a, {"box": "todo"})}
    assert found == {"A", "A1"}
    # the tasks are read inside the complaints' query, never fetched first as a list
    reading_tasks = [q["sql"] for q in captured.captured_queries if "workflow_humantask" in q["sql"]]
    assert len(reading_tasks) == 1
    sql = reading_tasks[0]
    assert "complaints_complaint" in sql
    for complaint in spread.values():  # no complaint id is spelled out in the SQL
        assert f"IN ({complaint.pk}" not in sql and f", {complaint.pk})" not in sql


def test_overdue_and_flag_filters(people, register):
    register(subject="普通")
    register(subject="群体", complainant_count=6, complainant_phone="13700000009", policy_number="P9")
    assert subjects(people.hq_admin, {"is_group": "true"}) == {"群体"}
    assert subjects(people.hq_admin, {"is_major": "true"}) == set()  # 6 people are not 第二十九条's 20 in person
    assert subjects(people.hq_admin, {"overdue": True, "now": at(2025, 3, 19, 9, 0)}) == {"普通", "群体"}
    assert subjects(people.hq_admin, {"overdue": True, "now": at(2025, 3, 18, 9, 0)}) == set()
    assert subjects(people.hq_admin, {"received_from": "2025-03-03", "received_to": "2025-03-03"}) == {"普通", "群体"}
    assert subjects(people.hq_admin, {"received_from": "2025-03-04"}) == set()


def test_the_countdown_shows_days_left_until_the_decision(register):
    complaint = register()
    left = selectors.countdown(complaint, now=at(2025, 3, 16, 9, 0))
    assert (left["running"], left["days_left"], left["overdue"], left["due_soon"]) == (True, 2, False, True)
    late = selectors.countdown(complaint, now=at(2025, 3, 20, 9, 0))
    assert (late["days_left"], late["overdue"]) == (-2, True)
    assert late["due_at"] == end_of(2025, 3, 18)


def test_the_rectification_order_is_read_back_through_the_work_order_selectors(people, register, codes):
    complaint = register()
    services.complaint_accept(complaint=complaint, actor=people.officer_a, now=NOW)
    services.complaint_assign(complaint=complaint, actor=people.officer_a, now=NOW)
    complaint = close_through(complaint, people, codes, root_cause="R03")  # systemic
    status = selectors.rectification_status(people.officer_a, complaint)
    assert status["id"] == complaint.rectification_order_id
    assert (status["status"], status["closed"]) == ("pending_accept", False)
    assert selectors.rectification_status(people.officer_b, complaint) is None  # not theirs to see


def test_the_supervision_order_is_read_back(people, handling):
    workflow.sweep_timers(now=at(2025, 3, 19, 9, 0))
    handling.refresh_from_db()
    assert selectors.supervision_status(people.officer_a, handling)["id"] == handling.supervision_order_id


def test_the_timeline_lists_the_steps(people, handling):
    actions = list(selectors.timeline(people.officer_a, handling).values_list("action", flat=True))
    assert actions[:2] == ["start", "complete"]


def test_pages_read_ids_first_hold_the_same_rows_in_the_same_order_as_the_plain_slices(people, register):
    """core/pagination.py: the list page and API read a page's ids first, then those rows; every page must be the
    plain queryset's slice (order, scope, the only() columns), and a row outside the scope never comes back."""
    from django.core.paginator import Paginator

    from xiaobao.core.pagination import IdsFirstPaginator

    for n in range(7):
        unit = people.branch_b if n % 3 == 0 else people.sub_a
        register(subject=f"S{n}", org_unit=unit, complainant_phone=f"1370000010{n}", policy_number=f"PP{n}")
    for user in (people.hq_admin, people.officer_a):
        rows = selectors.complaint_list_rows(user, {"now": NOW})
        plain, first = Paginator(rows, 2), IdsFirstPaginator(rows, 2)
        assert first.num_pages == plain.num_pages and first.count == plain.count
        for number in plain.page_range:
            expected = list(plain.page(number).object_list)
            got = list(first.page(number).object_list)
            assert [c.pk for c in got] == [c.pk for c in expected]
            assert [c.subject for c in got] == [c.subject for c in expected]
            # the page's columns only, as the plain slice (any other attribute would cost a query per row)
            assert all(c.get_deferred_fields() == e.get_deferred_fields() for c, e in zip(got, expected, strict=True))
    seen = [
        c.subject
        for n in IdsFirstPaginator(selectors.complaint_list_rows(people.officer_a), 50).page_range
        for c in IdsFirstPaginator(selectors.complaint_list_rows(people.officer_a), 50).page(n).object_list
    ]
    assert seen and all(s not in {"S0", "S3", "S6"} for s in seen)  # 河北分公司's rows stay out of 北京's pages
