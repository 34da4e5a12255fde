"""Work order reads, each filtered by the caller's data scope (pages and API call the same functions).

Who sees an order: its recipients (the recipient unit's subtree, so a branch sees its sub-branches'
orders), its issuer and the issuing unit's subtree, the person it names, and company-wide roles.
A business-department clerk is no work-order officer: they see only the orders addressed to them (named as
recipient or handler) and those they issued, never the org tree's (issue 14).
"""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from xiaobao.core import sorting
from xiaobao.core.models import Attachment, OrgUnit, Role
from xiaobao.core.scope import scope_for
from xiaobao.workflow import selectors as workflow_selectors
from xiaobao.workorders.models import Feedback, WorkOrder
from xiaobao.workorders.rules import may_handle as may_handle  # for other apps choosing whom an order names

PROCESS_KEY = "workorder"
BOXES = ("todo", "issued", "supervising", "all")
VIEW_PERMISSION = "workorders.view_workorder"
# Roles that hold the view permission only to see what is addressed to them, not their org subtree's orders.
ADDRESSEE_ONLY_ROLES = frozenset({"dept_clerk"})


def _reaches_by_unit(user) -> bool:
    """Whether a role giving the user the work-order permission is an officer's (reach by org unit), not
    only an addressee's. Cached on the user object."""
    if user.is_superuser:
        return True
    cached = user.__dict__.get("_xiaobao_workorder_unit_reach")
    if cached is None:
        app_label, codename = VIEW_PERMISSION.split(".")
        granting = Role.objects.filter(
            Q(group__user=user) | Q(assignments__user=user),
            group__permissions__content_type__app_label=app_label,
            group__permissions__codename=codename,
        ).exclude(code__in=ADDRESSEE_ONLY_ROLES)
        # a permission granted to the user directly (not through a role) reaches by unit, as before
        direct = user.user_permissions.filter(content_type__app_label=app_label, codename=codename).exists()
        cached = user.__dict__["_xiaobao_workorder_unit_reach"] = direct or granting.exists()
    return cached


def visible_orders(user) -> QuerySet[WorkOrder]:
    """Every order the user may see, batch parents included (the rule the workflow app applies to an order's
    process, and the base of every read here)."""
    if user is None or not user.is_authenticated or not user.has_perm(VIEW_PERMISSION):
        return WorkOrder.objects.none()
    where = Q(issuer=user) | Q(recipient_user=user) | Q(handler=user)
    if not _reaches_by_unit(user):
        return WorkOrder.objects.filter(where)
    scope = scope_for(user, "view")
    if scope.everything:
        return WorkOrder.objects.all()
    if not scope.is_empty:
        where |= scope.q("org_unit") | scope.q("issuer_unit")
    return WorkOrder.objects.filter(where)


def work_orders_visible_to(user, filters: dict | None = None) -> QuerySet[WorkOrder]:
    """Orders the user may see. filters: box (todo | issued | supervising | all), status, kind, q, org_unit,
    overdue (bool), parent (id), batch (include batch parents; default: per-unit orders only), sort (a SORT_KEYS
    key, "-" for descending; unknown keys keep the default: open orders first, the nearest deadline first)."""
    filters = filters or {}
    rows = visible_orders(user).select_related("org_unit", "issuer", "issuer_unit", "recipient_user", "handler")
    box = filters.get("box") or "all"
    if box == "todo":
        rows = rows.filter(pk__in=_todo_ids(user))
    elif box == "issued":
        rows = rows.filter(issuer=user, parent__isnull=True)
    elif box == "supervising":
        rows = rows.filter(supervision__gte=WorkOrder.Supervision.SUPERVISED, status__in=WorkOrder.OPEN_STATUSES)
        if user.org_unit_id and not scope_for(user, "view").everything:
            rows = rows.exclude(org_unit=user.org_unit_id)  # supervising others, not being supervised
    if filters.get("parent"):
        rows = rows.filter(parent=filters["parent"])
    elif not filters.get("batch") and box != "issued":
        rows = rows.filter(is_batch=False)
    if filters.get("status"):
        rows = rows.filter(status=filters["status"])
    if filters.get("kind"):
        rows = rows.filter(kind=filters["kind"])
    if filters.get("org_unit"):
        unit = OrgUnit.objects.filter(pk=filters["org_unit"]).only("path").first()
        rows = rows.filter(org_unit__path__startswith=unit.path) if unit else rows.none()
    if filters.get("overdue"):
        rows = overdue(rows, now=filters.get("now"))
    if filters.get("q"):
        term = str(filters["q"]).strip()
        rows = rows.filter(Q(title__icontains=term) | Q(number__icontains=term))
    open_q = Q(status__in=WorkOrder.OPEN_STATUSES) | Q(status=WorkOrder.Status.DISPATCHED)
    # what needs action first: open orders (the recipient's clock running before the issuer's) by deadline
    default = sorting.action_first(
        open_q, urgent_q=Q(status__in=WorkOrder.RECIPIENT_STATUSES), due="due_at", recent="created_at"
    )
    return sorting.apply_sort(rows.order_by(*default), filters.get("sort"), SORT_KEYS)


