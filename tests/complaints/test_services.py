"""Complaint use cases: each service's rules and refusals (asserted by code), and that a refusal
writes nothing."""

from __future__ import annotations

import pytest
from django.db import connection

from tests.complaints.conftest import NOW, PHONE, at, classify, close_through, decide, open_task, reload
from xiaobao.complaints import error_codes as codes_
from xiaobao.complaints import services
from xiaobao.complaints.models import Complaint
from xiaobao.core import error_codes as core_codes
from xiaobao.core.api_errors import BusinessRuleError
from xiaobao.core.models import AuditEntry, Notification
from xiaobao.workflow.exceptions import NotAllowed
from xiaobao.workflow.models import HumanTask, ProcessInstance, Timer


def refused(code: str, call, *args, **kwargs):
    before = (Complaint.objects.count(), AuditEntry.objects.count())
    with pytest.raises(BusinessRuleError) as caught:
        call(*args, **kwargs)
    assert caught.value.error_code == code
    return before


def test_registering_starts_the_clock_and_the_process(people, register):
    complaint = register()
    assert complaint.number == f"TS2025{complaint.pk:06d}"
    assert complaint.status == Complaint.Status.REGISTERED
    task = open_task(complaint, "accept")
    assert task is not None and task.org_unit == people.branch_a
    assert AuditEntry.objects.filter(action="complaint.register", object_id=str(complaint.pk)).count() == 1


def test_personal_data_is_stored_encrypted_with_a_blind_index(register):
    complaint = register()
    with connection.cursor() as cursor:
        cursor.execute("SELECT complainant_phone FROM complaints_complaint WHERE id = %s", [complaint.pk])
        stored = cursor.fetchone()[0]
    assert PHONE not in stored
    assert complaint.complainant_phone_index and complaint.complainant_id_index
    assert reload(complaint).complainant_phone == PHONE


def test_the_same_idempotency_key_and_request_returns_the_same_complaint_as_a_replay(register):
    first = register(idempotency_key="cc-2025-0001")
    second = register(idempotency_key="cc-2025-0001")
    assert (first.replayed, second.replayed) == (False, True)
    assert second.pk == first.pk
    assert Complaint.objects.count() == 1
    assert ProcessInstance.objects.count() == 1


@pytest.mark.parametrize(
    "change",
    [{"subject": "另一事由"}, {"content": "内容改了。"}, {"complainant_phone": "13900139000"}, {"amount": 500}],
)
def test_the_same_idempotency_key_with_another_request_is_refused(register, change):
    register(idempotency_key="cc-2025-0002")
    with pytest.raises(BusinessRuleError) as refused:
        register(idempotency_key="cc-2025-0002", **change)
    assert refused.value.error_code == codes_.IDEMPOTENCY_KEY_REUSED
    assert refused.value.status_code == 422
    assert Complaint.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"subject": "  "}, codes_.INVALID),
        ({"channel": "fax"}, codes_.INVALID),
        ({"received_at": at(2025, 3, 4, 10, 0)}, codes_.INVALID),  # not received in the future
        ({"complainant_count": 0}, codes_.INVALID),
        ({"relation": Complaint.Relation.HEIR}, codes_.CONSUMER_REQUIRED),  # Art. 14
    ],
)
def test_registration_refusals_write_nothing(register, overrides, code):
    before = refused(code, register, **overrides)
    assert (Complaint.objects.count(), AuditEntry.objects.count()) == before == (0, before[1])


def test_an_heir_complains_for_the_named_consumer(register):
    complaint = register(relation=Complaint.Relation.HEIR, consumer_name="王大明")
    assert reload(complaint).consumer_name == "王大明"


def test_a_person_without_the_permission_cannot_register(people, register):
    refused(codes_.NOT_ALLOWED, register, actor=people.outsider)


def test_an_officer_cannot_register_for_another_branch(people, register):
    refused(codes_.OUT_OF_SCOPE, register, actor=people.officer_b)


# --- repeat complaints -------------------------------------------------------------------


def test_a_second_complaint_by_the_same_phone_within_the_window_is_a_repeat(register):
    first = register()
    second = register(received_at=at(2025, 3, 20, 9, 0), now=at(2025, 3, 20, 9, 0), complainant_id_number="")
    assert (second.is_repeat, second.repeat_of_id) == (True, first.pk)
    assert not reload(first).is_repeat


