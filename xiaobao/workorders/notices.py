"""Who hears about a work order, and how: in the app (the bell) and by e-mail, queued for the worker.

The services and the 督办 handlers share these: each event names the people it concerns, and
`core.services.notify_about` writes one notification row per person in the caller's transaction (the e-mail copy
is marked pending and sent by the worker's periodic job, never by the request).
"""

from __future__ import annotations

from xiaobao.core.directory import users_in_unit_with_role, users_with_role
from xiaobao.core.models import User
from xiaobao.workorders.models import WorkOrder

RECIPIENT_ROLE = "branch_officer"  # 分支机构消保专员: who takes an order sent to a unit
HEAD_OFFICE_ROLE = "hq_admin"  # 总公司消保管理员: who hears of escalations and of orders the system issued


def recipient_people(order: WorkOrder) -> list[User]:
    """The named recipient; else the unit's own officers; else the officers whose reach covers it."""
    if order.recipient_user_id:
        return [order.recipient_user]
    return list(users_in_unit_with_role(RECIPIENT_ROLE, order.org_unit)) or list(
        users_with_role(RECIPIENT_ROLE, order.org_unit)
    )


def issuer_people(order: WorkOrder) -> list[User]:
    """The issuer; an order the system opened (no issuer) answers to head office's 消保 admins."""
    return [order.issuer] if order.issuer_id else list(users_with_role(HEAD_OFFICE_ROLE))


def superior_people(order: WorkOrder) -> list[User]:
    """The recipient's superior unit: its officers, or head office's 消保 admins for a branch."""
    superior = order.org_unit.parent
    if superior is None:
        return []
    if superior.parent_id is None:  # head office supervises its branches through its 消保 admins
        return list(users_with_role(HEAD_OFFICE_ROLE))
    return list(users_in_unit_with_role(RECIPIENT_ROLE, superior))


def head_office_people() -> list[User]:
    return list(users_with_role(HEAD_OFFICE_ROLE))


def unique(*groups) -> list[User]:
    """People from several groups, each once, in first-seen order."""
    seen: dict[int, User] = {}
    for group in groups:
        for person in group:
            if person is not None:
                seen.setdefault(person.pk, person)
    return list(seen.values())
