"""Complaints from an Excel workbook (批量导入): the template, the upload, a check of every row, then all or nothing.

The page calls `import_job_create`: the file is checked by its bytes (only .xlsx) and by its SHA-256 (the same
workbook already imported, or still queued, is refused: never imported twice), stored as a core Attachment on a
new ImportJob left `queued`, and the page enqueues `tasks.run_import` once that commits. If the broker is down
the job simply stays queued: the periodic `tasks.sweep_imports` runs any job whose message was lost.

The worker runs `import_job_run`, which claims the job by a conditional UPDATE (two workers never run one job),
reads the sheet and checks every row — required columns, channel and relation names, dates, the responsible
unit's code (one the uploader may register complaints in), the amount, in-file duplicates — all outside any
transaction. One bad row and nothing is imported: the job is `rejected` with an error report (the rows, personal
data masked, and an error column) stored as an Attachment on the job.

Otherwise the rows are registered through `services.complaint_register` in short transactions of BATCH_ROWS rows,
each row staged invisible under the job (`Complaint.import_state = staged`; the default manager never shows
them), so no transaction holds the database's write lock for longer than a batch and other users' writes go
through between batches. A refusal or error removes every staged row; nothing is left behind. When all are
staged, ONE statement makes them visible (`published`, and the job's `published_at` in the same transaction),
and their processes are started in short batches (`services.complaint_activate`, idempotent).

The worker beats (`heartbeat_at`) as it goes. A job whose heartbeat stops (the worker died) is noticed by the
sweep (`import_sweep.py`) within HEARTBEAT_STALE plus one sweep interval: its staged rows are removed and it is
queued again, up to MAX_ATTEMPTS, then failed with a message its uploader sees. A job already published is only
finished: the activation resumes where it stopped, starting only the processes not yet started. An error there
(a database restart) queues the job again instead of failing it, up to MAX_ACTIVATION_ATTEMPTS.

The uploaded workbook is deleted once the job finishes (it holds personal data in clear); the report keeps
the rows with personal data masked.

Progress is `processed_rows` out of `total_rows`: rows checked while `checking`, rows staged while `importing`.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections import deque
from contextlib import contextmanager, nullcontext
from datetime import timedelta
from functools import partial

from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import DatabaseError, IntegrityError, connection, models, transaction
from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from xiaobao.complaints import error_codes as codes

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
from xiaobao.complaints.rules import ADD_PERMISSION
from xiaobao.core import audit
from xiaobao.core import selectors as core_selectors
from xiaobao.core import services as core_services
from xiaobao.core.api_errors import BusinessRuleError
from xiaobao.core.models import Attachment
from xiaobao.core.uploads import check_upload
from xiaobao.core.workdays import Calendar

log = logging.getLogger(__name__)

SOURCE = "source"
REPORT = "report"
#: A job whose worker has not beaten for this long lost its worker: the sweep retries or fails it.
HEARTBEAT_STALE = timedelta(minutes=3)
#: A job is tried this often (a worker dying mid-way) before it is failed for good.
MAX_ATTEMPTS = 3
#: A published job (its rows visible) is only finishing its process starts, which are idempotent: a database
#: restart or a dying worker there is retried this often before the job is failed, so a fault costs a retry,
#: not an import with complaints nobody was asked to handle.
MAX_ACTIVATION_ATTEMPTS = 10
#: A batch (one transaction) ends at BATCH_ROWS rows or after BATCH_SECONDS, whichever comes first: the
#: longest any import holds the write lock is one short batch.
BATCH_ROWS = 25
BATCH_SECONDS = 0.05
#: Between batches on SQLite the import steps aside this long. SQLite has no queue for its write lock: a waiting
#: writer polls (sleeping up to 100 ms between tries), so a loop that commits and begins again at once would
#: win the lock every time and starve every other user's write.
YIELD_SECONDS = 0.1
#: With the SQLite backend's gate, writers waiting for a batch queue in the kernel and are woken by its commit;
#: this is only time for the woken one to be scheduled before the next batch looks at the gate.
GATED_YIELD_SECONDS = 0.01
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


def import_job_create(*, actor, upload, now=None) -> ImportJob:
    """Store an uploaded workbook as a queued import job; the worker checks and imports it.

    Refuses (BusinessRuleError): a caller who may not register complaints (403, permission_denied); a file that
    is empty, too large or not an .xlsx workbook by its content, whatever its name (core.upload_*); the very
    workbook (same SHA-256) already imported or still in progress (IMPORT_DUPLICATE, 409). A workbook whose
    earlier job was rejected or failed may be uploaded again: that is the retry.
    """
    if not actor.has_perm(ADD_PERMISSION) or actor.org_unit_id is None:
        raise BusinessRuleError("permission_denied", _("您没有登记投诉的权限。"), status_code=403)
    checked = check_upload(upload, allowed=frozenset({"xlsx"}), field="file")
    digest = hashlib.sha256(checked.content).hexdigest()
    _refuse_duplicate(actor, digest)
    try:
        with transaction.atomic():
            job = ImportJob.objects.create(
                org_unit_id=actor.org_unit_id,
                created_by=actor,
                created_at=now or timezone.now(),
                file_name=checked.name,
                status=ImportJob.Status.QUEUED,
                source_sha256=digest,
            )
            core_services.attachments_add(
                owner=job, files=[ContentFile(checked.content, name=checked.name)], actor=actor, purpose=SOURCE
            )
            audit.record(
                actor=actor,
                action="complaints.import_upload",
                obj=job,
                changes={"file": checked.name, "sha256": digest},
            )
    except IntegrityError:  # the same workbook uploaded twice at the same moment: the other upload won
        _refuse_duplicate(actor, digest)
        raise
    return job


def _refuse_duplicate(actor, digest: str) -> None:
    earlier = (
        ImportJob.objects.filter(source_sha256=digest)
        .exclude(status__in=(ImportJob.Status.REJECTED, ImportJob.Status.FAILED))
        .order_by("-created_at")
        .first()
    )
    if earlier is None:
        return
    # name the job only to someone who may see it
    seen = import_jobs_visible_to(actor).filter(pk=earlier.pk).exists()
    label = {"id": earlier.pk, "at": f"{timezone.localtime(earlier.created_at):%Y-%m-%d %H:%M}"}
    if earlier.status == ImportJob.Status.DONE:
        message = (
            _("该文件已于 %(at)s 导入（导入任务 #%(id)s），不会重复导入。") % label
            if seen
            else _("该文件已经导入过，不会重复导入。")
        )
    else:
        message = (
            _("该文件正在导入（导入任务 #%(id)s，上传于 %(at)s），请等待其完成。") % label
            if seen
            else _("该文件正在导入，请等待其完成。")
        )
    raise BusinessRuleError(codes.IMPORT_DUPLICATE, message, status_code=409, fields={"file": [codes.IMPORT_DUPLICATE]})


# --- the worker's run -----------------------------------------------------------------------------


class _Rejected(Exception):
    """Unwinds the import transaction when a row is refused by the service."""

    def __init__(self, row: Row):
        self.row = row


def _progress_key(pk: int) -> str:
    return f"complaints.import.{pk}.progress"


class _Superseded(Exception):
    """This run lost its job: the sweep took its worker for dead and queued the job again."""


def _beat(job: ImportJob, **values) -> None:
    """Write the job's progress with a heartbeat, only while this run still owns the job (its attempt)."""
    values["heartbeat_at"] = timezone.now()
    if not ImportJob.objects.filter(pk=job.pk, attempts=job.attempts).update(**values):
        raise _Superseded
    for name, value in values.items():
        setattr(job, name, value)


