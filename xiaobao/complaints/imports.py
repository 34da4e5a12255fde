"""Complaints from an Excel workbook (批量导入): the template, the upload, a check of every row, then all or nothing.

The page calls `import_job_create`: the file is checked by its bytes (only .xlsx), stored as a core Attachment
on a new ImportJob left `queued`, and the page enqueues `tasks.run_import` once that commits (the periodic
`tasks.sweep_imports` picks up a job whose message was lost). The worker runs `import_job_run`, which claims the
job by a conditional UPDATE (two workers never run one job), reads the sheet and checks every row — required
columns, channel and relation names, dates, the responsible unit's code (one the uploader may register
complaints in), the amount, in-file duplicates. One bad row and nothing is imported: the job is `rejected`
with an error report (the rows, personal data masked, and an error column) stored as an Attachment on the job.
Otherwise every row goes through `services.complaint_register` in ONE transaction; a refusal there rolls back
every row and is reported the same way.

The uploaded workbook is deleted once the job finishes (it holds personal data in clear); the report keeps
the rows with personal data masked.

Progress is `processed_rows` out of `total_rows`: rows checked while `checking`, rows registered while
`importing`. The check commits its counts as it goes. The import is one transaction, so its row counts are
only visible to other connections when it commits; they are also published in the cache, which the status
page reads first — live when the cache is shared (Redis at scale), otherwise the bar jumps at commit.
"""

from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from functools import partial

from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from xiaobao.complaints.models import Complaint, ImportJob
from xiaobao.core import audit
from xiaobao.core import selectors as core_selectors
from xiaobao.core import services as core_services
from xiaobao.core.api_errors import BusinessRuleError
from xiaobao.core.masking import mask_field_value
from xiaobao.core.models import Attachment
from xiaobao.core.uploads import check_upload

log = logging.getLogger(__name__)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ADD_PERMISSION = "complaints.add_complaint"
#: One transaction holds the database's write lock while it runs: keep a batch to what finishes in a minute or two.
MAX_ROWS = 2000
SHEET_NAME = "投诉登记"
SOURCE = "source"
REPORT = "report"
ERROR_HEADER = "错误说明"
ROW_HEADER = "原行号"
#: A job still checking or importing this long after upload lost its worker; the sweep marks it failed.
STALE_AFTER = timedelta(hours=2)
PROGRESS_EVERY = 20
PROGRESS_TTL = 60 * 60


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # the workbook's column title: a file format, the same in every interface language
    required: bool = False
    max_length: int = 0
    width: int = 14
    example: object = ""
    personal: bool = False  # encrypted personal data: masked in the error report


# The workbook's columns, in order. The titles are Chinese in every language: they are the file format.
COLUMNS = [
    Column("channel", "投诉渠道", required=True, width=14, example="400热线"),
    Column("received_at", "收到时间", required=True, width=18, example=datetime(2025, 3, 3, 10, 20)),
    Column("complainant_name", "投诉人姓名", required=True, max_length=100, width=12, example="王小明", personal=True),
    Column("complainant_id_number", "证件号码", max_length=30, width=22, example="110101199003071234", personal=True),
    Column("complainant_phone", "联系电话", max_length=30, width=15, example="13800138000", personal=True),
    Column("complainant_address", "联系地址", max_length=300, width=24, example="北京市朝阳区建国路1号", personal=True),
    Column("relation", "与消费者关系", width=12, example="本人"),
    Column("consumer_name", "消费者姓名", max_length=100, width=12, personal=True),
    Column("complainant_count", "投诉人数", width=10, example=1),
    Column("policy_number", "保单/账户号", max_length=64, width=20, example="P2024110100123"),
    Column("product_name", "产品名称", max_length=200, width=20, example="鑫享年金保险（分红型）"),
    Column("subject", "投诉事由", required=True, max_length=200, width=24, example="理赔时效慢"),
    Column("content", "投诉内容", required=True, max_length=20000, width=40, example="2月申请理赔，至今未结案。"),
    Column("demand_text", "投诉请求", max_length=5000, width=24, example="尽快赔付"),
    Column("amount", "涉及金额（元）", width=14, example=Decimal("12000.00")),
    Column("media_attention", "媒体关注", width=10, example="否"),
    Column("org_unit", "责任机构代码", required=True, max_length=32, width=14, example="A"),
    Column("respondent_text", "被投诉人员", max_length=100, width=12),
    Column("external_ref", "外部编号", max_length=64, width=18, example="CC20250303001"),
]
BY_KEY = {c.key: c for c in COLUMNS}
YES = {"是", "y", "yes", "true", "1", "有"}
NO = {"否", "n", "no", "false", "0", "无", ""}
_SPACES = re.compile(r"\s+")
_PHONE = re.compile(r"^\+?[0-9][0-9 -]{2,28}$")
_ID = re.compile(r"^[0-9A-Za-z-]{4,30}$")
_DATE_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d")
_DATE_FORMATS += ("%Y.%m.%d", "%Y年%m月%d日")


