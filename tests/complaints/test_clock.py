"""The clock that stops and restarts (第十八条, 第二十三条), extensions that cannot rescue an overdue case
(第十八条), and received-at dates (第十五条, 第二十条) — with dates across the 2025 holidays
(国庆中秋 10-01…10-08, 劳动节 05-01…05-05)."""

from __future__ import annotations

import pytest

from tests.complaints.conftest import at, decide, end_of, open_task, reload
from xiaobao.complaints import clock_services, services
from xiaobao.complaints import error_codes as codes
from xiaobao.complaints.models import ClockEvent, Complaint, Extension
from xiaobao.core.api_errors import BusinessRuleError
from xiaobao.core.models import AuditEntry
from xiaobao.workflow.models import Timer

SEPT_16 = at(2025, 9, 16, 9, 0)  # + 15 days = 10-01 (国庆) → due 10-09


def refused(code: str, call, **kwargs) -> None:
    with pytest.raises(BusinessRuleError) as caught:
        call(**kwargs)
    assert caught.value.error_code == code


@pytest.fixture
def autumn(people, register):
    """A complaint received 2025-09-16, accepted and handled by branch A's officer."""
    complaint = register(received_at=SEPT_16, now=SEPT_16)
    services.complaint_accept(complaint=complaint, actor=people.officer_a, now=SEPT_16)
    return services.complaint_assign(complaint=complaint, actor=people.officer_a, now=SEPT_16)


def timer(complaint) -> Timer:
    return Timer.objects.get(instance__object_id=str(complaint.pk), element_id="handle_overdue")


def stop(complaint, actor, *, kind=ClockEvent.Kind.MEDIATION, started, now, **extra):
    arguments = {
        "complaint": complaint,
        "actor": actor,
        "kind": kind,
        "started_at": started,
        "reason": "投诉人同意由保险纠纷调解委员会调解",
        "evidence": "调解申请书 TJ-2025-088",
        "now": now,
        **extra,
    }
    return clock_services.complaint_clock_stop(**arguments)


def resume(complaint, actor, *, kind=ClockEvent.Kind.MEDIATION, ended, now):
    return clock_services.complaint_clock_resume(
        complaint=complaint, actor=actor, kind=kind, ended_at=ended, evidence="调解终止书", now=now
    )


# --- mediation (第二十三条) across 国庆 ------------------------------------------------------


def test_a_mediation_pause_across_national_day_leaves_its_days_out(people, autumn):
    assert autumn.due_at == end_of(2025, 10, 9)
    stop(autumn, people.officer_a, started=at(2025, 9, 25, 10, 0), now=at(2025, 9, 25, 11, 0))
    paused = reload(autumn)
    assert paused.clock_paused_since == at(2025, 9, 25, 10, 0)
    # while the clock stands still the handling task has no due and its 督办 timer waits
    assert open_task(paused, "handle").due_at is None
    assert timer(paused).status == Timer.Status.HELD
    resume(autumn, people.officer_a, ended=at(2025, 10, 10, 16, 0), now=at(2025, 10, 10, 17, 0))
    complaint = reload(autumn)
    # 9 days counted (09-17…09-25), 15 left out (09-25 → 10-10), 6 more: 10-16, a Thursday
    assert complaint.due_at == end_of(2025, 10, 16)
    assert complaint.clock_paused_since is None
    assert open_task(complaint, "handle").due_at == end_of(2025, 10, 16)
    assert (timer(complaint).status, timer(complaint).fire_at) == (Timer.Status.PENDING, end_of(2025, 10, 16))
    event = ClockEvent.objects.get()
    assert (event.recorded_by, event.evidence, event.end_evidence) == (
        people.officer_a,
        "调解申请书 TJ-2025-088",
        "调解终止书",
    )
    assert (event.due_before, event.due_after) == (end_of(2025, 10, 9), end_of(2025, 10, 16))
    assert AuditEntry.objects.filter(action__in=("complaint.clock_stop", "complaint.clock_resume")).count() == 2


def test_a_paused_clock_is_not_supervised_when_the_old_deadline_passes(people, autumn):
    from xiaobao.workflow import services as workflow

    stop(autumn, people.officer_a, started=at(2025, 9, 25, 10, 0), now=at(2025, 9, 25, 11, 0))
    workflow.sweep_timers(now=at(2025, 10, 12, 9, 0))  # the original due (10-09) has passed
    assert reload(autumn).supervision_order_id is None


