"""New policies for 新契约回访: added one by one on the page, in a batch through the API, or from the policy
system's export (CSV or Excel, Chinese or English headers).

Every record is checked before anything is written — policy number, a callable phone number, an org unit
(by its code) in the actor's scope, a due date that is a date, no policy twice in one file — and a file
with any bad row is refused whole, each problem named with its row. A policy already known is reported as
such and left as it is, so sending the same export twice adds nothing. The customer's name and number are
stored encrypted (CallTask's fields); the row report names policies only, never a name or a number.
"""

from __future__ import annotations

from datetime import date, datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xiaobao.core import audit
from xiaobao.core.api_errors import BusinessRuleError
from xiaobao.core.models import OrgUnit, User
from xiaobao.core.scope import scope_for
from xiaobao.inspection import error_codes as codes
from xiaobao.inspection.models import CallTask, OutboundBatch
from xiaobao.inspection.outbound import _refuse, _require

MAX_POLICY_ROWS = 20_000
#: the columns of a policy export, each under its English or Chinese header (either is accepted)
POLICY_HEADERS = {
    "policy_number": ("policy_number", "保单号"),
    "customer_name": ("customer_name", "投保人", "客户姓名"),
    "phone": ("phone", "联系电话", "手机号码", "手机号"),
    "org_unit": ("org_unit", "机构代码"),
    "product_name": ("product_name", "产品名称"),
    "due_on": ("due_on", "应回访日期"),
}


