"""Work order use cases: issue (one unit or a batch), accept or refuse, answer a refusal, report back,
accept or return, cancel. The two steps the process takes on its own (督办, escalation to head office)
are in `supervision`; they are re-exported here because apps.py registers them as its service tasks.

Every function is one transaction: the order rows, the workflow step, attachments, notifications and
audit rows commit together or not at all. People's actions go through `workflow.services.complete`,
which checks that the actor may take that step (holder or candidate) and that the task is still the
one the page showed (optimistic concurrency). Other modules open orders with `workorder_open`.

Row locks are taken in one order everywhere, so two transactions never wait on each other in a
circle: the per-unit orders' rows (a batch's in id order), then their process instances (inside the
workflow services), then the audit chain, and a batch parent's row last. The timer sweep has to lock
the instance first; its handlers therefore take the order row without waiting (see supervision.py).
"""

from __future__ import annotations

from datetime import date, datetime

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xiaobao.core import audit, calendar_cache
from xiaobao.core import services as core_services
from xiaobao.core.models import OrgUnit, User
from xiaobao.core.scope import scope_for
from xiaobao.core.workdays import Calendar
from xiaobao.core.workdays import due as deadline_after
from xiaobao.workflow import selectors as workflow_selectors
from xiaobao.workflow import services as workflow
from xiaobao.workflow.objects import ProcessObject
from xiaobao.workorders import error_codes as codes
from xiaobao.workorders import selectors
from xiaobao.workorders.models import Feedback, WorkOrder
from xiaobao.workorders.notices import issuer_people, recipient_people, unique
from xiaobao.workorders.rules import Due, check_recipients, clean_text, refusal, resolve_due
from xiaobao.workorders.supervision import handle_overdue, handle_supervision_expired

__all__ = [
    "Due",
    "handle_overdue",
    "handle_supervision_expired",
    "may_cancel",
    "resolve_due",
    "workorder_accept",
    "workorder_cancel",
    "workorder_issue",
    "workorder_open",
    "workorder_refuse",
    "workorder_resolve_refusal",
    "workorder_review",
    "workorder_submit_feedback",
]

ADD_PERMISSION = "workorders.add_workorder"
ACCEPT_WITHIN_WORKING_DAYS = 2  # 接收时限: at most this, never later than the order's own deadline


def _number(order: WorkOrder) -> str:
    return f"GD{timezone.localtime(order.created_at):%Y}{order.pk:06d}"


def _deadlines(order: WorkOrder, now: datetime, calendar: Calendar) -> dict:
    """The process variables the timers and task due times read (see processes/workorder.bpmn)."""
    accept_by = min(order.due_at, deadline_after(now, ACCEPT_WITHIN_WORKING_DAYS, calendar=calendar).at)
    return {
        "due_at": order.due_at.isoformat(),
        "due_at_provisional": order.due_provisional,
        "accept_due_at": accept_by.isoformat(),
    }


def _start(order: WorkOrder, *, actor, now: datetime, calendar: Calendar) -> None:
    workflow.start(
        process_key=selectors.PROCESS_KEY,
        business_object=order,
        actor=actor,
        data={
            "order_id": order.pk,
            "issuer_id": order.issuer_id,
            "recipient_user_id": order.recipient_user_id,
            **_deadlines(order, now, calendar),
        },
        now=now,
    )


