"""Whom the system tells: holders of a role whose reach covers an org unit."""

from tests.helpers import make_user
from xiaobao.core.directory import users_in_unit_with_role, users_with_role
from xiaobao.core.models import Role, RoleAssignment


def test_a_subtree_role_reaches_from_the_unit_and_above(cast):
    in_sub = make_user("officer_a1", cast.sub_a, "branch_officer")
    assert set(users_with_role("branch_officer", cast.sub_a)) == {cast.officer_a, in_sub}
    assert set(users_with_role("branch_officer", cast.branch_a)) == {cast.officer_a}
    assert set(users_with_role("branch_officer", cast.sub_b)) == {cast.officer_b}


def test_a_company_wide_role_reaches_every_unit(cast):
    assert set(users_with_role("hq_admin", cast.sub_b)) == {cast.hq_admin}


def test_an_assignment_widens_the_reach(cast):
    RoleAssignment.objects.create(
        user=cast.officer_a, role=Role.objects.get(code="branch_officer"), org_unit=cast.branch_b
    )
    assert set(users_with_role("branch_officer", cast.sub_b)) == {cast.officer_a, cast.officer_b}


def test_a_non_recursive_assignment_covers_that_unit_only(cast):
    RoleAssignment.objects.create(
        user=cast.officer_a, role=Role.objects.get(code="branch_officer"), org_unit=cast.branch_b, is_recursive=False
    )
    assert cast.officer_a in users_with_role("branch_officer", cast.branch_b)
    assert cast.officer_a not in users_with_role("branch_officer", cast.sub_b)


def test_inactive_users_and_unknown_roles_reach_nothing(cast):
    cast.officer_b.is_active = False
    cast.officer_b.save()
    assert not users_with_role("branch_officer", cast.branch_b).exists()
    assert not users_with_role("no_such_role", cast.branch_b).exists()


def test_users_in_exactly_one_unit(cast):
    make_user("officer_a1", cast.sub_a, "branch_officer")
    assert list(users_in_unit_with_role("branch_officer", cast.branch_a)) == [cast.officer_a]
