"""Who holds a role over an org unit: the people a system event (a reminder, a 督办, an alert) goes to.

These are not reads a user makes (those are selectors, scoped to the caller); they answer "whom
should the system tell", so they look at the whole directory. The reach rule is the data-scope
rule in `core.scope`, seen from the other side: a subtree role held by someone in the unit or
above it, a company-wide role held anywhere, or a RoleAssignment covering the unit.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from xiaobao.core.models import PATH_STEP, OrgUnit, Role, RoleAssignment, User


def _ancestor_paths(unit: OrgUnit) -> list[str]:
    step = PATH_STEP + 1
    return [unit.path[: i * step] for i in range(1, len(unit.path) // step + 1)]


def users_with_role(role: Role | str, org_unit: OrgUnit | None = None) -> QuerySet[User]:
    """Active users holding `role` whose reach covers `org_unit` (anyone holding it when None)."""
    if isinstance(role, str):
        role = Role.objects.filter(code=role).first()
        if role is None:
            return User.objects.none()
    qs = User.objects.filter(is_active=True)
    if org_unit is None or role.scope == Role.Scope.ALL:
        holders = Q(groups=role.group_id)
        assigned = Q(pk__in=RoleAssignment.objects.filter(role=role).values("user"))
        return qs.filter(holders | assigned).distinct().order_by("pk")
    ancestors = _ancestor_paths(org_unit)
    by_membership = Q(groups=role.group_id, org_unit__path__in=ancestors)
    covering = RoleAssignment.objects.filter(role=role).filter(
        Q(is_recursive=True, org_unit__path__in=ancestors) | Q(org_unit=org_unit)
    )
    return qs.filter(by_membership | Q(pk__in=covering.values("user"))).distinct().order_by("pk")


def users_in_unit_with_role(role: Role | str, org_unit: OrgUnit) -> QuerySet[User]:
    """Active users of exactly `org_unit` holding `role` (e.g. the 消保专员 of one branch)."""
    code = role.code if isinstance(role, Role) else role
    return User.objects.filter(is_active=True, org_unit=org_unit, groups__role__code=code).distinct().order_by("pk")