def _progress(job: ImportJob, processed: int) -> None:
    _beat(job, processed_rows=processed)
    cache.set(_progress_key(job.pk), (job.status, processed), PROGRESS_TTL)


def _set(job: ImportJob, **values) -> None:
    for name, value in values.items():
        setattr(job, name, value)
    ImportJob.objects.filter(pk=job.pk).update(**values)


FINISHED = (ImportJob.Status.DONE, ImportJob.Status.REJECTED, ImportJob.Status.FAILED)


def import_job_run(*, job_id: int, now=None) -> ImportJob:
    """Check every row of a queued job's workbook, then import all of its rows or none.

    Claims the job first (queued → checking, one more attempt); a job already claimed or finished is returned
    untouched, so a duplicate message or the sweep running beside a worker is harmless. Never raises for bad
    data: the job ends `done`, `rejected` (with `message` and the error report) or `failed` (an unexpected
    error, logged; nothing imported unless the rows were already published).
    """
    started = timezone.now()
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.QUEUED).update(
        status=ImportJob.Status.CHECKING,
        processed_rows=0,
        error_rows=0,
        imported=0,
        started_at=started,
        heartbeat_at=started,
        attempts=models.F("attempts") + 1,
    )
    job = ImportJob.objects.select_related("created_by", "org_unit").get(pk=job_id)
    if not claimed:
        return job
    # The job's messages and report speak the uploader's language, not the worker's.
    with translation.override(getattr(job.created_by, "language", "") or None):
        try:
            _run(job, now=now)
        except _Superseded:
            log.warning("complaint import %s: this run was superseded (its worker was taken for dead)", job.pk)
            return job
        except Exception:  # whatever broke, the job must not stay "checking" for ever
            log.exception("complaint import %s failed", job.pk)
            if not _requeue_activation(job):
                fail_job(job, _("导入过程中发生系统错误，未导入任何数据。请稍后重新上传，或联系系统管理员。"))
        if job.status in FINISHED:
            discard_source(job)
    return job


