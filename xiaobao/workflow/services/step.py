"""One engine advance on one instance, shared by start, complete, cancel and the timer sweep.

The instance row is locked first (then task rows), so two steps on one instance queue instead of
interleaving; the engine state, task rows, timers, history and audit rows are written in the
caller's transaction, so an exception anywhere leaves nothing written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from xiaobao.core import audit, calendar_cache
from xiaobao.core.models import OrgUnit
from xiaobao.core.workdays import Calendar, due
from xiaobao.workflow import bpmn, engine, handlers
from xiaobao.workflow import error_codes as codes
from xiaobao.workflow.assignment import resolve_org_unit
from xiaobao.workflow.exceptions import WorkflowConflict, WorkflowError
from xiaobao.workflow.models import HumanTask, ProcessDefinition, ProcessInstance, Timer, Transition
from xiaobao.workflow.services import rows
from xiaobao.workflow.services.data import jsonable

Action = Transition.Action


def compiled(definition: ProcessDefinition) -> engine.Compiled:
    return engine.spec_for(
        definition.version,
        definition.key,
        lambda: ProcessDefinition.objects.values_list("xml", flat=True).get(pk=definition.pk),
    )


def live_workflow(instance: ProcessInstance):
    """The live workflow of this exact version: from this process's LRU, else restored from the row."""
    workflow = engine.LIVE.take((instance.uid, instance.version))
    if workflow is None:
        state = ProcessInstance.objects.values_list("state", flat=True).get(pk=instance.pk)
        workflow = engine.load_state(state, compiled(instance.definition))
    return workflow


def lock_instance(instance_id: int) -> ProcessInstance:
    """The instance row, locked, with its definition (state and BPMN deferred): every engine step starts here."""
    return rows.get(
        ProcessInstance, instance_id, exclude=("state",), related="definition", related_exclude=("xml",), lock=True
    )


def lock_task(pk: int, instance_id: int | None = None) -> tuple[ProcessInstance, HumanTask]:
    """A task's instance (locked first, as `lock_instance`) and the task row (locked, with its org unit, whose
    path the candidate check needs). `instance_id` saves looking it up when the caller has it."""
    if connection.features.has_select_for_update:
        if instance_id is None:
            instance_id = HumanTask.objects.values_list("instance_id", flat=True).get(pk=pk)
        instance = lock_instance(instance_id)
        return instance, rows.get(HumanTask, pk, related="org_unit", lock=True)
    # SQLite: the transaction's BEGIN IMMEDIATE already holds the database's write lock, so the rows come in
    # one statement, which locks nothing less than the two above
    row = rows.get_joined(
        HumanTask, pk, related=(("org_unit", ()), ("instance", ("state",)), ("instance__definition", ("xml",)))
    )
    return row.instance, row


def task_pk(task) -> int:
    return task.pk if isinstance(task, HumanTask) else int(task)


def check_open(row: HumanTask, expected_version: int | None) -> None:
    if row.status != HumanTask.Status.OPEN:
        raise WorkflowConflict(codes.TASK_CLOSED, _("该任务已办理。"))
    if expected_version is not None and row.version != int(expected_version):
        raise WorkflowConflict(codes.STALE_VERSION, _("该任务在您加载后已有变化，请刷新后重试。"))


def expected(task, expected_version):
    if expected_version is None and isinstance(task, HumanTask):
        return task.version
    return expected_version


