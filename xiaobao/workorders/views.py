"""Work order pages: my orders (to do / issued / supervising), issue, detail with its actions,
the supervision board, the Excel export and evidence downloads.

Thin (DESIGN.md): reads are `workorders.selectors` calls scoped to the user (outside scope is 404),
writes are `workorders.services` calls; a refusal is a message on the page (403 for "you may not",
as in the API), never a 500 and never a partial write.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from xiaobao.core import selectors as core_selectors
from xiaobao.core.api_errors import BusinessRuleError
from xiaobao.core.views import serve_attachment
from xiaobao.ui.messages import put_on_form
from xiaobao.ui.page_actions import ObjectPage
from xiaobao.workflow import labels
from xiaobao.workflow import selectors as workflow_selectors
from xiaobao.workorders import selectors, services
from xiaobao.workorders.exports import orders_workbook
from xiaobao.workorders.forms import FeedbackForm, IssueForm, ListFilterForm, ReasonForm, RefusalForm, ReviewForm
from xiaobao.workorders.models import WorkOrder

PAGE_SIZE = 50
BOXES = [
    ("todo", gettext_lazy("待我处理")),
    ("issued", gettext_lazy("我下发的")),
    ("supervising", gettext_lazy("督办中")),
    ("all", gettext_lazy("全部")),
]


def _filters(request) -> dict:
    form = ListFilterForm(request.GET)
    filters = form.cleaned_data if form.is_valid() else {}
    return {k: v for k, v in filters.items() if v not in (None, "", False)}


def _query(filters: dict) -> str:
    """The filters as a query string, box always named: the pager and the export keep what the page shows."""
    return urlencode({k: ("1" if v is True else v) for k, v in filters.items()})


def _may_view(user) -> None:
    """The lists need what the API's lists need: without the permission both answer 403, not an empty list."""
    if not user.has_perm(selectors.VIEW_PERMISSION):
        raise PermissionDenied(_("您没有查看工单的权限。"))


@require_GET
@login_required
def order_list(request):
    """我的工单: to do / issued by me / supervising / all, filterable; batches show their progress."""
    _may_view(request.user)
    filters = _filters(request)
    filters.setdefault("box", "todo")
    now = timezone.now()
    rows = selectors.work_orders_visible_to(request.user, {**filters, "now": now})
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    progress = selectors.progress_for_many(list(page.object_list), now=now)
    return render(
        request,
        "workorders/list.html",
        {
            "page": page,
            "rows": [(order, progress.get(order.pk)) for order in page.object_list],
            "filters": filters,
            "box": filters["box"],
            "boxes": BOXES,
            "query": _query(filters),
            "statuses": WorkOrder.Status.choices,
            "kinds": WorkOrder.Kind.choices,
            "can_issue": request.user.has_perm(services.ADD_PERMISSION),
            "now": now,
        },
    )


def _issue_choices(user):
    units = core_selectors.org_units_visible_to(user, action="add").filter(is_active=True).order_by("path")
    users = core_selectors.users_visible_to(user).filter(is_active=True, groups__role__code="branch_officer")
    return units, users.distinct()


def _tree(units, chosen: set[str]) -> list[dict]:
    """The units as an indented tree for the picker. Ordered by path, a unit's subtree follows it directly."""
    units = list(units)
    top = min((unit.depth for unit in units), default=1)
    following = [*units[1:], None]
    return [
        {
            "unit": unit,
            "indent": min(unit.depth - top, 4),
            "checked": str(unit.pk) in chosen,
            "has_children": bool(after and after.path.startswith(unit.path)),
        }
        for unit, after in zip(units, following, strict=True)
    ]


