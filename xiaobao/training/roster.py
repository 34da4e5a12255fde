"""The staff roster from HR's Excel sheet (员工名册导入): all or nothing, with a report of every bad row.

HR's sheet is the source of truth for who works where: a row with a known 工号 updates that person, a new
工号 adds one; a 离职日期 makes the person a leaver (kept for their history, out of coverage from that
day). People missing from a sheet are left as they are — HR often sends one branch at a time. The unit
code must be one the importer may write in, so a branch imports only its own people.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xiaobao.core import audit
from xiaobao.core import selectors as core_selectors
from xiaobao.core.models import OrgUnit, User
from xiaobao.core.scope import scope_for
from xiaobao.training import error_codes as codes
from xiaobao.training.models import AudienceGroup, SalesChannel, StaffMember
from xiaobao.training.sheets import (
    Column,
    ImportResult,
    as_date,
    chinese_labels,
    choice_lookup,
    read_upload,
    refusal,
    template,
    text,
)

MANAGE_PERMISSION = "training.change_staffmember"
SHEET_NAME = "员工名册"
COLUMNS = [
    Column("employee_no", "工号", 12, "TJ10023", True, "员工唯一编号；已有工号的行更新该员工"),
    Column("name", "姓名", 10, "王晓燕", True),
    Column("unit_code", "机构代码", 12, "HQ", True, "员工所在机构的机构代码（见系统“机构”列表）"),
    Column("department", "部门", 16, "消费者权益保护部"),
    Column("position", "岗位", 16, "消保专员"),
    Column(
        "group",
        "培训对象类别",
        14,
        "运营专员",
        True,
        "可选：" + "、".join(chinese_labels(AudienceGroup.choices)) + "（全体员工课程对每人都适用）",
    ),
    Column(
        "channel",
        "销售渠道",
        12,
        "",
        False,
        "类别为销售渠道时必填，可选：" + "、".join(chinese_labels(SalesChannel.choices)),
    ),
    Column("username", "系统账号", 14, "", False, "有系统账号的员工填写其登录名；留空时按工号匹配同名账号"),
    Column("hired_on", "入职日期", 12, "2019-07-01"),
    Column("left_on", "离职日期", 12, "", False, "离职员工填写；离职后不计入培训覆盖"),
]
TITLES = {c.name: c.title for c in COLUMNS}


def staff_template() -> bytes:
    return template(
        COLUMNS,
        sheet_name=SHEET_NAME,
        notes=[
            "“员工名册”表第2行是示例：导入前请改成真实员工或删除。",
            "文件中任何一行有误则整批不导入，页面逐行列出错误，修改后重新上传。",
            "名册中没有出现的员工保持不变；员工离职请填写离职日期，不要删除该行。",
        ],
    )


def _check_rows(actor, rows) -> tuple[list[tuple[int, dict]], list[tuple[int, str, str]]]:
    """Each row's values ready to write, or its problems; reads units and accounts in two queries."""
    scope = scope_for(actor, "change")
    units = {u.code: u for u in OrgUnit.objects.filter(code__in={text(r.get("unit_code")) for _n, r in rows})}
    usernames = {text(r.get("username")) or text(r.get("employee_no")) for _n, r in rows}
    accounts = {u.username: u for u in User.objects.filter(username__in=usernames)}
    groups, channels = choice_lookup(AudienceGroup.choices), choice_lookup(SalesChannel.choices)
    seen: dict[str, int] = {}
    ready, errors = [], []
    for number, row in rows:
        problems = []

        def bad(name, message, problems=problems, number=number):
            problems.append((number, TITLES[name], message))

        values = {"employee_no": text(row.get("employee_no")), "name": text(row.get("name"))}
        for name, limit in (("employee_no", 32), ("name", 50)):
            if not values[name]:
                bad(name, _("必填。"))
            elif len(values[name]) > limit:
                bad(name, _("不能超过 %(n)s 个字符。") % {"n": limit})
        if values["employee_no"] in seen:
            bad("employee_no", _("与第 %(row)s 行工号重复。") % {"row": seen[values["employee_no"]]})
        seen.setdefault(values["employee_no"], number)
        unit = units.get(text(row.get("unit_code")))
        if unit is None:
            bad("unit_code", _("机构代码不存在：%(code)s") % {"code": text(row.get("unit_code"))})
        elif not scope.covers(unit.path):
            bad("unit_code", _("您不能导入该机构的员工：%(unit)s") % {"unit": unit.name})
        values["org_unit"] = unit
        for name in ("department", "position"):
            values[name] = text(row.get(name))[:100]
        group = groups.get("".join(text(row.get("group")).split()))
        if group is None:
            bad("group", _("培训对象类别无效：%(value)s") % {"value": text(row.get("group"))})
        channel_raw = "".join(text(row.get("channel")).split())
        channel = channels.get(channel_raw) if channel_raw else ""
        if channel is None:
            bad("channel", _("销售渠道无效：%(value)s") % {"value": channel_raw})
        elif group == AudienceGroup.SALES and not channel:
            bad("channel", _("销售渠道类别的员工须填写渠道。"))
        values["group"] = group or ""
        values["channel"] = channel if group == AudienceGroup.SALES else ""
        for name in ("hired_on", "left_on"):
            try:
                values[name] = as_date(row.get(name))
            except ValueError:
                bad(name, _("日期格式应为 2024-03-15。"))
                values[name] = None
        if values["hired_on"] and values["left_on"] and values["left_on"] < values["hired_on"]:
            bad("left_on", _("离职日期不能早于入职日期。"))
        username = text(row.get("username"))
        account = accounts.get(username or values["employee_no"])
        if username and account is None:
            bad("username", _("系统账号不存在：%(name)s") % {"name": username})
        values["user"] = account
        if problems:
            errors.extend(problems)
        else:
            ready.append((number, values))
    return ready, errors


