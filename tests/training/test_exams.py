"""Sitting an exam: one open attempt, autosave, server-side time, grading, resits, results policy."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from tests.training.conftest import NOW, at, right_answers
from xiaobao.core.api_errors import BusinessRuleError
from xiaobao.training import error_codes as codes
from xiaobao.training import selectors, services
from xiaobao.training.models import Attempt, AttemptAnswer, Exam


def refused(code, call, **kwargs):
    with pytest.raises(BusinessRuleError) as caught:
        call(**kwargs)
    assert caught.value.error_code == code
    return caught.value


def test_a_start_twice_returns_the_same_attempt(roster, exam):
    first = services.attempt_start(staff=roster["emp_a"], exam=exam, now=NOW)
    again = services.attempt_start(staff=roster["emp_a"], exam=exam, now=NOW + timedelta(minutes=1))
    assert first.pk == again.pk and Attempt.objects.count() == 1
    assert first.deadline_at == NOW + timedelta(minutes=30)


def test_papers_are_shuffled_per_person_but_hold_the_same_questions(roster, exam):
    one = services.attempt_start(staff=roster["emp_a"], exam=exam, now=NOW, seed=1)
    two = services.attempt_start(staff=roster["emp_b"], exam=exam, now=NOW, seed=2)
    assert sorted(p["v"] for p in one.paper) == sorted(p["v"] for p in two.paper)
    assert [p["v"] for p in one.paper] != [p["v"] for p in two.paper]


def test_saved_answers_survive_and_grade_on_submit(roster, exam):
    attempt = services.attempt_start(staff=roster["emp_a"], exam=exam, now=NOW)
    answers = right_answers(attempt)
    keys = list(answers)
    services.attempt_save(attempt=attempt, answers={k: answers[k] for k in keys[:4]}, now=NOW + timedelta(minutes=5))
    # a reload: the page reads the attempt again and finds the answers
    attempt.refresh_from_db()
    assert set(attempt.draft) == set(keys[:4])
    done = services.attempt_submit(
        attempt=attempt, answers={k: answers[k] for k in keys[4:]}, now=NOW + timedelta(minutes=10)
    )
    assert done.status == Attempt.Status.SUBMITTED and done.score == Decimal("16") and done.passed
    assert done.seconds_used == 600 and AttemptAnswer.objects.filter(attempt=done, correct=True).count() == 8


def test_a_submit_after_the_time_limit_is_refused_and_only_answers_saved_in_time_count(roster, exam):
    attempt = services.attempt_start(staff=roster["emp_a"], exam=exam, now=NOW)
    answers = right_answers(attempt)
    first = next(iter(answers))
    services.attempt_save(attempt=attempt, answers={first: answers[first]}, now=NOW + timedelta(minutes=29))
    refused(codes.TIME_UP, services.attempt_submit, attempt=attempt, answers=answers, now=NOW + timedelta(minutes=31))
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.TIMED_OUT and attempt.score == Decimal("2") and not attempt.passed
    assert attempt.submitted_at == attempt.deadline_at
    refused(codes.ATTEMPT_CLOSED, services.attempt_submit, attempt=attempt, now=NOW + timedelta(minutes=32))


def test_a_failed_attempt_may_be_resat_and_counts_as_a_resit_until_attempts_run_out(roster, exam):
    staff = roster["emp_a"]
    first = services.attempt_start(staff=staff, exam=exam, now=NOW)
    services.attempt_submit(attempt=first, answers={}, now=NOW + timedelta(minutes=1))
    second = services.attempt_start(staff=staff, exam=exam, now=NOW + timedelta(minutes=2))
    assert second.number == 2 and second.is_resit
    services.attempt_submit(attempt=second, now=NOW + timedelta(minutes=3))
    refused(codes.NO_ATTEMPTS_LEFT, services.attempt_start, staff=staff, exam=exam, now=NOW + timedelta(minutes=4))


def test_a_passed_exam_is_not_sat_again(roster, exam):
    attempt = services.attempt_start(staff=roster["emp_a"], exam=exam, now=NOW)
    services.attempt_submit(attempt=attempt, answers=right_answers(attempt), now=NOW + timedelta(minutes=1))
    refused(codes.ALREADY_PASSED, services.attempt_start, staff=roster["emp_a"], exam=exam, now=NOW)


def test_outside_the_window_or_audience_nobody_starts(cast, roster, exam):
    refused(codes.EXAM_NOT_OPEN, services.attempt_start, staff=roster["emp_a"], exam=exam, now=at(2025, 7, 2))
    exam.audience_group = "sales"
    exam.save()
    refused(codes.NOT_INVITED, services.attempt_start, staff=roster["emp_a"], exam=exam, now=NOW)
    assert services.attempt_start(staff=roster["sales_a"], exam=exam, now=NOW)


def test_a_lapsed_attempt_is_graded_by_the_sweep_once(roster, exam):
    attempt = services.attempt_start(staff=roster["emp_a"], exam=exam, now=NOW)
    assert services.attempts_expire(now=NOW + timedelta(minutes=10)) == 0
    assert services.attempts_expire(now=NOW + timedelta(hours=1)) == 1
    assert services.attempts_expire(now=NOW + timedelta(hours=2)) == 0
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.TIMED_OUT


def test_the_deadline_never_passes_the_window(roster, exam):
    attempt = services.attempt_start(staff=roster["emp_a"], exam=exam, now=at(2025, 6, 30, 23, 50))
    assert attempt.deadline_at == exam.closes_at


def test_an_edit_of_a_question_does_not_change_a_paper_already_drawn(cast, roster, exam, bank):
    attempt = services.attempt_start(staff=roster["emp_a"], exam=exam, now=NOW)
    answers = right_answers(attempt)
    services.question_revise(actor=cast.hq_admin, question=bank[0], data={"answer": ["C"]}, now=NOW)
    done = services.attempt_submit(attempt=attempt, answers=answers, now=NOW + timedelta(minutes=1))
    assert done.score == Decimal("16")


def test_results_show_after_the_window_and_keys_only_to_the_owner(cast, exam):
    assert not selectors.results_visible(exam, now=NOW)
    assert selectors.results_visible(exam, now=at(2025, 7, 1))
    assert selectors.may_see_keys(cast.hq_admin, exam)
    assert not selectors.may_see_keys(cast.manager, exam)


def test_rules_draw_per_person_and_refuse_more_than_the_bank_holds(cast, roster, bank):
    data = {
        "title": "抽题考试",
        "time_limit_minutes": 20,
        "opens_at": at(2025, 6, 1),
        "closes_at": at(2025, 7, 1),
    }
    refused(
        codes.NOT_ENOUGH_QUESTIONS,
        services.exam_create,
        actor=cast.hq_admin,
        data=data,
        rules=[{"topic": "投诉处理", "count": 5, "points": 5}],
        pass_mark=10,
        now=NOW,
    )
    exam = services.exam_create(
        actor=cast.hq_admin,
        data=data,
        rules=[{"topic": "投诉处理", "count": 2, "points": 5}, {"topic": "销售行为", "count": 3, "points": 5}],
        pass_mark=15,
        publish=True,
        now=NOW,
    )
    attempt = services.attempt_start(staff=roster["emp_a"], exam=exam, now=NOW)
    assert len(attempt.paper) == 5 and len({p["v"] for p in attempt.paper}) == 5
    assert attempt.max_score == Decimal("25")


def test_a_pass_mark_above_the_total_is_refused(cast, bank):
    refused(
        codes.INVALID,
        services.exam_create,
        actor=cast.hq_admin,
        data={"title": "x", "time_limit_minutes": 10, "opens_at": NOW, "closes_at": NOW + timedelta(days=1)},
        items=[(bank[0].current, 2)],
        pass_mark=3,
        now=NOW,
    )
    assert not Exam.objects.exists()
