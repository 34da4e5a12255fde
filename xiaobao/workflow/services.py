"""Workflow use cases: deploy, start, complete, claim, release, reassign, delegate, cancel, sweep.

Each service is one transaction that writes its history row (`Transition`) and its audit row;
a refusal raises a WorkflowError with a code from error_codes.py. Engine steps always lock the
instance row first (then task rows), so two steps on one instance queue instead of interleaving,
and an exception anywhere — including a failing script inside the engine — leaves nothing written.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from xiaobao.core import audit
from xiaobao.core.models import OrgUnit, Role
from xiaobao.core.workdays import Calendar, due
from xiaobao.workflow import bpmn, engine, handlers
from xiaobao.workflow import error_codes as codes
from xiaobao.workflow.assignment import is_candidate, is_supervisor, may_hold, resolve_org_unit
from xiaobao.workflow.bpmn import BpmnProblem
from xiaobao.workflow.exceptions import NotAllowed, WorkflowConflict, WorkflowError
from xiaobao.workflow.models import HumanTask, ProcessDefinition, ProcessInstance, Timer, Transition

logger = logging.getLogger(__name__)
Action = Transition.Action


# --- deploy -------------------------------------------------------------------------------


def _refusal(problem: BpmnProblem) -> WorkflowError:
    fields = {"element_id": [problem.element_id]} if problem.element_id else {}
    return WorkflowError(problem.code, str(problem), fields=fields)


def _resolve_roles(meta: dict) -> None:
    """Role codes must exist; a lane may name a role by code or by its Chinese name."""
    wanted = {t["role"] for t in meta["user_tasks"].values() if t["role"]}
    if not wanted:
        return
    known, ids = {}, {}
    for pk, code, name in Role.objects.values_list("pk", "code", "name"):
        known[code] = code
        known.setdefault(name, code)
        ids[code] = pk
    for element_id, task in meta["user_tasks"].items():
        if task["role"] and task["role"] not in known:
            raise BpmnProblem(codes.UNKNOWN_ROLE, f"role {task['role']!r} does not exist", element_id)
        if task["role"]:
            task["role"] = known[task["role"]]
            # resolved once here, not per step (roles are never deleted: core.roles only adds)
            task["role_id"] = ids[task["role"]]


def _check_handlers(meta: dict) -> None:
    for element_id, name in meta["services"].items():
        if handlers.get(name) is None:
            raise BpmnProblem(codes.UNKNOWN_SERVICE, f"service handler {name!r} is not registered", element_id)


@transaction.atomic
def deploy(*, content: bytes, actor=None, source: str = "upload", now: datetime | None = None) -> ProcessDefinition:
    """Deploy a BPMN file as the current version of its process; identical content is not deployed twice.

    Refuses (400, `fields.element_id` names the element): malformed or non-UTF-8 XML, DTDs/entities,
    elements the runtime does not support, user tasks without an assignment, unknown roles, bad org
    rules, timers or scripts, unregistered service handlers, and models the engine cannot load.
    """
    now = now or timezone.now()
    try:
        try:
            xml = content.decode("utf-8")
        except UnicodeDecodeError:
            raise BpmnProblem(codes.BPMN_MALFORMED, "BPMN files must be UTF-8") from None
        model, engine_xml = bpmn.read(content)
        _resolve_roles(model.meta)
        _check_handlers(model.meta)
        parsed = engine.parse(engine_xml, model.key)
    except BpmnProblem as problem:
        raise _refusal(problem) from problem
    engine.remember(model.version, parsed)
    existing = ProcessDefinition.objects.filter(key=model.key, version=model.version).first()
    if existing is not None:
        if not existing.is_current:
            ProcessDefinition.objects.filter(key=model.key, is_current=True).update(is_current=False)
            existing.is_current = True
            existing.save(update_fields=["is_current"])
            audit.record(actor=actor, action="workflow.definition.current", obj=existing, at=now)
        return existing
    ProcessDefinition.objects.filter(key=model.key, is_current=True).update(is_current=False)
    definition = ProcessDefinition.objects.create(
        key=model.key,
        name=model.name,
        version=model.version,
        xml=xml,
        meta=model.meta,
        source=source[:300],
        is_current=True,
        deployed_at=now,
        deployed_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit.record(
        actor=actor,
        action="workflow.definition.deploy",
        obj=definition,
        changes={"key": model.key, "version": model.version, "source": source},
        at=now,
    )
    return definition


def deploy_app_processes() -> list[ProcessDefinition]:
    """Deploy every `processes/*.bpmn` of the installed xiaobao apps (run after migrate)."""
    deployed = []
    for app_config in apps.get_app_configs():
        if not app_config.name.startswith("xiaobao."):
            continue
        for path in sorted((Path(app_config.path) / "processes").glob("*.bpmn")):
            deployed.append(deploy(content=path.read_bytes(), source=f"{app_config.label}/processes/{path.name}"))
    return deployed


# --- the engine step ---------------------------------------------------------------------------


def _compiled(definition: ProcessDefinition) -> engine.Compiled:
    found = engine.cached(definition.version)
    if found is None:
        xml = ProcessDefinition.objects.values_list("xml", flat=True).get(pk=definition.pk)
        found = engine.compiled(definition.version, definition.key, xml)
    return found


def _workflow(instance: ProcessInstance):
    """The live workflow of this exact version: from this process's LRU, else restored from the row."""
    workflow = engine.LIVE.take((instance.uid, instance.version))
    if workflow is None:
        state = ProcessInstance.objects.values_list("state", flat=True).get(pk=instance.pk)
        workflow = engine.load_state(state, _compiled(instance.definition))
    return workflow


