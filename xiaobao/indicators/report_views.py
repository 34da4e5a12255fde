"""报告生成 pages: ask for the board report or the indicator workbook, watch it being built (htmx polls every
2 s: progress bar and current step), download it when done.

Thin (DESIGN.md): `indicators.reports` does the work. The page enqueues the worker once the job row has
committed (the service never imports tasks; the periodic sweep runs any job whose message was lost).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from xiaobao.core import queueing
from xiaobao.core.api_errors import BusinessRuleError
from xiaobao.core.views import serve_attachment
from xiaobao.indicators import reports, tasks
from xiaobao.indicators.forms import ReportForm
from xiaobao.ui.messages import refusal_message

RECENT = 20
VIEW_PERMISSION = "indicators.view_reportjob"


def _require_view(user) -> None:
    if not user.has_perm(VIEW_PERMISSION):
        raise PermissionDenied(_("您没有查看报告的权限。"))


def _page(request, *, form=None, job=None, error: str = "", status: int = 200):
    context = {
        "form": form or ReportForm(),
        "job": job,
        "progress": reports.job_progress(job) if job else None,
        "output": reports.job_output(job) if job else None,
        "jobs": reports.report_jobs_visible_to(request.user)[:RECENT],
        "may_create": request.user.has_perm(reports.ADD_PERMISSION),
        "years": reports.years_available(),
        "error": error,
    }
    return render(request, "indicators/reports.html", context, status=status)


@require_http_methods(["GET", "POST"])
@login_required
def report_list(request):
    """报告生成: the request form and the recent reports in my scope; POST queues a report."""
    _require_view(request.user)
    if request.method == "GET":
        return _page(request)
    if not request.user.has_perm(reports.ADD_PERMISSION):
        raise PermissionDenied(_("您没有生成报告的权限。"))
    form = ReportForm(request.POST)
    if not form.is_valid():
        return _page(request, form=form, status=400)
    try:
        job = reports.report_job_create(
            actor=request.user, kind=form.cleaned_data["kind"], year=form.cleaned_data["year"]
        )
    except BusinessRuleError as refusal:
        if refusal.status_code == 403:
            raise PermissionDenied(refusal_message(refusal)) from refusal
        return _page(request, form=form, error=refusal_message(refusal), status=refusal.status_code)
    if queueing.enqueue(tasks.run_report, job.pk):
        messages.success(request, _("已开始生成报告。"))
    else:
        messages.warning(request, queueing.REQUEST_QUEUED_LATER)
    return redirect("indicators:report-status", pk=job.pk)


@require_GET
@login_required
def report_status(request, pk: int):
    """One report's progress; an htmx poll gets only the progress block (which stops polling once finished)."""
    _require_view(request.user)
    job = reports.get_report_job_for_user(request.user, pk)
    if request.htmx:
        context = {"job": job, "progress": reports.job_progress(job), "output": reports.job_output(job)}
        return render(request, "indicators/_report_progress.html", context)
    return _page(request, job=job)


@require_GET
@login_required
def report_download(request, pk: int):
    """The finished document (404 until it exists, or outside scope)."""
    _require_view(request.user)
    found = reports.job_output(reports.get_report_job_for_user(request.user, pk))
    if found is None:
        raise Http404
    return serve_attachment(found)