def _requeue_activation(job: ImportJob) -> bool:
    """A published job that broke while starting its processes (the database restarted, say) is queued again
    to resume them, not failed: True if so. False for a job not yet published (it fails: nothing is left).

    If the database is still away, nothing can be written: the job keeps its status, its heartbeat goes stale
    and the sweep queues it again, so True all the same.
    """
    if not connection.in_atomic_block:
        connection.close_if_unusable_or_obsolete()  # a connection the restart broke is replaced, not reused
    try:
        job.refresh_from_db(fields=["published_at"])
        if job.published_at is None:
            return False
        if job.attempts >= MAX_ACTIVATION_ATTEMPTS:
            return False
        message = _("启动处理流程时中断，已自动重新排队，将继续启动尚未启动的流程。")
        ImportJob.objects.filter(pk=job.pk, attempts=job.attempts).update(
            status=ImportJob.Status.QUEUED, message=message
        )
    except DatabaseError:
        log.warning("complaint import %s: could not queue it again; the sweep will", job.pk, exc_info=True)
        return job.published_at is not None
    job.status = ImportJob.Status.QUEUED
    return True


def fail_job(job: ImportJob, message: str) -> None:
    """Fail the job: staged rows go; rows already published stay, and the message says how many."""
    job.refresh_from_db(fields=["published_at"])
    if job.published_at is None:
        _discard_staged(job)
    else:
        imported = Complaint.objects.filter(import_job=job).count()
        waiting = Complaint.objects.filter(import_job=job, import_state=Complaint.ImportState.PUBLISHED).count()
        message = _(
            "已导入 %(n)s 条投诉，其中 %(waiting)s 条的处理流程未能启动，请联系系统管理员（导入任务 #%(id)s）。"
        ) % {"n": imported, "waiting": waiting, "id": job.pk}
    _set(job, status=ImportJob.Status.FAILED, message=message, finished_at=timezone.now())


def _discard_staged(job: ImportJob) -> int:
    """Remove what an unfinished run staged, in short transactions: an import leaves nothing behind."""
    staged = Complaint.with_staged.filter(import_job=job, import_state=Complaint.ImportState.STAGED)
    removed = 0
    while True:
        with transaction.atomic():
            batch = list(staged.values_list("pk", flat=True)[: BATCH_ROWS * 4])
            if not batch:
                return removed
            # a staged row may repeat another staged row of the same file
            Complaint.with_staged.filter(pk__in=batch).update(repeat_of=None)
            removed += Complaint.with_staged.filter(pk__in=batch).delete()[1].get(Complaint._meta.label, 0)


def discard_source(job: ImportJob) -> None:
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
    if job.published_at is not None:  # a run that died after publishing: only the processes remain to start
        # the claim said "checking"; the rows are checked and visible, so the page shows the import going on
        _beat(job, status=ImportJob.Status.IMPORTING, processed_rows=job.total_rows)
        return _activate_and_finish(job, now=now)
    source = job_files(job).filter(purpose=SOURCE).order_by("id").first()
    if source is None:
        return _reject(job, _("找不到上传的文件，请重新上传。"))
    with source.file.open("rb") as handle:
        content = handle.read()
    try:
        headers, rows = read_sheet(content, max_rows=MAX_ROWS)
    except SheetError as problem:
        return _reject(job, str(problem))
    _beat(job, total_rows=len(rows))
    _check(job, headers, rows, now=now or timezone.now())
    bad = [row for row in rows if row.errors]
    if bad:
        return _reject_rows(job, headers, rows, bad)
    _beat(job, status=ImportJob.Status.IMPORTING, processed_rows=0)
    _discard_staged(job)  # what an earlier, dead attempt staged
    try:
        _stage(job, rows, now=now)
    except _Rejected as refused:
        # remove every staged row: report the refused one, import nothing
        _discard_staged(job)
        return _reject_rows(job, headers, rows, [refused.row])
    except _Superseded:
        raise  # the run that took over cleans up
    except Exception:
        _discard_staged(job)
        raise
    _publish(job)
    return _activate_and_finish(job, now=now)


