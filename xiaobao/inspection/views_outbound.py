"""Outbound 回访 pages: the tasks waiting for the robot, a call list to download (CSV or Excel), the robot's
results file to upload, and each batch's row report. Writes are `outbound` service calls."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from xiaobao.core.api_errors import BusinessRuleError
from xiaobao.inspection import outbound, selectors
from xiaobao.inspection.forms import CallListForm, CallResultsForm
from xiaobao.inspection.models import CallTask

VIEW = "inspection.view_calltask"


def _need(user, permission: str) -> None:
    if not user.has_perm(permission):
        raise PermissionDenied


@require_GET
@login_required
def outbound_home(request):
    _need(request.user, VIEW)
    filters = {k: request.GET.get(k, "") for k in ("purpose", "status")}
    tasks = selectors.call_tasks_visible_to(request.user, filters)
    counts = {
        row["status"]: row["n"]
        for row in selectors.call_tasks_visible_to(request.user, {"purpose": filters["purpose"]})
        .values("status")
        .annotate(n=Count("pk"))
    }
    return render(
        request,
        "inspection/outbound.html",
        {
            "page": Paginator(tasks, 50).get_page(request.GET.get("page")),
            "counts": [(label, counts.get(value, 0)) for value, label in CallTask.Status.choices],
            "filters": filters,
            "purposes": CallTask.Purpose.choices,
            "statuses": CallTask.Status.choices,
            "batches": selectors.outbound_batches_visible_to(request.user)[:20],
            "list_form": CallListForm(),
            "results_form": CallResultsForm(),
            "can_manage": request.user.has_perm(outbound.MANAGE_PERMISSION),
            "retry": outbound.retry_rule(),
        },
    )


@require_POST
@login_required
def outbound_list(request):
    """下发名单: the file comes back as the response (a download); refusals come back to the page."""
    _need(request.user, outbound.MANAGE_PERMISSION)
    form = CallListForm(request.POST)
    if not form.is_valid():
        messages.error(request, "; ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("inspection:outbound")
    try:
        _batch, name, content = outbound.call_list_build(actor=request.user, **form.cleaned_data)
    except BusinessRuleError as exc:
        if exc.status_code == 403:
            raise PermissionDenied(str(exc.detail)) from exc
        messages.error(request, str(exc.detail))
        return redirect("inspection:outbound")
    kind = (
        "text/csv; charset=utf-8"
        if name.endswith(".csv")
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response = HttpResponse(content, content_type=kind)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_POST
@login_required
def outbound_results(request):
    _need(request.user, outbound.MANAGE_PERMISSION)
    form = CallResultsForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "; ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("inspection:outbound")
    try:
        batch = outbound.call_results_import(actor=request.user, upload=form.cleaned_data["file"])
    except BusinessRuleError as exc:
        if exc.status_code == 403:
            raise PermissionDenied(str(exc.detail)) from exc
        messages.error(request, str(exc.detail))
        return redirect("inspection:outbound")
    return redirect("inspection:outbound-batch", pk=batch.pk)


@require_GET
@login_required
def outbound_batch(request, pk: int):
    _need(request.user, VIEW)
    batch = selectors.get_outbound_batch_for_user(request.user, pk)
    return render(request, "inspection/outbound_batch.html", {"batch": batch})
