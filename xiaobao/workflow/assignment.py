"""Who may act on a human task: candidates by role + org unit, supervisors by scope.

A candidate holds the task's role (not read-only) and reaches the task's org unit with that
role: a company-wide role reaches every unit; a subtree role reaches the user's own unit and
below, plus the units of RoleAssignments for that role. The same rule is expressed twice —
as SQL for the inbox (`candidate_q`) and as a check for one task (`is_candidate`).
"""

from __future__ import annotations

from functools import reduce
from operator import or_

from django.db.models import Q

from xiaobao.core.models import PATH_STEP, OrgUnit, Role, RoleAssignment
from xiaobao.core.scope import scope_for

ACT_PERMISSION = "workflow.change_humantask"
SUPERVISE_PERMISSION = "workflow.change_processinstance"


def _reach(user) -> list[tuple[Role, tuple[str, ...], tuple[str, ...]]]:
    """(role, subtree paths, single-unit paths) per acting role; cached on the user object."""
    cached = user.__dict__.get("_xiaobao_workflow_reach")
    if cached is not None:
        return cached
    reach: list = []
    if user.is_authenticated and user.is_active:
        roles = {r.pk: r for r in Role.objects.filter(group__user=user, read_only=False)}
        extra: dict[int, tuple[list, list]] = {}
        for assignment in RoleAssignment.objects.filter(user=user, role__read_only=False).select_related(
            "org_unit", "role"
        ):
            roles.setdefault(assignment.role_id, assignment.role)
            subtree, units = extra.setdefault(assignment.role_id, ([], []))
            (subtree if assignment.is_recursive else units).append(assignment.org_unit.path)
        own = (user.org_unit.path,) if user.org_unit_id else ()
        for role in roles.values():
            subtree, units = extra.get(role.pk, ([], []))
            reach.append((role, (*own, *subtree), tuple(units)))
    user.__dict__["_xiaobao_workflow_reach"] = reach
    return reach


def candidate_q(user) -> Q | None:
    """Open tasks this user may claim, as a filter on HumanTask; None when there are none."""
    if not user.has_perm(ACT_PERMISSION):
        return None
    parts = []
    for role, subtree, units in _reach(user):
        if role.scope == Role.Scope.ALL:
            parts.append(Q(candidate_role=role))
            continue
        where = [Q(path__startswith=p) for p in subtree] + [Q(path=p) for p in units]
        if where:
            # The units as a subquery, so the task's (status, candidate_role, org_unit) index serves the lookup:
            # with the path joined in, SQLite walked every unassigned open task of the institution (10,000 at
            # 200,000 complaints, 0.5-0.9 s per inbox count) to keep the branch's share.
            reached = OrgUnit.objects.filter(reduce(or_, where)).values("pk")
            parts.append(Q(candidate_role=role, org_unit__in=reached))
    return reduce(or_, parts) if parts else None


def is_candidate(user, task) -> bool:
    if task.candidate_role_id is None or not user.has_perm(ACT_PERMISSION):
        return False
    path = task.org_unit.path
    for role, subtree, units in _reach(user):
        if role.pk != task.candidate_role_id:
            continue
        if role.scope == Role.Scope.ALL or path in units or any(path.startswith(p) for p in subtree):
            return True
    return False


def may_hold(user, task) -> bool:
    """May `user` be given this task (reassign/delegate target): active, may act, reaches its unit."""
    if not (user.is_active and user.has_perm(ACT_PERMISSION)):
        return False
    return is_candidate(user, task) or scope_for(user, "act").covers(task.org_unit.path)


def is_supervisor(user, org_unit: OrgUnit) -> bool:
    """Reassign and cancel are for people who manage processes over that unit."""
    return user.has_perm(SUPERVISE_PERMISSION) and scope_for(user, "change").covers(org_unit.path)


def resolve_org_unit(rule: str, business_unit: OrgUnit) -> OrgUnit:
    """The org unit a task belongs to, from the business object's unit and the model's org rule."""
    if rule == "parent":
        return business_unit.parent or business_unit
    if rule in {"branch", "head_office"}:
        depth = 2 if rule == "branch" else 1
        prefix = business_unit.path[: depth * (PATH_STEP + 1)]
        return OrgUnit.objects.filter(path=prefix).first() or business_unit
    return business_unit
