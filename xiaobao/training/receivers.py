"""The training side of `core.hooks.targeted_training_requested` (DESIGN.md "Layering": inspection and
complaints sit beside training, so they ask through the hook instead of importing it).

A request names a person (a user), a rule or root-cause code and the source. It is answered when the person
is on the roster and an active `TargetedTrainingRule` maps the code to a course: the person is assigned the
course (and its exam) with a deadline, their unit gets a work order listing them, and the sender gets
{"id", "label", "url"} back. Otherwise it is declined (None) and the sender keeps the request pending, as
the hook's contract says. Runs inside the sender's transaction.
"""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from xiaobao.training.assignments import assign_targeted_training, source_key
from xiaobao.training.models import StaffMember, TargetedTrainingRule, TrainingAssignment


def _source_kind(sender) -> str:
    meta = getattr(sender, "_meta", None)
    return meta.app_label if meta is not None else ""


def on_targeted_training_requested(sender, *, agent, reason, rule_code, source, due_date=None, actor=None, **kwargs):
    """Assign the mapped course to `agent`'s roster entry; None when there is no rule or no roster entry."""
    rule = (
        TargetedTrainingRule.objects.select_related("course", "exam")
        .filter(source=_source_kind(sender), code=rule_code or "", is_active=True)
        .first()
    )
    staff = (
        StaffMember.objects.select_related("org_unit").filter(user=agent, left_on__isnull=True).first()
        if agent is not None
        else None
    )
    if rule is None or staff is None:
        return None
    today = timezone.localdate()
    due_on = due_date if due_date and due_date >= today else today + timedelta(days=rule.due_days)
    made = assign_targeted_training(
        staff_members=[staff],
        course=rule.course,
        exam=rule.exam,
        due_on=due_on,
        reason=reason or rule.course.title,
        source=source,
        assigned_by=actor,
    )
    assignment = (
        made[0]
        if made
        else TrainingAssignment.objects.get(staff=staff, course=rule.course, source_key=source_key(source))
    )
    return {
        "id": assignment.pk,
        "label": f"{rule.course.title} · {staff.name}",
        "url": reverse("training:assignments") + f"?staff={staff.employee_no}",
        "due_on": assignment.due_on.isoformat(),
    }