def test_the_same_policy_by_another_person_is_a_repeat(register):
    first = register()
    later = at(2025, 3, 10, 9, 0)
    second = register(complainant_id_number="", complainant_phone="13900000000", received_at=later, now=later)
    assert second.repeat_of_id == first.pk


def test_a_complaint_outside_the_window_is_not_a_repeat(register):
    register()
    later = at(2025, 4, 3, 9, 0)  # 31 days after (the window is 30)
    second = register(received_at=later, now=later)
    assert (second.is_repeat, second.repeat_of_id) == (False, None)


def test_another_person_on_another_policy_is_not_a_repeat(register):
    register()
    other = register(complainant_id_number="", complainant_phone="13900000000", policy_number="P9")
    assert not other.is_repeat


# --- major / group complaints --------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "reasons"),
    [
        ({"complainant_count": 5}, ["complainants"]),
        ({"media_attention": True}, ["media_attention"]),
        ({"amount": "500000.00"}, ["amount"]),
        ({"complainant_count": 8, "media_attention": True}, ["complainants", "media_attention"]),
    ],
)
def test_a_major_complaint_escalates_to_head_office_at_once(people, register, overrides, reasons):
    complaint = register(**overrides)
    assert (complaint.is_major, complaint.major_reasons) == (True, reasons)
    notes = Notification.objects.filter(kind="complaints.major")
    assert {n.recipient for n in notes} == {people.hq_admin}
    assert notes.get().level == "urgent"
    assert AuditEntry.objects.filter(action="complaint.escalate_major", object_id=str(complaint.pk)).count() == 1


def test_an_ordinary_complaint_is_not_major(register):
    complaint = register(complainant_count=4, amount="499999.99")
    assert (complaint.is_major, complaint.major_reasons) == (False, [])
    assert not Notification.objects.filter(kind="complaints.major").exists()


# --- accept, assign (回避) -------------------------------------------------------------------


def test_the_responsible_units_officer_accepts_and_assigns(people, register):
    complaint = register()
    services.complaint_accept(complaint=complaint, actor=people.officer_a, now=NOW)
    assert reload(complaint).status == Complaint.Status.ACCEPTED
    services.complaint_assign(complaint=complaint, actor=people.officer_a, now=NOW)
    complaint = reload(complaint)
    assert (complaint.status, complaint.handler) == (Complaint.Status.HANDLING, people.officer_a)
    handle = open_task(complaint, "handle")
    assert (handle.assignee, handle.due_at) == (people.officer_a, complaint.due_at)


def test_another_branchs_officer_cannot_accept(people, register):
    complaint = register()
    with pytest.raises(NotAllowed):
        services.complaint_accept(complaint=complaint, actor=people.officer_b, now=NOW)


def test_the_person_complained_about_cannot_handle_it(people, register):
    complaint = register(respondent_staff=people.officer_a)
    services.complaint_accept(complaint=complaint, actor=people.officer_a, now=NOW)
    refused(codes_.CONFLICT_OF_INTEREST, services.complaint_assign, complaint=complaint, actor=people.officer_a)
    assert reload(complaint).status == Complaint.Status.ACCEPTED
    assert open_task(complaint, "assign") is not None


def test_a_complaint_about_an_officer_goes_to_a_colleague_below(people, register):
    complaint = register(respondent_staff=people.officer_a)
    services.complaint_accept(complaint=complaint, actor=people.officer_a, now=NOW)
    services.complaint_assign(
        complaint=complaint, actor=people.officer_a, org_unit=people.sub_a, handler=people.officer_a1, now=NOW
    )
    complaint = reload(complaint)
    assert (complaint.handler, complaint.org_unit) == (people.officer_a1, people.sub_a)
    assert open_task(complaint, "handle").assignee == people.officer_a1


def test_a_handler_who_cannot_reach_the_unit_is_refused(people, register):
    complaint = register()
    services.complaint_accept(complaint=complaint, actor=people.officer_a, now=NOW)
    refused(
        codes_.BAD_HANDLER,
        services.complaint_assign,
        complaint=complaint,
        actor=people.officer_a,
        handler=people.officer_b,
    )