def _normal(value: str) -> str:
    return _SPACES.sub("", value).lower()


def _choice_lookup(choices) -> dict[str, str]:
    """Accept a choice by its Chinese label, its label in the current language, or its code."""
    found = {}
    for value, label in choices:
        found[_normal(value)] = value
        found[_normal(str(label))] = value
        with translation.override("zh-hans"):
            found[_normal(str(label))] = value
    return found


def _labels(choices) -> list[str]:
    with translation.override("zh-hans"):
        return [str(label) for _value, label in choices]


# --- the template ---------------------------------------------------------------------------------


def template_workbook(*, unit_code: str = "") -> bytes:
    """The empty workbook to fill in: the column titles, one example row, a sheet explaining each column.

    `unit_code` (the uploader's unit) is used in the example row so it imports as it stands.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    sheet = book.active
    sheet.title = SHEET_NAME
    sheet.append([c.header for c in COLUMNS])
    example = [c.example for c in COLUMNS]
    if unit_code:
        example[COLUMNS.index(BY_KEY["org_unit"])] = unit_code
    sheet.append(example)
    for index, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = column.width
        cell = sheet.cell(row=1, column=index)
        cell.font = Font(bold=True, color="C00000" if column.required else "000000")
        if column.key == "received_at":
            sheet.cell(row=2, column=index).number_format = "yyyy-mm-dd hh:mm"
        if column.key in ("complainant_id_number", "complainant_phone", "policy_number", "org_unit"):
            # Text, so Excel keeps every digit of an 18-digit ID number and the leading zeros.
            sheet.column_dimensions[letter].number_format = "@"
            sheet.cell(row=2, column=index).number_format = "@"
    sheet.freeze_panes = "A2"
    for key, choices in (("channel", Complaint.Channel.choices), ("relation", Complaint.Relation.choices)):
        letter = get_column_letter(COLUMNS.index(BY_KEY[key]) + 1)
        rule = DataValidation(type="list", formula1='"' + ",".join(_labels(choices)) + '"', allow_blank=True)
        rule.add(f"{letter}2:{letter}{MAX_ROWS + 1}")
        sheet.add_data_validation(rule)

    notes = book.create_sheet("填写说明")
    notes.append(["列", "必填", "说明"])
    explain = {
        "channel": "可选：" + "、".join(_labels(Complaint.Channel.choices)),
        "received_at": "收到投诉的日期或日期时间，如 2025-03-03 或 2025-03-03 10:20；不得晚于导入时间",
        "complainant_id_number": "请以文本格式填写，避免 Excel 丢失末尾数字",
        "relation": "可选：" + "、".join(_labels(Complaint.Relation.choices)) + "；空白为本人",
        "consumer_name": "受托人、继承人或法定代理人投诉时必填",
        "complainant_count": "正整数，空白为 1",
        "amount": "数字，最多两位小数，可空",
        "media_attention": "是 / 否，空白为否",
        "org_unit": "负责处理的机构代码，须在您的权限范围内",
        "external_ref": "来源系统的编号，同一文件内不得重复",
    }
    for column in COLUMNS:
        notes.append([column.header, "是" if column.required else "", explain.get(column.key, "")])
    notes.append([])
    notes.append(["文件中任何一行有误则整批不导入，系统生成逐行错误报告供下载修改后重新上传。"])
    notes.column_dimensions["A"].width = 16
    notes.column_dimensions["C"].width = 80
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# --- reads ----------------------------------------------------------------------------------------


def import_jobs_visible_to(user) -> QuerySet[ImportJob]:
    """Import jobs of the units in the caller's scope (the job's unit is its uploader's), newest first."""
    return ImportJob.objects.visible_to(user).select_related("created_by", "org_unit")