def test_overlapping_stops_are_left_out_once(people, register):
    received = at(2025, 9, 1, 9, 0)  # + 15 = 09-16
    complaint = register(received_at=received, now=received)
    services.complaint_accept(complaint=complaint, actor=people.officer_a, now=received)
    services.complaint_assign(complaint=complaint, actor=people.officer_a, now=received)
    stop(complaint, people.officer_a, started=at(2025, 9, 3, 9, 0), now=at(2025, 9, 3, 10, 0))
    stop(
        complaint,
        people.officer_a,
        kind=ClockEvent.Kind.APPRAISAL,
        started=at(2025, 9, 4, 9, 0),
        notice_method="电话",
        now=at(2025, 9, 4, 10, 0),
    )
    resume(complaint, people.officer_a, ended=at(2025, 9, 6, 9, 0), now=at(2025, 9, 6, 10, 0))
    assert reload(complaint).clock_paused_since is not None  # the appraisal still runs
    resume(
        complaint,
        people.officer_a,
        kind=ClockEvent.Kind.APPRAISAL,
        ended=at(2025, 9, 8, 9, 0),
        now=at(2025, 9, 8, 10, 0),
    )
    # 09-03 → 09-08 is 5 days (not 3 + 4 = 7): 09-16 + 5 = 09-21, a Sunday → Monday 09-22 (7 would give 09-23)
    assert reload(complaint).due_at == end_of(2025, 9, 22)


def test_outside_appraisal_needs_the_complainant_told(people, autumn):
    refused(
        codes.NOTICE_REQUIRED,
        stop,
        complaint=autumn,
        actor=people.officer_a,
        kind=ClockEvent.Kind.APPRAISAL,
        started=at(2025, 9, 20, 9, 0),
        now=at(2025, 9, 20, 10, 0),
    )
    assert not ClockEvent.objects.exists()


def test_a_stop_needs_its_evidence(people, autumn):
    refused(
        codes.EVIDENCE_REQUIRED,
        stop,
        complaint=autumn,
        actor=people.officer_a,
        started=at(2025, 9, 20, 9, 0),
        now=at(2025, 9, 20, 10, 0),
        evidence=" ",
    )


def test_a_stop_cannot_be_entered_after_the_deadline_passed(people, autumn):
    # backdating a mediation after the deadline went by would turn an overdue complaint into one on time
    refused(
        codes.CLOCK_OVERDUE,
        stop,
        complaint=autumn,
        actor=people.officer_a,
        started=at(2025, 10, 5, 9, 0),
        now=at(2025, 10, 10, 9, 0),
    )
    assert reload(autumn).due_at == end_of(2025, 10, 9)


def test_a_stop_cannot_start_in_the_future_or_before_receipt(people, autumn):
    kwargs = {"complaint": autumn, "actor": people.officer_a, "now": at(2025, 9, 20, 9, 0)}
    refused(codes.RECEIVED_IN_FUTURE, stop, started=at(2025, 9, 22, 9, 0), **kwargs)
    refused(codes.RECEIVED_BEFORE_COMPLAINT, stop, started=at(2025, 9, 10, 9, 0), **kwargs)


def test_no_stop_after_the_decision(people, autumn):
    decide(autumn, people.officer_a, now=at(2025, 9, 20, 9, 0))
    refused(
        codes.CLOCK_NOT_RUNNING,
        stop,
        complaint=autumn,
        actor=people.officer_a,
        started=at(2025, 9, 20, 9, 0),
        now=at(2025, 9, 21, 9, 0),
    )


def test_a_stop_is_ended_only_once(people, autumn):
    refused(
        codes.CLOCK_NOT_STOPPED,
        resume,
        complaint=autumn,
        actor=people.officer_a,
        ended=at(2025, 9, 20, 9, 0),
        now=at(2025, 9, 20, 10, 0),
    )


# --- new facts and reasons (第十八条第三款) ----------------------------------------------------


def new_facts(complaint, actor, *, received, now):
    return clock_services.complaint_new_facts(
        complaint=complaint,
        actor=actor,
        received_at=received,
        reason="投诉人补充提交了销售录音，反映另有口头承诺",
        evidence="收件登记 2025-0930-07",
        now=now,
    )


def test_new_facts_restart_the_clock_from_the_day_they_arrived(people, autumn):
    # received 09-30, entered on 10-09 (still within the deadline in force): 09-30 + 15 = 10-15
    new_facts(autumn, people.officer_a, received=at(2025, 9, 30, 15, 0), now=at(2025, 10, 9, 9, 0))
    complaint = reload(autumn)
    assert complaint.due_at == end_of(2025, 10, 15)
    assert open_task(complaint, "handle").due_at == end_of(2025, 10, 15)
    event = ClockEvent.objects.get(kind=ClockEvent.Kind.NEW_FACTS)
    assert (event.started_at, event.recorded_at) == (at(2025, 9, 30, 15, 0), at(2025, 10, 9, 9, 0))


