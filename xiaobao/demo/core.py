"""Demo data for core: the org tree of a life insurer headquartered in Tianjin, and one user per role.

The company is fictional; the shape follows the published account DOMAIN.md describes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, time

from django.db import transaction
from django.utils import timezone

from xiaobao.core import services
from xiaobao.core.models import OrgUnit, User
from xiaobao.core.roles import role_group

# The story's last complete year: every module's demo fills it (the published figures DOMAIN.md gives), and the
# current year runs from its end up to the day of the load.
COMPLETE_YEAR = 2025
DEMO_PASSWORD = "XiaoBao@2026"  # noqa: S105 - public demo credential, printed by `make demo`

L = OrgUnit.Level
# (code, name, level, parent code, region)
ORG_TREE = [
    ("HQ", "津冀人寿保险股份有限公司总公司", L.HEAD_OFFICE, None, "天津"),
    ("BJ", "北京分公司", L.BRANCH, "HQ", "北京"),
    ("BJ-CY", "北京朝阳支公司", L.SUB_BRANCH, "BJ", "北京"),
    ("BJ-HD", "北京海淀营业部", L.SUB_BRANCH, "BJ", "北京"),
    ("TJ", "天津分公司", L.BRANCH, "HQ", "天津"),
    ("TJ-BH", "天津滨海新区中心支公司", L.CENTRAL_SUB_BRANCH, "TJ", "天津"),
    ("TJ-BH-TG", "天津塘沽支公司", L.SUB_BRANCH, "TJ-BH", "天津"),
    ("TJ-HP", "天津和平营业部", L.SUB_BRANCH, "TJ", "天津"),
    ("HB", "河北分公司", L.BRANCH, "HQ", "河北"),
    ("HB-SJZ", "石家庄中心支公司", L.CENTRAL_SUB_BRANCH, "HB", "河北"),
    ("HB-SJZ-ZD", "正定支公司", L.SUB_BRANCH, "HB-SJZ", "河北"),
    ("HB-TS", "唐山中心支公司", L.CENTRAL_SUB_BRANCH, "HB", "河北"),
    ("HB-TS-QA", "迁安支公司", L.SUB_BRANCH, "HB-TS", "河北"),
    ("HB-BD", "保定中心支公司", L.CENTRAL_SUB_BRANCH, "HB", "河北"),
    ("HB-LF", "廊坊中心支公司", L.CENTRAL_SUB_BRANCH, "HB", "河北"),
]

# (username, full name, role code, org code, department, mobile)
DEMO_USERS = [
    ("admin", "王建国", "sysadmin", "HQ", "信息技术部", "13820000001"),
    ("xiaobao", "李晓梅", "hq_admin", "HQ", "消费者权益保护部", "13820000002"),
    ("bj_officer", "张伟", "branch_officer", "BJ", "综合管理部", "13820000003"),
    ("hb_officer", "刘洋", "branch_officer", "HB", "综合管理部", "13820000004"),
    ("tj_officer", "马丽", "branch_officer", "TJ", "综合管理部", "13820000005"),
    ("product_clerk", "陈静", "dept_clerk", "HQ", "个人业务部", "13820000006"),
    ("reviewer", "赵磊", "reviewer", "HQ", "消费者权益保护部", "13820000007"),
    ("committee", "孙丽华", "committee_member", "HQ", "消费者权益保护委员会", "13820000008"),
    ("agent", "周敏", "agent", "TJ", "客户服务中心", "13820000009"),
    ("inspector", "吴刚", "inspector", "HQ", "运营管理部", "13820000010"),
    ("manager", "郑志强", "management", "HQ", "总经理室", "13820000011"),
]


def reference_moment(now: datetime | None = None) -> datetime:
    """The moment the demo's story runs up to: the start of the load's day (local time). Every demo step is
    dated at or before it, so `make demo` gives the same data all day long, and the worker's first sweep
    after the load fires what fell due since midnight, at its real time."""
    today = timezone.localdate(now or timezone.now())
    return timezone.make_aware(datetime.combine(today, time(0, 0)))


@contextmanager
def demo_clock(moment: datetime) -> Iterator[None]:
    """While a demo step runs, `django.utils.timezone.now()` reads the step's moment.

    The services take the event time as `now` where the caller decides it, but some rows are stamped by
    code the caller does not reach (notifications written by `notify_about`, attachments' upload times, audit
    rows of nested calls). Replaying history with the clock set to each event's moment gives all of them the
    time of their event instead of the time of the load. Demo only: the load runs in one thread and the
    original function is restored even when a step fails.
    """
    original = timezone.now
    timezone.now = lambda: moment
    try:
        yield
    finally:
        timezone.now = original


class OnItsOwnClock:
    """A services module whose every call given a `now` runs with the demo clock at that `now` (`demo_clock`).

    For demos that call services directly in date order rather than through a timeline: the rows the services
    stamp themselves (audit rows, notifications, upload times, search-index rows) then carry the time of the
    call's event, not the demo's reference moment. Calls without a `now` run on the clock as it is."""

    def __init__(self, module):
        self._module = module

    def __getattr__(self, name: str):
        function = getattr(self._module, name)
        if not callable(function):
            return function

        def call(*args, **kwargs):
            if kwargs.get("now") is None:
                return function(*args, **kwargs)
            with demo_clock(kwargs["now"]):
                return function(*args, **kwargs)

        return call


_PASSWORD_HASH: dict[str, str] = {}


def demo_password_hash() -> str:
    """Every demo user has the same password: hash it once (each hash costs the configured work factor,
    about a second here) and give every user that hash — it is a salted hash of the same password."""
    if "hash" not in _PASSWORD_HASH:
        from django.contrib.auth.hashers import make_password

        _PASSWORD_HASH["hash"] = make_password(DEMO_PASSWORD)
    return _PASSWORD_HASH["hash"]


@transaction.atomic
def load() -> dict:
    units: dict[str, OrgUnit] = {}
    for code, name, level, parent_code, region in ORG_TREE:
        unit = OrgUnit.objects.filter(code=code).first()
        if unit is None:
            unit = OrgUnit(code=code, name=name, level=level, parent=units.get(parent_code), region=region)
            unit.full_clean()
            unit.save()
        units[code] = unit
    users = {}
    for username, full_name, role, org_code, department, mobile in DEMO_USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, full_name=full_name, org_unit=units[org_code], department=department)
            user.password = demo_password_hash()
            user.is_staff = role == "sysadmin"
            user.is_superuser = role == "sysadmin"
            user.save()
            user.groups.add(role_group(role))
            services.user_set_mobile(user=user, actor=None, mobile=mobile)
        users[username] = user
    return {"units": units, "users": users}
