"""Work-order services: the loop from dispatch to closure, batches, deadlines, and every refusal.

Refusals are asserted by code (error_codes.py), and each one is checked to write nothing.
"""

from __future__ import annotations

import struct
import zlib
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from tests.helpers import make_unit, make_user
from tests.workorders.conftest import NOW, at
from xiaobao.core import error_codes as core_codes
from xiaobao.core.api_errors import BusinessRuleError
from xiaobao.core.models import Attachment, AuditEntry, Notification, OrgUnit
from xiaobao.workflow import error_codes as workflow_codes
from xiaobao.workflow.models import HumanTask, ProcessInstance, Timer, Transition
from xiaobao.workorders import error_codes as codes
from xiaobao.workorders import selectors, services
from xiaobao.workorders.models import Feedback, WorkOrder


def _png() -> bytes:
    """A real 1×1 grey PNG (signature, IHDR, IDAT, IEND with their CRCs)."""

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\x80")) + chunk(b"IEND", b"")
    )


PNG = _png()
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64


def end_of(*day) -> object:
    """A deadline: the last moment of that local day."""
    return at(*day, 23, 59, 59, 999999)


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def open_task(order: WorkOrder, element_id: str) -> HumanTask:
    return HumanTask.objects.get(
        instance__object_id=str(order.pk),
        instance__content_type__model="workorder",
        element_id=element_id,
        status=HumanTask.Status.OPEN,
    )


def instance_of(order: WorkOrder) -> ProcessInstance:
    return ProcessInstance.objects.get(object_id=str(order.pk), content_type__model="workorder")


