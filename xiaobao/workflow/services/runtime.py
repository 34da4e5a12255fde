"""Starting, completing and cancelling: the services that advance the engine."""

from __future__ import annotations

from datetime import datetime

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from xiaobao.core import audit
from xiaobao.workflow import engine
from xiaobao.workflow import error_codes as codes
from xiaobao.workflow.assignment import is_candidate, is_supervisor
from xiaobao.workflow.exceptions import NotAllowed, WorkflowConflict, WorkflowError
from xiaobao.workflow.models import HumanTask, ProcessDefinition, ProcessInstance, Timer
from xiaobao.workflow.services import rows
from xiaobao.workflow.services.data import clean_data, jsonable
from xiaobao.workflow.services.step import (
    Action,
    Step,
    check_open,
    compiled,
    expected,
    live_workflow,
    lock_instance,
    lock_task,
    record,
    task_pk,
)


@transaction.atomic
def start(
    *, process_key: str, business_object, actor, data: dict | None = None, now: datetime | None = None
) -> ProcessInstance:
    """Start the current version of `process_key` for a business object and run it to its first waits.

    Refuses: UNKNOWN_PROCESS (no deployed definition), NO_ORG_UNIT (the object has no org unit),
    INVALID_DATA (data that cannot be stored as JSON).
    """
    now = now or timezone.now()
    definition = rows.first(ProcessDefinition, exclude=("xml",), key=process_key, is_current=True)
    if definition is None:
        raise WorkflowError(codes.UNKNOWN_PROCESS, _("没有已部署的流程“%(key)s”。") % {"key": process_key})
    org_unit = getattr(business_object, "org_unit", None)
    if org_unit is None:
        raise WorkflowError(codes.NO_ORG_UNIT, _("业务对象没有所属机构。"))
    instance = ProcessInstance(
        definition=definition,
        content_type=ContentType.objects.get_for_model(business_object),
        object_id=str(business_object.pk),
        object_repr=str(business_object)[:200],
        org_unit=org_unit,
        started_by=actor if getattr(actor, "is_authenticated", False) else None,
        started_at=now,
    )
    workflow = engine.new_workflow(compiled(definition), jsonable(data or {}))
    step = Step(instance, workflow, actor, now, is_new=True)
    engine.run_engine(workflow, step.service_call)
    step.sync()
    step.save_instance()
    record(
        instance,
        Action.START,
        actor=actor,
        now=now,
        element_name=definition.name,
        changes={k: {"before": None, "after": v} for k, v in (data or {}).items()},
    )
    if instance.status == ProcessInstance.Status.COMPLETED:
        record(instance, Action.END, actor=actor, now=now, element_name=definition.name)
    return instance


@transaction.atomic
def complete(
    *,
    task,
    user,
    data: dict | None = None,
    expected_version: int | None = None,
    comment: str = "",
    now: datetime | None = None,
    via_app: bool = False,
) -> HumanTask:
    """Do a human task and advance its process, in one transaction.

    `expected_version` (default: the version of the task object passed in) makes this optimistic:
    if anyone claimed, reassigned or completed the task since, it is refused.
    Refuses: TASK_CLOSED / STALE_VERSION (409), NOT_ASSIGNEE / NOT_CANDIDATE (403), INVALID_DATA (400),
    COMPLETE_ON_OBJECT (400: the process is `completeOn="object"` and the caller is not the
    business object's own service, which passes `via_app=True`).
    An unassigned task is claimed by a candidate who completes it.
    """
    now = now or timezone.now()
    expected_version = expected(task, expected_version)
    pk = task_pk(task)
    instance, row = lock_task(pk, task.instance_id if isinstance(task, HumanTask) else None)
    if instance.definition.meta.get("complete_on_object") and not via_app:
        raise WorkflowError(codes.COMPLETE_ON_OBJECT, _("该任务须在其业务对象的页面上办理。"))
    check_open(row, expected_version)
    if row.assignee_id is None:
        if not is_candidate(user, row):
            raise NotAllowed(codes.NOT_CANDIDATE, _("您不是该任务的候选办理人。"))
    elif row.assignee_id != user.pk:
        raise NotAllowed(codes.NOT_ASSIGNEE, _("该任务由他人办理中。"))
    cleaned = clean_data(row.form, data)
    workflow = live_workflow(instance)
    spiff_task = engine.find_task(workflow, row.engine_task_id)
    if not engine.is_ready_user_task(spiff_task):
        raise WorkflowConflict(codes.TASK_CLOSED, _("流程已越过该任务。"))
    before = {k: spiff_task.data.get(k) for k in cleaned}
    step = Step(instance, workflow, user, now)
    # "<task>_by" tells later steps who did it, e.g. a handling task for whoever accepted (assigneeFrom).
    engine.complete_user_task(workflow, spiff_task, {**cleaned, f"{row.element_id}_by": user.pk}, step.service_call)
    row.assignee = user
    row.status = HumanTask.Status.COMPLETED
    row.completed_at = now
    row.completed_by = user
    row.data = cleaned
    row.version += 1
    rows.update(
        HumanTask,
        row.pk,
        assignee_id=user.pk,
        status=row.status,
        completed_at=now,
        completed_by_id=user.pk,
        data=cleaned,
        version=row.version,
    )
    step.sync(closed={row.engine_task_id})
    step.save_instance()
    record(
        instance, Action.COMPLETE, actor=user, now=now, task=row, changes=audit.diff(before, cleaned), comment=comment
    )
    if instance.status == ProcessInstance.Status.COMPLETED:
        record(instance, Action.END, actor=user, now=now, element_name=instance.definition.name)
    return row


@transaction.atomic
def cancel(
    *, instance, actor, reason: str = "", now: datetime | None = None, app_checked: bool = False
) -> ProcessInstance:
    """Stop a running instance: its open tasks and timers are cancelled.

    `actor=None` is a cancel by the calling app's own rule (e.g. a complaint withdrawn);
    `app_checked=True` is the same with a person to name in the history (e.g. the issuer of a work
    order withdrawing it, which the work-order app has allowed). Refuses: INSTANCE_CLOSED (409),
    NOT_SUPERVISOR (403) for a person without workflow.change_processinstance over the instance's org unit.
    """
    now = now or timezone.now()
    locked = lock_instance(instance.pk if isinstance(instance, ProcessInstance) else int(instance))
    if locked.status != ProcessInstance.Status.RUNNING:
        raise WorkflowConflict(codes.INSTANCE_CLOSED, _("该流程不在运行中。"))
    if actor is not None and not app_checked and not is_supervisor(actor, locked.org_unit):
        raise NotAllowed(codes.NOT_SUPERVISOR, _("您无权取消该机构的流程。"))
    workflow = live_workflow(locked)
    engine.cancel(workflow)
    HumanTask.objects.filter(instance=locked, status=HumanTask.Status.OPEN).update(
        status=HumanTask.Status.CANCELLED, version=F("version") + 1
    )
    Timer.objects.filter(instance=locked, status__in=(Timer.Status.PENDING, Timer.Status.HELD)).update(
        status=Timer.Status.CANCELLED
    )
    locked.status = ProcessInstance.Status.CANCELLED
    locked.ended_at = now
    step = Step(locked, workflow, actor, now)
    step.save_instance()
    record(locked, Action.CANCEL, actor=actor, now=now, comment=reason, element_name=locked.definition.name)
    return locked
