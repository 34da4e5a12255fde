"""Who hears about a review, and how: in the app (the bell) and by e-mail, queued for the worker.

Each event names the people it concerns; `core.services.notify_about` writes one notification row per person
in the caller's transaction (the e-mail copy is marked pending and sent by the worker's periodic job).
"""

from __future__ import annotations

from xiaobao.core.directory import users_with_role
from xiaobao.core.models import User
from xiaobao.reviews.models import Review
from xiaobao.reviews.rules import COMMITTEE_ROLE, LEAD_ROLE


def lead_people() -> list[User]:
    """消保部: head office's consumer-protection admins, who assign reviewers and re-review objections."""
    return list(users_with_role(LEAD_ROLE))


def committee_people() -> list[User]:
    return list(users_with_role(COMMITTEE_ROLE))


def submitter_people(review: Review) -> list[User]:
    return [review.submitter]


def reviewer_people(review: Review) -> list[User]:
    return [review.reviewer] if review.reviewer_id else []