def counts() -> dict[str, int]:
    """Everything a refused call must leave untouched."""
    return {
        "orders": WorkOrder.objects.count(),
        "instances": ProcessInstance.objects.count(),
        "tasks": HumanTask.objects.count(),
        "notifications": Notification.objects.count(),
        "attachments": Attachment.objects.count(),
        "feedbacks": Feedback.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


def refused(code: str, call, *, status: int | None = None) -> BusinessRuleError:
    """Run `call`, expect the refusal `code` (and HTTP status), and check that nothing was written."""
    before = counts()
    with pytest.raises(BusinessRuleError) as caught:
        call()
    assert caught.value.error_code == code
    if status is not None:
        assert caught.value.status_code == status
    assert counts() == before
    return caught.value


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def accepted(cast, issue):
    order = issue()
    return services.workorder_accept(order=order, actor=cast.officer_a, now=at(2025, 3, 3, 10, 0))


# --- the loop --------------------------------------------------------------------------------


def test_an_issued_order_waits_for_the_recipient_unit(cast, issue):
    order = issue()
    assert (order.status, order.org_unit, order.issuer, order.issuer_unit) == (
        WorkOrder.Status.PENDING_ACCEPT,
        cast.branch_a,
        cast.hq_admin,
        cast.hq,
    )
    assert order.number == f"GD2025{order.pk:06d}"
    assert order.due_at == end_of(2025, 3, 10)  # Monday + 5 working days
    accept = open_task(order, "accept")
    assert (accept.candidate_role.code, accept.org_unit, accept.assignee) == ("branch_officer", cast.branch_a, None)
    assert accept.due_at == end_of(2025, 3, 5)  # 2 working days to accept
    assert AuditEntry.objects.filter(action="workorder.issue", object_id=str(order.pk)).count() == 1
    note = Notification.objects.get(kind="workorders.issued")
    assert note.recipient == cast.officer_a
    assert note.url == order.get_absolute_url()


def test_an_order_goes_round_the_loop_to_closure_with_a_return(cast, issue):
    order = issue()
    services.workorder_accept(order=order, actor=cast.officer_a, now=at(2025, 3, 3, 10, 0))
    order.refresh_from_db()
    assert (order.status, order.handler, order.accepted_at) == (
        WorkOrder.Status.IN_PROGRESS,
        cast.officer_a,
        at(2025, 3, 3, 10, 0),
    )
    handle = open_task(order, "handle")
    assert (handle.assignee, handle.due_at) == (cast.officer_a, order.due_at)

    first = services.workorder_submit_feedback(
        order=order,
        actor=cast.officer_a,
        text="已完成自查，报告见附件。",
        files=[upload("自查报告.png", PNG)],
        now=at(2025, 3, 4, 10, 0),
    )
    order.refresh_from_db()
    assert (first.round, order.status) == (1, WorkOrder.Status.SUBMITTED)
    evidence = Attachment.objects.get(object_id=str(order.pk), purpose="evidence:1")
    assert (evidence.kind, evidence.org_unit) == ("png", cast.branch_a)
    assert open_task(order, "review").assignee == cast.hq_admin
    assert Notification.objects.filter(kind="workorders.submitted", recipient=cast.hq_admin).count() == 1

    services.workorder_review(
        order=order, actor=cast.hq_admin, approved=False, comment="缺少整改台账", now=at(2025, 3, 5, 10, 0)
    )
    order.refresh_from_db()
    first.refresh_from_db()
    assert (order.status, order.return_count) == (WorkOrder.Status.IN_PROGRESS, 1)
    assert (first.approved, first.review_comment, first.reviewed_by) == (False, "缺少整改台账", cast.hq_admin)
    returned = Notification.objects.get(kind="workorders.returned")
    assert (returned.recipient, returned.body) == (cast.officer_a, "缺少整改台账")
    assert open_task(order, "handle").assignee == cast.officer_a  # back to the same handler

    second = services.workorder_submit_feedback(
        order=order,
        actor=cast.officer_a,
        text="已补充整改台账。",
        files=[upload("台账.pdf", PDF)],
        now=at(2025, 3, 6, 10, 0),
    )
    services.workorder_review(order=order, actor=cast.hq_admin, approved=True, now=at(2025, 3, 7, 10, 0))
    order.refresh_from_db()
    assert (second.round, order.status, order.closed_at) == (2, WorkOrder.Status.CLOSED, at(2025, 3, 7, 10, 0))
    assert list(order.feedbacks.values_list("round", "approved")) == [(1, False), (2, True)]
    assert Attachment.objects.get(object_id=str(order.pk), purpose="evidence:2").kind == "pdf"
    assert Notification.objects.filter(kind="workorders.closed", recipient=cast.officer_a).count() == 1

    instance = instance_of(order)
    assert instance.status == ProcessInstance.Status.COMPLETED
    steps = list(Transition.objects.filter(instance=instance).values_list("action", "element_id"))
    assert steps[0][0] == "start" and steps[-1][0] == "end"
    assert [e for a, e in steps if a == "complete"] == ["accept", "handle", "review", "handle", "review"]
    assert not Timer.objects.filter(instance=instance, status=Timer.Status.PENDING).exists()
    assert AuditEntry.objects.filter(action="workflow.complete", object_id=str(order.pk)).count() == 5


def test_refusing_needs_a_reason(cast, issue):
    order = issue()
    refused(codes.REASON_REQUIRED, lambda: services.workorder_refuse(order=order, actor=cast.officer_a, reason=" "))


def test_a_refused_order_goes_back_to_the_issuer_who_resends_it(cast, issue):
    order = issue(due_days=10)  # due Monday 2025-03-17
    services.workorder_refuse(order=order, actor=cast.officer_a, reason="不属于本机构职责", now=at(2025, 3, 3, 10))
    order.refresh_from_db()
    assert (order.status, order.refuse_reason) == (WorkOrder.Status.REFUSED, "不属于本机构职责")
    assert open_task(order, "refused").assignee == cast.hq_admin
    note = Notification.objects.get(kind="workorders.refused")
    assert note.recipient == cast.hq_admin and "不属于本机构职责" in note.body

    services.workorder_resolve_refusal(
        order=order, actor=cast.hq_admin, resend=True, comment="已澄清口径", now=at(2025, 3, 6, 9, 0)
    )
    order.refresh_from_db()
    assert order.status == WorkOrder.Status.PENDING_ACCEPT
    # a fresh acceptance period from the resend (Thursday + 2 working days), not the first one (Wednesday)
    assert open_task(order, "accept").due_at == end_of(2025, 3, 10)
    assert Notification.objects.filter(kind="workorders.resent", recipient=cast.officer_a).count() == 1
    services.workorder_accept(order=order, actor=cast.officer_a, now=at(2025, 3, 6, 10, 0))
    order.refresh_from_db()
    assert order.status == WorkOrder.Status.IN_PROGRESS


def test_resending_after_the_deadline_needs_a_new_one(cast, issue):
    order = issue()  # due Monday 2025-03-10
    services.workorder_refuse(order=order, actor=cast.officer_a, reason="不属于本机构职责", now=at(2025, 3, 3, 10))
    late = at(2025, 3, 11, 9, 0)
    refused(
        codes.DUE_IN_PAST,
        lambda: services.workorder_resolve_refusal(order=order, actor=cast.hq_admin, resend=True, now=late),
    )
    services.workorder_resolve_refusal(order=order, actor=cast.hq_admin, resend=True, due_days=3, now=late)
    order.refresh_from_db()
    assert (order.due_at, order.due_days) == (end_of(2025, 3, 14), 3)
    assert Timer.objects.get(
        instance=instance_of(order), element_id="accept_overdue", status=Timer.Status.PENDING
    ).fire_at == end_of(2025, 3, 14)


def test_the_issuer_may_withdraw_a_refused_order_with_a_reason(cast, issue):
    order = issue()
    services.workorder_refuse(order=order, actor=cast.officer_a, reason="不属于本机构职责", now=at(2025, 3, 3, 10))
    refused(
        codes.REASON_REQUIRED,
        lambda: services.workorder_resolve_refusal(order=order, actor=cast.hq_admin, resend=False, comment=""),
    )
    services.workorder_resolve_refusal(
        order=order, actor=cast.hq_admin, resend=False, comment="改由河北分公司办理", now=at(2025, 3, 4, 9)
    )
    order.refresh_from_db()
    assert (order.status, order.closed_at) == (WorkOrder.Status.CANCELLED, at(2025, 3, 4, 9))
    assert instance_of(order).status == ProcessInstance.Status.COMPLETED  # ended at 撤销
    assert AuditEntry.objects.filter(action="workorder.cancel", object_id=str(order.pk)).count() == 1


def test_returning_needs_a_reason(cast, accepted):
    services.workorder_submit_feedback(order=accepted, actor=cast.officer_a, text="已完成", now=at(2025, 3, 4))
    refused(
        codes.REASON_REQUIRED,
        lambda: services.workorder_review(order=accepted, actor=cast.hq_admin, approved=False, comment=""),
    )


def test_feedback_needs_text(cast, accepted):
    refused(
        codes.FEEDBACK_REQUIRED,
        lambda: services.workorder_submit_feedback(order=accepted, actor=cast.officer_a, text="  "),
    )


def test_evidence_of_a_refused_type_writes_nothing_and_leaves_the_step_open(cast, accepted):
    refused(
        core_codes.UPLOAD_TYPE_REFUSED,
        lambda: services.workorder_submit_feedback(
            order=accepted, actor=cast.officer_a, text="已完成", files=[upload("截图.png", EXE)]
        ),
    )
    accepted.refresh_from_db()
    assert accepted.status == WorkOrder.Status.IN_PROGRESS
    assert open_task(accepted, "handle")


# --- batches ---------------------------------------------------------------------------------


@pytest.fixture
def batch(cast, issue):
    return issue(recipient_units=[cast.branch_a, cast.branch_b, cast.sub_b], files=[upload("通知.pdf", PDF)])


def children(parent: WorkOrder) -> dict[str, WorkOrder]:
    return {child.org_unit.code: child for child in parent.children.select_related("org_unit")}


def close(cast, order: WorkOrder, officer, when) -> None:
    services.workorder_accept(order=order, actor=officer, now=when)
    services.workorder_submit_feedback(order=order, actor=officer, text="已完成", now=when)
    services.workorder_review(order=order, actor=cast.hq_admin, approved=True, now=when)


def test_a_batch_makes_one_order_and_one_process_per_unit(cast, batch):
    assert (batch.is_batch, batch.status, batch.org_unit) == (True, WorkOrder.Status.DISPATCHED, cast.hq)
    kids = children(batch)
    assert sorted(kids) == ["A", "B", "B1"]
    for child in kids.values():
        assert (child.parent, child.issuer, child.due_at) == (batch, cast.hq_admin, batch.due_at)
        assert instance_of(child).status == ProcessInstance.Status.RUNNING
    assert not ProcessInstance.objects.filter(object_id=str(batch.pk), content_type__model="workorder").exists()
    assert Attachment.objects.get(purpose="material").object_id == str(batch.pk)  # shared by every child
    assert list(selectors.attachments(kids["B1"]).values_list("name", flat=True)) == ["通知.pdf"]
    assert AuditEntry.objects.filter(action="workorder.issue").count() == 4  # the batch and its three orders
    assert set(Notification.objects.filter(kind="workorders.issued").values_list("recipient__username", flat=True)) == {
        "officer_a",
        "officer_b",
    }


def test_cancelling_a_batch_cancels_its_open_orders_and_their_processes(cast, batch):
    kids = children(batch)
    close(cast, kids["A"], cast.officer_a, at(2025, 3, 4, 10))
    services.workorder_cancel(order=batch, actor=cast.hq_admin, reason="方案调整", now=at(2025, 3, 5, 9))
    statuses = {code: WorkOrder.objects.get(pk=child.pk).status for code, child in kids.items()}
    assert statuses == {"A": "closed", "B": "cancelled", "B1": "cancelled"}
    assert instance_of(kids["A"]).status == ProcessInstance.Status.COMPLETED
    for code in ("B", "B1"):
        assert instance_of(kids[code]).status == ProcessInstance.Status.CANCELLED
        assert not HumanTask.objects.filter(instance=instance_of(kids[code]), status=HumanTask.Status.OPEN).exists()
    batch.refresh_from_db()
    assert batch.status == WorkOrder.Status.CANCELLED
    assert Notification.objects.filter(kind="workorders.cancelled").count() == 2  # officer_b, once per order
    refused(
        codes.WRONG_STEP,
        lambda: services.workorder_cancel(order=batch, actor=cast.hq_admin, reason="再次撤销"),
        status=409,
    )


def test_a_batch_whose_every_order_was_withdrawn_is_cancelled_not_closed(cast, issue):
    parent = issue(recipient_units=[cast.branch_a, cast.branch_b])
    for child in parent.children.all():
        services.workorder_cancel(order=child, actor=cast.hq_admin, reason="重复下发", now=at(2025, 3, 4))
    parent.refresh_from_db()
    assert parent.status == WorkOrder.Status.CANCELLED


# --- deadlines -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "days", "unit", "due"),
    [
        # 清明 2025: Friday 4-4 to Sunday 4-6 off
        ((2025, 4, 3, 9), 1, "working", (2025, 4, 7)),
        ((2025, 4, 3, 9), 5, "working", (2025, 4, 11)),
        ((2025, 4, 3, 9), 5, "calendar", (2025, 4, 8)),
        ((2025, 4, 3, 9), 2, "calendar", (2025, 4, 7)),  # lands on Saturday 4-5: moved to the next working day
        # 劳动节 2025: 5-1 to 5-5 off, Sunday 4-27 worked (调休)
        ((2025, 4, 25, 9), 1, "working", (2025, 4, 27)),
        ((2025, 4, 30, 9), 2, "working", (2025, 5, 7)),
        ((2025, 4, 30, 9), 2, "calendar", (2025, 5, 6)),
    ],
)
def test_deadlines_count_working_or_calendar_days_on_the_calendar(cast, issue, start, days, unit, due):
    order = issue(due_days=days, day_unit=unit, now=at(*start))
    assert (order.due_at, order.due_days, order.day_unit, order.due_provisional) == (end_of(*due), days, unit, False)
    services.workorder_accept(order=order, actor=cast.officer_a, now=at(*start))
    assert open_task(order, "handle").due_at == end_of(*due)
    timer = Timer.objects.get(instance=instance_of(order), element_id="handle_overdue", status=Timer.Status.PENDING)
    assert timer.fire_at == end_of(*due)


