"""The steps every review service shares: locking the review row, finding the open task the actor may do,
completing it through the workflow (the process is completeOn=object), and the small refusals."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from xiaobao.core.api_errors import BusinessRuleError
from xiaobao.reviews import error_codes as codes
from xiaobao.reviews import followup, selectors
from xiaobao.reviews.models import Opinion, Review
from xiaobao.reviews.rules import refusal
from xiaobao.workflow import selectors as workflow_selectors
from xiaobao.workflow import services as workflow


def number_for(review: Review) -> str:
    return f"SC{timezone.localtime(review.submitted_at):%Y}{review.pk:06d}"


def lock_review(review: Review | int) -> Review:
    pk = review.pk if isinstance(review, Review) else int(review)
    return (
        Review.objects.select_for_update(of=("self",))
        .select_related("org_unit", "form_version__form_type", "submitter", "reviewer")
        .get(pk=pk)
    )


def task_for(review: Review, element_id: str, actor):
    """The open task for this step, which the actor must be able to do (holder, or candidate while unheld)."""
    task = selectors.open_task(review, element_id)
    if task is None:
        raise refusal(
            codes.WRONG_STEP,
            _("审查当前不在这一步（%(status)s），请刷新页面。") % {"status": review.get_status_display()},
            status=409,
        )
    if not workflow_selectors.may_act(actor, task):
        raise refusal(codes.NOT_ALLOWED, _("您不能办理这一步。"), status=403)
    return task


def complete_step(task, *, actor, data: dict, expected_version=None, now, comment: str = "") -> None:
    workflow.complete(
        task=task, user=actor, data=data, expected_version=expected_version, comment=comment, now=now, via_app=True
    )


def save_fields(review: Review, *fields: str) -> None:
    review.save(update_fields=list(fields))


def reason_given(value: str, field: str = "reason") -> str:
    value = (value or "").strip()
    if not value:
        raise refusal(codes.REASON_REQUIRED, _("请说明理由。"), field=field)
    return value


def invalid(problems: dict) -> BusinessRuleError:
    return BusinessRuleError(codes.INVALID, _("请检查标红的字段。"), fields=problems)


def follow_up(review: Review, opinion: Opinion, *, now: datetime) -> None:
    """An opinion finally adopted: substantive and requiring a change, it is verified before launch."""
    if opinion.kind == Opinion.Kind.SUBSTANTIVE and opinion.requires_change:
        followup.open_verification(review, opinion, now=now)