def test_new_facts_after_the_deadline_do_not_restart_it(people, autumn):
    refused(
        codes.CLOCK_OVERDUE,
        new_facts,
        complaint=autumn,
        actor=people.officer_a,
        received=at(2025, 10, 8, 9, 0),
        now=at(2025, 10, 10, 9, 0),
    )
    assert reload(autumn).due_at == end_of(2025, 10, 9)


def test_an_extension_after_new_facts_counts_from_the_restart(people, autumn):
    new_facts(autumn, people.officer_a, received=at(2025, 9, 30, 15, 0), now=at(2025, 9, 30, 16, 0))
    services.complaint_extend(
        complaint=autumn,
        actor=people.officer_a,
        level=Extension.Level.COMPLEX,
        reason="需核实录音",
        approver=people.officer_a,
        notice_method="电话",
        now=at(2025, 10, 9, 9, 0),
    )
    assert reload(autumn).due_at == end_of(2025, 10, 30)  # 09-30 + 30


# --- extensions (第十八条): before the deadline, by the right people --------------------------


def extend(complaint, actor, approver, *, level, now):
    return services.complaint_extend(
        complaint=complaint,
        actor=actor,
        level=level,
        reason="案情复杂",
        approver=approver,
        notice_method="电话",
        now=now,
    )


def test_a_late_extension_is_refused_and_the_on_time_rate_does_not_move(people, autumn):
    from xiaobao.complaints import selectors

    # the deadline (10-09, after 国庆) passed; asking on 10-10 is too late
    refused(
        codes.EXTENSION_LATE,
        extend,
        complaint=autumn,
        actor=people.officer_a,
        approver=people.officer_a,
        level=1,
        now=at(2025, 10, 10, 9, 0),
    )
    complaint = reload(autumn)
    assert (complaint.extension_level, complaint.due_at) == (0, end_of(2025, 10, 9))
    assert not Extension.objects.exists()
    decide(complaint, people.officer_a, now=at(2025, 10, 11, 9, 0))
    figures = selectors.statistics(people.hq_admin, {}, now=at(2025, 10, 31, 9, 0))["totals"]
    assert (figures["due"], figures["on_time"], figures["on_time_rate"]) == (1, 0, 0.0)


def test_an_extension_on_the_last_day_is_in_time(people, autumn):
    extend(autumn, people.officer_a, people.officer_a, level=1, now=at(2025, 10, 9, 23, 0))
    assert reload(autumn).due_at == end_of(2025, 10, 16)  # 09-16 + 30


def test_the_second_extensions_approver_needs_the_approving_role(people, autumn):
    from tests.helpers import make_user

    extend(autumn, people.officer_a, people.officer_a, level=1, now=at(2025, 9, 20, 9, 0))
    clerk = make_user("hq_clerk", people.hq, "dept_clerk", "赵会计")  # at head office, but without the role
    refused(
        codes.APPROVER_NOT_SUPERIOR,
        extend,
        complaint=autumn,
        actor=people.officer_a,
        approver=clerk,
        level=2,
        now=at(2025, 9, 30, 9, 0),
    )
    extend(autumn, people.officer_a, people.senior, level=2, now=at(2025, 9, 30, 9, 0))
    assert reload(autumn).extension_level == 2


def test_the_approving_roles_are_data(people, autumn):
    from xiaobao.complaints.models import ComplaintRule

    ComplaintRule.objects.update_or_create(
        code="extension.special_approvers",
        defaults={"name": "x", "value": {"superior_roles": [], "head_office_roles": ["management"]}},
    )
    extend(autumn, people.officer_a, people.officer_a, level=1, now=at(2025, 9, 20, 9, 0))
    refused(
        codes.APPROVER_NOT_SUPERIOR,
        extend,
        complaint=autumn,
        actor=people.officer_a,
        approver=people.hq_admin,  # above the branch, but its role no longer approves
        level=2,
        now=at(2025, 9, 30, 9, 0),
    )


# --- received-at dates: withdrawal (第十五条), 核查 (第二十条) ----------------------------------------


def test_a_withdrawal_entered_five_days_after_it_was_received(people, autumn):
    services.complaint_withdraw(
        complaint=autumn,
        actor=people.officer_a,
        reason="投诉人来电撤回，录音留存",
        received_at=at(2025, 10, 6, 10, 0),  # during 国庆, before the deadline (10-09)
        now=at(2025, 10, 11, 9, 0),  # entered five days later, after the deadline
    )
    complaint = reload(autumn)
    assert complaint.status == Complaint.Status.WITHDRAWN
    assert (complaint.withdrawn_at, complaint.withdraw_recorded_at) == (at(2025, 10, 6, 10, 0), at(2025, 10, 11, 9, 0))
    assert open_task(complaint, "handle") is None
    # the procedure ended on 10-06 (before the deadline): no decision fell due, so it is not counted late
    from xiaobao.complaints import selectors

    figures = selectors.statistics(people.hq_admin, {}, now=at(2025, 10, 31, 9, 0))["totals"]
    assert (figures["due"], figures["overdue"]) == (0, 0)