def test_a_due_date_means_the_end_of_that_day(issue):
    assert issue(due_days=None, due_date=date(2025, 3, 3)).due_at == end_of(2025, 3, 3)


def test_a_deadline_in_a_year_without_a_holiday_schedule_is_provisional(cast, issue):
    order = issue(due_days=5, now=at(2031, 3, 3, 9))
    assert order.due_provisional
    services.workorder_accept(order=order, actor=cast.officer_a, now=at(2031, 3, 3, 10))
    assert open_task(order, "handle").due_provisional


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"due_days": None}, codes.NO_DUE),
        ({"due_days": None, "due_date": date(2025, 3, 2)}, codes.DUE_IN_PAST),
        ({"due_days": 0}, codes.BAD_DUE_DAYS),
        ({"due_days": -3}, codes.BAD_DUE_DAYS),
        ({"due_days": 366}, codes.BAD_DUE_DAYS),
        ({"due_days": "五天"}, codes.BAD_DUE_DAYS),
        ({"due_days": 2.5}, codes.BAD_DUE_DAYS),
        ({"day_unit": "lunar"}, codes.INVALID),
        ({"recipient_units": []}, codes.NO_RECIPIENTS),
        ({"title": "  "}, codes.INVALID),
        ({"kind": "gossip"}, codes.INVALID),
        ({"content": ""}, codes.INVALID),
        ({"priority": "whenever"}, codes.INVALID),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(cast, issue, overrides, code):
    refused(code, lambda: issue(**overrides), status=400)


