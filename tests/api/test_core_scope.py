"""/api/v1/core/org-units/ and /api/v1/core/users/: the same data scope as the pages (core.selectors)."""

from xiaobao.core import services

ORG_UNITS = "/api/v1/core/org-units/"
USERS = "/api/v1/core/users/"


def codes(response) -> set[str]:
    return {row["code"] for row in response.json()["results"]}


def usernames(response) -> set[str]:
    return {row["username"] for row in response.json()["results"]}


def test_a_branch_officer_lists_only_its_subtree_of_org_units(cast, client_for):
    response = client_for(cast.officer_a).get(ORG_UNITS)
    assert response.status_code == 200
    assert codes(response) == {"A", "A1"}


def test_head_office_lists_every_org_unit(cast, client_for):
    assert codes(client_for(cast.hq_admin).get(ORG_UNITS)) == {"HQ", "A", "A1", "B", "B1"}


def test_a_user_without_a_role_lists_no_org_units(cast, client_for):
    response = client_for(cast.outsider).get(ORG_UNITS)
    assert response.status_code == 200
    assert response.json()["results"] == []


def test_a_branch_officer_lists_only_users_in_its_subtree(cast, client_for):
    from tests.helpers import make_user

    make_user("clerk_a1", cast.sub_a, None)
    make_user("clerk_b1", cast.sub_b, None)
    response = client_for(cast.officer_a).get(USERS)
    assert response.status_code == 200
    assert usernames(response) == {"officer_a", "outsider", "clerk_a1"}


def test_the_other_branch_sees_its_own_users(cast, client_for):
    assert usernames(client_for(cast.officer_b).get(USERS)) == {"officer_b"}


def test_head_office_lists_every_user(cast, client_for):
    assert usernames(client_for(cast.manager).get(USERS)) == {
        "hq_admin",
        "officer_a",
        "officer_b",
        "manager",
        "outsider",
    }


def test_users_can_be_filtered_by_org_unit_within_scope(cast, client_for):
    response = client_for(cast.hq_admin).get(USERS, {"org_unit": cast.branch_b.pk})
    assert usernames(response) == {"officer_b"}
    # A filter cannot widen the scope: officer_a asking for branch B gets nobody.
    assert usernames(client_for(cast.officer_a).get(USERS, {"org_unit": cast.branch_b.pk})) == set()


def test_a_bad_filter_is_a_field_error(cast, client_for):
    response = client_for(cast.hq_admin).get(USERS, {"org_unit": "not-a-number"})
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["org_unit"]


def test_mobile_numbers_leave_only_masked(cast, client_for):
    services.user_set_mobile(user=cast.officer_a, actor=None, mobile="13812345678")
    response = client_for(cast.officer_a).get(USERS)
    row = next(r for r in response.json()["results"] if r["username"] == "officer_a")
    assert row["mobile_masked"] == "138****5678"
    assert "13812345678" not in response.content.decode()
    assert row["roles"] == ["branch_officer"]


def test_a_user_without_the_view_permission_is_refused(cast, client_for):
    response = client_for(cast.outsider).get(USERS)
    assert response.status_code == 403
    assert response.json()["error"] == "permission_denied"


def test_the_users_list_runs_a_fixed_number_of_queries(cast, client_for, django_assert_num_queries):
    from tests.helpers import make_user

    client = client_for(cast.hq_admin)
    client.get(USERS)  # warm the role/permission caches that are per process, not per row
    for i in range(5):
        make_user(f"extra_{i}", cast.sub_b, "branch_officer")
    # token+user, user perms, group perms, roles (scope), count, rows, prefetched groups, their roles: no N+1
    with django_assert_num_queries(8):
        assert len(client.get(USERS).json()["results"]) == 10
