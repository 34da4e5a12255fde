"""宣教活动 pages: the list with its filters and totals, record / edit / delete one activity with its photos,
and the Excel import (upload, row errors shown, template download).

Thin (DESIGN.md): reads are `plans.selectors` calls scoped to the user (outside scope is 404), writes are
`plans.services` calls, which hold the rule that a unit records activities only for itself (403 otherwise).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Sum
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xiaobao.core import selectors as core_selectors
from xiaobao.core.api_errors import BusinessRuleError
from xiaobao.core.scope import scope_for
from xiaobao.core.views import serve_attachment
from xiaobao.plans import activities, selectors, services
from xiaobao.plans.exports import XLSX
from xiaobao.plans.forms import ActivityFilterForm, ActivityForm, ImportForm
from xiaobao.plans.imports import COLUMNS
from xiaobao.plans.models import Activity, PlanTask
from xiaobao.ui.messages import put_on_form, refusal_message

PAGE_SIZE = 50
COUNTS = Activity.COUNT_FIELDS


def _filters(request) -> dict:
    form = ActivityFilterForm(request.GET)
    filters = form.cleaned_data if form.is_valid() else {}
    return {k: v for k, v in filters.items() if v not in (None, "", False)}


def _query(filters: dict) -> str:
    return urlencode({k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in filters.items()})


def may_record(user) -> bool:
    return user.has_perm(activities.ADD_PERMISSION) and not scope_for(user, "add").is_empty and bool(user.org_unit_id)


def recording_units(user):
    """The units the caller may record for: any unit for a company-wide role, else only their own unit."""
    units = core_selectors.org_units_visible_to(user, action="add").filter(is_active=True).order_by("path")
    if scope_for(user, "add").everything:
        return units
    return units.filter(pk=user.org_unit_id)


def recording_tasks(user):
    """Tasks the caller may record against: their unit's (a company-wide role: every running plan's issued
    tasks, as it records for any unit). The service checks the chosen unit again."""
    if scope_for(user, "add").everything:
        running = selectors.plans_for(user).filter(status__in=selectors.RUNNING_STATUSES)
        return PlanTask.objects.filter(plan__in=running, workorder_id__isnull=False).select_related("plan")
    return selectors.tasks_open_for(user)


@require_GET
@login_required
def activity_list(request):
    """宣教活动: filterable by plan, task, unit, form, 五进入, dates; with the totals of what is listed."""
    filters = _filters(request)
    rows = selectors.activities_for(request.user, filters)
    totals = rows.aggregate(events=Count("pk"), **{name: Sum(name) for name in COUNTS})
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "plans/activities.html",
        {
            "page": page,
            "rows": page.object_list,
            "totals": {key: value or 0 for key, value in totals.items()},
            "filters": filters,
            "query": _query(filters),
            "forms": Activity.Form.choices,
            "targets": Activity.Target.choices,
            "units": [
                (unit.pk, "\u3000" * (unit.depth - 1) + unit.name)
                for unit in core_selectors.org_units_visible_to(request.user).filter(is_active=True).order_by("path")
            ],
            "can_record": may_record(request.user),
        },
    )


def _activity_kwargs(data: dict) -> dict:
    fields = ["task", "org_unit", "held_on", "title", "form", "target", "place", "description", *COUNTS]
    return {name: data.get(name) for name in fields}


def _refusal_on_form(form, refusal: BusinessRuleError) -> int:
    if refusal.status_code == 403:
        raise PermissionDenied(refusal_message(refusal)) from refusal
    put_on_form(form, refusal)
    return refusal.status_code


@require_http_methods(["GET", "POST"])
@login_required
def activity_new(request):
    """登记宣教活动: for the caller's own unit (head office: any unit), on a task assigned to that unit."""
    if not may_record(request.user):
        raise PermissionDenied(_("您没有登记宣教活动的权限。"))
    posted = request.method == "POST"
    initial = {"task": request.GET.get("task")} if request.GET.get("task", "").isdigit() else {}
    form = ActivityForm(
        request.POST if posted else None,
        request.FILES if posted else None,
        tasks=recording_tasks(request.user),
        units=recording_units(request.user),
        initial=initial,
    )
    status = 200
    if posted:
        status = 400
        if form.is_valid():
            try:
                activity = services.activity_record(
                    actor=request.user, files=form.cleaned_data["photos"], **_activity_kwargs(form.cleaned_data)
                )
            except BusinessRuleError as refusal:
                status = _refusal_on_form(form, refusal)
            else:
                messages.success(request, _("宣教活动已登记。"))
                return redirect(activity)
    return render(request, "plans/activity_form.html", {"form": form, "activity": None}, status=status)