@transaction.atomic
def workorder_issue(
    *,
    actor: User | None,
    title: str,
    kind: str,
    content: str,
    recipient_units: list[OrgUnit] = (),
    recipient_users: list[User] = (),
    due_days: int | None = None,
    day_unit: str = WorkOrder.DayUnit.WORKING,
    due_date: date | None = None,
    priority: str = WorkOrder.Priority.NORMAL,
    files=(),
    source=None,
    issuer_unit: OrgUnit | None = None,
    check_permission: bool = True,
    now: datetime | None = None,
) -> WorkOrder:
    """Issue a work order to one unit or person, or a batch to many (one child per recipient, each
    with its own process; the parent has none and rolls up its children's progress).

    Returns the single order, or the batch parent. Refuses, writing nothing: NOT_ALLOWED (403,
    without workorders.add_workorder), INVALID (title, kind, content, priority), NO_RECIPIENTS,
    RECIPIENT_INACTIVE (a closed unit; a named person who is inactive, in no unit, or may not handle
    work orders), RECIPIENT_OUT_OF_SCOPE (403: a unit outside the issuer's subtree), NO_DUE,
    BAD_DUE_DAYS, DUE_IN_PAST, and the upload refusals of core (size, type by content, count).
    `check_permission=False` is for other modules' own rules (see `workorder_open`).
    """
    now = now or timezone.now()
    if check_permission and not (actor and actor.has_perm(ADD_PERMISSION)):
        raise refusal(codes.NOT_ALLOWED, _("您没有下发工单的权限。"), status=403)
    title, content = clean_text(title=title, kind=kind, content=content, priority=priority)
    recipients = check_recipients(
        actor=actor, units=list(recipient_units), users=list(recipient_users), check_scope=check_permission
    )
    calendar = calendar_cache.current()
    deadline = resolve_due(due_days=due_days, day_unit=day_unit, due_date=due_date, now=now, calendar=calendar)
    issuer_unit = issuer_unit or getattr(actor, "org_unit", None)
    if issuer_unit is None:
        raise refusal(codes.INVALID, _("下发人不属于任何机构。"), field="issuer_unit")
    common = {
        "title": title,
        "kind": kind,
        "content": content,
        "priority": priority,
        "issuer": actor if getattr(actor, "is_authenticated", False) else None,
        "issuer_unit": issuer_unit,
        "due_days": deadline.days,
        "day_unit": deadline.unit,
        "due_at": deadline.at,
        "due_provisional": deadline.provisional,
        "due_counted_from": now if deadline.days is not None else None,
        "created_at": now,
    }
    if source is not None:
        common.update(
            source_type=ContentType.objects.get_for_model(source),
            source_id=str(source.pk),
            source_label=str(source)[:200],
            source_url=(source.get_absolute_url() if hasattr(source, "get_absolute_url") else "")[:300],
        )
    changes = {"title": title, "kind": kind, "due_at": deadline.at.isoformat()}
    parent = None
    if len(recipients) > 1:
        parent = WorkOrder.objects.create(
            org_unit=issuer_unit, is_batch=True, status=WorkOrder.Status.DISPATCHED, **common
        )
        parent.number = _number(parent)
        parent.save(update_fields=["number"])
        audit.record(actor=actor, action="workorder.issue", obj=parent, changes={**changes, "units": len(recipients)})
    holder = parent
    due_text = f"{timezone.localtime(deadline.at):%Y-%m-%d}"
    for unit, person in recipients:
        order = WorkOrder.objects.create(org_unit=unit, recipient_user=person, parent=parent, **common)
        order.number = _number(order)
        order.save(update_fields=["number"])
        _start(order, actor=actor, now=now, calendar=calendar)
        audit.record(
            actor=actor,
            action="workorder.issue",
            obj=order,
            changes={**changes, "batch": parent.pk if parent else None},
        )
        core_services.notify_about(
            order,
            recipient_people(order),
            kind="issued",
            title=_("新工单：%(title)s") % {"title": title},
            body=_("%(issuer)s 下发，期限 %(due)s") % {"issuer": issuer_unit.name, "due": due_text},
            level="warning" if priority != WorkOrder.Priority.NORMAL else "info",
        )
        holder = holder or order
    if files:
        core_services.attachments_add(owner=holder, files=files, actor=actor, purpose="material")
    return holder


def workorder_open(
    *,
    source,
    title: str,
    kind: str,
    content: str,
    recipient_unit: OrgUnit,
    due_days: int | None = None,
    day_unit: str = WorkOrder.DayUnit.WORKING,
    due_date: date | None = None,
    issuer: User | None = None,
    issuer_unit: OrgUnit | None = None,
    recipient_user: User | None = None,
    priority: str = WorkOrder.Priority.NORMAL,
    now: datetime | None = None,
) -> WorkOrder:
    """For other modules: open a work order caused by `source` (a complaint, a review, an alert…).

    The calling module has applied its own rule (e.g. "a substantive opinion that needs a change
    opens a verification order"), so no permission or scope check is made here; the order is
    issued in `issuer`'s name (or by the system when `issuer` is None: head office's 消保 admins
    then answer refusals and review the feedback). The issuing unit is `issuer_unit`, else the
    issuer's, else head office. Runs in the caller's transaction. Same validation refusals as
    `workorder_issue` (NO_DUE, BAD_DUE_DAYS, DUE_IN_PAST, RECIPIENT_INACTIVE, INVALID).
    """
    return workorder_issue(
        actor=issuer,
        title=title,
        kind=kind,
        content=content,
        recipient_units=[] if recipient_user else [recipient_unit],
        recipient_users=[recipient_user] if recipient_user else [],
        due_days=due_days,
        day_unit=day_unit,
        due_date=due_date,
        priority=priority,
        source=source,
        issuer_unit=issuer_unit
        or getattr(issuer, "org_unit", None)
        or OrgUnit.objects.filter(parent__isnull=True).order_by("path").first(),
        check_permission=False,
        now=now,
    )