# Columns the work-order list may be sorted by (core/sorting.py); anything else in `sort` is ignored.
SORT_KEYS = {
    "number": ("number",),
    "kind": ("kind",),
    "org_unit": ("org_unit__path",),
    "status": ("status",),
    "due_at": ("due_at",),
    "created_at": ("created_at",),
}


def _todo_ids(user) -> list[int]:
    ids = workflow_selectors.object_ids_with_tasks_for(user, PROCESS_KEY).values_list("instance__object_id", flat=True)
    return [int(i) for i in ids if str(i).isdigit()]


def overdue(rows: QuerySet[WorkOrder], *, now=None) -> QuerySet[WorkOrder]:
    """Orders whose recipient has not reported back by the deadline."""
    return rows.filter(status__in=WorkOrder.RECIPIENT_STATUSES, due_at__lt=now or timezone.now())


def get_work_order_for_user(user, pk: int) -> WorkOrder:
    """One order the user may see; 404 (not 403) outside scope, so ids reveal nothing."""
    order = (
        visible_orders(user)
        .select_related("org_unit", "issuer", "issuer_unit", "recipient_user", "parent")
        .filter(pk=pk)
    )
    found = order.first()
    if found is None:
        raise Http404
    return found


def progress(user, parent: WorkOrder, *, now=None) -> dict:
    """A batch's roll-up: children per status, done, overdue, supervised (e.g. 12 of 15 done, 2 overdue)."""
    children = WorkOrder.objects.filter(parent=parent)
    by_status = dict(children.values_list("status").annotate(n=Count("pk")).order_by())
    total = sum(by_status.values())
    done = by_status.get(WorkOrder.Status.CLOSED, 0)
    return {
        "total": total,
        "done": done,
        "cancelled": by_status.get(WorkOrder.Status.CANCELLED, 0),
        "overdue": overdue(children, now=now).count(),
        "supervised": children.filter(supervision__gte=WorkOrder.Supervision.SUPERVISED).count(),
        "by_status": by_status,
        "percent": round(100 * done / total) if total else 0,
    }


