"""Review pages (消保审查): my reviews, file a review (form chosen by type), the reviewer's workspace
(checklist beside the attachment, opinions), the detail with the opinion/response table and the
objection record, every action of the loop, the objections before the committee, and the files.

Thin (DESIGN.md): reads are `reviews.selectors` calls scoped to the user (outside scope is 404),
writes are `reviews.services` calls; a refusal is a message on the page (403 for "you may not",
as in the API), never a 500 and never a partial write.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xiaobao.core.api_errors import BusinessRuleError
from xiaobao.core.views import serve_attachment
from xiaobao.reviews import selectors, services
from xiaobao.reviews.api_outputs import (
    PREVIEW_KINDS,
    actions_for,
    attachment_for_user,
    current_version,
    files_by_purpose,
    form_types,
    may_submit,
    reviewers_for,
    verification_orders,
)
from xiaobao.reviews.forms import (
    AssignForm,
    ChecklistForm,
    CommitteeForm,
    IssueForm,
    ListFilterForm,
    OpinionForm,
    ReasonForm,
    RereviewForm,
    RespondForm,
    ResubmitForm,
    SubmitForm,
)
from xiaobao.reviews.models import ConsumerRight, Objection, Opinion, Review
from xiaobao.workflow import selectors as workflow_selectors
from xiaobao.workflow.messages import put_on_form, refusal_message

PAGE_SIZE = 50
BOXES = [
    ("todo", gettext_lazy("待我处理")),
    ("mine", gettext_lazy("我提交的")),
    ("reviewing", gettext_lazy("我审查的")),
    ("all", gettext_lazy("全部")),
]


def _filters(request) -> dict:
    form = ListFilterForm(request.GET)
    filters = form.cleaned_data if form.is_valid() else {}
    return {k: v for k, v in filters.items() if v not in (None, "", False)}


def _selector_filters(user, filters: dict) -> dict:
    """The page's tabs as the selector's filters: 我提交的 is what I filed, 我审查的 what is assigned to me."""
    given = dict(filters)
    if given.get("box") == "mine":
        given["box"] = "all"
    elif given.get("box") == "reviewing":
        given["box"] = "all"
        given["reviewer"] = user.pk
    return given


def _listed(user, filters: dict):
    rows = selectors.reviews_visible_to(user, _selector_filters(user, filters))
    if filters.get("box") == "mine":
        rows = rows.filter(submitter=user)  # narrower than the selector's "mine", which holds what I review too
    return rows


@require_GET
@login_required
def review_list(request):
    """我的审查: to do / filed by me / reviewed by me / all, searchable by product, department, status, type."""
    filters = _filters(request)
    filters.setdefault("box", "todo")
    rows = _listed(request.user, filters)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "reviews/list.html",
        {
            "page": page,
            "rows": page.object_list,
            "filters": filters,
            "box": filters["box"],
            "boxes": BOXES,
            "query": urlencode(filters),
            "statuses": Review.Status.choices,
            "form_types": list(form_types()),
            "can_submit": may_submit(request.user),
            "now": timezone.now(),
        },
    )


@require_GET
@login_required
def choose_type(request):
    """提交审查, step one: the form types (the eight, and any an admin added), each with what it covers."""
    if not may_submit(request.user):
        raise PermissionDenied(_("您没有提交消保审查的权限。"))
    return render(request, "reviews/choose_type.html", {"form_types": form_types()})


@require_http_methods(["GET", "POST"])
@login_required
def submit(request, code: str):
    """提交审查, step two: the chosen type's current form, with the material attached."""
    if not may_submit(request.user):
        raise PermissionDenied(_("您没有提交消保审查的权限。"))
    version = current_version(code)
    if version is None:
        raise Http404
    posted = request.method == "POST"
    form = SubmitForm(
        request.POST if posted else None, request.FILES if posted else None, version_fields=version.fields
    )
    status = 200
    if posted:
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                review = services.review_submit(
                    actor=request.user,
                    form_type=version.form_type,
                    title=data["title"],
                    product_name=data["product_name"],
                    planned_launch=data["planned_launch"],
                    data=form.form_data(),
                    files=data["files"],
                    urgency=data["urgency"],
                )
            except BusinessRuleError as refusal:
                if refusal.status_code == 403:
                    raise PermissionDenied(refusal_message(refusal)) from refusal
                _form_errors(form, refusal)
                status = refusal.status_code
            else:
                messages.success(request, _("审查申请已提交：%(number)s") % {"number": review.number})
                return redirect(review)
    return render(request, "reviews/submit.html", {"form": form, "version": version}, status=status)


