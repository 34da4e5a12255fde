"""Complaint pages: the list (to do / all / overdue), 登记投诉, and the detail page with the actions the
current step allows, the statutory clock and its extensions, and the reveal of personal data.

Thin (DESIGN.md): reads are `complaints.selectors` calls scoped to the user (outside scope is 404),
writes are `complaints.services` calls; a refusal is a message on the page (400/409; 403 for "you may
not"), never a 500 and never a partial write. Personal data is shown masked (PIPL); the clear value
only comes back from `complaint_reveal`, which asks for a reason and audits the look.
"""

from __future__ import annotations

import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xiaobao.complaints import selectors, services
from xiaobao.complaints.forms import (
    REVEALABLE,
    AssignForm,
    ClassifyForm,
    CloseForm,
    DecideForm,
    ExtendForm,
    ListFilterForm,
    ReexamineForm,
    RegisterForm,
    ResponseForm,
    RevealForm,
    RevisitForm,
    VersionForm,
    WithdrawForm,
)
from xiaobao.complaints.models import Complaint, Extension
from xiaobao.core import directory
from xiaobao.core import selectors as core_selectors
from xiaobao.core.api_errors import BusinessRuleError
from xiaobao.core.masking import mask_field_value, mask_id_number, mask_name, mask_phone, mask_text
from xiaobao.core.models import User
from xiaobao.core.scope import scope_for
from xiaobao.core.views import serve_attachment
from xiaobao.workflow import selectors as workflow_selectors
from xiaobao.workflow.messages import put_on_form, refusal_message

PAGE_SIZE = 50
ADD_PERMISSION = "complaints.add_complaint"
CHANGE_PERMISSION = "complaints.change_complaint"
BOXES = [
    ("todo", gettext_lazy("待我处理")),
    ("all", gettext_lazy("全部")),
    ("overdue", gettext_lazy("已逾期")),
]
MASKS = {
    "complainant_name": mask_name,
    "consumer_name": mask_name,
    "complainant_id_number": mask_id_number,
    "complainant_phone": mask_phone,
}


def masked(field: str, value: str) -> str:
    """A personal-data value as every page shows it until revealed."""
    return MASKS.get(field, lambda v: mask_field_value(field, v))(value) if value else ""


# --- list ------------------------------------------------------------------------------------------


def _filters(request) -> dict:
    form = ListFilterForm(request.GET)
    filters = form.cleaned_data if form.is_valid() else {}
    return {k: v for k, v in filters.items() if v not in (None, "", False)}


def _query(filters: dict) -> str:
    """The filters as a query string, box always named: the pager keeps what the page shows."""
    return urlencode({k: ("1" if v is True else v) for k, v in filters.items()})


def clock(complaint: Complaint, now) -> dict:
    """The statutory clock (Art. 20) as the pages show it: running with days left, overdue by days, or
    stopped — then whether the decision was told in time."""
    count = selectors.countdown(complaint, now=now)
    if count["running"]:
        if count["overdue"]:
            return {"state": "overdue", "days": max(-count["days_left"], 0)}
        return {"state": "running", "days": count["days_left"]}
    if complaint.decided_at:
        return {"state": "decided", "on_time": complaint.decided_at <= complaint.due_at}
    return {"state": "stopped"}


def _toolbar(user) -> list[tuple]:
    """The sibling pages of this app the list links to (statistics, import), as far as they are built."""
    links = [("overview", gettext_lazy("投诉概览")), ("statistics", gettext_lazy("投诉统计"))]
    if user.has_perm(ADD_PERMISSION):
        links.append(("import", gettext_lazy("批量导入")))
    found = []
    for name, label in links:
        try:
            found.append((name, label, reverse(f"complaints:{name}")))
        except NoReverseMatch:
            continue
    return found


@require_GET
@login_required
def complaint_list(request):
    """投诉列表: to do / all / overdue, filterable; the complainant is masked, the statutory clock counts down."""
    filters = _filters(request)
    filters.setdefault("box", "todo")
    box = filters["box"]
    now = timezone.now()
    query = dict(filters)
    if box == "overdue":
        query.update(box="all", overdue=True)
    rows = selectors.complaints_visible_to(request.user, {**query, "now": now})
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "complaints/list.html",
        {
            "page": page,
            "rows": [
                {
                    "complaint": complaint,
                    "complainant": masked("complainant_name", complaint.complainant_name),
                    "subject": mask_text(complaint.subject),
                    "clock": clock(complaint, now),
                }
                for complaint in page.object_list
            ],
            "filters": filters,
            "box": box,
            "boxes": BOXES,
            "query": _query(filters),
            "statuses": Complaint.Status.choices,
            "channels": Complaint.Channel.choices,
            "units": core_selectors.org_units_visible_to(request.user).filter(is_active=True).order_by("path"),
            "can_register": request.user.has_perm(ADD_PERMISSION),
            "toolbar": _toolbar(request.user),
            "now": now,
        },
    )


