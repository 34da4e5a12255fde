"""Who is told, and when: reminders before the deadline, 督办 when it passes, escalation to head
office after three more working days — fired by the workflow's periodic sweep with an injected
clock, each exactly once however often the sweep runs — and the e-mail copy the worker sends.
"""

from __future__ import annotations

import pytest

from tests.helpers import make_user
from tests.workorders.conftest import NOW, at
from tests.workorders.test_services import end_of, instance_of, open_task
from xiaobao.core import services as core_services
from xiaobao.core.models import AuditEntry, Notification
from xiaobao.workflow import services as workflow
from xiaobao.workflow.models import Timer, Transition
from xiaobao.workorders import selectors, services
from xiaobao.workorders.models import WorkOrder

# The order below is due Monday 2025-03-10 (NOW, Monday 03-03, + 5 working days).
AFTER_DUE = at(2025, 3, 11, 9, 0)


@pytest.fixture
def people(cast):
    """A 消保专员 of 朝阳支公司 (the recipient), and a second head-office admin (not the issuer)."""
    cast.officer_a1 = make_user("officer_a1", cast.sub_a, "branch_officer", "陈静")
    cast.hq_admin2 = make_user("hq_admin2", cast.hq, "hq_admin", "赵敏")
    for person in (cast.officer_a, cast.officer_a1, cast.hq_admin, cast.hq_admin2, cast.officer_b):
        person.email = f"{person.username}@example.com"
        person.save()
    return cast


@pytest.fixture
def order(people, issue):
    """HQ asks 朝阳支公司 (under 北京分公司) for a self-check report; its officer accepts at once."""
    order = issue(recipient_units=[people.sub_a])
    services.workorder_accept(order=order, actor=people.officer_a1, now=NOW)
    return order


def told(kind: str) -> set[str]:
    return set(Notification.objects.filter(kind=f"workorders.{kind}").values_list("recipient__username", flat=True))


def reload(order: WorkOrder) -> WorkOrder:
    return WorkOrder.objects.get(pk=order.pk)


def test_nothing_happens_before_the_deadline(order):
    workflow.sweep_timers(now=at(2025, 3, 10, 18, 0))
    assert reload(order).supervision == WorkOrder.Supervision.NONE
    assert told("supervised") == set()


def test_the_reminder_before_the_deadline_reaches_the_handler_once(people, order):
    handle = open_task(order, "handle")
    assert handle.remind_at == end_of(2025, 3, 8)  # two days before the deadline
    assert workflow.sweep_timers(now=at(2025, 3, 9, 9, 0))["reminded"] == 1
    assert workflow.sweep_timers(now=at(2025, 3, 9, 10, 0))["reminded"] == 0
    reminders = Notification.objects.filter(kind="workflow.remind")
    assert [n.recipient for n in reminders] == [people.officer_a1]
    assert Transition.objects.filter(instance=instance_of(order), action="remind").count() == 1


def test_the_deadline_passing_puts_the_order_under_supervision(people, order):
    result = workflow.sweep_timers(now=AFTER_DUE)
    assert (result["fired"], result["failed"]) == (1, 0)
    supervised = reload(order)
    assert (supervised.supervision, supervised.supervised_at) == (WorkOrder.Supervision.SUPERVISED, AFTER_DUE)
    # the superior unit (北京分公司's officer), the issuer, and the recipient; not head office at large, not B
    assert told("supervised") == {"officer_a", "hq_admin", "officer_a1"}
    notes = Notification.objects.filter(kind="workorders.supervised")
    assert {n.level for n in notes} == {"urgent"}
    assert {n.email_state for n in notes} == {Notification.EmailState.PENDING}
    assert AuditEntry.objects.filter(action="workorder.supervise", object_id=str(order.pk)).count() == 1
    assert list(selectors.overdue(WorkOrder.objects.filter(pk=order.pk), now=AFTER_DUE)) == [supervised]


def test_the_sweep_running_again_changes_nothing(order):
    workflow.sweep_timers(now=AFTER_DUE)
    notes = Notification.objects.count()
    timers = Transition.objects.filter(action="timer").count()
    assert workflow.sweep_timers(now=at(2025, 3, 11, 9, 5)) == {"reminded": 0, "overdue": 0, "fired": 0, "failed": 0}
    assert Notification.objects.count() == notes
    assert Transition.objects.filter(action="timer").count() == timers
    assert AuditEntry.objects.filter(action="workorder.supervise").count() == 1


