"""Complaint use cases (《银行业保险业消费投诉处理管理办法》, 原银保监会令2020年第3号): register
(registration.py, importable from here), accept, assign (回避), classify, extend (延期), decide and reply,
record the complainant's response, 核查, 回访, close with the root cause (溯源整改), withdraw, and reveal personal data.

Every function is one transaction: the complaint row, the workflow step, attachments,
notifications, work orders and audit rows commit together or not at all. People's steps go through
`workflow.services.complete` (the process is completeOn=object), which checks that the actor may
take that step and that the task is still the one the page showed. The complaint row is locked
before the process instance, everywhere; the timer sweep (supervision.py) takes it with NOWAIT.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xiaobao.complaints import clock, notices, rules, selectors
from xiaobao.complaints import error_codes as codes
from xiaobao.complaints.models import Category, Complaint, Extension
from xiaobao.complaints.registration import complaint_activate, complaint_register, prepare_starts, register_from
from xiaobao.complaints.rules import refusal
from xiaobao.complaints.supervision import handle_overdue, trace_root_cause
from xiaobao.core import audit, hooks
from xiaobao.core import services as core_services
from xiaobao.core.models import OrgUnit, User
from xiaobao.core.scope import scope_for
from xiaobao.workflow import selectors as workflow_selectors
from xiaobao.workflow import services as workflow
from xiaobao.workflow.objects import ProcessObject, required_text

__all__ = [
    "complaint_accept",
    "complaint_activate",
    "complaint_assign",
    "complaint_classify",
    "complaint_close",
    "complaint_decide",
    "complaint_extend",
    "complaint_record_response",
    "complaint_reexamine",
    "complaint_register",
    "complaint_reveal",
    "complaint_revisit",
    "complaint_withdraw",
    "handle_overdue",
    "prepare_starts",
    "register_from",
]


def _iso(moment: datetime) -> str:
    return moment.isoformat()


# The complaint as a business object running its process: locked with the rows its steps read; a step asked of
# a closed complaint is refused as closed (CLOSED) before "not at this step" (WRONG_STEP).
COMPLAINT = ProcessObject(
    Complaint,
    process_key=selectors.PROCESS_KEY,
    # the rows most steps read (whom to notify); the responsible staff member and the root cause are read only on
    # closing, where one more query costs less than joining two more tables into every step's lock
    related=("org_unit", "org_unit__parent", "handler"),
    wrong_step=codes.WRONG_STEP,
    wrong_step_message=gettext_lazy("投诉当前不在这一步（%(status)s），请刷新页面。"),
    before_wrong_step=rules.check_open,
)


@transaction.atomic
def complaint_accept(
    *, complaint: Complaint | int, actor: User, expected_version: int | None = None, now: datetime | None = None
) -> Complaint:
    """The responsible unit's officer accepts the complaint (受理); they then assign it.

    Refuses: WRONG_STEP (409), CLOSED (409), and the workflow's refusals (403 not a candidate,
    409 the task changed since the page showed it).
    """
    now = now or timezone.now()
    complaint = COMPLAINT.lock(complaint)
    task = COMPLAINT.task(complaint, "accept")
    assign_by = min(complaint.due_at, rules.deadline("deadline.assign", now).at)
    COMPLAINT.complete(
        task, actor=actor, data={"assign_due_at": _iso(assign_by)}, expected_version=expected_version, now=now
    )
    complaint.status, complaint.accepted_at = Complaint.Status.ACCEPTED, now
    COMPLAINT.save(complaint, "status", "accepted_at")
    audit.record(actor=actor, action="complaint.accept", obj=complaint, at=now)
    return complaint


@transaction.atomic
def complaint_assign(
    *,
    complaint: Complaint | int,
    actor: User,
    org_unit: OrgUnit | None = None,
    handler: User | None = None,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Complaint:
    """Give the complaint to its handler (default: the actor), in the responsible unit or a unit
    below it in the actor's reach. 回避: the person complained about never handles it.

    Refuses: CONFLICT_OF_INTEREST, BAD_HANDLER, OUT_OF_SCOPE (403), WRONG_STEP / CLOSED (409), and
    the workflow's refusals (403 not the officer who accepted it).
    """
    now = now or timezone.now()
    complaint = COMPLAINT.lock(complaint)
    task = COMPLAINT.task(complaint, "assign")
    unit = org_unit or complaint.org_unit
    if unit.pk != complaint.org_unit_id and not (
        unit.path.startswith(complaint.org_unit.path) and scope_for(actor, "change").covers(unit.path)
    ):
        raise refusal(codes.OUT_OF_SCOPE, _("只能分派给本机构或下级机构。"), field="org_unit", status=403)
    handler = handler or actor
    rules.check_handler(handler=handler, complaint=complaint, org_unit=unit)
    before = {"org_unit": complaint.org_unit_id, "handler": complaint.handler_id}
    COMPLAINT.complete(
        task,
        actor=actor,
        data={
            "handler_id": handler.pk,
            "due_at": _iso(complaint.due_at),
            "due_at_provisional": complaint.due_provisional,
        },
        expected_version=expected_version,
        now=now,
    )
    complaint.org_unit, complaint.handler, complaint.status = unit, handler, Complaint.Status.HANDLING
    COMPLAINT.save(complaint, "org_unit", "handler", "status")
    if complaint.clock_paused_since:  # the clock stood still before there was a handling task
        task = selectors.open_task(complaint, "handle")
        if task is not None:
            workflow.set_due(
                task=task, due_at=complaint.due_at, held=True, actor=actor, reason="clock stopped", now=now
            )
    audit.record(
        actor=actor,
        action="complaint.assign",
        obj=complaint,
        changes=audit.diff(before, {"org_unit": unit.pk, "handler": handler.pk}),
        at=now,
    )
    if handler.pk != actor.pk:
        core_services.notify_about(
            complaint,
            [handler],
            kind="assigned",
            title=_("投诉分派给您处理：%(number)s") % {"number": complaint.number},
            body=_("处理期限 %(due)s") % {"due": f"{timezone.localtime(complaint.due_at):%Y-%m-%d}"},
        )
    return complaint


@transaction.atomic
def complaint_classify(
    *, complaint: Complaint | int, actor: User, business_category, cause_category, demand_category, now=None
) -> Complaint:
    """Classify on the current taxonomy (business/product type, cause, demand), at any open step.

    Refuses: NOT_ALLOWED (403), CLOSED (409), BAD_CATEGORY (a code not active in the current
    taxonomy, or of another dimension).
    """
    now = now or timezone.now()
    complaint = COMPLAINT.lock(complaint)
    rules.check_may_change(actor, complaint)
    rules.check_open(complaint)
    D = Category.Dimension
    chosen = {
        "business_category": rules.check_category(business_category, D.BUSINESS, "business_category"),
        "cause_category": rules.check_category(cause_category, D.CAUSE, "cause_category"),
        "demand_category": rules.check_category(demand_category, D.DEMAND, "demand_category"),
    }
    before = {name: getattr(complaint, f"{name}_id") for name in chosen}
    for name, category in chosen.items():
        setattr(complaint, name, category)
    complaint.taxonomy = chosen["business_category"].version
    COMPLAINT.save(complaint, "taxonomy", *chosen)
    changes = audit.diff(before, {name: c.pk for name, c in chosen.items()})
    if changes:
        audit.record(actor=actor, action="complaint.classify", obj=complaint, changes=changes, at=now)
    return complaint


@transaction.atomic
def complaint_extend(
    *, complaint: Complaint | int, actor: User, level: int, reason: str, approver: User, notice_method: str, now=None
) -> Extension:
    """Extend the decision deadline (Art. 18): level 1, a complex case, to 30 days from receipt;
    level 2, an especially complex one, by a further 30 days with the approval of the higher-level
    unit or head-office senior management — 60 days from receipt at most. The complainant is told
    each time (`notice_method`). The complaint's due and its handling task's due move together.

    Refuses: NOT_ALLOWED (403), CLOSED / WRONG_STEP (409: the decision was already told),
    REASON_REQUIRED, APPROVER_REQUIRED, NOTICE_REQUIRED, EXTENSION_ORDER (level 2 before level 1,
    or a level twice), EXTENSION_LIMIT (a third extension), APPROVER_NOT_SUPERIOR (level 2: without an
    approving role above the unit or at head office, `extension.special_approvers`), EXTENSION_LATE (409:
    the deadline in force has passed — an extension is asked for and approved before it, never after).
    """
    now = now or timezone.now()
    complaint = COMPLAINT.lock(complaint)
    rules.check_may_change(actor, complaint)
    rules.check_open(complaint)
    level, reason, notice_method = rules.check_extension(
        complaint, level=level, reason=reason, approver=approver, notice_method=notice_method, now=now
    )
    # the new level's days, counted from the clock's start with its stops left out (clock.py)
    state = clock.compute(complaint, level=level, now=now)
    deadline = state.deadline
    complaint.complexity = (
        Complaint.Complexity.COMPLEX if level == Extension.Level.COMPLEX else Complaint.Complexity.SPECIAL
    )
    previous = complaint.due_at
    extension = Extension.objects.create(
        complaint=complaint,
        level=level,
        reason=reason,
        requested_by=actor,
        approved_by=approver,
        approved_at=now,
        notice_method=notice_method[:50],
        noticed_at=now,
        previous_due_at=previous,
        new_due_at=deadline.at,
    )
    complaint.due_at, complaint.due_provisional, complaint.extension_level = deadline.at, deadline.provisional, level
    COMPLAINT.save(complaint, "due_at", "due_provisional", "extension_level", "complexity")
    task = selectors.open_task(complaint, "handle")
    if task is not None:
        workflow.set_due(
            task=task,
            due_at=deadline.at,
            provisional=deadline.provisional,
            held=state.paused_since is not None,
            actor=actor,
            reason=reason,
            now=now,
        )
    audit.record(
        actor=actor,
        action="complaint.extend",
        obj=complaint,
        reason=reason,
        changes={"level": level, "due_at": {"before": previous, "after": deadline.at}, "approver": approver.pk},
        at=now,
    )
    return extension


@transaction.atomic
def complaint_decide(
    *,
    complaint: Complaint | int,
    actor: User,
    decision: str,
    reply_method: str,
    remedies_told: bool,
    expected_version: int | None = None,
    now=None,
) -> Complaint:
    """The handler decides and tells the complainant (the statutory clock stops), telling them the
    other ways open to them: 核查 by the higher-level unit, mediation, arbitration, litigation.

    Refuses: DECISION_REQUIRED, INVALID (no reply method), REMEDIES_REQUIRED, WRONG_STEP / CLOSED
    (409), and the workflow's refusals (403 not the handler).
    """
    now = now or timezone.now()
    decision = required_text(decision, field="decision", code=codes.DECISION_REQUIRED, message=_("请填写处理决定。"))
    reply_method = required_text(reply_method, field="reply_method", code=codes.INVALID)
    if not remedies_told:
        raise refusal(codes.REMEDIES_REQUIRED, _("须告知投诉人核查、调解、仲裁、诉讼等途径。"), field="remedies_told")
    complaint = COMPLAINT.lock(complaint)
    task = COMPLAINT.task(complaint, "handle")
    response_by = rules.deadline("reexamine.apply", now).at
    COMPLAINT.complete(
        task,
        actor=actor,
        data={
            "decision": decision,
            "reply_method": reply_method[:50],
            "remedies_told": True,
            "response_due_at": _iso(response_by),
        },
        expected_version=expected_version,
        now=now,
    )
    complaint.decision, complaint.reply_method, complaint.remedies_told = decision, reply_method[:50], True
    complaint.decided_at, complaint.status = now, Complaint.Status.REPLIED
    COMPLAINT.save(complaint, "decision", "reply_method", "remedies_told", "decided_at", "status")
    audit.record(actor=actor, action="complaint.decide", obj=complaint, changes={"reply_method": reply_method}, at=now)
    return complaint


@transaction.atomic
def complaint_record_response(
    *,
    complaint: Complaint | int,
    actor: User,
    satisfied: bool,
    reexamine: bool,
    note: str = "",
    received_at: datetime | None = None,
    now=None,
) -> Complaint:
    """The complainant's answer to the decision: satisfied (on to 回访), or a request for 核查 by the
    higher-level unit (its officers, or head office's admins for a branch).

    第二十条: "投诉人对银行保险机构分支机构消费投诉处理结果有异议的，可以自收到处理决定之日起30日内向其上级机构
    书面申请核查。核查机构应当……自收到核查申请之日起30日内作出核查决定并告知投诉人。" So 核查 is of a branch's
    decision only, applied for within `reexamine.apply` (30) days of the decision, and decided within
    `reexamine.deadline` (30) days of the day the application was received — `received_at` (required
    with `reexamine`), not the day it is entered here.

    Refuses: INVALID (satisfied and asking for 核查; no received_at), RECEIVED_IN_FUTURE,
    RECEIVED_BEFORE_COMPLAINT (before the decision), REEXAMINE_NOT_BRANCH (head office decided),
    REEXAMINE_LATE, WRONG_STEP / CLOSED (409), workflow refusals.
    """
    now = now or timezone.now()
    if satisfied and reexamine:
        raise refusal(codes.INVALID, _("投诉人满意时不能同时申请核查。"), field="reexamine")
    complaint = COMPLAINT.lock(complaint)
    task = COMPLAINT.task(complaint, "response")
    data = {"satisfied": bool(satisfied), "reexamine": bool(reexamine), "note": (note or "").strip()}
    if reexamine:
        received_at = rules.check_reexamine(complaint, received_at=received_at, now=now)
        due = rules.deadline("reexamine.deadline", received_at).at
        data["reexamine_due_at"] = _iso(due)
        complaint.status, complaint.reexamine_requested_at, complaint.reexamine_due_at = (
            Complaint.Status.REEXAMINING,
            received_at,
            due,
        )
    else:
        data["revisit_due_at"] = _iso(rules.deadline("revisit.deadline", now).at)
        complaint.status = Complaint.Status.REVISITING
    COMPLAINT.complete(task, actor=actor, data=data, now=now, comment=data["note"])
    complaint.satisfied = bool(satisfied)
    COMPLAINT.save(complaint, "satisfied", "status", "reexamine_requested_at", "reexamine_due_at")
    audit.record(actor=actor, action="complaint.response", obj=complaint, changes=data, at=now)
    if reexamine:
        core_services.notify_about(
            complaint,
            notices.superior_people(complaint),
            kind="reexamine",
            title=_("投诉人申请核查：%(number)s") % {"number": complaint.number},
            level="warning",
        )
    return complaint


@transaction.atomic
def complaint_reexamine(
    *, complaint: Complaint | int, actor: User, conclusion: str, upheld: bool, now=None
) -> Complaint:
    """核查 by the higher-level unit: its conclusion (the decision upheld or not); then 回访.

    Refuses: RESULT_REQUIRED, WRONG_STEP / CLOSED (409), and the workflow's refusals (403: not an
    officer of the higher-level unit).
    """
    now = now or timezone.now()
    conclusion = required_text(
        conclusion, field="conclusion", code=codes.RESULT_REQUIRED, message=_("请填写核查结论。")
    )
    complaint = COMPLAINT.lock(complaint)
    task = COMPLAINT.task(complaint, "reexamine_hq", "reexamine_branch")
    COMPLAINT.complete(
        task,
        actor=actor,
        data={
            "conclusion": conclusion,
            "upheld": bool(upheld),
            "revisit_due_at": _iso(rules.deadline("revisit.deadline", now).at),
        },
        now=now,
    )
    complaint.reexamine_conclusion, complaint.status = conclusion, Complaint.Status.REVISITING
    COMPLAINT.save(complaint, "reexamine_conclusion", "status")
    audit.record(actor=actor, action="complaint.reexamine", obj=complaint, changes={"upheld": bool(upheld)}, at=now)
    core_services.notify_about(
        complaint,
        notices.handler_people(complaint),
        kind="reexamined",
        title=_("核查完成（%(result)s）：%(number)s")
        % {"result": _("维持原决定") if upheld else _("未维持原决定"), "number": complaint.number},
        body=conclusion,
    )
    return complaint


@transaction.atomic
def complaint_revisit(*, complaint: Complaint | int, actor: User, result: str, now=None) -> Complaint:
    """回访: the handler calls the complainant back and records how it went; then the close step.

    Refuses: RESULT_REQUIRED, WRONG_STEP / CLOSED (409), and the workflow's refusals.
    """
    now = now or timezone.now()
    result = required_text(result, field="result", code=codes.RESULT_REQUIRED, message=_("请填写回访情况。"))
    complaint = COMPLAINT.lock(complaint)
    COMPLAINT.step(complaint, "revisit", actor=actor, data={"result": result}, now=now)
    complaint.revisit_at, complaint.revisit_result = now, result
    COMPLAINT.save(complaint, "revisit_at", "revisit_result")
    audit.record(actor=actor, action="complaint.revisit", obj=complaint, at=now)
    return complaint


@transaction.atomic
def complaint_close(
    *, complaint: Complaint | int, actor: User, root_cause, root_cause_note: str = "", now=None
) -> Complaint:
    """办结 with its root cause (溯源): a cause marked systemic, or one over the threshold count in
    the period, opens a rectification work order (supervision.trace_root_cause).

    Refuses: NOT_CLASSIFIED (business type, cause and demand first), ROOT_CAUSE_REQUIRED,
    BAD_CATEGORY, WRONG_STEP / CLOSED (409), and the workflow's refusals.
    """
    now = now or timezone.now()
    complaint = COMPLAINT.lock(complaint)
    if not rules.is_classified(complaint):
        raise refusal(codes.NOT_CLASSIFIED, _("投诉须先完成分类（业务类别、投诉原因、投诉诉求）才能办结。"))
    if root_cause in (None, ""):
        raise refusal(codes.ROOT_CAUSE_REQUIRED, _("办结须填写溯源根因。"), field="root_cause")
    cause = rules.check_category(root_cause, Category.Dimension.ROOT_CAUSE, "root_cause")
    task = COMPLAINT.task(complaint, "close")
    note = (root_cause_note or "").strip()
    COMPLAINT.complete(task, actor=actor, data={"root_cause": cause.pk, "note": note}, now=now)
    complaint.root_cause, complaint.root_cause_note = cause, note
    complaint.status, complaint.closed_at = Complaint.Status.CLOSED, now
    COMPLAINT.save(complaint, "root_cause", "root_cause_note", "status", "closed_at")
    audit.record(actor=actor, action="complaint.close", obj=complaint, changes={"root_cause": cause.code}, at=now)
    if trace_root_cause(complaint, actor=actor, now=now):
        COMPLAINT.save(complaint, "rectification_order_id")
    _request_training(complaint, cause, actor=actor, now=now)
    return complaint


def _request_training(complaint: Complaint, cause: Category, *, actor, now) -> None:
    """A root cause may call for targeted training of the staff member complained about (issue 19): asked
    through the core hook (training sits beside complaints); the training module's rules decide."""
    if not complaint.respondent_staff_id:
        return
    answer = hooks.first_answer(
        hooks.targeted_training_requested.send(
            sender=Complaint,
            agent=complaint.respondent_staff,
            reason=_("投诉溯源：%(cause)s（%(number)s）") % {"cause": cause.name, "number": complaint.number},
            rule_code=cause.code,
            source=complaint,
            due_date=None,
            actor=actor,
        )
    )
    if answer:
        audit.record(actor=actor, action="complaint.training", obj=complaint, changes={"training": answer}, at=now)