def get_import_job_for_user(user, pk: int) -> ImportJob:
    found = import_jobs_visible_to(user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def job_files(job: ImportJob) -> QuerySet[Attachment]:
    from django.contrib.contenttypes.models import ContentType

    return Attachment.objects.filter(content_type=ContentType.objects.get_for_model(ImportJob), object_id=str(job.pk))


def job_report(job: ImportJob) -> Attachment | None:
    return job_files(job).filter(purpose=REPORT).order_by("-id").first()


def job_progress(job: ImportJob) -> dict:
    """The job's progress for the status page: the committed counts, or the worker's live ones if ahead."""
    processed = job.processed_rows
    live = cache.get(_progress_key(job.pk))
    if live and live[0] == job.status and live[1] > processed:
        processed = live[1]
    total = job.total_rows
    return {
        "status": job.status,
        "total": total,
        "processed": processed,
        "percent": min(100, round(100 * processed / total)) if total else 0,
        "finished": job.status in (ImportJob.Status.DONE, ImportJob.Status.REJECTED, ImportJob.Status.FAILED),
    }


# --- upload ---------------------------------------------------------------------------------------


@transaction.atomic
def import_job_create(*, actor, upload, now=None) -> ImportJob:
    """Store an uploaded workbook as a queued import job; the worker checks and imports it.

    Refuses (BusinessRuleError): a caller who may not register complaints (403, permission_denied); a file that
    is empty, too large or not an .xlsx workbook by its content, whatever its name (core.upload_*).
    """
    if not actor.has_perm(ADD_PERMISSION) or actor.org_unit_id is None:
        raise BusinessRuleError("permission_denied", _("您没有登记投诉的权限。"), status_code=403)
    checked = check_upload(upload, allowed=frozenset({"xlsx"}))
    job = ImportJob.objects.create(
        org_unit_id=actor.org_unit_id,
        created_by=actor,
        created_at=now or timezone.now(),
        file_name=checked.name,
        status=ImportJob.Status.QUEUED,
    )
    core_services.attachments_add(
        owner=job, files=[ContentFile(checked.content, name=checked.name)], actor=actor, purpose=SOURCE
    )
    audit.record(actor=actor, action="complaints.import_upload", obj=job, changes={"file": checked.name})
    return job


# --- the worker's run -----------------------------------------------------------------------------


@dataclass
class Row:
    number: int  # the row's number in the sheet (the header is row 1)
    values: list  # as read, in the sheet's column order
    data: dict = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


class _Rejected(Exception):
    """Unwinds the import transaction when a row is refused by the service."""

    def __init__(self, row: Row):
        self.row = row


def _progress_key(pk: int) -> str:
    return f"complaints.import.{pk}.progress"


def _progress(job: ImportJob, processed: int) -> None:
    job.processed_rows = processed
    ImportJob.objects.filter(pk=job.pk).update(processed_rows=processed)
    cache.set(_progress_key(job.pk), (job.status, processed), PROGRESS_TTL)


def _set(job: ImportJob, **values) -> None:
    for name, value in values.items():
        setattr(job, name, value)
    ImportJob.objects.filter(pk=job.pk).update(**values)


def import_job_run(*, job_id: int, now=None) -> ImportJob:
    """Check every row of a queued job's workbook, then import all of its rows or none.

    Claims the job first (queued → checking); a job already claimed or finished is returned untouched, so a
    duplicate message or the sweep running beside a worker is harmless. Never raises for bad data: the job
    ends `done`, `rejected` (with `message` and the error report) or `failed` (an unexpected error, logged).
    """
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.QUEUED).update(
        status=ImportJob.Status.CHECKING, processed_rows=0, error_rows=0, imported=0
    )
    job = ImportJob.objects.select_related("created_by", "org_unit").get(pk=job_id)
    if not claimed:
        return job
    # The job's messages and report speak the uploader's language, not the worker's.
    with translation.override(getattr(job.created_by, "language", "") or None):
        try:
            _run(job, now=now)
        except Exception:  # whatever broke, the job must not stay "checking" for ever
            log.exception("complaint import %s failed", job.pk)
            _set(
                job,
                status=ImportJob.Status.FAILED,
                message=_("导入过程中发生系统错误，未导入任何数据。请稍后重新上传，或联系系统管理员。"),
                finished_at=timezone.now(),
            )
        _discard_source(job)
    return job


