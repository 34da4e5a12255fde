"""The periodic sweep: due reminders, overdue marks (督办) and BPMN timers; each item its own transaction."""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from xiaobao.core import directory
from xiaobao.core import services as core_services
from xiaobao.workflow import engine
from xiaobao.workflow.models import HumanTask, ProcessInstance, Timer
from xiaobao.workflow.services.step import Action, Step, live_workflow, lock_instance, record

logger = logging.getLogger(__name__)

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
                HumanTask.objects.select_related(
                    "instance", "instance__definition", "instance__org_unit", "org_unit", "assignee", "candidate_role"
                )
                .defer("instance__state", "instance__definition__xml")
                .get(pk=pk)
            )
            record(row.instance, action, actor=None, now=now, task=row, comment=comment)
            _notify_task_people(row, action, now)
            done += 1
    return done


def _notify_task_people(task: HumanTask, action: str, now: datetime) -> None:
    """Tell whoever must act: the holder, or everyone who may claim it. Once per task and event."""
    from django.urls import reverse
    from django.utils.translation import gettext as _

    if task.assignee_id:
        people = [task.assignee]
    elif task.candidate_role_id:
        people = list(directory.users_with_role(task.candidate_role, task.org_unit))
    else:
        people = []
    overdue = action == Action.OVERDUE
    title = (_("已逾期：%(task)s") if overdue else _("即将到期：%(task)s")) % {"task": task.name}
    due = timezone.localtime(task.due_at).strftime("%Y-%m-%d %H:%M") if task.due_at else ""
    core_services.notify(
        recipients=people,
        kind=f"workflow.{action}",
        level="urgent" if overdue else "warning",
        title=title,
        body=_("%(object)s · %(unit)s · 期限 %(due)s")
        % {"object": task.instance.object_repr, "unit": task.org_unit.name, "due": due},
        url=reverse("workflow:task", args=[task.pk]),
        obj=task,
        dedupe_key=f"workflow.{action}.{task.pk}",
        # reminders and overdue notices matter to people away from the screen: the worker mails them too
        email=True,
        now=now,
    )


def _fire_timer(timer_pk: int, instance_id: int, now: datetime) -> bool:
    with transaction.atomic():
        instance = lock_instance(instance_id)
        timer = Timer.objects.select_for_update().get(pk=timer_pk)
        if timer.status != Timer.Status.PENDING:
            return False  # fired or cancelled by an earlier run
        if instance.status != ProcessInstance.Status.RUNNING:
            timer.status = Timer.Status.CANCELLED
            timer.save(update_fields=["status"])
            return False
        workflow = live_workflow(instance)
        spiff_task = engine.find_task(workflow, timer.engine_task_id)
        if not engine.is_waiting(spiff_task):
            timer.status = Timer.Status.CANCELLED
            timer.save(update_fields=["status"])
            key = (instance.uid, instance.version)
            transaction.on_commit(lambda: engine.LIVE.put(key, workflow))
            return False
        step = Step(instance, workflow, None, now)
        engine.fire_timer(workflow, spiff_task, step.service_call)
        timer.status = Timer.Status.FIRED
        timer.fired_at = now
        timer.save(update_fields=["status", "fired_at"])
        step.sync()
        step.save_instance()
        name = instance.definition.meta["timers"].get(timer.element_id, {}).get("name", timer.element_id)
        record(instance, Action.TIMER, actor=None, now=now, element_id=timer.element_id, element_name=name)
        if instance.status == ProcessInstance.Status.COMPLETED:
            record(instance, Action.END, actor=None, now=now, element_name=instance.definition.name)
        return True


def sweep_timers(*, now: datetime | None = None) -> dict[str, int]:
    """Send due reminders, mark overdue tasks (督办) and fire due BPMN timers.

    Idempotent: each reminder, overdue mark and timer happens once however often (or however many
    workers) run it; each item is its own transaction, so one broken instance does not block the rest.
    """
    now = now or timezone.now()
    result = {
        "reminded": _mark_tasks("reminded_at", "remind_at", Action.REMIND, now, gettext_noop("到期提醒")),
        "overdue": _mark_tasks("overdue_at", "due_at", Action.OVERDUE, now, gettext_noop("已逾期，督办")),
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
