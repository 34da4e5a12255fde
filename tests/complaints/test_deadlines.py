"""The statutory clock (Art. 18): 15 days from receipt (calendar days, Civil Code counting: the
first day not counted, a last day off moves to the next working day), extended to 30 and by a
further 30 with approval and notice; 督办 once when it passes."""

from __future__ import annotations

import pytest

from tests.complaints.conftest import NOW, at, decide, end_of, open_task, reload
from xiaobao.complaints import error_codes as codes
from xiaobao.complaints import services
from xiaobao.complaints.models import Complaint, ComplaintRule, Extension
from xiaobao.core.api_errors import BusinessRuleError
from xiaobao.core.models import AuditEntry, Notification
from xiaobao.workflow import services as workflow
from xiaobao.workflow.models import Timer
from xiaobao.workorders.models import WorkOrder


def refused(code: str, call, **kwargs) -> None:
    with pytest.raises(BusinessRuleError) as caught:
        call(**kwargs)
    assert caught.value.error_code == code


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (at(2025, 3, 3, 10, 0), end_of(2025, 3, 18)),  # Monday + 15 days = Tuesday
        (at(2025, 3, 1, 22, 0), end_of(2025, 3, 17)),  # ends Sunday 03-16 → Monday
        (at(2025, 4, 16, 9, 0), end_of(2025, 5, 6)),  # ends 05-01, 劳动节 (05-01…05-05) → Tuesday 05-06
        (at(2025, 9, 16, 9, 0), end_of(2025, 10, 9)),  # ends 10-01, 国庆中秋 (10-01…10-08) → 10-09
    ],
)
def test_the_deadline_is_15_calendar_days_from_receipt(register, received, due):
    complaint = register(received_at=received, now=max(received, NOW))
    assert complaint.due_at == due


def test_the_clock_runs_from_receipt_not_registration(register):
    complaint = register(received_at=at(2025, 2, 28, 17, 0), now=NOW)  # registered the next Monday
    assert complaint.due_at == end_of(2025, 3, 17)  # 02-28 + 15 = 03-15 (Sat) → Monday


def test_the_day_unit_is_a_rule_setting(register):
    ComplaintRule.objects.filter(code="deadline.initial").update(value={"days": 15, "unit": "working"})
    complaint = register()
    assert complaint.due_at == end_of(2025, 3, 24)  # 15 working days after Monday 03-03


@pytest.fixture
def extended(people, handling):
    return services.complaint_extend(
        complaint=handling,
        actor=people.officer_a,
        level=Extension.Level.COMPLEX,
        reason="需调取双录资料核实销售过程",
        approver=people.officer_a,
        notice_method="电话",
        now=at(2025, 3, 10, 9, 0),
    )


def test_a_first_extension_runs_to_30_days_and_moves_the_task_and_its_timer(people, handling, extended):
    complaint = reload(handling)
    assert (complaint.due_at, complaint.extension_level) == (end_of(2025, 4, 2), 1)
    assert complaint.complexity == Complaint.Complexity.COMPLEX
    assert (extended.previous_due_at, extended.new_due_at) == (end_of(2025, 3, 18), end_of(2025, 4, 2))
    assert (extended.approved_by, extended.notice_method) == (people.officer_a, "电话")
    assert open_task(complaint, "handle").due_at == end_of(2025, 4, 2)
    assert Timer.objects.get(element_id="handle_overdue", status=Timer.Status.PENDING).fire_at == end_of(2025, 4, 2)
    assert AuditEntry.objects.filter(action="complaint.extend").count() == 1


def test_an_extension_before_assignment_reaches_the_handling_task(people, register):
    complaint = register()
    services.complaint_accept(complaint=complaint, actor=people.officer_a, now=NOW)
    services.complaint_extend(
        complaint=complaint,
        actor=people.officer_a,
        level=1,
        reason="案情复杂",
        approver=people.officer_a,
        notice_method="短信",
        now=NOW,
    )
    services.complaint_assign(complaint=complaint, actor=people.officer_a, now=NOW)
    assert open_task(complaint, "handle").due_at == end_of(2025, 4, 2)


def test_a_second_extension_needs_the_higher_level_unit(people, handling, extended):
    refused(
        codes.APPROVER_NOT_SUPERIOR,
        services.complaint_extend,
        complaint=handling,
        actor=people.officer_a,
        level=2,
        reason="需第三方鉴定",
        approver=people.officer_a,  # the responsible unit itself
        notice_method="书面",
    )
    assert reload(handling).extension_level == 1


