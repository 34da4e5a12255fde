"""Who hears about a complaint, and how: in the app (the bell) and by e-mail, queued for the worker.

Notifications never carry personal data: titles name the complaint's number and subject, and core
masks the text again before it is stored.
"""

from __future__ import annotations

from xiaobao.complaints.models import Complaint
from xiaobao.core.directory import users_in_unit_with_role, users_with_role
from xiaobao.core.models import User

OFFICER_ROLE = "branch_officer"  # 分支机构消保专员: accepts and handles in their subtree
HEAD_OFFICE_ROLE = "hq_admin"  # 总公司消保管理员: hears of major complaints and of 督办


def unit_officers(complaint: Complaint) -> list[User]:
    """The responsible unit's own officers; else the officers whose reach covers it."""
    return list(users_in_unit_with_role(OFFICER_ROLE, complaint.org_unit)) or list(
        users_with_role(OFFICER_ROLE, complaint.org_unit)
    )


def superior_people(complaint: Complaint) -> list[User]:
    """Who does 核查: the parent unit's officers, or head office's 消保 admins for a branch (or HQ)."""
    parent = complaint.org_unit.parent
    if parent is None or parent.parent_id is None:
        return head_office_people()
    return list(users_in_unit_with_role(OFFICER_ROLE, parent))


def head_office_people() -> list[User]:
    return list(users_with_role(HEAD_OFFICE_ROLE))


def handler_people(complaint: Complaint) -> list[User]:
    return [complaint.handler] if complaint.handler_id else unit_officers(complaint)


def unique(*groups) -> list[User]:
    seen: dict[int, User] = {}
    for group in groups:
        for person in group:
            if person is not None:
                seen.setdefault(person.pk, person)
    return list(seen.values())