def _lock_instance(instance_id: int) -> ProcessInstance:
    return (
        ProcessInstance.objects.select_for_update(of=("self",))
        .select_related("definition")
        .defer("state", "definition__xml")
        .get(pk=instance_id)
    )


def _jsonable(value, path: str = "data"):
    """Task data is stored as JSON: plain values, dates and Decimals only."""
    if value is None or isinstance(value, (str, bool, int, float, date, Decimal)):
        return value
    if isinstance(value, dict):
        return {str(k): _jsonable(v, f"{path}.{k}") for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v, path) for v in value]
    raise WorkflowError(codes.INVALID_DATA, f"{path}: {type(value).__name__} cannot be stored in a process")


def _clean_value(form_field: dict, value):
    kind = form_field["type"]
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        return str(value).strip().lower() in {"1", "true", "on", "yes", "是"}
    if kind == "long":
        try:
            return int(value)
        except (TypeError, ValueError):
            raise WorkflowError(
                codes.INVALID_DATA, f"{form_field['id']} must be a whole number", fields={form_field["id"]: ["invalid"]}
            ) from None
    if kind == "date":
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            raise WorkflowError(
                codes.INVALID_DATA, f"{form_field['id']} must be a date", fields={form_field["id"]: ["invalid"]}
            ) from None
    if kind == "enum" and form_field["choices"] and value not in [c[0] for c in form_field["choices"]]:
        raise WorkflowError(
            codes.INVALID_DATA,
            f"{form_field['id']} is not one of the choices",
            fields={form_field["id"]: ["invalid_choice"]},
        )
    if isinstance(value, Decimal):
        return value
    return value if value is None or isinstance(value, (str, int, float)) else str(value)


def _clean_data(form: list[dict], data) -> dict:
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise WorkflowError(codes.INVALID_DATA, "data must be an object")
    bad = [k for k in data if not re.fullmatch(r"[A-Za-z_]\w*", str(k))]
    if bad:
        raise WorkflowError(
            codes.INVALID_DATA, f"data keys must be names: {bad}", fields={k: ["invalid_name"] for k in bad}
        )
    if not form:
        return _jsonable(data)
    by_id = {f["id"]: f for f in form}
    unknown = sorted(set(data) - set(by_id) - {"comment"})
    if unknown:
        raise WorkflowError(
            codes.INVALID_DATA, f"fields not on this task's form: {unknown}", fields={k: ["unknown"] for k in unknown}
        )
    cleaned = {}
    for form_field in form:
        value = data.get(form_field["id"])
        if value in (None, "") and form_field["type"] != "boolean":
            if form_field["required"]:
                raise WorkflowError(
                    codes.INVALID_DATA, f"{form_field['id']} is required", fields={form_field["id"]: ["required"]}
                )
            continue
        cleaned[form_field["id"]] = _clean_value(form_field, value if value is not None else False)
    return cleaned