def test_a_second_extension_approved_by_head_office_runs_a_further_30_days(people, handling, extended):
    services.complaint_extend(
        complaint=handling,
        actor=people.officer_a,
        level=2,
        reason="需第三方鉴定",
        approver=people.hq_admin,
        notice_method="书面",
        now=at(2025, 3, 30, 9, 0),
    )
    complaint = reload(handling)
    # 03-03 + 60 = 05-02, in the 劳动节 holiday → Tuesday 05-06
    assert (complaint.due_at, complaint.extension_level) == (end_of(2025, 5, 6), 2)
    assert open_task(complaint, "handle").due_at == end_of(2025, 5, 6)


def test_head_office_senior_management_may_approve_the_second_extension(people, handling, extended):
    services.complaint_extend(
        complaint=handling,
        actor=people.officer_a,
        level=2,
        reason="需第三方鉴定",
        approver=people.senior,
        notice_method="书面",
    )
    assert reload(handling).extension_level == 2


def test_a_second_extension_without_notice_is_refused(people, handling, extended):
    refused(
        codes.NOTICE_REQUIRED,
        services.complaint_extend,
        complaint=handling,
        actor=people.officer_a,
        level=2,
        reason="需第三方鉴定",
        approver=people.hq_admin,
        notice_method="",
    )


def test_an_extension_needs_a_reason_and_an_approver(people, handling):
    kwargs = {"complaint": handling, "actor": people.officer_a, "level": 1, "notice_method": "电话"}
    refused(codes.REASON_REQUIRED, services.complaint_extend, reason="", approver=people.officer_a, **kwargs)
    refused(codes.APPROVER_REQUIRED, services.complaint_extend, reason="复杂", approver=None, **kwargs)
    assert not Extension.objects.exists()


def test_the_second_level_cannot_come_first(people, handling):
    refused(
        codes.EXTENSION_ORDER,
        services.complaint_extend,
        complaint=handling,
        actor=people.officer_a,
        level=2,
        reason="复杂",
        approver=people.hq_admin,
        notice_method="电话",
    )


def test_a_third_extension_is_refused(people, handling, extended):
    services.complaint_extend(
        complaint=handling,
        actor=people.officer_a,
        level=2,
        reason="鉴定",
        approver=people.hq_admin,
        notice_method="书面",
    )
    for level in (2, 3):
        refused(
            codes.EXTENSION_LIMIT,
            services.complaint_extend,
            complaint=handling,
            actor=people.officer_a,
            level=level,
            reason="再延",
            approver=people.hq_admin,
            notice_method="书面",
        )
    assert Extension.objects.count() == 2


def test_no_extension_after_the_decision(people, handling):
    decide(handling, people.officer_a)
    refused(
        codes.WRONG_STEP,
        services.complaint_extend,
        complaint=handling,
        actor=people.officer_a,
        level=1,
        reason="复杂",
        approver=people.officer_a,
        notice_method="电话",
    )


# --- reminders and 督办 ---------------------------------------------------------------------


def test_the_handler_is_reminded_before_the_deadline(people, handling):
    assert open_task(handling, "handle").remind_at == end_of(2025, 3, 15)
    assert workflow.sweep_timers(now=at(2025, 3, 16, 9, 0))["reminded"] == 1
    assert Notification.objects.filter(kind="workflow.remind", recipient=people.officer_a).count() == 1


def test_the_overdue_timer_opens_one_supervision_order_however_often_the_sweep_runs(people, handling):
    late = at(2025, 3, 19, 9, 0)
    assert workflow.sweep_timers(now=late)["fired"] == 1
    workflow.sweep_timers(now=late)
    workflow.sweep_timers(now=at(2025, 3, 20, 9, 0))
    orders = WorkOrder.objects.filter(kind=WorkOrder.Kind.SUPERVISION)
    assert orders.count() == 1
    order, complaint = orders.get(), reload(handling)
    assert (complaint.supervision_order_id, complaint.supervised_at) == (order.pk, late)
    assert (order.org_unit, order.source_id) == (people.branch_a, str(complaint.pk))
    assert open_task(complaint, "handle") is not None  # the handler still has to decide
    assert Notification.objects.filter(kind="complaints.supervised", recipient=people.officer_a).count() == 1


def test_nothing_is_supervised_before_the_deadline_or_after_an_extension(people, handling, extended):
    assert workflow.sweep_timers(now=at(2025, 3, 19, 9, 0))["fired"] == 0
    assert not WorkOrder.objects.exists()


def test_a_decided_complaint_is_not_supervised(people, handling):
    decide(handling, people.officer_a)
    workflow.sweep_timers(now=at(2025, 3, 19, 9, 0))
    assert not WorkOrder.objects.exists()