def _field_name(field: str) -> list[str]:
    """The page field(s) a service's field name may be: form data `<id>` is `data_<id>`, a checklist item
    `<id>` is `result_<id>`, an answer `responses.<pk>` is `response_<pk>`."""
    if field.startswith("responses."):
        return [f"response_{field.split('.', 1)[1]}"]
    return [field, f"data_{field}", f"result_{field}"]


def _form_errors(form, refusal: BusinessRuleError, *, fallback: bool = True) -> bool:
    return put_on_form(form, refusal, fallback=fallback, field_names=_field_name)


# --- detail and workspace -------------------------------------------------------------------------


def _checklist_groups(review: Review, form=None) -> list[dict]:
    """The review's own checklist (its form version's), grouped by the consumer right each item protects,
    each item with its saved result and, given the form, its result and note fields."""
    labels = dict(ConsumerRight.choices)
    results = review.checklist_results or {}
    groups: dict[str, dict] = {}
    for item in review.form_version.checklist or []:
        if not item.get("id"):
            continue
        right = item.get("right", "")
        group = groups.setdefault(right, {"right": right, "label": labels.get(right, _("其他")), "items": []})
        row = {**item, "saved": results.get(item["id"]) or {}}
        if form is not None and f"result_{item['id']}" in form.fields:
            row["result_field"], row["note_field"] = form[f"result_{item['id']}"], form[f"note_{item['id']}"]
        group["items"].append(row)
    return list(groups.values())


def _checked(review: Review) -> int:
    results = review.checklist_results or {}
    return sum(1 for item in review.form_version.checklist or [] if (results.get(item.get("id")) or {}).get("result"))


def _data_rows(review: Review) -> list[tuple[str, object]]:
    """The form data under its labels, in the version's order."""
    data = review.data or {}
    rows, seen = [], set()
    for spec in review.form_version.fields or []:
        if spec.get("id") in data:
            rows.append((spec.get("label") or spec["id"], data[spec["id"]]))
            seen.add(spec["id"])
    return rows + [(key, value) for key, value in data.items() if key not in seen]


def _opinion_initial(opinion: Opinion) -> dict:
    names = ("kind", "location", "risk", "suggestion", "right", "checklist_item", "requires_change")
    return {name: getattr(opinion, name) for name in names}


def _detail_context(request, review: Review, **forms) -> dict:
    user = request.user
    task = selectors.open_task(review)
    can = set(actions_for(user, review, task))
    opinions = list(selectors.opinions(review))
    material, evidence = files_by_purpose(review)
    orders = verification_orders(user, opinions)
    checklist = review.form_version.checklist or []
    objections = [o.objection for o in opinions if getattr(o, "objection", None)]
    edit_opinion, objection_pk = forms.get("edit_opinion"), forms.get("objection")
    context = {
        "review": review,
        "now": timezone.now(),
        "task": task,
        "step_version": task.version if task else "",
        "can": dict.fromkeys(can, True),
        "has_actions": bool(can - {"checklist", "opinions"}),
        "opinions": opinions,
        "opinion_rows": [(o, orders.get(o.verification_order_id)) for o in opinions],
        "objections": objections,
        "material": material,
        "evidence": evidence,
        "preview": next((f for f in material if f.kind in PREVIEW_KINDS), None),
        "data_rows": _data_rows(review),
        "checked": _checked(review),
        "history": workflow_selectors.timeline_for_object(user, review).select_related("actor"),
        "instances": list(workflow_selectors.instances_for_object(user, review)),
        "assign_form": forms.get("assign_form")
        or AssignForm(
            reviewers=reviewers_for(user) if "assign" in can else None,
            initial={"urgency": review.urgency, "due_days": review.due_days or 5},
        ),
        "return_form": forms.get("return_form") or ReasonForm(auto_id="return_%s"),
        "withdraw_form": forms.get("withdraw_form") or ReasonForm(auto_id="withdraw_%s"),
        "resubmit_form": forms.get("resubmit_form")
        or ResubmitForm(version_fields=review.form_version.fields, initial_data=review.data),
        "checklist_form": forms.get("checklist_form")
        or ChecklistForm(checklist=checklist, results=review.checklist_results),
        "opinion_form": forms.get("opinion_form") or OpinionForm(checklist=checklist),
        "issue_form": forms.get("issue_form") or IssueForm(initial={"conclusion": review.conclusion}),
        "respond_form": forms.get("respond_form") or RespondForm(opinions=opinions),
    }
    context["checklist_groups"] = _checklist_groups(review, context["checklist_form"])
    context["edit_rows"] = [
        (
            opinion,
            forms["edit_form"]
            if edit_opinion == opinion.pk
            else OpinionForm(checklist=checklist, auto_id=f"op{opinion.pk}_%s", initial=_opinion_initial(opinion)),
        )
        for opinion in opinions
    ]
    context["objection_rows"] = [
        (
            objection,
            forms["rereview_form"]
            if objection_pk == objection.pk and "rereview_form" in forms
            else RereviewForm(auto_id=f"rr{objection.pk}_%s"),
            forms["committee_form"]
            if objection_pk == objection.pk and "committee_form" in forms
            else CommitteeForm(auto_id=f"cm{objection.pk}_%s"),
        )
        for objection in objections
    ]
    return context


