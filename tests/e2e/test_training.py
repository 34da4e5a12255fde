"""培训考试 in a real browser: an employee sits an exam — answers saved as they go survive a reload, the
paper is handed in and graded; a hand-in after the server's deadline is refused and only answers saved
in time count; and the contest leaderboard updates itself while a round is running.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.conftest import log_in, screenshot
from tests.helpers import make_user
from tests.training.conftest import add_staff
from xiaobao.training import services
from xiaobao.training.models import Attempt, ContestRound, Exam, Question

pytestmark = pytest.mark.e2e


@pytest.fixture
def exam(cast):
    now = timezone.now()
    versions = []
    for i in range(4):
        question = services.question_create(
            actor=cast.hq_admin,
            kind=Question.Kind.SINGLE,
            stem=f"第{i + 1}题：消费投诉一般应在多少日内作出处理决定？",
            options=[{"key": "A", "text": "7日"}, {"key": "B", "text": "15日"}, {"key": "C", "text": "30日"}],
            answer=["B"],
            explanation="《银行业保险业消费投诉处理管理办法》第十八条。",
            topic="投诉处理",
        )
        versions.append(question.current)
    return services.exam_create(
        actor=cast.hq_admin,
        data={
            "title": "消保知识全员考试",
            "time_limit_minutes": 20,
            "attempts_allowed": 2,
            "opens_at": now - timedelta(hours=1),
            "closes_at": now + timedelta(days=1),
            "results": Exam.Results.ON_SUBMIT,
        },
        items=[(v, Decimal("25")) for v in versions],
        pass_mark=60,
        org_unit=cast.hq,
        publish=True,
    )


@pytest.fixture
def employee(cast):
    user = make_user("chenjing", cast.sub_a, "employee", "陈静")
    add_staff(cast.sub_a, "A0001", "陈静", user=user)
    return user


def start(page, exam):
    page.goto("/training/my/")
    page.get_by_test_id("take-exam").click()
    page.get_by_test_id("start-exam").click()
    page.wait_for_url("**/training/my/attempts/*/")
    return Attempt.objects.get(exam=exam, status=Attempt.Status.IN_PROGRESS)


def choose_b(page, index: int):
    page.get_by_test_id("question").nth(index).locator("label", has_text="15日").click()


def test_an_employee_sits_an_exam_and_a_reload_loses_nothing(page, cast, exam, employee):
    log_in(page, "chenjing")
    start(page, exam)
    for index in range(2):
        choose_b(page, index)
    expect(page.get_by_test_id("save-state")).to_have_attribute("data-state", "saved")
    page.reload()
    checked = page.locator("[data-testid=question] input:checked")
    expect(checked).to_have_count(2)
    for index in range(2, 4):
        choose_b(page, index)
    screenshot(page, "training-exam-paper")
    page.get_by_test_id("submit-exam").click()
    page.wait_for_url("**/result/")
    expect(page.get_by_test_id("score")).to_have_text("100.0")
    expect(page.get_by_test_id("passed")).to_be_visible()
    expect(page.get_by_test_id("explained")).to_have_count(4)  # this exam shows explanations on hand-in


def test_a_hand_in_after_the_time_limit_is_refused(page, cast, exam, employee):
    log_in(page, "chenjing")
    attempt = start(page, exam)
    choose_b(page, 0)
    expect(page.get_by_test_id("save-state")).to_have_attribute("data-state", "saved")
    # the server's clock moves on while the page still shows time left: 21 minutes have passed
    earlier = timezone.now() - timedelta(minutes=21)
    Attempt.objects.filter(pk=attempt.pk).update(started_at=earlier, deadline_at=earlier + timedelta(minutes=20))
    # the late answers reach the server only with the hand-in (set without events, so no autosave runs)
    page.evaluate(
        "document.querySelectorAll('[data-testid=question] input[type=radio][value=B]')"
        ".forEach(function (i) { i.checked = true; })"
    )
    page.get_by_test_id("submit-exam").click()
    page.wait_for_url("**/result/")
    expect(page.locator(".message.error")).to_contain_text("考试时间已到")
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.TIMED_OUT
    assert attempt.score == Decimal("25")  # only the answer saved before the deadline counts


def test_the_leaderboard_updates_itself_during_a_round(page, cast, exam, employee):
    contest = services.contest_create(actor=cast.hq_admin, year=2025, title="消保之星知识竞赛", org_unit=cast.hq)
    stage = services.round_add(
        actor=cast.hq_admin, contest=contest, kind=ContestRound.Kind.PRELIMINARY, name="初赛", exam=exam
    )
    first = add_staff(cast.branch_b, "B0001", "赵磊")
    attempt = services.attempt_start(staff=first, exam=exam)
    services.attempt_submit(attempt=attempt, answers={str(attempt.paper[0]["v"]): "B"})
    log_in(page, "chenjing")
    page.goto(f"/training/contests/{contest.pk}/rounds/{stage.pk}/leaderboard/")
    expect(page.get_by_test_id("leaderboard-row")).to_have_count(1)
    second = add_staff(cast.branch_a, "A0002", "孙丽")
    attempt = services.attempt_start(staff=second, exam=exam)
    services.attempt_submit(attempt=attempt, answers={str(p["v"]): "B" for p in attempt.paper})
    rows = page.get_by_test_id("leaderboard-row")
    expect(rows).to_have_count(2, timeout=15_000)  # no reload: the table fetched itself
    expect(rows.first).to_contain_text("孙丽")
    screenshot(page, "training-leaderboard")
