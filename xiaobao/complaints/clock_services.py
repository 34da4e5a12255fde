"""Clock use cases: stop the statutory clock (mediation, 第二十三条; outside appraisal, testing or
valuation, 第十八条第二款), start it again, restart it on new facts and reasons (第十八条第三款), and
decline a complaint that was not brought by the complainant or their representative (不予办理,
第十八条第四款). The article texts are quoted in `clock.py`.

Each is one transaction: the `ClockEvent` row (start, end, reason, evidence, who), the complaint's
deadline in force, the handling task's due and its 督办 timer (`workflow.services.set_due`; held while
the clock stands still), and the audit row. The events are the complaint's clock timeline (its page
lists them beside the process history).

What keeps the figures honest: an event records when the thing happened or arrived, never later than
now and never before the clock's start; and a stop or a restart can only be entered while the
deadline in force has not passed — entering one afterwards cannot turn an overdue complaint into one
on time (EXTENSION_LATE's rule, applied to every way of moving the deadline).
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xiaobao.complaints import clock, notices, rules, selectors
from xiaobao.complaints import error_codes as codes
from xiaobao.complaints.models import ClockEvent, Complaint
from xiaobao.complaints.rules import refusal
from xiaobao.complaints.services import COMPLAINT
from xiaobao.core import audit
from xiaobao.core import services as core_services
from xiaobao.core.models import User
from xiaobao.workflow import selectors as workflow_selectors
from xiaobao.workflow import services as workflow
from xiaobao.workflow.objects import required_text

__all__ = ["complaint_clock_resume", "complaint_clock_stop", "complaint_decline", "complaint_new_facts"]


def _required(value, field: str, code: str, message: str, limit: int) -> str:
    """A text the event needs (workflow.objects.required_text), cut to its column's length."""
    return required_text(value, field=field, code=code, message=message)[:limit]


def _check_running(complaint: Complaint, now: datetime, *, what: str) -> None:
    """The clock runs until the decision is told, and nothing moves a deadline that has passed."""
    rules.check_open(complaint)
    if complaint.status not in Complaint.CLOCK_STATUSES:
        raise refusal(codes.CLOCK_NOT_RUNNING, _("处理决定已告知投诉人，计时已结束。"), status=409)
    if complaint.clock_paused_since is None and now > complaint.due_at:
        raise refusal(
            codes.CLOCK_OVERDUE,
            _("处理期限 %(due)s 已过，不能再登记%(what)s：期限届满后登记的事项不改变逾期的事实。")
            % {"due": f"{timezone.localtime(complaint.due_at):%Y-%m-%d}", "what": what},
            status=409,
        )


def _apply(complaint: Complaint, *, actor: User, now: datetime, reason: str) -> clock.Clock:
    """Recompute the deadline in force and move the complaint, its handling task and its timer."""
    state = clock.compute(complaint, now=now)
    complaint.due_at, complaint.due_provisional = state.deadline.at, state.deadline.provisional
    complaint.clock_paused_since = state.paused_since
    complaint.save(update_fields=["due_at", "due_provisional", "clock_paused_since"])
    task = selectors.open_task(complaint, "handle")
    if task is not None:
        workflow.set_due(
            task=task,
            due_at=state.deadline.at,
            provisional=state.deadline.provisional,
            held=state.paused_since is not None,
            actor=actor,
            reason=reason,
            now=now,
        )
    return state


def _when(value, *, complaint: Complaint, now: datetime, field: str, floor: datetime | None = None) -> datetime:
    return rules.check_received(value, complaint=complaint, now=now, field=field, after=floor)


def _record(event: ClockEvent, complaint: Complaint, before, state, *, actor, now, action: str) -> None:
    event.due_after = state.deadline.at if state.paused_since is None else None
    event.save(update_fields=["due_after"])
    audit.record(
        actor=actor,
        action=action,
        obj=complaint,
        reason=event.reason,
        changes={
            "kind": event.kind,
            "started_at": event.started_at.isoformat(),
            "ended_at": event.ended_at.isoformat() if event.ended_at else None,
            "evidence": event.evidence,
            "due_at": {"before": before, "after": state.deadline.at},
            "paused": state.paused_since is not None,
        },
        at=now,
    )