def _discard_source(job: ImportJob) -> None:
    """The uploaded workbook holds personal data in clear: once the job has finished, no copy is kept (PIPL).

    Its name, size and hash stay in the audit row written when it was stored; the complaints hold the data
    (encrypted), the error report only masked. The file goes once the row's deletion has committed.
    """
    for item in job_files(job).filter(purpose=SOURCE):
        stored = item.file.name
        item.delete()
        transaction.on_commit(partial(item.file.storage.delete, stored))
        audit.record(
            actor=job.created_by,
            action="complaints.import_source_discarded",
            obj=job,
            changes={"file": item.name, "sha256": item.sha256},
        )


def _run(job: ImportJob, *, now=None) -> None:
    source = job_files(job).filter(purpose=SOURCE).order_by("id").first()
    if source is None:
        return _reject(job, _("找不到上传的文件，请重新上传。"))
    with source.file.open("rb") as handle:
        content = handle.read()
    try:
        headers, rows = _read(content)
    except _SheetError as problem:
        return _reject(job, str(problem))
    _set(job, total_rows=len(rows))
    _check(job, headers, rows, now=now or timezone.now())
    bad = [row for row in rows if row.errors]
    if bad:
        return _reject_rows(job, headers, rows, bad)
    _set(job, status=ImportJob.Status.IMPORTING, processed_rows=0)
    try:
        with transaction.atomic():
            imported = _import(job, rows, now=now)
    except _Rejected as refused:
        # everything the transaction wrote is gone: report the refused row, import nothing
        return _reject_rows(job, headers, rows, [refused.row])
    _set(
        job,
        status=ImportJob.Status.DONE,
        processed_rows=imported,
        imported=imported,
        message=_("已导入 %(n)s 条投诉。") % {"n": imported},
        finished_at=timezone.now(),
    )
    audit.record(actor=job.created_by, action="complaints.import_done", obj=job, changes={"imported": imported})
    return None


class _SheetError(Exception):
    pass


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _read(content: bytes) -> tuple[list[str], list[Row]]:
    """The header titles and the non-blank data rows of the first sheet."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise _SheetError(_("无法读取该 Excel 文件，请使用导入模板另存为 .xlsx 后上传。")) from exc
    try:
        sheet = book[SHEET_NAME] if SHEET_NAME in book.sheetnames else book.worksheets[0]
        lines = sheet.iter_rows(values_only=True)
        header_row = next(lines, None) or ()
        headers = [_cell_text(v).rstrip("*＊").strip() for v in header_row]
        missing = [c.header for c in COLUMNS if c.required and c.header not in headers]
        if missing:
            raise _SheetError(_("缺少必填列：%(columns)s。请使用导入模板。") % {"columns": "、".join(missing)})
        rows = []
        for number, values in enumerate(lines, start=2):
            values = list(values)[: len(headers)]
            if all(_cell_text(v) == "" for v in values):
                continue
            if len(rows) >= MAX_ROWS:
                raise _SheetError(_("一次最多导入 %(n)s 行，请拆分文件。") % {"n": MAX_ROWS})
            rows.append(Row(number=number, values=values + [None] * (len(headers) - len(values))))
    finally:
        book.close()
    if not rows:
        raise _SheetError(_("文件中没有数据行。"))
    return headers, rows


def _check(job: ImportJob, headers: list[str], rows: list[Row], *, now) -> None:
    """Fill each row's `data` (service arguments) and `errors`; counts progress as it goes."""
    index = {title: i for i, title in enumerate(headers) if title}
    units = {
        unit.code: unit
        for unit in core_selectors.org_units_visible_to(job.created_by, action="add").filter(is_active=True)
    }
    channels = _choice_lookup(Complaint.Channel.choices)
    relations = _choice_lookup(Complaint.Relation.choices)
    seen: dict[tuple, int] = {}
    for done, row in enumerate(rows, start=1):
        raw = {c.key: (row.values[index[c.header]] if c.header in index else None) for c in COLUMNS}
        _check_row(row, raw, units=units, channels=channels, relations=relations, now=now)
        if not row.errors:
            key = _duplicate_key(row.data)
            if key in seen:
                row.errors.append(_("与第 %(row)s 行重复") % {"row": seen[key]})
            else:
                seen[key] = row.number
        if done % PROGRESS_EVERY == 0 or done == len(rows):
            _progress(job, done)


