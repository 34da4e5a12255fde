"""Plan and activity reads, each filtered by the caller's data scope (pages and API call the same functions).

Who sees a plan: the owner unit's subtree (drafts included), and — once it is issued — the people of the
units it reaches (`participating_units`), so a branch sees the campaign head office sent it. Company-wide
roles see everything. Activities are seen by their organising unit's subtree. Writes need the model's
change permission and write scope over the owner unit (plans) or the organising unit itself (activities:
a unit keeps its own records); outside scope is 404, read-only is 403.

Progress is never stored here: it is read from the work orders each task was issued as.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from types import SimpleNamespace

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import ExtractMonth, ExtractYear
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from xiaobao.core import names, sorting
from xiaobao.core.models import PATH_STEP, Attachment, OrgUnit
from xiaobao.core.scope import scope_for
from xiaobao.plans.models import Activity, Plan, PlanTask
from xiaobao.workflow import selectors as workflow_selectors
from xiaobao.workorders import selectors as workorder_selectors

PROCESS_KEY = "plans_plan_approval"
APPROVAL_STEPS = ("approve_hq", "approve_parent")
VIEW_PLAN, CHANGE_PLAN = "plans.view_plan", "plans.change_plan"
CHANGE_ACTIVITY = "plans.change_activity"
#: a plan reaches its participating units once it is issued; before that it is the owner's business
ISSUED_STATUSES = (Plan.Status.IN_PROGRESS, Plan.Status.SUMMARY, Plan.Status.CLOSED)
#: activities are recorded against tasks of these plans
RUNNING_STATUSES = (Plan.Status.IN_PROGRESS, Plan.Status.SUMMARY)
STEP = PATH_STEP + 1  # characters per level of OrgUnit.path
FIGURES = ("events", "reach", "participants", "articles", "videos", "reposts", "media_stories")
# work order statuses, as the workorders app names them (it sits below plans: no model import)
CLOSED, CANCELLED = "closed", "cancelled"


# --- plans -----------------------------------------------------------------------------------------


def _visible_plans(user) -> QuerySet[Plan]:
    if user is None or not user.is_authenticated or not user.has_perm(VIEW_PLAN):
        return Plan.objects.none()
    scope = scope_for(user, "view")
    if scope.everything:
        return Plan.objects.all()
    if scope.is_empty:
        return Plan.objects.none()
    # a unit takes part when it, a unit below it or a unit above it participates: a branch's task is
    # carried out by its sub-branches too (see tasks_open_for). Head office taking part in its own plan
    # does not open it to the whole company, so the levels above stop below the root.
    above = {p[:i] for p in (*scope.subtree_paths, *scope.unit_paths) for i in range(2 * STEP, len(p), STEP)}
    reached = Plan.objects.filter(
        scope.q("participating_units") | Q(participating_units__path__in=above), status__in=ISSUED_STATUSES
    ).values("pk")
    return Plan.objects.filter(scope.q("org_unit") | Q(pk__in=reached))


def plans_for(user, filters: dict | None = None) -> QuerySet[Plan]:
    """Plans the user may see, open ones first (the period ending soonest first), or by a whitelisted column
    (`sort`, "-" for descending). filters: kind, status, year (period overlaps it), org_unit (owner unit id),
    q (name contains), sort."""
    filters = filters or {}
    rows = _visible_plans(user).select_related("org_unit", "created_by")
    if filters.get("kind"):
        rows = rows.filter(kind=filters["kind"])
    if filters.get("status"):
        rows = rows.filter(status=filters["status"])
    if filters.get("year"):
        year = int(filters["year"])
        rows = rows.filter(period_start__lte=date(year, 12, 31), period_end__gte=date(year, 1, 1))
    if filters.get("org_unit"):
        rows = rows.filter(org_unit=filters["org_unit"])
    if filters.get("q"):
        rows = rows.filter(name__icontains=str(filters["q"]).strip())
    # what needs action first: plans not closed, the one whose period ends soonest first; closed ones newest first
    default = sorting.action_first(~Q(status=Plan.Status.CLOSED), due="period_end", recent="period_start")
    return sorting.apply_sort(rows.order_by(*default), filters.get("sort"), SORT_KEYS)


# Columns the plan list may be sorted by (core/sorting.py); anything else in `sort` is ignored.
SORT_KEYS = {
    "name": ("name",),
    "kind": ("kind",),
    "org_unit": ("org_unit__path",),
    "period_start": ("period_start",),
    "status": ("status",),
}


def may_change_plan(user, plan: Plan) -> bool:
    """Change permission and write scope over the plan's owner unit (read-only roles never)."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.has_perm(CHANGE_PLAN)
        and scope_for(user, "change").covers(plan.org_unit.path)
    )


