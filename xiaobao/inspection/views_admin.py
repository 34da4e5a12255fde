"""Inspection pages for running the robot: intake (upload, batch reports), rules (editor with a test box,
publishing), scan jobs with progress, and manual sampling (抽检) with the score sheet.

Writes are `services` calls; scan jobs are handed to the worker once the request's transaction commits
(the periodic sweep picks up any whose message is lost).
"""

from __future__ import annotations

from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xiaobao.core.api_errors import BusinessRuleError
from xiaobao.inspection import selectors, services, tasks
from xiaobao.inspection.forms import DraftForm, RescanForm, RuleCreateForm, SampleForm, UploadForm
from xiaobao.inspection.models import ManualReview, RuleVersion, ScanJob


def _need(user, permission: str) -> None:
    if not user.has_perm(permission):
        raise PermissionDenied


def _queue_waiting() -> None:
    for job_id in ScanJob.objects.filter(status=ScanJob.Status.QUEUED).values_list("pk", flat=True)[:20]:
        transaction.on_commit(partial(tasks.run_scan.delay, job_id))


def _refused(request, exc: BusinessRuleError, form=None) -> None:
    if exc.status_code == 403:
        raise PermissionDenied(str(exc.detail)) from exc
    if form is not None:
        for field, _codes in (exc.fields or {}).items():
            if field in form.fields:
                form.add_error(field, str(exc.detail))
                return
    messages.error(request, str(exc.detail))


@require_http_methods(["GET", "POST"])
@login_required
def intake(request):
    """接入: upload a transcript file; the batch's row report follows."""
    _need(request.user, services.INGEST_PERMISSION)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            batch = services.interactions_ingest_file(actor=request.user, upload=form.cleaned_data["file"])
        except BusinessRuleError as exc:
            _refused(request, exc, form)
        else:
            _queue_waiting()
            return redirect("inspection:batch", pk=batch.pk)
    page = Paginator(selectors.batches_visible_to(request.user), 30).get_page(request.GET.get("page"))
    return render(request, "inspection/intake.html", {"form": form, "page": page})


@require_GET
@login_required
def batch_detail(request, pk: int):
    batch = selectors.get_batch_for_user(request.user, pk)
    job = ScanJob.objects.filter(batch=batch).order_by("-pk").first()
    return render(request, "inspection/batch.html", {"batch": batch, "job": job})


