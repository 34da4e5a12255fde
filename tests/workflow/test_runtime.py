from decimal import Decimal

import pytest

from tests.helpers import make_user
from tests.workflow.conftest import at
from xiaobao.core.models import AuditEntry
from xiaobao.workflow import error_codes as codes
from xiaobao.workflow import selectors, services
from xiaobao.workflow.exceptions import WorkflowError
from xiaobao.workflow.models import HumanTask, ProcessInstance, Timer, Transition

MONDAY = at(2025, 3, 3, 10, 0)


def open_task(instance, element_id):
    return HumanTask.objects.get(instance=instance, element_id=element_id, status=HumanTask.Status.OPEN)


@pytest.fixture
def approval(cast, deploy, applicant):
    deploy("approval_xiaobao.bpmn")
    return services.start(process_key="test_approval", business_object=applicant, actor=cast.officer_a, now=MONDAY)


def submitted(cast, approval):
    services.complete(task=open_task(approval, "submit"), user=cast.officer_a, now=MONDAY)
    return open_task(approval, "review")


def test_start_writes_the_first_task_for_the_starter(cast, approval, applicant):
    task = open_task(approval, "submit")
    assert task.assignee == cast.officer_a
    assert task.org_unit == cast.sub_a
    assert approval.org_unit == cast.sub_a
    assert approval.business_object == applicant
    assert Transition.objects.filter(instance=approval, action="start").count() == 1
    assert AuditEntry.objects.filter(action="workflow.start", object_id=str(applicant.pk)).exists()


def test_the_state_stores_the_task_tree_not_the_spec(approval):
    approval.refresh_from_db()
    assert '"tasks"' in approval.state
    assert '"spec"' not in approval.state
    assert approval.version == 1


def test_the_org_rule_places_the_review_at_the_branch(cast, approval):
    review = submitted(cast, approval)
    assert review.org_unit == cast.branch_a
    assert review.candidate_role.code == "branch_officer"
    assert review.assignee is None


def test_the_candidate_group_inbox_is_scoped_by_org_unit(cast, approval):
    review = submitted(cast, approval)
    assert review in selectors.inbox(cast.officer_a, {"box": "group"})
    assert review not in selectors.inbox(cast.officer_b, {"box": "group"})
    assert review not in selectors.inbox(cast.manager, {"box": "all"})


def test_an_officer_of_another_branch_may_not_complete(cast, approval):
    review = submitted(cast, approval)
    with pytest.raises(WorkflowError) as caught:
        services.complete(task=review, user=cast.officer_b, data={"approved": True}, now=MONDAY)
    assert caught.value.error_code == codes.NOT_CANDIDATE
    assert caught.value.status_code == 403


def test_the_full_lifecycle_completes_the_instance(cast, approval):
    review = submitted(cast, approval)
    review = services.claim(task=review, user=cast.officer_a, now=MONDAY)
    assert review in selectors.inbox(cast.officer_a, {"box": "mine"})
    services.complete(task=review, user=cast.officer_a, data={"approved": True, "comment": "同意"}, now=MONDAY)
    final = open_task(approval, "final")
    assert final.org_unit == cast.hq
    services.complete(task=final, user=cast.hq_admin, now=MONDAY)
    approval.refresh_from_db()
    assert approval.status == ProcessInstance.Status.COMPLETED
    actions = list(Transition.objects.filter(instance=approval).values_list("action", flat=True))
    assert actions == ["start", "complete", "claim", "complete", "complete", "end"]
    assert not Timer.objects.filter(instance=approval, status=Timer.Status.PENDING).exists()


def test_history_keeps_the_data_changed_and_the_comment(cast, approval):
    review = submitted(cast, approval)
    services.complete(task=review, user=cast.officer_a, data={"approved": False}, comment="材料不全", now=MONDAY)
    step = Transition.objects.get(instance=approval, task=review)
    assert step.changes == {"approved": {"before": None, "after": False}}
    assert step.comment == "材料不全"
    assert step.actor == cast.officer_a
    assert open_task(approval, "submit").assignee == cast.officer_a  # sent back to the starter


def test_the_timeline_on_the_business_object(cast, approval, applicant):
    submitted(cast, approval)
    timeline = list(selectors.timeline_for_object(cast.hq_admin, applicant))
    assert [t.action for t in timeline] == ["start", "complete"]
    assert list(selectors.timeline_for_object(cast.officer_b, applicant)) == []


def test_a_stale_version_is_a_conflict(cast, approval):
    review = submitted(cast, approval)
    services.claim(task=review, user=cast.officer_a, now=MONDAY)
    with pytest.raises(WorkflowError) as caught:
        services.complete(task=review, user=cast.officer_a, data={"approved": True}, now=MONDAY)  # review is stale
    assert caught.value.error_code == codes.STALE_VERSION
    assert caught.value.status_code == 409


def test_completing_a_completed_task_is_a_conflict(cast, approval):
    task = open_task(approval, "submit")
    services.complete(task=task.pk, user=cast.officer_a, now=MONDAY)
    with pytest.raises(WorkflowError) as caught:
        services.complete(task=task.pk, user=cast.officer_a, now=MONDAY)
    assert caught.value.error_code == codes.TASK_CLOSED


def test_a_claimed_task_cannot_be_claimed_again(cast, approval):
    colleague = make_user("officer_a2", cast.branch_a, "branch_officer")
    review = submitted(cast, approval)
    services.claim(task=review.pk, user=cast.officer_a, now=MONDAY)
    with pytest.raises(WorkflowError) as caught:
        services.claim(task=review.pk, user=colleague, now=MONDAY)
    assert caught.value.error_code == codes.ALREADY_CLAIMED


