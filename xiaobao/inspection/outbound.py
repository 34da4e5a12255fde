"""Outbound 回访 by the outbound-call robot: call lists out, the robot's results back, retries by rule.

A list is a CSV or Excel file in the robot's import format (LIST_COLUMNS): one row per customer, the name
and number masked, and a call id — a fresh random token for each listing — that stands for the record, so a
list leaked or forwarded names no complaint, policy or full number. The robot's dialler asks for the number
of a call id through the API (`call_number`, its own permission, audited), at the moment it dials.

The results file (CSV or Excel, RESULT_COLUMNS; Chinese or English headers) is matched back by call id,
each row reported: a customer reached has the 回访 written on the record (a complaint's 回访 step through
`core.hooks.revisit_call_answered`, which complaints answers; a policy's here); one not reached is listed
again after RETRY["after_hours"] for its attempt, up to RETRY["max_attempts"], then handed to a person
(外呼失败转人工); a number that does not exist is handed over at once (redialling it is pointless).
"""

from __future__ import annotations

import csv
import io
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from xiaobao.core import audit, hooks
from xiaobao.core.api_errors import BusinessRuleError
from xiaobao.core.masking import mask_name, mask_phone
from xiaobao.core.models import User
from xiaobao.inspection import error_codes as codes
from xiaobao.inspection.models import CallTask, OutboundBatch

MANAGE_PERMISSION = "inspection.manage_outbound"
#: the retry rule (settings.OUTBOUND_RETRY overrides): hours after the n-th unanswered attempt before the
#: next listing, and how many attempts before a person takes over
RETRY = {"max_attempts": 3, "after_hours": [4, 24]}
#: a listed call the robot never reported on may be listed again after this
LISTING_EXPIRES = timedelta(hours=48)
MAX_RESULT_ROWS = 20_000

LIST_COLUMNS = [
    ("call_id", "外呼编号"),
    ("task_type", "任务类型"),
    ("customer", "客户称呼"),
    ("phone_masked", "联系电话（脱敏）"),
    ("script", "话术编号"),
    ("due_on", "应回访日期"),
    ("attempt", "第几次外呼"),
]
SCRIPTS = {CallTask.Purpose.COMPLAINT_REVISIT: "HF-TS-01", CallTask.Purpose.POLICY_REVISIT: "HF-XQ-01"}
RESULT_HEADERS = {
    "call_id": ("call_id", "外呼编号"),
    "result": ("result", "外呼结果"),
    "note": ("note", "回访记录", "备注"),
    "called_at": ("called_at", "外呼时间"),
}
#: the robot's result words, Chinese or English, and what they mean here
OUTCOMES = {
    "reached": "reached",
    "接通": "reached",
    "回访成功": "reached",
    "no_answer": "no_answer",
    "无人接听": "no_answer",
    "未接通": "no_answer",
    "busy": "busy",
    "忙线": "busy",
    "switched_off": "switched_off",
    "关机": "switched_off",
    "停机": "switched_off",
    "invalid_number": "invalid_number",
    "空号": "invalid_number",
    "号码错误": "invalid_number",
    "refused": "refused",
    "拒绝回访": "refused",
    "拒接": "no_answer",
}
UNREACHED = {"no_answer", "busy", "switched_off"}


def retry_rule() -> dict:
    rule = {**RETRY, **getattr(settings, "OUTBOUND_RETRY", {})}
    if int(rule["max_attempts"]) < 1 or not rule["after_hours"]:
        raise ValueError("OUTBOUND_RETRY needs max_attempts >= 1 and after_hours")
    return rule


def _refuse(code: str, message: str, *, field: str = "", status: int = 400) -> BusinessRuleError:
    return BusinessRuleError(code, message, fields={field: [code]} if field else None, status_code=status)


def _require(actor: User) -> None:
    if not (actor and actor.is_authenticated and actor.has_perm(MANAGE_PERMISSION)):
        raise _refuse(codes.NOT_ALLOWED, _("您没有外呼名单的权限。"), status=403)


def policy_revisits_add(*, actor: User, records: list[dict], now: datetime | None = None) -> int:
    """New policies due for 新契约回访; returns how many were added (known policies are left as they are).
    The checks and refusals are `outbound_policies.policy_revisits_record`'s (all or nothing)."""
    from xiaobao.inspection.outbound_policies import policy_revisits_record

    return policy_revisits_record(actor=actor, records=records, now=now).applied


def _complaint_calls(actor: User, now: datetime) -> int:
    """Complaints at their 回访 step (asked of complaints through the core hook) become call tasks."""
    added = 0
    for _receiver, answer in hooks.revisit_calls_requested.send(sender=CallTask, actor=actor, now=now):
        if not answer:
            continue
        for call in answer.get("calls", ()):
            _task, created = CallTask.objects.get_or_create(
                purpose=answer["purpose"],
                ref=str(call["ref"])[:64],
                defaults={
                    "org_unit": call["org_unit"],
                    "customer_name": call.get("customer_name") or "",
                    "phone": call["phone"],
                    "label": str(call.get("label") or "")[:200],
                    "due_on": call.get("due_on"),
                    "created_at": now,
                },
            )
            added += created
    return added


