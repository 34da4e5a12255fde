"""Coverage: compulsory courses attended and their exams passed, per person; leavers out; no flattery."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.training.conftest import NOW, right_answers
from xiaobao.training import coverage as coverage_module
from xiaobao.training import selectors, services
from xiaobao.training.models import Attendance, AudienceGroup, StaffMember


@pytest.fixture
def plan(cast, roster, exam):
    """An all-staff compulsory course with the June exam, and an operations-only compulsory course."""
    everyone = services.course_create(
        actor=cast.hq_admin, title="全员必修", year=2025, audiences=[(AudienceGroup.ALL_STAFF, "", True)], now=NOW
    )
    ops = services.course_create(
        actor=cast.hq_admin, title="运营必修", year=2025, audiences=[(AudienceGroup.OPERATIONS, "", True)], now=NOW
    )
    exam.course = everyone
    exam.save()
    session = services.session_create(
        actor=cast.hq_admin,
        title="全员培训",
        held_on=date(2025, 6, 10),
        courses=[everyone, ops],
        audience_group=AudienceGroup.ALL_STAFF,
        org_unit=cast.hq,
        now=NOW,
    )
    return {"everyone": everyone, "ops": ops, "session": session}


def attend(session, staff):
    Attendance.objects.create(session=session, staff=staff, source="manual", checked_in_at=NOW)


def test_covered_needs_every_compulsory_course_attended_and_its_exam_passed(cast, roster, exam, plan):
    emp = roster["emp_a"]
    attend(plan["session"], emp)
    result = coverage_module.coverage(StaffMember.objects.filter(pk=emp.pk), 2025)
    person = result.people[0]
    assert not person.covered and person.missing_pass == [plan["everyone"].pk]
    attempt = services.attempt_start(staff=emp, exam=exam, now=NOW)
    services.attempt_submit(attempt=attempt, answers=right_answers(attempt), now=NOW + timedelta(minutes=1))
    assert coverage_module.coverage(StaffMember.objects.filter(pk=emp.pk), 2025).people[0].covered


def test_a_failed_exam_or_a_missing_course_is_not_coverage(cast, roster, exam, plan):
    emp = roster["emp_b"]
    attend(plan["session"], emp)
    attempt = services.attempt_start(staff=emp, exam=exam, now=NOW)
    services.attempt_submit(attempt=attempt, answers={}, now=NOW + timedelta(minutes=1))
    person = coverage_module.coverage(StaffMember.objects.filter(pk=emp.pk), 2025).people[0]
    assert not person.covered and person.missing_pass


def test_people_with_nothing_required_are_not_counted_as_covered_and_leavers_are_out(cast, roster, plan):
    roster["sales_a"].left_on = date(2025, 3, 1)
    roster["sales_a"].save()
    result = coverage_module.coverage(StaffMember.objects.all(), 2025)
    assert roster["sales_a"].pk not in {p.staff_id for p in result.people}
    assert result.totals["covered"] == 0 and result.totals["people"] == 3


def test_a_branch_sees_its_own_people_only(cast, roster):
    seen = set(selectors.staff_for(cast.officer_a).values_list("employee_no", flat=True))
    assert seen == {"A0001", "A0002", "A0003"}
    assert not selectors.staff_for(cast.outsider).exists()


def test_indicator_figures_count_person_times_sittings_resits_and_coverage(cast, roster, exam, plan):
    attend(plan["session"], roster["emp_a"])
    attend(plan["session"], roster["emp_b"])
    first = services.attempt_start(staff=roster["emp_a"], exam=exam, now=NOW)
    services.attempt_submit(attempt=first, answers={}, now=NOW + timedelta(minutes=1))
    second = services.attempt_start(staff=roster["emp_a"], exam=exam, now=NOW + timedelta(minutes=2))
    services.attempt_submit(attempt=second, answers=right_answers(second), now=NOW + timedelta(minutes=3))
    figures = coverage_module.figures_by_unit(date(2025, 1, 1), date(2025, 12, 31))
    sub_a = figures[cast.sub_a.pk]
    assert (sub_a["person_times"], sub_a["sittings"], sub_a["resits"]) == (1, 2, 1)
    assert (sub_a["examined"], sub_a["passed"], sub_a["covered"], sub_a["staff"]) == (1, 1, 1, 1)
    assert figures[cast.branch_b.pk]["covered"] == 0


def test_units_below_target_get_a_work_order_listing_their_people(cast, roster, plan):
    orders = services.coverage_chase(
        actor=cast.hq_admin, year=2025, target_rate=90, units=[cast.branch_a], due_on=date(2025, 7, 31), now=NOW
    )
    from xiaobao.workorders import selectors as workorder_selectors

    (order_id,) = orders
    order = workorder_selectors.get_work_order_for_user(cast.hq_admin, order_id)
    assert "陈静（A0001）" in order.content and "运营必修" in order.content