@dataclass
class _Step:
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
            self._calendar = Calendar.load()
        return self._calendar

    def service_call(self, task) -> None:
        name = self.meta["services"].get(engine.element_id(task))
        handler = handlers.get(name) if name else None
        if handler is None:
            raise WorkflowError(codes.UNKNOWN_SERVICE, f"service handler {name!r} is not registered")
        result = handler(instance=self.instance, data=task.data)
        if result:
            task.data.update(_jsonable(result))

    def due_from_days(self, days: int, unit: str) -> tuple[datetime, bool]:
        deadline = due(self.now, days, unit, calendar=self.calendar)
        return deadline.at, deadline.provisional

    def fire_at(self, timer: dict) -> tuple[datetime, bool]:
        if timer["kind"] == "date":
            moment = datetime.fromisoformat(timer["expr"])
            return (moment if timezone.is_aware(moment) else timezone.make_aware(moment)), False
        match = bpmn.DURATION_RE.match(timer["expr"])
        years, months, weeks, days = (int((match.group(i) or "0X")[:-1]) for i in (1, 2, 3, 4))
        if match.group(5) is None and not (years or months):
            # whole days: counted on the working-day calendar, or as calendar days (Civil Code rules)
            return self.due_from_days(days + 7 * weeks, timer["unit"])
        return self.now + engine.duration(timer["expr"], self.now), False

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
            row = HumanTask(
                instance=self.instance,
                engine_task_id=engine_id,
                element_id=element,
                name=info["name"][:200],
                candidate_role_id=info.get("role_id"),
                assignee_id=self.instance.started_by_id if info["assignee"] == "starter" else None,
                org_unit_id=self.instance.org_unit_id
                if info["org"] == "business"
                else resolve_org_unit(info["org"], self.instance.org_unit).pk,
                form=info["form"],
                created_at=self.now,
            )
            if info["due_days"] is not None:
                row.due_at, row.due_provisional = self.due_from_days(info["due_days"], info["day_unit"])
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
            fire_at, provisional = self.fire_at(timer)
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
            Timer.objects.filter(instance_id=self.instance.pk, status=Timer.Status.PENDING).exclude(
                engine_task_id__in=[str(t.id) for t in waiting]
            ).update(status=Timer.Status.CANCELLED)

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
        if self.new_tasks:
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
        if self.is_new:
            instance.save(force_insert=True)
        else:
            ProcessInstance.objects.filter(pk=instance.pk).update(
                state=instance.state, version=instance.version, status=instance.status, ended_at=instance.ended_at
            )
        self.write()
        key, workflow = (instance.uid, instance.version), self.workflow
        transaction.on_commit(lambda: engine.LIVE.put(key, workflow))


def _record(
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
) -> Transition:
    """One history row and its audit row, against the business object the process serves."""
    actor_obj = actor if getattr(actor, "is_authenticated", False) else None
    row = Transition.objects.create(
        instance=instance,
        task=task,
        at=now,
        actor=actor_obj,
        actor_name=str(actor_obj) if actor_obj else "system",
        action=action,
        element_id=element_id or (task.element_id if task else ""),
        element_name=element_name or (task.name if task else ""),
        changes=changes or {},
        comment=comment,
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
            "task": row.element_id,
            "fields": sorted((changes or {}).keys()),
            **(audit_changes or {}),
        },
        reason=comment[:500],
        at=now,
    )
    return row


# --- start, complete, cancel ------------------------------------------------------------------


@transaction.atomic
def start(
    *, process_key: str, business_object, actor, data: dict | None = None, now: datetime | None = None
) -> ProcessInstance:
    """Start the current version of `process_key` for a business object and run it to its first waits.

    Refuses: UNKNOWN_PROCESS (no deployed definition), NO_ORG_UNIT (the object has no org unit),
    INVALID_DATA (data that cannot be stored as JSON).
    """
    now = now or timezone.now()
    definition = ProcessDefinition.objects.defer("xml").filter(key=process_key, is_current=True).first()
    if definition is None:
        raise WorkflowError(codes.UNKNOWN_PROCESS, f"no deployed process {process_key!r}")
    org_unit = getattr(business_object, "org_unit", None)
    if org_unit is None:
        raise WorkflowError(codes.NO_ORG_UNIT, "the business object has no org unit")
    instance = ProcessInstance(
        definition=definition,
        content_type=ContentType.objects.get_for_model(business_object),
        object_id=str(business_object.pk),
        object_repr=str(business_object)[:200],
        org_unit=org_unit,
        started_by=actor if getattr(actor, "is_authenticated", False) else None,
        started_at=now,
    )
    workflow = engine.new_workflow(_compiled(definition), _jsonable(data or {}))
    step = _Step(instance, workflow, actor, now, is_new=True)
    engine.run_engine(workflow, step.service_call)
    step.sync()
    step.save_instance()
    _record(
        instance,
        Action.START,
        actor=actor,
        now=now,
        element_name=definition.name,
        changes={k: {"before": None, "after": v} for k, v in (data or {}).items()},
    )
    if instance.status == ProcessInstance.Status.COMPLETED:
        _record(instance, Action.END, actor=actor, now=now, element_name=definition.name)
    return instance


