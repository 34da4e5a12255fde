"""Complaint detail page: the actions the current step allows, the statutory clock and its extensions, and the
reveal of personal data (the list and 登记投诉 are in views.py).

Thin (DESIGN.md): reads are `complaints.selectors` calls scoped to the user (outside scope is 404),
writes are `complaints.services` calls; a refusal is a message on the page (400/409; 403 for "you may
not"), never a 500 and never a partial write — the shape is ui.page_actions'. Personal data is shown
masked (PIPL); the clear value only comes back from `complaint_reveal`, which asks for a reason and audits
the look.
"""

from __future__ import annotations

from dataclasses import replace

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from xiaobao.complaints import major, rules, selectors, services
from xiaobao.complaints.api_outputs import masked, may_write
from xiaobao.complaints.forms import (
    REVEALABLE,
    AssignForm,
    ClassifyForm,
    ClockResumeForm,
    ClockStopForm,
    CloseForm,
    DecideForm,
    DeclineForm,
    DesignateMajorForm,
    ExtendForm,
    NewFactsForm,
    ReexamineForm,
    ResponseForm,
    RevealForm,
    RevisitForm,
    VersionForm,
    WithdrawForm,
)
from xiaobao.complaints.models import Complaint, Extension
from xiaobao.complaints.views import clock
from xiaobao.core import directory
from xiaobao.core import selectors as core_selectors
from xiaobao.core.api_errors import BusinessRuleError
from xiaobao.core.masking import mask_text
from xiaobao.core.models import User
from xiaobao.core.views import serve_attachment
from xiaobao.ui.messages import put_on_form
from xiaobao.ui.page_actions import ObjectPage, forbid
from xiaobao.workflow import labels
from xiaobao.workflow import selectors as workflow_selectors


def _abilities(user, complaint: Complaint, task) -> dict:
    """What the page offers; the services decide again on POST, so this only hides useless buttons."""
    step = task.element_id if task else ""
    may = bool(task) and workflow_selectors.may_act(user, task)
    write = complaint.is_open and may_write(user, complaint)
    return {
        "step": step,
        "task": task,
        "can_accept": may and step == "accept",
        "can_assign": may and step == "assign",
        "can_decide": may and step == "handle",
        "can_respond": may and step == "response",
        "can_reexamine": may and step in ("reexamine_hq", "reexamine_branch"),
        "can_revisit": may and step == "revisit",
        "can_close": may and step == "close",
        "can_classify": write and complaint.status != Complaint.Status.REGISTERED,
        "can_extend": write
        and complaint.status in Complaint.CLOCK_STATUSES
        and complaint.extension_level < Extension.Level.SPECIAL,
        # whoever registered it may record the withdrawal too (the complainant calls the desk back)
        "can_withdraw": complaint.is_open and (write or complaint.registered_by_id == user.pk),
        # the clock (第十八条, 第二十三条) moves only until the decision is told; the services check again
        "can_move_clock": write and complaint.status in Complaint.CLOCK_STATUSES,
        "can_designate": write and not complaint.is_major,
    }


def _handlers(user, complaint: Complaint):
    """People who may handle complaints, in the user's scope; the one complained about is left out (回避)."""
    people = core_selectors.users_visible_to(user).filter(
        is_active=True,
        groups__permissions__content_type__app_label="complaints",
        groups__permissions__codename="change_complaint",
    )
    if complaint.respondent_staff_id:
        people = people.exclude(pk=complaint.respondent_staff_id)
    return people.distinct()


def _approvers(complaint: Complaint):
    """Who may approve an extension (Art. 18): the officers over the complaint's unit (its own unit and the
    units above it) and head office's administrators and management; the service checks the level again."""
    ids = set()
    for role, unit in (("branch_officer", complaint.org_unit), ("hq_admin", None), ("management", None)):
        ids.update(directory.users_with_role(role, unit).values_list("pk", flat=True))
    return User.objects.filter(pk__in=ids).select_related("org_unit").order_by("org_unit__path", "username")


def _personal(complaint: Complaint, revealed: dict) -> list[dict]:
    rows = []
    for field, label in REVEALABLE:
        value = getattr(complaint, field) or ""
        if not value:
            continue
        rows.append(
            {
                "field": field,
                "label": label,
                "masked": masked(field, value),
                "clear": revealed.get(field),
            }
        )
    return rows


