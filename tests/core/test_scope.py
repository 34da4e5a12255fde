"""The one data-scope rule: own subtree, widened by 'all' roles and assignments, narrowed for writes."""

import pytest

from xiaobao.core import selectors
from xiaobao.core.models import OrgUnit, Role, RoleAssignment
from xiaobao.core.roles import role_group
from xiaobao.core.scope import scope_for

pytestmark = pytest.mark.django_db


def names(qs):
    return sorted(u.code for u in qs)


def test_branch_officer_sees_own_subtree_only(cast):
    assert names(selectors.org_units_visible_to(cast.officer_a)) == ["A", "A1"]


def test_hq_admin_sees_everything(cast):
    assert names(selectors.org_units_visible_to(cast.hq_admin)) == ["A", "A1", "B", "B1", "HQ"]


def test_user_without_role_sees_nothing(cast):
    assert names(selectors.org_units_visible_to(cast.outsider)) == []


def test_anonymous_sees_nothing(cast):
    from django.contrib.auth.models import AnonymousUser

    assert scope_for(AnonymousUser()).is_empty


def test_read_only_role_has_view_scope_but_no_write_scope(cast):
    assert scope_for(cast.manager, "view").everything
    assert scope_for(cast.manager, "change").is_empty


def test_assignment_widens_scope_to_another_subtree(cast):
    role = Role.objects.get(code="branch_officer")
    RoleAssignment.objects.create(user=cast.officer_a, role=role, org_unit=cast.branch_b, is_recursive=True)
    assert names(selectors.org_units_visible_to(cast.officer_a)) == ["A", "A1", "B", "B1"]


def test_non_recursive_assignment_covers_that_unit_alone(cast):
    role = Role.objects.get(code="branch_officer")
    RoleAssignment.objects.create(user=cast.officer_a, role=role, org_unit=cast.branch_b, is_recursive=False)
    assert names(selectors.org_units_visible_to(cast.officer_a)) == ["A", "A1", "B"]


def test_users_selector_applies_the_same_scope(cast):
    visible = {u.username for u in selectors.users_visible_to(cast.officer_b)}
    assert visible == {"officer_b"}


def test_org_paths_nest_and_subtree_is_a_prefix_query(cast):
    assert cast.sub_a.path.startswith(cast.branch_a.path)
    assert names(cast.branch_a.subtree()) == ["A", "A1"]
    assert names(cast.sub_b.ancestors()) == ["B", "HQ"]
    assert cast.sub_a.is_within(cast.hq) and not cast.sub_a.is_within(cast.branch_b)


def test_child_level_must_be_below_parent(cast):
    from django.core.exceptions import ValidationError

    bad = OrgUnit(code="X", name="X", level=OrgUnit.Level.HEAD_OFFICE, parent=cast.branch_a)
    with pytest.raises(ValidationError):
        bad.full_clean()


def test_roles_map_to_groups_with_permissions(cast):
    officer = role_group("branch_officer")
    assert officer.permissions.filter(codename="view_orgunit").exists()
    assert not role_group("management").permissions.filter(codename__startswith="change_").exists()
