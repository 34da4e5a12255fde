"""Plan pages (方案管理): the list, new / edit, the detail with its goals and tasks (htmx), the approval and
lifecycle actions (submit, approve / return, issue, summarize, close) and the plan's files.

Thin (DESIGN.md): reads are `plans.selectors` calls scoped to the user (outside scope is 404), writes are
`plans.services` calls; a refusal is a message on the page (403 for "you may not", as in the API), never a
500 and never a partial write. The activity pages are in activity_views.py, the board, the timeline and the
roll-up report in report_views.py.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xiaobao.core import selectors as core_selectors
from xiaobao.core.api_errors import BusinessRuleError
from xiaobao.core.scope import scope_for
from xiaobao.core.views import serve_attachment
from xiaobao.plans import selectors, services
from xiaobao.plans.forms import GoalForm, PlanFilterForm, PlanForm, ReasonForm, SummaryForm, TaskForm
from xiaobao.plans.models import Plan
from xiaobao.ui.messages import put_on_form, refusal_message
from xiaobao.workflow import labels
from xiaobao.workflow import selectors as workflow_selectors

PAGE_SIZE = 50


def _filters(request) -> dict:
    form = PlanFilterForm(request.GET)
    filters = form.cleaned_data if form.is_valid() else {}
    return {k: v for k, v in filters.items() if v not in (None, "", False)}


def units_for(user):
    """The units a plan or task may name: the caller's write scope, active, in tree order."""
    return core_selectors.org_units_visible_to(user, action="change").filter(is_active=True).order_by("path")


@require_GET
@login_required
def plan_list(request):
    """方案列表: filters kind / status / year; each issued plan shows its task progress n/m."""
    filters = _filters(request)
    rows = selectors.plans_for(request.user, filters)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    plans = list(page.object_list)
    progress = selectors.plan_progress_for_many(plans)
    return render(
        request,
        "plans/list.html",
        {
            "page": page,
            "rows": [(plan, progress.get(plan.pk)) for plan in plans],
            "filters": filters,
            "query": urlencode(filters),
            "kinds": Plan.Kind.choices,
            "statuses": Plan.Status.choices,
            "can_add": request.user.has_perm(services.ADD_PERMISSION) and not scope_for(request.user, "add").is_empty,
        },
    )


def _plan_kwargs(data: dict) -> dict:
    return {
        "name": data["name"],
        "kind": data["kind"],
        "period_start": data["period_start"],
        "period_end": data["period_end"],
        "description": data["description"],
        "budget": data.get("budget"),
        "participating_units": list(data["participating_units"]),
    }


def _form_refusal(form, refusal: BusinessRuleError) -> int:
    if refusal.status_code == 403:
        raise PermissionDenied(refusal_message(refusal)) from refusal
    put_on_form(form, refusal)
    return refusal.status_code


@require_http_methods(["GET", "POST"])
@login_required
def plan_new(request):
    """新建方案: a draft in the caller's unit; goals and tasks are added on its page."""
    if not request.user.has_perm(services.ADD_PERMISSION) or scope_for(request.user, "add").is_empty:
        raise PermissionDenied(_("您没有新建方案的权限。"))
    units = units_for(request.user)
    posted = request.method == "POST"
    form = PlanForm(request.POST if posted else None, request.FILES if posted else None, units=units)
    status = 200
    if posted:
        status = 400
        if form.is_valid():
            try:
                plan = services.plan_create(
                    actor=request.user, files=form.cleaned_data["files"], **_plan_kwargs(form.cleaned_data)
                )
            except BusinessRuleError as refusal:
                status = _form_refusal(form, refusal)
            else:
                messages.success(request, _("方案已保存为草稿，请添加目标和任务后提交审批。"))
                return redirect(plan)
    return render(request, "plans/form.html", {"form": form, "plan": None}, status=status)


@require_http_methods(["GET", "POST"])
@login_required
def plan_edit(request, pk: int):
    """修改方案 (draft or returned only: the service refuses otherwise)."""
    plan = selectors.get_plan_for_user(request.user, pk, for_write=True)
    units = units_for(request.user)
    posted = request.method == "POST"
    initial = {
        "name": plan.name,
        "kind": plan.kind,
        "period_start": plan.period_start,
        "period_end": plan.period_end,
        "description": plan.description,
        "budget": plan.budget,
        "participating_units": list(plan.participating_units.values_list("pk", flat=True)),
    }
    form = PlanForm(request.POST if posted else None, request.FILES if posted else None, units=units, initial=initial)
    status = 200
    if posted:
        status = 400
        if form.is_valid():
            try:
                with transaction.atomic():  # the fields and the new files together, or neither
                    services.plan_update(plan=plan, actor=request.user, data=_plan_kwargs(form.cleaned_data))
                    if form.cleaned_data["files"]:
                        services.plan_add_files(plan=plan, actor=request.user, files=form.cleaned_data["files"])
            except BusinessRuleError as refusal:
                status = _form_refusal(form, refusal)
            else:
                messages.success(request, _("方案已保存。"))
                return redirect(plan)
    return render(request, "plans/form.html", {"form": form, "plan": plan}, status=status)


