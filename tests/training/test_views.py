"""Pages: every manager page renders in scope; employees see only their own; keys only for the owner."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.training.conftest import right_answers
from xiaobao.training import services
from xiaobao.training.models import Attempt, Exam


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def live_exam(exam):
    """The June exam moved to now, so pages (which use the real clock) can start it."""
    now = timezone.now()
    Exam.objects.filter(pk=exam.pk).update(opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=1))
    exam.refresh_from_db()
    return exam


MANAGER_PAGES = [
    "training:list",
    "training:roster",
    "training:bank",
    "training:exams",
    "training:exam-new",
    "training:courses",
    "training:course-new",
    "training:sessions",
    "training:session-new",
    "training:coverage",
    "training:contests",
    "training:roster-import",
    "training:bank-import",
]


@pytest.mark.parametrize("name", MANAGER_PAGES)
def test_manager_pages_render_and_outsiders_are_refused(cast, roster, exam, name):
    assert client_for(cast.hq_admin).get(reverse(name)).status_code == 200
    response = client_for(cast.outsider).get(reverse(name))
    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert response.url == reverse("training:my-exams")


def test_downloads_are_workbooks(cast, bank):
    client = client_for(cast.hq_admin)
    for name in (
        "training:roster-template",
        "training:bank-template",
        "training:bank-export",
        "training:coverage-export",
    ):
        response = client.get(reverse(name))
        assert response.status_code == 200 and response.content[:2] == b"PK"
    assert client_for(cast.manager).get(reverse("training:bank-export")).status_code == 403


def test_only_the_exam_owner_sees_the_answer_keys(cast, roster, exam):
    owner_page = client_for(cast.hq_admin).get(exam.get_absolute_url()).content.decode()
    manager_page = client_for(cast.manager).get(exam.get_absolute_url()).content.decode()
    assert 'data-testid="exam-keys"' in owner_page
    assert 'data-testid="exam-keys"' not in manager_page and 'data-testid="answer-key"' not in manager_page


def test_an_employee_takes_an_exam_with_autosave_and_sees_only_their_own_attempt(cast, roster, live_exam):
    employee = client_for(roster["emp_a"].user)
    assert live_exam.title in employee.get(reverse("training:my-exams")).content.decode()
    response = employee.post(reverse("training:take", args=[live_exam.pk]))
    attempt = Attempt.objects.get()
    assert response.url == reverse("training:attempt", args=[attempt.pk])
    answers = right_answers(attempt)
    saved = employee.post(
        reverse("training:attempt-save", args=[attempt.pk]),
        data=json.dumps({"answers": answers}),
        content_type="application/json",
    )
    assert saved.status_code == 200 and 0 < saved.json()["remaining"] <= 30 * 60
    page = employee.get(reverse("training:attempt", args=[attempt.pk])).content.decode()
    assert page.count(" checked") >= 7  # the saved choices are ticked again after a reload
    other = client_for(roster["emp_b"].user)
    assert other.get(reverse("training:attempt", args=[attempt.pk])).status_code == 404
    assert other.post(reverse("training:attempt-submit", args=[attempt.pk])).status_code == 404
    employee.post(reverse("training:attempt-submit", args=[attempt.pk]))
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.SUBMITTED and attempt.passed
    result = employee.get(reverse("training:result", args=[attempt.pk])).content.decode()
    assert 'data-testid="results-later"' in result  # explanations only after the window


def test_a_late_save_is_refused_with_its_code(cast, roster, live_exam):
    attempt = services.attempt_start(staff=roster["emp_a"], exam=live_exam)
    earlier = timezone.now() - timedelta(minutes=40)
    Attempt.objects.filter(pk=attempt.pk).update(started_at=earlier, deadline_at=earlier + timedelta(minutes=30))
    response = client_for(roster["emp_a"].user).post(
        reverse("training:attempt-save", args=[attempt.pk]),
        data=json.dumps({"answers": right_answers(attempt)}),
        content_type="application/json",
    )
    assert response.status_code == 409 and response.json()["error"] == "training.time_up"


def test_a_branch_sees_only_its_people_on_the_roster_page(cast, roster):
    page = client_for(cast.officer_a).get(reverse("training:roster")).content.decode()
    assert "A0001" in page and "B0001" not in page


def test_the_leaderboard_refreshes_itself_and_is_hidden_from_people_outside_the_contest(cast, roster, live_exam):
    from xiaobao.training.models import ContestRound

    contest = services.contest_create(actor=cast.hq_admin, year=2025, title="消保之星", org_unit=cast.hq)
    stage = services.round_add(
        actor=cast.hq_admin, contest=contest, kind=ContestRound.Kind.PRELIMINARY, name="初赛", exam=live_exam
    )
    attempt = services.attempt_start(staff=roster["emp_a"], exam=live_exam)
    services.attempt_submit(attempt=attempt, answers=right_answers(attempt))
    url = reverse("training:leaderboard", args=[contest.pk, stage.pk])
    page = client_for(roster["emp_a"].user).get(url).content.decode()
    assert 'hx-trigger="every 5s"' in page and "陈静" in page
    partial = client_for(roster["emp_a"].user).get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial and "陈静" in partial
    assert client_for(cast.outsider).get(url).status_code == 404  # not on the roster, no contest rights
