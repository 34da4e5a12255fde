"""What a new work order must satisfy before anything is written: its text, its recipients, its deadline.

`workorder_issue` (and `workorder_resolve_refusal` for a new deadline) run these first; each
refusal carries a code from error_codes.py and names the field it is about.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from django.utils import timezone
from django.utils.translation import gettext as _

from xiaobao.core.api_errors import BusinessRuleError, refusal
from xiaobao.core.models import OrgUnit, User
from xiaobao.core.scope import scope_for
from xiaobao.core.workdays import Calendar
from xiaobao.core.workdays import due as deadline_after
from xiaobao.workorders import error_codes as codes
from xiaobao.workorders.models import WorkOrder

# A named recipient must be able to open the order and act on its tasks.
HANDLE_PERMISSIONS = ("workorders.view_workorder", "workflow.change_humantask")
MAX_DUE_DAYS = 365


def may_handle(user) -> bool:
    """Whether the user may open a work order and act on its tasks (whom an order may name as its handler)."""
    return all(user.has_perm(p) for p in HANDLE_PERMISSIONS)


@dataclass(frozen=True)
class Due:
    at: datetime
    provisional: bool
    days: int | None
    unit: str


def resolve_due(
    *,
    due_days: int | None,
    day_unit: str,
    due_date: date | None,
    now: datetime,
    field_prefix: str = "",
    calendar: Calendar | None = None,
) -> Due:
    """The deadline from a number of working/calendar days (on the core calendar, the start day not
    counted) or an explicit date (the end of that day); `due_date` wins when both are given.

    Refuses: NO_DUE (neither), INVALID (a day unit other than working/calendar), DUE_IN_PAST (a date
    before today), BAD_DUE_DAYS (not a whole number from 1 to 365).
    """
    if due_date is None and due_days in (None, ""):
        raise refusal(codes.NO_DUE, _("请填写办理期限（天数或截止日期）。"), field=f"{field_prefix}due")
    if day_unit not in WorkOrder.DayUnit.values:
        raise refusal(codes.INVALID, _("天数口径只能是工作日或自然日。"), field=f"{field_prefix}day_unit")
    if due_date is not None:
        if due_date < timezone.localdate(now):
            raise refusal(codes.DUE_IN_PAST, _("截止日期不能早于今天。"), field=f"{field_prefix}due_date")
        return Due(timezone.make_aware(datetime.combine(due_date, time.max)), False, None, day_unit)
    try:
        days = int(due_days)
    except (TypeError, ValueError):
        raise refusal(codes.BAD_DUE_DAYS, _("办理时限须为整数天。"), field=f"{field_prefix}due_days") from None
    if (isinstance(due_days, float) and days != due_days) or not 1 <= days <= MAX_DUE_DAYS:
        raise refusal(
            codes.BAD_DUE_DAYS,
            _("办理时限须在 1 到 %(max)s 天之间。") % {"max": MAX_DUE_DAYS},
            field=f"{field_prefix}due_days",
        )
    deadline = deadline_after(now, days, day_unit, calendar=calendar)
    return Due(deadline.at, deadline.provisional, days, day_unit)


def clean_text(*, title: str, kind: str, content: str, priority: str) -> tuple[str, str]:
    title, content = (title or "").strip(), (content or "").strip()
    problems = {}
    if not title or len(title) > 200:
        problems["title"] = [codes.INVALID]
    if kind not in WorkOrder.Kind.values:
        problems["kind"] = [codes.INVALID]
    if priority not in WorkOrder.Priority.values:
        problems["priority"] = [codes.INVALID]
    if not content:
        problems["content"] = [codes.INVALID]
    if problems:
        raise BusinessRuleError(codes.INVALID, _("请检查标红的字段。"), fields=problems)
    return title, content


def check_recipients(
    *, actor, units: list[OrgUnit], users: list[User], check_scope: bool
) -> list[tuple[OrgUnit, User | None]]:
    """(unit, named person or None) per recipient, deduplicated, each checked against the issuer's reach."""
    pairs: dict[tuple[int, int | None], tuple[OrgUnit, User | None]] = {}
    for unit in units:
        pairs.setdefault((unit.pk, None), (unit, None))
    for user in users:
        if not user.is_active or user.org_unit_id is None:
            raise refusal(
                codes.RECIPIENT_INACTIVE,
                _("接收人“%(name)s”已停用或不属于任何机构。") % {"name": user},
                field="recipient_users",
            )
        if not may_handle(user):
            # the order would wait on someone who can neither open it nor act on it
            raise refusal(
                codes.RECIPIENT_INACTIVE,
                _("接收人“%(name)s”没有办理工单的权限。") % {"name": user},
                field="recipient_users",
            )
        pairs.pop((user.org_unit_id, None), None)  # naming a person of a unit already chosen narrows it
        pairs[(user.org_unit_id, user.pk)] = (user.org_unit, user)
    if not pairs:
        raise refusal(codes.NO_RECIPIENTS, _("请至少选择一个接收机构或接收人。"), field="recipient_units")
    inactive = [u.name for u, _person in pairs.values() if not u.is_active]
    if inactive:
        raise refusal(
            codes.RECIPIENT_INACTIVE,
            _("机构已停用：%(names)s") % {"names": "、".join(inactive)},
            field="recipient_units",
        )
    if check_scope:
        scope = scope_for(actor, "add")
        outside = [u.name for u, _person in pairs.values() if not scope.covers(u.path)]
        if outside:
            raise refusal(
                codes.RECIPIENT_OUT_OF_SCOPE,
                _("您无权向这些机构下发工单：%(names)s") % {"names": "、".join(outside)},
                field="recipient_units",
                status=403,
            )
    return sorted(pairs.values(), key=lambda pair: (pair[0].path, pair[1].pk if pair[1] else 0))
