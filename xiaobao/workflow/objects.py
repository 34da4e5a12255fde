"""A business object that runs a process (a complaint, a work order, a review, a plan, a knowledge document): the
plumbing each of its services repeats, written once.

Every step service of such an object does the same five things around its own rule: lock the object's row (before
the process instance, everywhere, so two steps on one object queue instead of deadlocking), find the open task of
the step it performs or refuse with the app's 409 code (the page showed a step the object has left), complete the
task through `services.complete` (the process is completeOn=object: the engine checks who may act and that the
task is the one the page showed), save the fields the step changed, and refuse an empty text a step requires.
An app describes its object once, with its own codes and wording, and its services call that:

    COMPLAINT = ProcessObject(Complaint, process_key="complaint", related=("org_unit",), wrong_step=codes.WRONG_STEP,
                              wrong_step_message=gettext_lazy("投诉当前不在这一步（%(status)s），请刷新页面。"))
    complaint = COMPLAINT.lock(pk)
    COMPLAINT.step(complaint, "accept", actor=actor, data={...}, expected_version=version, now=now)
    COMPLAINT.save(complaint, "status", "accepted_at")
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.utils.translation import gettext as _

from xiaobao.core.api_errors import refusal
from xiaobao.workflow import selectors as workflow_selectors
from xiaobao.workflow import services as workflow
from xiaobao.workflow.models import HumanTask


def required_text(value, *, field: str, code: str, message: str = "") -> str:
    """The text stripped; empty is refused with the app's code on that field (a reason, a decision, a result)."""
    value = (value or "").strip()
    if not value:
        raise refusal(code, message or _("请填写此项。"), field=field)
    return value


class ProcessObject:
    """One kind of business object and the process its steps complete.

    `related`: the rows its services read, fetched with the lock (only the object's own row is locked: FOR UPDATE
    OF self — PostgreSQL refuses to lock across a nullable join). `wrong_step` / `wrong_step_message`: the app's
    409 refusal when the object is not at the step asked for (the message may name `%(status)s`, the object's
    status as displayed). `not_allowed` / `not_allowed_message`: the app's 403 when a step is asked for on
    behalf of someone who may not do it (`task(..., actor=…)`). `before_wrong_step`: called with the object
    before the wrong-step refusal, so that a closed object is refused as closed rather than as "not at this step".
    An object whose services never ask for a step by name (they look the task up themselves) may leave the codes out.
    """

    def __init__(
        self,
        model: type[models.Model],
        *,
        process_key: str,
        wrong_step: str = "",
        wrong_step_message: str = "",
        related: tuple[str, ...] = (),
        not_allowed: str = "",
        not_allowed_message: str = "",
        before_wrong_step: Callable[[models.Model], None] | None = None,
    ) -> None:
        self.model = model
        self.process_key = process_key
        self.related = related
        self.wrong_step = wrong_step
        self.wrong_step_message = wrong_step_message
        self.not_allowed = not_allowed
        self.not_allowed_message = not_allowed_message
        self.before_wrong_step = before_wrong_step

    def lock(self, obj: models.Model | int) -> models.Model:
        """The object's row, locked for the rest of the transaction, with its related rows."""
        pk = obj.pk if isinstance(obj, models.Model) else int(obj)
        return self.model.objects.select_for_update(of=("self",)).select_related(*self.related).get(pk=pk)

    def open_task(self, obj: models.Model, element_id: str | None = None) -> HumanTask | None:
        """The object's open task (at that step), or None."""
        return workflow_selectors.open_tasks_for_object(obj, element_id, process_key=self.process_key).first()

    def task(self, obj: models.Model, *element_ids: str, actor=None) -> HumanTask:
        """The open task at the first of these steps the object waits at (no step named: any open task of its
        process); else the app's 409 wrong-step refusal. With `actor`, also one the actor may do now (its holder, or
        a candidate while unheld), else the app's 403.
        """
        if not self.wrong_step or (actor is not None and not self.not_allowed):
            raise ImproperlyConfigured(f"{self.model.__name__}: name the refusal codes to look up a step")
        for element_id in element_ids or (None,):
            task = self.open_task(obj, element_id)
            if task is not None:
                break
        else:
            if self.before_wrong_step is not None:
                self.before_wrong_step(obj)
            status = obj.get_status_display() if hasattr(obj, "get_status_display") else ""
            raise refusal(self.wrong_step, str(self.wrong_step_message) % {"status": status}, status=409)
        if actor is not None and not workflow_selectors.may_act(actor, task):
            raise refusal(self.not_allowed, str(self.not_allowed_message), status=403)
        return task

    @staticmethod
    def complete(
        task: HumanTask, *, actor, data: dict, now: datetime, expected_version: int | None = None, comment: str = ""
    ) -> None:
        """Complete the task as the object's own service (the workflow checks the actor and the version)."""
        workflow.complete(
            task=task, user=actor, data=data, expected_version=expected_version, comment=comment, now=now, via_app=True
        )

    def step(
        self,
        obj: models.Model,
        *element_ids: str,
        actor,
        data: dict,
        now: datetime,
        expected_version: int | None = None,
        comment: str = "",
    ) -> HumanTask:
        """Find the open task at one of these steps (or refuse, as `task`) and complete it; returns the task."""
        task = self.task(obj, *element_ids)
        self.complete(task, actor=actor, data=data, now=now, expected_version=expected_version, comment=comment)
        return task

    @staticmethod
    def save(obj: models.Model, *fields: str) -> None:
        """Write only the fields the step changed."""
        obj.save(update_fields=list(fields))
