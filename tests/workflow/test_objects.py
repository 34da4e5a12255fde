"""workflow.objects.ProcessObject: the one way a business object's services lock it, find its step, complete it.

The business object here is a user row (as in the other workflow tests); the apps' own tests cover their codes.
"""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.workflow.conftest import at
from xiaobao.core.api_errors import BusinessRuleError
from xiaobao.core.models import User
from xiaobao.workflow import services
from xiaobao.workflow.exceptions import WorkflowConflict
from xiaobao.workflow.models import HumanTask
from xiaobao.workflow.objects import ProcessObject, required_text

MONDAY = at(2025, 3, 3, 10, 0)

APPLICANT = ProcessObject(
    User,
    process_key="test_approval",
    related=("org_unit",),
    wrong_step="test.wrong_step",
    wrong_step_message="not at this step (%(status)s)",
    not_allowed="test.not_allowed",
    not_allowed_message="not yours",
)


@pytest.fixture
def running(cast, deploy, applicant):
    deploy("approval_xiaobao.bpmn")
    services.start(process_key="test_approval", business_object=applicant, actor=cast.officer_a, now=MONDAY)
    return applicant


def refused(call) -> BusinessRuleError:
    with pytest.raises(BusinessRuleError) as caught:
        call()
    return caught.value


def test_lock_takes_the_row_and_its_related_rows_in_one_locking_query(running):
    with CaptureQueriesContext(connection) as queries:
        locked = APPLICANT.lock(running.pk)
        assert locked.org_unit.pk == running.org_unit_id
    assert len(queries) == 1
    assert ("FOR UPDATE" in queries[0]["sql"].upper()) == connection.features.has_select_for_update
    assert APPLICANT.lock(running).pk == running.pk


def test_task_finds_the_first_step_the_object_waits_at(running):
    task = APPLICANT.task(running, "review", "submit")
    assert task.element_id == "submit"
    assert APPLICANT.task(running).element_id == "submit"  # no step named: its open task


def test_task_at_another_step_is_the_apps_409(running):
    error = refused(lambda: APPLICANT.task(running, "review"))
    assert error.error_code == "test.wrong_step"
    assert error.status_code == 409


def test_before_wrong_step_answers_first(running):
    def closed(obj):
        raise BusinessRuleError("test.closed", "closed", status_code=409)

    guarded = ProcessObject(
        User,
        process_key="test_approval",
        wrong_step="test.wrong_step",
        wrong_step_message="x",
        before_wrong_step=closed,
    )
    assert refused(lambda: guarded.task(running, "review")).error_code == "test.closed"
    assert guarded.task(running, "submit").element_id == "submit"  # only when no step is found


def test_task_for_someone_who_may_not_do_it_is_the_apps_403(cast, running):
    assert APPLICANT.task(running, "submit", actor=cast.officer_a).element_id == "submit"
    error = refused(lambda: APPLICANT.task(running, "submit", actor=cast.officer_b))
    assert error.error_code == "test.not_allowed"
    assert error.status_code == 403


def test_step_completes_the_task_and_moves_the_process_on(cast, running):
    task = APPLICANT.step(running, "submit", actor=cast.officer_a, data={}, now=MONDAY, comment="提交")
    assert HumanTask.objects.get(pk=task.pk).status == HumanTask.Status.COMPLETED
    assert APPLICANT.task(running, "review").element_id == "review"
    assert refused(lambda: APPLICANT.task(running, "submit")).error_code == "test.wrong_step"


def test_a_stale_version_is_refused_and_nothing_moves(cast, running):
    task = APPLICANT.task(running, "submit")
    with pytest.raises(WorkflowConflict):
        APPLICANT.step(running, "submit", actor=cast.officer_a, data={}, now=MONDAY, expected_version=task.version + 1)
    assert HumanTask.objects.get(pk=task.pk).status == HumanTask.Status.OPEN


def test_save_writes_only_the_named_fields(running):
    User.objects.filter(pk=running.pk).update(first_name="别人改的")
    running.last_name, running.first_name = "新姓", "旧名"
    APPLICANT.save(running, "last_name")
    fresh = User.objects.get(pk=running.pk)
    assert (fresh.last_name, fresh.first_name) == ("新姓", "别人改的")


def test_without_codes_an_object_may_lock_but_not_look_up_a_step(running):
    plain = ProcessObject(User, process_key="test_approval")
    assert plain.lock(running).pk == running.pk
    with pytest.raises(ImproperlyConfigured):
        plain.task(running, "submit")


@pytest.mark.parametrize("given", [None, "", "   \n"])
def test_required_text_refuses_empty_with_the_apps_code_on_the_field(given):
    error = refused(lambda: required_text(given, field="reason", code="test.reason_required", message="请说明理由。"))
    assert error.error_code == "test.reason_required"
    assert error.fields == {"reason": ["test.reason_required"]}
    assert error.status_code == 400


def test_required_text_is_stripped():
    assert required_text("  已核实 \n", field="result", code="test.x") == "已核实"
