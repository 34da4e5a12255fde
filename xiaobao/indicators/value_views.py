"""Indicator pages other than the cockpit: the definitions, value entry for my units (one value at a time, or
an Excel import with row errors), targets (head office) and the alerts with their work orders.

Thin (DESIGN.md): reads are `indicators.selectors` calls scoped to the user, writes are `indicators.services`
calls; a refusal is a message on the page with the service's status (400; 403 for "you may not"), never a 500
and never a partial write.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xiaobao.core import selectors as core_selectors
from xiaobao.core.api_errors import BusinessRuleError
from xiaobao.indicators import periods, selectors, services
from xiaobao.indicators.forms import CollectForm, ImportForm, PeriodForm, TargetForm
from xiaobao.indicators.models import Alert, IndicatorDefinition
from xiaobao.ui.messages import refusal_message
from xiaobao.workorders import selectors as workorder_selectors

VIEW_PERMISSION = "indicators.view_indicatorvalue"
ADD_VALUE = "indicators.add_indicatorvalue"
CHANGE_TARGET = "indicators.change_target"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
D = IndicatorDefinition


def require_view(user) -> None:
    if not user.has_perm(VIEW_PERMISSION):
        raise PermissionDenied(_("您没有查看指标的权限。"))


def _refused(refusal: BusinessRuleError) -> None:
    """A 403 refusal becomes the forbidden page; others are shown on the form by the caller."""
    if refusal.status_code == 403:
        raise PermissionDenied(refusal_message(refusal)) from refusal


# --- definitions ----------------------------------------------------------------------------------


@require_GET
@login_required
def definition_list(request):
    """指标定义: code, name, unit, direction, frequency, source and its query or formula, by category."""
    require_view(request.user)
    definitions = list(selectors.definitions(request.user))
    categories = [(label, [d for d in definitions if d.category == key]) for key, label in D.Category.choices]
    return render(
        request,
        "indicators/list.html",
        {"categories": [(label, rows) for label, rows in categories if rows], "count": len(definitions)},
    )


# --- value entry ----------------------------------------------------------------------------------


def _writable_units(user):
    return core_selectors.org_units_visible_to(user, action="change").filter(is_active=True).order_by("path")


def _entry_context(request, *, period_code: str, unit_id) -> dict:
    units = list(_writable_units(request.user))
    unit = next((u for u in units if str(u.pk) == str(unit_id)), None)
    if unit is None and unit_id:
        raise Http404
    unit = unit or next((u for u in units if u.pk == request.user.org_unit_id), units[0] if units else None)
    if unit is None:
        raise PermissionDenied(_("您没有可填报的机构。"))
    period = periods.parse(period_code)
    collected = [
        d
        for d in selectors.definitions(request.user)
        if d.source == D.Source.COLLECTED and periods.applies(d.frequency, period)
    ]
    current = {row.definition_id: row for row in selectors.values_for(request.user, period=period.code, units=[unit])}
    return {
        "units": [(u, "\u3000" * (u.depth - 1) + u.name) for u in units],
        "unit": unit,
        "period": period,
        "period_choices": _entry_periods(),
        "rows": [{"definition": d, "current": current.get(d.pk)} for d in collected],
        "import_form": ImportForm(),
    }


def _entry_period(value) -> str:
    """The period asked for, else last year (collected figures are mostly yearly, entered after the year)."""
    form = PeriodForm({"period": value or ""})
    if value and form.is_valid():
        return form.cleaned_data["period"]
    return str(timezone.localdate().year - 1)


def _entry_periods() -> list[tuple[str, str]]:
    from xiaobao.indicators.forms import period_choices

    return period_choices()


def _entry_url(unit_id, period_code: str) -> str:
    return reverse("indicators:values") + "?" + urlencode({"unit": unit_id, "period": period_code})


@require_http_methods(["GET", "POST"])
@login_required
def values(request):
    """指标填报: the collected indicators of one of my units for a period, each with its current value and a form;
    POST enters one value (the service supersedes the current one and recomputes what reads it)."""
    if not request.user.has_perm(ADD_VALUE):
        raise PermissionDenied(_("您没有填报指标值的权限。"))
    if request.method == "GET":
        context = _entry_context(
            request, period_code=_entry_period(request.GET.get("period")), unit_id=request.GET.get("unit")
        )
        return render(request, "indicators/values.html", context)
    form = CollectForm(request.POST)
    if not form.is_valid():
        context = _entry_context(
            request, period_code=_entry_period(request.POST.get("period")), unit_id=request.POST.get("org_unit")
        )
        context.update(error=_("请填写有效的数值。"), error_definition=request.POST.get("definition"))
        return render(request, "indicators/values.html", context, status=400)
    data = form.cleaned_data
    unit = _writable_units(request.user).filter(pk=data["org_unit"]).first()
    definition = selectors.definitions(request.user).filter(pk=data["definition"]).first()
    if unit is None or definition is None:
        raise Http404
    try:
        services.value_collect(
            actor=request.user,
            definition=definition,
            org_unit=unit,
            period=data["period"],
            value=data["value"],
            numerator=data["numerator"],
            denominator=data["denominator"],
        )
    except BusinessRuleError as refusal:
        _refused(refusal)
        context = _entry_context(request, period_code=_entry_period(data["period"]), unit_id=unit.pk)
        context.update(
            error=refusal_message(refusal), error_code=refusal.error_code, error_definition=str(definition.pk)
        )
        return render(request, "indicators/values.html", context, status=refusal.status_code)
    messages.success(request, _("已保存“%(name)s”。") % {"name": definition.name})
    return redirect(_entry_url(unit.pk, data["period"]))


@require_POST
@login_required
def values_import(request):
    """Import collected values from the template workbook: all rows or none, with the row errors shown."""
    if not request.user.has_perm(ADD_VALUE):
        raise PermissionDenied(_("您没有填报指标值的权限。"))
    period_code = _entry_period(None)
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        context = _entry_context(request, period_code=period_code, unit_id=None)
        context.update(import_error=_("请选择要上传的 Excel 文件。"))
        return render(request, "indicators/values.html", context, status=400)
    try:
        result = services.values_import(actor=request.user, upload=form.cleaned_data["file"])
    except BusinessRuleError as refusal:
        _refused(refusal)
        context = _entry_context(request, period_code=period_code, unit_id=None)
        context.update(import_error=refusal_message(refusal), import_code=refusal.error_code)
        return render(request, "indicators/values.html", context, status=refusal.status_code)
    if not result.ok:
        context = _entry_context(request, period_code=period_code, unit_id=None)
        context.update(
            import_error=_("%(n)s 处错误，未导入任何数据。请修改后重新上传。") % {"n": len(result.errors)},
            import_errors=result.errors,
        )
        return render(request, "indicators/values.html", context, status=400)
    messages.success(request, _("已导入 %(n)s 个指标值。") % {"n": result.written})
    return redirect("indicators:values")


@require_GET
@login_required
def values_template(request):
    """The empty import workbook (columns, an example row, the list of collected indicators)."""
    if not request.user.has_perm(ADD_VALUE):
        raise PermissionDenied(_("您没有填报指标值的权限。"))
    response = HttpResponse(services.values_template(), content_type=XLSX)
    name = f"indicator-values-template-{timezone.localdate():%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- targets --------------------------------------------------------------------------------------


def _target_year(request) -> int:
    try:
        year = int(request.GET.get("year") or request.POST.get("year") or timezone.localdate().year)
    except ValueError:
        year = timezone.localdate().year
    return year if 2000 <= year <= 2100 else timezone.localdate().year


def _targets_context(request, year: int) -> dict:
    return {
        "year": year,
        "years": list(range(timezone.localdate().year + 1, timezone.localdate().year - 4, -1)),
        "targets": selectors.targets_for(request.user, year=year),
        "definitions": list(selectors.definitions(request.user)),
        "units": [(u.pk, "\u3000" * (u.depth - 1) + u.name) for u in _writable_units(request.user)],
    }


@require_http_methods(["GET", "POST"])
@login_required
def targets(request):
    """目标值: the year's targets and amber/red thresholds (company-wide or per unit); POST sets one."""
    if not request.user.has_perm(CHANGE_TARGET):
        raise PermissionDenied(_("您没有设置目标值的权限。"))
    year = _target_year(request)
    if request.method == "GET":
        return render(request, "indicators/targets.html", _targets_context(request, year))
    form = TargetForm(request.POST)
    if not form.is_valid():
        context = _targets_context(request, year)
        context.update(error=_("请填写目标值、黄色预警线和红色预警线。"))
        return render(request, "indicators/targets.html", context, status=400)
    data = form.cleaned_data
    definition = selectors.definitions(request.user).filter(pk=data["definition"]).first()
    unit = None
    if data["org_unit"]:
        unit = _writable_units(request.user).filter(pk=data["org_unit"]).first()
        if unit is None:
            raise Http404
    if definition is None:
        raise Http404
    try:
        services.target_set(
            actor=request.user,
            definition=definition,
            year=data["year"],
            target=data["target"],
            amber=data["amber"],
            red=data["red"],
            org_unit=unit,
            note=data["note"],
        )
    except BusinessRuleError as refusal:
        _refused(refusal)
        context = _targets_context(request, year)
        context.update(error=refusal_message(refusal), error_code=refusal.error_code)
        return render(request, "indicators/targets.html", context, status=refusal.status_code)
    messages.success(
        request, _("已保存“%(name)s”的%(year)s年目标值。") % {"name": definition.name, "year": data["year"]}
    )
    return redirect(reverse("indicators:targets") + f"?year={data['year']}")


# --- alerts ---------------------------------------------------------------------------------------


@require_GET
@login_required
def alert_list(request):
    """指标预警: open or cleared alerts in my scope, each with its work order (opened to the unit)."""
    require_view(request.user)
    box = request.GET.get("box") if request.GET.get("box") in ("open", "cleared", "all") else "open"
    rows = list(selectors.alerts_for(request.user, {"state": box})[:200])
    # the alert's unit may be in my reach while its work order is not (an order goes to the unit's own staff):
    # a link is shown only to an order I may open, under its business number
    ids = {row.workorder_id for row in rows if row.workorder_id}
    numbers = dict(workorder_selectors.visible_orders(request.user).filter(pk__in=ids).values_list("pk", "number"))
    for row in rows:
        row.workorder_visible = row.workorder_id in numbers
        row.workorder_number = numbers.get(row.workorder_id) or ""
    return render(
        request,
        "indicators/alerts.html",
        {
            "alerts": rows,
            "box": box,
            "boxes": [("open", _("未解除")), ("cleared", _("已解除")), ("all", _("全部"))],
            "levels": dict(Alert.Level.choices),
        },
    )
