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

import logging
from datetime import timedelta
from functools import partial

from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _

# The workbook's format is import_sheet.py; the names imported "as" themselves are its part of this module's
# interface too (the pages and their tests speak of one import module).
from xiaobao.complaints.import_sheet import COLUMNS as COLUMNS
from xiaobao.complaints.import_sheet import ERROR_HEADER as ERROR_HEADER
from xiaobao.complaints.import_sheet import (
    MAX_ROWS,  # read at each run, so a test may lower it here
    Row,
    SheetError,
    check_row,
    choice_lookup,
    duplicate_key,
    error_report,
    read_sheet,
)
from xiaobao.complaints.import_sheet import ROW_HEADER as ROW_HEADER
from xiaobao.complaints.import_sheet import SHEET_NAME as SHEET_NAME
from xiaobao.complaints.import_sheet import XLSX as XLSX
from xiaobao.complaints.import_sheet import template_workbook as template_workbook
from xiaobao.complaints.models import Complaint, ImportJob
from xiaobao.core import audit
from xiaobao.core import selectors as core_selectors
from xiaobao.core import services as core_services
from xiaobao.core.api_errors import BusinessRuleError
from xiaobao.core.models import Attachment
from xiaobao.core.uploads import check_upload

log = logging.getLogger(__name__)

ADD_PERMISSION = "complaints.add_complaint"
SOURCE = "source"
REPORT = "report"
#: A job still checking or importing this long after upload lost its worker; the sweep marks it failed.
STALE_AFTER = timedelta(hours=2)
PROGRESS_EVERY = 20
PROGRESS_TTL = 60 * 60


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
    checked = check_upload(upload, allowed=frozenset({"xlsx"}), field="file")
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
        headers, rows = read_sheet(content, max_rows=MAX_ROWS)
    except SheetError as problem:
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


def _check(job: ImportJob, headers: list[str], rows: list[Row], *, now) -> None:
    """Fill each row's `data` (service arguments) and `errors`; counts progress as it goes."""
    index = {title: i for i, title in enumerate(headers) if title}
    units = {
        unit.code: unit
        for unit in core_selectors.org_units_visible_to(job.created_by, action="add").filter(is_active=True)
    }
    channels = choice_lookup(Complaint.Channel.choices)
    relations = choice_lookup(Complaint.Relation.choices)
    seen: dict[tuple, int] = {}
    for done, row in enumerate(rows, start=1):
        raw = {c.key: (row.values[index[c.header]] if c.header in index else None) for c in COLUMNS}
        check_row(row, raw, units=units, channels=channels, relations=relations, now=now)
        if not row.errors:
            key = duplicate_key(row.data)
            if key in seen:
                row.errors.append(_("与第 %(row)s 行重复") % {"row": seen[key]})
            else:
                seen[key] = row.number
        if done % PROGRESS_EVERY == 0 or done == len(rows):
            _progress(job, done)


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
