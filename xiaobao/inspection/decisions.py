"""Deciding findings and the loop (闭环): confirm, dismiss as a false positive, escalate, contest; a
confirmed finding opens a rectification work order to the agent's unit (workorders.services), asks for
targeted training and, for an unlogged complaint, a complaint draft — the last two through core hooks,
because training and complaints sit on this app's own layer (DESIGN.md) and are not imported here.
Repeat findings for one agent escalate: an urgent order and a notice to the unit's officers.

`rectifications_sync` (periodic) closes confirmed findings whose work order was closed.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from xiaobao.core import audit, hooks
from xiaobao.core.api_errors import BusinessRuleError
from xiaobao.core.models import Notification, User
from xiaobao.core.scope import scope_for
from xiaobao.inspection import error_codes as codes
from xiaobao.inspection.models import Finding, Interaction, Rule
from xiaobao.workorders import selectors as workorder_selectors
from xiaobao.workorders import services as workorder_services

REVIEW_PERMISSION = "inspection.review_finding"
CONTEST_PERMISSION = "inspection.contest_finding"
#: rectification deadline (working days) by severity
RECTIFY_DAYS = {Rule.Severity.HIGH: 5, Rule.Severity.MEDIUM: 10, Rule.Severity.LOW: 15}
#: repeat findings: the agent's Nth confirmed finding within the window escalates
REPEAT_THRESHOLD = 3
REPEAT_WINDOW_DAYS = 90
TRAINING_DUE_DAYS = 30


def _refuse(code: str, message: str, *, status: int = 400, field: str = "") -> BusinessRuleError:
    return BusinessRuleError(code, message, fields={field: [code]} if field else None, status_code=status)


def _locked_for_review(finding: Finding | int, actor: User) -> Finding:
    if actor is None or not actor.is_authenticated or not actor.has_perm(REVIEW_PERMISSION):
        raise _refuse(codes.NOT_ALLOWED, _("您没有复核质检发现的权限。"), status=403)
    pk = finding.pk if isinstance(finding, Finding) else int(finding)
    locked = (
        Finding.objects.select_for_update(of=("self",))
        .select_related("rule", "interaction", "org_unit", "agent")
        .filter(pk=pk)
        .first()
    )
    if locked is None or not scope_for(actor, "act").covers(locked.org_unit.path):
        raise _refuse(codes.NOT_ALLOWED, _("该质检发现不在您的数据范围内。"), status=403)
    if locked.status not in Finding.UNDECIDED:
        raise _refuse(codes.NOT_OPEN, _("该质检发现已复核。"), status=409)
    return locked


@transaction.atomic
def finding_dismiss(*, finding: Finding | int, actor: User, reason: str, now=None) -> Finding:
    """误报: the reason is kept (and counts in the rule's false-positive rate). Refuses: NOT_ALLOWED (403),
    NOT_OPEN (409), REASON_REQUIRED."""
    now = now or timezone.now()
    found = _locked_for_review(finding, actor)
    reason = (reason or "").strip()
    if not reason:
        raise _refuse(codes.REASON_REQUIRED, _("请说明误报原因。"), field="reason")
    before = found.status
    found.status, found.reason, found.decided_by, found.decided_at, found.closed_at = (
        Finding.Status.DISMISSED,
        reason[:2000],
        actor,
        now,
        now,
    )
    found.save(update_fields=["status", "reason", "decided_by", "decided_at", "closed_at"])
    audit.record(
        actor=actor,
        action="inspection.dismiss",
        obj=found,
        changes={"status": [before, found.status]},
        reason=reason[:500],
    )
    return found


@transaction.atomic
def finding_escalate(*, finding: Finding | int, actor: User, reason: str, now=None) -> Finding:
    """升级: to head office's inspectors and 消保 admins for a decision (a notice each). Refuses: NOT_ALLOWED,
    NOT_OPEN, REASON_REQUIRED."""
    now = now or timezone.now()
    found = _locked_for_review(finding, actor)
    reason = (reason or "").strip()
    if not reason:
        raise _refuse(codes.REASON_REQUIRED, _("请说明升级原因。"), field="reason")
    if found.status == Finding.Status.ESCALATED:
        raise _refuse(codes.NOT_OPEN, _("该质检发现已升级。"), status=409)
    found.status, found.reason = Finding.Status.ESCALATED, reason[:2000]
    found.save(update_fields=["status", "reason"])
    for person in _people_with(REVIEW_PERMISSION, everything=True).exclude(pk=actor.pk):
        _notify(
            person,
            found,
            kind="escalated",
            title=_("质检发现升级：%(rule)s") % {"rule": found.rule.name},
            body=reason[:200],
        )
    audit.record(actor=actor, action="inspection.escalate", obj=found, reason=reason[:500])
    return found


@transaction.atomic
def finding_contest(*, finding: Finding | int, actor: User, reason: str, now=None) -> Finding:
    """坐席申诉: the agent the finding is about disputes it; it goes back to the inspectors undecided
    (a confirmed one too, while its rectification is open). Refuses: NOT_ALLOWED, NOT_OWN_FINDING (403),
    NOT_OPEN (409: dismissed, rectified or withdrawn, or already contested), REASON_REQUIRED."""
    now = now or timezone.now()
    if actor is None or not actor.is_authenticated or not actor.has_perm(CONTEST_PERMISSION):
        raise _refuse(codes.NOT_ALLOWED, _("您没有申诉的权限。"), status=403)
    pk = finding.pk if isinstance(finding, Finding) else int(finding)
    found = Finding.objects.select_for_update(of=("self",)).select_related("rule").filter(pk=pk).first()
    if found is None or found.agent_id != actor.pk:
        raise _refuse(codes.NOT_OWN_FINDING, _("只能对本人的质检发现申诉。"), status=403)
    if (
        found.status not in (Finding.Status.OPEN, Finding.Status.CONFIRMED, Finding.Status.ESCALATED)
        or found.contested_at
    ):
        raise _refuse(codes.NOT_OPEN, _("该质检发现不能再申诉。"), status=409)
    reason = (reason or "").strip()
    if not reason:
        raise _refuse(codes.REASON_REQUIRED, _("请填写申诉理由。"), field="reason")
    before = found.status
    found.contest_reason, found.contested_at = reason[:2000], now
    if found.status == Finding.Status.OPEN:
        found.status = Finding.Status.CONTESTED
    found.save(update_fields=["contest_reason", "contested_at", "status"])
    for person in _people_with(REVIEW_PERMISSION, unit_path=found.org_unit.path if found.org_unit_id else ""):
        _notify(
            person,
            found,
            kind="contested",
            title=_("坐席申诉：%(rule)s") % {"rule": found.rule.name},
            body=reason[:200],
        )
    audit.record(
        actor=actor,
        action="inspection.contest",
        obj=found,
        changes={"status": [before, found.status]},
        reason=reason[:500],
    )
    return found


@transaction.atomic
def finding_confirm(
    *, finding: Finding | int, actor: User, comment: str = "", training: bool = True, now=None
) -> Finding:
    """确认: the finding stands. Opens a rectification work order to the agent's unit (deadline by severity;
    urgent when the agent's confirmed findings reach REPEAT_THRESHOLD within REPEAT_WINDOW_DAYS), asks for
    targeted training of the agent (core hook; pending until the training module answers) and, for an
    unlogged complaint, a complaint draft (core hook). All in one transaction with the work order.
    Refuses: NOT_ALLOWED (403), NOT_OPEN (409), and the work-order refusals (e.g. an inactive unit)."""
    now = now or timezone.now()
    found = _locked_for_review(finding, actor)
    since = now - timezone.timedelta(days=REPEAT_WINDOW_DAYS)
    repeats = 1
    if found.agent_id:
        repeats += Finding.objects.filter(
            agent_id=found.agent_id,
            status__in=(Finding.Status.CONFIRMED, Finding.Status.RECTIFIED),
            decided_at__gte=since,
        ).count()
    found.status, found.reason = Finding.Status.CONFIRMED, (comment or "").strip()[:2000]
    found.decided_by, found.decided_at, found.repeat_count = actor, now, repeats
    interaction = found.interaction
    agent_label = str(found.agent) if found.agent_id else (interaction.agent_code or _("未知坐席"))
    repeated = repeats >= REPEAT_THRESHOLD
    content = _(
        "质检发现：%(rule)s（%(severity)s）\n交互：%(kind)s %(source)s，%(at)s\n坐席：%(agent)s\n命中内容：%(evidence)s\n"
        "监管依据：%(basis)s\n请核实情况、对坐席进行辅导并反馈整改措施。"
    ) % {
        "rule": found.rule.name,
        "severity": found.get_severity_display(),
        "kind": interaction.get_kind_display(),
        "source": interaction.source_id,
        "at": f"{timezone.localtime(interaction.started_at):%Y-%m-%d %H:%M}",
        "agent": agent_label,
        "evidence": found.evidence,
        "basis": found.rule.regulatory_basis,
    }
    if repeated:
        content += "\n" + _("该坐席近 %(days)d 天已有 %(n)d 条确认的质检发现，升级督办。") % {
            "days": REPEAT_WINDOW_DAYS,
            "n": repeats,
        }
    order = workorder_services.workorder_open(
        source=found,
        title=(_("【屡次】") if repeated else "")
        + _("质检整改：%(rule)s · %(agent)s") % {"rule": found.rule.name, "agent": agent_label},
        kind="rectification",
        content=content,
        recipient_unit=found.org_unit,
        due_days=RECTIFY_DAYS.get(found.severity, 10),
        issuer=actor,
        priority="urgent" if repeated else ("high" if found.severity == Rule.Severity.HIGH else "normal"),
        now=now,
    )
    found.workorder_id = order.pk
    if training and found.agent_id:
        answer = hooks.first_answer(
            hooks.targeted_training_requested.send(
                sender=Finding,
                agent=found.agent,
                reason=found.rule.name,
                rule_code=found.rule.code,
                finding_id=found.pk,
                source=found,
                due_date=timezone.localdate(now) + timezone.timedelta(days=TRAINING_DUE_DAYS),
                actor=actor,
            )
        )
        found.training = {"state": "assigned", **answer} if answer else {"state": "pending", "rule": found.rule.code}
    if found.rule.kind == Rule.Kind.COMPLAINT_INTENT and not interaction.complaint_number:
        found.complaint_draft = _complaint_draft(found, actor)
    found.save(
        update_fields=[
            "status",
            "reason",
            "decided_by",
            "decided_at",
            "repeat_count",
            "workorder_id",
            "training",
            "complaint_draft",
        ]
    )
    if repeated:
        for person in _people_with("workorders.view_workorder", unit_path=found.org_unit.path, exact=True):
            _notify(
                person,
                found,
                kind="repeat",
                level=Notification.Level.URGENT,
                title=_("坐席屡次违规：%(agent)s") % {"agent": agent_label},
                body=_("近 %(days)d 天第 %(n)d 条确认的质检发现。") % {"days": REPEAT_WINDOW_DAYS, "n": repeats},
            )
    audit.record(
        actor=actor,
        action="inspection.confirm",
        obj=found,
        changes={"workorder": order.number, "repeat": repeats, "training": found.training.get("state", "")},
    )
    return found


def _complaint_draft(found: Finding, actor: User) -> dict:
    interaction = found.interaction
    draft = {
        "channel": interaction.channel,
        "org_unit": found.org_unit_id,
        "agent": found.agent_id,
        "received_at": interaction.started_at.isoformat(),
        "summary": found.evidence,
        "customer_name": interaction.customer_name,
        "customer_ref": interaction.customer_ref,
        "policy_number": interaction.policy_number,
        "source_label": str(interaction),
        "source_url": found.get_absolute_url(),
    }
    answer = hooks.first_answer(
        hooks.complaint_draft_requested.send(sender=Finding, draft=draft, source=found, actor=actor)
    )
    # what we keep is masked and holds no customer data: the receiver got the draft in full
    return {"state": "opened", **answer} if answer else {"state": "pending", "summary": found.evidence}


def _people_with(permission: str, *, unit_path: str = "", everything: bool = False, exact: bool = False):
    """Active users holding `permission` (through a role group) whose scope reaches the unit."""
    app_label, codename = permission.split(".")
    people = (
        User.objects.filter(is_active=True)
        .filter(
            Q(groups__permissions__codename=codename, groups__permissions__content_type__app_label=app_label)
            | Q(is_superuser=True)
        )
        .distinct()
    )
    if everything:
        return people.filter(groups__role__scope="all").distinct()
    if unit_path:
        prefixes = [unit_path[:i] for i in range(5, len(unit_path) + 1, 5)]
        if exact:
            return people.filter(org_unit__path=unit_path)
        return people.filter(Q(org_unit__path__in=prefixes) | Q(groups__role__scope="all")).distinct()
    return people


def _notify(person: User, found: Finding, *, kind: str, title: str, body: str = "", level: str = "warning") -> None:
    Notification.objects.get_or_create(
        recipient=person,
        dedupe_key=f"inspection:{kind}:{found.pk}",
        defaults={
            "kind": f"inspection.{kind}",
            "level": level,
            "title": title[:200],
            "body": body,
            "url": found.get_absolute_url(),
            "object_type": "inspection.finding",
            "object_id": str(found.pk),
            "created_at": timezone.now(),
        },
    )


def rectifications_sync(*, now=None) -> int:
    """Periodic: a confirmed finding whose rectification order was closed becomes 已整改 (closed at the order's
    closure). Idempotent; reads the orders through workorders.selectors."""
    waiting = dict(
        Finding.objects.filter(status=Finding.Status.CONFIRMED, workorder_id__isnull=False).values_list(
            "workorder_id", "pk"
        )[:2000]
    )
    if not waiting:
        return 0
    closed = 0
    for order_id, (is_open, status, closed_at) in workorder_selectors.order_states(waiting).items():
        if not is_open and status == "closed":
            closed += Finding.objects.filter(pk=waiting[order_id], status=Finding.Status.CONFIRMED).update(
                status=Finding.Status.RECTIFIED, closed_at=closed_at or now or timezone.now()
            )
    return closed


__all__ = [
    "Interaction",
    "finding_confirm",
    "finding_contest",
    "finding_dismiss",
    "finding_escalate",
    "rectifications_sync",
]