def get_plan_for_user(user, pk: int, *, for_write: bool = False) -> Plan:
    """One plan the user may see (404 otherwise, so ids reveal nothing); with `for_write`, 403 unless
    the user may change it."""
    plan = _visible_plans(user).select_related("org_unit", "created_by").filter(pk=pk).first()
    if plan is None:
        raise Http404
    if for_write and not may_change_plan(user, plan):
        raise PermissionDenied
    return plan


def goals(plan: Plan) -> list:
    """A plan's goals, each with `indicator_name`: its indicator's name (the code when no indicator has it)."""
    rows = list(plan.goals.all())
    found = names.names(names.INDICATOR, (goal.indicator_code for goal in rows))
    for goal in rows:
        goal.indicator_name = found.get(goal.indicator_code, goal.indicator_code)
    return rows


def tasks(plan: Plan) -> QuerySet[PlanTask]:
    """A plan's tasks with their units (the caller has the plan from get_plan_for_user)."""
    return plan.tasks.prefetch_related("units")


def participating_units(plan: Plan) -> QuerySet[OrgUnit]:
    return plan.participating_units.order_by("path")


def attachments(owner) -> QuerySet[Attachment]:
    """Files of a plan (material) or an activity (photos); the caller has the owner from get_*_for_user."""
    return Attachment.objects.filter(
        content_type=ContentType.objects.get_for_model(owner), object_id=str(owner.pk)
    ).select_related("uploaded_by")


def get_plan_attachment_for_user(user, plan_pk: int, attachment_pk: int) -> Attachment:
    found = attachments(get_plan_for_user(user, plan_pk)).filter(pk=attachment_pk).first()
    if found is None:
        raise Http404
    return found


def approval_task(plan: Plan):
    """The plan's open approval task (either approver's), or None. Pages check `workflow.selectors.may_act`."""
    return workflow_selectors.open_tasks_for_object(plan, process_key=PROCESS_KEY).first()


# --- progress from the work orders --------------------------------------------------------------


def _empty_progress() -> dict:
    return {"total": 0, "done": 0, "overdue": 0, "percent": 0}


def plan_progress_for_many(plans) -> dict[int, dict]:
    """{plan id: {total, done, overdue, percent}} over the per-unit work orders of every issued task
    (e.g. "12/15"), for a page of plans in a few queries. Counts, like a batch's roll-up, are the whole
    plan's: the caller got the plans from `plans_for`."""
    plan_ids = [p.pk for p in plans]
    found = {pk: _empty_progress() for pk in plan_ids}
    by_order = dict(
        PlanTask.objects.filter(plan__in=plan_ids, workorder_id__isnull=False).values_list("workorder_id", "plan_id")
    )
    for order_id, row in _order_progress(by_order).items():
        total = found[by_order[order_id]]
        for key in ("total", "done", "overdue"):
            total[key] += row[key]
    for row in found.values():
        row["percent"] = round(100 * row["done"] / row["total"]) if row["total"] else 0
    return found


def _order_progress(order_ids, *, due_on: dict | None = None, now=None) -> dict[int, dict]:
    """{order id: {total, done, overdue}}: a batch counts its children; a task issued to one unit is
    one order (the work-order app makes a batch only for two or more units)."""
    ids = list(order_ids)
    if not ids:
        return {}
    batches = workorder_selectors.progress_for_many([SimpleNamespace(pk=pk, is_batch=True) for pk in ids], now=now)
    found = {pk: row for pk, row in batches.items() if row["total"]}
    single = [pk for pk in ids if pk not in found]
    today = timezone.localdate(now) if now else timezone.localdate()
    for pk, (is_open, status, _closed) in workorder_selectors.order_states(single).items():
        if status == "dispatched":  # a batch whose children are not visible yet: nothing to count
            continue
        late = bool(is_open and due_on and due_on.get(pk) and due_on[pk] < today and status != "submitted")
        found[pk] = {"total": 1, "done": int(status == CLOSED), "overdue": int(late)}
    return found


