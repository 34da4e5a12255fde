"""Two people completing the same task at the same moment, on real connections (PostgreSQL)."""

import threading

import pytest
from django.db import connection

from tests.workflow.test_runtime import MONDAY, open_task
from xiaobao.workflow import engine, services
from xiaobao.workflow import error_codes as codes
from xiaobao.workflow.exceptions import WorkflowConflict
from xiaobao.workflow.models import HumanTask, Transition


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_exactly_one_of_two_concurrent_completions_wins(postgres_only, cast, deploy, applicant):
    deploy("approval_xiaobao.bpmn")
    instance = services.start(process_key="test_approval", business_object=applicant, actor=cast.officer_a, now=MONDAY)
    services.complete(task=open_task(instance, "submit"), user=cast.officer_a, now=MONDAY)
    review = open_task(instance, "review")
    barrier = threading.Barrier(2)
    outcomes: list = []

    def attempt():
        try:
            barrier.wait(timeout=10)
            services.complete(task=review, user=cast.officer_a, data={"approved": True}, now=MONDAY)
            outcomes.append("ok")
        except WorkflowConflict as exc:
            outcomes.append(exc.error_code)
        finally:
            connection.close()  # each thread had its own connection

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcomes) == sorted(["ok", codes.TASK_CLOSED])
    assert Transition.objects.filter(task=review, action="complete").count() == 1
    assert HumanTask.objects.filter(instance=instance, element_id="final").count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_next_step_reuses_the_live_workflow_after_commit(cast, deploy, applicant):
    deploy("approval_xiaobao.bpmn")
    instance = services.start(process_key="test_approval", business_object=applicant, actor=cast.officer_a, now=MONDAY)
    hits = engine.LIVE.hits
    services.complete(task=open_task(instance, "submit"), user=cast.officer_a, now=MONDAY)
    assert engine.LIVE.hits == hits + 1
    instance.refresh_from_db()
    assert (instance.uid, instance.version) in engine.LIVE._items
