"""Review use cases (消保审查): file, assign or return, resubmit, withdraw, the reviewer's checklist and
opinions, the submitter's answers, and the objection procedure (re-review, committee decision).
The reviewer's checklist and opinions are in `reviewing`, the objection procedure in `objections`, the
follow-up of adopted opinions (verification work orders) in `followup`; all are re-exported here, the
one module callers use.

Every function is one transaction: the review rows, the workflow step, attachments, notifications and
audit rows commit together or not at all. People act through `workflow.services.complete` (the process
is completeOn=object), after the service has checked — as the task's holder or candidate — that the
actor may take that step, so a refusal carries a review code. Rows are locked review first, then the
process instance (inside the workflow services), then the audit chain.

The review lead (审查负责人) who re-reviews disputed opinions is 消保部: the hq_admin role (see
docs/reviews.md).
"""

from __future__ import annotations

from datetime import date, datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xiaobao.core import audit
from xiaobao.core import services as core_services
from xiaobao.core.api_errors import BusinessRuleError
from xiaobao.core.models import User
from xiaobao.core.workdays import due as deadline_after
from xiaobao.reviews import error_codes as codes
from xiaobao.reviews import followup, notices, selectors
from xiaobao.reviews.followup import review_refresh_verification, review_sweep_verification
from xiaobao.reviews.models import FormType, Objection, Opinion, Review
from xiaobao.reviews.objections import objection_committee_decide, objection_rereview
from xiaobao.reviews.reviewing import (
    opinion_add,
    opinion_delete,
    opinion_update,
    review_issue_opinions,
    review_record_checklist,
)
from xiaobao.reviews.rules import (
    REVIEWER_ROLE,
    check_due_days,
    clean_form_data,
    is_lead,
    refusal,
    role_codes,
)
from xiaobao.reviews.steps import (
    REVIEW,
    follow_up,
    invalid,
    number_for,
    reason_given,
)
from xiaobao.workflow import selectors as workflow_selectors
from xiaobao.workflow import services as workflow

__all__ = [
    "objection_committee_decide",
    "objection_rereview",
    "opinion_add",
    "opinion_delete",
    "opinion_update",
    "review_assign",
    "review_issue_opinions",
    "review_record_checklist",
    "review_refresh_verification",
    "review_respond",
    "review_resubmit",
    "review_return",
    "review_submit",
    "review_sweep_verification",
    "review_withdraw",
]

SUBMIT_PERMISSION = "reviews.add_review"
WITHDRAWABLE = (Review.Status.SUBMITTED, Review.Status.RETURNED, Review.Status.REVIEWING, Review.Status.RESPONDING)


def _form_type(form_type) -> FormType:
    if isinstance(form_type, FormType):
        found = form_type if form_type.is_active else None
    else:
        found = FormType.objects.filter(code=str(form_type or ""), is_active=True).first()
    if found is None:
        raise refusal(codes.FORM_TYPE_UNKNOWN, _("没有这种审查表单类型。"), field="form_type")
    return found


def _planned_launch(value) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise refusal(codes.INVALID, _("计划上线日期格式有误。"), field="planned_launch") from None


# --- filing ----------------------------------------------------------------------------------