def test_assigning_to_a_unit_outside_the_complaints_subtree_is_refused(people, register):
    complaint = register()
    services.complaint_accept(complaint=complaint, actor=people.officer_a, now=NOW)
    refused(
        codes_.OUT_OF_SCOPE,
        services.complaint_assign,
        complaint=complaint,
        actor=people.officer_a,
        org_unit=people.sub_b,
    )


# --- classify, decide, respond, 核查, 回访, close ----------------------------------------------


def test_classification_takes_only_current_codes_of_the_right_dimension(people, handling, codes):
    refused(
        codes_.BAD_CATEGORY,
        services.complaint_classify,
        complaint=handling,
        actor=people.officer_a,
        business_category=codes["C0101"],  # a cause, not a business type
        cause_category=codes["C0101"],
        demand_category=codes["D01"],
    )


def test_classifying_needs_reach_over_the_unit(people, handling, codes):
    refused(
        codes_.NOT_ALLOWED,
        services.complaint_classify,
        complaint=handling,
        actor=people.officer_b,
        business_category=codes["L05"],
        cause_category=codes["C0101"],
        demand_category=codes["D01"],
    )


def test_the_decision_must_tell_the_remedies(people, handling):
    refused(
        codes_.REMEDIES_REQUIRED,
        services.complaint_decide,
        complaint=handling,
        actor=people.officer_a,
        decision="同意退保",
        reply_method="电话",
        remedies_told=False,
    )


def test_only_the_handler_decides(people, handling):
    with pytest.raises(NotAllowed):
        decide(handling, people.officer_a1)


def test_the_decision_stops_the_clock(people, handling):
    decide(handling, people.officer_a, now=at(2025, 3, 10, 9, 0))
    complaint = reload(handling)
    assert (complaint.status, complaint.decided_at) == (Complaint.Status.REPLIED, at(2025, 3, 10, 9, 0))
    assert open_task(complaint, "response").assignee == people.officer_a


def test_the_whole_path_closes_the_complaint_and_its_process(people, handling, codes):
    complaint = close_through(handling, people, codes)
    assert (complaint.status, complaint.root_cause.code) == (Complaint.Status.CLOSED, "R01")
    assert ProcessInstance.objects.get().status == ProcessInstance.Status.COMPLETED


def test_closing_without_classification_is_refused(people, handling, codes):
    decide(handling, people.officer_a)
    services.complaint_record_response(complaint=handling, actor=people.officer_a, satisfied=True, reexamine=False)
    services.complaint_revisit(complaint=handling, actor=people.officer_a, result="满意")
    refused(
        codes_.NOT_CLASSIFIED,
        services.complaint_close,
        complaint=handling,
        actor=people.officer_a,
        root_cause=codes["R01"],
    )
    assert reload(handling).status == Complaint.Status.REVISITING


def test_closing_needs_a_root_cause(people, handling, codes):
    complaint = handling
    classify(complaint, people.officer_a, codes)
    decide(complaint, people.officer_a)
    services.complaint_record_response(complaint=complaint, actor=people.officer_a, satisfied=True, reexamine=False)
    services.complaint_revisit(complaint=complaint, actor=people.officer_a, result="满意")
    refused(
        codes_.ROOT_CAUSE_REQUIRED,
        services.complaint_close,
        complaint=complaint,
        actor=people.officer_a,
        root_cause=None,
    )
    refused(
        codes_.BAD_CATEGORY,
        services.complaint_close,
        complaint=complaint,
        actor=people.officer_a,
        root_cause=codes["D01"],
    )


def test_a_branchs_complaint_is_reexamined_by_head_office(people, handling):
    decide(handling, people.officer_a)
    services.complaint_record_response(
        complaint=handling, actor=people.officer_a, satisfied=False, reexamine=True, now=at(2025, 3, 11, 9, 0)
    )
    complaint = reload(handling)
    assert complaint.status == Complaint.Status.REEXAMINING
    assert complaint.reexamine_due_at == at(2025, 4, 10, 23, 59, 59, 999999)  # 30 calendar days
    with pytest.raises(NotAllowed):
        services.complaint_reexamine(complaint=complaint, actor=people.officer_a, conclusion="维持", upheld=True)
    services.complaint_reexamine(
        complaint=complaint, actor=people.hq_admin, conclusion="原决定适当，予以维持。", upheld=True
    )
    complaint = reload(handling)
    assert complaint.status == Complaint.Status.REVISITING
    assert open_task(complaint, "revisit").assignee == people.officer_a


