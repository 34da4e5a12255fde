"""Training lists (targeted training, exams, sessions): what needs action first, sortable columns over a
whitelist, saved views for their owner only, constant queries (issue 21 point 2)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.training.conftest import NOW, add_staff
from xiaobao.training import selectors, services
from xiaobao.training.models import AudienceGroup, Exam, Session, TrainingAssignment
from xiaobao.web.models import SavedView

PROBES = ("handler__password", "owner__password", "-staff__id_number", "title;drop", "")


@pytest.fixture
def course(cast):
    return services.course_create(
        actor=cast.hq_admin, title="消保基础", year=2025, audiences=[(AudienceGroup.ALL_STAFF, "", True)], now=NOW
    )


def exam(cast, title: str, closes: int, status=Exam.Status.PUBLISHED) -> Exam:
    return Exam.objects.create(
        org_unit=cast.hq,
        title=title,
        owner=cast.hq_admin,
        time_limit_minutes=30,
        pass_mark=Decimal("60"),
        opens_at=NOW - timedelta(days=40),
        closes_at=NOW + timedelta(days=closes),
        status=status,
        created_at=NOW,
    )


def session(cast, title: str, held: date) -> Session:
    return Session.objects.create(
        org_unit=cast.branch_a,
        title=title,
        held_on=held,
        audience_group=AudienceGroup.ALL_STAFF,
        check_in_code=title[-4:],
        created_by=cast.hq_admin,
        created_at=NOW,
    )


def assignment(unit, course, employee_no: str, due: date, status=TrainingAssignment.Status.OPEN):
    staff = add_staff(unit, employee_no, f"员工{employee_no}")
    return TrainingAssignment.objects.create(
        org_unit=unit,
        staff=staff,
        course=course,
        reason="质检发现",
        due_on=due,
        status=status,
        assigned_at=NOW,
        source_key=f"test:{employee_no}",
    )


def titles(rows) -> list[str]:
    return [row.title for row in rows]


def test_exams_not_ended_come_first_closing_soonest_first_and_sort_by_column(cast):
    ended = exam(cast, "去年考试", -10, Exam.Status.CLOSED)
    later = exam(cast, "年中考试", 30)
    sooner = exam(cast, "月度考试", 3)
    draft = exam(cast, "草稿考试", 60, Exam.Status.DRAFT)
    assert titles(selectors.exams_for(cast.hq_admin)) == [sooner.title, later.title, draft.title, ended.title]
    by_title = titles(selectors.exams_for(cast.hq_admin, {"sort": "title"}))
    assert by_title == sorted(by_title) and by_title != titles(selectors.exams_for(cast.hq_admin, {"sort": "-title"}))
    assert titles(selectors.exams_for(cast.hq_admin, {"sort": "-closes_at"}))[0] == draft.title


def test_sessions_sort_by_column(cast):
    old = session(cast, "春季培训-0001", date(2025, 3, 1))
    new = session(cast, "夏季培训-0002", date(2025, 6, 1))
    assert titles(selectors.sessions_for(cast.hq_admin)) == [new.title, old.title]
    assert titles(selectors.sessions_for(cast.hq_admin, {"sort": "held_on"})) == [old.title, new.title]


def test_targeted_training_sorts_by_employee_number(cast, course):
    b = assignment(cast.branch_a, course, "A0200", date(2025, 7, 1))
    a = assignment(cast.branch_a, course, "A0100", date(2025, 8, 1))
    assert list(selectors.assignments_for(cast.hq_admin)) == [b, a]  # nearest deadline first
    assert list(selectors.assignments_for(cast.hq_admin, {"sort": "staff"})) == [a, b]
    assert list(selectors.assignments_for(cast.hq_admin, {"sort": "-due_on"})) == [a, b]


def test_unknown_sort_keys_are_ignored_on_each_training_list(client, cast, course):
    exam(cast, "甲考试", 3), exam(cast, "乙考试", 9, Exam.Status.CLOSED)
    session(cast, "春季培训-0001", date(2025, 3, 1)), session(cast, "夏季培训-0002", date(2025, 6, 1))
    assignment(cast.branch_a, course, "A0100", date(2025, 8, 1))
    assignment(cast.branch_a, course, "A0200", date(2025, 7, 1))
    defaults = (
        titles(selectors.exams_for(cast.hq_admin)),
        titles(selectors.sessions_for(cast.hq_admin)),
        list(selectors.assignments_for(cast.hq_admin)),
    )
    for probe in PROBES:
        assert titles(selectors.exams_for(cast.hq_admin, {"sort": probe})) == defaults[0], probe
        assert titles(selectors.sessions_for(cast.hq_admin, {"sort": probe})) == defaults[1], probe
        assert list(selectors.assignments_for(cast.hq_admin, {"sort": probe})) == defaults[2], probe
    client.force_login(cast.hq_admin)
    for name in ("training:exams", "training:sessions", "training:assignments"):
        html = client.get(reverse(name), {"sort": "handler__password", "year": 2025}).content.decode()
        assert 'aria-sort="ascending"' not in html and 'data-sort-key="' in html


def test_the_pages_show_sort_headers_and_keep_filters_in_the_pager(client, cast):
    from xiaobao.training.views import PAGE_SIZE

    for n in range(PAGE_SIZE + 1):
        exam(cast, f"考试{n:02d}", n + 1)
    client.force_login(cast.hq_admin)
    html = client.get(reverse("training:exams"), {"status": "published", "sort": "-title"}).content.decode()
    assert 'aria-sort="descending"' in html
    assert "status=published&amp;sort=-title&amp;page=2" in html  # page 2 keeps the filters and the sort
    assert html.index(f'data-title="考试{PAGE_SIZE:02d}"') < html.index(f'data-title="考试{PAGE_SIZE - 1:02d}"')


@pytest.mark.parametrize(
    ("page", "url"),
    [("assignments", "training:assignments"), ("exams", "training:exams"), ("sessions", "training:sessions")],
)
def test_a_saved_view_is_its_owners_alone(client, cast, page, url):
    client.force_login(cast.hq_admin)
    response = client.post("/views/save/", {"page": page, "name": "培训视图", "query": "sort=-status"})
    view = SavedView.objects.get(owner=cast.hq_admin, page=page)
    assert response.status_code == 302 and response["Location"] == reverse(url) + "?sort=-status"
    assert "培训视图" in client.get(reverse(url)).content.decode()
    client.force_login(cast.officer_a)
    html = client.get(reverse(url))
    assert html.status_code == 200 and "培训视图" not in html.content.decode()
    assert client.post(f"/views/{view.pk}/delete/").status_code == 404
    assert SavedView.objects.filter(pk=view.pk).exists()


def queries_for(client, url, params) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params).status_code == 200
    return len(captured)


def test_the_lists_queries_do_not_grow_with_their_rows(client, cast, course):
    client.force_login(cast.hq_admin)
    urls = [
        (reverse("training:exams"), {"sort": "sat"}),
        (reverse("training:sessions"), {"sort": "person_times", "year": 2025}),
        (reverse("training:assignments"), {"sort": "course"}),
    ]
    exam(cast, "考试甲", 3)
    session(cast, "培训-0001", date(2025, 3, 1))
    assignment(cast.branch_a, course, "A0001", date(2025, 7, 1))
    few = [queries_for(client, url, params) for url, params in urls]
    for n in range(2, 12):
        exam(cast, f"考试{n}", n)
        session(cast, f"培训-{n:04d}", date(2025, 3, n))
        assignment(cast.branch_b if n % 2 else cast.branch_a, course, f"X{n:04d}", date(2025, 7, n))
    assert [queries_for(client, url, params) for url, params in urls] == few
