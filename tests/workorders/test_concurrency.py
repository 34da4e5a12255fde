"""Work orders under concurrent use, on real connections (PostgreSQL; skipped on SQLite, whose single
writer serialises everything anyway)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from tests.helpers import make_user
from tests.workorders.conftest import NOW, at
from tests.workorders.test_services import instance_of
from xiaobao.core.api_errors import BusinessRuleError
from xiaobao.core.models import Notification, User
from xiaobao.workflow import error_codes as workflow_codes
from xiaobao.workflow import services as workflow
from xiaobao.workflow.models import Timer, Transition
from xiaobao.workorders import error_codes as codes
from xiaobao.workorders import services
from xiaobao.workorders.models import WorkOrder

CONFLICTS = {codes.WRONG_STEP, workflow_codes.TASK_CLOSED, workflow_codes.STALE_VERSION}


def at_once(*calls) -> list:
    """Run the calls in threads released together; each outcome is "ok" or the refusal."""
    barrier = threading.Barrier(len(calls))
    outcomes: list = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait(timeout=10)
            call()
            outcomes[i] = "ok"
        except BusinessRuleError as refusal:
            outcomes[i] = refusal
        finally:
            connection.close()  # each thread had its own connection

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_officers_of_the_unit_accepting_at_once_one_wins(postgres_only, cast, issue):
    colleague = make_user("officer_a2", cast.branch_a, "branch_officer", "王芳")
    order = issue()
    first, second = (User.objects.get(pk=cast.officer_a.pk), User.objects.get(pk=colleague.pk))
    outcomes = at_once(
        lambda: services.workorder_accept(order=order.pk, actor=first, now=NOW),
        lambda: services.workorder_accept(order=order.pk, actor=second, now=NOW),
    )
    assert outcomes.count("ok") == 1
    (loser,) = [o for o in outcomes if o != "ok"]
    assert (loser.status_code, loser.error_code in CONFLICTS) == (409, True)
    order.refresh_from_db()
    winner = first if outcomes[0] == "ok" else second
    assert (order.status, order.handler) == (WorkOrder.Status.IN_PROGRESS, winner)
    assert Transition.objects.filter(instance=instance_of(order), action="complete").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_sweep_backs_off_an_order_a_person_is_acting_on_and_fires_next_time(postgres_only, cast, issue):
    order = issue()
    services.workorder_accept(order=order, actor=cast.officer_a, now=NOW)
    locked, release = threading.Event(), threading.Event()

    def person_acting():
        from django.db import transaction

        try:
            with transaction.atomic():
                WorkOrder.objects.select_for_update().get(pk=order.pk)  # what every service takes first
                locked.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    holder = threading.Thread(target=person_acting)
    holder.start()
    assert locked.wait(timeout=10)
    after_due = at(2025, 3, 11, 9, 0)
    try:
        result = workflow.sweep_timers(now=after_due)
    finally:
        release.set()
        holder.join(timeout=30)
    # it neither waited for the person (a deadlock once they want the process) nor half-wrote the step
    assert (result["fired"], result["failed"]) == (0, 1)
    assert WorkOrder.objects.get(pk=order.pk).supervision == WorkOrder.Supervision.NONE
    assert Timer.objects.get(instance=instance_of(order), element_id="handle_overdue").status == Timer.Status.PENDING
    assert not Notification.objects.filter(kind="workorders.supervised").exists()
    assert workflow.sweep_timers(now=after_due)["fired"] == 1
    assert WorkOrder.objects.get(pk=order.pk).supervision == WorkOrder.Supervision.SUPERVISED