def _history(user, complaint: Complaint) -> list:
    """The timeline with its changes as labelled business fields (never raw process variables), its comments
    masked: a note typed at a step may carry a phone or ID number."""
    steps = labels.label_history(selectors.timeline(user, complaint).select_related("actor"))
    for step in steps:
        step.comment = mask_text(step.comment)
        # a free-text variable (回访情况, 溯源分析) may carry them too
        step.fields = [replace(c, before=mask_text(c.before), after=mask_text(c.after)) for c in step.fields]
    return steps


GROUP_REASONS = {
    "complainants": gettext_lazy("投诉人数达到内部群体性标准"),
    "media_attention": gettext_lazy("媒体关注"),
    "amount": gettext_lazy("涉及金额达到内部关注标准"),
}


def _detail_context(request, complaint: Complaint, *, revealed: dict | None = None, **forms) -> dict:
    now = timezone.now()
    task = selectors.open_task(complaint)
    abilities = _abilities(request.user, complaint, task)
    context = {
        "complaint": complaint,
        "now": now,
        "clock": clock(complaint, now),
        "internal_target": rules.internal_target(complaint),
        "personal": _personal(complaint, revealed or {}),
        "subject": mask_text(complaint.subject),
        "content": mask_text(complaint.content),
        "demand": mask_text(complaint.demand_text),
        "extensions": list(selectors.extensions(complaint)),
        "files": list(selectors.attachments(complaint)),
        "major_reasons": major.reason_labels(complaint),
        "major_plan": major.emergency_plan() if complaint.is_major else None,
        "major_reports": list(selectors.major_reports(complaint)) if complaint.is_major else [],
        "group_reasons": [GROUP_REASONS.get(code, code) for code in complaint.group_reasons or []],
        "clock_events": list(selectors.clock_events(complaint)),
        "linked": list(selectors.related(request.user, complaint)[:50]),
        "rectification": selectors.rectification_status(request.user, complaint),
        "supervision": selectors.supervision_status(request.user, complaint),
        "history": _history(request.user, complaint),
        "instances": list(workflow_selectors.instances_for_object(request.user, complaint)),
        **abilities,
    }
    if abilities["can_assign"]:
        units = core_selectors.org_units_visible_to(request.user, action="change").filter(is_active=True)
        context["assign_form"] = forms.get("assign_form") or AssignForm(
            units=units.order_by("path"),
            handlers=_handlers(request.user, complaint),
            initial={"org_unit": complaint.org_unit_id},
        )
    if abilities["can_extend"]:
        context["extend_form"] = forms.get("extend_form") or ExtendForm(
            approvers=_approvers(complaint),
            initial={"level": complaint.extension_level + 1},
        )
    context["reveal_form"] = forms.get("reveal_form") or RevealForm()
    context["reveal_field"] = context["reveal_form"].data.get("field", "") if forms.get("reveal_form") else ""
    context["classify_form"] = forms.get("classify_form") or ClassifyForm(
        initial={
            "business_category": complaint.business_category_id,
            "cause_category": complaint.cause_category_id,
            "demand_category": complaint.demand_category_id,
        }
    )
    context["decide_form"] = forms.get("decide_form") or DecideForm()
    context["response_form"] = forms.get("response_form") or ResponseForm(initial={"satisfied": "1"})
    context["reexamine_form"] = forms.get("reexamine_form") or ReexamineForm(initial={"upheld": "1"})
    context["revisit_form"] = forms.get("revisit_form") or RevisitForm()
    context["close_form"] = forms.get("close_form") or CloseForm()
    context["withdraw_form"] = forms.get("withdraw_form") or WithdrawForm()
    if abilities["can_move_clock"]:
        context["clock_stop_form"] = forms.get("clock_stop_form") or ClockStopForm()
        context["clock_resume_form"] = forms.get("clock_resume_form") or ClockResumeForm()
        context["new_facts_form"] = forms.get("new_facts_form") or NewFactsForm()
        context["decline_form"] = forms.get("decline_form") or DeclineForm()
    if abilities["can_designate"]:
        context["designate_form"] = forms.get("designate_form") or DesignateMajorForm()
    return context


detail_page = ObjectPage(
    get_object=selectors.get_complaint_for_user,
    context=_detail_context,
    template="complaints/detail.html",
    url_name="complaints:detail",
)


@require_GET
@login_required
def detail(request, pk: int):
    complaint = selectors.get_complaint_for_user(request.user, pk)
    return render(request, "complaints/detail.html", _detail_context(request, complaint))