@transaction.atomic
def review_submit(
    *,
    actor: User,
    form_type,
    title: str,
    product_name: str = "",
    planned_launch=None,
    data: dict,
    files=(),
    urgency: str = Review.Urgency.NORMAL,
    now: datetime | None = None,
) -> Review:
    """A business department files a review on the current version of a form type, with its material;
    the review waits for 消保部 to assign a reviewer. The review's unit and department are the submitter's.

    Refuses, writing nothing: NOT_ALLOWED (403: without reviews.add_review, or in no org unit),
    FORM_TYPE_UNKNOWN (no such active type, or it has no current version), INVALID (title, product
    name, urgency, planned launch, or the form data against the version's fields), and the upload
    refusals of core (size, type by content, count).
    """
    now = now or timezone.now()
    if not (actor and actor.is_authenticated and actor.has_perm(SUBMIT_PERMISSION) and actor.org_unit_id):
        raise refusal(codes.NOT_ALLOWED, _("您没有提交消保审查的权限。"), status=403)
    kind = _form_type(form_type)
    version = kind.versions.filter(is_current=True).first()
    if version is None:
        raise refusal(codes.FORM_TYPE_UNKNOWN, _("该审查表单类型尚无现行版本。"), field="form_type")
    title, product_name = (title or "").strip(), (product_name or "").strip()
    problems = {}
    if not title or len(title) > 200:
        problems["title"] = [codes.INVALID]
    if len(product_name) > 200:
        problems["product_name"] = [codes.INVALID]
    if urgency not in Review.Urgency.values:
        problems["urgency"] = [codes.INVALID]
    if problems:
        raise invalid(problems)
    launch = _planned_launch(planned_launch)
    cleaned = clean_form_data(version, data)
    review = Review.objects.create(
        org_unit=actor.org_unit,
        department=actor.department or "",
        form_version=version,
        title=title,
        product_name=product_name,
        submitter=actor,
        submitted_at=now,
        planned_launch=launch,
        data=cleaned,
        urgency=urgency,
        status=Review.Status.SUBMITTED,
    )
    review.number = number_for(review)
    REVIEW.save(review, "number")
    if files:
        core_services.attachments_add(owner=review, files=files, actor=actor, purpose="material")
    workflow.start(
        process_key=selectors.PROCESS_KEY,
        business_object=review,
        actor=actor,
        data={
            "review_id": review.pk,
            "submitter_id": actor.pk,
            "reviewer_id": None,
            "review_due_at": None,
            "action": "",
            "assigned": False,
            "has_opinions": False,
            "disputed": False,
            "to_committee": False,
        },
        now=now,
    )
    audit.record(
        actor=actor,
        action="review.submit",
        obj=review,
        changes={"form": str(version), "title": title, "product_name": product_name, "urgency": urgency},
        at=now,
    )
    core_services.notify_about(
        review,
        notices.lead_people(),
        kind="submitted",
        title=_("新的消保审查申请：%(title)s") % {"title": title},
        body=_("%(form)s，%(dept)s 提交，待分派审查员。")
        % {"form": version.form_type.name, "dept": review.department or review.org_unit.name},
        level="warning" if urgency == Review.Urgency.URGENT else "info",
    )
    return review


