"""The reviewer's work (消保部's assigned 审查员): the checklist (a draft), the opinions — kind, place, risk,
suggestion, the consumer right — and issuing them with a conclusion. Re-exported by `services`.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from xiaobao.core import audit
from xiaobao.core import services as core_services
from xiaobao.core.api_errors import BusinessRuleError
from xiaobao.core.models import User
from xiaobao.reviews import error_codes as codes
from xiaobao.reviews import notices
from xiaobao.reviews.models import Opinion, Review
from xiaobao.reviews.rules import clean_checklist_results, clean_opinion, refusal
from xiaobao.reviews.steps import REVIEW


def _reviewing(review: Review | int, actor: User) -> Review:
    review = REVIEW.lock(review)
    if review.status != Review.Status.REVIEWING:
        raise refusal(codes.WRONG_STEP, _("审查不在审查中。"), status=409)
    if review.reviewer_id != actor.pk:
        raise refusal(codes.NOT_ALLOWED, _("只有分派的审查员可以填写审查意见。"), status=403)
    return review


@transaction.atomic
def review_record_checklist(*, review: Review | int, actor: User, results: dict, now: datetime | None = None) -> Review:
    """Save the reviewer's checklist results (a draft: no step changes). Items given with neither a result
    nor a note are cleared; items not given are kept.

    Refuses: WRONG_STEP (409: not reviewing), NOT_ALLOWED (403: not the assigned reviewer), INVALID (an
    item not on the review's checklist version, or a result other than pass/issue/na).
    """
    now = now or timezone.now()
    review = _reviewing(review, actor)
    cleaned = clean_checklist_results(review.form_version, results)
    merged = dict(review.checklist_results)
    for item_id in results or {}:
        if item_id in cleaned:
            merged[item_id] = cleaned[item_id]
        else:
            merged.pop(item_id, None)
    if merged != review.checklist_results:
        review.checklist_results = merged
        REVIEW.save(review, "checklist_results")
        audit.record(actor=actor, action="review.checklist", obj=review, changes={"items": sorted(cleaned)}, at=now)
    return review


@transaction.atomic
def opinion_add(
    *,
    review: Review | int,
    actor: User,
    kind: str,
    location: str,
    risk: str,
    suggestion: str,
    right: str = "",
    checklist_item: str = "",
    requires_change: bool = False,
    now: datetime | None = None,
) -> Opinion:
    """The reviewer writes an opinion: kind (一般/实质性), the clause or place, the risk, the suggestion, the
    consumer right it protects (default: its checklist item's) and whether the change is verified before
    launch (substantive opinions only).

    Refuses: WRONG_STEP (409), NOT_ALLOWED (403: not the assigned reviewer), INVALID (per field).
    """
    now = now or timezone.now()
    review = _reviewing(review, actor)
    values = clean_opinion(
        review.form_version,
        kind=kind,
        location=location,
        risk=risk,
        suggestion=suggestion,
        right=right,
        checklist_item=checklist_item,
        requires_change=requires_change,
    )
    seq = (review.opinions.aggregate(n=Max("seq"))["n"] or 0) + 1
    opinion = Opinion.objects.create(review=review, seq=seq, created_by=actor, created_at=now, **values)
    audit.record(
        actor=actor,
        action="review.opinion_add",
        obj=review,
        changes={"seq": seq, "kind": values["kind"], "location": values["location"]},
        at=now,
    )
    return opinion


def _opinion_locked(opinion: Opinion | int, actor: User) -> tuple[Review, Opinion]:
    pk = opinion.pk if isinstance(opinion, Opinion) else int(opinion)
    review_id = Opinion.objects.values_list("review_id", flat=True).get(pk=pk)
    review = _reviewing(review_id, actor)
    return review, Opinion.objects.select_for_update(of=("self",)).get(pk=pk)


_UNSET = object()


@transaction.atomic
def opinion_update(
    *,
    opinion: Opinion | int,
    actor: User,
    kind=_UNSET,
    location=_UNSET,
    risk=_UNSET,
    suggestion=_UNSET,
    right=_UNSET,
    checklist_item=_UNSET,
    requires_change=_UNSET,
    now: datetime | None = None,
) -> Opinion:
    """Edit an opinion while the review is being reviewed (fields not given are kept). Same refusals as
    `opinion_add`."""
    now = now or timezone.now()
    review, opinion = _opinion_locked(opinion, actor)
    given = {
        "kind": kind,
        "location": location,
        "risk": risk,
        "suggestion": suggestion,
        "right": right,
        "checklist_item": checklist_item,
        "requires_change": requires_change,
    }
    current = {name: getattr(opinion, name) for name in given}
    values = clean_opinion(
        review.form_version, **{name: current[name] if v is _UNSET else v for name, v in given.items()}
    )
    changes = audit.diff(current, values)
    if changes:
        for name, value in values.items():
            setattr(opinion, name, value)
        opinion.save(update_fields=list(values))
        audit.record(
            actor=actor, action="review.opinion_update", obj=review, changes={"seq": opinion.seq, **changes}, at=now
        )
    return opinion


@transaction.atomic
def opinion_delete(*, opinion: Opinion | int, actor: User, now: datetime | None = None) -> None:
    """Delete an opinion while the review is being reviewed (the others keep their numbers)."""
    now = now or timezone.now()
    review, opinion = _opinion_locked(opinion, actor)
    audit.record(
        actor=actor,
        action="review.opinion_delete",
        obj=review,
        changes={"seq": opinion.seq, "location": opinion.location},
        at=now,
    )
    opinion.delete()


@transaction.atomic
def review_issue_opinions(
    *,
    review: Review | int,
    actor: User,
    conclusion: str,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Review:
    """The reviewer issues the conclusion and opinions to the submitter; a review with no opinion is closed
    (nothing to answer). Every checklist item must have a result first.

    Refuses: CONCLUSION_REQUIRED, CHECKLIST_INCOMPLETE (fields name the items without a result),
    WRONG_STEP (409), NOT_ALLOWED (403: not the assigned reviewer), the workflow's 409.
    """
    now = now or timezone.now()
    conclusion = (conclusion or "").strip()
    if not conclusion:
        raise refusal(codes.CONCLUSION_REQUIRED, _("请填写审查结论。"), field="conclusion")
    review = REVIEW.lock(review)
    task = REVIEW.task(review, "review", actor=actor)
    results = review.checklist_results or {}
    missing = [
        item["id"] for item in review.form_version.checklist if not (results.get(item["id"]) or {}).get("result")
    ]
    if missing:
        raise BusinessRuleError(
            codes.CHECKLIST_INCOMPLETE,
            _("还有 %(n)s 个审查要点未给出结论。") % {"n": len(missing)},
            fields={item: [codes.CHECKLIST_INCOMPLETE] for item in missing},
        )
    count = review.opinions.count()
    REVIEW.complete(
        task,
        actor=actor,
        data={"action": "issue", "has_opinions": bool(count)},
        expected_version=expected_version,
        now=now,
    )
    review.conclusion, review.reviewed_at = conclusion, now
    review.status = Review.Status.RESPONDING if count else Review.Status.CLOSED
    fields = ["conclusion", "reviewed_at", "status"]
    if not count:
        review.closed_at = now
        fields.append("closed_at")
    REVIEW.save(review, *fields)
    audit.record(
        actor=actor,
        action="review.issue",
        obj=review,
        changes={
            "opinions": count,
            "substantive": review.opinions.filter(kind=Opinion.Kind.SUBSTANTIVE).count(),
            "conclusion": conclusion[:200],
        },
        at=now,
    )
    core_services.notify_about(
        review,
        notices.submitter_people(review),
        kind="issued",
        title=(_("审查意见待反馈：%(title)s") if count else _("审查通过，无意见：%(title)s")) % {"title": review.title},
        body=conclusion,
    )
    return review