@dataclass
class Step:
    """One engine advance on one instance: runs services, then turns engine state into rows."""

    instance: ProcessInstance
    workflow: object
    actor: object
    now: datetime
    is_new: bool = False
    new_tasks: list = field(default_factory=list)
    new_timers: list = field(default_factory=list)
    _calendar: Calendar | None = None

    @property
    def meta(self) -> dict:
        return self.instance.definition.meta

    @property
    def calendar(self) -> Calendar:
        if self._calendar is None:
            self._calendar = calendar_cache.current()
        return self._calendar

    def service_call(self, task) -> None:
        name = self.meta["services"].get(engine.element_id(task))
        handler = handlers.get(name) if name else None
        if handler is None:
            raise WorkflowError(codes.UNKNOWN_SERVICE, _("服务处理程序“%(name)s”未注册。") % {"name": name})
        result = handler(instance=self.instance, data=task.data, now=self.now)
        if result:
            task.data.update(jsonable(result))

    def due_from_days(self, days: int, unit: str) -> tuple[datetime, bool]:
        deadline = due(self.now, days, unit, calendar=self.calendar)
        return deadline.at, deadline.provisional

    def fire_at(self, timer: dict, data: dict | None = None) -> tuple[datetime, bool]:
        if timer["kind"] == "date":
            return _aware(datetime.fromisoformat(timer["expr"])), False
        if timer["kind"] == "variable":
            return moment_from_data(data or {}, timer["expr"]), False
        parts = bpmn.parse_duration(timer["expr"])
        days = bpmn.whole_days(parts)
        if days is not None:
            # whole days: counted on the working-day calendar, or as calendar days (Civil Code rules)
            return self.due_from_days(days, timer["unit"])
        return bpmn.duration_end(parts, self.now), False

    def sync(self, *, closed: set[str] = frozenset()) -> None:
        """Make task and timer rows match the engine: new ready tasks, cancelled ones, new timers."""
        meta = self.meta
        # Which engine tasks have a row is remembered in the engine state itself ("xb_row"), so
        # finding new and vanished tasks needs no query.
        fresh, gone = [], []
        for spiff_task in engine.user_tasks(self.workflow):
            marked = spiff_task.internal_data.get("xb_row")
            if engine.is_ready_user_task(spiff_task) and not marked:
                spiff_task.internal_data["xb_row"] = "open"
                fresh.append((str(spiff_task.id), spiff_task))
            elif marked == "open" and not engine.is_ready_user_task(spiff_task):
                spiff_task.internal_data["xb_row"] = "closed"
                if str(spiff_task.id) not in closed:
                    gone.append(str(spiff_task.id))  # interrupted by a boundary event or cancelled
        if gone:
            HumanTask.objects.filter(
                instance_id=self.instance.pk, engine_task_id__in=gone, status=HumanTask.Status.OPEN
            ).update(status=HumanTask.Status.CANCELLED, version=F("version") + 1)
        if fresh:
            self._new_tasks(fresh)
        if meta["timers"]:
            self._timers()

    def _new_tasks(self, fresh) -> None:
        task_meta = self.meta["user_tasks"]
        for engine_id, spiff_task in fresh:
            element = engine.element_id(spiff_task)
            info = task_meta.get(element) or {
                "name": element,
                "role": "",
                "assignee": "",
                "org": "business",
                "due_days": None,
                "day_unit": "working",
                "remind_before_days": 1,
                "form": [],
            }
            assignee_id = self.instance.started_by_id if info["assignee"] == "starter" else None
            if info.get("assignee_from"):
                assignee_id = _user_id(spiff_task.data.get(info["assignee_from"])) or assignee_id
            row = HumanTask(
                instance=self.instance,
                engine_task_id=engine_id,
                element_id=element,
                name=info["name"][:200],
                candidate_role_id=info.get("role_id"),
                assignee_id=assignee_id,
                org_unit_id=self.instance.org_unit_id
                if info["org"] == "business"
                else resolve_org_unit(info["org"], self.instance.org_unit).pk,
                form=info["form"],
                created_at=self.now,
            )
            if info["due_days"] is not None:
                row.due_at, row.due_provisional = self.due_from_days(info["due_days"], info["day_unit"])
                self._remind(row, info)
            elif info.get("due_from"):
                row.due_at = moment_from_data(spiff_task.data, info["due_from"])
                row.due_provisional = bool(spiff_task.data.get(f"{info['due_from']}_provisional"))
                self._remind(row, info)
            self.new_tasks.append(row)

    def _remind(self, row: HumanTask, info: dict) -> None:
        days = info.get("remind_before_days", 1)
        row.remind_at = row.due_at - timedelta(days=days) if days else None

    def _timers(self) -> None:
        timer_meta = self.meta["timers"]
        waiting = engine.waiting_timers(self.workflow)
        for spiff_task in waiting:
            if "xb_fire_at" in spiff_task.internal_data:
                continue
            element = engine.element_id(spiff_task)
            timer = timer_meta.get(element)
            if timer is None:
                continue
            fire_at, provisional = self.fire_at(timer, spiff_task.data)
            spiff_task.internal_data["xb_fire_at"] = fire_at.isoformat()
            self.new_timers.append(
                Timer(
                    instance=self.instance,
                    engine_task_id=str(spiff_task.id),
                    element_id=element,
                    fire_at=fire_at,
                    provisional=provisional,
                )
            )
            if timer["attached_to"]:
                self._due_from_boundary(timer["attached_to"], fire_at, provisional)
        if not self.is_new:
            Timer.objects.filter(
                instance_id=self.instance.pk, status__in=(Timer.Status.PENDING, Timer.Status.HELD)
            ).exclude(engine_task_id__in=[str(t.id) for t in waiting]).update(status=Timer.Status.CANCELLED)

    def _due_from_boundary(self, element: str, fire_at: datetime, provisional: bool) -> None:
        """A task with a boundary timer is due when the timer fires (unless dueDays said otherwise)."""
        info = self.meta["user_tasks"].get(element, {})
        for row in self.new_tasks:
            if row.element_id == element and row.due_at is None:
                row.due_at, row.due_provisional = fire_at, provisional
                self._remind(row, info)
        if not self.is_new:
            HumanTask.objects.filter(
                instance_id=self.instance.pk, element_id=element, status=HumanTask.Status.OPEN, due_at__isnull=True
            ).update(due_at=fire_at, due_provisional=provisional)

    def write(self) -> None:
        for row in self.new_tasks:
            row.instance = self.instance
        for timer in self.new_timers:
            timer.instance = self.instance
        if len(self.new_tasks) == 1:
            rows.insert(self.new_tasks[0])
        elif self.new_tasks:
            HumanTask.objects.bulk_create(self.new_tasks)
        if self.new_timers:
            Timer.objects.bulk_create(self.new_timers)

    def save_instance(self) -> None:
        """Store the new state, bump the version and, after commit, keep the live object for the next step."""
        instance = self.instance
        instance.state = engine.dump_state(self.workflow)
        instance.version += 1
        if self.workflow.is_completed() and instance.status == ProcessInstance.Status.RUNNING:
            instance.status = ProcessInstance.Status.COMPLETED
            instance.ended_at = self.now
        # Only what a step changes is written: state and version always; status and end once it has ended
        # (by the engine just now, or cancelled by the caller). A running instance was read running, under
        # the lock, with no end, so writing those two again would change nothing.
        changed = {"state": instance.state, "version": instance.version}
        if instance.status != ProcessInstance.Status.RUNNING:
            changed.update(status=instance.status, ended_at=instance.ended_at)
        if self.is_new:
            rows.insert(instance)
        else:
            rows.update(ProcessInstance, instance.pk, **changed)
        self.write()
        key, workflow = (instance.uid, instance.version), self.workflow
        transaction.on_commit(lambda: engine.LIVE.put(key, workflow))


