"""Registering a complaint (登记, 《银行业保险业消费投诉处理管理办法》第十三、十四条) and starting its process.

Registration has three seams, each its own function here: deciding whether the request is a new complaint at all
(permission, idempotency key), building the complaint row from what was asked (checked fields, categories, the
statutory deadline) together with what its arrival makes it (number, repeat, 重大, 群体), and starting its
process (the workflow, the audit row, the notices, the escalation of a major one). A batch import stops after the
second and starts the process later (`complaint_activate`).

The pages and the API pass the complaint's description through `register_from`, so the names that describe a
complaint are written once (`DESCRIPTION`), not once per caller.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xiaobao.complaints import error_codes as codes
from xiaobao.complaints import idempotency, notices, rules, selectors
from xiaobao.complaints.models import Category, Complaint
from xiaobao.complaints.rules import refusal
from xiaobao.complaints.supervision import escalate_group, escalate_major
from xiaobao.core import audit, calendar_cache
from xiaobao.core import services as core_services
from xiaobao.core.crypto import blind_index
from xiaobao.core.models import OrgUnit, User
from xiaobao.core.scope import scope_for
from xiaobao.core.workdays import Calendar
from xiaobao.workflow import services as workflow

# What describes a complaint: the keyword arguments of complaint_register that a page form's or the API's cleaned
# data carry under the same names. Who asks, the key, the files and the import job are the caller's, not these.
DESCRIPTION = (
    "channel",
    "received_at",
    "complainant_name",
    "complainant_id_number",
    "complainant_phone",
    "complainant_address",
    "relation",
    "consumer_name",
    "complainant_count",
    "policy_number",
    "product_name",
    "subject",
    "content",
    "demand_text",
    "amount",
    "media_attention",
    "major_event",
    "org_unit",
    "respondent_staff",
    "respondent_text",
    "business_category",
    "cause_category",
    "demand_category",
    "external_ref",
    "recording_ref",
)


def register_from(data: Mapping, *, actor: User, idempotency_key: str | None, **resolved) -> Complaint:
    """`complaint_register` with the description taken from cleaned data (a form's or a serializer's) by name,
    its files from `data["files"]`; `resolved` replaces entries the caller turned into objects (the API's ids
    resolved in the caller's scope). A name the data does not carry takes complaint_register's default."""
    given = {name: data[name] for name in DESCRIPTION if name in data}
    return complaint_register(
        actor=actor, **{**given, **resolved}, idempotency_key=idempotency_key, files=data.get("files") or ()
    )


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
    calendar: Calendar | None = None,
) -> Complaint:
    """Register a complaint (Art. 13 materials; Art. 14 agents and heirs) and start its process.

    With `import_job` (批量导入) the complaint is only staged: saved invisible under that job, its process
    not yet started; `complaint_activate` does the rest once the import has made its rows visible. An import
    passes the working-day `calendar` it loaded once, so no row reads the calendar tables under the write lock.

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
    for name in ("actor", "idempotency_key", "files", "now", "calendar"):
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
    calendar = calendar or calendar_cache.current()
    complaint = _new_complaint(asked, actor=actor, now=now, calendar=calendar)
    complaint.idempotency_key, complaint.idempotency_digest = idempotency_key or None, digest
    try:
        with transaction.atomic():
            complaint.save()
    except IntegrityError:
        if idempotency_key:  # the same key registered concurrently: that request won, this one is judged by it
            return idempotency.replay(Complaint.objects.get(idempotency_key=idempotency_key), digest)
        raise
    complaint.replayed = False
    _mark_arrival(complaint)
    if import_job is not None:
        return complaint
    _start(_start_reads(complaint, calendar=calendar), actor=actor, now=now)
    if files:
        core_services.attachments_add(owner=complaint, files=files, actor=actor, purpose="material")
    return complaint


def _new_complaint(asked: dict, *, actor: User, now: datetime, calendar: Calendar) -> Complaint:
    """The unsaved complaint row for what was asked, every field checked; its statutory deadline set."""
    org_unit = asked["org_unit"]
    if org_unit is None or not org_unit.is_active:
        raise refusal(codes.INVALID, _("请选择有效的责任机构。"), field="org_unit")
    if not scope_for(actor, "add").covers(org_unit.path):
        raise refusal(codes.OUT_OF_SCOPE, _("您无权为该机构登记投诉。"), field="org_unit", status=403)
    checked = (
        "channel",
        "relation",
        "complainant_name",
        "subject",
        "content",
        "received_at",
        "complainant_count",
        "amount",
        "consumer_name",
        "recording_ref",
    )
    fields = rules.clean_register({name: asked[name] for name in checked}, now)
    categories = {
        name: rules.check_category(asked[name], dimension, name, required=False)
        for name, dimension in (
            ("business_category", Category.Dimension.BUSINESS),
            ("cause_category", Category.Dimension.CAUSE),
            ("demand_category", Category.Dimension.DEMAND),
        )
    }
    major_event = (asked["major_event"] or "").strip()
    if major_event and major_event not in rules.MAJOR_EVENTS:
        raise refusal(codes.MAJOR_EVENT_INVALID, _("重大事件类型无效。"), field="major_event")
    deadline = rules.deadline("deadline.initial", asked["received_at"], calendar=calendar)
    id_number, phone = (asked["complainant_id_number"] or "").strip(), (asked["complainant_phone"] or "").strip()
    import_job = asked["import_job"]
    return Complaint(
        org_unit=org_unit,
        channel=asked["channel"],
        external_ref=(asked["external_ref"] or "").strip()[:64],
        recording_ref=fields["recording_ref"],
        received_at=asked["received_at"],
        registered_by=actor,
        registered_at=now,
        complainant_name=fields["complainant_name"],
        complainant_id_number=id_number,
        complainant_id_index=blind_index(id_number) if id_number else "",
        complainant_phone=phone,
        complainant_phone_index=blind_index(phone) if phone else "",
        complainant_address=(asked["complainant_address"] or "").strip(),
        relation=asked["relation"],
        consumer_name=(asked["consumer_name"] or "").strip(),
        complainant_count=fields["complainant_count"],
        policy_number=(asked["policy_number"] or "").strip()[:64],
        product_name=(asked["product_name"] or "").strip()[:200],
        subject=fields["subject"],
        content=fields["content"],
        demand_text=(asked["demand_text"] or "").strip(),
        amount=fields["amount"],
        media_attention=bool(asked["media_attention"]),
        major_event=major_event,
        respondent_staff=asked["respondent_staff"],
        respondent_text=(asked["respondent_text"] or "").strip()[:100],
        taxonomy=rules.current_taxonomy() if any(categories.values()) else None,
        due_at=deadline.at,
        due_provisional=deadline.provisional,
        import_job=import_job,
        import_state=Complaint.ImportState.STAGED if import_job is not None else "",
        **categories,
    )


def _mark_arrival(complaint: Complaint) -> None:
    """What a saved complaint is on arrival: its number (from its id), a repeat of another, 重大, 群体."""
    complaint.number = f"TS{timezone.localtime(complaint.registered_at):%Y}{complaint.pk:06d}"
    repeat_of = rules.find_repeat_of(complaint)
    complaint.is_repeat, complaint.repeat_of = repeat_of is not None, repeat_of
    complaint.major_reasons = rules.major_reasons(complaint)
    complaint.is_major = bool(complaint.major_reasons)
    complaint.group_reasons = rules.group_reasons(complaint)
    complaint.is_group = bool(complaint.group_reasons)
    complaint.save(
        update_fields=["number", "is_repeat", "repeat_of", "major_reasons", "is_major", "group_reasons", "is_group"]
    )


@dataclass(frozen=True)
class StartReads:
    """What starting a complaint's process reads before it writes: the complaint with what it refers to, when
    accepting is due, who does 核查 and which officers hear of it. An import reads these for a batch's rows
    before the batch's transaction (`prepare_starts`), so its short write transactions hold the write lock
    only for the writes; a registration reads them in its own transaction as before."""

    complaint: Complaint
    accept_by: datetime
    superior_is_head_office: bool
    officers: tuple[User, ...]


def _start_reads(complaint: Complaint, *, calendar, units: dict | None = None) -> StartReads:
    """`units` (org unit id -> its officers and 核查 flag) spares an import the same reads for every row."""
    known = units.get(complaint.org_unit_id) if units is not None else None
    if known is None:
        known = (tuple(notices.unit_officers(complaint)), rules.superior_is_head_office(complaint.org_unit))
        if units is not None:
            units[complaint.org_unit_id] = known
    # accepting is due from registration, whenever the process starts
    accept_by = min(complaint.due_at, rules.deadline("deadline.accept", complaint.registered_at, calendar=calendar).at)
    return StartReads(complaint, accept_by, known[1], known[0])


def prepare_starts(pks, *, calendar: Calendar, units: dict | None = None) -> list[StartReads]:
    """The reads for starting the processes of an import's published complaints `pks`, in one query and outside
    any transaction; `complaint_activate(reads=...)` then writes each start. Rows no longer waiting are left out."""
    waiting = Complaint.with_staged.filter(pk__in=list(pks), import_state=Complaint.ImportState.PUBLISHED)
    found = {c.pk: c for c in waiting.select_related("org_unit__parent", "registered_by", "repeat_of")}
    return [_start_reads(found[pk], calendar=calendar, units=units) for pk in pks if pk in found]


@transaction.atomic
def complaint_activate(
    *,
    complaint: Complaint,
    now: datetime | None = None,
    calendar: Calendar | None = None,
    reads: StartReads | None = None,
) -> Complaint:
    """Start the process of a complaint an import staged and has since made visible (see complaint_register);
    one already started is returned untouched, so a resumed import never starts a process twice. With `reads`
    (from `prepare_starts`, read before this transaction) only the writes happen here."""
    state = (
        Complaint.with_staged.select_for_update().filter(pk=complaint.pk).values_list("import_state", flat=True).first()
    )
    if state != Complaint.ImportState.PUBLISHED:
        return Complaint.with_staged.get(pk=complaint.pk)
    if reads is None:
        found = Complaint.with_staged.select_related("org_unit__parent", "registered_by", "repeat_of")
        reads = _start_reads(found.get(pk=complaint.pk), calendar=calendar or calendar_cache.current())
    started = reads.complaint
    _start(reads, actor=started.registered_by, now=now or timezone.now())
    Complaint.with_staged.filter(pk=started.pk).update(import_state="")
    started.import_state = ""
    return started


def _start(reads: StartReads, *, actor, now: datetime) -> None:
    """The registration's second half: the process, the audit row, the notices, the escalation of a major one."""
    complaint = reads.complaint
    repeat_of = complaint.repeat_of
    workflow.start(
        process_key=selectors.PROCESS_KEY,
        business_object=complaint,
        actor=actor,
        data={
            "complaint_id": complaint.pk,
            "due_at": complaint.due_at.isoformat(),
            "due_at_provisional": complaint.due_provisional,
            "accept_due_at": reads.accept_by.isoformat(),
            "superior_is_head_office": reads.superior_is_head_office,
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
    core_services.notify_about(
        complaint,
        reads.officers,
        kind="registered",
        title=_("新投诉待受理：%(number)s %(subject)s") % {"number": complaint.number, "subject": complaint.subject},
        body=_("处理期限 %(due)s") % {"due": f"{timezone.localtime(complaint.due_at):%Y-%m-%d}"},
        level="warning" if complaint.is_major or complaint.is_group or complaint.is_repeat else "info",
    )
    if complaint.is_major:
        escalate_major(complaint, actor=actor, now=now)
    if complaint.is_group:
        escalate_group(complaint, actor=actor, now=now)