def _task_pk(task) -> int:
    return task.pk if isinstance(task, HumanTask) else int(task)


def _check_open(row: HumanTask, expected_version: int | None) -> None:
    if row.status != HumanTask.Status.OPEN:
        raise WorkflowConflict(codes.TASK_CLOSED, "this task has already been handled")
    if expected_version is not None and row.version != int(expected_version):
        raise WorkflowConflict(codes.STALE_VERSION, "this task changed since it was loaded; reload and try again")


def _expected(task, expected_version):
    if expected_version is None and isinstance(task, HumanTask):
        return task.version
    return expected_version


@transaction.atomic
def complete(
    *,
    task,
    user,
    data: dict | None = None,
    expected_version: int | None = None,
    comment: str = "",
    now: datetime | None = None,
) -> HumanTask:
    """Do a human task and advance its process, in one transaction.

    `expected_version` (default: the version of the task object passed in) makes this optimistic:
    if anyone claimed, reassigned or completed the task since, it is refused.
    Refuses: TASK_CLOSED / STALE_VERSION (409), NOT_ASSIGNEE / NOT_CANDIDATE (403), INVALID_DATA (400).
    An unassigned task is claimed by a candidate who completes it.
    """
    now = now or timezone.now()
    expected_version = _expected(task, expected_version)
    pk = _task_pk(task)
    instance_id = (
        task.instance_id
        if isinstance(task, HumanTask)
        else HumanTask.objects.values_list("instance_id", flat=True).get(pk=pk)
    )
    instance = _lock_instance(instance_id)
    row = HumanTask.objects.select_for_update(of=("self",)).get(pk=pk)
    _check_open(row, expected_version)
    if row.assignee_id is None:
        if not is_candidate(user, row):
            raise NotAllowed(codes.NOT_CANDIDATE, "you are not a candidate for this task")
    elif row.assignee_id != user.pk:
        raise NotAllowed(codes.NOT_ASSIGNEE, "this task is held by someone else")
    cleaned = _clean_data(row.form, data)
    workflow = _workflow(instance)
    spiff_task = engine.find_task(workflow, row.engine_task_id)
    if not engine.is_ready_user_task(spiff_task):
        raise WorkflowConflict(codes.TASK_CLOSED, "the process has moved past this task")
    before = {k: spiff_task.data.get(k) for k in cleaned}
    step = _Step(instance, workflow, user, now)
    engine.complete_user_task(workflow, spiff_task, cleaned, step.service_call)
    row.assignee = user
    row.status = HumanTask.Status.COMPLETED
    row.completed_at = now
    row.completed_by = user
    row.data = cleaned
    row.version += 1
    HumanTask.objects.filter(pk=row.pk).update(
        assignee=user, status=row.status, completed_at=now, completed_by=user, data=cleaned, version=row.version
    )
    step.sync(closed={row.engine_task_id})
    step.save_instance()
    _record(
        instance, Action.COMPLETE, actor=user, now=now, task=row, changes=audit.diff(before, cleaned), comment=comment
    )
    if instance.status == ProcessInstance.Status.COMPLETED:
        _record(instance, Action.END, actor=user, now=now, element_name=instance.definition.name)
    return row


@transaction.atomic
def cancel(*, instance, actor, reason: str = "", now: datetime | None = None) -> ProcessInstance:
    """Stop a running instance: its open tasks and timers are cancelled.

    `actor=None` is a cancel by the calling app's own rule (e.g. a complaint withdrawn).
    Refuses: INSTANCE_CLOSED (409), NOT_SUPERVISOR (403) for a person without
    workflow.change_processinstance over the instance's org unit.
    """
    now = now or timezone.now()
    locked = _lock_instance(instance.pk if isinstance(instance, ProcessInstance) else int(instance))
    if locked.status != ProcessInstance.Status.RUNNING:
        raise WorkflowConflict(codes.INSTANCE_CLOSED, "this process is not running")
    if actor is not None and not is_supervisor(actor, locked.org_unit):
        raise NotAllowed(codes.NOT_SUPERVISOR, "you may not cancel processes of this org unit")
    workflow = _workflow(locked)
    engine.cancel(workflow)
    HumanTask.objects.filter(instance=locked, status=HumanTask.Status.OPEN).update(
        status=HumanTask.Status.CANCELLED, version=F("version") + 1
    )
    Timer.objects.filter(instance=locked, status=Timer.Status.PENDING).update(status=Timer.Status.CANCELLED)
    locked.status = ProcessInstance.Status.CANCELLED
    locked.ended_at = now
    step = _Step(locked, workflow, actor, now)
    step.save_instance()
    _record(locked, Action.CANCEL, actor=actor, now=now, comment=reason, element_name=locked.definition.name)
    return locked