# --- register --------------------------------------------------------------------------------------


def _register_choices(user):
    units = core_selectors.org_units_visible_to(user, action="add").filter(is_active=True).order_by("path")
    staff = core_selectors.users_visible_to(user).filter(is_active=True)
    return units, staff


@require_http_methods(["GET", "POST"])
@login_required
def register(request):
    """登记投诉: an agent (or the branch) records what came in; the statutory clock starts at receipt."""
    if not request.user.has_perm(ADD_PERMISSION):
        raise PermissionDenied(_("您没有登记投诉的权限。"))
    started = timezone.now()
    units, staff = _register_choices(request.user)
    posted = request.method == "POST"
    initial = {
        "received_at": timezone.localtime().replace(second=0, microsecond=0),
        "token": secrets.token_urlsafe(24),
        "org_unit": request.user.org_unit_id,
    }
    form = RegisterForm(
        request.POST if posted else None,
        request.FILES if posted else None,
        units=units,
        staff=staff,
        initial=None if posted else initial,
    )
    status = 200
    if posted:
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                complaint = services.complaint_register(
                    actor=request.user,
                    channel=data["channel"],
                    received_at=data["received_at"],
                    complainant_name=data["complainant_name"],
                    complainant_id_number=data["complainant_id_number"],
                    complainant_phone=data["complainant_phone"],
                    complainant_address=data["complainant_address"],
                    relation=data["relation"],
                    consumer_name=data["consumer_name"],
                    complainant_count=data["complainant_count"],
                    policy_number=data["policy_number"],
                    product_name=data["product_name"],
                    subject=data["subject"],
                    content=data["content"],
                    demand_text=data["demand_text"],
                    amount=data["amount"],
                    media_attention=data["media_attention"],
                    org_unit=data["org_unit"],
                    respondent_staff=data["respondent_staff"],
                    respondent_text=data["respondent_text"],
                    business_category=data["business_category"],
                    cause_category=data["cause_category"],
                    demand_category=data["demand_category"],
                    external_ref=data["external_ref"],
                    # the token is per form and per person: one person's resubmission, never another's form
                    idempotency_key=f"page:{request.user.pk}:{data['token']}" if data["token"] else None,
                    files=data["files"],
                )
            except BusinessRuleError as refusal:
                put_on_form(form, refusal)
                status = refusal.status_code
            else:
                if complaint.registered_at < started:  # the same form sent again: nothing new was written
                    messages.info(request, _("该表单已提交过，未重复登记：%(number)s") % {"number": complaint.number})
                else:
                    messages.success(request, _("投诉已登记：%(number)s") % {"number": complaint.number})
                return redirect(complaint)
    return render(request, "complaints/register.html", {"form": form}, status=status)


# --- detail ----------------------------------------------------------------------------------------


def _may_write(user, complaint: Complaint) -> bool:
    """Whether the user works on this complaint's unit at all (the services decide each action again)."""
    if not user.has_perm(CHANGE_PERMISSION):
        return False
    return scope_for(user, "change").covers(complaint.org_unit.path)


