"""Review detail pages (消保审查): the detail with the opinion/response table and the objection record, the
reviewer's workspace (checklist beside the attachment, opinions), and every action of the loop; the list,
filing a review, the objections list and the files are in views.py.

Thin (DESIGN.md): reads are `reviews.selectors` calls scoped to the user (outside scope is 404),
writes are `reviews.services` calls; a refusal is a message on the page (403 for "you may not",
as in the API), never a 500 and never a partial write — the shape is ui.page_actions'.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from xiaobao.core.api_errors import BusinessRuleError
from xiaobao.reviews import selectors, services
from xiaobao.reviews.api_outputs import (
    PREVIEW_KINDS,
    actions_for,
    files_by_purpose,
    reviewers_for,
    verification_orders,
)
from xiaobao.reviews.forms import (
    AssignForm,
    ChecklistForm,
    CommitteeForm,
    IssueForm,
    OpinionForm,
    ReasonForm,
    RereviewForm,
    RespondForm,
    ResubmitForm,
)
from xiaobao.reviews.models import ConsumerRight, Objection, Opinion, Review
from xiaobao.reviews.rules import may_take
from xiaobao.reviews.views import page_field_names
from xiaobao.ui.messages import put_on_form, refusal_message
from xiaobao.ui.page_actions import ObjectPage, forbid
from xiaobao.workflow import labels
from xiaobao.workflow import selectors as workflow_selectors

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
        "history": labels.label_history(workflow_selectors.timeline_for_object(user, review).select_related("actor")),
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


detail_page = ObjectPage(
    get_object=selectors.get_review_for_user,
    context=_detail_context,
    template=lambda request, context: _template(request, context["can"]),
    url_name="reviews:detail",
    field_names=page_field_names,
)


@require_GET
@login_required
def detail(request, pk: int):
    review = selectors.get_review_for_user(request.user, pk)
    context = _detail_context(request, review)
    return render(request, _template(request, context["can"]), context)


# --- the loop's actions ---------------------------------------------------------------------------


def _may(action: str):
    """The page action's `allowed`: whether the user ever takes `action` on the review (else 403 first)."""
    return lambda user, review: may_take(user, review, action)


def _review_to_act_on(user, pk: int, action: str) -> Review:
    """The review in the user's scope (else 404), if the user ever takes `action` on it (else 403) — before
    the form or the review's step is looked at, as the API does."""
    review = selectors.get_review_for_user(user, pk)
    if not may_take(user, review, action):
        raise PermissionDenied(_("您不能办理这一步。"))
    return review


@detail_page.action(
    lambda request, review: AssignForm(request.POST, reviewers=reviewers_for(request.user)),
    "assign_form",
    notice=gettext_lazy("已分派审查员。"),
    allowed=_may("assign"),
)
def assign(request, review, data):
    services.review_assign(
        review=review,
        actor=request.user,
        reviewer=data["reviewer"],
        urgency=data["urgency"],
        due_days=data["due_days"],
        expected_version=data.get("version"),
    )


def _reason_form(prefix: str):
    """The form of one of the page's two reason actions, with ids of its own (both are on the page)."""
    return lambda request, review: ReasonForm(request.POST, auto_id=f"{prefix}_%s")


@detail_page.action(
    _reason_form("return"),
    "return_form",
    notice=gettext_lazy("已退回补充材料。"),
    strict=False,
    allowed=_may("return"),
)
def return_review(request, review, data):
    services.review_return(review=review, actor=request.user, reason=data.get("reason", ""))


@require_POST
@login_required
def resubmit(request, pk: int):
    review = _review_to_act_on(request.user, pk, "resubmit")
    form = ResubmitForm(request.POST, request.FILES, version_fields=review.form_version.fields)
    return detail_page.submit(
        request,
        pk,
        form,
        "resubmit_form",
        lambda review, data: services.review_resubmit(
            review=review, actor=request.user, data=form.form_data(), files=data["files"]
        ),
        notice=_("已补充材料并重新提交。"),
    )


@detail_page.action(
    _reason_form("withdraw"),
    "withdraw_form",
    notice=gettext_lazy("审查申请已撤回。"),
    strict=False,
    allowed=_may("withdraw"),
)
def withdraw(request, review, data):
    services.review_withdraw(review=review, actor=request.user, reason=data.get("reason", ""))