def test_a_withdrawal_cannot_be_received_in_the_future_or_before_the_complaint(people, autumn):
    kwargs = {"complaint": autumn, "actor": people.officer_a, "reason": "撤回", "now": at(2025, 9, 20, 9, 0)}
    refused(codes.RECEIVED_IN_FUTURE, services.complaint_withdraw, received_at=at(2025, 9, 21, 9, 0), **kwargs)
    refused(codes.RECEIVED_BEFORE_COMPLAINT, services.complaint_withdraw, received_at=at(2025, 9, 1, 9, 0), **kwargs)
    assert reload(autumn).status == Complaint.Status.HANDLING


def respond(complaint, actor, *, received, now):
    return services.complaint_record_response(
        complaint=complaint, actor=actor, satisfied=False, reexamine=True, received_at=received, now=now
    )


def test_a_reexamination_is_due_30_days_after_the_application_was_received(people, autumn):
    decide(autumn, people.officer_a, now=at(2025, 9, 26, 9, 0))
    respond(autumn, people.officer_a, received=at(2025, 10, 8, 10, 0), now=at(2025, 10, 13, 9, 0))
    complaint = reload(autumn)
    assert complaint.reexamine_requested_at == at(2025, 10, 8, 10, 0)
    assert complaint.reexamine_due_at == end_of(2025, 11, 7)  # 10-08 + 30


def test_a_reexamination_on_the_30th_day_moved_off_a_sunday_is_in_time(people, autumn):
    decide(autumn, people.officer_a, now=at(2025, 9, 26, 9, 0))  # + 30 = 10-26 (Sunday) → 10-27
    respond(autumn, people.officer_a, received=at(2025, 10, 27, 10, 0), now=at(2025, 10, 27, 11, 0))
    assert reload(autumn).status == Complaint.Status.REEXAMINING


def test_a_reexamination_one_day_late_is_refused(people, autumn):
    decide(autumn, people.officer_a, now=at(2025, 9, 26, 9, 0))
    refused(
        codes.REEXAMINE_LATE,
        respond,
        complaint=autumn,
        actor=people.officer_a,
        received=at(2025, 10, 28, 9, 0),
        now=at(2025, 10, 28, 10, 0),
    )
    assert reload(autumn).status == Complaint.Status.REPLIED


def test_head_offices_own_decision_has_no_reexamination(people, autumn):
    decide(autumn, people.officer_a, now=at(2025, 9, 20, 9, 0))
    Complaint.objects.filter(pk=autumn.pk).update(org_unit=people.hq)  # as if head office had decided it
    refused(
        codes.REEXAMINE_NOT_BRANCH,
        respond,
        complaint=autumn,
        actor=people.hq_admin,
        received=at(2025, 9, 22, 9, 0),
        now=at(2025, 9, 22, 10, 0),
    )


# --- 不予办理 (第十八条第四款) ---------------------------------------------------------------------


def test_a_declined_complaint_keeps_its_ground_and_notice_and_ends(people, autumn):
    clock_services.complaint_decline(
        complaint=autumn,
        actor=people.officer_a,
        ground="来电人非投诉人本人，亦无授权委托书",
        evidence="来电录音 20250918-0031",
        notice_method="电话",
        noticed_at=at(2025, 9, 18, 16, 0),
        now=at(2025, 9, 19, 9, 0),
    )
    complaint = reload(autumn)
    assert complaint.status == Complaint.Status.DECLINED
    assert (complaint.declined_at, complaint.decline_notice_method) == (at(2025, 9, 18, 16, 0), "电话")
    assert open_task(complaint, "handle") is None
    assert ClockEvent.objects.get().kind == ClockEvent.Kind.DECLINED


def test_declining_needs_the_notice(people, autumn):
    refused(
        codes.NOTICE_REQUIRED,
        clock_services.complaint_decline,
        complaint=autumn,
        actor=people.officer_a,
        ground="非本人",
        evidence="录音",
        notice_method="",
        now=at(2025, 9, 19, 9, 0),
    )
    assert reload(autumn).status == Complaint.Status.HANDLING


def test_an_outsider_cannot_move_the_clock(people, autumn):
    refused(
        codes.NOT_ALLOWED,
        stop,
        complaint=autumn,
        actor=people.officer_b,
        started=at(2025, 9, 20, 9, 0),
        now=at(2025, 9, 20, 10, 0),
    )