# The order as a business object running its process, locked with the rows its steps read.
ORDER = ProcessObject(
    WorkOrder,
    process_key=selectors.PROCESS_KEY,
    related=("org_unit", "issuer", "recipient_user", "handler"),
    wrong_step=codes.WRONG_STEP,
    wrong_step_message=gettext_lazy("工单当前不在这一步（%(status)s），请刷新页面。"),
)


@transaction.atomic
def workorder_accept(
    *, order: WorkOrder | int, actor: User, expected_version: int | None = None, now: datetime | None = None
) -> WorkOrder:
    """The recipient takes the order on; they then hold its handling step.

    Refuses: WRONG_STEP (409, not waiting to be accepted — e.g. a colleague accepted it first), and
    the workflow's refusals (403 not a recipient, 409 the task changed since the page showed it).
    """
    now = now or timezone.now()
    order = ORDER.lock(order)
    ORDER.step(order, "accept", actor=actor, data={"accepted": True}, expected_version=expected_version, now=now)
    order.status, order.accepted_at, order.handler = WorkOrder.Status.IN_PROGRESS, now, actor
    ORDER.save(order, "status", "accepted_at", "handler")
    # The handling step takes its deadline from the process variable set at issue; the order's own deadline
    # wins if it was counted again since (a holiday schedule published while the order waited).
    handle = selectors.open_task(order, "handle")
    if handle is not None and order.due_at != handle.due_at:
        workflow.set_due(task=handle, due_at=order.due_at, provisional=order.due_provisional, actor=actor, now=now)
    return order


@transaction.atomic
def workorder_refuse(
    *, order: WorkOrder | int, actor: User, reason: str, expected_version: int | None = None, now=None
) -> WorkOrder:
    """The recipient sends the order back to the issuer with a reason (e.g. not ours to do).

    Refuses: REASON_REQUIRED, WRONG_STEP (409), and the workflow's refusals.
    """
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise refusal(codes.REASON_REQUIRED, _("拒收须说明理由。"), field="reason")
    order = ORDER.lock(order)
    ORDER.step(
        order,
        "accept",
        actor=actor,
        data={"accepted": False, "reason": reason},
        expected_version=expected_version,
        now=now,
        comment=reason,
    )
    order.status, order.refuse_reason = WorkOrder.Status.REFUSED, reason
    ORDER.save(order, "status", "refuse_reason")
    core_services.notify_about(
        order,
        issuer_people(order),
        kind="refused",
        title=_("工单被拒收：%(title)s") % {"title": order.title},
        body=_("%(unit)s：%(reason)s") % {"unit": order.org_unit.name, "reason": reason},
        level="warning",
    )
    return order