@require_POST
@login_required
def reveal(request, pk: int):
    """查看: the clear value of one personal-data field, shown once on this response, with the reason audited."""
    complaint = selectors.get_complaint_for_user(request.user, pk)
    form = RevealForm(request.POST)
    if not form.is_valid():
        # not a field the page offers: no form to put the message on
        error = _("该信息不能查看。") if "field" in form.errors else None
        return detail_page.render(request, pk, status=400, error=error, forms={"reveal_form": form})
    try:
        value = services.complaint_reveal(
            complaint=complaint,
            actor=request.user,
            field=form.cleaned_data["field"],
            reason=form.cleaned_data["reason"],
            ip_address=request.META.get("REMOTE_ADDR"),
        )
    except BusinessRuleError as refusal:
        forbid(refusal)
        put_on_form(form, refusal)
        return detail_page.render(request, pk, status=refusal.status_code, forms={"reveal_form": form})
    context = _detail_context(request, complaint, revealed={form.cleaned_data["field"]: value})
    response = render(request, "complaints/detail.html", context)
    # the clear value is on this one response: no cache may keep it
    response["Cache-Control"] = "no-store"
    return response


@detail_page.action(VersionForm, notice=gettext_lazy("已受理投诉。"), strict=False)
def accept(request, complaint, data):
    services.complaint_accept(complaint=complaint, actor=request.user, expected_version=data["version"])


def _assign_form(request, complaint: Complaint) -> AssignForm:
    units = core_selectors.org_units_visible_to(request.user, action="change").filter(is_active=True)
    return AssignForm(request.POST, units=units, handlers=_handlers(request.user, complaint))


@detail_page.action(_assign_form, "assign_form", notice=gettext_lazy("已分派处理。"))
def assign(request, complaint, data):
    services.complaint_assign(
        complaint=complaint,
        actor=request.user,
        org_unit=data["org_unit"],
        handler=data["handler"],
        expected_version=data.get("version"),
    )


@detail_page.action(ClassifyForm, "classify_form", notice=gettext_lazy("已分类。"))
def classify(request, complaint, data):
    services.complaint_classify(
        complaint=complaint,
        actor=request.user,
        business_category=data["business_category"],
        cause_category=data["cause_category"],
        demand_category=data["demand_category"],
    )


@detail_page.action(
    lambda request, complaint: ExtendForm(request.POST, approvers=_approvers(complaint)),
    "extend_form",
    notice=gettext_lazy("已延长处理期限，请按所选方式告知投诉人。"),
)
def extend(request, complaint, data):
    services.complaint_extend(
        complaint=complaint,
        actor=request.user,
        level=data["level"],
        reason=data["reason"],
        approver=data["approver"],
        notice_method=data["notice_method"],
    )


@detail_page.action(DecideForm, "decide_form", notice=gettext_lazy("处理决定已告知投诉人。"))
def decide(request, complaint, data):
    services.complaint_decide(
        complaint=complaint,
        actor=request.user,
        decision=data["decision"],
        reply_method=data["reply_method"],
        remedies_told=data["remedies_told"],
        expected_version=data.get("version"),
    )


@detail_page.action(ResponseForm, "response_form", notice=gettext_lazy("已记录投诉人意见。"))
def respond(request, complaint, data):
    services.complaint_record_response(
        complaint=complaint,
        actor=request.user,
        satisfied=data["satisfied"],
        reexamine=data["reexamine"],
        note=data["note"],
        received_at=(data.get("received_at") or timezone.now()) if data["reexamine"] else None,
    )


@detail_page.action(ReexamineForm, "reexamine_form", notice=gettext_lazy("已记录核查结论。"))
def reexamine(request, complaint, data):
    services.complaint_reexamine(
        complaint=complaint, actor=request.user, conclusion=data["conclusion"], upheld=data["upheld"]
    )


@detail_page.action(RevisitForm, "revisit_form", notice=gettext_lazy("已记录回访情况。"))
def revisit(request, complaint, data):
    services.complaint_revisit(complaint=complaint, actor=request.user, result=data["result"])


@detail_page.action(CloseForm, "close_form", notice=gettext_lazy("投诉已办结。"))
def close(request, complaint, data):
    services.complaint_close(
        complaint=complaint,
        actor=request.user,
        root_cause=data["root_cause"],
        root_cause_note=data["root_cause_note"],
    )


@detail_page.action(WithdrawForm, "withdraw_form", notice=gettext_lazy("投诉人已撤回投诉，处理终止。"))
def withdraw(request, complaint, data):
    services.complaint_withdraw(
        complaint=complaint, actor=request.user, reason=data["reason"], received_at=data.get("received_at")
    )


@require_GET
@login_required
def download(request, pk: int, attachment_pk: int):
    return serve_attachment(selectors.get_attachment_for_user(request.user, pk, attachment_pk))