@pytest.mark.parametrize(
    ("case", "code", "status"),
    [
        ("a closed unit", codes.RECIPIENT_INACTIVE, 400),
        ("an inactive person", codes.RECIPIENT_INACTIVE, 400),
        ("a person with no role", codes.RECIPIENT_INACTIVE, 400),  # could neither open the order nor act on it
        ("another branch", codes.RECIPIENT_OUT_OF_SCOPE, 403),  # branch A's officer dispatching to branch B
    ],
)
def test_recipients_the_issuer_may_not_send_to_are_refused(cast, issue, case, code, status):
    arguments = {
        "a closed unit": {"recipient_units": [cast.branch_a, cast.branch_b]},
        "an inactive person": {"recipient_units": [], "recipient_users": [cast.officer_b]},
        "a person with no role": {"recipient_units": [], "recipient_users": [cast.outsider]},
        "another branch": {"actor": cast.officer_a, "recipient_units": [cast.sub_a, cast.branch_b]},
    }[case]
    OrgUnit.objects.filter(pk=cast.branch_b.pk).update(is_active=case != "a closed unit")
    cast.branch_b.refresh_from_db()
    cast.officer_b.is_active = case != "an inactive person"
    cast.officer_b.save()
    refused(code, lambda: issue(**arguments), status=status)


