"""The training API: the pages' rules through tokens — permission (403), scope (404 outside), answer keys
for the exam's owner only, an employee's own attempts only, the server's clock on a late hand-in."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.api_helpers import assert_error, token_client
from tests.training.conftest import right_answers
from xiaobao.training import services
from xiaobao.training.models import Attempt, Attendance, AudienceGroup, Exam

API = "/api/v1/training"


@pytest.fixture
def live_exam(exam):
    now = timezone.now()
    Exam.objects.filter(pk=exam.pk).update(opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=1))
    exam.refresh_from_db()
    return exam


@pytest.fixture
def session_a(cast, roster):
    course = services.course_create(
        actor=cast.officer_a, title="投诉处理实务", year=2025, audiences=[(AudienceGroup.ALL_STAFF, "", True)]
    )
    return services.session_create(
        actor=cast.officer_a,
        title="北京分公司投诉处理培训",
        held_on=timezone.localdate(),
        courses=[course],
        audience_group=AudienceGroup.ALL_STAFF,
    )


def test_lists_need_the_pages_permission_and_are_scoped(cast, roster, exam, session_a):
    assert_error(token_client(cast.outsider).get(f"{API}/exams/"), 403)
    assert_error(token_client(cast.outsider).get(f"{API}/sessions/"), 403)
    own = token_client(cast.officer_a).get(f"{API}/sessions/").json()["results"]
    assert [s["id"] for s in own] == [session_a.pk]
    assert token_client(cast.officer_b).get(f"{API}/sessions/").json()["results"] == []
    assert_error(token_client(cast.officer_b).get(f"{API}/sessions/{session_a.pk}/"), 404)
    assert token_client(cast.hq_admin).get(f"{API}/questions/?kind=single").json()["count"] == 3


def test_only_the_exam_owner_gets_the_keys(cast, roster, exam):
    owner = token_client(cast.hq_admin).get(f"{API}/exams/{exam.pk}/").json()
    assert owner["keys"] is True and len(owner["items"]) == 8 and owner["items"][0]["answer"]
    reader = token_client(cast.manager).get(f"{API}/exams/{exam.pk}/").json()
    assert reader["keys"] is False and reader["items"] == []
    assert "answer" not in token_client(cast.hq_admin).get(f"{API}/questions/").json()["results"][0]
    assert_error(token_client(cast.officer_a).post(f"{API}/exams/{exam.pk}/publish/"), 404)  # HQ's exam
    assert_error(token_client(cast.hq_admin).post(f"{API}/exams/{exam.pk}/publish/"), 409, "training.wrong_status")


def test_attendance_by_employee_number_counts_once_and_refuses_people_outside(cast, roster, session_a):
    client = token_client(cast.officer_a)
    target = f"{API}/sessions/{session_a.pk}/attendances/"
    body = assert_error(client.post(target, {"employee_nos": ["A0001", "B0001"]}, format="json"), 400)
    assert body["error"] == "training.invalid" and "B0001" in body["detail"]
    assert not Attendance.objects.exists()  # nothing half-written
    client.post(target, {"employee_nos": ["A0001"]}, format="json")
    answer = client.post(target, {"employee_nos": ["A0001", "A0003"]}, format="json").json()
    assert answer["person_times"] == 2 and len(answer["attendances"]) == 2
    assert_error(token_client(cast.officer_b).post(target, {"employee_nos": ["A0001"]}, format="json"), 404)


def test_an_employee_sits_an_exam_and_only_their_own(cast, roster, live_exam):
    employee = token_client(roster["emp_a"].user)
    assert [e["id"] for e in employee.get(f"{API}/my/exams/").json()] == [live_exam.pk]
    started = employee.post(f"{API}/my/exams/{live_exam.pk}/start/")
    assert started.status_code == 201
    attempt = Attempt.objects.get()
    paper = started.json()["questions"]
    assert len(paper) == 8 and all(q["answer"] is None for q in paper)  # no keys while sitting
    answers = right_answers(attempt)
    employee.post(f"{API}/my/attempts/{attempt.pk}/answers/", {"answers": answers}, format="json")
    reloaded = employee.get(f"{API}/my/attempts/{attempt.pk}/").json()
    assert {str(q["version"]): q["response"] for q in reloaded["questions"]} == answers
    assert 0 < reloaded["remaining_seconds"] <= 30 * 60
    other = token_client(roster["emp_b"].user)
    assert_error(other.get(f"{API}/my/attempts/{attempt.pk}/"), 404)
    assert_error(other.post(f"{API}/my/attempts/{attempt.pk}/submit/", {}, format="json"), 404)
    done = employee.post(f"{API}/my/attempts/{attempt.pk}/submit/", {}, format="json").json()
    assert done["status"] == "submitted" and done["passed"] is True
    assert done["results_visible"] is False and all(q["answer"] is None for q in done["questions"])
    assert_error(employee.post(f"{API}/my/attempts/{attempt.pk}/submit/", {}, format="json"), 409)


def test_a_hand_in_after_the_time_limit_is_refused_and_the_attempt_closed(cast, roster, live_exam):
    attempt = services.attempt_start(staff=roster["emp_a"], exam=live_exam)
    earlier = timezone.now() - timedelta(minutes=40)
    Attempt.objects.filter(pk=attempt.pk).update(started_at=earlier, deadline_at=earlier + timedelta(minutes=30))
    employee = token_client(roster["emp_a"].user)
    late = employee.post(f"{API}/my/attempts/{attempt.pk}/submit/", {"answers": right_answers(attempt)}, format="json")
    assert_error(late, 409, "training.time_up")
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.TIMED_OUT and attempt.score == 0  # the late answers did not count


def test_the_employee_side_needs_the_employee_permission(cast, roster, live_exam):
    assert_error(token_client(cast.outsider).get(f"{API}/my/exams/"), 403)
    assert_error(token_client(cast.outsider).post(f"{API}/my/check-in/", {"code": "123456"}, format="json"), 403)