@require_http_methods(["GET", "POST"])
@login_required
def issue(request):
    """下发工单: to one unit or person, or a batch to many (picked on the org tree)."""
    if not request.user.has_perm(services.ADD_PERMISSION):
        raise PermissionDenied(_("您没有下发工单的权限。"))
    units, users = _issue_choices(request.user)
    posted = request.method == "POST"
    form = IssueForm(request.POST if posted else None, request.FILES if posted else None, units=units, users=users)
    status = 200
    if posted:
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                order = services.workorder_issue(
                    actor=request.user,
                    title=data["title"],
                    kind=data["kind"],
                    content=data["content"],
                    priority=data["priority"],
                    recipient_units=list(data["recipient_units"]),
                    recipient_users=list(data["recipient_users"]),
                    due_days=data["due_days"],
                    day_unit=data["day_unit"],
                    due_date=data["due_date"],
                    files=data["files"],
                )
            except BusinessRuleError as refusal:
                put_on_form(form, refusal, field_names=_due_field)
                status = refusal.status_code
            else:
                messages.success(request, _("工单已下发：%(number)s") % {"number": order.number})
                return redirect(order)
    chosen = {str(v) for v in request.POST.getlist("recipient_units")} if posted else set()
    return render(request, "workorders/issue.html", {"form": form, "tree": _tree(units, chosen)}, status=status)


def _due_field(field: str) -> list[str]:
    # the services name the deadline "due"; the form asks for it as days (or a date)
    return [{"due": "due_days"}.get(field, field)]


def _abilities(user, order: WorkOrder, task) -> dict:
    """What the page offers; the services decide again on POST, so this only hides useless buttons."""
    step = task.element_id if task else ""
    may = bool(task) and workflow_selectors.may_act(user, task)
    return {
        "step": step,
        "task": task,
        "can_accept": may and step == "accept",
        "can_resolve_refusal": may and step == "refused",
        "can_feedback": may and step == "handle",
        "can_review": may and step == "review",
        "can_cancel": order.is_open and services.may_cancel(user, order),
    }


@require_GET
@login_required
def detail(request, pk: int):
    order = selectors.get_work_order_for_user(request.user, pk)
    return render(request, "workorders/detail.html", _detail_context(request, order))


def _parent_visible(user, order: WorkOrder) -> bool:
    if not order.parent_id:
        return False
    try:
        selectors.get_work_order_for_user(user, order.parent_id)
    except Http404:
        return False
    return True


def _files(order: WorkOrder) -> tuple[list, dict[int, list]]:
    """The issuer's material, and the evidence of each feedback round (purpose "evidence:<round>")."""
    material, evidence = [], {}
    for item in selectors.attachments(order):
        kind, _sep, round_no = item.purpose.partition(":")
        if kind == "evidence" and round_no.isdigit():
            evidence.setdefault(int(round_no), []).append(item)
        else:
            material.append(item)
    return material, evidence


def _detail_context(request, order: WorkOrder, **forms) -> dict:
    now = timezone.now()
    task = None if order.is_batch else selectors.open_task(order)
    material, evidence = _files(order)
    context = {
        "order": order,
        "now": now,
        "rounds": [(item, evidence.get(item.round, [])) for item in selectors.feedbacks(order)],
        "material": material,
        "history": labels.label_history(
            workflow_selectors.timeline_for_object(request.user, order).select_related("actor")
        ),
        "instances": list(workflow_selectors.instances_for_object(request.user, order)),
        "parent_visible": _parent_visible(request.user, order),
        "due_passed": order.due_at < now,
        **_abilities(request.user, order, task),
    }
    # Each action form carries the task's current version itself (a hidden input on the page): after a refusal
    # the page shows the order as it is now, so the version sent back is the one the person has just seen.
    context["refuse_form"] = forms.get("refuse_form") or ReasonForm()
    context["refusal_form"] = forms.get("refusal_form") or RefusalForm(
        initial={"resend": "1", "day_unit": order.day_unit}
    )
    context["feedback_form"] = forms.get("feedback_form") or FeedbackForm()
    context["review_form"] = forms.get("review_form") or ReviewForm(initial={"approved": "1"})
    context["cancel_form"] = forms.get("cancel_form") or ReasonForm()
    if order.is_batch:
        context["progress"] = selectors.progress(request.user, order, now=now)
        context["progress_statuses"] = [
            (label, context["progress"]["by_status"][value])
            for value, label in WorkOrder.Status.choices
            if value in context["progress"]["by_status"]
        ]
        context["children"] = selectors.children_of(request.user, order)
    return context