@transaction.atomic
def complaint_withdraw(
    *, complaint: Complaint | int, actor: User, reason: str, received_at: datetime | None = None, now=None
) -> Complaint:
    """The complainant withdraws. 第十五条: "投诉人撤回消费投诉的，消费投诉处理程序自银行保险机构收到撤回申请当日
    终止" — so the procedure ends on the day the withdrawal was *received* (`received_at`; now when not
    given), which may be days before someone enters it; `withdraw_recorded_at` keeps the entry. The
    process and its open tasks and timers are cancelled now.

    Refuses: NOT_ALLOWED (403: neither who registered it nor an officer over its unit),
    REASON_REQUIRED, INVALID / RECEIVED_IN_FUTURE / RECEIVED_BEFORE_COMPLAINT (received_at), CLOSED (409).
    """
    now = now or timezone.now()
    complaint = COMPLAINT.lock(complaint)
    if not rules.may_withdraw(actor, complaint):
        raise refusal(codes.NOT_ALLOWED, _("您无权登记该投诉的撤回。"), status=403)
    reason = required_text(reason, field="reason", code=codes.REASON_REQUIRED, message=_("请填写撤回说明。"))
    rules.check_open(complaint)
    received_at = rules.check_received(
        received_at or now, complaint=complaint, now=now, field="received_at", after=complaint.decided_at
    )
    for instance in workflow_selectors.running_instances_for_object(complaint, process_key=selectors.PROCESS_KEY):
        workflow.cancel(instance=instance, actor=actor, reason=reason, now=now, app_checked=True)
    complaint.status, complaint.withdrawn_at, complaint.withdraw_reason = (
        Complaint.Status.WITHDRAWN,
        min(received_at, now),
        reason,
    )
    complaint.withdraw_recorded_at = now
    COMPLAINT.save(complaint, "status", "withdrawn_at", "withdraw_recorded_at", "withdraw_reason")
    audit.record(
        actor=actor,
        action="complaint.withdraw",
        obj=complaint,
        reason=reason,
        changes={"received_at": complaint.withdrawn_at.isoformat()},
        at=now,
    )
    core_services.notify_about(
        complaint,
        notices.handler_people(complaint),
        kind="withdrawn",
        title=_("投诉已撤回：%(number)s") % {"number": complaint.number},
        body=reason,
    )
    return complaint


def complaint_reveal(*, complaint: Complaint | int, actor: User, field: str, reason: str, ip_address=None) -> str:
    """The plaintext of one personal-data field, for a reason, audited (core.personal_data_reveal).

    Refuses (core's codes): REVEAL_FIELD_NOT_PERSONAL, REVEAL_NOT_ALLOWED (403), REVEAL_REASON_REQUIRED.
    """
    if not isinstance(complaint, Complaint):
        complaint = Complaint.objects.select_related("org_unit").get(pk=complaint)
    return core_services.personal_data_reveal(
        actor=actor, obj=complaint, field=field, reason=reason, ip_address=ip_address
    )
