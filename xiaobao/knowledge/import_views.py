"""导入 pages: upload one file (a document at once) or a folder as a zip (a batch the worker imports while
the status page polls its progress), the list of batches, and downloads of the original files.

Thin (DESIGN.md): `knowledge.importing` does the work. The upload view enqueues the worker once the batch row
is committed (the service never imports tasks; the periodic sweep runs any batch whose message was lost).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from xiaobao.core import queueing
from xiaobao.core import selectors as core_selectors
from xiaobao.core.api_errors import BusinessRuleError
from xiaobao.core.views import serve_attachment
from xiaobao.knowledge import importing, selectors, tasks
from xiaobao.knowledge.models import Category, Document, ImportBatch
from xiaobao.ui.messages import refusal_message

RECENT = 10
PAGE_SIZE = 30
ACCEPT = ".docx,.pdf,.txt,.md,.zip"


def kind_choices() -> list[tuple[str, str]]:
    """The kinds a file can become (an FAQ needs a question and an answer, which a file does not carry)."""
    return [(value, label) for value, label in Document.Kind.choices if value != Document.Kind.FAQ]


class ImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("文件"))
    kind = forms.ChoiceField(label=gettext_lazy("文档类型"))
    org_unit = forms.ModelChoiceField(label=gettext_lazy("所属机构"), queryset=None)
    category = forms.TypedChoiceField(label=gettext_lazy("分类"), required=False, coerce=int, empty_value=None)
    publish = forms.BooleanField(label=gettext_lazy("导入后立即发布"), required=False, initial=True)
    title = forms.CharField(
        label=gettext_lazy("标题"),
        required=False,
        max_length=300,
        help_text=gettext_lazy("仅单个文件；留空则取文件中的标题或文件名。"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = kind_choices()
        units = core_selectors.org_units_visible_to(user, action="add").filter(is_active=True).order_by("path")
        self.fields["org_unit"].queryset = units
        self.fields["org_unit"].initial = user.org_unit_id
        self.fields["category"].choices = [("", "—"), *selectors.category_choices()]

    def clean_category(self):
        pk = self.cleaned_data.get("category")
        return Category.objects.filter(pk=pk).first() if pk else None


def _require_add(user) -> None:
    if not user.has_perm(importing.ADD_PERMISSION):
        raise PermissionDenied(_("您没有导入知识文档的权限。"))


def _render_upload(request, form: ImportForm, *, error: str = "", status: int = 200):
    context = {
        "form": form,
        "error": error,
        "accept": ACCEPT,
        "batches": importing.import_batches_for(request.user)[:RECENT],
        "max_files": importing.MAX_FILES,
        "max_mb": round(importing.single_file_limit() / 1024 / 1024),
        "max_zip_mb": round(importing.MAX_ZIP_BYTES / 1024 / 1024),
    }
    return render(request, "knowledge/import.html", context, status=status)


@require_http_methods(["GET", "POST"])
@login_required
def upload(request):
    """导入: one file becomes a document at once; a .zip becomes a batch imported in the background."""
    _require_add(request.user)
    if request.method == "GET":
        return _render_upload(request, ImportForm(user=request.user, initial={"publish": True}))
    form = ImportForm(request.POST, request.FILES, user=request.user)
    if not form.is_valid():
        return _render_upload(request, form, status=400)
    given = form.cleaned_data
    try:
        made = importing.import_upload(
            actor=request.user,
            org_unit=given["org_unit"],
            upload=given["file"],
            kind=given["kind"],
            category=given["category"],
            publish=given["publish"],
            title=given["title"],
        )
    except BusinessRuleError as refusal:
        if refusal.status_code == 403:
            raise PermissionDenied(refusal_message(refusal)) from refusal
        return _render_upload(request, form, error=refusal_message(refusal), status=refusal.status_code)
    if isinstance(made, ImportBatch):
        # the batch row is committed: if the broker is down it waits for the sweep, and the user is told so
        if queueing.enqueue(tasks.run_import, made.pk):
            messages.success(request, _("压缩包已上传，正在逐个导入。"))
        else:
            messages.warning(request, queueing.QUEUED_LATER)
        return redirect("knowledge:import-status", pk=made.pk)
    messages.success(request, _("已导入“%(title)s”。") % {"title": made.title})
    return redirect(made.get_absolute_url())


@require_GET
@login_required
def status(request, pk: int):
    """One batch: its progress and per-file report; an htmx poll gets only the block (which stops once done)."""
    batch = importing.get_import_batch_for_user(request.user, pk)
    template = "knowledge/_import_progress.html" if request.htmx else "knowledge/import_status.html"
    return render(request, template, {"batch": batch, "finished": _finished(batch)})


def _finished(batch: ImportBatch) -> bool:
    return batch.status in (ImportBatch.Status.DONE, ImportBatch.Status.REJECTED, ImportBatch.Status.FAILED)


@require_GET
@login_required
def batches(request):
    """The import batches of the units in my scope, newest first."""
    if not request.user.has_perm(importing.VIEW_BATCH_PERMISSION):
        raise PermissionDenied
    page = Paginator(importing.import_batches_for(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    may_import = request.user.has_perm(importing.ADD_PERMISSION)
    return render(request, "knowledge/import_list.html", {"page": page, "may_import": may_import})


@require_GET
@login_required
def batch_source(request, pk: int):
    """The uploaded zip of a batch (to those who see the batch)."""
    found = importing.source_of(importing.get_import_batch_for_user(request.user, pk))
    if found is None:
        raise Http404
    return serve_attachment(found)


@require_GET
@login_required
def version_source(request, pk: int, number: int):
    """The original file a version was imported from. Readers reach published and superseded versions only;
    those who may change the document reach its drafts too (the same rule as the versions list)."""
    document = selectors.get_document_for_user(request.user, pk)
    readable_only = not selectors.may_change(request.user, document)
    version = selectors.versions_of(document, readable_only=readable_only).filter(number=number).first()
    found = importing.source_of(version) if version is not None else None
    if found is None:
        raise Http404
    return serve_attachment(found)


ROUTES = [
    path("import/", upload, name="import"),
    path("imports/", batches, name="imports"),
    path("imports/<int:pk>/", status, name="import-status"),
    path("imports/<int:pk>/source/", batch_source, name="import-source"),
    path("<int:pk>/versions/<int:number>/source/", version_source, name="version-source"),
]