def _duplicate_key(data: dict) -> tuple:
    if data["external_ref"]:
        return ("ref", data["external_ref"])
    who = data["complainant_id_number"] or data["complainant_phone"] or data["complainant_name"]
    return ("row", who, timezone.localtime(data["received_at"]).date(), data["subject"], data["org_unit"].pk)


def _check_row(row: Row, raw: dict, *, units, channels, relations, now) -> None:
    errors, data = row.errors, row.data

    def text(key: str) -> str:
        column = BY_KEY[key]
        value = _cell_text(raw[key])
        if column.required and not value:
            errors.append(_("“%(column)s”必填") % {"column": column.header})
        elif column.max_length and len(value) > column.max_length:
            errors.append(_("“%(column)s”超过 %(n)s 个字") % {"column": column.header, "n": column.max_length})
        elif column.personal and "*" in value:
            errors.append(_("“%(column)s”是脱敏后的内容，请填写完整信息") % {"column": column.header})
        return value

    for key in ("complainant_name", "complainant_address", "consumer_name", "policy_number", "product_name"):
        data[key] = text(key)
    for key in ("subject", "content", "demand_text", "respondent_text", "external_ref"):
        data[key] = text(key)

    if isinstance(raw["complainant_id_number"], int | float):
        errors.append(_("“证件号码”须以文本格式填写（数字格式会丢失末位）"))
        data["complainant_id_number"] = ""
    else:
        data["complainant_id_number"] = text("complainant_id_number").upper()
        if data["complainant_id_number"] and not _ID.match(data["complainant_id_number"]):
            errors.append(_("“证件号码”格式不正确"))
    data["complainant_phone"] = text("complainant_phone")
    if data["complainant_phone"] and not _PHONE.match(data["complainant_phone"]):
        errors.append(_("“联系电话”格式不正确"))

    channel = text("channel")
    if channel:
        data["channel"] = channels.get(_normal(channel))
        if data["channel"] is None:
            errors.append(_("“投诉渠道”不是可选的渠道：%(value)s") % {"value": channel[:30]})

    relation = text("relation")
    data["relation"] = relations.get(_normal(relation)) if relation else Complaint.Relation.SELF
    if data["relation"] is None:
        errors.append(_("“与消费者关系”不是可选值：%(value)s") % {"value": relation[:30]})
    elif data["relation"] != Complaint.Relation.SELF and not data["consumer_name"]:
        # Art. 14: an agent, heir or guardian complains for someone; the register names that consumer.
        errors.append(_("代为投诉时须填写“消费者姓名”"))

    data["received_at"] = _moment(raw["received_at"], errors)
    if data["received_at"] and data["received_at"] > now:
        errors.append(_("“收到时间”晚于导入时间"))

    data["complainant_count"] = _count(raw["complainant_count"], errors)
    data["amount"] = _amount(raw["amount"], errors)
    media = _normal(_cell_text(raw["media_attention"]))
    data["media_attention"] = media in YES
    if media not in YES and media not in NO:
        errors.append(_("“媒体关注”请填“是”或“否”"))

    code = text("org_unit")
    if code:
        data["org_unit"] = units.get(code)
        if data["org_unit"] is None:
            errors.append(_("机构代码“%(code)s”不存在或不在您的权限范围内") % {"code": code[:32]})


def _moment(value, errors: list[str]) -> datetime | None:
    if value is None or _cell_text(value) == "":
        errors.append(_("“收到时间”必填"))
        return None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time.min)
    else:
        text = _cell_text(value)
        for fmt in _DATE_FORMATS:
            try:
                moment = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
        else:
            errors.append(_("“收到时间”不是有效日期（如 2025-03-03 或 2025-03-03 10:20）"))
            return None
    if moment.year < 2000:
        errors.append(_("“收到时间”不是有效日期（如 2025-03-03 或 2025-03-03 10:20）"))
        return None
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _count(value, errors: list[str]) -> int:
    text = _cell_text(value)
    if not text:
        return 1
    if text.isdigit() and 1 <= int(text) <= 100000:
        return int(text)
    errors.append(_("“投诉人数”须为正整数"))
    return 1


def _amount(value, errors: list[str]) -> Decimal | None:
    if isinstance(value, float):
        value = repr(value)
    text = _cell_text(value).replace(",", "").replace("，", "").removesuffix("元").strip()
    if not text:
        return None
    try:
        amount = Decimal(text)
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite() or amount < 0 or amount >= Decimal("1e12"):
        errors.append(_("“涉及金额（元）”须为不小于 0 的数字"))
        return None
    if amount != amount.quantize(Decimal("0.01")):
        errors.append(_("“涉及金额（元）”最多两位小数"))
        return None
    return amount.quantize(Decimal("0.01"))