def _stage(job: ImportJob, rows: list[Row], *, now=None) -> None:
    """Register every row, staged invisible, in short batches; a refusal raises _Rejected."""
    from xiaobao.complaints import services

    calendar = Calendar.load()  # once for the run, not under the write lock for every row
    position = 0
    while position < len(rows):
        with _batch() as more:
            while position < len(rows) and more():
                row = rows[position]
                try:
                    services.complaint_register(
                        actor=job.created_by,
                        # one key per job and row: a job run twice can never register a row twice
                        idempotency_key=f"import:{job.pk}:{row.number}",
                        now=now,
                        import_job=job,
                        calendar=calendar,
                        **row.data,
                    )
                except BusinessRuleError as refusal:
                    row.errors.append(str(refusal.detail))
                    raise _Rejected(row) from refusal
                position += 1
        _progress(job, position)


@contextmanager
def _batch():
    """One short transaction; `more()` says whether it may take another row (BATCH_ROWS, BATCH_SECONDS, a user
    waiting).

    On SQLite the batch begins only once no other user's write is running or waiting (the backend's
    `background_batch`), and after it commits the import steps aside briefly so a write woken by the commit
    takes the lock first; without that gate (an in-memory database) it steps aside for YIELD_SECONDS.
    """
    began = last = time.monotonic()
    taken = 0
    users_waiting = getattr(connection, "users_waiting", None) or (lambda: False)

    def more() -> bool:
        # Another row only if it fits: the batch so far plus one more row as long as the last one still within
        # BATCH_SECONDS (rows of a process start can each take most of it), and only while no user's write is
        # waiting for the batch (it then waits for the row under way, not for the rest of the batch).
        nonlocal taken, last
        at = time.monotonic()
        row_took, last = at - last, at
        taken += 1
        if taken == 1:
            return True
        return taken <= BATCH_ROWS and at - began + row_took <= BATCH_SECONDS and not users_waiting()

    gate = getattr(connection, "background_batch", None)
    with gate() if gate else nullcontext(False) as gated, transaction.atomic():
        began = last = time.monotonic()  # the batch's length counts from when it holds the lock
        yield more
    if connection.vendor == "sqlite" and not connection.in_atomic_block:
        time.sleep(GATED_YIELD_SECONDS if gated else YIELD_SECONDS)


def _publish(job: ImportJob) -> None:
    """Make every staged row visible in one statement, and mark the job published in the same transaction."""
    published = timezone.now()
    with transaction.atomic():
        if not ImportJob.objects.filter(pk=job.pk, attempts=job.attempts).update(published_at=published):
            raise _Superseded
        Complaint.with_staged.filter(import_job=job, import_state=Complaint.ImportState.STAGED).update(
            import_state=Complaint.ImportState.PUBLISHED
        )
    job.published_at = published


def _activate_and_finish(job: ImportJob, *, now=None) -> None:
    """Start the process of each published row (short transactions, idempotent), then finish the job."""
    from xiaobao.complaints import services

    waiting = Complaint.with_staged.filter(import_job=job, import_state=Complaint.ImportState.PUBLISHED)
    pending = list(waiting.order_by("pk").values_list("pk", flat=True))
    if pending:
        # A fresh worker process loads the URL configuration on the first notice's link (seconds, on a busy
        # machine): load it here, before any batch holds the write lock.
        reverse("complaints:detail", args=[pending[0]])
    calendar = Calendar.load()
    units: dict = {}  # each unit's officers and 核查 flag, read once for the run
    position, ready = 0, deque()
    while position < len(pending) or ready:
        if not ready:  # the next rows' reads happen here, before a batch's transaction: batches only write
            chunk = pending[position : position + BATCH_ROWS]
            ready.extend(services.prepare_starts(chunk, calendar=calendar, units=units))
            position += len(chunk)
        with _batch() as more:
            while ready and more():
                services.complaint_activate(complaint=ready[0].complaint, now=now, reads=ready[0])
                ready.popleft()
        _beat(job)
    imported = Complaint.objects.filter(import_job=job).count()
    _set(
        job,
        status=ImportJob.Status.DONE,
        processed_rows=imported,
        total_rows=max(job.total_rows, imported),
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
