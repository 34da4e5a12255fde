"""set_due: an app moves an open task's deadline (a complaint's extension); its boundary timer follows."""

import pytest

from tests.workflow.conftest import at
from tests.workflow.test_runtime import MONDAY, open_task
from xiaobao.core.models import AuditEntry
from xiaobao.workflow import error_codes as codes
from xiaobao.workflow import services
from xiaobao.workflow.exceptions import WorkflowConflict
from xiaobao.workflow.models import Timer


@pytest.fixture
def in_review(cast, deploy, applicant):
    deploy("approval_xiaobao.bpmn")
    instance = services.start(process_key="test_approval", business_object=applicant, actor=cast.officer_a, now=MONDAY)
    services.complete(task=open_task(instance, "submit"), user=cast.officer_a, now=MONDAY)
    return instance


def test_the_task_and_its_boundary_timer_move_together(cast, in_review):
    later = at(2025, 3, 14, 23, 59, 59, 999999)
    task = services.set_due(task=open_task(in_review, "review"), due_at=later, actor=cast.hq_admin, reason="延期")
    assert task.due_at == later
    assert Timer.objects.get(instance=in_review, element_id="review_overdue").fire_at == later
    assert AuditEntry.objects.filter(action="workflow.task_set_due", reason="延期").count() == 1


def test_the_old_deadline_no_longer_fires(cast, in_review):
    services.set_due(task=open_task(in_review, "review"), due_at=at(2025, 3, 14, 23, 59), now=MONDAY)
    result = services.sweep_timers(now=at(2025, 3, 7, 9, 0))
    assert (result["overdue"], result["fired"]) == (0, 0)
    assert services.sweep_timers(now=at(2025, 3, 15, 9, 0))["fired"] == 1


def test_an_overdue_mark_is_cleared_when_the_new_deadline_is_ahead(cast, in_review):
    services.sweep_timers(now=at(2025, 3, 6, 8, 0))  # reminded, not yet overdue
    task = services.set_due(task=open_task(in_review, "review"), due_at=at(2025, 3, 14, 23, 59), now=at(2025, 3, 6))
    assert (task.reminded_at, task.overdue_at) == (None, None)


def test_a_closed_task_is_refused(cast, in_review):
    task = open_task(in_review, "review")
    services.complete(task=task, user=cast.officer_a, data={"approved": True}, now=MONDAY)
    with pytest.raises(WorkflowConflict) as refused:
        services.set_due(task=task, due_at=at(2025, 3, 14))
    assert refused.value.error_code == codes.TASK_CLOSED
