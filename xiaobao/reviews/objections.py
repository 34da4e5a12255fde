"""The objection procedure (异议处理): a 部分采纳/不采纳 answer is re-reviewed by the review lead (消保部, the
hq_admin role); what the lead upholds is referred to the 消保委员会, whose recorded decision (with the members
present) is binding. Re-exported by `services`, which callers use.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xiaobao.core import audit
from xiaobao.core import services as core_services
from xiaobao.core.models import User
from xiaobao.reviews import error_codes as codes
from xiaobao.reviews import followup, notices
from xiaobao.reviews.models import Objection, Review
from xiaobao.reviews.rules import refusal
from xiaobao.reviews.steps import REVIEW, follow_up, invalid, reason_given


def _objection_locked(objection: Objection | int) -> tuple[Review, Objection]:
    pk = objection.pk if isinstance(objection, Objection) else int(objection)
    review_id = Objection.objects.values_list("opinion__review_id", flat=True).get(pk=pk)
    review = REVIEW.lock(review_id)  # the review row first, as every review service does
    return review, Objection.objects.select_for_update(of=("self",)).select_related("opinion").get(pk=pk)


def _after_objections(review: Review, *, actor, now: datetime) -> None:
    """Every objection decided: the review is verified or closed."""
    followup.settle(review, now=now, actor=actor)


@transaction.atomic
def objection_rereview(
    *, objection: Objection | int, actor: User, upheld: bool, note: str, now: datetime | None = None
) -> Objection:
    """The review lead (消保部) re-reviews a disputed opinion: withdraws it (the department's answer stands,
    the opinion is finally not adopted) or upholds it, which refers the dispute to the 消保委员会. Once every
    objection of the review is re-reviewed, the review goes to the committee or is settled.

    Refuses: REASON_REQUIRED (no note), WRONG_STEP (409: not awaiting re-review), NOT_ALLOWED (403: not
    消保部), OWN_OPINION (403: the actor wrote the disputed opinion or is the review's reviewer — nobody
    re-reviews their own opinion, even when they also hold the review lead's role).
    """
    now = now or timezone.now()
    note = reason_given(note, "note")
    review, objection = _objection_locked(objection)
    if objection.stage != Objection.Stage.REREVIEW or review.status != Review.Status.OBJECTION:
        raise refusal(codes.WRONG_STEP, _("该异议不在复核阶段。"), status=409)
    task = REVIEW.task(review, "rereview", actor=actor)
    if actor.pk in (objection.opinion.created_by_id, review.reviewer_id):
        raise refusal(
            codes.OWN_OPINION, _("审查意见的提出人不能复核针对自己意见的异议，请由其他人员复核。"), status=403
        )
    objection.rereview_by, objection.rereview_at, objection.rereview_note = actor, now, note
    fields = ["rereview_by", "rereview_at", "rereview_note", "stage"]
    if upheld:
        objection.stage = Objection.Stage.COMMITTEE
    else:
        objection.stage, objection.outcome, objection.decided_at = (
            Objection.Stage.DECIDED,
            Objection.Outcome.OPINION_WITHDRAWN,
            now,
        )
        fields += ["outcome", "decided_at"]
        objection.opinion.final_adopted = False
        objection.opinion.save(update_fields=["final_adopted"])
    objection.save(update_fields=fields)
    audit.record(
        actor=actor,
        action="review.objection_rereview",
        obj=review,
        changes={"opinion": objection.opinion.seq, "upheld": bool(upheld)},
        reason=note,
        at=now,
    )
    core_services.notify_about(
        review,
        notices.submitter_people(review) + notices.reviewer_people(review),
        kind="rereviewed",
        title=(_("异议复核：维持意见，提交消保委员会 — %(title)s") if upheld else _("异议复核：撤回意见 — %(title)s"))
        % {"title": review.title},
        body=note,
        key=str(objection.pk),
    )
    open_ones = Objection.objects.filter(opinion__review=review)
    if open_ones.filter(stage=Objection.Stage.REREVIEW).exists():
        return objection
    to_committee = open_ones.filter(stage=Objection.Stage.COMMITTEE).exists()
    REVIEW.complete(task, actor=actor, data={"to_committee": to_committee}, now=now, comment=note)
    if to_committee:
        review.status = Review.Status.COMMITTEE
        REVIEW.save(review, "status")
        core_services.notify_about(
            review,
            notices.committee_people(),
            kind="committee",
            title=_("提交消保委员会审议的异议：%(title)s") % {"title": review.title},
            level="warning",
        )
    else:
        _after_objections(review, actor=actor, now=now)
    return objection


@transaction.atomic
def objection_committee_decide(
    *,
    objection: Objection | int,
    actor: User,
    outcome: str,
    decision: str,
    attendees: list[str],
    now: datetime | None = None,
) -> Objection:
    """Record the 消保委员会's decision on a referred objection, with the members present. The decision is
    binding: an opinion upheld or modified is finally adopted (and, if substantive and requiring a change,
    verified before launch); a withdrawn one is not. When the review has no referred objection left, it is
    verified or closed.

    Refuses: INVALID (outcome), DECISION_REQUIRED, ATTENDEES_REQUIRED, WRONG_STEP (409: not before the
    committee), NOT_ALLOWED (403: not a committee member).
    """
    now = now or timezone.now()
    if outcome not in Objection.Outcome.values:
        raise invalid({"outcome": [codes.INVALID]})
    decision = (decision or "").strip()
    if not decision:
        raise refusal(codes.DECISION_REQUIRED, _("请填写委员会决定。"), field="decision")
    names = [str(a).strip() for a in (attendees or []) if str(a).strip()]
    if not names:
        raise refusal(codes.ATTENDEES_REQUIRED, _("请填写出席委员。"), field="attendees")
    review, objection = _objection_locked(objection)
    if objection.stage != Objection.Stage.COMMITTEE or review.status != Review.Status.COMMITTEE:
        raise refusal(codes.WRONG_STEP, _("该异议不在委员会审议阶段。"), status=409)
    task = REVIEW.task(review, "committee", actor=actor)
    objection.committee_decision, objection.committee_decided_at = decision, now
    objection.attendees, objection.recorded_by = names, actor
    objection.outcome, objection.stage, objection.decided_at = outcome, Objection.Stage.DECIDED, now
    objection.save(
        update_fields=[
            "committee_decision",
            "committee_decided_at",
            "attendees",
            "recorded_by",
            "outcome",
            "stage",
            "decided_at",
        ]
    )
    opinion = objection.opinion
    opinion.final_adopted = outcome != Objection.Outcome.OPINION_WITHDRAWN
    opinion.save(update_fields=["final_adopted"])
    if opinion.final_adopted:
        follow_up(review, opinion, now=now)
    audit.record(
        actor=actor,
        action="review.committee_decide",
        obj=review,
        changes={"opinion": opinion.seq, "outcome": outcome, "attendees": names},
        reason=decision,
        at=now,
    )
    core_services.notify_about(
        review,
        notices.submitter_people(review) + notices.reviewer_people(review) + notices.lead_people(),
        kind="decided",
        title=_("消保委员会已作出决定：%(title)s") % {"title": review.title},
        body=f"{objection.get_outcome_display()}：{decision}",
        key=str(objection.pk),
    )
    if not Objection.objects.filter(opinion__review=review, stage=Objection.Stage.COMMITTEE).exists():
        REVIEW.complete(task, actor=actor, data={"outcome": outcome}, now=now, comment=decision)
        _after_objections(review, actor=actor, now=now)
    return objection