@require_POST
@login_required
def refresh_verification(request, pk: int):
    """Look at the verification work orders now (the periodic sweep does the same): closes a verified review."""
    review = _review_to_act_on(request.user, pk, "refresh")
    if review.status != Review.Status.VERIFYING:
        return detail_page.render(request, pk, status=409, error=_("该审查不在整改验证阶段。"))
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
    review = _review_to_act_on(request.user, pk, "checklist")
    items = review.form_version.checklist or []
    form = ChecklistForm(request.POST, checklist=items)
    notice, error, status = "", "", 400
    if form.is_valid():
        try:
            services.review_record_checklist(review=review, actor=request.user, results=form.results())
        except BusinessRuleError as refusal:
            forbid(refusal)
            placed = put_on_form(form, refusal, fallback=False, field_names=page_field_names)
            error = "" if placed else refusal_message(refusal)
            status = refusal.status_code
        else:
            notice, status = _("审查要点已保存。"), 200
    if not request.htmx:
        if status == 200:
            messages.success(request, notice)
            return redirect(reverse("reviews:detail", args=[pk]) + "#checklist")
        return detail_page.render(request, pk, status=status, error=error or None, forms={"checklist_form": form})
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


@detail_page.action(
    lambda request, review: OpinionForm(request.POST, checklist=review.form_version.checklist),
    "opinion_form",
    notice=gettext_lazy("已添加审查意见。"),
    anchor="opinions",
    allowed=_may("opinions"),
)
def opinion_add(request, review, data):
    services.opinion_add(review=review, actor=request.user, **_opinion_kwargs(data))


def _opinion(user, pk: int, opinion_pk: int) -> Opinion:
    review = _review_to_act_on(user, pk, "opinions")
    found = selectors.opinions(review).filter(pk=opinion_pk).first()
    if found is None:
        raise Http404
    return found


@require_POST
@login_required
def opinion_update(request, pk: int, opinion_pk: int):
    opinion = _opinion(request.user, pk, opinion_pk)
    return detail_page.submit(
        request,
        pk,
        OpinionForm(request.POST, checklist=opinion.review.form_version.checklist, auto_id=f"op{opinion.pk}_%s"),
        "edit_form",
        lambda review, data: services.opinion_update(opinion=opinion, actor=request.user, **_opinion_kwargs(data)),
        notice=_("审查意见已修改。"),
        anchor="opinions",
        extra={"edit_opinion": opinion.pk},
    )


@require_POST
@login_required
def opinion_delete(request, pk: int, opinion_pk: int):
    opinion = _opinion(request.user, pk, opinion_pk)
    return detail_page.act(
        request,
        pk,
        lambda review: services.opinion_delete(opinion=opinion, actor=request.user),
        notice=_("审查意见已删除。"),
        anchor="opinions",
    )


@detail_page.action(
    IssueForm, "issue_form", notice=gettext_lazy("审查意见已出具，等待提交部门反馈。"), allowed=_may("issue")
)
def issue(request, review, data):
    services.review_issue_opinions(
        review=review, actor=request.user, conclusion=data["conclusion"], expected_version=data.get("version")
    )


@require_POST
@login_required
def respond(request, pk: int):
    review = _review_to_act_on(request.user, pk, "respond")
    form = RespondForm(request.POST, request.FILES, opinions=selectors.opinions(review))
    return detail_page.submit(
        request,
        pk,
        form,
        "respond_form",
        lambda review, data: services.review_respond(
            review=review,
            actor=request.user,
            responses=form.responses(),
            files=data["files"],
            expected_version=data.get("version"),
        ),
        notice=_("已反馈审查意见采纳情况。"),
    )


def _objection(user, pk: int, objection_pk: int, action: str) -> Objection:
    review = _review_to_act_on(user, pk, action)
    found = selectors.objections_visible_to(user).filter(pk=objection_pk, opinion__review=review).first()
    if found is None:
        raise Http404
    return found


@require_POST
@login_required
def rereview(request, pk: int, objection_pk: int):
    objection = _objection(request.user, pk, objection_pk, "rereview")
    return detail_page.submit(
        request,
        pk,
        RereviewForm(request.POST, auto_id=f"rr{objection.pk}_%s"),
        "rereview_form",
        lambda review, data: services.objection_rereview(
            objection=objection, actor=request.user, upheld=data["upheld"], note=data["note"]
        ),
        notice=_("复核意见已记录。"),
        anchor="objections",
        extra={"objection": objection.pk},
    )


@require_POST
@login_required
def committee(request, pk: int, objection_pk: int):
    objection = _objection(request.user, pk, objection_pk, "committee")
    return detail_page.submit(
        request,
        pk,
        CommitteeForm(request.POST, auto_id=f"cm{objection.pk}_%s"),
        "committee_form",
        lambda review, data: services.objection_committee_decide(
            objection=objection,
            actor=request.user,
            outcome=data["outcome"],
            decision=data["decision"],
            attendees=data["attendees"],
        ),
        notice=_("委员会决定已记录。"),
        anchor="objections",
        extra={"objection": objection.pk},
    )
