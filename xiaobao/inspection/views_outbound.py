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
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from xiaobao.core import selectors as core_selectors
from xiaobao.core.api_errors import BusinessRuleError
from xiaobao.inspection import outbound, selectors
from xiaobao.inspection.forms import CallListForm, CallResultsForm, PolicyFileForm, PolicyForm
from xiaobao.inspection.models import CallTask
from xiaobao.inspection.outbound_policies import policy_revisits_import, policy_revisits_record

VIEW = "inspection.view_calltask"


def _need(user, permission: str) -> None:
    if not user.has_perm(permission):
        raise PermissionDenied


def _units(user):
    return core_selectors.org_units_visible_to(user, action="add").filter(is_active=True).order_by("path")


@require_GET
@login_required
def outbound_home(request):
    return _home(request)


def _home(request, *, policy_form=None, policy_errors=(), status: int = 200):
    _need(request.user, VIEW)
    filters = {k: request.GET.get(k, "")[:40] for k in ("purpose", "status", "sort")}
    tasks = selectors.call_tasks_visible_to(request.user, filters)
    counts = {
        row["status"]: row["n"]
        for row in selectors.call_tasks_visible_to(request.user, {"purpose": filters["purpose"]})
        .order_by()  # the list's order would otherwise join the GROUP BY
        .values("status")
        .annotate(n=Count("pk"))
    }
    return render(
        request,
        "inspection/outbound.html",
        {
            "page": Paginator(tasks, 50).get_page(request.GET.get("page")),
            "query": urlencode({k: v for k, v in filters.items() if v}),
            "counts": [(label, counts.get(value, 0)) for value, label in CallTask.Status.choices],
            "filters": filters,
            "purposes": CallTask.Purpose.choices,
            "statuses": CallTask.Status.choices,
            "batches": selectors.outbound_batches_visible_to(request.user)[:20],
            "list_form": CallListForm(),
            "results_form": CallResultsForm(),
            "can_manage": request.user.has_perm(outbound.MANAGE_PERMISSION),
            "retry": outbound.retry_rule(),
            "policy_form": policy_form or PolicyForm(units=_units(request.user)),
            "policy_file_form": PolicyFileForm(),
            "policy_errors": policy_errors,
        },
        status=status,
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


def _refused(request, exc: BusinessRuleError, form=None):
    """A refused policy entry or file: back to the page with the message and every bad row, nothing written."""
    if exc.status_code == 403:
        raise PermissionDenied(str(exc.detail)) from exc
    rows = [str(r) for r in (exc.fields or {}).get("rows", [])]
    return _home(request, policy_form=form, policy_errors=[str(exc.detail), *rows], status=exc.status_code)


@require_POST
@login_required
def outbound_policy_add(request):
    """新增回访保单: one policy keyed in on the page."""
    _need(request.user, outbound.MANAGE_PERMISSION)
    form = PolicyForm(request.POST, units=_units(request.user))
    if not form.is_valid():
        errors = [f"{form.fields[k].label}：{e}" for k, errs in form.errors.items() for e in errs]
        return _home(request, policy_form=form, policy_errors=errors, status=400)
    try:
        batch = policy_revisits_record(actor=request.user, records=[form.cleaned_data], name=_("页面录入"))
    except BusinessRuleError as exc:
        return _refused(request, exc, form)
    if batch.applied:
        messages.success(request, _("保单已加入新契约回访。"))
    else:
        messages.info(request, _("该保单已在回访名单中，未重复添加。"))
    return redirect("inspection:outbound")


@require_POST
@login_required
def outbound_policy_import(request):
    """导入回访保单: the policy system's export, all rows checked before anything is written."""
    _need(request.user, outbound.MANAGE_PERMISSION)
    form = PolicyFileForm(request.POST, request.FILES)
    if not form.is_valid():
        errors = [str(e) for errs in form.errors.values() for e in errs]
        return _home(request, policy_errors=errors, status=400)
    try:
        batch = policy_revisits_import(actor=request.user, upload=form.cleaned_data["file"])
    except BusinessRuleError as exc:
        return _refused(request, exc)
    return redirect("inspection:outbound-batch", pk=batch.pk)


@require_GET
@login_required
def outbound_batch(request, pk: int):
    _need(request.user, VIEW)
    batch = selectors.get_outbound_batch_for_user(request.user, pk)
    return render(request, "inspection/outbound_batch.html", {"batch": batch})
