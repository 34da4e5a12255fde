"""workflow/services/rows.py writes and reads rows with hand-built SQL and Django's field/converter internals.

Each test does the same thing twice — once through rows.py, once through the ORM — and compares what the database
holds (or what the object carries). A Django upgrade that changes those internals then fails here, not in a
process step in production.
"""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.workflow.conftest import at
from xiaobao.workflow import services
from xiaobao.workflow.models import HumanTask, ProcessInstance, Transition
from xiaobao.workflow.services import rows

MONDAY = at(2025, 3, 3, 10, 0)


@pytest.fixture
def instance(cast, deploy, applicant):
    deploy("approval_xiaobao.bpmn")
    return services.start(process_key="test_approval", business_object=applicant, actor=cast.officer_a, now=MONDAY)


@pytest.fixture
def task(instance):
    return HumanTask.objects.get(instance=instance, element_id="submit")


def stored(model, pk) -> dict:
    """The row as the database holds it, read back through the ORM, without its primary key."""
    row = model.objects.values().get(pk=pk)
    row.pop("id")
    return row


def task_fields(task: HumanTask, cast, **extra) -> dict:
    """A task row with every kind of column rows.py must prepare: FKs, aware datetimes, JSON, booleans."""
    return {
        "instance_id": task.instance_id,
        "org_unit_id": cast.branch_a.pk,
        "engine_task_id": "00000000-0000-0000-0000-000000000001",
        "element_id": "review",
        "name": "审查（复核）",
        "candidate_role_id": task.candidate_role_id,
        "assignee": cast.officer_a,
        "status": HumanTask.Status.OPEN,
        "version": 3,
        "form": [{"name": "approved", "type": "boolean", "label": "同意"}],
        "data": {"amount": Decimal("12.50"), "when": MONDAY, "note": "客户说“已解决”"},
        "created_at": MONDAY,
        "due_at": MONDAY + timedelta(days=15, hours=3),
        "due_provisional": True,
        "remind_at": None,
        **extra,
    }


def test_insert_stores_what_save_stores(cast, task):
    ours = rows.insert(HumanTask(**task_fields(task, cast)))
    orms = HumanTask(**task_fields(task, cast))
    orms.save(force_insert=True)
    assert ours.pk and ours.pk != orms.pk
    assert stored(HumanTask, ours.pk) == stored(HumanTask, orms.pk)
    assert ours._state.adding is False
    assert ours._state.db == orms._state.db


def test_insert_takes_the_key_of_a_parent_saved_after_it_was_assigned(cast, task, instance):
    # a new process: the task is built against the instance object before the instance row exists
    parent = ProcessInstance.objects.get(pk=instance.pk)
    parent.pk = None
    parent.uid = uuid.uuid4()
    parent._state.adding = True
    child = HumanTask(**task_fields(task, cast, instance_id=None))
    child.instance = parent
    rows.insert(parent)
    rows.insert(child)
    assert parent.pk != instance.pk
    assert HumanTask.objects.get(pk=child.pk).instance_id == parent.pk
    copy = stored(ProcessInstance, parent.pk)
    original = stored(ProcessInstance, instance.pk)
    assert {k: v for k, v in copy.items() if k != "uid"} == {k: v for k, v in original.items() if k != "uid"}


def test_insert_of_a_history_row_matches_save(cast, task, instance):
    def make():
        return Transition(
            instance=instance,
            task=task,
            at=MONDAY,
            actor=cast.officer_a,
            actor_name=str(cast.officer_a),
            action=Transition.Action.COMPLETE,
            element_id="submit",
            element_name="提交",
            changes={"amount": [None, Decimal("3.10")], "due": [None, MONDAY]},
            comment="同意",
        )

    ours = rows.insert(make())
    orms = make()
    orms.save(force_insert=True)
    assert stored(Transition, ours.pk) == stored(Transition, orms.pk)


def test_update_writes_what_queryset_update_writes(cast, task):
    first = HumanTask.objects.create(**task_fields(task, cast))
    second = HumanTask.objects.create(**task_fields(task, cast))
    values = {
        "assignee_id": cast.officer_b.pk,
        "status": HumanTask.Status.COMPLETED,
        "completed_at": MONDAY + timedelta(hours=2),
        "completed_by_id": cast.officer_b.pk,
        "data": {"approved": True, "amount": Decimal("7"), "when": MONDAY},
        "version": 4,
    }
    assert rows.update(HumanTask, first.pk, **values) == 1
    assert HumanTask.objects.filter(pk=second.pk).update(**values) == 1
    assert stored(HumanTask, first.pk) == stored(HumanTask, second.pk)
    assert stored(HumanTask, first.pk)["assignee_id"] == cast.officer_b.pk


def test_update_of_a_missing_row_changes_nothing(cast, task):
    before = stored(HumanTask, task.pk)
    assert rows.update(HumanTask, task.pk + 10_000, status=HumanTask.Status.COMPLETED) == 0
    assert stored(HumanTask, task.pk) == before