detail_page = ObjectPage(
    get_object=selectors.get_work_order_for_user,
    context=_detail_context,
    template="workorders/detail.html",
    url_name="workorders:detail",
    field_names=_due_field,
)


@detail_page.action(ReasonForm, notice=gettext_lazy("已接收工单，请办理后反馈。"), strict=False)
def accept(request, order, data):
    services.workorder_accept(order=order, actor=request.user, expected_version=data["version"])


@detail_page.action(ReasonForm, "refuse_form", notice=gettext_lazy("已拒收，工单退回下发人。"), strict=False)
def refuse(request, order, data):
    services.workorder_refuse(
        order=order, actor=request.user, reason=data.get("reason", ""), expected_version=data["version"]
    )


@detail_page.action(RefusalForm, "refusal_form", notice=gettext_lazy("已处理拒收。"))
def resolve_refusal(request, order, data):
    services.workorder_resolve_refusal(
        order=order,
        actor=request.user,
        resend=data["resend"],
        comment=data["comment"],
        due_days=data.get("due_days"),
        day_unit=data.get("day_unit") or None,
        due_date=data.get("due_date"),
        expected_version=data.get("version"),
    )


@detail_page.action(FeedbackForm, "feedback_form", notice=gettext_lazy("已反馈，等待验收。"))
def feedback(request, order, data):
    services.workorder_submit_feedback(
        order=order, actor=request.user, text=data["text"], files=data["files"], expected_version=data.get("version")
    )


@detail_page.action(ReviewForm, "review_form", notice=gettext_lazy("已验收。"))
def review(request, order, data):
    services.workorder_review(
        order=order,
        actor=request.user,
        approved=data["approved"],
        comment=data["comment"],
        expected_version=data.get("version"),
    )


@detail_page.action(ReasonForm, "cancel_form", notice=gettext_lazy("工单已撤销。"), strict=False)
def cancel(request, order, data):
    services.workorder_cancel(order=order, actor=request.user, reason=data.get("reason", ""))


@require_GET
@login_required
def download(request, pk: int, attachment_pk: int):
    return serve_attachment(selectors.get_attachment_for_user(request.user, pk, attachment_pk))


@require_GET
@login_required
def board(request):
    """督办看板: counts per unit and status, overdue, supervised and escalated orders, with a chart."""
    _may_view(request.user)
    now = timezone.now()
    data = selectors.board(request.user, now=now)
    supervised = selectors.work_orders_visible_to(request.user, {"box": "supervising", "now": now})[:100]
    # per-unit orders never have the batch parent's status
    columns = [(value, label) for value, label in WorkOrder.Status.choices if value != WorkOrder.Status.DISPATCHED]
    table = [{**row, "cells": [row["statuses"].get(value, 0) for value, _label in columns]} for row in data["units"]]
    chart = {
        "units": [row["unit"].short_name or row["unit"].name for row in data["units"]],
        "series": [
            {"name": str(label), "data": [row["statuses"].get(value, 0) for row in data["units"]]}
            for value, label in columns
            if data["totals"].get(value)
        ],
        "overdue": [row["overdue"] for row in data["units"]],
        "overdue_label": _("逾期"),
    }
    return render(
        request,
        "workorders/board.html",
        {
            "board": data,
            "table": table,
            "columns": columns,
            "column_totals": [data["totals"].get(value, 0) for value, _label in columns],
            "grand_total": sum(row["total"] for row in data["units"]),
            "chart": chart,
            "supervised": supervised,
            "now": now,
        },
    )


@require_GET
@login_required
def export(request):
    """The filtered list as an Excel workbook (what the page shows, all pages)."""
    _may_view(request.user)
    filters = _filters(request)
    filters.setdefault("box", "all")
    rows = selectors.work_orders_visible_to(request.user, {**filters, "now": timezone.now()})
    return orders_workbook(rows, filename=f"workorders-{timezone.localdate():%Y%m%d}.xlsx")
