"""Workflow pages: the inbox, a task with its form and history, process definitions, an instance's diagram.

Thin by design (DESIGN.md): every read is a `workflow.selectors` call scoped to the user (outside
scope is 404), every write a `workflow.services` call. Task actions answer an htmx request with
the task panel partial and a normal POST with a redirect and a message; a refusal is a message,
never a 500 — except "you may not", which is a 403 like the API's.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xiaobao.core import selectors as core_selectors
from xiaobao.ui.messages import refusal_message
from xiaobao.workflow import labels, selectors, services
from xiaobao.workflow.assignment import ACT_PERMISSION, is_candidate, is_supervisor
from xiaobao.workflow.exceptions import NotAllowed, WorkflowError
from xiaobao.workflow.forms import ReassignForm, TaskForm, UploadForm, VersionForm, read_upload
from xiaobao.workflow.messages import conflict_message
from xiaobao.workflow.models import HumanTask

TABS = ("mine", "group", "overdue", "done")
PAGE_SIZE = 50


# --- inbox ------------------------------------------------------------------------------


@require_GET
@login_required
def inbox(request):
    """我的待办: tabs mine / my candidate groups / overdue / done, with due countdown and overdue badges."""
    box = request.GET.get("box", "mine")
    if box not in TABS:
        box = "mine"
    now = timezone.now()
    page = Paginator(selectors.inbox(request.user, {"box": box, "now": now}), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    counts = selectors.inbox_counts(request.user, now=now)
    cap = selectors.TAB_COUNT_CAP
    badges = {tab: f"{cap}+" if n > cap else str(n) for tab, n in counts.items()}
    return render(
        request,
        "workflow/inbox.html",
        {"box": box, "page": page, "counts": counts, "badges": badges, "now": now},
    )


# --- one task ---------------------------------------------------------------------------


def _abilities(user, task: HumanTask) -> dict:
    """What the page offers; the services decide again on POST, so this only hides useless buttons."""
    is_open = task.status == HumanTask.Status.OPEN
    holder = task.assignee_id == user.pk
    candidate = is_open and task.assignee_id is None and is_candidate(user, task)
    supervisor = is_open and is_supervisor(user, task.org_unit)
    elsewhere = bool(task.instance.definition.meta.get("complete_on_object"))
    return {
        "is_open": is_open,
        "can_claim": candidate,
        "can_complete": is_open and (holder or candidate) and not elsewhere,
        "complete_elsewhere": is_open and (holder or candidate) and elsewhere,
        "can_release": is_open and task.assignee_id is not None and (holder or supervisor),
        "can_reassign": supervisor,
        "can_delegate": is_open and holder and user.has_perm(ACT_PERMISSION),
    }


def _panel_context(request, task: HumanTask, *, form=None, reassign_form=None, notice="", error="") -> dict:
    abilities = _abilities(request.user, task)
    if form is None and abilities["can_complete"]:
        form = TaskForm(task=task)
    extra = {}
    if abilities["complete_elsewhere"]:
        extra["object_text"], extra["object_url"] = _business_object(task.instance)
    return {
        **extra,
        "task": task,
        "data_rows": labels.present(task.instance.definition.key, task.data, form=task.form),
        "form": form,
        "reassign_form": reassign_form or ReassignForm(initial={"version": task.version}),
        "notice": notice,
        "error": error,
        "now": timezone.now(),
        **abilities,
    }


def _labelled(history, instance) -> list:
    """History rows, each with its data changes as labelled business fields (`step.fields`)."""
    return labels.label_history(history, process_key=instance.definition.key)


def _business_object(instance):
    """(text, url) of the object a process serves; url only if the object has a page."""
    obj = instance.business_object
    if obj is None:
        return instance.object_repr, ""
    url = obj.get_absolute_url() if hasattr(obj, "get_absolute_url") else ""
    return str(obj), url


@require_GET
@login_required
def task_detail(request, pk: int):
    task = selectors.get_task_for_user(request.user, pk)
    text, url = _business_object(task.instance)
    context = _panel_context(request, task)
    context.update(
        {
            "instance": task.instance,
            "object_text": text,
            "object_url": url,
            "history": _labelled(
                selectors.history(request.user, task.instance).select_related("actor", "task"), task.instance
            ),
        }
    )
    return render(request, "workflow/task_detail.html", context)


def _after_action(request, pk: int, *, notice="", error="", form=None, reassign_form=None, status=200):
    """htmx: the refreshed task panel; otherwise a redirect to the task page with a message."""
    if not request.htmx:
        if error:
            messages.error(request, error)
        elif notice:
            messages.success(request, notice)
        return redirect("workflow:task", pk=pk)
    try:
        task = selectors.get_task_for_user(request.user, pk)
    except Http404:
        # handed to someone outside the actor's view: the task is gone from here
        response = HttpResponse(status=204)
        response["HX-Redirect"] = reverse("workflow:inbox")
        return response
    context = _panel_context(request, task, form=form, reassign_form=reassign_form, notice=notice, error=error)
    # the action added a history row: the timeline beside the panel is swapped out-of-band
    context["history"] = _labelled(
        selectors.history(request.user, task.instance).select_related("actor", "task"), task.instance
    )
    context["oob_history"] = True
    return render(request, "workflow/_task_panel.html", context, status=status)


def _run(request, pk: int, action, *, notice: str, **kwargs):
    """Call a task service; refusals become messages (403 for "you may not", as in the API)."""
    try:
        action()
    except NotAllowed as refusal:
        raise PermissionDenied(refusal_message(refusal)) from refusal
    except WorkflowError as refusal:
        return _after_action(request, pk, error=refusal_message(refusal), **kwargs)
    return _after_action(request, pk, notice=notice)


def _version(request) -> int | None:
    form = VersionForm(request.POST)
    return form.cleaned_data.get("version") if form.is_valid() else None


@require_POST
@login_required
def claim(request, pk: int):
    task = selectors.get_task_for_user(request.user, pk)
    return _run(
        request,
        pk,
        lambda: services.claim(task=task, user=request.user, expected_version=_version(request)),
        notice=_("已认领，该任务现由您处理。"),
    )


@require_POST
@login_required
def release(request, pk: int):
    task = selectors.get_task_for_user(request.user, pk)
    return _run(
        request,
        pk,
        lambda: services.release(task=task, user=request.user, expected_version=_version(request)),
        notice=_("已退回候选组，其他人可以认领。"),
    )


@require_POST
@login_required
def complete(request, pk: int):
    task = selectors.get_task_for_user(request.user, pk)
    form = TaskForm(request.POST, task=task)
    if not form.is_valid():
        if "version" in form.errors:
            # the page lost its version: treat like a stale page rather than guessing
            return _after_action(request, pk, error=conflict_message())
        return _after_action(request, pk, error=_("请检查表单中的错误。"), form=form)
    return _run(
        request,
        pk,
        lambda: services.complete(
            task=task,
            user=request.user,
            data=form.task_data(),
            expected_version=form.cleaned_data["version"],
            comment=form.comment(),
        ),
        notice=_("已办理完成。"),
        form=form,
    )


def _hand_over(request, pk: int, service, notice: str):
    task = selectors.get_task_for_user(request.user, pk)
    form = ReassignForm(request.POST)
    if not form.is_valid():
        return _after_action(request, pk, error=_("请填写要转给的用户。"), reassign_form=form)
    # the new holder must be someone the actor can see; the service checks they may act on the task
    to_user = core_selectors.users_visible_to(request.user).filter(username=form.cleaned_data["username"]).first()
    if to_user is None:
        return _after_action(request, pk, error=_("找不到该用户，或该用户不在您的管辖范围内。"), reassign_form=form)
    return _run(
        request,
        pk,
        lambda: service(
            task=task,
            actor=request.user,
            to_user=to_user,
            comment=form.cleaned_data["comment"],
            expected_version=form.cleaned_data.get("version"),
        ),
        notice=notice % {"name": to_user},
        reassign_form=form,
    )


@require_POST
@login_required
def reassign(request, pk: int):
    return _hand_over(request, pk, services.reassign, _("已改派给 %(name)s。"))


@require_POST
@login_required
def delegate(request, pk: int):
    return _hand_over(request, pk, services.delegate, _("已委托给 %(name)s。"))


# --- definitions ------------------------------------------------------------------------


def _definitions_page(request, *, upload_form=None, upload_error="", status=200):
    if not request.user.has_perm("workflow.view_processdefinition"):
        raise PermissionDenied
    return render(
        request,
        "workflow/definitions.html",
        {
            "groups": selectors.definition_groups(request.user),
            "can_upload": request.user.has_perm("workflow.add_processdefinition"),
            "upload_form": upload_form or UploadForm(),
            "upload_error": upload_error,
        },
        status=status,
    )


@require_GET
@login_required
def definitions(request):
    """流程定义: each process with its versions and running instances per version."""
    return _definitions_page(request)


@require_http_methods(["POST"])
@login_required
def upload_definition(request):
    """Deploy an uploaded BPMN file; a refused model re-shows the page (400) naming the element."""
    if not request.user.has_perm("workflow.add_processdefinition"):
        raise PermissionDenied
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _definitions_page(request, upload_form=form, status=400)
    upload = form.cleaned_data["file"]
    try:
        definition = services.deploy(content=read_upload(upload), actor=request.user, source=f"upload:{upload.name}")
    except WorkflowError as refusal:
        return _definitions_page(request, upload_form=form, upload_error=refusal_message(refusal), status=400)
    names = {"name": definition.name or definition.key, "version": definition.version[:8]}
    if definition.deploy_outcome == services.UNCHANGED:
        messages.info(request, _("%(name)s 的内容与当前版本 %(version)s 相同，未重复部署。") % names)
    elif definition.deploy_outcome == services.MADE_CURRENT:
        messages.success(request, _("%(name)s 的内容与旧版本 %(version)s 相同，已将该版本设为当前版本。") % names)
    else:
        messages.success(request, _("已部署 %(name)s，版本 %(version)s。") % names)
    return redirect("workflow:definitions")


# --- instances --------------------------------------------------------------------------


@require_GET
@login_required
def instance_detail(request, pk: int):
    """One process run: the diagram with completed and current elements marked, and its history."""
    instance = selectors.get_instance_for_user(request.user, pk)
    text, url = _business_object(instance)
    return render(
        request,
        "workflow/instance_detail.html",
        {
            "instance": instance,
            "object_text": text,
            "object_url": url,
            "states": selectors.diagram_states(instance),
            "history": _labelled(selectors.history(request.user, instance).select_related("actor", "task"), instance),
        },
    )


@require_GET
@login_required
def instance_diagram(request, pk: int):
    """The BPMN XML of the instance's version, for the diagram viewer (same scope as the page)."""
    instance = selectors.get_instance_for_user(request.user, pk)
    response = HttpResponse(selectors.definition_xml(instance), content_type="application/xml; charset=utf-8")
    response["X-Content-Type-Options"] = "nosniff"
    return response