@transaction.atomic
def complaint_clock_stop(
    *,
    complaint: Complaint | int,
    actor: User,
    kind: str,
    started_at: datetime,
    reason: str,
    evidence: str,
    notice_method: str = "",
    now: datetime | None = None,
) -> ClockEvent:
    """Stop the clock from `started_at` (the day mediation began or the outside appraisal was
    commissioned) until `complaint_clock_resume`. Outside appraisal must be told to the complainant
    (第十八条第二款: 但应当及时告知投诉人), so it needs `notice_method`. While stopped, the handling task has
    no due and its 督办 timer waits.

    Refuses: NOT_ALLOWED (403), CLOSED / CLOCK_NOT_RUNNING / CLOCK_OVERDUE / CLOCK_ALREADY_STOPPED (409),
    BAD_CLOCK_KIND, REASON_REQUIRED, EVIDENCE_REQUIRED, NOTICE_REQUIRED, INVALID / RECEIVED_IN_FUTURE /
    RECEIVED_BEFORE_COMPLAINT (started_at: not later than now, not before the clock's start).
    """
    now = now or timezone.now()
    if kind not in ClockEvent.PAUSES:
        raise refusal(codes.BAD_CLOCK_KIND, _("暂停计时的事由只能是调解或外部鉴定、检测、评估。"), field="kind")
    complaint = COMPLAINT.lock(complaint)
    rules.check_may_change(actor, complaint)
    _check_running(complaint, now, what=_("暂停计时"))
    reason = _required(reason, "reason", codes.REASON_REQUIRED, _("请说明暂停计时的事由。"), 2000)
    evidence = _required(
        evidence, "evidence", codes.EVIDENCE_REQUIRED, _("请填写凭证（如调解申请、鉴定委托书编号）。"), 200
    )
    notice_method = (notice_method or "").strip()[:50]
    if kind == ClockEvent.Kind.APPRAISAL and not notice_method:
        raise refusal(
            codes.NOTICE_REQUIRED,
            _("外部鉴定、检测、评估期间不计入期限的，应当及时告知投诉人。"),
            field="notice_method",
        )
    events = list(complaint.clock_events.all())
    if any(e.kind == kind and e.ended_at is None for e in events):
        raise refusal(codes.CLOCK_ALREADY_STOPPED, _("该事由的暂停计时尚未结束。"), status=409)
    current = clock.compute(complaint, events=events, now=now)
    started_at = _when(started_at, complaint=complaint, now=now, field="started_at", floor=current.start)
    if started_at > current.deadline.at:
        raise refusal(codes.CLOCK_OVERDUE, _("暂停开始时处理期限已过。"), field="started_at", status=409)
    before = complaint.due_at
    event = ClockEvent.objects.create(
        complaint=complaint,
        kind=kind,
        started_at=started_at,
        reason=reason,
        evidence=evidence,
        notice_method=notice_method,
        recorded_by=actor,
        recorded_at=now,
        due_before=before,
    )
    state = _apply(complaint, actor=actor, now=now, reason=reason)
    _record(event, complaint, before, state, actor=actor, now=now, action="complaint.clock_stop")
    return event


@transaction.atomic
def complaint_clock_resume(
    *,
    complaint: Complaint | int,
    actor: User,
    kind: str,
    ended_at: datetime,
    evidence: str,
    now: datetime | None = None,
) -> ClockEvent:
    """The open stop of `kind` ended on `ended_at` (the mediation's end, the appraisal report's
    arrival): the days in between are left out and the deadline in force is recomputed; the task's due
    and its timer run again. Refuses: NOT_ALLOWED (403), CLOSED / CLOCK_NOT_RUNNING / CLOCK_NOT_STOPPED
    (409), EVIDENCE_REQUIRED, INVALID / RECEIVED_IN_FUTURE / RECEIVED_BEFORE_COMPLAINT (ended_at before
    the stop began, or later than now)."""
    now = now or timezone.now()
    complaint = COMPLAINT.lock(complaint)
    rules.check_may_change(actor, complaint)
    rules.check_open(complaint)
    if complaint.status not in Complaint.CLOCK_STATUSES:
        raise refusal(codes.CLOCK_NOT_RUNNING, _("处理决定已告知投诉人，计时已结束。"), status=409)
    event = complaint.clock_events.select_for_update().filter(kind=kind, ended_at__isnull=True).first()
    if event is None or kind not in ClockEvent.PAUSES:
        raise refusal(codes.CLOCK_NOT_STOPPED, _("没有未结束的暂停计时。"), status=409)
    evidence = _required(
        evidence, "evidence", codes.EVIDENCE_REQUIRED, _("请填写结束凭证（如调解结果、鉴定报告）。"), 200
    )
    ended_at = _when(ended_at, complaint=complaint, now=now, field="ended_at", floor=event.started_at)
    before = complaint.due_at
    event.ended_at, event.ended_by, event.end_recorded_at, event.end_evidence = ended_at, actor, now, evidence
    event.save(update_fields=["ended_at", "ended_by", "end_recorded_at", "end_evidence"])
    state = _apply(complaint, actor=actor, now=now, reason=event.reason)
    _record(event, complaint, before, state, actor=actor, now=now, action="complaint.clock_resume")
    if state.paused_since is None and complaint.handler_id:
        core_services.notify_about(
            complaint,
            [complaint.handler],
            kind="clock_resumed",
            title=_("投诉恢复计时：%(number)s") % {"number": complaint.number},
            body=_("处理期限 %(due)s") % {"due": f"{timezone.localtime(complaint.due_at):%Y-%m-%d}"},
        )
    return event