def _photos(activity: Activity) -> list:
    return list(selectors.attachments(activity))


@require_GET
@login_required
def activity_detail(request, pk: int):
    activity = selectors.get_activity_for_user(request.user, pk)
    return render(
        request,
        "plans/activity.html",
        {
            "activity": activity,
            "photos": _photos(activity),
            "can_change": selectors.may_change_activity(request.user, activity),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def activity_edit(request, pk: int):
    activity = selectors.get_activity_for_user(request.user, pk, for_write=True)
    posted = request.method == "POST"
    initial = {name: getattr(activity, name) for name in _activity_kwargs({})}
    initial.update(task=activity.task_id, org_unit=activity.org_unit_id)
    form = ActivityForm(
        request.POST if posted else None,
        request.FILES if posted else None,
        tasks=recording_tasks(request.user),
        units=recording_units(request.user),
        initial=initial,
    )
    status = 200
    if posted:
        status = 400
        if form.is_valid():
            try:
                data = _activity_kwargs(form.cleaned_data)
                data.pop("org_unit")  # a record stays its organising unit's
                with transaction.atomic():  # the fields and the new photos together, or neither
                    services.activity_update(activity=activity, actor=request.user, data=data)
                    if form.cleaned_data["photos"]:
                        services.activity_add_photos(
                            activity=activity, actor=request.user, files=form.cleaned_data["photos"]
                        )
            except BusinessRuleError as refusal:
                status = _refusal_on_form(form, refusal)
            else:
                messages.success(request, _("宣教活动已保存。"))
                return redirect(activity)
    return render(request, "plans/activity_form.html", {"form": form, "activity": activity}, status=status)


@require_POST
@login_required
def activity_delete(request, pk: int):
    activity = selectors.get_activity_for_user(request.user, pk, for_write=True)
    try:
        services.activity_delete(activity=activity, actor=request.user)
    except BusinessRuleError as refusal:
        if refusal.status_code == 403:
            raise PermissionDenied(refusal_message(refusal)) from refusal
        messages.error(request, refusal_message(refusal))
        return redirect(activity)
    messages.success(request, _("宣教活动已删除。"))
    return redirect("plans:activities")


@require_GET
@login_required
def photo(request, pk: int, attachment_pk: int):
    return serve_attachment(selectors.get_activity_photo_for_user(request.user, pk, attachment_pk))


# --- import --------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def activity_import(request):
    """批量导入宣教活动: every row is checked first; one bad row and nothing is written (errors listed)."""
    if not may_record(request.user):
        raise PermissionDenied(_("您没有登记宣教活动的权限。"))
    posted = request.method == "POST"
    form = ImportForm(
        request.POST if posted else None,
        request.FILES if posted else None,
        tasks=recording_tasks(request.user),
        units=recording_units(request.user),
    )
    context = {"form": form, "result": None, "error": ""}
    status = 200
    if posted:
        status = 400
        if form.is_valid():
            try:
                result = services.activities_import(
                    actor=request.user,
                    org_unit=form.cleaned_data["org_unit"],
                    upload=form.cleaned_data["file"],
                    task=form.cleaned_data.get("task"),
                )
            except BusinessRuleError as refusal:
                if refusal.status_code == 403:
                    raise PermissionDenied(refusal_message(refusal)) from refusal
                context["error"] = refusal_message(refusal)
                status = refusal.status_code
            else:
                errors = list(getattr(result, "errors", []) or [])
                if not errors:
                    count = getattr(result, "created", None)
                    count = len(count) if isinstance(count, list | tuple) else count
                    messages.success(request, _("已导入 %(n)s 条宣教活动。") % {"n": count or 0})
                    return redirect("plans:activities")
                context["result"] = result
                titles = {name: title for name, title, _width, _example in COLUMNS}
                context["errors"] = [(row, titles.get(name, name), message) for row, name, message in errors]
    return render(request, "plans/import.html", context, status=status)


@require_GET
@login_required
def import_template(request):
    """The empty workbook with its instructions sheet."""
    if not may_record(request.user):
        raise PermissionDenied(_("您没有登记宣教活动的权限。"))
    response = HttpResponse(services.activities_template(), content_type=XLSX)
    name = f"activities-import-template-{timezone.localdate():%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