# --- claim, release, reassign, delegate ---------------------------------------------------------


def _lock_task(task) -> HumanTask:
    return (
        HumanTask.objects.select_for_update(of=("self",))
        .select_related("org_unit", "instance", "instance__definition", "instance__org_unit")
        .defer("instance__state", "instance__definition__xml")
        .get(pk=_task_pk(task))
    )


def _reassigned(row: HumanTask, assignee, *, delegated_by=None) -> None:
    row.assignee = assignee
    row.delegated_by = delegated_by
    row.version += 1
    row.save(update_fields=["assignee", "delegated_by", "version"])


@transaction.atomic
def claim(*, task, user, expected_version: int | None = None, now: datetime | None = None) -> HumanTask:
    """Take an unassigned task from the candidate group.

    Refuses: TASK_CLOSED / STALE_VERSION / ALREADY_CLAIMED (409), NOT_CANDIDATE (403).
    """
    now = now or timezone.now()
    row = _lock_task(task)
    _check_open(row, _expected(task, expected_version))
    if row.assignee_id is not None:
        raise WorkflowConflict(codes.ALREADY_CLAIMED, "this task has already been claimed")
    if not is_candidate(user, row):
        raise NotAllowed(codes.NOT_CANDIDATE, "you are not a candidate for this task")
    _reassigned(row, user)
    _record(row.instance, Action.CLAIM, actor=user, now=now, task=row)
    return row


@transaction.atomic
def release(*, task, user, expected_version: int | None = None, now: datetime | None = None) -> HumanTask:
    """Give a claimed task back to its candidate group (the holder, or a supervisor).

    Refuses: TASK_CLOSED / STALE_VERSION (409), NOT_ASSIGNEE (403).
    """
    now = now or timezone.now()
    row = _lock_task(task)
    _check_open(row, _expected(task, expected_version))
    if row.assignee_id is None or (row.assignee_id != user.pk and not is_supervisor(user, row.org_unit)):
        raise NotAllowed(codes.NOT_ASSIGNEE, "only the holder or a supervisor may release this task")
    _reassigned(row, None)
    _record(row.instance, Action.RELEASE, actor=user, now=now, task=row)
    return row


@transaction.atomic
def reassign(
    *, task, actor, to_user, comment: str = "", expected_version: int | None = None, now: datetime | None = None
) -> HumanTask:
    """A supervisor (workflow.change_processinstance over the task's org unit) gives the task to someone.

    Refuses: TASK_CLOSED / STALE_VERSION (409), NOT_SUPERVISOR (403), TARGET_NOT_ELIGIBLE (400)
    when the new holder may not act on tasks of that org unit.
    """
    now = now or timezone.now()
    row = _lock_task(task)
    _check_open(row, _expected(task, expected_version))
    if not is_supervisor(actor, row.org_unit):
        raise NotAllowed(codes.NOT_SUPERVISOR, "you may not reassign tasks of this org unit")
    if not may_hold(to_user, row):
        raise WorkflowError(codes.TARGET_NOT_ELIGIBLE, f"{to_user} may not handle tasks of {row.org_unit}")
    before = row.assignee_id
    _reassigned(row, to_user)
    _record(
        row.instance,
        Action.REASSIGN,
        actor=actor,
        now=now,
        task=row,
        comment=comment,
        changes={"assignee": {"before": before, "after": to_user.pk}},
    )
    return row


