"""Complaint use cases (《银行业保险业消费投诉处理管理办法》, 原银保监会令2020年第3号): register,
accept, assign (回避), classify, extend (延期), decide and reply, record the complainant's response,
核查, 回访, close with the root cause (溯源整改), withdraw, and reveal personal data.

Every function is one transaction: the complaint row, the workflow step, attachments,
notifications, work orders and audit rows commit together or not at all. People's steps go through
`workflow.services.complete` (the process is completeOn=object), which checks that the actor may
take that step and that the task is still the one the page showed. The complaint row is locked
before the process instance, everywhere; the timer sweep (supervision.py) takes it with NOWAIT.
"""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xiaobao.complaints import clock, idempotency, notices, rules, selectors
from xiaobao.complaints import error_codes as codes
from xiaobao.complaints.models import Category, Complaint, Extension
from xiaobao.complaints.rules import refusal
from xiaobao.complaints.supervision import escalate_group, escalate_major, handle_overdue, trace_root_cause
from xiaobao.core import audit, hooks
from xiaobao.core import services as core_services
from xiaobao.core.crypto import blind_index
from xiaobao.core.models import OrgUnit, User
from xiaobao.core.scope import scope_for
from xiaobao.core.workdays import Calendar
from xiaobao.workflow import selectors as workflow_selectors
from xiaobao.workflow import services as workflow

__all__ = [
    "complaint_accept",
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
]


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def _locked(complaint: Complaint | int) -> Complaint:
    pk = complaint.pk if isinstance(complaint, Complaint) else int(complaint)
    return (
        Complaint.objects.select_for_update(of=("self",))
        .select_related("org_unit", "org_unit__parent", "handler", "respondent_staff", "root_cause")
        .get(pk=pk)
    )


def _step(complaint: Complaint, *element_ids: str):
    for element_id in element_ids:
        task = selectors.open_task(complaint, element_id)
        if task is not None:
            return task
    rules.check_open(complaint)
    raise refusal(
        codes.WRONG_STEP,
        _("投诉当前不在这一步（%(status)s），请刷新页面。") % {"status": complaint.get_status_display()},
        status=409,
    )


def _complete(task, *, actor, data: dict, expected_version=None, now, comment: str = "") -> None:
    workflow.complete(
        task=task, user=actor, data=data, expected_version=expected_version, comment=comment, now=now, via_app=True
    )


def _save(complaint: Complaint, *fields: str) -> None:
    complaint.save(update_fields=list(fields))


def _text(value, field: str, code: str = codes.INVALID, message: str = "") -> str:
    value = (value or "").strip()
    if not value:
        raise refusal(code, message or _("请填写此项。"), field=field)
    return value


