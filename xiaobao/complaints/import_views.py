"""批量导入 pages: upload a workbook, watch its progress (htmx polls every 2 s), download the error report
and the empty template.

Thin (DESIGN.md): `complaints.imports` does the work. The upload view enqueues the worker once the job row is
committed (the service never imports tasks; the periodic sweep runs any job whose message was lost).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from xiaobao.complaints import imports, tasks
from xiaobao.core import queueing
from xiaobao.core.api_errors import BusinessRuleError
from xiaobao.core.views import serve_attachment
from xiaobao.ui.messages import refusal_message

RECENT = 20


def _require_add(user) -> None:
    if not user.has_perm(imports.ADD_PERMISSION):
        raise PermissionDenied(_("您没有登记投诉的权限。"))


def _page(request, *, job=None, error: str = "", status: int = 200):
    context = {
        "job": job,
        "progress": imports.job_progress(job) if job else None,
        "report": imports.job_report(job) if job else None,
        "jobs": imports.import_jobs_visible_to(request.user)[:RECENT],
        "error": error,
        "max_rows": imports.MAX_ROWS,
    }
    return render(request, "complaints/import.html", context, status=status)


@require_http_methods(["GET", "POST"])
@login_required
def upload(request):
    """批量导入: the upload form and my recent imports; POST stores the file and starts the check."""
    _require_add(request.user)
    if request.method == "GET":
        return _page(request)
    upload = request.FILES.get("file")
    if upload is None:
        return _page(request, error=_("请选择要上传的 Excel 文件。"), status=400)
    try:
        job = imports.import_job_create(actor=request.user, upload=upload)
    except BusinessRuleError as refusal:
        if refusal.status_code == 403:
            raise PermissionDenied(refusal_message(refusal)) from refusal
        return _page(request, error=refusal_message(refusal), status=refusal.status_code)
    # the job row is committed: if the broker is down, it waits for the sweep, and the user is told so
    if queueing.enqueue(tasks.run_import, job.pk):
        messages.success(request, _("文件已上传，正在校验。"))
    else:
        messages.warning(request, queueing.QUEUED_LATER)
    return redirect("complaints:import-status", pk=job.pk)


@require_GET
@login_required
def status(request, pk: int):
    """One import's progress; an htmx poll gets only the progress block (which stops polling once finished)."""
    job = imports.get_import_job_for_user(request.user, pk)
    if request.htmx:
        context = {"job": job, "progress": imports.job_progress(job), "report": imports.job_report(job)}
        return render(request, "complaints/_import_progress.html", context)
    return _page(request, job=job)


@require_GET
@login_required
def report(request, pk: int):
    """The error report of a rejected import (rows with personal data masked, and their errors)."""
    found = imports.job_report(imports.get_import_job_for_user(request.user, pk))
    if found is None:
        raise Http404
    return serve_attachment(found)


@require_GET
@login_required
def template(request):
    """The empty workbook with the column titles and one example row (in the caller's own unit)."""
    _require_add(request.user)
    unit = request.user.org_unit
    content = imports.template_workbook(unit_code=unit.code if unit else "")
    response = HttpResponse(content, content_type=imports.XLSX)
    name = f"complaints-import-template-{timezone.localdate():%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
