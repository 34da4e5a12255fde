"""Data scope: which org units a user may see or act in, as SQL.

One rule for the whole system (DESIGN.md, "Data scope and roles"): a user sees their own
org unit's subtree; a role with scope "all" sees the whole company; a RoleAssignment adds
another unit (and its subtree if recursive). Read-only roles never get write scope.
Selectors call `Model.objects.visible_to(user, action)`; nothing else filters by org.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.db import models
from django.db.models import Q

WRITE_ACTIONS = {"add", "change", "delete", "act"}


@dataclass(frozen=True)
class Scope:
    """The org-tree prefixes a user reaches. `everything` short-circuits to no filter."""

    everything: bool
    subtree_paths: tuple[str, ...]  # "in this subtree": path__startswith
    unit_paths: tuple[str, ...]  # "this unit only": path exact

    @property
    def is_empty(self) -> bool:
        return not (self.everything or self.subtree_paths or self.unit_paths)

    def q(self, field: str | None = "org_unit") -> Q:
        """A Q over `<field>__path` (or `path` itself for OrgUnit, field=None); check is_empty first."""
        if self.everything:
            return Q()
        lookup = f"{field}__path" if field else "path"
        parts = [Q(**{f"{lookup}__startswith": p}) for p in self.subtree_paths]
        parts += [Q(**{lookup: p}) for p in self.unit_paths]
        return reduce(or_, parts)

    def covers(self, path: str) -> bool:
        return self.everything or path in self.unit_paths or any(path.startswith(p) for p in self.subtree_paths)


EMPTY = Scope(False, (), ())


def _collapse(paths: set[str]) -> tuple[str, ...]:
    """Drop prefixes already covered by a shorter prefix, so the SQL stays small."""
    kept: list[str] = []
    for path in sorted(paths, key=len):
        if not any(path.startswith(k) for k in kept):
            kept.append(path)
    return tuple(sorted(kept))


def scope_for(user, action: str = "view") -> Scope:
    """The user's scope for `action` ("view" or a write action), cached on the user object."""
    if user is None or not user.is_authenticated or not user.is_active:
        return EMPTY
    write = action in WRITE_ACTIONS
    cache = user.__dict__.setdefault("_xiaobao_scope_cache", {})
    if write in cache:
        return cache[write]
    scope = Scope(True, (), ()) if user.is_superuser else _compute(user, write)
    cache[write] = scope
    return scope


def _compute(user, write: bool) -> Scope:
    from xiaobao.core.models import Role, RoleAssignment

    roles = list(Role.objects.filter(group__user=user))
    if write:
        roles = [r for r in roles if not r.read_only]
    if not roles:
        return EMPTY
    if any(r.scope == Role.Scope.ALL for r in roles):
        return Scope(True, (), ())
    subtree: set[str] = set()
    units: set[str] = set()
    if user.org_unit_id:
        subtree.add(user.org_unit.path)
    assignments = RoleAssignment.objects.filter(user=user).select_related("role", "org_unit")
    for assignment in assignments:
        if write and assignment.role.read_only:
            continue
        if assignment.role.scope == Role.Scope.ALL:
            return Scope(True, (), ())
        (subtree if assignment.is_recursive else units).add(assignment.org_unit.path)
    collapsed = _collapse(subtree)
    units = {u for u in units if not any(u.startswith(p) for p in collapsed)}
    return Scope(False, collapsed, tuple(sorted(units)))


def permission_codename(model: type[models.Model], action: str) -> str:
    meta = model._meta
    return f"{meta.app_label}.{action}_{meta.model_name}"


class ScopedQuerySet(models.QuerySet):
    """A QuerySet that can restrict itself to what a user may see (NetBox's `restrict`)."""

    #: the lookup from this model to its OrgUnit; override for objects scoped through a relation
    scope_field = "org_unit"

    def visible_to(self, user, action: str = "view", *, field: str | None = None):
        """Rows in the user's scope for `action`; none() without the model permission."""
        if user is None or not user.is_authenticated:
            return self.none()
        perm_action = "change" if action == "act" else action
        if not user.has_perm(permission_codename(self.model, perm_action)):
            return self.none()
        scope = scope_for(user, action)
        if scope.is_empty:
            return self.none()
        if scope.everything:
            return self
        return self.filter(scope.q(field or getattr(self.model, "scope_field", self.scope_field)))
