"""Workflow reads. Every selector takes the user first and applies what they may see (STYLE.md §2)."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import BigIntegerField, Count, Q, QuerySet
from django.db.models.functions import Cast
from django.http import Http404
from django.utils import timezone

from xiaobao.workflow import access, engine
from xiaobao.workflow.assignment import candidate_q, is_candidate
from xiaobao.workflow.models import HumanTask, ProcessDefinition, ProcessInstance, Transition

BOXES = ("mine", "group", "overdue", "done", "all")


def inbox(user, filters: dict | None = None) -> QuerySet[HumanTask]:
    """My tasks as one indexed query. filters: box = mine | group | overdue | done | all (mine + group).

    mine: open, assigned to me; group: open, unassigned, I am a candidate (role + org unit);
    overdue: mine or group, past due; done: completed by me. Also: process (definition key), due_before
    (a datetime: only tasks due by then).
    """
    filters = filters or {}
    box = filters.get("box") or "all"
    base = HumanTask.objects.select_related(
        "instance", "instance__definition", "org_unit", "candidate_role", "assignee"
    )
    base = base.defer("instance__state", "instance__definition__xml", "instance__definition__meta")
    if not user.is_authenticated:
        return base.none()
    # the business object's own rule first: a task of an object the user may not see is not theirs to see
    base = base.filter(access.visible_q(user, "instance__"))
    if box == "done":
        return base.filter(completed_by=user, status=HumanTask.Status.COMPLETED).order_by("-completed_at")
    mine = Q(assignee=user)
    group = candidate_q(user)
    if box == "mine":
        where = mine
    elif box == "group":
        if group is None:
            return base.none()
        where = Q(assignee__isnull=True) & group
    else:
        where = mine | (Q(assignee__isnull=True) & group) if group is not None else mine
    rows = base.filter(where, status=HumanTask.Status.OPEN)
    if box == "overdue":
        rows = rows.filter(due_at__lt=filters.get("now") or timezone.now())
    if filters.get("process"):
        rows = rows.filter(instance__definition__key=filters["process"])
    if filters.get("due_before"):  # a moment: due by then (the 工作台's "due today and overdue")
        rows = rows.filter(due_at__lte=filters["due_before"])
    return rows.order_by(*(["due_at", "created_at"]))


# The inbox's tab badges count up to this and show "999+" past it: a badge says "a lot", and counting every one of
# a branch's thousands of group tasks (each through its object's visibility rule) was a third of the page's time.
TAB_COUNT_CAP = 999


def inbox_counts(user, *, now=None, cap: int | None = TAB_COUNT_CAP) -> dict[str, int]:
    """The tasks in each tab; with `cap`, a tab holding more than `cap` counts as cap + 1 (the database stops
    there). Not for figures anyone reports: those count everything."""
    counts = {}
    for box in ("mine", "group", "overdue"):
        rows = inbox(user, {"box": box, "now": now}).order_by()
        counts[box] = rows[: cap + 1].count() if cap is not None else rows.count()
    return counts


def get_task_for_user(user, pk: int) -> HumanTask:
    """A task the user may see: theirs, claimable by them, or in their view scope — and of a business object
    they may see (workflow/access.py). 404 otherwise."""
    if not user.is_authenticated:
        raise Http404
    mine = Q(assignee=user) | Q(completed_by=user)
    group = candidate_q(user)
    visible = HumanTask.objects.visible_to(user).values("pk")
    where = mine | Q(pk__in=visible) | (group if group is not None else Q(pk__in=[]))
    row = (
        HumanTask.objects.select_related("instance", "instance__definition", "org_unit", "candidate_role", "assignee")
        .defer("instance__state")
        .filter(where, access.visible_q(user, "instance__"), pk=pk)
        .first()
    )
    if row is None:
        raise Http404
    return row


def history(user, instance: ProcessInstance) -> QuerySet[Transition]:
    return Transition.objects.filter(instance=instance).select_related("task").order_by("at", "id")


def instances_for_object(user, business_object) -> QuerySet[ProcessInstance]:
    """The processes of a business object, if the user may see the object (its app's rule) and its org unit."""
    content_type = ContentType.objects.get_for_model(business_object)
    rows = ProcessInstance.objects.visible_to(user)
    seen = access.object_visible(user, business_object)
    if seen is None:  # a type with no rule of its own: the definitions' view permission (access.visible_q)
        rows = rows.filter(access.visible_q(user))
    elif not seen:
        rows = rows.none()
    return (
        rows.filter(content_type=content_type, object_id=str(business_object.pk))
        .select_related("definition")
        .defer("state", "definition__xml")
    )


def timeline_for_object(user, business_object) -> QuerySet[Transition]:
    """Every transition of every process of a business object, oldest first (the object's timeline)."""
    instances = instances_for_object(user, business_object).values("pk")
    return (
        Transition.objects.filter(instance__in=instances)
        .select_related("task", "instance__definition")
        .order_by("at", "id")
    )


def get_instance_for_user(user, pk: int) -> ProcessInstance:
    """An instance the user may see by scope, or one holding a task of theirs — and whose business object they
    may see (workflow/access.py). 404 otherwise."""
    if not user.is_authenticated:
        raise Http404
    mine = HumanTask.objects.filter(Q(assignee=user) | Q(completed_by=user)).values("instance_id")
    row = (
        ProcessInstance.objects.filter(Q(pk__in=ProcessInstance.objects.visible_to(user).values("pk")) | Q(pk__in=mine))
        .select_related("definition", "org_unit")
        .filter(access.visible_q(user), pk=pk)
        .first()
    )
    if row is None:
        raise Http404
    return row


def diagram_states(instance: ProcessInstance) -> dict[str, list[str]]:
    """Completed and current element ids for the diagram (restores the engine state; detail pages only)."""
    definition = instance.definition
    state = instance.state or ProcessInstance.objects.values_list("state", flat=True).get(pk=instance.pk)
    spec = engine.spec_for(
        definition.version,
        definition.key,
        lambda: ProcessDefinition.objects.values_list("xml", flat=True).get(pk=definition.pk),
    )
    return engine.states_of(state, spec)


def definitions(user) -> QuerySet[ProcessDefinition]:
    """Deployed versions with their running-instance counts; needs workflow.view_processdefinition."""
    if not user.has_perm("workflow.view_processdefinition"):
        return ProcessDefinition.objects.none()
    return (
        ProcessDefinition.objects.defer("xml")
        .annotate(running=Count("instances", filter=Q(instances__status=ProcessInstance.Status.RUNNING)))
        .order_by("key", "-deployed_at")
    )


def get_definition_for_user(user, pk: int) -> ProcessDefinition:
    row = definitions(user).filter(pk=pk).first()
    if row is None:
        raise Http404
    return row


def definition_xml(instance: ProcessInstance) -> str:
    """The BPMN of the version an instance runs on (the caller got `instance` from get_instance_for_user)."""
    return ProcessDefinition.objects.values_list("xml", flat=True).get(pk=instance.definition_id)


def definition_groups(user) -> list[dict]:
    """`definitions(user)` grouped by process key: {key, name, running, versions}, newest version first."""
    groups: dict[str, dict] = {}
    for row in definitions(user):
        group = groups.setdefault(row.key, {"key": row.key, "name": row.name or row.key, "running": 0, "versions": []})
        if row.is_current:
            group["name"] = row.name or row.key
        group["versions"].append(row)
        group["running"] += row.running
    return list(groups.values())


def open_tasks_for_object(
    business_object, element_id: str | None = None, *, process_key: str | None = None
) -> QuerySet[HumanTask]:
    """The open tasks of a business object's processes (of one process with `process_key`, so another
    process on the same object, e.g. an approval, never answers for it) — a lookup for that app's own services.

    Not scoped to a user: the services that use it act through `services.complete`/`claim`, which
    check that the actor may act. Pages use `inbox` and `get_task_for_user`.
    """
    rows = HumanTask.objects.filter(
        instance__content_type=ContentType.objects.get_for_model(business_object),
        instance__object_id=str(business_object.pk),
        status=HumanTask.Status.OPEN,
    ).select_related("org_unit", "assignee", "candidate_role")
    if element_id:
        rows = rows.filter(element_id=element_id)
    if process_key:
        rows = rows.filter(instance__definition__key=process_key)
    return rows.order_by("created_at", "pk")


def with_open_task_for(user, model, process_key: str) -> Q:
    """A filter on `model` (integer primary key): the objects on which the user has an open task of one
    process (theirs or claimable, as the inbox's "all" box) — a subquery in SQL, never a list of ids, so
    the "to do" view costs the same whatever the backlog.

    It keeps only the task side (who may act); the caller's own selector has already kept the objects the
    user may see, so the inbox's per-app visibility subqueries would only repeat that work.
    """
    if not user.is_authenticated:
        return Q(pk__in=[])
    where = Q(assignee=user)
    group = candidate_q(user)
    if group is not None:
        where |= Q(assignee__isnull=True) & group
    tasks = HumanTask.objects.filter(
        where,
        status=HumanTask.Status.OPEN,
        instance__content_type=ContentType.objects.get_for_model(model),
        instance__definition__key=process_key,
    )
    # the object id is text on the instance (any model may run a process); the cast runs on the rows
    # the filter kept, which all point at `model` and so hold its integer key
    return Q(pk__in=tasks.order_by().values(object_pk=Cast("instance__object_id", output_field=BigIntegerField())))


def running_instances_for_object(business_object, *, process_key: str | None = None) -> QuerySet[ProcessInstance]:
    """The running instances of a business object — a lookup for that app's own services (unscoped)."""
    rows = ProcessInstance.objects.filter(
        content_type=ContentType.objects.get_for_model(business_object),
        object_id=str(business_object.pk),
        status=ProcessInstance.Status.RUNNING,
    ).defer("state")
    return rows.filter(definition__key=process_key) if process_key else rows


def may_act(user, task: HumanTask) -> bool:
    """Whether the user may do this open task now: its holder, or a candidate while nobody holds it.

    For pages deciding which buttons to show; `services.complete` decides again when they are pressed.
    """
    if task.status != HumanTask.Status.OPEN or not user.is_authenticated:
        return False
    if task.assignee_id is not None:
        return task.assignee_id == user.pk
    return is_candidate(user, task)
