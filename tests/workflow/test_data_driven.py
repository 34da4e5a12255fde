"""Task holder and deadline taken from the business object's data (assigneeFrom, dueFrom, timeDate=${var})."""

from __future__ import annotations

import pytest

from tests.workflow.conftest import at
from xiaobao.workflow import services
from xiaobao.workflow.exceptions import WorkflowError
from xiaobao.workflow.models import HumanTask, ProcessInstance, Timer

MONDAY = at(2025, 3, 3, 10, 0)
DUE = at(2025, 3, 14, 23, 59, 59)


@pytest.fixture
def started(cast, deploy, applicant):
    deploy("data_driven.bpmn")

    def start(**data):
        return services.start(
            process_key="test_data_driven", business_object=applicant, actor=cast.hq_admin, data=data, now=MONDAY
        )

    return start


def test_the_task_goes_to_the_named_person_with_the_objects_deadline(cast, started):
    instance = started(handler_id=cast.officer_a.pk, due_at=DUE.isoformat())
    task = HumanTask.objects.get(instance=instance, element_id="handle")
    assert task.assignee == cast.officer_a
    assert task.due_at == DUE
    assert task.remind_at == at(2025, 3, 12, 23, 59, 59)
    assert Timer.objects.get(instance=instance, element_id="handle_overdue").fire_at == DUE


def test_without_a_named_person_the_role_may_claim_it(cast, started):
    instance = started(handler_id=None, due_at=DUE.isoformat())
    task = HumanTask.objects.get(instance=instance, element_id="handle")
    assert task.assignee is None and task.candidate_role.code == "branch_officer"


def test_the_variable_timer_fires_at_the_deadline_and_the_terminate_end_clears_it(cast, started):
    instance = started(handler_id=cast.officer_a.pk, due_at=DUE.isoformat())
    assert services.sweep_timers(now=at(2025, 3, 14, 12, 0))["fired"] == 0
    assert services.sweep_timers(now=at(2025, 3, 15, 0, 0, 1))["fired"] == 1
    assert HumanTask.objects.filter(instance=instance, element_id="supervise", status="open").count() == 1
    handle = HumanTask.objects.get(instance=instance, element_id="handle")
    services.complete(task=handle, user=cast.officer_a, now=at(2025, 3, 16))
    instance.refresh_from_db()
    assert instance.status == ProcessInstance.Status.COMPLETED
    assert HumanTask.objects.get(instance=instance, element_id="supervise").status == HumanTask.Status.CANCELLED


def test_a_missing_deadline_refuses_the_start_and_writes_nothing(cast, started):
    with pytest.raises(WorkflowError) as refused:
        started(handler_id=cast.officer_a.pk)
    assert refused.value.error_code == "workflow.bad_timer"
    assert not ProcessInstance.objects.exists()


def test_a_bad_variable_name_is_refused_at_deploy(deploy):
    from tests.workflow.conftest import bpmn_bytes
    from xiaobao.workflow.bpmn import BpmnProblem, read

    content = bpmn_bytes("data_driven.bpmn").replace(b'value="handler_id"', b'value="handler id"')
    with pytest.raises(BpmnProblem) as refused:
        read(content)
    assert refused.value.element_id == "handle"
