"""Periodic-review reminders: a work order to a policy's owner before its review date, once per date."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from xiaobao.knowledge import reminders, services, tasks
from xiaobao.knowledge.models import Document
from xiaobao.workorders.models import WorkOrder

from .conftest import create

NOW = timezone.make_aware(datetime(2026, 3, 2, 9, 0))
TODAY = date(2026, 3, 2)


@pytest.fixture
def policy(cast, terms):
    return create(
        cast,
        title="客户信息保护管理办法",
        body="第一条",
        number="XB-2025-003",
        policy_status=Document.PolicyStatus.CURRENT,
        review_due_on=TODAY + timedelta(days=20),
    )


def orders_for(document):
    return WorkOrder.objects.filter(source_id=str(document.pk), parent__isnull=True)


def test_a_policy_due_for_review_gets_one_work_order_for_its_owner(cast, policy):
    assert reminders.review_reminders_sweep(now=NOW) == 1
    order = orders_for(policy).get()
    assert order.recipient_user == cast.hq_admin and order.org_unit == cast.hq
    assert order.kind == WorkOrder.Kind.OTHER and "客户信息保护管理办法" in order.title
    assert timezone.localdate(order.due_at) == policy.review_due_on
    policy.refresh_from_db()
    assert policy.review_reminded_for == policy.review_due_on


def test_running_the_sweep_again_opens_nothing(cast, policy):
    reminders.review_reminders_sweep(now=NOW)
    assert reminders.review_reminders_sweep(now=NOW) == 0
    assert reminders.review_reminders_sweep(now=NOW + timedelta(days=3)) == 0
    assert orders_for(policy).count() == 1


def test_a_new_review_date_rearms_the_reminder(cast, policy):
    reminders.review_reminders_sweep(now=NOW)
    services.document_update(document=policy, actor=cast.hq_admin, review_due_on=TODAY + timedelta(days=25))
    assert reminders.review_reminders_sweep(now=NOW) == 1
    assert orders_for(policy).count() == 2


def test_nothing_before_the_window_opens(cast, policy):
    policy.review_due_on = TODAY + timedelta(days=reminders.remind_days() + 1)
    policy.save(update_fields=["review_due_on"])
    assert reminders.review_reminders_sweep(now=NOW) == 0
    assert reminders.review_reminders_sweep(now=NOW + timedelta(days=1)) == 1


def test_repealed_archived_and_other_kinds_are_not_reminded(cast, policy):
    due = TODAY + timedelta(days=5)
    repealed = create(cast, title="旧办法", policy_status=Document.PolicyStatus.REPEALED, review_due_on=due)
    script = create(cast, kind=Document.Kind.SCRIPT, title="话术", review_due_on=due)
    archived = create(cast, title="归档办法", policy_status=Document.PolicyStatus.CURRENT, review_due_on=due)
    services.document_archive(document=archived, actor=cast.hq_admin)
    assert reminders.review_reminders_sweep(now=NOW) == 1
    for document in (repealed, script, archived):
        assert not orders_for(document).exists()


def test_a_passed_review_date_still_reminds_with_a_short_deadline(cast, policy):
    policy.review_due_on = TODAY - timedelta(days=10)
    policy.save(update_fields=["review_due_on"])
    assert reminders.review_reminders_sweep(now=NOW) == 1
    assert orders_for(policy).get().due_at > NOW


def test_an_owner_who_cannot_handle_work_orders_leaves_it_to_the_unit(cast, policy):
    policy.owner = cast.manager  # read-only management: cannot act on a work order
    policy.save(update_fields=["owner"])
    assert reminders.review_reminders_sweep(now=NOW) == 1
    order = orders_for(policy).get()
    assert order.recipient_user is None and order.org_unit == cast.hq


def test_the_celery_shell_runs_the_sweep(cast, policy):
    assert tasks.sweep_review_reminders.run() == 1
    assert orders_for(policy).count() == 1
