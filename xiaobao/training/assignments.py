"""Targeted training (定向培训) and chasing units below their coverage target.

Other modules call `assign_targeted_training` when a finding points at people — a confirmed quality-
inspection finding, a complaint's root cause: each person gets the course (and its exam) with a deadline,
and their unit gets one work order listing them, so the assignment is tracked, reminded and closed like
any other task. Calling twice for the same source changes nothing. `assignments_refresh` (periodic)
marks assignments done when the course was attended and its exam passed after the assignment, and overdue
when the deadline passed first.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from xiaobao.core import audit
from xiaobao.core.models import OrgUnit, User
from xiaobao.core.scope import scope_for
from xiaobao.training import error_codes as codes
from xiaobao.training.models import Attempt, Attendance, Course, Exam, StaffMember, TrainingAssignment
from xiaobao.training.sheets import refusal


def source_key(source) -> str:
    return f"{source._meta.label_lower}:{source.pk}" if source is not None else ""


@transaction.atomic
def assign_targeted_training(
    *,
    staff_members: list[StaffMember],
    course: Course,
    due_on: date,
    reason: str,
    exam: Exam | None = None,
    source=None,
    assigned_by: User | None = None,
    open_work_orders: bool = True,
    now: datetime | None = None,
) -> list[TrainingAssignment]:
    """Assign `course` (and `exam`, which must test that course) to each person by `due_on`; one work
    order per unit lists its people. Runs in the caller's transaction (the caller applied its own rule,
    as with `workorders.services.workorder_open`). Returns the new assignments (none for people already
    assigned the course for this source).

    Refuses INVALID: no people, a leaver, no reason, a deadline before today, an exam of another course.
    """
    now = now or timezone.now()
    reason = (reason or "").strip()[:300]
    if not staff_members or any(s.left_on for s in staff_members):
        raise refusal(codes.INVALID, _("请指定在职员工。"), field="staff_members")
    if not reason:
        raise refusal(codes.INVALID, _("请说明定向培训的原因。"), field="reason")
    if due_on < timezone.localdate(now):
        raise refusal(codes.INVALID, _("完成期限不能早于今天。"), field="due_on")
    if exam is not None and exam.course_id != course.pk:
        raise refusal(codes.INVALID, _("所选考试不属于该课程。"), field="exam")
    key = source_key(source)
    have = set(
        TrainingAssignment.objects.filter(course=course, source_key=key, staff__in=staff_members).values_list(
            "staff_id", flat=True
        )
        if key
        else ()
    )
    label = str(source)[:200] if source is not None else ""
    url = (source.get_absolute_url() if hasattr(source, "get_absolute_url") else "")[:300] if source else ""
    made = TrainingAssignment.objects.bulk_create(
        [
            TrainingAssignment(
                org_unit_id=s.org_unit_id,
                staff=s,
                course=course,
                exam=exam,
                reason=reason,
                source_label=label,
                source_url=url,
                source_key=key,
                due_on=due_on,
                assigned_by=assigned_by if getattr(assigned_by, "is_authenticated", False) else None,
                assigned_at=now,
            )
            for s in staff_members
            if s.pk not in have
        ]
    )
    if made and open_work_orders:
        _open_orders(made, course=course, reason=reason, due_on=due_on, issuer=assigned_by, now=now)
    for assignment in made:
        audit.record(
            actor=assigned_by,
            action="training.assign",
            obj=assignment,
            changes={"course": course.pk, "due_on": due_on, "source": key},
            at=now,
        )
    return made


def _open_orders(assignments, *, course, reason, due_on, issuer, now) -> None:
    from xiaobao.workorders import services as workorders

    by_unit = defaultdict(list)
    for assignment in assignments:
        by_unit[assignment.org_unit_id].append(assignment)
    units = OrgUnit.objects.in_bulk(list(by_unit))
    for unit_id, rows in by_unit.items():
        names = "、".join(f"{a.staff.name}（{a.staff.employee_no}）" for a in rows)
        order = workorders.workorder_open(
            source=rows[0],
            title=_("定向培训：%(course)s") % {"course": course.title},
            kind="rectification",
            content=_("原因：%(reason)s\n请组织以下人员于 %(due)s 前完成课程学习并通过考试：%(names)s")
            % {"reason": reason, "due": due_on, "names": names},
            recipient_unit=units[unit_id],
            due_date=due_on,
            issuer=issuer,
            now=now,
        )
        TrainingAssignment.objects.filter(pk__in=[a.pk for a in rows]).update(workorder_id=order.pk)
        for assignment in rows:
            assignment.workorder_id = order.pk


def assignments_refresh(*, now: datetime | None = None) -> dict[str, int]:
    """Mark open assignments done (course attended on or after the assignment day and, if an exam was set,
    passed after the assignment) or overdue (deadline passed first). Idempotent; the periodic job."""
    now = now or timezone.now()
    open_rows = TrainingAssignment.objects.filter(status=TrainingAssignment.Status.OPEN)
    attended = Attendance.objects.filter(
        staff=OuterRef("staff"),
        session__courses=OuterRef("course"),
        session__held_on__gte=OuterRef("assigned_at__date"),
    )
    passed = Attempt.objects.filter(
        staff=OuterRef("staff"), exam=OuterRef("exam"), passed=True, submitted_at__gte=OuterRef("assigned_at")
    )
    done_ids = list(
        open_rows.annotate(a=Exists(attended), p=Exists(passed))
        .filter(a=True)
        .exclude(exam__isnull=False, p=False)
        .values_list("pk", flat=True)
    )
    done = TrainingAssignment.objects.filter(pk__in=done_ids).update(
        status=TrainingAssignment.Status.DONE, completed_at=now
    )
    overdue = (
        open_rows.exclude(pk__in=done_ids)
        .filter(due_on__lt=timezone.localdate(now))
        .update(status=TrainingAssignment.Status.OVERDUE)
    )
    return {"done": done, "overdue": overdue}


@transaction.atomic
def coverage_chase(
    *, actor: User, year: int, target_rate: float, units: list[OrgUnit], due_on: date, now: datetime | None = None
) -> list[int]:
    """Send each unit whose coverage is below `target_rate` (percent) a work order listing its people not
    yet covered and what each still lacks. Returns the work order ids. Refuses NOT_ALLOWED (403: without
    training.change_staffmember, or a unit outside the actor's scope) and INVALID (a target outside 0..100).
    """
    from xiaobao.training import selectors
    from xiaobao.training.coverage import coverage
    from xiaobao.workorders import services as workorders

    now = now or timezone.now()
    if not actor.has_perm("training.change_staffmember"):
        raise refusal(codes.NOT_ALLOWED, _("您没有督促培训覆盖的权限。"), status=403)
    if not 0 < target_rate <= 100:
        raise refusal(codes.INVALID, _("目标覆盖率须在 0 到 100 之间。"), field="target_rate")
    orders = []
    for unit in units:
        if not scope_for(actor, "change").covers(unit.path):
            raise refusal(codes.NOT_ALLOWED, _("您不能督促该机构。"), status=403)
        staff = selectors.staff_for(actor, {"org_unit": unit})
        result = coverage(staff, year)
        totals = result.totals
        if totals["people"] == 0 or totals["rate"] >= target_rate:
            continue
        lines = []
        for person in result.people:
            if person.covered:
                continue
            lacking = [result.course_titles[c] for c in person.missing_attendance] + [
                _("%(course)s（考试未通过）") % {"course": result.course_titles[c]} for c in person.missing_pass
            ]
            lines.append(f"{person.name}（{person.employee_no}）：{'、'.join(lacking) or _('无必修课程')}")
        order = workorders.workorder_open(
            source=unit,
            title=_("%(year)s年培训覆盖率未达标：%(unit)s") % {"year": year, "unit": unit.name},
            kind="rectification",
            content=_("覆盖率 %(rate)s%%，目标 %(target)s%%。请组织以下人员完成必修课程：\n")
            % {"rate": totals["rate"], "target": target_rate}
            + "\n".join(lines),
            recipient_unit=unit,
            due_date=due_on,
            issuer=actor,
            now=now,
        )
        audit.record(
            actor=actor, action="training.coverage_chase", obj=unit, changes={"order": order.pk, **totals}, at=now
        )
        orders.append(order.pk)
    return orders