def _template(request, can: dict) -> str:
    """The assigned reviewer lands on the workspace while reviewing; `?view=` picks either page."""
    wanted = request.GET.get("view")
    if wanted == "workspace" or (wanted != "detail" and can.get("checklist")):
        return "reviews/workspace.html"
    return "reviews/detail.html"


@require_GET
@login_required
def detail(request, pk: int):
    review = selectors.get_review_for_user(request.user, pk)
    context = _detail_context(request, review)
    return render(request, _template(request, context["can"]), context)


def _render_refusal(request, pk: int, *, error: str | None, status: int, forms: dict):
    review = selectors.get_review_for_user(request.user, pk)
    context = _detail_context(request, review, **forms)
    context["error"] = error
    return render(request, _template(request, context["can"]), context, status=status)


def _refused(request, pk: int, refusal: BusinessRuleError, *, form_name: str = "", form=None, extra=None):
    """Re-render the page with the refusal: on the form's fields if it names them, else at the top."""
    if refusal.status_code == 403:
        raise PermissionDenied(refusal_message(refusal)) from refusal
    placed = _form_errors(form, refusal, fallback=False) if form is not None else False
    forms = {**({form_name: form} if form is not None else {}), **(extra or {})}
    # The review may have moved on (another tab, another person): the form may be gone, the message must not be.
    return _render_refusal(
        request, pk, error=None if placed else refusal_message(refusal), status=refusal.status_code, forms=forms
    )


def _act(request, pk: int, action, *, notice: str, form_name: str = "", form=None, anchor: str = "", extra=None):
    """Run a service; a refusal re-renders the page with the message (400/409), "may not" is a 403."""
    review = selectors.get_review_for_user(request.user, pk)
    try:
        action(review)
    except BusinessRuleError as refusal:  # WorkflowError is one
        return _refused(request, pk, refusal, form_name=form_name, form=form, extra=extra)
    messages.success(request, notice)
    return redirect(reverse("reviews:detail", args=[pk]) + (f"#{anchor}" if anchor else ""))


def _invalid(request, pk: int, form_name: str, form, extra=None):
    return _render_refusal(request, pk, error=None, status=400, forms={form_name: form, **(extra or {})})


@require_POST
@login_required
def assign(request, pk: int):
    selectors.get_review_for_user(request.user, pk)
    form = AssignForm(request.POST, reviewers=reviewers_for(request.user))
    if not form.is_valid():
        return _invalid(request, pk, "assign_form", form)
    data = form.cleaned_data
    return _act(
        request,
        pk,
        lambda review: services.review_assign(
            review=review,
            actor=request.user,
            reviewer=data["reviewer"],
            urgency=data["urgency"],
            due_days=data["due_days"],
            expected_version=data.get("version"),
        ),
        notice=_("已分派审查员。"),
        form_name="assign_form",
        form=form,
    )


@require_POST
@login_required
def return_review(request, pk: int):
    form = ReasonForm(request.POST, auto_id="return_%s")
    form.is_valid()
    return _act(
        request,
        pk,
        lambda review: services.review_return(
            review=review, actor=request.user, reason=form.cleaned_data.get("reason", "")
        ),
        notice=_("已退回补充材料。"),
        form_name="return_form",
        form=form,
    )


@require_POST
@login_required
def resubmit(request, pk: int):
    review = selectors.get_review_for_user(request.user, pk)
    form = ResubmitForm(request.POST, request.FILES, version_fields=review.form_version.fields)
    if not form.is_valid():
        return _invalid(request, pk, "resubmit_form", form)
    return _act(
        request,
        pk,
        lambda review: services.review_resubmit(
            review=review, actor=request.user, data=form.form_data(), files=form.cleaned_data["files"]
        ),
        notice=_("已补充材料并重新提交。"),
        form_name="resubmit_form",
        form=form,
    )


