"""Inspection pages: the inspector's workbench (findings by severity), a finding with its transcript and
the hit highlighted, the decisions, interactions, and statistics with their Excel export.

Thin (DESIGN.md): reads are `selectors` calls scoped to the user (outside scope is 404), writes are
`services` calls; a refusal is a message on the page (403 for "you may not"), never a 500.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from xiaobao.core.api_errors import BusinessRuleError
from xiaobao.inspection import selectors, services, stats
from xiaobao.inspection.forms import ConfirmForm, FindingFilterForm, ReasonForm, StatsFilterForm
from xiaobao.inspection.models import Finding, Interaction, Rule

PAGE_SIZE = 50


def _filters(form_class, request) -> dict:
    form = form_class(request.GET)
    cleaned = form.cleaned_data if form.is_valid() else {}
    return {k: v for k, v in cleaned.items() if v not in (None, "")}


def _query(filters: dict) -> str:
    return urlencode(filters)


def _may_see(user) -> bool:
    return user.has_perm(selectors.VIEW_FINDING) or user.has_perm(selectors.CONTEST)


@require_GET
@login_required
def workbench(request):
    """质检工作台: findings by severity, undecided first by default; an agent sees only their own."""
    if not _may_see(request.user):
        raise PermissionDenied
    filters = _filters(FindingFilterForm, request)
    own = selectors.only_own(request.user)
    if "status" not in filters and not own:
        filters["status"] = "undecided"
    rows = selectors.findings_visible_to(request.user, filters)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    my_rules = []
    if request.user.has_perm("inspection.change_rule"):
        my_rules = [
            (r, selectors.false_positive_rate(r)) for r in selectors.rules_for(request.user).filter(owner=request.user)
        ]
    return render(
        request,
        "inspection/workbench.html",
        {
            "page": page,
            "filters": filters,
            "query": _query(filters),
            "own": own,
            "statuses": [("undecided", _("未复核")), *Finding.Status.choices],
            "severities": Rule.Severity.choices,
            "channels": Interaction.Channel.choices,
            "kinds": Interaction.Kind.choices,
            "rules": Rule.objects.order_by("code").only("pk", "code", "name") if not own else [],
            "my_rules": my_rules,
            "can_review": request.user.has_perm(services.REVIEW_PERMISSION),
        },
    )


@require_GET
@login_required
def finding_detail(request, pk: int):
    finding = selectors.get_finding_for_user(request.user, pk)
    interaction = finding.interaction
    findings = list(selectors.findings_of(request.user, interaction))
    return render(
        request,
        "inspection/finding.html",
        {
            "finding": finding,
            "interaction": interaction,
            "turns": selectors.transcript(interaction, [finding]),
            "others": [f for f in findings if f.pk != finding.pk],
            "can_review": request.user.has_perm(services.REVIEW_PERMISSION) and finding.status in Finding.UNDECIDED,
            "can_contest": finding.agent_id == request.user.pk
            and request.user.has_perm(selectors.CONTEST)
            and not finding.contested_at
            and finding.status in (Finding.Status.OPEN, Finding.Status.CONFIRMED, Finding.Status.ESCALATED),
            "confirm_form": ConfirmForm(),
            "reason_form": ReasonForm(),
            "workorder": _workorder(request.user, finding.workorder_id),
        },
    )


def _workorder(user, order_id):
    if not order_id:
        return None
    from django.http import Http404

    from xiaobao.workorders import selectors as workorder_selectors

    try:
        return workorder_selectors.get_work_order_for_user(user, order_id)
    except Http404:
        return None


def _decide(request, pk: int, action):
    selectors.get_finding_for_user(request.user, pk)  # 404 outside scope before anything else
    try:
        action()
    except BusinessRuleError as exc:
        if exc.status_code == 403:
            raise PermissionDenied(str(exc.detail)) from exc
        messages.error(request, str(exc.detail))
    return redirect("inspection:finding", pk=pk)


@require_POST
@login_required
def finding_confirm(request, pk: int):
    form = ConfirmForm(request.POST)
    form.is_valid()
    data = form.cleaned_data

    def act():
        found = services.finding_confirm(
            finding=pk, actor=request.user, comment=data.get("comment", ""), training=bool(data.get("training"))
        )
        messages.success(request, _("已确认，已向 %(unit)s 下发整改工单。") % {"unit": found.org_unit.name})

    return _decide(request, pk, act)


def _with_reason(service, done_message):
    @require_POST
    @login_required
    def view(request, pk: int):
        def act():
            service(finding=pk, actor=request.user, reason=request.POST.get("reason", ""))
            messages.success(request, done_message())

        return _decide(request, pk, act)

    return view


finding_dismiss = _with_reason(services.finding_dismiss, lambda: _("已标记为误报，原因已记录。"))
finding_escalate = _with_reason(services.finding_escalate, lambda: _("已升级至总公司复核。"))
finding_contest = _with_reason(services.finding_contest, lambda: _("申诉已提交，质检员将重新复核。"))


@require_GET
@login_required
def interaction_list(request):
    if not (request.user.has_perm(selectors.VIEW_INTERACTION) or request.user.has_perm(selectors.CONTEST)):
        raise PermissionDenied
    filters = _filters(FindingFilterForm, request)
    rows = selectors.interactions_visible_to(request.user, filters)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "inspection/interactions.html",
        {
            "page": page,
            "filters": filters,
            "query": _query(filters),
            "channels": Interaction.Channel.choices,
            "kinds": Interaction.Kind.choices,
        },
    )


@require_GET
@login_required
def interaction_detail(request, pk: int):
    interaction = selectors.get_interaction_for_user(request.user, pk)
    findings = list(selectors.findings_of(request.user, interaction))
    return render(
        request,
        "inspection/interaction.html",
        {
            "interaction": interaction,
            "turns": selectors.transcript(interaction, findings),
            "findings": findings,
            "can_reveal": request.user.has_perm(selectors.REVIEW) and bool(interaction.personal_data),
        },
    )


@require_POST
@login_required
def interaction_reveal(request, pk: int):
    """查看原文: the unmasked transcript, for a stated reason, audited; shown once on this response only."""
    interaction = selectors.get_interaction_for_user(request.user, pk)
    findings = list(selectors.findings_of(request.user, interaction))
    context = {"interaction": interaction, "turns": selectors.transcript(interaction, findings), "findings": findings}
    try:
        context["clear_turns"] = services.interaction_reveal(
            interaction=interaction,
            actor=request.user,
            reason=request.POST.get("reason", ""),
            ip_address=request.META.get("REMOTE_ADDR"),
        )
    except BusinessRuleError as exc:
        if exc.status_code == 403:
            raise PermissionDenied(str(exc.detail)) from exc
        messages.error(request, str(exc.detail))
        return redirect("inspection:interaction", pk=pk)
    response = render(request, "inspection/interaction.html", context)
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@login_required
def statistics(request):
    if not request.user.has_perm(selectors.VIEW_FINDING):
        raise PermissionDenied
    filters = _filters(StatsFilterForm, request)
    if not filters.get("date_from"):
        filters["date_from"] = timezone.localdate().replace(month=1, day=1)
    data = stats.statistics(request.user, filters)
    charts = {
        key: {
            "labels": [r["label"] for r in rows[:15]],
            "rate": [r["rate"] for r in rows[:15]],
            "findings": [r["findings"] for r in rows[:15]],
            "names": {"rate": _("违规率（%）"), "findings": _("发现数")},
        }
        for key, rows in data["tables"].items()
    }
    titles = {
        "rule": _("按规则"),
        "agent": _("按坐席"),
        "unit": _("按机构"),
        "channel": _("按渠道"),
        "product": _("按产品"),
    }
    return render(
        request,
        "inspection/statistics.html",
        {
            "stats": data,
            "tables": [(key, titles[key], rows) for key, rows in data["tables"].items()],
            "charts": charts,
            "filters": filters,
            "query": _query(filters),
            "channels": Interaction.Channel.choices,
            "agreement": selectors.agreement(request.user),
        },
    )


@require_GET
@login_required
def statistics_export(request):
    if not request.user.has_perm(selectors.VIEW_FINDING):
        raise PermissionDenied
    filters = _filters(StatsFilterForm, request)
    response = HttpResponse(
        stats.workbook(request.user, filters),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="inspection-statistics.xlsx"'
    return response