def test_a_branch_officer_may_dispatch_within_the_branch(cast, issue):
    order = issue(actor=cast.officer_a, recipient_units=[cast.sub_a])
    assert (order.issuer_unit, order.org_unit) == (cast.branch_a, cast.sub_a)


def test_a_branch_officer_runs_the_loop_for_what_they_issued(cast, issue):
    officer_a1 = make_user("officer_a1", cast.sub_a, "branch_officer")
    order = issue(actor=cast.officer_a, recipient_units=[cast.sub_a])
    services.workorder_accept(order=order, actor=officer_a1, now=NOW)
    services.workorder_submit_feedback(order=order, actor=officer_a1, text="已完成", now=NOW)
    assert open_task(order, "review").assignee == cast.officer_a  # the issuer reviews, not head office
    services.workorder_review(order=order, actor=cast.officer_a, approved=True, now=NOW)
    order.refresh_from_db()
    assert order.status == WorkOrder.Status.CLOSED
    assert services.may_cancel(cast.officer_a, order) and not services.may_cancel(officer_a1, order)


@pytest.mark.parametrize("who", ["manager", "outsider"])
def test_people_without_the_add_permission_may_not_issue(cast, issue, who):
    refused(codes.NOT_ALLOWED, lambda: issue(actor=getattr(cast, who)), status=403)