def _due(value) -> date | None:
    """A due date from a date, an Excel date-time or text yyyy-mm-dd (also yyyy/mm/dd); ValueError if not."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value).strip().replace("/", "-")[:10])


def policy_tasks_check(*, actor: User, records: list[tuple[int, dict]], now: datetime) -> list[tuple[int, CallTask]]:
    """(row number, call task) for each record, unsaved: (row number, {policy_number, customer_name, phone,
    org_unit (an OrgUnit or its code), product_name, due_on}). Refuses INVALID naming every bad row; writes
    nothing."""
    scope = scope_for(actor, "add")
    wanted = {str(r.get("org_unit") or "").strip() for _n, r in records if not isinstance(r.get("org_unit"), OrgUnit)}
    units = {u.code: u for u in OrgUnit.objects.filter(code__in=wanted - {""}, is_active=True)}
    problems, tasks, seen = [], [], {}
    for number, record in records:
        ref = str(record.get("policy_number") or "").strip()
        phone = "".join(ch for ch in str(record.get("phone") or "") if ch.isdigit() or ch == "+")
        unit = record.get("org_unit")
        unit = unit if isinstance(unit, OrgUnit) else units.get(str(unit or "").strip())
        wrong = []
        if not ref or len(ref) > 64:
            wrong.append(_("保单号必填，且不超过64个字符"))
        elif ref in seen:
            wrong.append(_("保单号与第 %(n)d 行重复") % {"n": seen[ref]})
        if not 7 <= len(phone.lstrip("+")) <= 15:
            wrong.append(_("联系电话须为7至15位数字"))
        if unit is None:
            wrong.append(_("机构代码不存在或已停用"))
        elif not scope.covers(unit.path):
            wrong.append(_("机构不在您的范围内"))
        try:
            due_on = _due(record.get("due_on"))
        except ValueError:
            wrong.append(_("应回访日期须为日期（如 2026-03-01）"))
            due_on = None
        if wrong:
            problems.append(_("第 %(n)d 行：%(what)s") % {"n": number, "what": "；".join(wrong)})
            continue
        seen[ref] = number
        tasks.append(
            (
                number,
                CallTask(
                    purpose=CallTask.Purpose.POLICY_REVISIT,
                    ref=ref,
                    org_unit=unit,
                    customer_name=str(record.get("customer_name") or "").strip()[:50],
                    phone=phone,
                    product_name=str(record.get("product_name") or "").strip()[:100],
                    label=_("保单 %(ref)s") % {"ref": ref},
                    due_on=due_on,
                    created_at=now,
                ),
            )
        )
    if problems:
        raise BusinessRuleError(
            codes.INVALID,
            _("有 %(n)d 行不符合要求，未写入任何保单。") % {"n": len(problems)},
            fields={"rows": problems[:500]},
        )
    return tasks


@transaction.atomic
def _write(*, actor: User, rows: list[tuple[int, CallTask]], name: str, now: datetime) -> OutboundBatch:
    """Insert the new policies (those already known stay as they are) and keep the row report."""
    tasks = [t for _n, t in rows]
    refs = [t.ref for t in tasks]
    known = set(
        CallTask.objects.filter(purpose=CallTask.Purpose.POLICY_REVISIT, ref__in=refs).values_list("ref", flat=True)
    )
    fresh = [t for t in tasks if t.ref not in known]
    CallTask.objects.bulk_create(fresh, batch_size=500, ignore_conflicts=True)
    report = [
        {"row": n, "call_id": t.ref, "status": "duplicate" if t.ref in known else "added", "message": ""}
        for n, t in rows
    ]
    batch = OutboundBatch.objects.create(
        org_unit=actor.org_unit,
        direction=OutboundBatch.Direction.POLICIES,
        purpose=CallTask.Purpose.POLICY_REVISIT,
        file_name=name[:200],
        created_by=actor,
        created_at=now,
        total=len(tasks),
        applied=len(fresh),
        report=report,
    )
    audit.record(
        actor=actor,
        action="inspection.policy_revisits_add",
        obj=batch,
        changes={"added": len(fresh), "known": len(known)},
        at=now,
    )
    return batch


def policy_revisits_record(
    *, actor: User, records: list[dict], name: str = "", now: datetime | None = None
) -> OutboundBatch:
    """New policies due for 新契约回访 (the page's form, the API): each record {policy_number, customer_name,
    phone, org_unit (OrgUnit or code), product_name, due_on}. Returns the batch with its report (added, or
    duplicate: already known and left as it is). Refuses NOT_ALLOWED (403) and INVALID naming every bad
    record by its place (1 = the first); nothing is written then."""
    _require(actor)
    now = now or timezone.now()
    if not records:
        raise _refuse(codes.INVALID, _("请至少填写一张保单。"), field="policies")
    if len(records) > MAX_POLICY_ROWS:
        raise _refuse(codes.TOO_MANY, _("一次最多 %(n)d 张保单，请拆分。") % {"n": MAX_POLICY_ROWS}, field="policies")
    rows = policy_tasks_check(actor=actor, records=list(enumerate(records, start=1)), now=now)
    return _write(actor=actor, rows=rows, name=name, now=now)


def policy_revisits_import(*, actor: User, upload, now: datetime | None = None) -> OutboundBatch:
    """The policy system's export (CSV or Excel; Chinese or English headers, POLICY_HEADERS), all or nothing:
    every row is checked first and a file with any bad row is refused naming each (sheet row numbers).
    Refuses NOT_ALLOWED, core's upload refusals, BAD_FILE (unreadable, no rows, no 保单号 column, too many
    rows) and INVALID (the rows); nothing is written then."""
    from xiaobao.core.uploads import check_upload
    from xiaobao.inspection import intake

    _require(actor)
    now = now or timezone.now()
    checked = check_upload(upload, allowed=frozenset({"text", "xlsx"}), field="file")
    lowered = checked.name.lower()
    try:
        if lowered.endswith(".xlsx"):
            raw = intake._excel_rows(checked.content)
        elif lowered.endswith(".csv"):
            raw = intake._csv_rows(checked.content)
        else:
            raise _refuse(codes.BAD_FILE, _("只接受 CSV 或 Excel（.xlsx）保单文件。"), field="file")
    except intake.FileError as exc:
        raise _refuse(codes.BAD_FILE, str(exc), field="file") from exc
    if not raw:
        raise _refuse(codes.BAD_FILE, _("文件中没有保单。"), field="file")
    if len(raw) > MAX_POLICY_ROWS:
        raise _refuse(codes.BAD_FILE, _("一个文件最多 %(n)d 行，请拆分。") % {"n": MAX_POLICY_ROWS}, field="file")
    headers = {str(h).strip() for _n, record in raw[:1] for h in record if h}
    if not headers & set(POLICY_HEADERS["policy_number"]):
        raise _refuse(codes.BAD_FILE, _("文件须有“保单号”（policy_number）列。"), field="file")
    records = []
    for number, record in raw:
        record = {str(k).strip(): v for k, v in record.items() if k}
        cleaned = {}
        for key, names in POLICY_HEADERS.items():
            value = next((record[h] for h in names if record.get(h) not in (None, "")), "")
            if isinstance(value, float) and value.is_integer():  # a number cell: 13912345678.0
                value = int(value)
            cleaned[key] = value if isinstance(value, (date, datetime)) else str(value).strip()
        records.append((number, cleaned))
    rows = policy_tasks_check(actor=actor, records=records, now=now)
    return _write(actor=actor, rows=rows, name=checked.name, now=now)