def tasks_progress(user, plan: Plan, *, now=None) -> list[dict]:
    """Per task: {task, order_id, total, done, overdue, supervised, percent, due_on, units: [...]} where
    each unit row is {unit, order_id, status, status_label?, due_at, closed_at, overdue, supervised, done}.

    Task totals are the whole plan's (like a batch's roll-up); the per-unit rows are the work orders the
    user may see (`workorders.selectors.work_orders_visible_to`), so a branch sees its own units' rows
    and the owner sees every unit's.
    """
    now = now or timezone.now()
    plan_tasks = list(tasks(plan))
    order_ids = [t.workorder_id for t in plan_tasks if t.workorder_id]
    totals = _order_progress(order_ids, due_on={t.workorder_id: t.due_on for t in plan_tasks}, now=now)
    by_order: dict[int, list] = defaultdict(list)
    if order_ids:
        visible = workorder_selectors.work_orders_visible_to(user).filter(
            Q(parent__in=order_ids) | Q(pk__in=order_ids, is_batch=False)
        )
        late = set(workorder_selectors.overdue(visible, now=now).values_list("pk", flat=True))
        units = {}
        for row in visible.values("pk", "parent_id", "org_unit_id", "status", "due_at", "closed_at", "supervision"):
            units[row["org_unit_id"]] = None
            row["overdue"] = row["pk"] in late
            by_order[row["parent_id"] or row["pk"]].append(row)
        units = OrgUnit.objects.in_bulk(list(units))
        for rows in by_order.values():
            for row in rows:
                row["unit"] = units[row.pop("org_unit_id")]
                row["order_id"] = row.pop("pk")
                row["done"] = row["status"] == CLOSED
                row["supervised"] = row.pop("supervision") >= 1
            rows.sort(key=lambda r: r["unit"].path)
    result = []
    for task in plan_tasks:
        unit_rows = by_order.get(task.workorder_id, []) if task.workorder_id else []
        total = totals.get(task.workorder_id, _empty_progress()) if task.workorder_id else _empty_progress()
        result.append(
            {
                "task": task,
                "order_id": task.workorder_id,
                "issued": bool(task.workorder_id),
                "due_on": task.due_on,
                "total": total["total"],
                "done": total["done"],
                "overdue": total["overdue"],
                "supervised": sum(1 for r in unit_rows if r["supervised"] and not r["done"]),
                "percent": round(100 * total["done"] / total["total"]) if total["total"] else 0,
                "units": unit_rows,
            }
        )
    return result


# --- activities ------------------------------------------------------------------------------------


def activities_for(user, filters: dict | None = None) -> QuerySet[Activity]:
    """Activities the user may see, newest first. filters: plan, task, org_unit (its subtree), form,
    target, year, date_from, date_to, q (title or place contains)."""
    filters = filters or {}
    rows = Activity.objects.visible_to(user).select_related("org_unit", "task", "task__plan", "created_by")
    if filters.get("plan"):
        rows = rows.filter(task__plan=filters["plan"])
    if filters.get("task"):
        rows = rows.filter(task=filters["task"])
    if filters.get("org_unit"):
        unit = OrgUnit.objects.filter(pk=filters["org_unit"]).only("path").first()
        rows = rows.filter(org_unit__path__startswith=unit.path) if unit else rows.none()
    if filters.get("form"):
        rows = rows.filter(form=filters["form"])
    if filters.get("target"):
        rows = rows.filter(target=filters["target"])
    if filters.get("year"):
        rows = rows.filter(held_on__year=int(filters["year"]))
    if filters.get("date_from"):
        rows = rows.filter(held_on__gte=filters["date_from"])
    if filters.get("date_to"):
        rows = rows.filter(held_on__lte=filters["date_to"])
    if filters.get("q"):
        term = str(filters["q"]).strip()
        rows = rows.filter(Q(title__icontains=term) | Q(place__icontains=term))
    return rows.order_by("-held_on", "-id")


def may_change_activity(user, activity: Activity) -> bool:
    """The organising unit keeps its own records (head office's company-wide admins may correct any)."""
    if user is None or not user.is_authenticated or not user.has_perm(CHANGE_ACTIVITY):
        return False
    scope = scope_for(user, "change")
    return scope.everything or (not scope.is_empty and user.org_unit_id == activity.org_unit_id)


def get_activity_for_user(user, pk: int, *, for_write: bool = False) -> Activity:
    """One activity the user may see (404 otherwise); with `for_write`, 403 unless it is their unit's."""
    found = activities_for(user).filter(pk=pk).first()
    if found is None:
        raise Http404
    if for_write and not may_change_activity(user, found):
        raise PermissionDenied
    return found


def get_activity_photo_for_user(user, activity_pk: int, attachment_pk: int) -> Attachment:
    found = attachments(get_activity_for_user(user, activity_pk)).filter(pk=attachment_pk).first()
    if found is None:
        raise Http404
    return found