@transaction.atomic
def complaint_register(
    *,
    actor: User,
    channel: str,
    received_at: datetime,
    complainant_name: str,
    complainant_id_number: str = "",
    complainant_phone: str = "",
    complainant_address: str = "",
    relation: str = Complaint.Relation.SELF,
    consumer_name: str = "",
    complainant_count: int = 1,
    policy_number: str = "",
    product_name: str = "",
    subject: str,
    content: str,
    demand_text: str = "",
    amount=None,
    media_attention: bool = False,
    major_event: str = "",
    org_unit: OrgUnit,
    respondent_staff: User | None = None,
    respondent_text: str = "",
    business_category=None,
    cause_category=None,
    demand_category=None,
    external_ref: str = "",
    recording_ref: str = "",
    idempotency_key: str | None = None,
    files=(),
    now: datetime | None = None,
    import_job=None,
) -> Complaint:
    """Register a complaint (Art. 13 materials; Art. 14 agents and heirs) and start its process.

    With `import_job` (批量导入) the complaint is only staged: saved invisible under that job, its process
    not yet started; `complaint_activate` does the rest once the import has made its rows visible.

    The statutory clock runs from `received_at` (收到消费投诉之日, Art. 18): due = received + the
    `deadline.initial` rule. A complaint by the same person or on the same policy within the repeat
    window is linked as a repeat; one meeting a major threshold is flagged and escalated to head
    office at once. An `idempotency_key` seen before with the same request (every argument and file, see
    idempotency.py) returns that complaint marked `replayed` and writes nothing; with another request it is
    refused (IDEMPOTENCY_KEY_REUSED, 422).
    Refuses: NOT_ALLOWED (403, without complaints.add_complaint), OUT_OF_SCOPE (403, a unit outside
    the actor's reach), INVALID (channel, relation, name, subject, content, received_at in the
    future, count, amount), CONSUMER_REQUIRED, RECORDING_REQUIRED (面谈 without its recording, Art. 7), BAD_CATEGORY, MAJOR_EVENT_INVALID, and core's upload
    refusals. A 重大消费投诉 (第二十九条: `major_event`, or 20+ complainants in person) is reported to head
    office at once with a report record; the internal group flag (5+ …) is separate.
    """
    # Every argument that describes the complaint, taken before anything is reassigned: what a key is bound to.
    asked = dict(locals())  # (not inside a comprehension: that has its own locals() before Python 3.12)
    for name in ("actor", "idempotency_key", "files", "now"):
        del asked[name]
    now = now or timezone.now()
    if not (actor and actor.has_perm(rules.ADD_PERMISSION)):
        raise refusal(codes.NOT_ALLOWED, _("您没有登记投诉的权限。"), status=403)
    digest = ""
    if idempotency_key:
        digest = idempotency.request_digest(asked, files)
        found = idempotency.registered_with(idempotency_key)
        if found is not None:
            return idempotency.replay(found, digest)
    if org_unit is None or not org_unit.is_active:
        raise refusal(codes.INVALID, _("请选择有效的责任机构。"), field="org_unit")
    if not scope_for(actor, "add").covers(org_unit.path):
        raise refusal(codes.OUT_OF_SCOPE, _("您无权为该机构登记投诉。"), field="org_unit", status=403)
    fields = rules.clean_register(
        {
            "channel": channel,
            "relation": relation,
            "complainant_name": complainant_name,
            "subject": subject,
            "content": content,
            "received_at": received_at,
            "complainant_count": complainant_count,
            "amount": amount,
            "consumer_name": consumer_name,
            "recording_ref": recording_ref,
        },
        now,
    )
    categories = {
        "business_category": rules.check_category(
            business_category, Category.Dimension.BUSINESS, "business_category", required=False
        ),
        "cause_category": rules.check_category(
            cause_category, Category.Dimension.CAUSE, "cause_category", required=False
        ),
        "demand_category": rules.check_category(
            demand_category, Category.Dimension.DEMAND, "demand_category", required=False
        ),
    }
    major_event = (major_event or "").strip()
    if major_event and major_event not in rules.MAJOR_EVENTS:
        raise refusal(codes.MAJOR_EVENT_INVALID, _("重大事件类型无效。"), field="major_event")
    calendar = Calendar.load()
    deadline = rules.deadline("deadline.initial", received_at, calendar=calendar)
    id_number, phone = (complainant_id_number or "").strip(), (complainant_phone or "").strip()
    complaint = Complaint(
        org_unit=org_unit,
        channel=channel,
        external_ref=(external_ref or "").strip()[:64],
        recording_ref=fields["recording_ref"],
        idempotency_key=idempotency_key or None,
        idempotency_digest=digest,
        received_at=received_at,
        registered_by=actor,
        registered_at=now,
        complainant_name=fields["complainant_name"],
        complainant_id_number=id_number,
        complainant_id_index=blind_index(id_number) if id_number else "",
        complainant_phone=phone,
        complainant_phone_index=blind_index(phone) if phone else "",
        complainant_address=(complainant_address or "").strip(),
        relation=relation,
        consumer_name=(consumer_name or "").strip(),
        complainant_count=fields["complainant_count"],
        policy_number=(policy_number or "").strip()[:64],
        product_name=(product_name or "").strip()[:200],
        subject=fields["subject"],
        content=fields["content"],
        demand_text=(demand_text or "").strip(),
        amount=fields["amount"],
        media_attention=bool(media_attention),
        major_event=major_event,
        respondent_staff=respondent_staff,
        respondent_text=(respondent_text or "").strip()[:100],
        taxonomy=rules.current_taxonomy() if any(categories.values()) else None,
        due_at=deadline.at,
        due_provisional=deadline.provisional,
        import_job=import_job,
        import_state=Complaint.ImportState.STAGED if import_job is not None else "",
        **categories,
    )
    try:
        with transaction.atomic():
            complaint.save()
    except IntegrityError:
        if idempotency_key:  # the same key registered concurrently: that request won, this one is judged by it
            return idempotency.replay(Complaint.objects.get(idempotency_key=idempotency_key), digest)
        raise
    complaint.replayed = False
    complaint.number = f"TS{timezone.localtime(complaint.registered_at):%Y}{complaint.pk:06d}"
    repeat_of = rules.find_repeat_of(complaint)
    complaint.is_repeat, complaint.repeat_of = repeat_of is not None, repeat_of
    complaint.major_reasons = rules.major_reasons(complaint)
    complaint.is_major = bool(complaint.major_reasons)
    complaint.group_reasons = rules.group_reasons(complaint)
    complaint.is_group = bool(complaint.group_reasons)
    _save(complaint, "number", "is_repeat", "repeat_of", "major_reasons", "is_major", "group_reasons", "is_group")
    if import_job is not None:
        return complaint
    _start(complaint, actor=actor, now=now, calendar=calendar)
    if files:
        core_services.attachments_add(owner=complaint, files=files, actor=actor, purpose="material")
    return complaint