@require_GET
@login_required
def rule_list(request):
    rules = selectors.rules_for(request.user)
    if not request.user.has_perm(selectors.VIEW_FINDING):
        raise PermissionDenied
    return render(
        request,
        "inspection/rules.html",
        {
            "rows": [(r, selectors.false_positive_rate(r)) for r in rules],
            "can_edit": request.user.has_perm(services.RULE_PERMISSION),
            "rescan_form": RescanForm(),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def rule_create(request):
    _need(request.user, "inspection.add_rule")
    form = RuleCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            rule = services.rule_create(actor=request.user, **form.cleaned_data)
        except BusinessRuleError as exc:
            _refused(request, exc, form)
        else:
            messages.success(request, _("规则已创建（草稿），测试无误后发布。"))
            return redirect("inspection:rule", pk=rule.pk)
    return render(request, "inspection/rule_create.html", {"form": form})


@require_http_methods(["GET", "POST"])
@login_required
def rule_detail(request, pk: int):
    """The rule, its versions and false-positive rate, and the editor: save a draft, or try it on sample text."""
    import json

    rule = selectors.get_rule_for_user(request.user, pk)
    versions = list(selectors.versions_of(rule))
    draft = next((v for v in versions if v.status == RuleVersion.Status.DRAFT), None)
    shown = draft or rule.current
    initial = {"definition": json.dumps(shown.definition if shown else {}, ensure_ascii=False, indent=2)}
    form = DraftForm(request.POST or None, initial=initial)
    preview = None
    if request.method == "POST":
        _need(request.user, services.RULE_PERMISSION)
        if form.is_valid():
            data = form.cleaned_data
            try:
                if "preview" in request.POST:
                    preview = services.rule_preview(kind=rule.kind, definition=data["definition"], text=data["sample"])
                else:
                    services.rule_draft_save(
                        actor=request.user, rule=rule, definition=data["definition"], note=data["note"]
                    )
                    messages.success(request, _("草稿已保存。发布后才用于质检。"))
                    return redirect("inspection:rule", pk=rule.pk)
            except BusinessRuleError as exc:
                _refused(request, exc, form)
    return render(
        request,
        "inspection/rule.html",
        {
            "rule": rule,
            "versions": versions,
            "draft": draft,
            "form": form,
            "preview": preview,
            "fp_rate": selectors.false_positive_rate(rule),
            "dismissals": selectors.dismissals_of(request.user, rule),
            "can_edit": request.user.has_perm(services.RULE_PERMISSION),
            "is_owner": rule.owner_id == request.user.pk,
        },
    )


@require_POST
@login_required
def rule_publish(request, pk: int, version: int):
    rule = selectors.get_rule_for_user(request.user, pk)
    found = rule.versions.filter(number=version).first()
    if found is None:
        raise PermissionDenied
    rescan_from = None
    if request.POST.get("rescan_from"):
        from django.utils.dateparse import parse_date

        rescan_from = parse_date(request.POST["rescan_from"])
    try:
        services.rule_publish(actor=request.user, version=found, rescan_from=rescan_from)
    except BusinessRuleError as exc:
        _refused(request, exc)
    else:
        _queue_waiting()
        messages.success(request, _("版本 %(n)d 已发布。") % {"n": version})
    return redirect("inspection:rule", pk=rule.pk)


@require_http_methods(["GET", "POST"])
@login_required
def job_list(request):
    """质检任务: progress of every scan job; a re-scan of a period is requested here."""
    _need(request.user, "inspection.view_scanjob")
    form = RescanForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        codes = [c.strip().upper() for c in data["rules"].replace("，", ",").split(",") if c.strip()]
        try:
            job = services.rescan_request(
                actor=request.user, date_from=data["date_from"], date_to=data["date_to"], rule_codes=codes
            )
        except BusinessRuleError as exc:
            _refused(request, exc, form)
        else:
            transaction.on_commit(partial(tasks.run_scan.delay, job.pk))
            return redirect("inspection:job", pk=job.pk)
    page = Paginator(selectors.scan_jobs_for(request.user), 30).get_page(request.GET.get("page"))
    return render(request, "inspection/jobs.html", {"page": page, "form": form})


@require_GET
@login_required
def job_detail(request, pk: int):
    job = selectors.get_scan_job_for_user(request.user, pk)
    template = "inspection/_job_progress.html" if request.htmx else "inspection/job.html"
    return render(request, template, {"job": job})


@require_http_methods(["GET", "POST"])
@login_required
def sample_list(request):
    """抽检: draw interactions at random per agent and period; the list of samples to score."""
    _need(request.user, "inspection.view_manualreview")
    form = SampleForm(request.POST or None)
    sheets = list(selectors.active_sheets())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        sheet = next((s for s in sheets if str(s.pk) == request.POST.get("sheet")), sheets[0] if sheets else None)
        try:
            drawn = services.sample_draw(
                actor=request.user,
                date_from=data["date_from"],
                date_to=data["date_to"],
                per_agent=data["per_agent"],
                sheet=sheet,
                seed=data.get("seed"),
            )
        except BusinessRuleError as exc:
            _refused(request, exc, form)
        else:
            messages.success(request, _("已抽取 %(n)d 条待评分。") % {"n": len(drawn)})
            return redirect("inspection:samples")
    rows = selectors.reviews_visible_to(request.user, {"status": request.GET.get("status", "")})
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "inspection/samples.html",
        {"page": page, "form": form, "sheets": sheets, "agreement": selectors.agreement(request.user)},
    )


@require_http_methods(["GET", "POST"])
@login_required
def sample_detail(request, pk: int):
    review = selectors.get_review_for_user(request.user, pk)
    interaction = review.interaction
    if request.method == "POST":
        scores = {
            item["code"]: {
                "passed": request.POST.get(f"item-{item['code']}") == "pass"
                if request.POST.get(f"item-{item['code']}") in ("pass", "fail")
                else None,
                "note": request.POST.get(f"note-{item['code']}", ""),
            }
            for item in review.sheet.items
        }
        try:
            services.review_score(actor=request.user, review=review, scores=scores)
        except BusinessRuleError as exc:
            _refused(request, exc)
        else:
            messages.success(request, _("评分已保存。"))
            return redirect("inspection:sample", pk=review.pk)
    findings = list(selectors.findings_of(request.user, interaction))
    return render(
        request,
        "inspection/sample.html",
        {
            "review": review,
            "interaction": interaction,
            "turns": selectors.transcript(interaction, findings),
            "items": [
                {
                    **item,
                    "score": (review.scores or {}).get(item["code"]),
                    "robot": (review.robot or {}).get(item["code"]),
                }
                for item in review.sheet.items
            ],
            "can_score": review.status == ManualReview.Status.PENDING
            and request.user.has_perm("inspection.change_manualreview"),
        },
    )