def tasks_open_for(user, org_unit: OrgUnit | None = None) -> QuerySet[PlanTask]:
    """Tasks a unit may record activities against: issued tasks of running plans, assigned to the unit
    or to one of its ancestors. `org_unit` defaults to the user's own; the plan must be visible."""
    unit = org_unit or getattr(user, "org_unit", None)
    if unit is None:
        return PlanTask.objects.none()
    prefixes = [unit.path[:i] for i in range(STEP, len(unit.path) + 1, STEP)]
    return (
        PlanTask.objects.filter(
            plan__in=_visible_plans(user).values("pk"),
            plan__status__in=RUNNING_STATUSES,
            workorder_id__isnull=False,
            units__path__in=prefixes,
        )
        .select_related("plan")
        .distinct()
        .order_by("-plan__period_start", "plan_id", "sort", "id")
    )


# --- roll-ups ---------------------------------------------------------------------------------------


def _sums() -> dict:
    return {"events": Count("pk"), **{name: Sum(name) for name in FIGURES if name != "events"}}


def _figures(row: dict) -> dict[str, int]:
    return {name: int(row.get(name) or 0) for name in FIGURES}


@dataclass
class Rollup:
    """Activity figures for a plan or a year: per organising unit (org-tree order), totals, and the
    breakdowns the charts draw (by form, by 五进入 target, by month)."""

    units: list[dict] = field(default_factory=list)  # {"unit": OrgUnit, events, reach, …}
    totals: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FIGURES, 0))
    by_form: list[dict] = field(default_factory=list)  # {"form", "label", events, reach, …}
    by_target: list[dict] = field(default_factory=list)  # offline only: {"target", "label", …}
    by_month: list[dict] = field(default_factory=list)  # {"month": "2024-03", events, reach, …}
    plan: Plan | None = None
    year: int | None = None


def rollup(user, *, plan: Plan | None = None, year: int | None = None) -> Rollup:
    """Sum the activities the user may see, for one plan (through its tasks) and/or one year (held_on).
    For a plan, each participating unit the user may see has a row, zeros included. Without a plan, the
    sessions of training plans (培训计划) are left out: they are training, not 宣教 (as in indicators). Five GROUP BY
    queries, whatever the number of activities."""
    rows = activities_for(user, {"plan": plan.pk if plan else None, "year": year}).order_by()
    if plan is None:
        rows = rows.exclude(task__plan__kind=Plan.Kind.TRAINING)
    aggregates = _sums()
    result = Rollup(plan=plan, year=year)
    per_unit = list(rows.values("org_unit").annotate(**aggregates))
    units = OrgUnit.objects.in_bulk([r["org_unit"] for r in per_unit])
    table = [{"unit": units[r["org_unit"]], **_figures(r)} for r in per_unit]
    if plan is not None:
        # a participating unit that recorded nothing is a row of zeros, not a missing row
        scope = scope_for(user, "view")
        table += [
            {"unit": unit, **dict.fromkeys(FIGURES, 0)}
            for unit in plan.participating_units.exclude(pk__in=units)
            if scope.covers(unit.path)
        ]
    result.units = sorted(table, key=lambda r: r["unit"].path)
    result.totals = _figures(rows.aggregate(**aggregates))
    forms = {r["form"]: _figures(r) for r in rows.values("form").annotate(**aggregates)}
    result.by_form = [
        {"form": value, "label": label, **forms[value]} for value, label in Activity.Form.choices if value in forms
    ]
    targets = {r["target"]: _figures(r) for r in rows.values("target").annotate(**aggregates)}
    result.by_target = [
        {"target": value, "label": label, **targets[value]}
        for value, label in Activity.Target.choices
        if value in targets
    ]
    if "" in targets:  # online activities go to no 五进入 place; a row of their own keeps the table's sum whole
        result.by_target.append({"target": "", "label": _("线上活动"), **targets[""]})
    months = rows.annotate(y=ExtractYear("held_on"), m=ExtractMonth("held_on")).values("y", "m")
    result.by_month = [
        {"month": f"{r['y']:04d}-{r['m']:02d}", **_figures(r)} for r in months.annotate(**aggregates).order_by("y", "m")
    ]
    return result


def activity_figures(*, date_from: date, date_to: date, plan_kind: str | None = None) -> dict[int, dict[str, int]]:
    """{organising unit id: {events, reach, participants, articles, videos, reposts, media_stories}} for
    activities held from `date_from` to `date_to` (both included), optionally only those on tasks of
    plans of one kind. One GROUP BY query.

    Unscoped, like `workorders.selectors.order_states`: for the indicators module, which computes figures
    for every unit and scopes what it shows itself. Pages read activities through `activities_for`.
    """
    rows = Activity.objects.filter(held_on__gte=date_from, held_on__lte=date_to)
    if plan_kind:
        rows = rows.filter(task__plan__kind=plan_kind)
    return {row["org_unit"]: _figures(row) for row in rows.order_by().values("org_unit").annotate(**_sums())}