@transaction.atomic
def complaint_activate(*, complaint: Complaint, now: datetime | None = None) -> Complaint:
    """Start the process of a complaint an import staged and has since made visible (see complaint_register);
    one already started is returned untouched, so a resumed import never starts a process twice."""
    locked = Complaint.with_staged.select_for_update().get(pk=complaint.pk)
    if locked.import_state != Complaint.ImportState.PUBLISHED:
        return locked
    _start(locked, actor=locked.registered_by, now=now or timezone.now(), calendar=Calendar.load())
    locked.import_state = ""
    _save(locked, "import_state")
    return locked


def _start(complaint: Complaint, *, actor, now: datetime, calendar) -> None:
    """The registration's second half: the process, the audit row, the notices, the escalation of a major one."""
    org_unit, repeat_of = complaint.org_unit, complaint.repeat_of
    # accepting is due from registration, whenever the process starts
    accept_by = min(complaint.due_at, rules.deadline("deadline.accept", complaint.registered_at, calendar=calendar).at)
    workflow.start(
        process_key=selectors.PROCESS_KEY,
        business_object=complaint,
        actor=actor,
        data={
            "complaint_id": complaint.pk,
            "due_at": _iso(complaint.due_at),
            "due_at_provisional": complaint.due_provisional,
            "accept_due_at": _iso(accept_by),
            "superior_is_head_office": rules.superior_is_head_office(org_unit),
        },
        now=now,
    )
    audit.record(
        actor=actor,
        action="complaint.register",
        obj=complaint,
        changes={
            "channel": complaint.channel,
            "received_at": complaint.received_at.isoformat(),
            "due_at": complaint.due_at.isoformat(),
            "repeat_of": repeat_of.pk if repeat_of else None,
            "major": complaint.major_reasons,
            **({"import_job": complaint.import_job_id} if complaint.import_job_id else {}),
            "group": complaint.group_reasons,
        },
        at=now,
    )
    notices.notify_complaint(
        complaint,
        notices.unit_officers(complaint),
        kind="registered",
        title=_("新投诉待受理：%(number)s %(subject)s") % {"number": complaint.number, "subject": complaint.subject},
        body=_("处理期限 %(due)s") % {"due": f"{timezone.localtime(complaint.due_at):%Y-%m-%d}"},
        level="warning" if complaint.is_major or complaint.is_group or complaint.is_repeat else "info",
    )
    if complaint.is_major:
        escalate_major(complaint, actor=actor, now=now)
    if complaint.is_group:
        escalate_group(complaint, actor=actor, now=now)


