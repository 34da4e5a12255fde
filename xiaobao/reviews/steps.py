"""What every review service shares: the review as a business object running its process (workflow.objects),
its number, and the small refusals."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xiaobao.core.api_errors import BusinessRuleError
from xiaobao.reviews import error_codes as codes
from xiaobao.reviews import followup, selectors
from xiaobao.reviews.models import Opinion, Review
from xiaobao.workflow.objects import ProcessObject, required_text


def number_for(review: Review) -> str:
    return f"SC{timezone.localtime(review.submitted_at):%Y}{review.pk:06d}"


# The review as a business object running its process: locked with the rows its steps read; a step is done only
# by someone who may do it now (NOT_ALLOWED, 403), at the step it waits at (WRONG_STEP, 409).
REVIEW = ProcessObject(
    Review,
    process_key=selectors.PROCESS_KEY,
    related=("org_unit", "form_version__form_type", "submitter", "reviewer"),
    wrong_step=codes.WRONG_STEP,
    wrong_step_message=gettext_lazy("审查当前不在这一步（%(status)s），请刷新页面。"),
    not_allowed=codes.NOT_ALLOWED,
    not_allowed_message=gettext_lazy("您不能办理这一步。"),
)


def reason_given(value: str, field: str = "reason") -> str:
    """The reason a step requires (returning, withdrawing, re-reviewing), stripped; empty is REASON_REQUIRED."""
    return required_text(value, field=field, code=codes.REASON_REQUIRED, message=_("请说明理由。"))


def invalid(problems: dict) -> BusinessRuleError:
    return BusinessRuleError(codes.INVALID, _("请检查标红的字段。"), fields=problems)


def follow_up(review: Review, opinion: Opinion, *, now: datetime) -> None:
    """An opinion finally adopted: substantive and requiring a change, it is verified before launch."""
    if opinion.kind == Opinion.Kind.SUBSTANTIVE and opinion.requires_change:
        followup.open_verification(review, opinion, now=now)