def test_an_oversized_file_is_refused_and_nothing_is_written(cast, issue, settings):
    settings.UPLOAD_MAX_BYTES = 1024
    big = PNG + b"\x00" * 2048
    refused(core_codes.UPLOAD_TOO_LARGE, lambda: issue(files=[upload("现场照片.png", big)]))


def test_a_file_whose_content_is_not_allowed_is_refused_whatever_its_name(cast, issue):
    refused(
        core_codes.UPLOAD_TYPE_REFUSED,
        lambda: issue(recipient_units=[cast.branch_a, cast.branch_b], files=[upload("自查清单.pdf", EXE)]),
    )


def test_naming_a_person_narrows_their_unit(cast, issue):
    officer_a2 = make_user("officer_a2", cast.branch_a, "branch_officer")
    order = issue(recipient_units=[cast.branch_a], recipient_users=[officer_a2])
    assert not order.is_batch
    assert (order.org_unit, order.recipient_user) == (cast.branch_a, officer_a2)
    assert open_task(order, "accept").assignee == officer_a2
    assert list(Notification.objects.filter(kind="workorders.issued").values_list("recipient", flat=True)) == [
        officer_a2.pk
    ]


# --- the wrong person, the wrong step ----------------------------------------------------------

ACTIONS = {
    "accept": lambda order, who: services.workorder_accept(order=order, actor=who),
    "feedback": lambda order, who: services.workorder_submit_feedback(order=order, actor=who, text="已完成"),
    "review": lambda order, who: services.workorder_review(order=order, actor=who, approved=True),
}


@pytest.mark.parametrize(
    ("step", "action", "who", "code"),
    [
        ("issued", "accept", "officer_b", workflow_codes.NOT_CANDIDATE),  # another branch
        ("accepted", "feedback", "officer_b", workflow_codes.NOT_ASSIGNEE),  # not the handler
        ("reported", "review", "officer_a", workflow_codes.NOT_ASSIGNEE),  # not the issuer
    ],
)
def test_the_wrong_person_is_refused(cast, issue, step, action, who, code):
    order = issue()
    if step != "issued":
        services.workorder_accept(order=order, actor=cast.officer_a, now=NOW)
    if step == "reported":
        services.workorder_submit_feedback(order=order, actor=cast.officer_a, text="已完成", now=NOW)
    refused(code, lambda: ACTIONS[action](order, getattr(cast, who)), status=403)


@pytest.mark.parametrize(
    ("step", "action", "who"),
    [
        ("issued", "feedback", "officer_a"),  # not accepted yet
        ("issued", "review", "hq_admin"),
        ("accepted", "accept", "officer_a"),  # twice
        ("accepted", "review", "hq_admin"),  # nothing reported yet
        ("batch", "accept", "officer_a"),  # a batch parent has no steps of its own
    ],
)
def test_an_action_at_the_wrong_step_is_a_conflict(cast, issue, step, action, who):
    order = issue(recipient_units=[cast.branch_a, cast.branch_b]) if step == "batch" else issue()
    if step == "accepted":
        services.workorder_accept(order=order, actor=cast.officer_a, now=NOW)
    refused(codes.WRONG_STEP, lambda: ACTIONS[action](order, getattr(cast, who)), status=409)


