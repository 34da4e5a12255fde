"""Targeted training from other modules, offline results, and the contest rankings."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.training.conftest import NOW, at, right_answers, xlsx
from xiaobao.core.api_errors import BusinessRuleError
from xiaobao.training import contest_selectors, services
from xiaobao.training.models import Attempt, Attendance, AudienceGroup, ContestRound, TrainingAssignment


@pytest.fixture
def course(cast, exam):
    course = services.course_create(
        actor=cast.hq_admin, title="销售误导整改", year=2025, audiences=[(AudienceGroup.SALES, "", False)], now=NOW
    )
    exam.course = course
    exam.save()
    return course


def test_an_assignment_is_once_per_source_tracked_by_a_work_order_and_done_when_passed(cast, roster, exam, course):
    source = cast.branch_a  # any model row stands for the finding that caused it
    made = services.assign_targeted_training(
        staff_members=[roster["emp_a"]],
        course=course,
        exam=exam,
        due_on=date(2025, 6, 30),
        reason="投诉溯源：销售环节未提示犹豫期",
        source=source,
        now=NOW,
    )
    again = services.assign_targeted_training(
        staff_members=[roster["emp_a"]],
        course=course,
        exam=exam,
        due_on=date(2025, 6, 30),
        reason="x",
        source=source,
        now=NOW,
    )
    assert len(made) == 1 and again == [] and made[0].workorder_id
    session = services.session_create(
        actor=cast.hq_admin,
        title="整改培训",
        held_on=date(2025, 6, 5),
        courses=[course],
        audience_group=AudienceGroup.ALL_STAFF,
        org_unit=cast.hq,
        now=NOW,
    )
    Attendance.objects.create(session=session, staff=roster["emp_a"], source="manual", checked_in_at=NOW)
    assert services.assignments_refresh(now=NOW)["done"] == 0  # exam not passed yet
    attempt = services.attempt_start(staff=roster["emp_a"], exam=exam, now=NOW + timedelta(hours=1))
    services.attempt_submit(attempt=attempt, answers=right_answers(attempt), now=NOW + timedelta(hours=1, minutes=5))
    assert services.assignments_refresh(now=NOW + timedelta(hours=2))["done"] == 1
    assert TrainingAssignment.objects.get().status == TrainingAssignment.Status.DONE


def test_an_assignment_past_its_deadline_is_overdue(cast, roster, course):
    services.assign_targeted_training(
        staff_members=[roster["emp_b"]], course=course, due_on=date(2025, 6, 3), reason="质检发现", now=NOW
    )
    assert services.assignments_refresh(now=at(2025, 6, 4, 9))["overdue"] == 1


def test_offline_results_number_resits_and_refuse_the_whole_file_for_one_bad_row(cast, roster, exam):
    header = ["工号", "姓名", "成绩", "考试日期"]
    bad = services.results_import(
        actor=cast.hq_admin,
        exam=exam,
        upload=xlsx([header, ["A0001", "陈静", 8, "2025-06-05"], ["B0001", "赵磊", 99, "2025-06-05"]]),
        now=NOW,
    )
    assert not bad.ok and bad.errors[0][1] == "成绩" and not Attempt.objects.exists()
    good = services.results_import(
        actor=cast.hq_admin,
        exam=exam,
        upload=xlsx([header, ["A0001", "陈静", 8, "2025-06-05"], ["A0001", "陈静", 14, "2025-06-12"]]),
        now=NOW,
    )
    assert good.ok and good.created == 2
    numbers = list(Attempt.objects.order_by("number").values_list("number", "passed", "status"))
    assert numbers == [(1, False, "imported"), (2, True, "imported")]


def test_rankings_break_ties_by_time_and_awards_go_to_participants(cast, roster, exam):
    contest = services.contest_create(
        actor=cast.hq_admin, year=2025, title="消保之星知识竞赛", org_unit=cast.hq, now=NOW
    )
    stage = services.round_add(
        actor=cast.hq_admin, contest=contest, kind=ContestRound.Kind.PRELIMINARY, name="初赛", exam=exam
    )
    for staff, minutes in ((roster["emp_a"], 9), (roster["emp_b"], 4)):
        attempt = services.attempt_start(staff=staff, exam=exam, now=NOW)
        services.attempt_submit(attempt=attempt, answers=right_answers(attempt), now=NOW + timedelta(minutes=minutes))
    ranking = contest_selectors.individual_ranking(contest, stage=stage)
    assert [r["staff"].employee_no for r in ranking] == ["B0001", "A0001"] and [r["rank"] for r in ranking] == [1, 2]
    team_a = services.team_create(
        actor=cast.hq_admin, contest=contest, org_unit=cast.branch_a, name="北京队", members=[roster["emp_a"]]
    )
    team_b = services.team_create(
        actor=cast.hq_admin, contest=contest, org_unit=cast.branch_b, name="河北队", members=[roster["emp_b"]]
    )
    final = services.round_add(actor=cast.hq_admin, contest=contest, kind=ContestRound.Kind.FINAL, name="决赛")
    services.team_score_set(actor=cast.hq_admin, stage=final, team=team_a, score=90, seconds_used=300)
    services.team_score_set(actor=cast.hq_admin, stage=final, team=team_b, score=90, seconds_used=280)
    assert [r["team"].name for r in contest_selectors.team_ranking(contest)] == ["河北队", "北京队"]
    with pytest.raises(BusinessRuleError):
        services.award_give(actor=cast.hq_admin, contest=contest, title="一等奖", rank=1, staff=roster["sales_a"])
    services.award_give(actor=cast.hq_admin, contest=contest, title="一等奖", rank=1, staff=roster["emp_b"])
    with pytest.raises(BusinessRuleError):
        services.team_create(
            actor=cast.officer_a, contest=contest, org_unit=cast.sub_a, name="x", members=[roster["emp_a"]]
        )


def test_unfinished_assignments_come_first_overdue_before_open_by_deadline(cast, roster, course):
    """Issue 21: a list of work puts what needs action first (ordering by the status code put 已撤销 first)."""
    from xiaobao.training import selectors

    staff = roster["emp_a"]
    rows = []
    for due, status in (
        (date(2025, 7, 1), TrainingAssignment.Status.CANCELLED),
        (date(2025, 8, 1), TrainingAssignment.Status.OPEN),
        (date(2025, 7, 15), TrainingAssignment.Status.OPEN),
        (date(2025, 6, 1), TrainingAssignment.Status.OVERDUE),
        (date(2025, 5, 1), TrainingAssignment.Status.DONE),
    ):
        rows.append(
            TrainingAssignment.objects.create(
                org_unit=staff.org_unit,
                staff=staff,
                course=course,
                reason="质检发现",
                due_on=due,
                status=status,
                assigned_at=NOW,
                source_key=f"test:{due}",
            )
        )
    cancelled, later, sooner, overdue, done = rows
    # finished ones last (same assignment time: the newer row first)
    assert list(selectors.own_assignments(staff)) == [overdue, sooner, later, done, cancelled]
    assert list(selectors.assignments_for(cast.hq_admin))[:3] == [overdue, sooner, later]


def test_the_contest_setup_comes_before_the_read_only_rankings(cast, roster):
    # issue 21: the organiser's action under the facts card, not under three ranking tables
    from django.test import Client
    from django.urls import reverse

    contest = services.contest_create(
        actor=cast.hq_admin, year=2025, title="消保之星知识竞赛", org_unit=cast.hq, now=NOW
    )
    client = Client()
    client.force_login(cast.hq_admin)
    html = client.get(reverse("training:contest", args=[contest.pk])).content.decode()
    setup = html.index('data-testid="contest-setup"')
    assert all(
        setup < html.index(part)
        for part in ('data-testid="team-ranking"', 'data-testid="individual-ranking"', 'data-testid="awards"')
    )