def _aware(moment: datetime) -> datetime:
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


def moment_from_data(data: dict, name: str) -> datetime:
    """A deadline the business object put in the process data (an ISO string or a datetime)."""
    value = data.get(name)
    if isinstance(value, datetime):
        return _aware(value)
    try:
        return _aware(datetime.fromisoformat(str(value)))
    except (TypeError, ValueError):
        raise WorkflowError(codes.BAD_TIMER, _("流程变量“%(name)s”不是日期时间。") % {"name": name}) from None


def _user_id(value) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def record(
    instance: ProcessInstance,
    action: str,
    *,
    actor,
    now: datetime,
    task: HumanTask | None = None,
    element_id: str = "",
    element_name: str = "",
    changes: dict | None = None,
    comment: str = "",
    audit_changes: dict | None = None,
) -> None:
    """One history row and its audit row, against the business object the process serves."""
    actor_obj = actor if getattr(actor, "is_authenticated", False) else None
    element_id = element_id or (task.element_id if task else "")
    # the history row as plain values: nothing reads it back in this step, so no model object is built
    rows.insert_values(
        Transition,
        {
            "instance_id": instance.pk,
            "task_id": task.pk if task else None,
            "at": now,
            "actor_id": actor_obj.pk if actor_obj else None,
            "actor_name": str(actor_obj) if actor_obj else "system",
            "action": action,
            "element_id": element_id,
            "element_name": element_name or (task.name if task else ""),
            "changes": changes or {},
            "comment": comment,
        },
    )
    content_type = ContentType.objects.get_for_id(instance.content_type_id)
    audit.record(
        actor=actor_obj,
        action=f"workflow.{action}",
        object_type=f"{content_type.app_label}.{content_type.model}",
        object_id=instance.object_id,
        object_repr=instance.object_repr,
        org_unit=OrgUnit(pk=instance.org_unit_id),  # the id is all the audit row needs; saves a query
        # field names only: task data may hold personal data, which the audit chain must not copy
        changes={
            "process": instance.definition.key,
            "instance": instance.pk,
            "task": element_id,
            "fields": sorted((changes or {}).keys()),
            **(audit_changes or {}),
        },
        reason=comment[:500],
        at=now,
    )