@transaction.atomic
def complaint_new_facts(
    *,
    complaint: Complaint | int,
    actor: User,
    received_at: datetime,
    reason: str,
    evidence: str,
    now: datetime | None = None,
) -> ClockEvent:
    """The complainant brought new facts and reasons within the handling period: the period is counted
    again from the day the new material was received (第十八条第三款). Refuses: NOT_ALLOWED (403), CLOSED /
    CLOCK_NOT_RUNNING / CLOCK_OVERDUE (409), REASON_REQUIRED, EVIDENCE_REQUIRED, INVALID /
    RECEIVED_IN_FUTURE / RECEIVED_BEFORE_COMPLAINT, NEW_FACTS_LATE (received after the deadline in
    force: then it is a new complaint, not a restart)."""
    now = now or timezone.now()
    complaint = COMPLAINT.lock(complaint)
    rules.check_may_change(actor, complaint)
    _check_running(complaint, now, what=_("新的事实和理由"))
    reason = _required(reason, "reason", codes.REASON_REQUIRED, _("请概述新的事实和理由。"), 2000)
    evidence = _required(evidence, "evidence", codes.EVIDENCE_REQUIRED, _("请填写新材料的凭证（收件登记号等）。"), 200)
    current = clock.compute(complaint, now=now)
    received_at = _when(received_at, complaint=complaint, now=now, field="received_at", floor=current.start)
    if received_at > current.deadline.at:
        raise refusal(
            codes.NEW_FACTS_LATE, _("新材料在处理期限届满后才收到，应作为新的投诉登记。"), field="received_at"
        )
    before = complaint.due_at
    event = ClockEvent.objects.create(
        complaint=complaint,
        kind=ClockEvent.Kind.NEW_FACTS,
        started_at=received_at,
        ended_at=received_at,
        reason=reason,
        evidence=evidence,
        recorded_by=actor,
        recorded_at=now,
        due_before=before,
    )
    state = _apply(complaint, actor=actor, now=now, reason=reason)
    _record(event, complaint, before, state, actor=actor, now=now, action="complaint.new_facts")
    return event


@transaction.atomic
def complaint_decline(
    *,
    complaint: Complaint | int,
    actor: User,
    ground: str,
    evidence: str,
    notice_method: str,
    noticed_at: datetime | None = None,
    now: datetime | None = None,
) -> Complaint:
    """不予办理 (第十八条第四款: "发现消费投诉不是由投诉人或者其法定代理人、受托人提出的，银行保险机构可以不予
    办理，并告知投诉提出人"): recorded with the ground, its evidence and how and when the person who
    brought it was told; the process ends. Only before the decision is told. Refuses: NOT_ALLOWED (403),
    CLOSED / CLOCK_NOT_RUNNING (409), REASON_REQUIRED (ground), EVIDENCE_REQUIRED, NOTICE_REQUIRED,
    INVALID / RECEIVED_IN_FUTURE / RECEIVED_BEFORE_COMPLAINT (noticed_at)."""
    now = now or timezone.now()
    complaint = COMPLAINT.lock(complaint)
    rules.check_may_change(actor, complaint)
    rules.check_open(complaint)
    if complaint.status not in Complaint.CLOCK_STATUSES:
        raise refusal(codes.CLOCK_NOT_RUNNING, _("处理决定已告知投诉人，不能再不予办理。"), status=409)
    ground = _required(ground, "ground", codes.REASON_REQUIRED, _("请写明不予办理的理由。"), 2000)
    evidence = _required(evidence, "evidence", codes.EVIDENCE_REQUIRED, _("请填写核实凭证。"), 200)
    notice_method = _required(
        notice_method, "notice_method", codes.NOTICE_REQUIRED, _("不予办理须告知投诉提出人，请填写告知方式。"), 50
    )
    noticed_at = _when(noticed_at or now, complaint=complaint, now=now, field="noticed_at")
    ClockEvent.objects.create(
        complaint=complaint,
        kind=ClockEvent.Kind.DECLINED,
        started_at=noticed_at,
        ended_at=noticed_at,
        reason=ground,
        evidence=evidence,
        notice_method=notice_method,
        recorded_by=actor,
        recorded_at=now,
        due_before=complaint.due_at,
    )
    for instance in workflow_selectors.running_instances_for_object(complaint, process_key=selectors.PROCESS_KEY):
        workflow.cancel(instance=instance, actor=actor, reason=ground, now=now, app_checked=True)
    complaint.status = Complaint.Status.DECLINED
    complaint.declined_at, complaint.decline_ground, complaint.decline_notice_method = noticed_at, ground, notice_method
    complaint.clock_paused_since = None
    complaint.save(
        update_fields=["status", "declined_at", "decline_ground", "decline_notice_method", "clock_paused_since"]
    )
    audit.record(
        actor=actor,
        action="complaint.decline",
        obj=complaint,
        reason=ground,
        changes={"noticed_at": noticed_at.isoformat(), "notice_method": notice_method, "evidence": evidence},
        at=now,
    )
    core_services.notify_about(
        complaint,
        notices.handler_people(complaint),
        kind="declined",
        title=_("投诉不予办理：%(number)s") % {"number": complaint.number},
        body=ground,
    )
    return complaint