def _import(job: ImportJob, rows: list[Row], *, now=None) -> int:
    """Register every row (inside the caller's transaction); a refusal unwinds them all through _Rejected."""
    from xiaobao.complaints import services

    for done, row in enumerate(rows, start=1):
        try:
            services.complaint_register(
                actor=job.created_by,
                # one key per job and row: a job run twice can never register a row twice
                idempotency_key=f"import:{job.pk}:{row.number}",
                now=now,
                **row.data,
            )
        except BusinessRuleError as refusal:
            row.errors.append(str(refusal.detail))
            raise _Rejected(row) from refusal
        if done % PROGRESS_EVERY == 0 or done == len(rows):
            _progress(job, done)
    return len(rows)


def _reject(job: ImportJob, message: str) -> None:
    _set(job, status=ImportJob.Status.REJECTED, message=message, finished_at=timezone.now())
    audit.record(actor=job.created_by, action="complaints.import_rejected", obj=job, changes={"rows": 0})


def _reject_rows(job: ImportJob, headers: list[str], rows: list[Row], bad: list[Row]) -> None:
    report = error_report(headers, rows)
    name = f"{job.file_name.rsplit('.', 1)[0][:150]}-错误报告.xlsx"
    with transaction.atomic():
        core_services.attachments_add(
            owner=job, files=[ContentFile(report, name=name)], actor=job.created_by, purpose=REPORT
        )
        _set(
            job,
            status=ImportJob.Status.REJECTED,
            processed_rows=len(rows),
            error_rows=len(bad),
            imported=0,
            message=_("%(n)s 行有错误，未导入任何数据。请下载错误报告，修改后重新上传。") % {"n": len(bad)},
            finished_at=timezone.now(),
        )
        audit.record(
            actor=job.created_by,
            action="complaints.import_rejected",
            obj=job,
            changes={"rows": len(rows), "error_rows": [row.number for row in bad][:100]},
        )


def error_report(headers: list[str], rows: list[Row]) -> bytes:
    """The rows as read (personal data masked), the sheet row number first and the errors last; bad rows red."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font, PatternFill

    personal = {c.header: c.key for c in COLUMNS if c.personal}
    book = Workbook(write_only=True)
    sheet = book.create_sheet(SHEET_NAME)
    sheet.freeze_panes = "B2"
    sheet.column_dimensions["A"].width = 8
    titles = [WriteOnlyCell(sheet, value=v) for v in [ROW_HEADER, *headers, ERROR_HEADER]]
    for cell in titles:
        cell.font = Font(bold=True)
    sheet.append(titles)
    red = PatternFill("solid", fgColor="FFC7CE")
    for row in rows:
        values = [row.number]
        for title, value in zip(headers, row.values, strict=True):
            if title in personal and value not in (None, ""):
                value = mask_field_value(personal[title], _cell_text(value))
            values.append(value)
        values.append("；".join(row.errors))
        cells = [_cell(sheet, v) for v in values]
        if row.errors:
            for cell in cells:
                cell.fill = red
        sheet.append(cells)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _cell(sheet, value):
    """Text that starts like a formula stays text: the report must not run what the upload held."""
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"
    return cell


# --- the sweep ------------------------------------------------------------------------------------


def import_jobs_sweep(*, now=None) -> dict[str, int]:
    """Run queued jobs whose message was lost (queued over a minute ago); fail jobs whose worker died.

    Idempotent: a job is claimed before it runs, so the sweep and a worker never run the same one.
    """
    now = now or timezone.now()
    result = {"ran": 0, "failed": 0}
    queued = ImportJob.objects.filter(status=ImportJob.Status.QUEUED, created_at__lt=now - timedelta(minutes=1))
    for pk in list(queued.values_list("pk", flat=True)[:10]):
        import_job_run(job_id=pk)
        result["ran"] += 1
    result["failed"] = ImportJob.objects.filter(
        status__in=(ImportJob.Status.CHECKING, ImportJob.Status.IMPORTING), created_at__lt=now - STALE_AFTER
    ).update(
        status=ImportJob.Status.FAILED,
        message=_("导入处理中断，未导入任何数据。请重新上传。"),
        finished_at=now,
    )
    return result
