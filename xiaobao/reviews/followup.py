"""Follow-up (issue 6 §3): an adopted substantive opinion that requires a change is verified before launch.

Each such opinion opens one 整改 work order (`workorders.services.workorder_open`, source = the review)
to the submitter in their unit; the review stays VERIFYING while any of its orders is open. The
review's own process has ended by then — verification is the work orders' processes.

`review_refresh_verification` closes the review once none of its orders is open: a closed order
verifies its opinion (`verified_at`); one withdrawn by 消保部 ends without verifying it. The periodic
sweep (`review_sweep_verification`, Celery beat via tasks.py) runs it for every review in
verification; it is idempotent, so running it twice, or alongside a page, changes nothing.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xiaobao.core import audit
from xiaobao.core import services as core_services
from xiaobao.reviews import notices
from xiaobao.reviews.models import Opinion, Review
from xiaobao.workorders import selectors as workorder_selectors
from xiaobao.workorders import services as workorders

VERIFY_KIND = "rectification"  # 整改 (workorders.WorkOrder.Kind)
VERIFY_DUE_DAYS = 10  # working days, unless the planned launch comes first


def _order_issuer(review: Review):
    # The reviewer accepts the evidence if they can open work orders; else 消保部 does (system-issued).
    reviewer = review.reviewer
    if reviewer is not None and reviewer.is_active and reviewer.has_perm("workorders.change_workorder"):
        return reviewer
    return None


def _order_recipient(review: Review):
    submitter = review.submitter
    if submitter.is_active and submitter.org_unit_id and workorder_selectors.may_handle(submitter):
        return submitter
    return None  # the unit's officers take it


def open_verification(review: Review, opinion: Opinion, *, now: datetime) -> int:
    """Open the verification order for one opinion (once: an opinion that has one keeps it)."""
    if opinion.verification_order_id:
        return opinion.verification_order_id
    today = timezone.localdate(now)
    launch = review.planned_launch
    due = {"due_date": launch} if launch and launch > today else {"due_days": VERIFY_DUE_DAYS}
    order = workorders.workorder_open(
        source=review,
        title=_("整改验证：%(title)s（意见%(seq)s）") % {"title": review.title[:150], "seq": opinion.seq},
        kind=VERIFY_KIND,
        content=_(
            "消保审查 %(number)s 的实质性意见已采纳，请在上线前完成修改并上传修改后的材料作为验证依据。\n"
            "位置：%(location)s\n风险：%(risk)s\n修改建议：%(suggestion)s"
        )
        % {
            "number": review.number,
            "location": opinion.location,
            "risk": opinion.risk,
            "suggestion": opinion.suggestion,
        },
        recipient_unit=review.org_unit,
        recipient_user=_order_recipient(review),
        issuer=_order_issuer(review),
        now=now,
        **due,
    )
    opinion.verification_order_id = order.pk
    opinion.save(update_fields=["verification_order_id"])
    audit.record(
        actor=None,
        action="review.verification_open",
        obj=review,
        changes={"opinion": opinion.seq, "work_order": order.pk},
        at=now,
    )
    return order.pk


def pending_verification(review: Review) -> list[Opinion]:
    """Opinions whose verification order has not ended yet."""
    return list(review.opinions.filter(verification_order_id__isnull=False, verified_at__isnull=True).order_by("seq"))


def settle(review: Review, *, now: datetime, actor=None) -> None:
    """Once no opinion is disputed: VERIFYING while any verification order is open, else closed."""
    if review.opinions.filter(verification_order_id__isnull=False, verified_at__isnull=True).exists():
        review.status = Review.Status.VERIFYING
        review.save(update_fields=["status"])
        return
    close(review, now=now, actor=actor)


def close(review: Review, *, now: datetime, actor=None) -> None:
    review.status, review.closed_at = Review.Status.CLOSED, now
    review.save(update_fields=["status", "closed_at"])
    audit.record(actor=actor, action="review.close", obj=review, at=now)
    core_services.notify_about(
        review,
        notices.submitter_people(review) + notices.reviewer_people(review),
        kind="closed",
        title=_("消保审查已办结：%(title)s") % {"title": review.title},
    )


def _order_states(ids: list[int]) -> dict[int, tuple[bool, str, datetime | None]]:
    """{order id: (open?, status, closed_at)} read through the work-order selectors."""
    return workorder_selectors.order_states(ids)


@transaction.atomic
def review_refresh_verification(*, review: Review | int, now: datetime | None = None) -> Review:
    """Mark the review's verified opinions and close it when none of its verification orders is open.

    A closed order verifies its opinion (verified_at = when the order closed); a withdrawn one ends
    without verifying it. Does nothing to a review that is not VERIFYING; idempotent.
    """
    now = now or timezone.now()
    pk = review.pk if isinstance(review, Review) else int(review)
    review = Review.objects.select_for_update(of=("self",)).select_related("submitter", "reviewer").get(pk=pk)
    if review.status != Review.Status.VERIFYING:
        return review
    waiting = pending_verification(review)
    states = _order_states([o.verification_order_id for o in waiting])
    still_open = False
    for opinion in waiting:
        is_open, status, closed_at = states.get(opinion.verification_order_id, (False, "missing", None))
        if is_open:
            still_open = True
        elif status == "closed":
            opinion.verified_at = closed_at or now
            opinion.save(update_fields=["verified_at"])
            audit.record(
                actor=None,
                action="review.verified",
                obj=review,
                changes={"opinion": opinion.seq, "work_order": opinion.verification_order_id},
                at=now,
            )
        else:
            audit.record(
                actor=None,
                action="review.verification_ended",
                obj=review,
                changes={"opinion": opinion.seq, "work_order": opinion.verification_order_id, "status": status},
                at=now,
            )
    if not still_open:  # a withdrawn order leaves its opinion unverified but no longer holds the review open
        close(review, now=now)
    return review


def review_sweep_verification(*, now: datetime | None = None) -> dict[str, int]:
    """The periodic job: refresh every review in verification (each in its own transaction)."""
    closed = 0
    for pk in Review.objects.filter(status=Review.Status.VERIFYING).values_list("pk", flat=True):
        if review_refresh_verification(review=pk, now=now).status == Review.Status.CLOSED:
            closed += 1
    return {"closed": closed}