@transaction.atomic
def workorder_resolve_refusal(
    *,
    order: WorkOrder | int,
    actor: User,
    resend: bool,
    comment: str = "",
    due_days: int | None = None,
    day_unit: str | None = None,
    due_date: date | None = None,
    expected_version=None,
    now=None,
) -> WorkOrder:
    """The issuer answers a refusal: send it again (perhaps clarified in `comment`) or withdraw it.

    A resent order gets a fresh acceptance period. It keeps its deadline unless a new one is given
    (`due_days` in `day_unit`, default the order's, or `due_date`); a deadline that has already
    passed must be replaced, or the recipient would be in 督办 the moment the order arrives.
    Refuses: REASON_REQUIRED (withdrawing without a comment), DUE_IN_PAST (the deadline has passed
    and no new one is given, or the new date is past), BAD_DUE_DAYS, WRONG_STEP (409), and the
    workflow's refusals (403 not the issuer).
    """
    now = now or timezone.now()
    comment = (comment or "").strip()
    if not resend and not comment:
        raise refusal(codes.REASON_REQUIRED, _("撤销须说明理由。"), field="comment")
    order = ORDER.lock(order)
    task = ORDER.task(order, "refused")
    data: dict = {"resend": bool(resend), "comment": comment}
    if resend:
        calendar = calendar_cache.current()
        if due_date is not None or due_days not in (None, ""):
            deadline = resolve_due(
                due_days=due_days, day_unit=day_unit or order.day_unit, due_date=due_date, now=now, calendar=calendar
            )
            order.due_at, order.due_provisional = deadline.at, deadline.provisional
            order.due_days, order.day_unit = deadline.days, deadline.unit
            order.due_counted_from = now if deadline.days is not None else None
        elif order.due_at <= now:
            raise refusal(codes.DUE_IN_PAST, _("原办理期限已过，重新下发须给出新的期限。"), field="due")
        data.update(_deadlines(order, now, calendar))
        # an instance started on an older version of the process has no deadline fields on this form
        data = {k: v for k, v in data.items() if not task.form or k in {f["id"] for f in task.form}}
    ORDER.complete(task, actor=actor, data=data, expected_version=expected_version, now=now, comment=comment)
    if resend:
        order.status = WorkOrder.Status.PENDING_ACCEPT
        ORDER.save(order, "status", "due_at", "due_provisional", "due_days", "day_unit", "due_counted_from")
        core_services.notify_about(
            order,
            recipient_people(order),
            kind="resent",
            title=_("工单重新下发：%(title)s") % {"title": order.title},
            body=comment or _("期限 %(due)s") % {"due": f"{timezone.localtime(order.due_at):%Y-%m-%d}"},
        )
    else:
        _close(order, WorkOrder.Status.CANCELLED, now)
        audit.record(actor=actor, action="workorder.cancel", obj=order, reason=comment, at=now)
    return order


@transaction.atomic
def workorder_submit_feedback(
    *, order: WorkOrder | int, actor: User, text: str, files=(), expected_version=None, now=None
) -> Feedback:
    """The recipient reports back what was done, with evidence files; the issuer then reviews it.

    Each report is a new Feedback row (round 1, 2, … after returns); its files are the order's
    attachments with purpose "evidence:<round>". Refuses, writing nothing: FEEDBACK_REQUIRED (no
    text), the upload refusals (size, type by content, count), WRONG_STEP (409: not accepted yet,
    or already reported), and the workflow's refusals (403 not the handler).
    """
    now = now or timezone.now()
    text = (text or "").strip()
    if not text:
        raise refusal(codes.FEEDBACK_REQUIRED, _("请填写办理情况。"), field="text")
    order = ORDER.lock(order)
    task = ORDER.task(order, "handle")
    ORDER.complete(task, actor=actor, data={"feedback": text}, expected_version=expected_version, now=now)
    round_no = order.feedbacks.count() + 1
    feedback = Feedback.objects.create(order=order, round=round_no, text=text, submitted_by=actor, submitted_at=now)
    if files:
        core_services.attachments_add(owner=order, files=files, actor=actor, purpose=f"evidence:{round_no}")
    order.status, order.submitted_at, order.feedback = WorkOrder.Status.SUBMITTED, now, text
    order.handler = order.handler or actor
    ORDER.save(order, "status", "submitted_at", "feedback", "handler")
    core_services.notify_about(
        order,
        issuer_people(order),
        kind="submitted",
        title=_("工单已反馈，待验收：%(title)s") % {"title": order.title},
        body=_("%(unit)s 已提交办理情况。") % {"unit": order.org_unit.name},
    )
    return feedback


@transaction.atomic
def workorder_review(
    *, order: WorkOrder | int, actor: User, approved: bool, comment: str = "", expected_version=None, now=None
) -> WorkOrder:
    """The issuer accepts the report (the order closes, its batch too once every unit is done) or
    returns it with a reason: back to handling by the same person, counted in `return_count`. The
    deadline stands: a report returned after it makes the order overdue (and 督办 follows).

    Refuses: REASON_REQUIRED (returning without a reason), WRONG_STEP (409), workflow refusals
    (403 not the issuer).
    """
    now = now or timezone.now()
    comment = (comment or "").strip()
    if not approved and not comment:
        raise refusal(codes.REASON_REQUIRED, _("退回须说明理由。"), field="comment")
    order = ORDER.lock(order)
    ORDER.step(
        order,
        "review",
        actor=actor,
        data={"approved": bool(approved), "comment": comment},
        expected_version=expected_version,
        now=now,
        comment=comment,
    )
    Feedback.objects.filter(order=order, reviewed_at__isnull=True).update(
        reviewed_by=actor, reviewed_at=now, approved=bool(approved), review_comment=comment
    )
    handler = [order.handler] if order.handler_id else recipient_people(order)
    if approved:
        _close(order, WorkOrder.Status.CLOSED, now)
        core_services.notify_about(
            order, handler, kind="closed", title=_("工单已验收办结：%(title)s") % {"title": order.title}, body=comment
        )
    else:
        order.status = WorkOrder.Status.IN_PROGRESS
        order.return_count += 1
        ORDER.save(order, "status", "return_count")
        core_services.notify_about(
            order,
            handler,
            kind="returned",
            title=_("工单被退回重办：%(title)s") % {"title": order.title},
            body=comment,
            level="warning",
        )
    return order