def callable_tasks(actor: User, purpose: str, now: datetime):
    """Tasks in the actor's scope that may be listed now: waiting, due for a retry, or listed so long ago that
    the robot's result is taken as lost."""
    from django.db.models import Q

    return (
        CallTask.objects.visible_to(actor)
        .filter(purpose=purpose)
        .filter(
            Q(status=CallTask.Status.WAITING)
            | Q(status=CallTask.Status.RETRY, next_call_at__lte=now)
            | Q(status=CallTask.Status.LISTED, listed_at__lt=now - LISTING_EXPIRES)
        )
        .order_by("due_on", "pk")
    )


def call_list_build(*, actor: User, purpose: str, fmt: str = "csv", now: datetime | None = None):
    """The call list for the robot: every callable task of `purpose` in the actor's scope, each with a fresh
    call id. Returns (batch, file name, content bytes). Refuses: NOT_ALLOWED, INVALID (purpose or format),
    NOTHING_TO_CALL (the list would be empty; nothing is written)."""
    _require(actor)
    if purpose not in CallTask.Purpose.values or fmt not in ("csv", "xlsx"):
        raise _refuse(codes.INVALID, _("回访类型或文件格式无效。"))
    now = now or timezone.now()
    with transaction.atomic():
        if purpose == CallTask.Purpose.COMPLAINT_REVISIT:
            _complaint_calls(actor, now)
        tasks = list(callable_tasks(actor, purpose, now).select_for_update()[:5000])
        if not tasks:
            raise _refuse(codes.NOTHING_TO_CALL, _("当前没有待外呼的回访。"))
        rows = []
        for task in tasks:
            task.call_id, task.status, task.listed_at = secrets.token_hex(8), CallTask.Status.LISTED, now
            rows.append(
                [
                    task.call_id,
                    task.get_purpose_display(),
                    mask_name(task.customer_name) if task.customer_name else "",
                    mask_phone(task.phone),
                    SCRIPTS[purpose],
                    f"{task.due_on:%Y-%m-%d}" if task.due_on else "",
                    task.attempts + 1,
                ]
            )
        CallTask.objects.bulk_update(tasks, ["call_id", "status", "listed_at"])
        name = f"outbound-{purpose}-{timezone.localtime(now):%Y%m%d%H%M}.{fmt}"
        batch = OutboundBatch.objects.create(
            org_unit=actor.org_unit,
            direction=OutboundBatch.Direction.LIST,
            purpose=purpose,
            file_name=name,
            created_by=actor,
            created_at=now,
            total=len(rows),
            applied=len(rows),
        )
        audit.record(actor=actor, action="inspection.call_list", obj=batch, changes={"calls": len(rows)})
    return batch, name, _write(rows, fmt)


def _write(rows: list[list], fmt: str) -> bytes:
    header = [label for _key, label in LIST_COLUMNS]
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(rows)
        return out.getvalue().encode("utf-8-sig")
    from openpyxl import Workbook

    from xiaobao.core.xlsx import as_text, printable

    book = Workbook()
    sheet = book.active
    sheet.title = "外呼名单"
    sheet.append(header)
    for row in rows:
        sheet.append(printable(row))
        for cell in sheet[sheet.max_row]:
            as_text(cell)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def call_number(*, actor: User, call_id: str, ip_address=None) -> str:
    """The number behind a listed call id, for the robot's dialler at dialling time; audited like any reveal.
    Refuses: NOT_ALLOWED, INVALID (no listed call with that id in the actor's scope)."""
    _require(actor)
    task = CallTask.objects.visible_to(actor).filter(call_id=str(call_id or "")[:32], status=CallTask.Status.LISTED)
    task = task.first() if call_id else None
    if task is None:
        raise _refuse(codes.INVALID, _("外呼编号无效或已失效。"), field="call_id")
    audit.record(
        actor=actor,
        action="personal_data.reveal",
        obj=task,
        reason=_("外呼机器人拨号"),
        changes={"field": "phone"},
        ip_address=ip_address,
    )
    return task.phone


def _result_rows(name: str, content: bytes) -> list[tuple[int, dict]]:
    """(row number, {call_id, result, note, called_at}) from the robot's CSV or Excel results file."""
    from xiaobao.inspection import intake

    lowered = name.lower()
    try:
        if lowered.endswith(".xlsx"):
            raw = intake._excel_rows(content)
        elif lowered.endswith(".csv"):
            raw = intake._csv_rows(content)
        else:
            raise _refuse(codes.BAD_FILE, _("只接受 CSV 或 Excel（.xlsx）结果文件。"), field="file")
    except intake.FileError as exc:
        raise _refuse(codes.BAD_FILE, str(exc), field="file") from exc
    if len(raw) > MAX_RESULT_ROWS:
        raise _refuse(codes.BAD_FILE, _("一个结果文件最多 %(n)d 行，请拆分。") % {"n": MAX_RESULT_ROWS}, field="file")
    rows = []
    for number, record in raw:
        cleaned = {}
        for key, headers in RESULT_HEADERS.items():
            value = next((record[h] for h in headers if record.get(h) not in (None, "")), "")
            cleaned[key] = value if isinstance(value, datetime) else str(value).strip()
        rows.append((number, cleaned))
    if raw and not any(r["call_id"] for _n, r in rows):
        raise _refuse(codes.BAD_RESULTS, _("结果文件须有“外呼编号”和“外呼结果”两列。"), field="file")
    return rows