def _abilities(user, complaint: Complaint, task) -> dict:
    """What the page offers; the services decide again on POST, so this only hides useless buttons."""
    step = task.element_id if task else ""
    may = bool(task) and workflow_selectors.may_act(user, task)
    write = complaint.is_open and _may_write(user, complaint)
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
    """Who may approve an extension (Art. 20): the officers over the complaint's unit (its own unit and the
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
    """The timeline, its comments masked: a note typed at a step may carry a phone or ID number."""
    steps = list(selectors.timeline(user, complaint).select_related("actor"))
    for step in steps:
        step.comment = mask_text(step.comment)
    return steps


MAJOR_REASONS = {
    "complainants": gettext_lazy("投诉人数达到群体性投诉标准"),
    "media_attention": gettext_lazy("媒体关注"),
    "amount": gettext_lazy("涉及金额达到重大投诉标准"),
}


def _detail_context(request, complaint: Complaint, *, revealed: dict | None = None, **forms) -> dict:
    now = timezone.now()
    task = selectors.open_task(complaint)
    abilities = _abilities(request.user, complaint, task)
    context = {
        "complaint": complaint,
        "now": now,
        "clock": clock(complaint, now),
        "personal": _personal(complaint, revealed or {}),
        "subject": mask_text(complaint.subject),
        "content": mask_text(complaint.content),
        "demand": mask_text(complaint.demand_text),
        "extensions": list(selectors.extensions(complaint)),
        "files": list(selectors.attachments(complaint)),
        "major_reasons": [MAJOR_REASONS.get(code, code) for code in complaint.major_reasons or []],
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
    return context


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
        context = _detail_context(request, complaint, reveal_form=form)
        if "field" in form.errors:  # not a field the page offers: no form to put the message on
            context["error"] = _("该信息不能查看。")
        return render(request, "complaints/detail.html", context, status=400)
    try:
        value = services.complaint_reveal(
            complaint=complaint,
            actor=request.user,
            field=form.cleaned_data["field"],
            reason=form.cleaned_data["reason"],
            ip_address=request.META.get("REMOTE_ADDR"),
        )
    except BusinessRuleError as refusal:
        if refusal.status_code == 403:
            raise PermissionDenied(refusal_message(refusal)) from refusal
        put_on_form(form, refusal)
        return render(
            request,
            "complaints/detail.html",
            _detail_context(request, complaint, reveal_form=form),
            status=refusal.status_code,
        )
    context = _detail_context(request, complaint, revealed={form.cleaned_data["field"]: value})
    response = render(request, "complaints/detail.html", context)
    # the clear value is on this one response: no cache may keep it
    response["Cache-Control"] = "no-store"
    return response


def _refused(request, pk: int, refusal: BusinessRuleError, *, form_name: str = "", form=None):
    """Re-render the detail page with the refusal: on the form's fields if it names them, else at the top."""
    if refusal.status_code == 403:
        raise PermissionDenied(refusal_message(refusal)) from refusal
    complaint = selectors.get_complaint_for_user(request.user, pk)
    placed = put_on_form(form, refusal, fallback=False) if form is not None else False
    context = _detail_context(request, complaint, **({form_name: form} if form is not None else {}))
    # The complaint may have moved on (another tab, another person): the form may be gone, the message must not be.
    context["error"] = None if placed else refusal_message(refusal)
    return render(request, "complaints/detail.html", context, status=refusal.status_code)


def _act(request, pk: int, action, *, notice: str, form_name: str = "", form=None):
    """Run a service; a refusal re-renders the page with the message (400/409), "may not" is a 403."""
    complaint = selectors.get_complaint_for_user(request.user, pk)
    try:
        action(complaint)
    except BusinessRuleError as refusal:  # WorkflowError is one
        return _refused(request, pk, refusal, form_name=form_name, form=form)
    messages.success(request, notice)
    return redirect("complaints:detail", pk=pk)


def _invalid(request, pk: int, form_name: str, form):
    complaint = selectors.get_complaint_for_user(request.user, pk)
    context = _detail_context(request, complaint, **{form_name: form})
    return render(request, "complaints/detail.html", context, status=400)


def _version(form) -> int | None:
    return form.cleaned_data.get("version") if form.is_valid() else None


@require_POST
@login_required
def accept(request, pk: int):
    form = VersionForm(request.POST)
    return _act(
        request,
        pk,
        lambda c: services.complaint_accept(complaint=c, actor=request.user, expected_version=_version(form)),
        notice=_("已受理投诉。"),
    )


@require_POST
@login_required
def assign(request, pk: int):
    complaint = selectors.get_complaint_for_user(request.user, pk)
    units = core_selectors.org_units_visible_to(request.user, action="change").filter(is_active=True)
    form = AssignForm(request.POST, units=units, handlers=_handlers(request.user, complaint))
    if not form.is_valid():
        return _invalid(request, pk, "assign_form", form)
    data = form.cleaned_data
    return _act(
        request,
        pk,
        lambda c: services.complaint_assign(
            complaint=c,
            actor=request.user,
            org_unit=data["org_unit"],
            handler=data["handler"],
            expected_version=data.get("version"),
        ),
        notice=_("已分派处理。"),
        form_name="assign_form",
        form=form,
    )


