"""The fixed cast every test uses (STYLE.md §9).

Org tree:  HQ ─┬─ 北京分公司 (A) ── 朝阳支公司 (A1)
               └─ 河北分公司 (B) ── 石家庄中心支公司 (B1)
People:    hq_admin (总公司消保管理员, HQ), officer_a (分支机构消保专员, A),
           officer_b (same role, B), manager (管理层只读, HQ), outsider (no role, A).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from xiaobao.core.models import OrgUnit, User
from xiaobao.core.roles import role_group

PASSWORD = "Cast-Passw0rd!"


@dataclass
class Cast:
    hq: OrgUnit
    branch_a: OrgUnit
    sub_a: OrgUnit
    branch_b: OrgUnit
    sub_b: OrgUnit
    hq_admin: User
    officer_a: User
    officer_b: User
    manager: User
    outsider: User


def make_unit(code: str, name: str, level, parent=None) -> OrgUnit:
    unit = OrgUnit(code=code, name=name, level=level, parent=parent)
    unit.save()
    return unit


def make_user(username: str, unit: OrgUnit, role: str | None, full_name: str = "") -> User:
    user = User.objects.create_user(
        username=username, password=PASSWORD, org_unit=unit, full_name=full_name or username
    )
    if role:
        user.groups.add(role_group(role))
    return user


def build_cast() -> Cast:
    L = OrgUnit.Level
    hq = make_unit("HQ", "总公司", L.HEAD_OFFICE)
    branch_a = make_unit("A", "北京分公司", L.BRANCH, hq)
    sub_a = make_unit("A1", "朝阳支公司", L.SUB_BRANCH, branch_a)
    branch_b = make_unit("B", "河北分公司", L.BRANCH, hq)
    sub_b = make_unit("B1", "石家庄中心支公司", L.CENTRAL_SUB_BRANCH, branch_b)
    return Cast(
        hq=hq,
        branch_a=branch_a,
        sub_a=sub_a,
        branch_b=branch_b,
        sub_b=sub_b,
        hq_admin=make_user("hq_admin", hq, "hq_admin", "李晓梅"),
        officer_a=make_user("officer_a", branch_a, "branch_officer", "张伟"),
        officer_b=make_user("officer_b", branch_b, "branch_officer", "刘洋"),
        manager=make_user("manager", hq, "management", "郑志强"),
        outsider=make_user("outsider", branch_a, None, "路人甲"),
    )


def version_on(html: str, action: str) -> int:
    """The hidden task version carried by the named action form of a page (the version a step's form posts)."""
    form = re.search(rf'<form[^>]*data-testid="{action}-form".*?</form>', html, re.S)
    assert form, f"no {action} form on the page"
    return int(re.search(r'name="version" value="(\d+)"', form.group(0)).group(1))