def test_three_more_working_days_without_feedback_escalate_to_head_office(people, order):
    workflow.sweep_timers(now=AFTER_DUE)
    period = Timer.objects.get(instance=instance_of(order), element_id="supervision_period")
    assert period.fire_at == end_of(2025, 3, 14)  # Tuesday + 3 working days
    workflow.sweep_timers(now=at(2025, 3, 14, 18, 0))
    assert reload(order).supervision == WorkOrder.Supervision.SUPERVISED
    workflow.sweep_timers(now=at(2025, 3, 15, 9, 0))
    escalated = reload(order)
    assert (escalated.supervision, escalated.escalated_at) == (WorkOrder.Supervision.ESCALATED, at(2025, 3, 15, 9))
    assert {"hq_admin", "hq_admin2"} <= told("escalated")
    assert "officer_b" not in told("escalated")
    notes = Notification.objects.count()
    workflow.sweep_timers(now=at(2025, 3, 17, 9, 0))
    assert Notification.objects.count() == notes
    assert AuditEntry.objects.filter(action="workorder.escalate").count() == 1


def test_a_report_within_the_supervision_period_stops_the_escalation(people, order):
    workflow.sweep_timers(now=AFTER_DUE)
    services.workorder_submit_feedback(order=order, actor=people.officer_a1, text="已完成自查", now=at(2025, 3, 12))
    workflow.sweep_timers(now=at(2025, 3, 20, 9, 0))
    assert reload(order).supervision == WorkOrder.Supervision.SUPERVISED
    assert told("escalated") == set()


def test_an_order_reported_back_before_the_deadline_is_never_supervised(people, order):
    services.workorder_submit_feedback(order=order, actor=people.officer_a1, text="已完成自查", now=at(2025, 3, 7))
    for moment in (AFTER_DUE, at(2025, 3, 20, 9, 0), at(2025, 4, 30, 9, 0)):
        workflow.sweep_timers(now=moment)
    assert reload(order).supervision == WorkOrder.Supervision.NONE
    assert told("supervised") == told("escalated") == set()
    assert not selectors.overdue(WorkOrder.objects.filter(pk=order.pk), now=AFTER_DUE).exists()


def test_an_order_never_accepted_is_supervised_and_escalated_once(people, issue):
    order = issue(recipient_units=[people.sub_a])
    workflow.sweep_timers(now=AFTER_DUE)
    assert reload(order).supervision == WorkOrder.Supervision.SUPERVISED
    # accepted late: the handling step's own deadline timer has passed too, and reaches 督办 again
    services.workorder_accept(order=order, actor=people.officer_a1, now=at(2025, 3, 11, 10))
    workflow.sweep_timers(now=at(2025, 3, 11, 11))
    for moment in (at(2025, 3, 15), at(2025, 3, 17), at(2025, 3, 20)):
        workflow.sweep_timers(now=moment)
    assert reload(order).supervision == WorkOrder.Supervision.ESCALATED
    per_person = Notification.objects.filter(kind__in=["workorders.supervised", "workorders.escalated"])
    assert per_person.filter(recipient=people.officer_a1).count() == 2  # once each
    assert AuditEntry.objects.filter(action="workorder.supervise").count() == 1
    assert AuditEntry.objects.filter(action="workorder.escalate").count() == 1


def test_closing_the_order_ends_its_timers(people, order):
    services.workorder_submit_feedback(order=order, actor=people.officer_a1, text="已完成", now=at(2025, 3, 4))
    services.workorder_review(order=order, actor=people.hq_admin, approved=True, now=at(2025, 3, 5))
    assert not Timer.objects.filter(instance=instance_of(order), status=Timer.Status.PENDING).exists()
    assert workflow.sweep_timers(now=at(2025, 4, 1))["fired"] == 0


def test_supervised_orders_are_on_the_board_and_in_the_supervising_box(people, order):
    workflow.sweep_timers(now=AFTER_DUE)
    board = selectors.board(people.hq_admin, now=AFTER_DUE)
    row = next(r for r in board["units"] if r["unit"] == people.sub_a)
    assert (row["total"], row["overdue"], row["supervised"], row["escalated"]) == (1, 1, 1, 0)
    assert (board["overdue"], board["supervised"]) == (1, 1)
    # the superior unit supervises it; the unit being supervised does not see it in that box
    assert list(selectors.work_orders_visible_to(people.officer_a, {"box": "supervising"})) == [reload(order)]
    assert list(selectors.work_orders_visible_to(people.officer_a1, {"box": "supervising"})) == []


# --- notifications reach people by e-mail too ------------------------------------------------


def test_notifications_are_queued_for_e_mail_and_sent_by_the_worker(cast, issue, mailoutbox):
    cast.officer_a.email = "zhangwei@example.com"
    cast.officer_a.save()
    order = issue()
    note = Notification.objects.get(kind="workorders.issued", recipient=cast.officer_a)
    assert note.email_state == Notification.EmailState.PENDING
    assert mailoutbox == []  # nothing is mailed inside the service
    assert core_services.notifications_send_emails() == {"sent": 1, "failed": 0}
    assert [m.to for m in mailoutbox] == [["zhangwei@example.com"]]
    assert order.title in mailoutbox[0].subject
    assert Notification.objects.filter(recipient=cast.officer_a, read_at__isnull=True).count() == 1  # the bell