def may_cancel(actor: User, order: WorkOrder) -> bool:
    """The issuer, or an admin whose change scope is the whole company, may withdraw an order."""
    if order.issuer_id and order.issuer_id == actor.pk:
        return True
    return actor.has_perm("workorders.change_workorder") and scope_for(actor, "change").everything


@transaction.atomic
def workorder_cancel(*, order: WorkOrder | int, actor: User, reason: str, now=None) -> WorkOrder:
    """Withdraw an open order (a batch: every open child, and their processes) — by its issuer or a
    company-wide admin. The recipients are told.

    Refuses: NOT_ALLOWED (403), REASON_REQUIRED, WRONG_STEP (409: already closed or withdrawn).
    """
    now = now or timezone.now()
    reason = (reason or "").strip()
    pk = order.pk if isinstance(order, WorkOrder) else int(order)
    shape = WorkOrder.objects.only("pk", "is_batch", "issuer").get(pk=pk)
    if not may_cancel(actor, shape):
        raise refusal(codes.NOT_ALLOWED, _("只有下发人或总公司管理员可以撤销工单。"), status=403)
    if not reason:
        raise refusal(codes.REASON_REQUIRED, _("撤销须说明理由。"), field="reason")
    if shape.is_batch:  # the children's rows before the parent's: the order every service locks them in
        targets = list(
            WorkOrder.objects.select_for_update(of=("self",))
            .select_related("org_unit", "recipient_user", "handler")
            .filter(parent=pk)
            .order_by("pk")
        )
        order = ORDER.lock(pk)
    else:
        order = ORDER.lock(pk)
        targets = [order]
    if not order.is_open:
        raise refusal(codes.WRONG_STEP, _("工单已办结或已撤销。"), status=409)
    for target in targets:
        if not target.is_open:
            continue
        # the order row is locked, so its process cannot move on before it is cancelled here
        for instance in workflow_selectors.running_instances_for_object(target, process_key=selectors.PROCESS_KEY):
            workflow.cancel(instance=instance, actor=actor, reason=reason, now=now, app_checked=True)
        target.status, target.closed_at = WorkOrder.Status.CANCELLED, now
        ORDER.save(target, "status", "closed_at")
        audit.record(actor=actor, action="workorder.cancel", obj=target, reason=reason, at=now)
        core_services.notify_about(
            target,
            unique(recipient_people(target), [target.handler]),
            kind="cancelled",
            title=_("工单已撤销：%(title)s") % {"title": target.title},
            body=reason,
        )
    if order.is_batch:
        order.status, order.closed_at = WorkOrder.Status.CANCELLED, now
        ORDER.save(order, "status", "closed_at")
        audit.record(actor=actor, action="workorder.cancel", obj=order, reason=reason, at=now)
    elif order.parent_id:
        _refresh_parent(order.parent_id, now)
    return order


def _close(order: WorkOrder, status: str, now: datetime) -> None:
    order.status, order.closed_at = status, now
    ORDER.save(order, "status", "closed_at")
    if order.parent_id:
        _refresh_parent(order.parent_id, now)


def _refresh_parent(parent_id: int, now: datetime) -> None:
    """A batch ends when none of its children is open any more: closed if any unit finished its
    order, cancelled if every one was withdrawn."""
    parent = WorkOrder.objects.select_for_update(of=("self",)).get(pk=parent_id)
    if parent.status != WorkOrder.Status.DISPATCHED:
        return
    statuses = set(WorkOrder.objects.filter(parent=parent_id).values_list("status", flat=True).distinct())
    if statuses & set(WorkOrder.OPEN_STATUSES):
        return
    parent.status = WorkOrder.Status.CLOSED if WorkOrder.Status.CLOSED in statuses else WorkOrder.Status.CANCELLED
    parent.closed_at = now
    ORDER.save(parent, "status", "closed_at")
