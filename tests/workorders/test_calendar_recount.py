"""A work order's own period counted in working days into a year with no holiday schedule is provisional
(weekends alone). When head office publishes that year's notice, the order is counted again from the moment
its period started, the step it waits at and its 督办 timer move with it, and recipients and issuer are told.

Issued Tuesday 2026-09-22 with 10 working days. Weekends alone: 09-23 … 10-06 (Tuesday). On the published
2026 schedule 09-25 (中秋) and 10-01…10-07 (国庆) are off and Saturday 10-10 is worked: 10-13 (Tuesday)."""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from tests.core.test_holiday_notice import NOTICE_2026
from tests.workorders.conftest import at
from tests.workorders.test_services import instance_of, open_task
from xiaobao.core import services as core_services
from xiaobao.core.models import AuditEntry, Notification
from xiaobao.workflow.models import Timer
from xiaobao.workorders import services

ISSUED = at(2026, 9, 22, 10, 0)
PUBLISHED = at(2026, 9, 22, 15, 0)


def day(moment) -> date:
    return timezone.localtime(moment).date()


def publish(cast):
    core_services.calendar_publish_notice(year=2026, text=NOTICE_2026, actor=cast.hq_admin, now=PUBLISHED)


def overdue_timer(order, element: str) -> Timer:
    return Timer.objects.get(instance=instance_of(order), element_id=element)


def test_an_order_waiting_to_be_accepted_is_recounted_and_its_timer_moves(cast, issue, no_2026):
    order = issue(due_days=10, now=ISSUED)
    assert (day(order.due_at), order.due_provisional) == (date(2026, 10, 6), True)
    accept_due = open_task(order, "accept").due_at
    publish(cast)
    order.refresh_from_db()
    assert (day(order.due_at), order.due_provisional) == (date(2026, 10, 13), False)
    # the acceptance step keeps its own 2 working days; its 督办 timer watches the order's deadline
    assert open_task(order, "accept").due_at == accept_due
    assert overdue_timer(order, "accept_overdue").fire_at == order.due_at
    told = Notification.objects.filter(kind__endswith="due_recounted")
    assert told.filter(recipient=cast.officer_a).exists() and told.filter(recipient=cast.hq_admin).exists()
    entry = AuditEntry.objects.get(action="workorder.recount_due", object_id=str(order.pk))
    assert entry.changes["year"] == 2026
    # the next step takes the recounted deadline, not the one the process was started with
    services.workorder_accept(order=order, actor=cast.officer_a, now=at(2026, 9, 23, 9, 0))
    assert open_task(order, "handle").due_at == order.due_at
    assert overdue_timer(order, "handle_overdue").fire_at == order.due_at
    # publishing the same notice again changes nothing and tells nobody again
    before = told.count()
    publish(cast)
    assert told.count() == before


def test_an_order_in_hand_moves_its_handling_step(cast, issue, no_2026):
    order = issue(due_days=10, now=ISSUED)
    services.workorder_accept(order=order, actor=cast.officer_a, now=at(2026, 9, 22, 11, 0))
    publish(cast)
    order.refresh_from_db()
    handle = open_task(order, "handle")
    assert day(handle.due_at) == date(2026, 10, 13) and not handle.due_provisional
    assert overdue_timer(order, "handle_overdue").fire_at == order.due_at


def test_a_deadline_given_as_a_date_or_already_closed_is_left_alone(cast, issue, no_2026):
    dated = issue(due_days=None, due_date=date(2026, 10, 6), now=ISSUED)
    assert not dated.due_provisional and dated.due_counted_from is None
    cancelled = issue(due_days=10, now=ISSUED)
    services.workorder_cancel(order=cancelled, actor=cast.hq_admin, reason="重复下发", now=ISSUED)
    cancelled.refresh_from_db()
    before = cancelled.due_at
    publish(cast)
    dated.refresh_from_db()
    cancelled.refresh_from_db()
    assert day(dated.due_at) == date(2026, 10, 6)
    assert cancelled.due_at == before and cancelled.due_provisional
    assert not AuditEntry.objects.filter(action="workorder.recount_due").exists()


def test_a_resent_order_counts_from_the_resend(cast, issue, no_2026):
    order = issue(due_days=10, now=at(2026, 9, 14, 10, 0))
    services.workorder_refuse(order=order, actor=cast.officer_a, reason="不属于本机构职责", now=at(2026, 9, 15, 9, 0))
    services.workorder_resolve_refusal(
        order=order, actor=cast.hq_admin, resend=True, due_days=10, comment="请协助办理", now=ISSUED
    )
    order.refresh_from_db()
    assert order.due_counted_from == ISSUED and order.due_provisional
    publish(cast)
    order.refresh_from_db()
    assert day(order.due_at) == date(2026, 10, 13)
