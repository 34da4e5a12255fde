"""Writing in the knowledge centre: new document, edit (a new version), archive, the version history, one
version, the side-by-side diff of two versions, and the approval of an internal policy's pending version.

Thin (DESIGN.md): reads go through `knowledge.selectors` (outside the reader's reach is 404; readable but not
writable is 403 on the write pages), writes through `knowledge.services`; a refusal is shown on the form with
its status (400 a rule, 409 the document moved on), "you may not" is a 403. Readers without write rights see
the published history only; writers (and the approver) also see pending, rejected and draft versions.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from xiaobao.core import selectors as core_selectors
from xiaobao.core.api_errors import BusinessRuleError
from xiaobao.knowledge import selectors, services, versions
from xiaobao.knowledge.forms import DecisionForm, DocumentForm
from xiaobao.knowledge.models import Document, DocumentVersion
from xiaobao.ui.messages import put_on_form, refusal_message
from xiaobao.ui.page_actions import forbid
from xiaobao.workflow import selectors as workflow_selectors


def _may_approve(user, document: Document) -> bool:
    task = services.approval_task(document)
    return task is not None and workflow_selectors.may_act(user, task)


def _full_history(user, document: Document) -> bool:
    """Writers and the approver see every version; readers the published ones."""
    return selectors.may_change(user, document) or _may_approve(user, document)


def _versions(user, document: Document):
    return selectors.versions_of(document, readable_only=not _full_history(user, document))


def _version(user, document: Document, number) -> DocumentVersion:
    found = _versions(user, document).filter(number=_int(number)).first()
    if found is None:
        raise Http404
    return found


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404 from None


def _form_refused(form, refusal: BusinessRuleError) -> int:
    forbid(refusal)
    # the services name a rejection's reason "reason"; the decision form asks for it as its comment
    put_on_form(form, refusal, field_names=lambda field: ["comment" if field == "reason" else field])
    return refusal.status_code


@require_http_methods(["GET", "POST"])
@login_required
def new(request):
    """新建文档: kind, owning unit, text and metadata. An internal policy goes to approval first."""
    if not request.user.has_perm(services.ADD_PERMISSION):
        raise PermissionDenied(_("您没有新建知识文档的权限。"))
    units = core_selectors.org_units_visible_to(request.user, action="add").filter(is_active=True).order_by("path")
    posted = request.method == "POST"
    form = DocumentForm(
        request.POST if posted else None,
        new=True,
        units=units,
        categories=selectors.category_choices(),
        initial={"org_unit": request.user.org_unit_id, "kind": request.GET.get("kind", "")},
    )
    status = 200
    if posted:
        status = 400
        if form.is_valid():
            try:
                document = services.document_new(
                    actor=request.user,
                    org_unit=form.cleaned_data["org_unit"],
                    kind=form.cleaned_data["kind"],
                    **form.text(),
                    **form.metadata(),
                )
            except BusinessRuleError as refusal:
                status = _form_refused(form, refusal)
            else:
                if document.current_version_id:
                    messages.success(request, _("文档已发布。"))
                    return redirect("knowledge:document", pk=document.pk)
                messages.success(request, _("新制度已提交审批，审批通过后发布。"))
                return redirect("knowledge:versions", pk=document.pk)
    return render(request, "knowledge/edit.html", {"form": form, "document": None}, status=status)


@require_http_methods(["GET", "POST"])
@login_required
def edit(request, pk: int):
    """编辑: a changed text is a new version (published at once, or sent for approval for a 内部制度)."""
    document = selectors.get_document_for_user(request.user, pk, for_write=True)
    latest = selectors.versions_of(document).first()
    pending = services.pending_version(document)
    posted = request.method == "POST"
    form = DocumentForm(
        request.POST if posted else None,
        new=False,
        categories=selectors.category_choices(),
        initial=DocumentForm.initial_for(document, latest),
    )
    status = 200
    if posted:
        status = 400
        if form.is_valid():
            try:
                version = services.document_edit(
                    document=document,
                    actor=request.user,
                    base_version=form.cleaned_data["base_version"],
                    **form.text(),
                    **form.metadata(),
                )
            except BusinessRuleError as refusal:
                status = _form_refused(form, refusal)
            else:
                if version.status == DocumentVersion.Status.PENDING and version.number > latest.number:
                    messages.success(
                        request, _("第%(n)s版已提交审批，审批通过前读者仍看到现行版本。") % {"n": version.number}
                    )
                    return redirect("knowledge:versions", pk=document.pk)
                messages.success(request, _("已保存。"))
                return redirect("knowledge:document", pk=document.pk)
    context = {"form": form, "document": document, "latest": latest, "pending": pending}
    return render(request, "knowledge/edit.html", context, status=status)


@require_http_methods(["GET", "POST"])
@login_required
def archive(request, pk: int):
    """归档 (POST). A GET (a plain link) writes nothing: it leads to the archive button on the history page."""
    document = selectors.get_document_for_user(request.user, pk, for_write=True)
    if request.method == "GET":
        return redirect(reverse("knowledge:versions", args=[document.pk]) + "#archive-form")
    try:
        services.document_archive(document=document, actor=request.user)
    except BusinessRuleError as refusal:
        forbid(refusal)
        messages.error(request, refusal_message(refusal))
        return redirect("knowledge:versions", pk=document.pk)
    messages.success(request, _("文档已归档，不再出现在检索结果中。"))
    return redirect("knowledge:versions", pk=document.pk)


@require_GET
@login_required
def version_list(request, pk: int):
    """版本历史: every version the user may see, with its status, author and approval outcome."""
    document = selectors.get_document_for_user(request.user, pk)
    rows = list(_versions(request.user, document))
    decided = versions.decisions(request.user, document)
    context = {
        "document": document,
        "rows": [(v, decided.get(v.number)) for v in rows],
        "pending": services.pending_version(document),
        "task": services.approval_task(document),
        "can_edit": selectors.may_change(request.user, document),
        "can_approve": _may_approve(request.user, document),
    }
    return render(request, "knowledge/versions.html", context)


@require_GET
@login_required
def version_detail(request, pk: int, number: int):
    document = selectors.get_document_for_user(request.user, pk)
    version = _version(request.user, document, number)
    previous = _versions(request.user, document).filter(number__lt=version.number).first()
    context = {
        "document": document,
        "version": version,
        "previous": previous,
        "decision": versions.decisions(request.user, document).get(version.number),
    }
    return render(request, "knowledge/version.html", context)


@require_GET
@login_required
def diff(request, pk: int):
    """比较: ?a=<number>&b=<number>; without them, the newest version against the one before it."""
    document = selectors.get_document_for_user(request.user, pk)
    available = list(_versions(request.user, document))
    if not available:
        raise Http404
    b = _version(request.user, document, request.GET["b"]) if request.GET.get("b") else available[0]
    if request.GET.get("a"):
        a = _version(request.user, document, request.GET["a"])
    else:
        a = next((v for v in available if v.number < b.number), b)
    rows = versions.diff(a, b)
    context = {
        "document": document,
        "a": a,
        "b": b,
        "rows": rows,
        "summary": versions.summary(rows),
        "choices": available,
    }
    return render(request, "knowledge/diff.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def approve(request, pk: int):
    """审批: the pending version against the current one, and the decision (approve / reject with a reason)."""
    document = selectors.get_document_for_user(request.user, pk)
    pending = services.pending_version(document)
    if pending is None:
        messages.info(request, _("该文档没有待审批的版本。"))
        return redirect("knowledge:versions", pk=document.pk)
    if not _may_approve(request.user, document):
        raise PermissionDenied(_("您不能审批该版本。"))
    form = DecisionForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                if data["decision"] == "approve":
                    services.version_approve(version=pending, actor=request.user, comment=data["comment"])
                else:
                    services.version_reject(version=pending, actor=request.user, reason=data["comment"])
            except BusinessRuleError as refusal:
                status = _form_refused(form, refusal)
            else:
                approved = data["decision"] == "approve"
                messages.success(request, _("已发布第%(n)s版。") % {"n": pending.number} if approved else _("已退回。"))
                return redirect("knowledge:versions", pk=document.pk)
    current = document.current_version
    rows = versions.diff(current, pending) if current else versions.diff(pending, pending)
    context = {
        "document": document,
        "pending": pending,
        "current": current,
        "rows": rows,
        "summary": versions.summary(rows),
        "task": services.approval_task(document),
        "form": form,
    }
    return render(request, "knowledge/approve.html", context, status=status)


ROUTES = [
    path("new/", new, name="new"),
    path("<int:pk>/edit/", edit, name="edit"),
    path("<int:pk>/archive/", archive, name="archive"),
    path("<int:pk>/versions/", version_list, name="versions"),
    path("<int:pk>/versions/<int:number>/", version_detail, name="version"),
    path("<int:pk>/diff/", diff, name="diff"),
    path("<int:pk>/approve/", approve, name="approve"),
]