def _detail_context(request, plan: Plan, **forms) -> dict:
    user = request.user
    # what the page offers; the services decide again on POST
    owner = selectors.may_change_plan(user, plan)
    task = selectors.approval_task(plan)
    editable = owner and plan.is_editable
    units = units_for(user) if editable else core_selectors.org_units_visible_to(user).none()
    context = {
        "plan": plan,
        "goals": list(selectors.goals(plan)),
        "tasks": selectors.tasks_progress(user, plan),
        "participating": list(selectors.participating_units(plan)),
        "material": list(selectors.attachments(plan)),
        "history": labels.label_history(workflow_selectors.timeline_for_object(user, plan).select_related("actor")),
        "instances": list(workflow_selectors.instances_for_object(user, plan)),
        "task": task,
        "editable": editable,
        "can_submit": editable,
        "can_approve": bool(task) and workflow_selectors.may_act(user, task),
        "can_issue": owner and plan.status == Plan.Status.APPROVED,
        "can_summarize": owner and plan.status in (Plan.Status.IN_PROGRESS, Plan.Status.SUMMARY),
        "can_close": owner and plan.status == Plan.Status.SUMMARY,
        "issued": plan.status in (Plan.Status.IN_PROGRESS, Plan.Status.SUMMARY, Plan.Status.CLOSED),
        "goal_form": forms.get("goal_form") or GoalForm(auto_id="goal_%s"),
        "task_form": forms.get("task_form") or TaskForm(units=units, auto_id="task_%s"),
        "reject_form": forms.get("reject_form") or ReasonForm(),
        "summary_form": forms.get("summary_form") or SummaryForm(initial={"summary": plan.summary}),
    }
    return context


@require_GET
@login_required
def detail(request, pk: int):
    plan = selectors.get_plan_for_user(request.user, pk)
    return render(request, "plans/detail.html", _detail_context(request, plan))


def _refused(request, pk: int, refusal: BusinessRuleError, *, form_name: str = "", form=None):
    """Re-render the detail with the refusal: on the form if it names its fields, else at the top."""
    if refusal.status_code == 403:
        raise PermissionDenied(refusal_message(refusal)) from refusal
    plan = selectors.get_plan_for_user(request.user, pk)
    placed = put_on_form(form, refusal, fallback=False) if form is not None else False
    context = _detail_context(request, plan, **({form_name: form} if form is not None else {}))
    context["error"] = None if placed else refusal_message(refusal)
    return render(request, "plans/detail.html", context, status=refusal.status_code)


def _act(request, pk: int, action, *, notice: str, form_name: str = "", form=None, write: bool = True):
    """Run one service on the plan; a refusal re-renders the page (400/409), "may not" is a 403."""
    plan = selectors.get_plan_for_user(request.user, pk, for_write=write)
    try:
        action(plan)
    except BusinessRuleError as refusal:
        return _refused(request, pk, refusal, form_name=form_name, form=form)
    messages.success(request, notice)
    return redirect("plans:detail", pk=pk)


@require_POST
@login_required
def submit(request, pk: int):
    return _act(
        request,
        pk,
        lambda plan: services.plan_submit(plan=plan, actor=request.user),
        notice=_("方案已提交审批。"),
    )


def _version(form) -> int | None:
    return form.cleaned_data.get("version") if form.is_valid() else None


@require_POST
@login_required
def approve(request, pk: int):
    # The approver may sit above the owner unit, outside its write scope: the workflow decides who may act.
    form = ReasonForm(request.POST)
    return _act(
        request,
        pk,
        lambda plan: services.plan_approve(
            plan=plan, actor=request.user, expected_version=_version(form), now=timezone.now()
        ),
        notice=_("已审批通过。"),
        write=False,
    )


@require_POST
@login_required
def reject(request, pk: int):
    form = ReasonForm(request.POST)
    form.is_valid()
    return _act(
        request,
        pk,
        lambda plan: services.plan_reject(
            now=timezone.now(),
            plan=plan,
            actor=request.user,
            reason=form.cleaned_data.get("reason", ""),
            expected_version=form.cleaned_data.get("version"),
        ),
        notice=_("方案已退回。"),
        form_name="reject_form",
        form=form,
        write=False,
    )


@require_POST
@login_required
def issue(request, pk: int):
    return _act(
        request,
        pk,
        lambda plan: services.plan_issue(plan=plan, actor=request.user),
        notice=_("方案已下发：每项任务已作为工单派发到责任机构。"),
    )


@require_POST
@login_required
def summarize(request, pk: int):
    form = SummaryForm(request.POST)
    form.is_valid()
    return _act(
        request,
        pk,
        lambda plan: services.plan_summarize(
            plan=plan, actor=request.user, summary=form.cleaned_data.get("summary", "")
        ),
        notice=_("方案进入总结阶段。"),
        form_name="summary_form",
        form=form,
    )


@require_POST
@login_required
def close(request, pk: int):
    return _act(request, pk, lambda plan: services.plan_close(plan=plan, actor=request.user), notice=_("方案已关闭。"))


