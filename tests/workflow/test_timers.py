from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.helpers import make_user
from tests.workflow.conftest import at
from tests.workflow.test_runtime import MONDAY, open_task
from xiaobao.core.models import CalendarDay, Notification
from xiaobao.workflow import services
from xiaobao.workflow.models import HumanTask, ProcessInstance, Timer, Transition
from xiaobao.workflow.tasks import sweep_timers as sweep_task


@pytest.fixture
def in_review(cast, deploy, applicant):
    deploy("approval_xiaobao.bpmn")
    instance = services.start(process_key="test_approval", business_object=applicant, actor=cast.officer_a, now=MONDAY)
    services.complete(task=open_task(instance, "submit"), user=cast.officer_a, now=MONDAY)
    return instance


def test_a_boundary_timer_counts_working_days_and_sets_the_due_time(in_review):
    timer = Timer.objects.get(instance=in_review, element_id="review_overdue")
    review = open_task(in_review, "review")
    # Monday + 3 working days = Thursday, due at the end of the day
    assert timer.fire_at == at(2025, 3, 6, 23, 59, 59, 999999)
    assert review.due_at == timer.fire_at
    assert review.remind_at == timer.fire_at - timedelta(days=1)


def test_nothing_fires_before_its_time(in_review):
    assert services.sweep_timers(now=at(2025, 3, 4, 9, 0)) == {"reminded": 0, "overdue": 0, "fired": 0, "failed": 0}


def test_the_reminder_is_sent_once(in_review):
    assert services.sweep_timers(now=at(2025, 3, 6, 8, 0))["reminded"] == 1
    assert services.sweep_timers(now=at(2025, 3, 6, 9, 0))["reminded"] == 0
    assert Transition.objects.filter(instance=in_review, action="remind").count() == 1


def test_the_reminder_notifies_the_candidates_once_and_no_one_outside(cast, in_review):
    services.sweep_timers(now=at(2025, 3, 6, 8, 0))
    services.sweep_timers(now=at(2025, 3, 6, 9, 0))
    review = open_task(in_review, "review")
    notes = Notification.objects.filter(kind="workflow.remind")
    assert [n.recipient for n in notes] == [cast.officer_a]  # branch A's officer; not branch B's
    assert notes[0].url == f"/workflow/tasks/{review.pk}/"


def test_overdue_notifies_the_holder_as_urgent(cast, in_review):
    review = services.claim(task=open_task(in_review, "review"), user=cast.officer_a, now=MONDAY)
    services.sweep_timers(now=at(2025, 3, 7, 9, 0))
    note = Notification.objects.get(kind="workflow.overdue")
    assert (note.recipient, note.level) == (cast.officer_a, "urgent")
    assert review.name in note.title


def test_reminders_and_overdue_notices_are_mailed_by_the_worker(cast, in_review, mailoutbox):
    from xiaobao.core import services as core_services

    cast.officer_a.email = "zhangwei@example.com"
    cast.officer_a.save(update_fields=["email"])
    services.sweep_timers(now=at(2025, 3, 6, 8, 0))
    note = Notification.objects.get(kind="workflow.remind")
    assert note.email_state == Notification.EmailState.PENDING  # queued with the notice, sent by the worker
    assert mailoutbox == []
    core_services.notifications_send_emails()
    assert [m.to for m in mailoutbox] == [["zhangwei@example.com"]]
    assert Notification.objects.get(pk=note.pk).email_state == Notification.EmailState.SENT


def test_overdue_fires_the_escalation_path_once(cast, in_review):
    later = at(2025, 3, 7, 9, 0)
    first = services.sweep_timers(now=later)
    assert (first["overdue"], first["fired"]) == (1, 1)
    supervise = open_task(in_review, "supervise")
    assert supervise.candidate_role.code == "hq_admin"
    assert supervise.org_unit == cast.hq
    assert open_task(in_review, "review")  # non-interrupting: the review stays open
    assert services.sweep_timers(now=later) == {"reminded": 0, "overdue": 0, "fired": 0, "failed": 0}
    assert HumanTask.objects.filter(instance=in_review, element_id="supervise").count() == 1
    assert Transition.objects.filter(instance=in_review, action="timer").count() == 1