def test_a_sub_branchs_complaint_is_reexamined_by_its_branch(people, register):
    complaint = register(org_unit=people.sub_a)
    services.complaint_accept(complaint=complaint, actor=people.officer_a1, now=NOW)
    services.complaint_assign(complaint=complaint, actor=people.officer_a1, now=NOW)
    decide(complaint, people.officer_a1)
    services.complaint_record_response(complaint=complaint, actor=people.officer_a1, satisfied=False, reexamine=True)
    task = open_task(complaint, "reexamine_branch")
    assert task.org_unit == people.branch_a
    told = Notification.objects.filter(kind="complaints.reexamine").values_list("recipient", flat=True)
    assert list(told) == [people.officer_a.pk]
    with pytest.raises(NotAllowed):
        services.complaint_reexamine(complaint=complaint, actor=people.officer_a1, conclusion="维持", upheld=True)
    services.complaint_reexamine(complaint=complaint, actor=people.officer_a, conclusion="部分支持", upheld=False)
    assert reload(complaint).reexamine_conclusion == "部分支持"


def test_satisfied_and_asking_for_reexamination_is_refused(people, handling):
    decide(handling, people.officer_a)
    refused(
        codes_.INVALID,
        services.complaint_record_response,
        complaint=handling,
        actor=people.officer_a,
        satisfied=True,
        reexamine=True,
    )


def test_a_step_out_of_order_is_a_conflict(people, handling):
    with pytest.raises(BusinessRuleError) as caught:
        services.complaint_revisit(complaint=handling, actor=people.officer_a, result="满意")
    assert (caught.value.error_code, caught.value.status_code) == (codes_.WRONG_STEP, 409)


# --- withdrawal (Art. 15) ------------------------------------------------------------------


def test_a_withdrawal_ends_the_process_the_day_it_arrives(people, handling):
    arrived = at(2025, 3, 5, 16, 30)
    services.complaint_withdraw(complaint=handling, actor=people.agent, reason="投诉人来电撤回", now=arrived)
    complaint = reload(handling)
    assert (complaint.status, complaint.withdrawn_at) == (Complaint.Status.WITHDRAWN, arrived)
    instance = ProcessInstance.objects.get()
    assert (instance.status, instance.ended_at) == (ProcessInstance.Status.CANCELLED, arrived)
    assert not HumanTask.objects.filter(instance=instance, status=HumanTask.Status.OPEN).exists()
    assert not Timer.objects.filter(instance=instance, status=Timer.Status.PENDING).exists()


def test_a_withdrawal_needs_a_reason_and_an_open_complaint(people, handling):
    refused(codes_.REASON_REQUIRED, services.complaint_withdraw, complaint=handling, actor=people.officer_a, reason=" ")
    services.complaint_withdraw(complaint=handling, actor=people.officer_a, reason="撤回")
    refused(codes_.CLOSED, services.complaint_withdraw, complaint=handling, actor=people.officer_a, reason="再次撤回")


def test_an_outsider_cannot_withdraw(people, handling):
    refused(codes_.NOT_ALLOWED, services.complaint_withdraw, complaint=handling, actor=people.officer_b, reason="撤回")


# --- personal data -------------------------------------------------------------------------


def test_revealing_needs_a_reason_and_is_audited(people, register):
    complaint = register()
    refused(
        core_codes.REVEAL_REASON_REQUIRED,
        services.complaint_reveal,
        complaint=complaint,
        actor=people.officer_a,
        field="complainant_phone",
        reason="",
    )
    value = services.complaint_reveal(
        complaint=complaint, actor=people.officer_a, field="complainant_phone", reason="回访需要联系投诉人"
    )
    assert value == PHONE
    entry = AuditEntry.objects.get(action="personal_data.reveal")
    assert (entry.actor, entry.reason, entry.object_id) == (people.officer_a, "回访需要联系投诉人", str(complaint.pk))
    assert PHONE not in str(entry.changes)


def test_another_branch_cannot_reveal(people, register):
    complaint = register()
    refused(
        core_codes.REVEAL_NOT_ALLOWED,
        services.complaint_reveal,
        complaint=complaint,
        actor=people.officer_b,
        field="complainant_id_number",
        reason="查看",
    )