@require_POST
@login_required
def withdraw(request, pk: int):
    form = ReasonForm(request.POST, auto_id="withdraw_%s")
    form.is_valid()
    return _act(
        request,
        pk,
        lambda review: services.review_withdraw(
            review=review, actor=request.user, reason=form.cleaned_data.get("reason", "")
        ),
        notice=_("审查申请已撤回。"),
        form_name="withdraw_form",
        form=form,
    )


@require_POST
@login_required
def refresh_verification(request, pk: int):
    """Look at the verification work orders now (the periodic sweep does the same): closes a verified review."""
    review = selectors.get_review_for_user(request.user, pk)
    if "refresh" not in actions_for(request.user, review, None):
        raise PermissionDenied(_("您不能办理这一步。"))
    review = services.review_refresh_verification(review=review)
    if review.status == Review.Status.CLOSED:
        messages.success(request, _("整改已全部验证，审查已办结。"))
    else:
        messages.info(request, _("仍有整改验证工单未办结。"))
    return redirect("reviews:detail", pk=pk)


@require_POST
@login_required
def checklist(request, pk: int):
    """Save the checklist draft. htmx: the refreshed checklist panel; otherwise back to the workspace."""
    review = selectors.get_review_for_user(request.user, pk)
    items = review.form_version.checklist or []
    form = ChecklistForm(request.POST, checklist=items)
    notice, error, status = "", "", 400
    if form.is_valid():
        try:
            services.review_record_checklist(review=review, actor=request.user, results=form.results())
        except BusinessRuleError as refusal:
            if refusal.status_code == 403:
                raise PermissionDenied(refusal_message(refusal)) from refusal
            error = "" if _form_errors(form, refusal, fallback=False) else refusal_message(refusal)
            status = refusal.status_code
        else:
            notice, status = _("审查要点已保存。"), 200
    if not request.htmx:
        if status == 200:
            messages.success(request, notice)
            return redirect(reverse("reviews:detail", args=[pk]) + "#checklist")
        return _render_refusal(request, pk, error=error or None, status=status, forms={"checklist_form": form})
    review = selectors.get_review_for_user(request.user, pk)
    form = form if status != 200 else ChecklistForm(checklist=items, results=review.checklist_results)
    context = {
        "review": review,
        "can": dict.fromkeys(actions_for(request.user, review, selectors.open_task(review)), True),
        "checklist_form": form,
        "checklist_groups": _checklist_groups(review, form),
        "checked": _checked(review),
        "checklist_notice": notice,
        "checklist_error": error,
    }
    return render(request, "reviews/_checklist.html", context, status=status)


def _opinion_kwargs(data: dict) -> dict:
    return {
        "kind": data["kind"],
        "location": data["location"],
        "risk": data["risk"],
        "suggestion": data["suggestion"],
        "right": data.get("right") or "",
        "checklist_item": data.get("checklist_item") or "",
        "requires_change": bool(data.get("requires_change")),
    }


@require_POST
@login_required
def opinion_add(request, pk: int):
    review = selectors.get_review_for_user(request.user, pk)
    form = OpinionForm(request.POST, checklist=review.form_version.checklist)
    if not form.is_valid():
        return _invalid(request, pk, "opinion_form", form)
    return _act(
        request,
        pk,
        lambda review: services.opinion_add(review=review, actor=request.user, **_opinion_kwargs(form.cleaned_data)),
        notice=_("已添加审查意见。"),
        form_name="opinion_form",
        form=form,
        anchor="opinions",
    )


def _opinion(user, pk: int, opinion_pk: int) -> Opinion:
    review = selectors.get_review_for_user(user, pk)
    found = selectors.opinions(review).filter(pk=opinion_pk).first()
    if found is None:
        raise Http404
    return found


@require_POST
@login_required
def opinion_update(request, pk: int, opinion_pk: int):
    opinion = _opinion(request.user, pk, opinion_pk)
    form = OpinionForm(request.POST, checklist=opinion.review.form_version.checklist, auto_id=f"op{opinion.pk}_%s")
    extra = {"edit_opinion": opinion.pk}
    if not form.is_valid():
        return _invalid(request, pk, "edit_form", form, extra=extra)
    return _act(
        request,
        pk,
        lambda review: services.opinion_update(
            opinion=opinion, actor=request.user, **_opinion_kwargs(form.cleaned_data)
        ),
        notice=_("审查意见已修改。"),
        form_name="edit_form",
        form=form,
        anchor="opinions",
        extra=extra,
    )


@require_POST
@login_required
def opinion_delete(request, pk: int, opinion_pk: int):
    opinion = _opinion(request.user, pk, opinion_pk)
    return _act(
        request,
        pk,
        lambda review: services.opinion_delete(opinion=opinion, actor=request.user),
        notice=_("审查意见已删除。"),
        anchor="opinions",
    )