def test_a_completed_task_cancels_its_boundary_timer(cast, in_review):
    services.complete(task=open_task(in_review, "review"), user=cast.officer_a, data={"approved": True}, now=MONDAY)
    assert Timer.objects.get(instance=in_review, element_id="review_overdue").status == Timer.Status.CANCELLED
    assert services.sweep_timers(now=at(2025, 3, 20))["fired"] == 0


def test_the_celery_task_is_a_thin_shell(in_review):
    # real time is long past March 2025, so the shell's sweep fires the timer; a second run fires nothing
    assert sweep_task.apply().get()["fired"] == 1
    assert sweep_task.apply().get()["fired"] == 0


def test_an_intermediate_timer_counts_calendar_days(cast, deploy, applicant):
    reviewer = make_user("reviewer_hq", cast.hq, "reviewer")
    deploy("parallel_timer.bpmn")
    friday = at(2025, 3, 7, 15, 0)
    instance = services.start(process_key="test_parallel", business_object=applicant, actor=None, now=friday)
    timer = Timer.objects.get(instance=instance)
    assert timer.fire_at.date().isoformat() == "2025-03-10"  # Sunday is not a working day: moved to Monday
    assert not HumanTask.objects.filter(instance=instance).exists()
    assert services.sweep_timers(now=at(2025, 3, 11))["fired"] == 1
    services.complete(task=open_task(instance, "legal"), user=reviewer, now=at(2025, 3, 11))
    services.complete(task=open_task(instance, "branch"), user=cast.officer_a, now=at(2025, 3, 11))
    instance.refresh_from_db()
    assert instance.status == ProcessInstance.Status.COMPLETED


def _second_review(cast, applicant):
    instance = services.start(process_key="test_approval", business_object=applicant, actor=cast.officer_a, now=MONDAY)
    services.complete(task=open_task(instance, "submit"), user=cast.officer_a, now=MONDAY)
    return Timer.objects.get(instance=instance, element_id="review_overdue")


def _calendar_loads(captured) -> list:
    """Statements that read the calendar's days; the cache's fingerprint check (one COUNT aggregate) is not one."""
    return [q for q in captured.captured_queries if "core_calendarday" in q["sql"] and "COUNT(" not in q["sql"].upper()]


def test_the_calendar_is_read_once_not_per_step(cast, in_review, applicant):
    with CaptureQueriesContext(connection) as captured:
        _second_review(cast, applicant)
    assert not _calendar_loads(captured)


def test_a_calendar_edit_applies_to_the_next_deadline(cast, in_review, applicant):
    CalendarDay.objects.create(date=date(2025, 3, 5), kind=CalendarDay.Kind.HOLIDAY, name="测试假日")
    # Monday + 3 working days, Wednesday off: Friday
    assert _second_review(cast, applicant).fire_at == at(2025, 3, 7, 23, 59, 59, 999999)
    CalendarDay.objects.filter(date=date(2025, 3, 5)).get().delete()
    assert _second_review(cast, applicant).fire_at == at(2025, 3, 6, 23, 59, 59, 999999)


def test_a_rolled_back_calendar_edit_does_not_stop_the_cache(transactional_db):
    from django.db import transaction

    from xiaobao.core import calendar_cache as workcalendar

    with pytest.raises(RuntimeError), transaction.atomic():
        CalendarDay.objects.create(date=date(2031, 5, 6), kind=CalendarDay.Kind.HOLIDAY, name="回滚")
        raise RuntimeError("rolled back")
    with transaction.atomic():
        workcalendar.current()
        with CaptureQueriesContext(connection) as captured:
            workcalendar.current()
    assert not _calendar_loads(captured)
