"""The demo data (`manage.py load_demo`): work orders in every state, real processes, full inboxes.

The demo is loaded once for the package (tests/demo/conftest.py), inside a transaction rolled back at the end, so each test
reads the same data and the rest of the suite never sees it.
"""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from xiaobao.core.models import Attachment, AuditEntry, Notification, OrgUnit, Role, User
from xiaobao.demo.core import COMPLETE_YEAR, DEMO_USERS
from xiaobao.workflow import selectors as workflow_selectors
from xiaobao.workflow.models import HumanTask, ProcessInstance, Timer, Transition
from xiaobao.workorders.models import Feedback, WorkOrder

COUNTED = (WorkOrder, Feedback, ProcessInstance, HumanTask, Timer, Transition, Attachment, Notification, AuditEntry)


@pytest.fixture
def loaded(demo_output, db):
    return demo_output


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED}


def test_the_command_loads_every_layer(loaded):
    assert "loading demo data: workflow" in loaded
    assert "loading demo data: workorders" in loaded
    assert "demo data loaded" in loaded


def test_loading_twice_adds_nothing(loaded):
    before = counts()
    assert before["WorkOrder"] > 0 and before["ProcessInstance"] > before["WorkOrder"] // 2
    call_command("load_demo", stdout=io.StringIO())
    assert counts() == before


def test_every_branch_has_a_3_15_child_order(loaded):
    # the work-order demo's own campaign; the plans demo issues its 3·15 tasks as orders with the plan as source
    campaign = WorkOrder.objects.get(
        is_batch=True, title__startswith=f"{COMPLETE_YEAR}年", title__contains="3·15", source_type__isnull=True
    )
    assert campaign.kind == WorkOrder.Kind.EDUCATION
    branches = set(OrgUnit.objects.filter(level=OrgUnit.Level.BRANCH).values_list("pk", flat=True))
    assert len(branches) == 3
    children = set(campaign.children.values_list("org_unit", flat=True))
    assert branches <= children
    assert children - branches, "some sub-branches get the campaign too"


def test_every_status_occurs(loaded):
    present = set(WorkOrder.objects.values_list("status", flat=True))
    assert set(WorkOrder.Status.values) <= present


def test_every_kind_of_order_the_issue_names_occurs(loaded):
    kinds = set(WorkOrder.objects.values_list("kind", flat=True))
    K = WorkOrder.Kind
    assert {K.EDUCATION, K.SELF_CHECK, K.RECTIFICATION, K.SUBMISSION, K.SUPERVISION} <= kinds


def test_orders_past_their_deadline_were_supervised_and_escalated_by_the_timers(loaded):
    supervised = WorkOrder.objects.filter(supervision__gte=WorkOrder.Supervision.SUPERVISED)
    assert supervised.filter(supervision=WorkOrder.Supervision.SUPERVISED, status=WorkOrder.Status.IN_PROGRESS)
    assert supervised.filter(supervision=WorkOrder.Supervision.ESCALATED, status=WorkOrder.Status.IN_PROGRESS)
    for order in supervised:
        # the timer fired after the deadline, not when the demo happened to be loaded
        assert order.due_at < order.supervised_at < timezone.now()
        assert order.escalated_at is None or order.supervised_at < order.escalated_at
        assert Transition.objects.filter(instance__object_id=str(order.pk), action="timer").exists()


def test_open_orders_past_their_deadline_are_all_supervised(loaded):
    late = WorkOrder.objects.filter(status__in=WorkOrder.RECIPIENT_STATUSES, due_at__lt=timezone.now())
    assert late.exists()
    assert not late.filter(supervision=WorkOrder.Supervision.NONE).exists()


def test_nothing_is_dated_in_the_future(loaded):
    now = timezone.now()
    assert not WorkOrder.objects.filter(created_at__gt=now).exists()
    assert not Transition.objects.filter(at__gt=now).exists()
    assert not Timer.objects.filter(status=Timer.Status.PENDING, fire_at__lte=now).exists()


def test_feedback_went_round_with_evidence_and_a_returned_round(loaded):
    returned = Feedback.objects.filter(approved=False)
    assert returned.exists()
    assert all(f.review_comment for f in returned)
    assert WorkOrder.objects.filter(return_count__gte=1, status=WorkOrder.Status.CLOSED).exists()
    evidence = Attachment.objects.filter(purpose__startswith="evidence:")
    assert evidence.filter(kind="docx").exists() and evidence.filter(kind="xlsx").exists()


def test_a_refused_order_was_resent_and_then_done(loaded):
    resent = HumanTask.objects.filter(element_id="refused", status=HumanTask.Status.COMPLETED, data__resend=True)
    order = WorkOrder.objects.get(pk=int(resent.get().instance.object_id))
    assert order.status == WorkOrder.Status.CLOSED
    assert WorkOrder.objects.filter(status=WorkOrder.Status.REFUSED).exists()


def test_each_per_unit_order_runs_on_its_own_process(loaded):
    for order in WorkOrder.objects.filter(is_batch=False):
        instance = ProcessInstance.objects.get(object_id=str(order.pk), definition__key="workorder")
        expected = ProcessInstance.Status.RUNNING if order.is_open else ProcessInstance.Status.COMPLETED
        if order.status == WorkOrder.Status.CANCELLED:
            expected = ProcessInstance.Status.CANCELLED
        assert instance.status == expected, order


def test_every_demo_user_who_may_act_has_something_in_the_inbox(loaded):
    acting = [name for name, _, role, *_ in DEMO_USERS if not Role.objects.get(code=role).read_only]
    assert len(acting) == len(DEMO_USERS) - 1  # all but the read-only manager
    empty = [name for name in acting if not workflow_selectors.inbox(User.objects.get(username=name)).exists()]
    assert not empty


def test_the_head_office_admin_has_work_order_and_approval_tasks(loaded):
    names = set(workflow_selectors.inbox(User.objects.get(username="xiaobao")).values_list("name", flat=True))
    assert {"验收", "处理拒收", "总公司复核", "督办"} <= names