@transaction.atomic
def review_assign(
    *,
    review: Review | int,
    actor: User,
    reviewer: User,
    urgency: str,
    due_days: int,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Review:
    """消保部 assigns a reviewer, urgent or normal, with a period in working days (the reviewer's task is due
    at the end of its last day, on the core calendar).

    Refuses: INVALID (urgency), BAD_DUE_DAYS (not 1..60), REVIEWER_INVALID (inactive, or not a reviewer),
    WRONG_STEP (409: not waiting to be assigned), NOT_ALLOWED (403: not 消保部), and the workflow's
    409 when the task changed since the page showed it.
    """
    now = now or timezone.now()
    if urgency not in Review.Urgency.values:
        raise invalid({"urgency": [codes.INVALID]})
    days = check_due_days(due_days)
    if not (reviewer and reviewer.is_active and REVIEWER_ROLE in role_codes(reviewer)):
        raise refusal(codes.REVIEWER_INVALID, _("所选人员不是在岗的审查员。"), field="reviewer")
    review = REVIEW.lock(review)
    task = REVIEW.task(review, "assign", actor=actor)
    deadline = deadline_after(now, days)
    REVIEW.complete(
        task,
        actor=actor,
        data={
            "action": "assign",
            "assigned": True,
            "reviewer_id": reviewer.pk,
            "review_due_at": deadline.at.isoformat(),
        },
        expected_version=expected_version,
        now=now,
    )
    review.reviewer, review.urgency, review.due_days = reviewer, urgency, days
    review.due_at, review.assigned_at, review.status = deadline.at, now, Review.Status.REVIEWING
    REVIEW.save(review, "reviewer", "urgency", "due_days", "due_at", "assigned_at", "status")
    audit.record(
        actor=actor,
        action="review.assign",
        obj=review,
        changes={"reviewer": str(reviewer), "urgency": urgency, "due_days": days, "due_at": deadline.at.isoformat()},
        at=now,
    )
    core_services.notify_about(
        review,
        [reviewer],
        kind="assigned",
        title=_("请审查：%(title)s") % {"title": review.title},
        body=_("%(urgency)s，期限 %(due)s")
        % {"urgency": review.get_urgency_display(), "due": f"{deadline.date:%Y-%m-%d}"},
        level="warning" if urgency == Review.Urgency.URGENT else "info",
    )
    return review


@transaction.atomic
def review_return(*, review: Review | int, actor: User, reason: str, now: datetime | None = None) -> Review:
    """Return the review to its submitter for missing material: by 消保部 before assigning, or by the
    assigned reviewer while reviewing. Resubmitted, it goes back to the same step (the same reviewer).

    Refuses: REASON_REQUIRED, WRONG_STEP (409), NOT_ALLOWED (403: not who holds that step).
    """
    now = now or timezone.now()
    reason = reason_given(reason)
    review = REVIEW.lock(review)
    if review.status == Review.Status.SUBMITTED:
        element = "assign"
    elif review.status == Review.Status.REVIEWING:
        element = "review"
    else:
        raise refusal(codes.WRONG_STEP, _("只有待分派或审查中的申请可以退回。"), status=409)
    task = REVIEW.task(review, element, actor=actor)
    REVIEW.complete(task, actor=actor, data={"action": "return", "return_reason": reason}, now=now, comment=reason)
    review.status, review.return_reason, review.return_count = Review.Status.RETURNED, reason, review.return_count + 1
    REVIEW.save(review, "status", "return_reason", "return_count")
    audit.record(actor=actor, action="review.return", obj=review, reason=reason, at=now)
    core_services.notify_about(
        review,
        notices.submitter_people(review),
        kind="returned",
        title=_("消保审查退回补充材料：%(title)s") % {"title": review.title},
        body=reason,
        level="warning",
    )
    return review


@transaction.atomic
def review_resubmit(
    *, review: Review | int, actor: User, data: dict | None = None, files=(), now: datetime | None = None
) -> Review:
    """The submitter sends a returned review back with the missing material (and, if given, corrected form
    data, checked against the review's own form version). An assigned review goes back to its reviewer
    with a fresh period of the same number of working days; otherwise to 消保部.

    Refuses: WRONG_STEP (409: not returned), NOT_ALLOWED (403: not the submitter), INVALID (form data),
    the upload refusals of core.
    """
    now = now or timezone.now()
    review = REVIEW.lock(review)
    if review.status != Review.Status.RETURNED:
        raise refusal(codes.WRONG_STEP, _("只有退回的申请可以重新提交。"), status=409)
    task = REVIEW.task(review, "resubmit", actor=actor)
    fields = ["status"]
    if data is not None:
        review.data = clean_form_data(review.form_version, data)
        fields.append("data")
    if files:
        core_services.attachments_add(owner=review, files=files, actor=actor, purpose="material")
    step_data: dict = {"action": "resubmit"}
    if review.reviewer_id:
        deadline = deadline_after(now, review.due_days or 1)
        review.due_at = deadline.at
        step_data["review_due_at"] = deadline.at.isoformat()
        fields.append("due_at")
    REVIEW.complete(task, actor=actor, data=step_data, now=now)
    review.status = Review.Status.REVIEWING if review.reviewer_id else Review.Status.SUBMITTED
    REVIEW.save(review, *fields)
    audit.record(actor=actor, action="review.resubmit", obj=review, changes={"data_changed": data is not None}, at=now)
    core_services.notify_about(
        review,
        notices.reviewer_people(review) or notices.lead_people(),
        kind="resubmitted",
        title=_("已补充材料：%(title)s") % {"title": review.title},
    )
    return review


@transaction.atomic
def review_withdraw(*, review: Review | int, actor: User, reason: str, now: datetime | None = None) -> Review:
    """The submitter (or 消保部) withdraws a review before its opinions are answered, e.g. the product is
    dropped; its process stops and the reviewer is told.

    Refuses: REASON_REQUIRED, NOT_ALLOWED (403: neither the submitter nor 消保部), WRONG_STEP (409: already
    answered, in objection, verifying, closed or withdrawn).
    """
    now = now or timezone.now()
    reason = reason_given(reason)
    review = REVIEW.lock(review)
    if not (review.submitter_id == actor.pk or is_lead(actor)):
        raise refusal(codes.NOT_ALLOWED, _("只有提交人或消保部可以撤回审查申请。"), status=403)
    if review.status not in WITHDRAWABLE:
        raise refusal(codes.WRONG_STEP, _("意见反馈后不能再撤回。"), status=409)
    for instance in workflow_selectors.running_instances_for_object(review, process_key=selectors.PROCESS_KEY):
        workflow.cancel(instance=instance, actor=actor, reason=reason, now=now, app_checked=True)
    review.status, review.withdrawn_at, review.withdraw_reason = Review.Status.WITHDRAWN, now, reason
    REVIEW.save(review, "status", "withdrawn_at", "withdraw_reason")
    audit.record(actor=actor, action="review.withdraw", obj=review, reason=reason, at=now)
    core_services.notify_about(
        review,
        notices.reviewer_people(review) or notices.lead_people(),
        kind="withdrawn",
        title=_("消保审查已撤回：%(title)s") % {"title": review.title},
        body=reason,
    )
    return review


# --- the submitter's answers ------------------------------------------------------------------


@transaction.atomic
def review_respond(
    *,
    review: Review | int,
    actor: User,
    responses: dict,
    files=(),
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Review:
    """The submitter answers every opinion: 采纳 / 部分采纳 / 不采纳, with the reason (required unless adopted)
    and files as evidence of the change. An adopted opinion is final; an adopted substantive one that
    requires a change opens its verification work order. A 部分采纳 or 不采纳 answer is an objection
    (异议), re-reviewed by 消保部. With nothing disputed the review is verified, or closed.

    Refuses: RESPONSES_INCOMPLETE (an opinion left unanswered, or one not of this review), INVALID (an
    answer other than adopted/partial/rejected), REASON_REQUIRED, WRONG_STEP (409), NOT_ALLOWED (403:
    not the submitter), the upload refusals, the workflow's 409.
    """
    now = now or timezone.now()
    review = REVIEW.lock(review)
    task = REVIEW.task(review, "respond", actor=actor)
    opinions = {o.pk: o for o in review.opinions.select_for_update(of=("self",)).order_by("seq")}
    answers: dict[int, dict] = {}
    for key, value in (responses or {}).items():
        try:
            answers[int(key)] = value if isinstance(value, dict) else {"response": value}
        except (TypeError, ValueError):
            answers[-1] = {}
    if set(answers) != set(opinions):
        raise BusinessRuleError(
            codes.RESPONSES_INCOMPLETE,
            _("请对每一条审查意见逐条反馈。"),
            fields={f"responses.{pk}": [codes.RESPONSES_INCOMPLETE] for pk in set(opinions) ^ set(answers)},
        )
    cleaned: dict[int, tuple[str, str]] = {}
    for pk, answer in answers.items():
        response = answer.get("response")
        reason = str(answer.get("reason") or "").strip()
        if response not in Opinion.Response.values:
            raise invalid({f"responses.{pk}": [codes.INVALID]})
        if response != Opinion.Response.ADOPTED and not reason:
            raise refusal(codes.REASON_REQUIRED, _("部分采纳或不采纳须说明理由。"), field=f"responses.{pk}")
        cleaned[pk] = (response, reason)
    if files:
        core_services.attachments_add(owner=review, files=files, actor=actor, purpose="evidence")
    disputed = [pk for pk, (response, _r) in cleaned.items() if response != Opinion.Response.ADOPTED]
    REVIEW.complete(task, actor=actor, data={"disputed": bool(disputed)}, expected_version=expected_version, now=now)
    for pk, (response, reason) in cleaned.items():
        opinion = opinions[pk]
        opinion.response, opinion.response_reason = response, reason
        opinion.responded_by, opinion.responded_at = actor, now
        if response == Opinion.Response.ADOPTED:
            opinion.final_adopted = True
        opinion.save(update_fields=["response", "response_reason", "responded_by", "responded_at", "final_adopted"])
        if response == Opinion.Response.ADOPTED:
            follow_up(review, opinion, now=now)
        else:
            Objection.objects.create(opinion=opinion, raised_at=now, reason=reason)
    audit.record(
        actor=actor,
        action="review.respond",
        obj=review,
        changes={opinions[pk].seq: response for pk, (response, _r) in cleaned.items()},
        at=now,
    )
    core_services.notify_about(
        review,
        notices.reviewer_people(review),
        kind="responded",
        title=_("审查意见已反馈：%(title)s") % {"title": review.title},
        body=_("%(n)s 条有异议。") % {"n": len(disputed)} if disputed else _("全部采纳。"),
    )
    if disputed:
        review.status = Review.Status.OBJECTION
        REVIEW.save(review, "status")
        core_services.notify_about(
            review,
            notices.lead_people(),
            kind="objection",
            title=_("审查意见异议待复核：%(title)s") % {"title": review.title},
            level="warning",
        )
    else:
        followup.settle(review, now=now, actor=actor)
    return review