def test_release_returns_the_task_to_the_group(cast, approval):
    review = services.claim(task=submitted(cast, approval), user=cast.officer_a, now=MONDAY)
    review = services.release(task=review, user=cast.officer_a, now=MONDAY)
    assert review.assignee is None
    assert review in selectors.inbox(cast.officer_a, {"box": "group"})


def test_a_supervisor_reassigns(cast, approval):
    colleague = make_user("officer_a2", cast.branch_a, "branch_officer")
    review = services.claim(task=submitted(cast, approval), user=cast.officer_a, now=MONDAY)
    review = services.reassign(task=review, actor=cast.hq_admin, to_user=colleague, comment="休假", now=MONDAY)
    assert review.assignee == colleague
    assert Transition.objects.filter(task=review, action="reassign", comment="休假").exists()


def test_an_officer_may_not_reassign(cast, approval):
    review = submitted(cast, approval)
    with pytest.raises(WorkflowError) as caught:
        services.reassign(task=review, actor=cast.officer_a, to_user=cast.officer_a, now=MONDAY)
    assert caught.value.error_code == codes.NOT_SUPERVISOR


def test_reassigning_to_someone_without_reach_is_refused(cast, approval):
    review = submitted(cast, approval)
    with pytest.raises(WorkflowError) as caught:
        services.reassign(task=review, actor=cast.hq_admin, to_user=cast.outsider, now=MONDAY)
    assert caught.value.error_code == codes.TARGET_NOT_ELIGIBLE


def test_the_holder_delegates_and_history_says_who(cast, approval):
    colleague = make_user("officer_a2", cast.branch_a, "branch_officer")
    review = services.claim(task=submitted(cast, approval), user=cast.officer_a, now=MONDAY)
    review = services.delegate(task=review, actor=cast.officer_a, to_user=colleague, now=MONDAY)
    assert (review.assignee, review.delegated_by) == (colleague, cast.officer_a)
    with pytest.raises(WorkflowError) as caught:
        services.delegate(task=review, actor=cast.officer_a, to_user=cast.officer_a, now=MONDAY)
    assert caught.value.error_code == codes.NOT_ASSIGNEE


def test_form_data_is_validated(cast, approval):
    review = submitted(cast, approval)
    with pytest.raises(WorkflowError) as caught:
        services.complete(task=review, user=cast.officer_a, data={"amount": 1}, now=MONDAY)
    assert caught.value.error_code == codes.INVALID_DATA


def test_cancel_closes_tasks_and_timers(cast, approval):
    submitted(cast, approval)
    services.cancel(instance=approval, actor=cast.hq_admin, reason="撤回", now=MONDAY)
    approval.refresh_from_db()
    assert approval.status == ProcessInstance.Status.CANCELLED
    assert not HumanTask.objects.filter(instance=approval, status=HumanTask.Status.OPEN).exists()
    assert not Timer.objects.filter(instance=approval, status=Timer.Status.PENDING).exists()


def test_an_officer_may_not_cancel(cast, approval):
    with pytest.raises(WorkflowError) as caught:
        services.cancel(instance=approval, actor=cast.officer_a, now=MONDAY)
    assert caught.value.error_code == codes.NOT_SUPERVISOR


def test_a_failure_inside_the_engine_leaves_nothing_written(cast, deploy, applicant):
    deploy("failing_script.bpmn")
    instance = services.start(process_key="test_failing", business_object=applicant, actor=cast.officer_a, now=MONDAY)
    task = open_task(instance, "fill")
    audit_rows, history_rows = AuditEntry.objects.count(), Transition.objects.count()
    with pytest.raises(Exception, match="division by zero"):
        services.complete(task=task, user=cast.officer_a, data={"divisor": 0}, now=MONDAY)
    task.refresh_from_db()
    instance.refresh_from_db()
    assert (task.status, task.version, instance.version) == ("open", 1, 1)
    assert (AuditEntry.objects.count(), Transition.objects.count()) == (audit_rows, history_rows)
    services.complete(task=task, user=cast.officer_a, data={"divisor": 4}, now=MONDAY)
    assert open_task(instance, "after")


def test_decimal_and_date_data_survive_the_state(cast, deploy, applicant):
    deploy("spiffarena.bpmn")
    instance = services.start(
        process_key="spiff_refund",
        business_object=applicant,
        actor=cast.officer_a,
        data={"amount": Decimal("8000.50")},
        now=MONDAY,
    )
    task = open_task(instance, "Activity_hq_ok")  # 8000.50 >= 5000: head office approves
    assert task.org_unit == cast.hq
    services.complete(task=task, user=cast.hq_admin, now=MONDAY)
    instance.refresh_from_db()
    assert instance.status == ProcessInstance.Status.COMPLETED
    assert '"Decimal"' in instance.state


def test_the_completed_row_is_stored_with_its_types(cast, approval):
    review = submitted(cast, approval)
    services.complete(task=review, user=cast.officer_a, data={"approved": True}, comment="好", now=MONDAY)
    review.refresh_from_db()
    assert (review.status, review.version, review.completed_by, review.assignee) == (
        "completed",
        2,
        cast.officer_a,
        cast.officer_a,
    )
    assert review.completed_at == MONDAY
    assert review.data == {"approved": True}
    approval.refresh_from_db()
    assert approval.version == 3
    step = Transition.objects.get(task=review, action="complete")
    assert (step.at, step.comment, step.actor_id) == (MONDAY, "好", cast.officer_a.pk)


def test_the_diagram_shows_done_and_current_elements(cast, approval):
    submitted(cast, approval)
    instance = ProcessInstance.objects.defer("state").get(pk=approval.pk)  # as a detail page loads it
    states = selectors.diagram_states(instance)
    assert "submit" in states["completed"]
    assert "review" in states["current"]
    assert "review" not in states["completed"]
