"""Periodic review of internal policies (制度定期评估): before a current policy's review date, its owner gets a
work order to review it.

`review_reminders_sweep` (Celery beat, daily, via tasks.py) opens one 其他 work order per policy and review
date — `Document.review_reminded_for` remembers the date reminded, so running the sweep twice, or every day,
opens nothing new; setting a new review date after the review re-arms it. Each policy is handled in its own
transaction: one that cannot be reminded (say its owning unit was closed) does not hold up the others.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from xiaobao.core import audit
from xiaobao.core.api_errors import BusinessRuleError
from xiaobao.knowledge.models import Document
from xiaobao.workorders import services as workorders

logger = logging.getLogger(__name__)

REMIND_DAYS = 30  # calendar days before the review date, unless settings.KNOWLEDGE_REVIEW_REMIND_DAYS says otherwise
ORDER_KIND = "other"  # 其他 (workorders.WorkOrder.Kind): a review is neither a rectification nor a report
LATE_DUE_DAYS = 5  # working days given when the review date has already passed


def remind_days() -> int:
    return int(getattr(settings, "KNOWLEDGE_REVIEW_REMIND_DAYS", REMIND_DAYS))


def due_for_reminder(today) -> Q:
    """Current internal policies whose review date is within the window (or past) and not yet reminded."""
    return (
        Q(kind=Document.Kind.POLICY, is_archived=False, current_version__isnull=False)
        & Q(policy_status=Document.PolicyStatus.CURRENT)
        & Q(review_due_on__isnull=False, review_due_on__lte=today + timedelta(days=remind_days()))
        & (Q(review_reminded_for__isnull=True) | ~Q(review_reminded_for=F("review_due_on")))
    )


def _open_order(document: Document, *, today, now: datetime):
    due = {"due_date": document.review_due_on} if document.review_due_on > today else {"due_days": LATE_DUE_DAYS}
    common = {
        "source": document,
        "title": _("制度定期评估：%(title)s") % {"title": document.title[:150]},
        "kind": ORDER_KIND,
        "content": _(
            "制度《%(title)s》（%(number)s）的定期评估日期为 %(date)s。请评估其是否仍然适用，需要修订的请在知识中心"
            "提交新版本，评估完成后更新下次评估日期。"
        )
        % {"title": document.title, "number": document.number or "-", "date": document.review_due_on.isoformat()},
        "recipient_unit": document.org_unit,
        "now": now,
        **due,
    }
    owner = document.owner
    if owner is not None:
        try:
            # a savepoint: an owner who cannot receive work orders falls back to the owning unit
            with transaction.atomic():
                return workorders.workorder_open(recipient_user=owner, **common)
        except BusinessRuleError:
            logger.info("policy %s: owner cannot receive work orders, reminding the unit", document.pk)
    return workorders.workorder_open(**common)


def review_remind(*, document_id: int, now: datetime | None = None):
    """Remind one policy's owner of its coming review (a work order); None if it is not due for one
    (anymore). Idempotent: the row is locked and re-checked, and the reminded date stored with the order."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    with transaction.atomic():
        document = (
            Document.objects.select_for_update(of=("self",))
            .select_related("org_unit", "owner")
            .filter(due_for_reminder(today), pk=document_id)
            .first()
        )
        if document is None:
            return None
        order = _open_order(document, today=today, now=now)
        document.review_reminded_for = document.review_due_on
        document.save(update_fields=["review_reminded_for"])
        audit.record(
            actor=None,
            action="knowledge.review_remind",
            obj=document,
            changes={"review_due_on": document.review_due_on.isoformat(), "work_order": order.pk},
            at=now,
        )
        return order


def review_reminders_sweep(*, now: datetime | None = None) -> int:
    """Open the due review reminders; returns how many work orders were opened."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    opened = 0
    ids = list(
        Document.objects.filter(due_for_reminder(today)).order_by("review_due_on", "pk").values_list("pk", flat=True)
    )
    for pk in ids:
        try:
            if review_remind(document_id=pk, now=now) is not None:
                opened += 1
        except BusinessRuleError:
            # e.g. the owning unit is closed: logged, retried on the next run, the others go on
            logger.warning("policy %s: review reminder refused", pk, exc_info=True)
    return opened
