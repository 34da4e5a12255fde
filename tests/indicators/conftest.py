"""Fixtures for the indicator engine tests: a small world of complaints, reviews, work orders and plan
activities over the cast's org tree (HQ ─ A ─ A1, HQ ─ B ─ B1), written with the ORM so every date and
status is exact, and the figures of 2025-Q1 worked out by hand (EXPECTED)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from xiaobao.complaints.models import Complaint
from xiaobao.indicators.models import IndicatorDefinition


def at(*args) -> datetime:
    """An aware moment in Asia/Shanghai."""
    return timezone.make_aware(datetime(*args))


NOW = at(2025, 4, 15, 9, 0)
S = Complaint.Status


def complaint(unit, received, *, closed_days=None, decided_days=None, due_days=15, repeat=False, status=None):
    decided_days = closed_days if decided_days is None else decided_days
    return Complaint.objects.create(
        org_unit=unit,
        channel=Complaint.Channel.HOTLINE,
        received_at=received,
        registered_at=received,
        complainant_name="王秀兰",
        subject="理赔款迟迟未到账",
        content="投诉人反映理赔款超过约定时限仍未支付。",
        status=status or (S.CLOSED if closed_days is not None else S.HANDLING),
        due_at=received + timedelta(days=due_days),
        decided_at=received + timedelta(days=decided_days) if decided_days is not None else None,
        closed_at=received + timedelta(days=closed_days) if closed_days is not None else None,
        is_repeat=repeat,
    )


def review(unit, submitter, submitted, opinions):
    """A review of `unit` with opinions [(kind, response, final_adopted)]."""
    from xiaobao.reviews.models import FormVersion, Opinion, Review

    row = Review.objects.create(
        org_unit=unit,
        form_version=FormVersion.objects.filter(is_current=True).order_by("pk").first(),
        title="新产品审查",
        submitter=submitter,
        submitted_at=submitted,
        status=Review.Status.CLOSED,
    )
    for seq, (kind, response, adopted) in enumerate(opinions, 1):
        Opinion.objects.create(
            review=row,
            seq=seq,
            kind=kind,
            location="第3条",
            risk="表述不清",
            suggestion="修改",
            created_by=submitter,
            created_at=submitted,
            response=response,
            final_adopted=adopted,
        )
    return row


def work_order(unit, issuer, *, closed, due, submitted):
    from xiaobao.workorders.models import WorkOrder

    return WorkOrder.objects.create(
        org_unit=unit,
        title="整改",
        kind=WorkOrder.Kind.RECTIFICATION,
        content="整改",
        issuer=issuer,
        issuer_unit=issuer.org_unit,
        due_at=due,
        created_at=due - timedelta(days=10),
        submitted_at=submitted,
        closed_at=closed,
        status=WorkOrder.Status.CLOSED,
    )


def activity(unit, user, held_on, *, task=None, **counts):
    from xiaobao.plans.models import Activity

    return Activity.objects.create(
        org_unit=unit,
        task=task,
        held_on=held_on,
        title="金融知识进社区",
        form=Activity.Form.OFFLINE,
        target=Activity.Target.COMMUNITY,
        created_by=user,
        created_at=NOW,
        **counts,
    )


def training_task(unit, user):
    from xiaobao.plans.models import Plan, PlanTask

    plan = Plan.objects.create(
        org_unit=unit,
        name="2025年消保培训计划",
        kind=Plan.Kind.TRAINING,
        period_start=date(2025, 1, 1),
        period_end=date(2025, 12, 31),
        description="培训",
        created_by=user,
        created_at=NOW,
        updated_at=NOW,
    )
    return PlanTask.objects.create(plan=plan, title="消保知识培训")


@pytest.fixture
def world(cast):
    """2025-Q1, by unit (own records; a unit's value adds its subtree):

    complaints (received, closed on day n, due day 15):
      A:  closed day 10 on time; closed day 22 (decided day 20) late; open; repeat closed day 8 on time
      A1: closed day 5 on time; closed day 7 on time
      B:  closed day 18 late
      outside Q1: A received 2024-12-30 and A 2025-04-02 (both closed on time)
    reviews submitted in Q1: A: substantive adopted, substantive rejected, general unanswered; B: general adopted
    work orders closed in Q1: A on time, A late; B1 on time closed 2025-04-01 (Q2)
    activities: A 2 (reach 1000+5000, articles 0+1, participants 50+0), A1 1 (reach 200);
                B training session (participants 30) on a 培训计划 plan
    """
    from xiaobao.reviews.models import Opinion

    c = cast
    complaint(c.branch_a, at(2025, 1, 10, 9), closed_days=10)
    complaint(c.branch_a, at(2025, 2, 3, 9), closed_days=22, decided_days=20)
    complaint(c.branch_a, at(2025, 3, 28, 9))
    complaint(c.branch_a, at(2025, 3, 1, 9), closed_days=8, repeat=True)
    complaint(c.sub_a, at(2025, 1, 20, 9), closed_days=5)
    complaint(c.sub_a, at(2025, 3, 31, 23, 30), closed_days=7)  # the last evening of the quarter counts
    complaint(c.branch_b, at(2025, 2, 14, 9), closed_days=18)
    complaint(c.branch_a, at(2024, 12, 31, 23, 59), closed_days=3)
    complaint(c.branch_a, at(2025, 4, 1, 0, 0), closed_days=3)

    K, R = Opinion.Kind, Opinion.Response
    review(
        c.branch_a,
        c.officer_a,
        at(2025, 2, 1, 10),
        [(K.SUBSTANTIVE, R.ADOPTED, True), (K.SUBSTANTIVE, R.REJECTED, False), (K.GENERAL, "", None)],
    )
    review(c.branch_b, c.officer_b, at(2025, 3, 5, 10), [(K.GENERAL, R.ADOPTED, True)])

    work_order(c.branch_a, c.hq_admin, closed=at(2025, 2, 10, 9), due=at(2025, 2, 9, 18), submitted=at(2025, 2, 8, 9))
    work_order(c.branch_a, c.hq_admin, closed=at(2025, 3, 10, 9), due=at(2025, 3, 5, 18), submitted=at(2025, 3, 7, 9))
    work_order(c.sub_b, c.hq_admin, closed=at(2025, 4, 1, 9), due=at(2025, 4, 5, 18), submitted=at(2025, 3, 30, 9))

    activity(c.branch_a, c.officer_a, date(2025, 3, 15), reach=1000, participants=50)
    activity(c.branch_a, c.officer_a, date(2025, 3, 16), reach=5000, articles=1)
    activity(c.sub_a, c.officer_a, date(2025, 2, 1), reach=200)
    activity(c.branch_b, c.officer_b, date(2025, 3, 20), task=training_task(c.branch_b, c.officer_b), participants=30)
    training_world(c)
    return c


def training_world(c) -> None:
    """The training app in Q1: one all-staff compulsory course with an exam; a session at B on 2025-03-10
    attended by A1's 陈静 and B's 赵磊 and 刘芳; 赵磊 passes, 刘芳 fails twice (one resit), 陈静 does not sit."""
    from xiaobao.training import services as training
    from xiaobao.training.models import AudienceGroup, Question, StaffMember

    when = at(2025, 3, 10, 9)
    people = [
        StaffMember.objects.create(org_unit=unit, employee_no=no, name=name, group="operations", updated_at=when)
        for unit, no, name in ((c.sub_a, "A1-01", "陈静"), (c.branch_b, "B-01", "赵磊"), (c.branch_b, "B-02", "刘芳"))
    ]
    course = training.course_create(
        actor=c.hq_admin, title="消保全员必修", year=2025, audiences=[(AudienceGroup.ALL_STAFF, "", True)], now=when
    )
    question = training.question_create(
        actor=c.hq_admin, kind=Question.Kind.TRUE_FALSE, stem="消费者享有知情权。", answer=["T"], topic="权益", now=when
    )
    exam = training.exam_create(
        actor=c.hq_admin,
        data={
            "title": "全员考试",
            "time_limit_minutes": 10,
            "attempts_allowed": 3,
            "opens_at": when,
            "closes_at": at(2025, 3, 31, 18),
        },
        items=[(question.current, 100)],
        pass_mark=60,
        course=course,
        org_unit=c.hq,
        publish=True,
        now=when,
    )
    session = training.session_create(
        actor=c.hq_admin,
        title="全员培训",
        held_on=date(2025, 3, 10),
        courses=[course],
        audience_group=AudienceGroup.ALL_STAFF,
        org_unit=c.branch_b,
        now=when,
    )
    from xiaobao.training.models import Attendance

    for person in people:
        Attendance.objects.create(session=session, staff=person, source="manual", checked_in_at=when)
    for person, responses in ((people[1], ["T"]), (people[2], ["F", "F"])):
        for minute, response in enumerate(responses):
            attempt = training.attempt_start(staff=person, exam=exam, now=when + timedelta(minutes=20 * minute))
            training.attempt_submit(
                attempt=attempt,
                answers={str(question.current.pk): response},
                now=when + timedelta(minutes=20 * minute + 5),
            )


def q(value) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.000001"))


def expected(cast) -> dict[str, dict]:
    """{indicator code: {unit: value}} for 2025-Q1, by hand (see `world`)."""
    c = cast
    return {
        "complaints_count": {c.sub_a: 2, c.branch_a: 6, c.branch_b: 1, c.sub_b: 0, c.hq: 7},
        # by the deadline in force falling in Q1 (issue 17): A's own 01-10, 02-03 (late), 03-01 and 2024-12-31
        # (due 01-15) ones, A1's 01-20 one (its 03-31 one falls due in Q2), B's late one; A's open 03-28 one
        # falls due in Q2. A: 4 of 5 (80 %), not the mean of A's own 3/4 and A1's 1/1; HQ 4/6, not mean(80, 0)
        "complaints_on_time_rate": {c.sub_a: 100, c.branch_a: 80, c.branch_b: 0, c.sub_b: None, c.hq: q(400 / 6)},
        "complaints_repeat_rate": {c.sub_a: 0, c.branch_a: q(100 / 6), c.branch_b: 0, c.sub_b: None, c.hq: q(100 / 7)},
        # days from receipt to closure: A 10, 22, 8; A1 5, 7; B 18
        "complaints_avg_days": {c.sub_a: 6, c.branch_a: q(52 / 5), c.branch_b: 18, c.sub_b: None, c.hq: q(70 / 6)},
        # every complaint of the fixture came in by hotline: none was forwarded by the regulator
        "complaints_forwarded": {c.sub_a: 0, c.branch_a: 0, c.branch_b: 0, c.sub_b: 0, c.hq: 0},
        "reviews_count": {c.sub_a: 0, c.branch_a: 1, c.branch_b: 1, c.hq: 2},
        "reviews_substantive_opinions": {c.branch_a: 2, c.branch_b: 0, c.hq: 2},
        "reviews_adoption_rate": {c.branch_a: 50, c.branch_b: 100, c.sub_b: None, c.hq: q(200 / 3)},
        "workorders_on_time_rate": {c.branch_a: 50, c.branch_b: None, c.sub_b: None, c.hq: 50},
        "education_events": {c.sub_a: 1, c.branch_a: 3, c.branch_b: 0, c.hq: 3},
        "education_reach": {c.sub_a: 200, c.branch_a: 6200, c.branch_b: 0, c.hq: 6200},
        "education_articles": {c.branch_a: 1, c.hq: 1},
        # from the training app (sign-ins, by the attendee's unit): A1 1, B 2
        # the world has no service interactions: nothing received, so both rates are empty (not 0 or 100);
        # their figures over real transcripts are tested in tests/inspection/test_indicators.py
        "inspection_coverage": {c.hq: None},
        "inspection_violation_rate": {c.hq: None},
        "training_person_times": {c.sub_a: 1, c.branch_a: 1, c.branch_b: 2, c.hq: 3},
        "training_exam_sittings": {c.branch_a: 0, c.branch_b: 3, c.hq: 3},
        "training_pass_rate": {c.branch_a: None, c.branch_b: 50, c.hq: 50},
        # covered = attended and passed: only 赵磊 of the three on the roster
        "training_coverage_rate": {c.sub_a: 0, c.branch_a: 0, c.branch_b: 50, c.hq: q(100 / 3)},
    }


def definition(code: str) -> IndicatorDefinition:
    return IndicatorDefinition.objects.get(code=code)