def staff_import(*, actor: User, upload, now: datetime | None = None) -> ImportResult:
    """Import HR's roster sheet: add new 工号, update known ones; all or nothing.

    Refuses the whole file (BusinessRuleError): NOT_ALLOWED (403, without training.change_staffmember),
    the upload refusals of core, IMPORT_UNREADABLE, IMPORT_EMPTY, IMPORT_TOO_MANY. Row problems (missing
    fields, a unit that does not exist or is outside the importer's scope, an unknown group or channel, a
    sales person without a channel, bad dates, a named account that does not exist, a 工号 twice in the
    file, a known 工号 of a unit outside scope, one account for two people) come back in `errors`, and then
    nothing is written. The file is read and checked before the write transaction opens.
    """
    now = now or timezone.now()
    if not (actor and actor.is_authenticated and actor.has_perm(MANAGE_PERMISSION)):
        raise refusal(codes.NOT_ALLOWED, _("您没有维护员工名册的权限。"), status=403)
    checked, rows = read_upload(upload, COLUMNS, sheet_name=SHEET_NAME)
    ready, errors = _check_rows(actor, rows)
    result = ImportResult(rows=len(rows), errors=errors)
    existing = {
        s.employee_no: s
        for s in StaffMember.objects.select_related("org_unit").filter(
            employee_no__in=[v["employee_no"] for _n, v in ready]
        )
    }
    scope = scope_for(actor, "change")
    linked = dict(
        StaffMember.objects.filter(user__in=[v["user"] for _n, v in ready if v["user"]]).values_list(
            "user_id", "employee_no"
        )
    )
    account_rows: dict[int, int] = {}
    for number, values in ready:
        known = existing.get(values["employee_no"])
        if known and not scope.covers(known.org_unit.path):
            result.errors.append((number, TITLES["employee_no"], _("该工号属于您无权维护的机构。")))
        account = values["user"]
        if account is not None:
            holder = linked.get(account.pk)
            if (holder and holder != values["employee_no"]) or account.pk in account_rows:
                result.errors.append((number, TITLES["username"], _("该系统账号已关联其他员工。")))
            account_rows[account.pk] = number
    if result.errors:
        result.errors.sort()
        return result
    with transaction.atomic():
        new, changed = [], []
        for _number, values in ready:
            known = existing.get(values["employee_no"])
            if known is None:
                new.append(StaffMember(updated_at=now, **values))
                continue
            fields = [k for k, v in values.items() if getattr(known, k) != v]
            if fields:
                for k in fields:
                    setattr(known, k, values[k])
                known.updated_at = now
                changed.append(known)
        StaffMember.objects.bulk_create(new, batch_size=500)
        StaffMember.objects.bulk_update(
            changed,
            [
                "name",
                "org_unit",
                "department",
                "position",
                "group",
                "channel",
                "user",
                "hired_on",
                "left_on",
                "updated_at",
            ],
            batch_size=500,
        )
        result.created, result.updated = len(new), len(changed)
        audit.record(
            actor=actor,
            action="training.staff_import",
            object_type="training.staffmember",
            object_repr=checked.name,
            org_unit=actor.org_unit,
            changes={
                "file": checked.name,
                "sha256": hashlib.sha256(checked.content).hexdigest(),
                "rows": len(ready),
                "created": len(new),
                "updated": len(changed),
            },
            at=now,
        )
    return result


def units_for_roster(actor):
    """The units whose people the actor may maintain (for the page's hint)."""
    return core_selectors.org_units_visible_to(actor, action="change")