def test_a_stale_page_is_a_conflict(cast, issue):
    order = issue()
    version = open_task(order, "accept").version
    refused(
        workflow_codes.STALE_VERSION,
        lambda: services.workorder_accept(order=order, actor=cast.officer_a, expected_version=version + 1),
        status=409,
    )


@pytest.mark.parametrize("who", ["officer_a", "officer_b", "manager"])
def test_only_the_issuer_or_a_company_wide_admin_may_cancel(cast, issue, who):
    order = issue()
    refused(
        codes.NOT_ALLOWED,
        lambda: services.workorder_cancel(order=order, actor=getattr(cast, who), reason="不需要了"),
        status=403,
    )


def test_another_head_office_admin_may_cancel(cast, issue):
    colleague = make_user("hq_admin2", cast.hq, "hq_admin")
    order = issue()
    services.workorder_cancel(order=order, actor=colleague, reason="重复下发", now=at(2025, 3, 4))
    order.refresh_from_db()
    assert order.status == WorkOrder.Status.CANCELLED
    assert instance_of(order).status == ProcessInstance.Status.CANCELLED
    assert Notification.objects.filter(kind="workorders.cancelled", recipient=cast.officer_a).count() == 1


def test_cancelling_needs_a_reason(cast, issue):
    order = issue()
    refused(codes.REASON_REQUIRED, lambda: services.workorder_cancel(order=order, actor=cast.hq_admin, reason=""))


# --- other modules open orders ---------------------------------------------------------------


def test_another_module_opens_an_order_for_its_source_without_a_permission(cast):
    source = cast.outsider  # stands in for a complaint or a review opinion
    order = services.workorder_open(
        source=source,
        title="投诉溯源整改",
        kind=WorkOrder.Kind.RECTIFICATION,
        content="请对销售误导投诉开展溯源整改。",
        recipient_unit=cast.sub_a,
        due_days=10,
        issuer=cast.outsider,  # may not issue orders through the page: the caller's own rule applies
        now=NOW,
    )
    assert (order.source_type.model, order.source_id, order.source_label) == ("user", str(source.pk), str(source))
    assert (order.issuer, order.issuer_unit, order.org_unit) == (cast.outsider, cast.branch_a, cast.sub_a)
    assert instance_of(order).status == ProcessInstance.Status.RUNNING


def test_an_order_the_system_opens_answers_to_head_office(cast):
    order = services.workorder_open(
        source=cast.branch_b,
        title="指标预警核查",
        kind=WorkOrder.Kind.SELF_CHECK,
        content="投诉量环比上升，请核查原因。",
        recipient_unit=cast.branch_b,
        due_days=5,
        now=NOW,
    )
    assert (order.issuer, order.issuer_unit, order.source_type.model) == (None, cast.hq, "orgunit")
    services.workorder_accept(order=order, actor=cast.officer_b, now=NOW)
    services.workorder_submit_feedback(order=order, actor=cast.officer_b, text="已核查", now=NOW)
    review = open_task(order, "review")
    assert (review.assignee, review.candidate_role.code, review.org_unit) == (None, "hq_admin", cast.hq)
    assert Notification.objects.filter(kind="workorders.submitted", recipient=cast.hq_admin).count() == 1


def test_a_refused_open_rolls_back_only_its_own_writes(cast):
    extra = None
    with transaction.atomic():
        extra = make_unit("A2", "海淀支公司", OrgUnit.Level.SUB_BRANCH, cast.branch_a)
        before = counts()
        with pytest.raises(BusinessRuleError) as caught:
            services.workorder_open(
                source=extra,
                title="核查",
                kind=WorkOrder.Kind.OTHER,
                content="核查",
                recipient_unit=extra,
                due_days=0,
                now=NOW,
            )
        assert caught.value.error_code == codes.BAD_DUE_DAYS
        assert counts() == before
    assert OrgUnit.objects.filter(pk=extra.pk).exists()  # the caller's own write stands
