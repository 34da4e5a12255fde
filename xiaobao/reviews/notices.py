"""Who hears about a review, and how: in the app (the bell) and by e-mail, queued for the worker.

Each event names the people it concerns; `notify_review` writes one notification row per person in
the caller's transaction (the e-mail copy is marked pending and sent by the worker's periodic job).
"""

from __future__ import annotations

from django.urls import NoReverseMatch

from xiaobao.core import services as core_services
from xiaobao.core.directory import users_with_role
from xiaobao.core.models import User
from xiaobao.reviews.models import Review
from xiaobao.reviews.rules import COMMITTEE_ROLE, LEAD_ROLE


def review_url(review: Review) -> str:
    try:
        return review.get_absolute_url()
    except NoReverseMatch:  # the pages are not installed (e.g. an API-only deployment)
        return ""


def notify_review(
    review: Review, people, *, kind: str, title: str, body: str = "", level: str = "info", key: str = ""
) -> int:
    """One notification per person (in-app and e-mail); with `key`, at most once per person and event."""
    return core_services.notify(
        recipients=people,
        kind=f"reviews.{kind}",
        level=level,
        title=title,
        body=body or review.title,
        url=review_url(review),
        obj=review,
        dedupe_key=f"reviews.{kind}.{review.pk}.{key}" if key else "",
        email=True,
    )


def lead_people() -> list[User]:
    """消保部: head office's consumer-protection admins, who assign reviewers and re-review objections."""
    return list(users_with_role(LEAD_ROLE))


def committee_people() -> list[User]:
    return list(users_with_role(COMMITTEE_ROLE))


def submitter_people(review: Review) -> list[User]:
    return [review.submitter]


def reviewer_people(review: Review) -> list[User]:
    return [review.reviewer] if review.reviewer_id else []