def _called_at(value, now: datetime) -> datetime:
    try:
        moment = value if isinstance(value, datetime) or not value else parse_datetime(str(value).replace("/", "-"))
    except ValueError:  # well formed but not a real time ("2026-13-40 10:00"): the import's time stands
        moment = None
    if not moment:
        return now
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return min(moment, now)


def call_results_import(*, actor: User, upload, now: datetime | None = None) -> OutboundBatch:
    """The robot's results file, applied row by row by call id, each row reported (status and message).

    Reached: the 回访 is written on its record (a complaint's through the hook; when complaints no longer
    waits for it, the row says so and the task is handed to a person). Not reached: listed again by the
    retry rule, or handed to a person after the last attempt; a number that does not exist at once.
    Refused: closed as the customer's choice. A call id not listed (unknown, outside scope, or already
    answered) is an error row, never a second 回访. Refuses the whole file, writing nothing: NOT_ALLOWED,
    core's upload refusals, BAD_FILE, BAD_RESULTS."""
    from xiaobao.core.uploads import check_upload

    _require(actor)
    now = now or timezone.now()
    checked = check_upload(upload, allowed=frozenset({"text", "xlsx"}), field="file")
    rows = _result_rows(checked.name, checked.content)
    rule = retry_rule()
    report, applied, errors = [], 0, 0
    with transaction.atomic():
        ids = {r["call_id"] for _n, r in rows if r["call_id"]}
        tasks = {
            t.call_id: t
            for t in CallTask.objects.visible_to(actor)
            .filter(call_id__in=ids, status=CallTask.Status.LISTED)
            .select_for_update()
        }
        for number, row in rows:
            entry = {"row": number, "call_id": row["call_id"][:32]}
            outcome = OUTCOMES.get(row["result"]) or OUTCOMES.get(row["result"].lower())
            task = tasks.pop(row["call_id"], None)
            if task is None:
                entry.update(status="error", message=_("外呼编号不在待回访名单中（未下发、已处理或无权限）。"))
            elif outcome is None:
                tasks[row["call_id"]] = task  # the row is wrong, not the call: a corrected file may follow
                entry.update(status="error", message=_("外呼结果“%(r)s”无法识别。") % {"r": row["result"][:20]})
            else:
                entry.update(_apply(task, outcome, row["note"][:2000], _called_at(row["called_at"], now), actor, rule))
            if entry["status"] == "error":
                errors += 1
            else:
                applied += 1
            report.append(entry)
        batch = OutboundBatch.objects.create(
            org_unit=actor.org_unit,
            direction=OutboundBatch.Direction.RESULTS,
            file_name=checked.name,
            created_by=actor,
            created_at=now,
            total=len(rows),
            applied=applied,
            errors=errors,
            report=report,
        )
        audit.record(
            actor=actor, action="inspection.call_results", obj=batch, changes={"applied": applied, "errors": errors}
        )
    return batch


def _apply(task: CallTask, outcome: str, note: str, called_at: datetime, actor: User, rule: dict) -> dict:
    task.attempts += 1
    task.outcome, task.call_id = outcome, ""
    fields = ["attempts", "outcome", "call_id", "status", "next_call_at", "result_note", "answered_at"]
    if outcome == "reached":
        task.status, task.answered_at, task.result_note = CallTask.Status.REACHED, called_at, note
        message = ""
        if task.purpose == CallTask.Purpose.COMPLAINT_REVISIT:
            answer = hooks.first_answer(
                hooks.revisit_call_answered.send(
                    sender=CallTask,
                    purpose=task.purpose,
                    ref=task.ref,
                    outcome=outcome,
                    note=note or _("外呼机器人回访成功。"),
                    called_at=called_at,
                    actor=actor,
                )
            )
            if answer is None:
                task.status = CallTask.Status.FAILED
                message = _("投诉已不在回访环节，转人工核对。")
        task.save(update_fields=fields)
        return {"status": task.status, "message": message}
    if outcome == "refused":
        task.status, task.answered_at, task.result_note = CallTask.Status.REFUSED, called_at, note
    elif outcome == "invalid_number" or task.attempts >= int(rule["max_attempts"]):
        task.status, task.next_call_at = CallTask.Status.FAILED, None
    else:
        hours = rule["after_hours"][min(task.attempts, len(rule["after_hours"])) - 1]
        task.status, task.next_call_at = CallTask.Status.RETRY, called_at + timedelta(hours=float(hours))
    task.save(update_fields=fields)
    return {"status": task.status, "message": ""}