@require_POST
@login_required
def issue(request, pk: int):
    form = IssueForm(request.POST)
    if not form.is_valid():
        return _invalid(request, pk, "issue_form", form)
    return _act(
        request,
        pk,
        lambda review: services.review_issue_opinions(
            review=review,
            actor=request.user,
            conclusion=form.cleaned_data["conclusion"],
            expected_version=form.cleaned_data.get("version"),
        ),
        notice=_("审查意见已出具，等待提交部门反馈。"),
        form_name="issue_form",
        form=form,
    )


@require_POST
@login_required
def respond(request, pk: int):
    review = selectors.get_review_for_user(request.user, pk)
    form = RespondForm(request.POST, request.FILES, opinions=selectors.opinions(review))
    if not form.is_valid():
        return _invalid(request, pk, "respond_form", form)
    return _act(
        request,
        pk,
        lambda review: services.review_respond(
            review=review,
            actor=request.user,
            responses=form.responses(),
            files=form.cleaned_data["files"],
            expected_version=form.cleaned_data.get("version"),
        ),
        notice=_("已反馈审查意见采纳情况。"),
        form_name="respond_form",
        form=form,
    )


def _objection(user, pk: int, objection_pk: int) -> Objection:
    review = selectors.get_review_for_user(user, pk)
    found = selectors.objections_visible_to(user).filter(pk=objection_pk, opinion__review=review).first()
    if found is None:
        raise Http404
    return found


@require_POST
@login_required
def rereview(request, pk: int, objection_pk: int):
    objection = _objection(request.user, pk, objection_pk)
    form = RereviewForm(request.POST, auto_id=f"rr{objection.pk}_%s")
    extra = {"objection": objection.pk}
    if not form.is_valid():
        return _invalid(request, pk, "rereview_form", form, extra=extra)
    return _act(
        request,
        pk,
        lambda review: services.objection_rereview(
            objection=objection,
            actor=request.user,
            upheld=form.cleaned_data["upheld"],
            note=form.cleaned_data["note"],
        ),
        notice=_("复核意见已记录。"),
        form_name="rereview_form",
        form=form,
        anchor="objections",
        extra=extra,
    )


@require_POST
@login_required
def committee(request, pk: int, objection_pk: int):
    objection = _objection(request.user, pk, objection_pk)
    form = CommitteeForm(request.POST, auto_id=f"cm{objection.pk}_%s")
    extra = {"objection": objection.pk}
    if not form.is_valid():
        return _invalid(request, pk, "committee_form", form, extra=extra)
    return _act(
        request,
        pk,
        lambda review: services.objection_committee_decide(
            objection=objection,
            actor=request.user,
            outcome=form.cleaned_data["outcome"],
            decision=form.cleaned_data["decision"],
            attendees=form.cleaned_data["attendees"],
        ),
        notice=_("委员会决定已记录。"),
        form_name="committee_form",
        form=form,
        anchor="objections",
        extra=extra,
    )


# --- objections, and files ------------------------------------------------------------------------


@require_GET
@login_required
def objection_list(request):
    """异议处理: the objections the user may see (a committee member: those referred to the committee)."""
    stage = request.GET.get("stage", "")
    stage = stage if stage in Objection.Stage.values else ""
    rows = selectors.objections_visible_to(request.user, {"stage": stage} if stage else {})
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "reviews/objections.html",
        {"page": page, "rows": page.object_list, "stage": stage, "stages": Objection.Stage.choices},
    )


@require_GET
@login_required
def download(request, pk: int, attachment_pk: int):
    return serve_attachment(attachment_for_user(request.user, pk, attachment_pk))


@require_GET
@login_required
@xframe_options_sameorigin
def preview(request, pk: int, attachment_pk: int):
    """A PDF or an image shown inline beside the checklist, in a same-origin frame; other kinds are 404 here.

    Only kinds the browser renders without running anything of the file's, with the type detected at upload
    (never the uploader's), nosniff, and a policy that lets only our own pages frame it."""
    attachment = attachment_for_user(request.user, pk, attachment_pk)
    if attachment.kind not in PREVIEW_KINDS:
        raise Http404
    response = FileResponse(
        attachment.file.open("rb"), as_attachment=False, filename=attachment.name, content_type=attachment.mime
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    if attachment.kind == "pdf":
        # the browser's own PDF viewer is blocked by a sandboxing policy, so a PDF gets no `sandbox`
        response["Content-Security-Policy"] = "default-src 'none'; object-src 'self'; frame-ancestors 'self'"
    else:
        response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; frame-ancestors 'self'; sandbox"
    return response