def progress_for_many(parents: list[WorkOrder], *, now=None) -> dict[int, dict]:
    """Roll-ups for a page of batch parents in two queries (not two per parent)."""
    ids = [p.pk for p in parents if p.is_batch]
    if not ids:
        return {}
    found: dict[int, dict] = {pk: {"total": 0, "done": 0, "overdue": 0} for pk in ids}
    for parent_id, status, n in (
        WorkOrder.objects.filter(parent__in=ids).values_list("parent", "status").annotate(n=Count("pk")).order_by()
    ):
        found[parent_id]["total"] += n
        if status == WorkOrder.Status.CLOSED:
            found[parent_id]["done"] += n
    for parent_id, n in (
        overdue(WorkOrder.objects.filter(parent__in=ids), now=now)
        .values_list("parent")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        found[parent_id]["overdue"] = n
    for row in found.values():
        row["percent"] = round(100 * row["done"] / row["total"]) if row["total"] else 0
    return found


def children_of(user, parent: WorkOrder) -> QuerySet[WorkOrder]:
    """The per-unit orders of a batch the user may see (the issuer sees them all)."""
    return work_orders_visible_to(user, {"parent": parent.pk})


def feedbacks(order: WorkOrder) -> QuerySet[Feedback]:
    """An order's reports back, oldest first (the caller has the order from get_work_order_for_user)."""
    return order.feedbacks.select_related("submitted_by", "reviewed_by")


def attachments(order: WorkOrder) -> QuerySet[Attachment]:
    """The order's files: the issuer's material (on the batch parent, if any) and the evidence."""
    from django.contrib.contenttypes.models import ContentType

    owners = [order.pk] + ([order.parent_id] if order.parent_id else [])
    return Attachment.objects.filter(
        content_type=ContentType.objects.get_for_model(WorkOrder), object_id__in=[str(pk) for pk in owners]
    ).select_related("uploaded_by")


def get_attachment_for_user(user, order_pk: int, attachment_pk: int) -> Attachment:
    order = get_work_order_for_user(user, order_pk)
    found = attachments(order).filter(pk=attachment_pk).first()
    if found is None:
        raise Http404
    return found


def open_task(order: WorkOrder, element_id: str | None = None):
    """The order's open workflow task (the step it waits at), or None."""
    return workflow_selectors.open_tasks_for_object(order, element_id, process_key=PROCESS_KEY).first()


def board(user, *, now=None) -> dict:
    """The supervision board: per recipient unit (in org-tree order) and per status, with overdue,
    supervised and escalated counts (of open orders), over every per-unit order the user may see."""
    now = now or timezone.now()
    rows = visible_orders(user).filter(is_batch=False)
    by_unit: dict[int, dict] = {}
    for unit_id, status, supervision, n in (
        rows.values_list("org_unit", "status", "supervision").annotate(n=Count("pk")).order_by()
    ):
        entry = by_unit.setdefault(unit_id, {"statuses": {}, "total": 0, "supervised": 0, "escalated": 0})
        entry["statuses"][status] = entry["statuses"].get(status, 0) + n
        entry["total"] += n
        if supervision >= WorkOrder.Supervision.SUPERVISED and status in WorkOrder.OPEN_STATUSES:
            entry["supervised"] += n
        if supervision >= WorkOrder.Supervision.ESCALATED and status in WorkOrder.OPEN_STATUSES:
            entry["escalated"] += n
    for unit_id, n in overdue(rows, now=now).values_list("org_unit").annotate(n=Count("pk")).order_by():
        by_unit[unit_id]["overdue"] = n
    units = {u.pk: u for u in OrgUnit.objects.filter(pk__in=by_unit)}
    table = [
        {"unit": units[pk], **entry, "overdue": entry.get("overdue", 0)}
        for pk, entry in sorted(by_unit.items(), key=lambda item: units[item[0]].path)
    ]
    totals: dict[str, int] = {}
    for entry in table:
        for status, n in entry["statuses"].items():
            totals[status] = totals.get(status, 0) + n
    return {
        "units": table,
        "totals": totals,
        "overdue": sum(e["overdue"] for e in table),
        "supervised": sum(e["supervised"] for e in table),
        "escalated": sum(e["escalated"] for e in table),
    }


def order_states(ids) -> dict[int, tuple[bool, str, object]]:
    """{order id: (open?, status, closed_at)} for orders another module opened and keeps the ids of —
    a lookup for that module's own services and sweeps (unscoped: no person is behind a sweep; pages
    read orders through `work_orders_visible_to`)."""
    rows = WorkOrder.objects.filter(pk__in=list(ids)).only("pk", "status", "closed_at", "is_batch")
    return {order.pk: (order.is_open, order.status, order.closed_at) for order in rows}


# --- figures for indicators (issue 9): unscoped, per unit, no person behind them ---------------------------


def figures_by_unit(date_from, date_to) -> dict[int, dict]:
    """{recipient unit id: {closed, on_time}} for per-unit orders (not batch parents) closed from `date_from`
    to `date_to` (dates, inclusive, local time). On time: the recipient reported back by the deadline (once
    reported the clock is the issuer's, as for `overdue`); an order closed without a report counts its
    closure. Each unit's own orders, not its subtree. One grouped query."""
    from datetime import datetime, time, timedelta

    from django.db.models import F
    from django.db.models.functions import Coalesce

    start = timezone.make_aware(datetime.combine(date_from, time.min))
    end = timezone.make_aware(datetime.combine(date_to, time.min)) + timedelta(days=1)
    rows = (
        WorkOrder.objects.filter(
            is_batch=False, status=WorkOrder.Status.CLOSED, closed_at__gte=start, closed_at__lt=end
        )
        .annotate(reported=Coalesce("submitted_at", "closed_at"))
        .order_by()
        .values("org_unit")
        .annotate(closed=Count("pk"), on_time=Count("pk", filter=Q(reported__lte=F("due_at"))))
    )
    return {row.pop("org_unit"): row for row in rows}


def figures_watermark() -> tuple:
    """Changes whenever a figure above can change (an order closed); the indicator sweep recomputes only when
    this moved. One aggregate query."""
    from django.db.models import Max

    row = (
        WorkOrder.objects.filter(status=WorkOrder.Status.CLOSED)
        .order_by()
        .aggregate(n=Count("pk"), at=Max("closed_at"))
    )
    return (str(row["n"]), str(row["at"]))


def supervised_open(user) -> QuerySet[WorkOrder]:
    """督办 items the user may see that still wait for someone: open per-unit orders under supervision (or
    escalated further), the nearest deadline first — what a branch is being chased for, and what head office
    is chasing."""
    rows = visible_orders(user).select_related("org_unit")
    rows = rows.filter(supervision__gte=WorkOrder.Supervision.SUPERVISED, status__in=WorkOrder.OPEN_STATUSES)
    return rows.filter(is_batch=False).order_by("due_at", "id")
