"""A complaint's process follows the complaint's own rule (issue 14): a user without the complaint
permission (a business-department clerk) or outside its scope gets 404 on its tasks, history and diagram."""

from __future__ import annotations

from tests.helpers import make_user
from tests.workflow_access import assert_process_hidden, assert_process_visible


def test_a_department_clerk_without_complaint_permission_sees_no_complaint_process(people, handling):
    clerk = make_user("clerk", people.hq, "dept_clerk", "陈静")
    assert_process_hidden(clerk, handling)


def test_another_branch_sees_nothing_and_the_owner_branch_and_hq_see_it(people, handling):
    assert_process_hidden(people.officer_b, handling)
    for user in (people.officer_a, people.hq_admin):
        assert_process_visible(user, handling)