@require_POST
@login_required
def classify(request, pk: int):
    form = ClassifyForm(request.POST)
    if not form.is_valid():
        return _invalid(request, pk, "classify_form", form)
    data = form.cleaned_data
    return _act(
        request,
        pk,
        lambda c: services.complaint_classify(
            complaint=c,
            actor=request.user,
            business_category=data["business_category"],
            cause_category=data["cause_category"],
            demand_category=data["demand_category"],
        ),
        notice=_("已分类。"),
        form_name="classify_form",
        form=form,
    )


@require_POST
@login_required
def extend(request, pk: int):
    complaint = selectors.get_complaint_for_user(request.user, pk)
    form = ExtendForm(request.POST, approvers=_approvers(complaint))
    if not form.is_valid():
        return _invalid(request, pk, "extend_form", form)
    data = form.cleaned_data
    return _act(
        request,
        pk,
        lambda c: services.complaint_extend(
            complaint=c,
            actor=request.user,
            level=data["level"],
            reason=data["reason"],
            approver=data["approver"],
            notice_method=data["notice_method"],
        ),
        notice=_("已延长处理期限，请按所选方式告知投诉人。"),
        form_name="extend_form",
        form=form,
    )


@require_POST
@login_required
def decide(request, pk: int):
    form = DecideForm(request.POST)
    if not form.is_valid():
        return _invalid(request, pk, "decide_form", form)
    data = form.cleaned_data
    return _act(
        request,
        pk,
        lambda c: services.complaint_decide(
            complaint=c,
            actor=request.user,
            decision=data["decision"],
            reply_method=data["reply_method"],
            remedies_told=data["remedies_told"],
            expected_version=data.get("version"),
        ),
        notice=_("处理决定已告知投诉人。"),
        form_name="decide_form",
        form=form,
    )


@require_POST
@login_required
def respond(request, pk: int):
    form = ResponseForm(request.POST)
    if not form.is_valid():
        return _invalid(request, pk, "response_form", form)
    data = form.cleaned_data
    return _act(
        request,
        pk,
        lambda c: services.complaint_record_response(
            complaint=c, actor=request.user, satisfied=data["satisfied"], reexamine=data["reexamine"], note=data["note"]
        ),
        notice=_("已记录投诉人意见。"),
        form_name="response_form",
        form=form,
    )


@require_POST
@login_required
def reexamine(request, pk: int):
    form = ReexamineForm(request.POST)
    if not form.is_valid():
        return _invalid(request, pk, "reexamine_form", form)
    data = form.cleaned_data
    return _act(
        request,
        pk,
        lambda c: services.complaint_reexamine(
            complaint=c, actor=request.user, conclusion=data["conclusion"], upheld=data["upheld"]
        ),
        notice=_("已记录核查结论。"),
        form_name="reexamine_form",
        form=form,
    )


@require_POST
@login_required
def revisit(request, pk: int):
    form = RevisitForm(request.POST)
    if not form.is_valid():
        return _invalid(request, pk, "revisit_form", form)
    return _act(
        request,
        pk,
        lambda c: services.complaint_revisit(complaint=c, actor=request.user, result=form.cleaned_data["result"]),
        notice=_("已记录回访情况。"),
        form_name="revisit_form",
        form=form,
    )


@require_POST
@login_required
def close(request, pk: int):
    form = CloseForm(request.POST)
    if not form.is_valid():
        return _invalid(request, pk, "close_form", form)
    data = form.cleaned_data
    return _act(
        request,
        pk,
        lambda c: services.complaint_close(
            complaint=c, actor=request.user, root_cause=data["root_cause"], root_cause_note=data["root_cause_note"]
        ),
        notice=_("投诉已办结。"),
        form_name="close_form",
        form=form,
    )


@require_POST
@login_required
def withdraw(request, pk: int):
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        return _invalid(request, pk, "withdraw_form", form)
    return _act(
        request,
        pk,
        lambda c: services.complaint_withdraw(complaint=c, actor=request.user, reason=form.cleaned_data["reason"]),
        notice=_("投诉人已撤回投诉，处理终止。"),
        form_name="withdraw_form",
        form=form,
    )


@require_GET
@login_required
def download(request, pk: int, attachment_pk: int):
    return serve_attachment(selectors.get_attachment_for_user(request.user, pk, attachment_pk))