@transaction.atomic
def delegate(
    *, task, actor, to_user, comment: str = "", expected_version: int | None = None, now: datetime | None = None
) -> HumanTask:
    """The holder hands the task to a colleague who may act in its org unit; history keeps who delegated.

    Refuses: TASK_CLOSED / STALE_VERSION (409), NOT_ASSIGNEE (403), TARGET_NOT_ELIGIBLE (400).
    """
    now = now or timezone.now()
    row = _lock_task(task)
    _check_open(row, _expected(task, expected_version))
    if row.assignee_id != actor.pk:
        raise NotAllowed(codes.NOT_ASSIGNEE, "only the holder may delegate this task")
    if not may_hold(to_user, row) or to_user.pk == actor.pk:
        raise WorkflowError(codes.TARGET_NOT_ELIGIBLE, f"{to_user} may not handle tasks of {row.org_unit}")
    _reassigned(row, to_user, delegated_by=actor)
    _record(
        row.instance,
        Action.DELEGATE,
        actor=actor,
        now=now,
        task=row,
        comment=comment,
        changes={"assignee": {"before": actor.pk, "after": to_user.pk}},
    )
    return row


# --- the periodic sweep -------------------------------------------------------------------------


BATCH = 500


def _mark_tasks(field_name: str, when_field: str, action: str, now: datetime, comment: str) -> int:
    """Stamp due reminders / overdue marks once each; the conditional UPDATE makes reruns no-ops."""
    done = 0
    candidates = HumanTask.objects.filter(
        status=HumanTask.Status.OPEN, **{f"{when_field}__lte": now, f"{field_name}__isnull": True}
    ).values_list("pk", flat=True)[:BATCH]
    for pk in list(candidates):
        with transaction.atomic():
            stamped = HumanTask.objects.filter(
                pk=pk, status=HumanTask.Status.OPEN, **{f"{field_name}__isnull": True}
            ).update(**{field_name: now})
            if not stamped:
                continue  # another sweep got there first
            row = (
                HumanTask.objects.select_related("instance", "instance__definition", "instance__org_unit")
                .defer("instance__state", "instance__definition__xml")
                .get(pk=pk)
            )
            _record(row.instance, action, actor=None, now=now, task=row, comment=comment)
            done += 1
    return done


def _fire_timer(timer_pk: int, instance_id: int, now: datetime) -> bool:
    with transaction.atomic():
        instance = _lock_instance(instance_id)
        timer = Timer.objects.select_for_update().get(pk=timer_pk)
        if timer.status != Timer.Status.PENDING:
            return False  # fired or cancelled by an earlier run
        if instance.status != ProcessInstance.Status.RUNNING:
            timer.status = Timer.Status.CANCELLED
            timer.save(update_fields=["status"])
            return False
        workflow = _workflow(instance)
        spiff_task = engine.find_task(workflow, timer.engine_task_id)
        if not engine.is_waiting(spiff_task):
            timer.status = Timer.Status.CANCELLED
            timer.save(update_fields=["status"])
            key = (instance.uid, instance.version)
            transaction.on_commit(lambda: engine.LIVE.put(key, workflow))
            return False
        step = _Step(instance, workflow, None, now)
        engine.fire_timer(workflow, spiff_task, step.service_call)
        timer.status = Timer.Status.FIRED
        timer.fired_at = now
        timer.save(update_fields=["status", "fired_at"])
        step.sync()
        step.save_instance()
        name = instance.definition.meta["timers"].get(timer.element_id, {}).get("name", timer.element_id)
        _record(instance, Action.TIMER, actor=None, now=now, element_id=timer.element_id, element_name=name)
        if instance.status == ProcessInstance.Status.COMPLETED:
            _record(instance, Action.END, actor=None, now=now, element_name=instance.definition.name)
        return True


def sweep_timers(*, now: datetime | None = None) -> dict[str, int]:
    """Send due reminders, mark overdue tasks (督办) and fire due BPMN timers.

    Idempotent: each reminder, overdue mark and timer happens once however often (or however many
    workers) run it; each item is its own transaction, so one broken instance does not block the rest.
    """
    now = now or timezone.now()
    result = {
        "reminded": _mark_tasks("reminded_at", "remind_at", Action.REMIND, now, "到期提醒"),
        "overdue": _mark_tasks("overdue_at", "due_at", Action.OVERDUE, now, "已逾期，督办"),
        "fired": 0,
        "failed": 0,
    }
    due_timers = Timer.objects.filter(status=Timer.Status.PENDING, fire_at__lte=now).values_list("pk", "instance_id")
    for timer_pk, instance_id in list(due_timers[:BATCH]):
        try:
            result["fired"] += _fire_timer(timer_pk, instance_id, now)
        except Exception:  # one failing instance must not stop the sweep; it retries next run
            logger.exception("workflow timer %s failed", timer_pk)
            result["failed"] += 1
    return result