# --- goals and tasks (htmx: the section is swapped in place; without JS the page reloads) -----------


def _section(request, plan: Plan, template: str, *, status: int = 200, **forms):
    """htmx: the refreshed section (errors on its form); otherwise the page, or a redirect after success.

    htmx swaps only 2xx answers, so a refused htmx post answers 200 with the errors in the section."""
    if request.htmx:
        response = render(request, template, _detail_context(request, plan, **forms))
        response["HX-Retarget"] = "#plan-goals" if template.endswith("_goals.html") else "#plan-tasks"
        response["HX-Reswap"] = "outerHTML"
        return response
    if status >= 400:
        return render(request, "plans/detail.html", _detail_context(request, plan, **forms), status=status)
    return redirect("plans:detail", pk=plan.pk)


def _goal_kwargs(data: dict) -> dict:
    return {k: data.get(k) if k == "target_value" else data.get(k, "") for k in GoalForm.base_fields}


@require_POST
@login_required
def goal_add(request, pk: int):
    plan = selectors.get_plan_for_user(request.user, pk, for_write=True)
    form = GoalForm(request.POST, auto_id="goal_%s")
    if not form.is_valid():
        return _section(request, plan, "plans/_goals.html", status=400, goal_form=form)
    try:
        services.goal_add(plan=plan, actor=request.user, data=_goal_kwargs(form.cleaned_data))
    except BusinessRuleError as refusal:
        status = _form_refusal(form, refusal)
        return _section(request, plan, "plans/_goals.html", status=status, goal_form=form)
    return _section(request, plan, "plans/_goals.html")


def _goal(plan: Plan, goal_pk: int):
    goal = plan.goals.filter(pk=goal_pk).first()
    if goal is None:
        raise Http404
    return goal


def _task(plan: Plan, task_pk: int):
    task = plan.tasks.filter(pk=task_pk).first()
    if task is None:
        raise Http404
    return task


@require_POST
@login_required
def goal_remove(request, pk: int, goal_pk: int):
    plan = selectors.get_plan_for_user(request.user, pk, for_write=True)
    goal = _goal(plan, goal_pk)
    try:
        services.goal_remove(goal=goal, actor=request.user)
    except BusinessRuleError as refusal:
        return _refused(request, pk, refusal)
    return _section(request, plan, "plans/_goals.html")


def _task_kwargs(data: dict) -> dict:
    fields = {
        "title": data["title"],
        "description": data.get("description", ""),
        "expected_output": data.get("expected_output", ""),
        "due_on": data.get("due_on"),
    }
    return {"data": fields, "units": list(data["units"])}


@require_POST
@login_required
def task_add(request, pk: int):
    plan = selectors.get_plan_for_user(request.user, pk, for_write=True)
    form = TaskForm(request.POST, units=units_for(request.user), auto_id="task_%s")
    if not form.is_valid():
        return _section(request, plan, "plans/_tasks.html", status=400, task_form=form)
    try:
        services.task_add(plan=plan, actor=request.user, **_task_kwargs(form.cleaned_data))
    except BusinessRuleError as refusal:
        status = _form_refusal(form, refusal)
        return _section(request, plan, "plans/_tasks.html", status=status, task_form=form)
    return _section(request, plan, "plans/_tasks.html")


@require_http_methods(["GET", "POST"])
@login_required
def task_edit(request, pk: int, task_pk: int):
    """One task's form (GET: the editor swapped into its row), POST: save it."""
    plan = selectors.get_plan_for_user(request.user, pk, for_write=True)
    task = _task(plan, task_pk)
    units = units_for(request.user)
    initial = {
        "title": task.title,
        "description": task.description,
        "expected_output": task.expected_output,
        "due_on": task.due_on,
        "units": list(task.units.values_list("pk", flat=True)),
    }
    form = TaskForm(
        request.POST if request.method == "POST" else None, units=units, initial=initial, auto_id=f"t{task.pk}_%s"
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.task_update(task=task, actor=request.user, **_task_kwargs(form.cleaned_data))
            except BusinessRuleError as refusal:
                status = _form_refusal(form, refusal)
            else:
                return _section(request, plan, "plans/_tasks.html")
    # htmx: the editor goes into the task's row (and stays there, with its errors, until saved)
    return render(
        request,
        "plans/task_edit.html",
        {"plan": plan, "item": task, "form": form},
        status=200 if request.htmx else status,
    )


@require_POST
@login_required
def task_remove(request, pk: int, task_pk: int):
    plan = selectors.get_plan_for_user(request.user, pk, for_write=True)
    task = _task(plan, task_pk)
    try:
        services.task_remove(task=task, actor=request.user)
    except BusinessRuleError as refusal:
        return _refused(request, pk, refusal)
    return _section(request, plan, "plans/_tasks.html")


@require_GET
@login_required
def download(request, pk: int, attachment_pk: int):
    return serve_attachment(selectors.get_plan_attachment_for_user(request.user, pk, attachment_pk))