@transaction.atomic
def complaint_accept(
    *, complaint: Complaint | int, actor: User, expected_version: int | None = None, now: datetime | None = None
) -> Complaint:
    """The responsible unit's officer accepts the complaint (受理); they then assign it.

    Refuses: WRONG_STEP (409), CLOSED (409), and the workflow's refusals (403 not a candidate,
    409 the task changed since the page showed it).
    """
    now = now or timezone.now()
    complaint = _locked(complaint)
    task = _step(complaint, "accept")
    assign_by = min(complaint.due_at, rules.deadline("deadline.assign", now).at)
    _complete(task, actor=actor, data={"assign_due_at": _iso(assign_by)}, expected_version=expected_version, now=now)
    complaint.status, complaint.accepted_at = Complaint.Status.ACCEPTED, now
    _save(complaint, "status", "accepted_at")
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
    complaint = _locked(complaint)
    task = _step(complaint, "assign")
    unit = org_unit or complaint.org_unit
    if unit.pk != complaint.org_unit_id and not (
        unit.path.startswith(complaint.org_unit.path) and scope_for(actor, "change").covers(unit.path)
    ):
        raise refusal(codes.OUT_OF_SCOPE, _("只能分派给本机构或下级机构。"), field="org_unit", status=403)
    handler = handler or actor
    rules.check_handler(handler=handler, complaint=complaint, org_unit=unit)
    before = {"org_unit": complaint.org_unit_id, "handler": complaint.handler_id}
    _complete(
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
    _save(complaint, "org_unit", "handler", "status")
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
        notices.notify_complaint(
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
    complaint = _locked(complaint)
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
    _save(complaint, "taxonomy", *chosen)
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
    complaint = _locked(complaint)
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
    _save(complaint, "due_at", "due_provisional", "extension_level", "complexity")
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
    decision = _text(decision, "decision", codes.DECISION_REQUIRED, _("请填写处理决定。"))
    reply_method = _text(reply_method, "reply_method")
    if not remedies_told:
        raise refusal(codes.REMEDIES_REQUIRED, _("须告知投诉人核查、调解、仲裁、诉讼等途径。"), field="remedies_told")
    complaint = _locked(complaint)
    task = _step(complaint, "handle")
    response_by = rules.deadline("reexamine.apply", now).at
    _complete(
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
    _save(complaint, "decision", "reply_method", "remedies_told", "decided_at", "status")
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
    complaint = _locked(complaint)
    task = _step(complaint, "response")
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
    _complete(task, actor=actor, data=data, now=now, comment=data["note"])
    complaint.satisfied = bool(satisfied)
    _save(complaint, "satisfied", "status", "reexamine_requested_at", "reexamine_due_at")
    audit.record(actor=actor, action="complaint.response", obj=complaint, changes=data, at=now)
    if reexamine:
        notices.notify_complaint(
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
    conclusion = _text(conclusion, "conclusion", codes.RESULT_REQUIRED, _("请填写核查结论。"))
    complaint = _locked(complaint)
    task = _step(complaint, "reexamine_hq", "reexamine_branch")
    _complete(
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
    _save(complaint, "reexamine_conclusion", "status")
    audit.record(actor=actor, action="complaint.reexamine", obj=complaint, changes={"upheld": bool(upheld)}, at=now)
    notices.notify_complaint(
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
    result = _text(result, "result", codes.RESULT_REQUIRED, _("请填写回访情况。"))
    complaint = _locked(complaint)
    _complete(_step(complaint, "revisit"), actor=actor, data={"result": result}, now=now)
    complaint.revisit_at, complaint.revisit_result = now, result
    _save(complaint, "revisit_at", "revisit_result")
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
    complaint = _locked(complaint)
    if not rules.is_classified(complaint):
        raise refusal(codes.NOT_CLASSIFIED, _("投诉须先完成分类（业务类别、投诉原因、投诉诉求）才能办结。"))
    if root_cause in (None, ""):
        raise refusal(codes.ROOT_CAUSE_REQUIRED, _("办结须填写溯源根因。"), field="root_cause")
    cause = rules.check_category(root_cause, Category.Dimension.ROOT_CAUSE, "root_cause")
    task = _step(complaint, "close")
    note = (root_cause_note or "").strip()
    _complete(task, actor=actor, data={"root_cause": cause.pk, "note": note}, now=now)
    complaint.root_cause, complaint.root_cause_note = cause, note
    complaint.status, complaint.closed_at = Complaint.Status.CLOSED, now
    _save(complaint, "root_cause", "root_cause_note", "status", "closed_at")
    audit.record(actor=actor, action="complaint.close", obj=complaint, changes={"root_cause": cause.code}, at=now)
    if trace_root_cause(complaint, actor=actor, now=now):
        _save(complaint, "rectification_order_id")
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
    complaint = _locked(complaint)
    if not rules.may_withdraw(actor, complaint):
        raise refusal(codes.NOT_ALLOWED, _("您无权登记该投诉的撤回。"), status=403)
    reason = _text(reason, "reason", codes.REASON_REQUIRED, _("请填写撤回说明。"))
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
    _save(complaint, "status", "withdrawn_at", "withdraw_recorded_at", "withdraw_reason")
    audit.record(
        actor=actor,
        action="complaint.withdraw",
        obj=complaint,
        reason=reason,
        changes={"received_at": complaint.withdrawn_at.isoformat()},
        at=now,
    )
    notices.notify_complaint(
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