def concrete(obj) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields}


def test_get_reads_what_select_related_reads(cast, task):
    HumanTask.objects.filter(pk=task.pk).update(due_at=MONDAY + timedelta(days=1), data={"n": 1})
    ours = rows.get(HumanTask, task.pk, related="org_unit", lock=True)
    orms = HumanTask.objects.select_related("org_unit").get(pk=task.pk)
    assert concrete(ours) == concrete(orms)
    assert ours.due_at.tzinfo is not None
    # the related row comes in the same query, converted the same way
    with CaptureQueriesContext(connection) as queries:
        assert concrete(ours.org_unit) == concrete(orms.org_unit)
    assert len(queries) == 0
    assert ours.get_deferred_fields() == orms.get_deferred_fields() == set()


def test_get_defers_the_excluded_columns_as_defer_does(instance):
    ours = rows.get(
        ProcessInstance, instance.pk, exclude=("state",), related="definition", related_exclude=("xml",), lock=True
    )
    orms = ProcessInstance.objects.select_related("definition").defer("state", "definition__xml").get(pk=instance.pk)
    assert ours.get_deferred_fields() == orms.get_deferred_fields() == {"state"}
    assert ours.definition.get_deferred_fields() == orms.definition.get_deferred_fields() == {"xml"}
    assert {k: v for k, v in concrete(ours).items() if k != "state"} == {
        k: v for k, v in concrete(orms).items() if k != "state"
    }
    assert ours.definition.meta == orms.definition.meta
    # a deferred column loads on first access, like the ORM's
    assert ours.state == orms.state != ""
    assert ours.definition.xml == orms.definition.xml


def test_get_locks_the_row_where_the_database_can(task):
    with CaptureQueriesContext(connection) as queries:
        rows.get(HumanTask, task.pk, related="org_unit", lock=True)
    sql = queries[-1]["sql"].upper()
    assert ("FOR UPDATE" in sql) == connection.features.has_select_for_update


def test_get_of_a_missing_row_raises_does_not_exist(task):
    with pytest.raises(HumanTask.DoesNotExist):
        rows.get(HumanTask, task.pk + 10_000)


def test_insert_values_writes_what_save_writes(cast, task):
    values = {
        "instance_id": task.instance_id,
        "task_id": task.pk,
        "at": MONDAY,
        "actor_id": cast.officer_a.pk,
        "actor_name": str(cast.officer_a),
        "action": Transition.Action.COMPLETE,
        "element_id": "submit",
        "element_name": "提交",
        "changes": {"amount": [None, Decimal("3.10")], "due": [None, MONDAY]},
        "comment": "同意",
    }
    ours = rows.insert_values(Transition, values)
    orms = Transition(**values)
    orms.save(force_insert=True)
    assert stored(Transition, ours) == stored(Transition, orms.pk)
    with pytest.raises(KeyError):  # every column must be given: none is left to a default by accident
        rows.insert_values(Transition, {k: v for k, v in values.items() if k != "comment"})


def test_first_reads_what_filter_first_reads(cast, deploy, instance):
    current = instance.definition
    ours = rows.first(type(current), exclude=("xml",), key=current.key, is_current=True)
    orms = type(current).objects.defer("xml").filter(key=current.key, is_current=True).order_by("pk").first()
    assert ours.pk == orms.pk == current.pk
    assert ours.get_deferred_fields() == orms.get_deferred_fields() == {"xml"}
    assert concrete(ours) == concrete(orms)  # the deferred column loads on first access, on both
    assert rows.first(type(current), key="no_such_process", is_current=True) is None


def test_get_joined_reads_what_select_related_reads(task):
    related = (("org_unit", ()), ("instance", ("state",)), ("instance__definition", ("xml",)))
    unit = concrete(task.org_unit)
    with CaptureQueriesContext(connection) as queries:
        ours = rows.get_joined(HumanTask, task.pk, related=related)
        # every related row came in the one statement, converted as the ORM converts it
        assert concrete(ours.org_unit) == unit
        assert ours.instance.get_deferred_fields() == {"state"}
        assert ours.instance.definition.get_deferred_fields() == {"xml"}
    assert len(queries) == 1
    orms = (
        HumanTask.objects.select_related("org_unit", "instance__definition")
        .defer("instance__state", "instance__definition__xml")
        .get(pk=task.pk)
    )
    assert concrete(ours) == concrete(orms)
    assert {k: v for k, v in concrete(ours.instance).items() if k != "state"} == {
        k: v for k, v in concrete(orms.instance).items() if k != "state"
    }
    assert ours.instance.definition.meta == orms.instance.definition.meta
    assert ours.instance.started_at.tzinfo is not None
    with pytest.raises(HumanTask.DoesNotExist):
        rows.get_joined(HumanTask, task.pk + 10_000, related=related)
