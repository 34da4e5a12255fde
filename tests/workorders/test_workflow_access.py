"""A work order's process follows the order's own rule (issue 14): a service agent (no work-order
permission) gets 404 on the order's tasks, history and diagram, even in its own branch."""

from __future__ import annotations

from tests.helpers import make_user
from tests.workflow_access import assert_process_hidden, assert_process_visible


def test_a_service_agent_of_the_recipient_branch_sees_no_work_order_process(cast, issue):
    order = issue()
    agent = make_user("agent_a", cast.branch_a, "agent", "王芳")
    assert_process_hidden(agent, order)


def test_the_recipient_branch_and_the_issuer_see_it(cast, issue):
    order = issue()
    child = order.children.first() or order
    for user in (cast.officer_a, cast.hq_admin):
        assert_process_visible(user, child)
    assert_process_hidden(cast.officer_b, child)
