"""Activity records (宣教活动): a unit records the events and online pieces it produced, each against a task
of a running plan assigned to it. A unit records only for itself (head office's company-wide
administrators may record for any unit, e.g. from a branch's paper report); the records of a closed plan
are frozen. Each function is one transaction with its audit row.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xiaobao.core import audit
from xiaobao.core import services as core_services
from xiaobao.core.models import Attachment, OrgUnit, User
from xiaobao.core.scope import scope_for
from xiaobao.plans import error_codes as codes
from xiaobao.plans import selectors
from xiaobao.plans.models import Activity, PlanTask
from xiaobao.plans.rules import activity_problems, activity_values, covers, raise_first, refusal

ADD_PERMISSION = "plans.add_activity"
PHOTO = "photo"


def check_recorder(actor, org_unit: OrgUnit | None) -> OrgUnit:
    """The organising unit the actor may record for: their own (any unit for company-wide writers).

    Refuses NOT_ALLOWED (403: without plans.add_activity or write scope, or in no unit), NOT_OWN_UNIT (403).
    """
    if not (actor and actor.is_authenticated and actor.has_perm(ADD_PERMISSION)):
        raise refusal(codes.NOT_ALLOWED, _("您没有录入宣教活动的权限。"), status=403)
    scope = scope_for(actor, "add")
    unit = org_unit or getattr(actor, "org_unit", None)
    if unit is None or scope.is_empty:
        raise refusal(codes.NOT_ALLOWED, _("您没有录入宣教活动的权限。"), status=403)
    if not scope.everything and unit.pk != actor.org_unit_id:
        raise refusal(codes.NOT_OWN_UNIT, _("只能录入本机构的宣教活动。"), field="org_unit", status=403)
    return unit


def check_task(task: PlanTask | None, unit: OrgUnit) -> PlanTask | None:
    """A task the unit may record against: of an issued, unclosed plan, assigned to the unit or an ancestor.

    Refuses PLAN_NOT_RUNNING (409), TASK_NOT_ASSIGNED.
    """
    if task is None:
        return None
    task = PlanTask.objects.select_related("plan").prefetch_related("units").get(pk=task.pk)
    if task.plan.status not in selectors.RUNNING_STATUSES or not task.workorder_id:
        raise refusal(
            codes.PLAN_NOT_RUNNING,
            _("方案“%(name)s”当前不在执行中，不能录入活动。") % {"name": task.plan.name},
            field="task",
            status=409,
        )
    if not covers(task, unit):
        raise refusal(
            codes.TASK_NOT_ASSIGNED,
            _("任务“%(title)s”没有下发给%(unit)s。") % {"title": task.title, "unit": unit.name},
            field="task",
        )
    return task


def _frozen(activity: Activity) -> None:
    if activity.task_id and activity.task.plan.status == activity.task.plan.Status.CLOSED:
        raise refusal(codes.PLAN_NOT_RUNNING, _("方案已关闭，活动记录不能再修改。"), status=409)


def _may_change(actor, activity: Activity) -> None:
    if not selectors.may_change_activity(actor, activity):
        raise refusal(codes.NOT_ALLOWED, _("只能修改本机构录入的宣教活动。"), status=403)


@transaction.atomic
def activity_record(
    *,
    actor: User,
    held_on,
    title: str,
    form: str,
    task: PlanTask | None = None,
    org_unit: OrgUnit | None = None,
    target: str = "",
    place: str = "",
    participants=0,
    reach=0,
    articles=0,
    videos=0,
    reposts=0,
    media_stories=0,
    description: str = "",
    files=(),
    now: datetime | None = None,
) -> Activity:
    """Record one activity of `org_unit` (default: the actor's unit), with its photos.

    Refuses, writing nothing: NOT_ALLOWED (403), NOT_OWN_UNIT (403: another unit's), PLAN_NOT_RUNNING
    (409), TASK_NOT_ASSIGNED, TARGET_REQUIRED (offline without 五进入), TARGET_ONLINE (online with one),
    OUT_OF_PERIOD (outside the plan's period), DATE_IN_FUTURE, INVALID (title, form, negative or
    non-whole counts), and the upload refusals of core.
    """
    now = now or timezone.now()
    unit = check_recorder(actor, org_unit)
    task = check_task(task, unit)
    data = {
        "held_on": held_on,
        "title": title,
        "form": form,
        "target": target,
        "place": place,
        "participants": participants,
        "reach": reach,
        "articles": articles,
        "videos": videos,
        "reposts": reposts,
        "media_stories": media_stories,
        "description": description,
    }
    raise_first(activity_problems(data, task=task, today=timezone.localdate(now)))
    values = activity_values(data)
    activity = Activity.objects.create(org_unit=unit, task=task, created_by=actor, created_at=now, **values)
    audit.record(actor=actor, action="activity.record", obj=activity, changes=values, at=now)
    if files:
        core_services.attachments_add(owner=activity, files=files, actor=actor, purpose=PHOTO)
    return activity


def _locked(activity: Activity | int) -> Activity:
    pk = activity.pk if isinstance(activity, Activity) else int(activity)
    return Activity.objects.select_for_update(of=("self",)).select_related("org_unit", "task__plan").get(pk=pk)


@transaction.atomic
def activity_update(*, actor: User, activity: Activity, data: dict, now: datetime | None = None) -> Activity:
    """Correct an activity of the actor's own unit: any of its fields, and `task` (another task assigned
    to the unit, or None).

    Refuses, writing nothing: NOT_ALLOWED (403: another unit's record), PLAN_NOT_RUNNING (409: its plan
    is closed, or the new task's is not running), TASK_NOT_ASSIGNED, and the field refusals of
    `activity_record`.
    """
    now = now or timezone.now()
    activity = _locked(activity)
    _may_change(actor, activity)
    _frozen(activity)
    task = activity.task
    if "task" in data and (data["task"].pk if data["task"] else None) != activity.task_id:
        task = check_task(data["task"], activity.org_unit)
    fields = ["held_on", "title", "form", "target", "place", "description", *Activity.COUNT_FIELDS]
    merged = {name: data.get(name, getattr(activity, name)) for name in fields}
    raise_first(activity_problems(merged, task=task, today=timezone.localdate(now)))
    values = activity_values(merged)
    if task != activity.task:
        values["task"] = task
    activity, changed, changes = core_services.model_update(instance=activity, fields=list(values), data=values)
    if changed:
        if "task" in changes:
            changes["task"] = {k: getattr(v, "pk", v) for k, v in changes["task"].items()}
        audit.record(actor=actor, action="activity.update", obj=activity, changes=changes, at=now)
    return activity


@transaction.atomic
def activity_delete(*, actor: User, activity: Activity, reason: str = "", now: datetime | None = None) -> None:
    """Delete a record entered by mistake (the actor's own unit's; not once its plan is closed), with its
    photos. The audit row keeps what it said. Refuses NOT_ALLOWED (403), PLAN_NOT_RUNNING (409)."""
    now = now or timezone.now()
    activity = _locked(activity)
    _may_change(actor, activity)
    _frozen(activity)
    kept = {name: getattr(activity, name) for name in ("title", "held_on", "form", *Activity.COUNT_FIELDS)}
    audit.record(actor=actor, action="activity.delete", obj=activity, changes=kept, reason=reason, at=now)
    photos = list(selectors.attachments(activity))
    Attachment.objects.filter(pk__in=[p.pk for p in photos]).delete()
    activity.delete()
    # the files go only once the rows are gone for good: a rollback must not leave rows without files
    for photo in photos:
        transaction.on_commit(lambda f=photo.file: f.storage.delete(f.name))


@transaction.atomic
def activity_add_photos(*, actor: User, activity: Activity, files, now: datetime | None = None) -> list:
    """Add photos to an activity of the actor's own unit. Refuses NOT_ALLOWED (403), PLAN_NOT_RUNNING
    (409: plan closed), and the upload refusals of core (nothing stored unless every file passes)."""
    activity = _locked(activity)
    _may_change(actor, activity)
    _frozen(activity)
    return core_services.attachments_add(owner=activity, files=files, actor=actor, purpose=PHOTO)
