"""The business object's own rule decides who sees a process (workflow/access.py, issue 14): a registered
rule narrows every workflow read; an object type with no rule falls back to the process's `viewPermission`."""

from __future__ import annotations

import pytest

from tests.helpers import make_user
from tests.workflow.conftest import at, bpmn_bytes
from tests.workflow_access import assert_process_hidden, assert_process_visible, fresh, inbox_ids
from xiaobao.core.models import User
from xiaobao.workflow import access, services
from xiaobao.workflow import error_codes as codes
from xiaobao.workflow.exceptions import WorkflowError
from xiaobao.workflow.models import HumanTask

MONDAY = at(2025, 3, 3, 10, 0)


def _with_view_permission(permission: str) -> bytes:
    marker = '<xiaobao:property name="dayUnit" value="working"/>'
    text = bpmn_bytes("approval_xiaobao.bpmn").decode()
    assert marker in text
    return text.replace(marker, marker + f'<xiaobao:property name="viewPermission" value="{permission}"/>').encode()


@pytest.fixture
def started(cast, applicant):
    def start(content: bytes):
        services.deploy(content=content, source="tests")
        instance = services.start(process_key="test_approval", business_object=applicant, actor=cast.officer_a)
        task = HumanTask.objects.get(instance=instance, element_id="submit")
        services.complete(task=task, user=cast.officer_a, now=MONDAY)
        return instance

    return start


@pytest.fixture
def registered_rule():
    """Register a rule for the test's business object type (core.user) and take it away afterwards."""
    before = dict(access._RULES)
    yield lambda rule: access.register("core.User", rule)
    access._RULES.clear()
    access._RULES.update(before)


def test_a_registered_rule_hides_the_process_from_whoever_may_not_see_the_object(
    cast, applicant, started, registered_rule
):
    started(bpmn_bytes("approval_xiaobao.bpmn"))
    assert_process_visible(cast.officer_a, applicant)
    # only head office may see this kind of object now: the branch officer loses its tasks and history
    registered_rule(
        lambda user: User.objects.filter(pk=applicant.pk) if user.org_unit.level == 1 else User.objects.none()
    )
    assert_process_hidden(cast.officer_a, applicant)
    assert_process_visible(cast.hq_admin, applicant)


def test_an_unregistered_object_type_falls_back_to_the_process_view_permission(cast, applicant, started):
    started(_with_view_permission("complaints.view_complaint"))
    clerk = make_user("clerk_a", cast.branch_a, "dept_clerk", "陈静")  # workflow view rights, no complaint ones
    assert_process_hidden(clerk, applicant)
    assert_process_visible(cast.officer_a, applicant)


def test_without_a_declared_permission_the_scope_rule_stands(cast, applicant, started):
    started(bpmn_bytes("approval_xiaobao.bpmn"))
    assert_process_visible(cast.officer_a, applicant)
    assert_process_hidden(cast.officer_b, applicant)
    review = HumanTask.objects.get(element_id="review")
    assert review.pk in inbox_ids(fresh(cast.officer_a), "candidate")


def test_a_malformed_view_permission_is_refused_at_deploy(db):
    with pytest.raises(WorkflowError) as refused:
        services.deploy(content=_with_view_permission("not a permission"), source="tests")
    assert refused.value.error_code == codes.BPMN_INVALID


def test_the_apps_register_their_objects():
    assert {
        "complaints.complaint",
        "reviews.review",
        "workorders.workorder",
        "plans.plan",
        "knowledge.document",
    } <= set(access.registered())
