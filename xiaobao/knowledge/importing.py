"""Importing knowledge files (导入): one .docx/.pdf/.txt/.md file at once, or a folder as a zip in the background.

One file: `document_import` checks the upload by content (core.uploads) and extracts its text (`extract`,
limits checked while reading) before and outside any transaction; then, in one short transaction, creates the
document through `services.document_create` and keeps the original as a core Attachment owned by the new
version (purpose "source", named in `version.source_name`). No transaction ever waits on a file being parsed.

A zip: `import_batch_create` checks the archive as a whole before anything is stored — a real zip, not too
many files, not too much once unpacked, no entry inflating like a bomb, no absolute path, `..` or symlink —
and stores it as an Attachment on a queued ImportBatch; the page enqueues `tasks.run_import` on commit (the
periodic `tasks.sweep_imports` runs a batch whose message was lost). The worker, `import_batch_run`, claims
the batch by a conditional UPDATE, then imports file by file: each file is read and its text extracted outside
any transaction, then stored in its own short transaction that also writes the file's report row and the
counters. The worker beats (`heartbeat_at`) after each file; a batch whose heartbeat stops is put back in the
queue by the sweep (it resumes after the files its report names) or, after MAX_ATTEMPTS, failed: a bad file (nested zip, unsupported type, no text…) is reported and
skipped, the others are imported, and the progress bar moves as each commits. A batch run again skips the
files its report already names, so nothing is imported twice.
"""

from __future__ import annotations

import hashlib
import logging
import zipfile
from datetime import timedelta
from io import BytesIO
from pathlib import PurePosixPath

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from xiaobao.core import audit
from xiaobao.core import error_codes as core_codes
from xiaobao.core import services as core_services
from xiaobao.core.api_errors import BusinessRuleError
from xiaobao.core.models import Attachment, OrgUnit
from xiaobao.core.scope import scope_for
from xiaobao.core.uploads import KINDS, CheckedUpload, check_upload, fit_file_name
from xiaobao.knowledge import extract, selectors, services
from xiaobao.knowledge.error_codes import (
    IMPORT_DUPLICATE,
    IMPORT_FAILED,
    KIND_REFUSED,
    UNIT_REFUSED,
    ZIP_ENTRY_ENCRYPTED,
    ZIP_NESTED,
)
from xiaobao.knowledge.models import Category, Document, DocumentVersion, ImportBatch
from xiaobao.knowledge.zip_checks import MAX_FILES, MAX_UNPACKED_BYTES, Entry, inspect_zip  # noqa: F401 (re-exported)

log = logging.getLogger(__name__)

PERMISSION_DENIED = "permission_denied"

ADD_PERMISSION = services.ADD_PERMISSION
VIEW_BATCH_PERMISSION = "knowledge.view_importbatch"
SOURCE = "source"
#: a folder of documents, zipped (each file inside is held to the single-file limit, UPLOAD_MAX_BYTES)
MAX_ZIP_BYTES = settings.KNOWLEDGE_IMPORT_MAX_ZIP_BYTES
#: a batch whose worker has not beaten (one beat per file) for this long lost its worker
HEARTBEAT_STALE = timedelta(minutes=3)
#: a batch is put back in the queue this often after its worker died, then failed for good
MAX_ATTEMPTS = 3


def _refuse(code: str, message: str, field: str = "file", status_code: int | None = None) -> BusinessRuleError:
    return BusinessRuleError(code, message, fields={field: [code]}, status_code=status_code)


def _check_writer(actor, org_unit: OrgUnit) -> None:
    if not getattr(actor, "is_authenticated", False) or not actor.has_perm(ADD_PERMISSION):
        raise BusinessRuleError(PERMISSION_DENIED, _("您没有导入知识文档的权限。"), status_code=403)
    if org_unit is None or not org_unit.is_active or not scope_for(actor, "add").covers(org_unit.path):
        raise _refuse(UNIT_REFUSED, _("所属机构不在您可维护的范围内。"), field="org_unit")


def _check_kind(kind: str) -> None:
    if kind not in Document.Kind.values or kind == Document.Kind.FAQ:
        raise _refuse(KIND_REFUSED, _("请选择文档类型（FAQ 需要问题和答案，不能从文件导入）。"), field="kind")


def single_file_limit() -> int:
    return settings.UPLOAD_MAX_BYTES


# --- reads ----------------------------------------------------------------------------------------


def import_batches_for(user) -> QuerySet[ImportBatch]:
    """Import batches of the units in the caller's scope, newest first."""
    return ImportBatch.objects.visible_to(user).select_related("created_by", "org_unit", "category")


def get_import_batch_for_user(user, pk: int) -> ImportBatch:
    found = import_batches_for(user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def _owned_by(owner) -> QuerySet[Attachment]:
    return Attachment.objects.filter(
        content_type=ContentType.objects.get_for_model(type(owner)), object_id=str(owner.pk), purpose=SOURCE
    )


def source_of(owner: DocumentVersion | ImportBatch) -> Attachment | None:
    """The original file: of a version (the .docx/.pdf/… it was imported from) or of a batch (the zip)."""
    return _owned_by(owner).order_by("-id").first()


# --- storing the original -------------------------------------------------------------------------


def _attach(owner, *, org_unit_id: int, name: str, content: bytes, kind: str, actor, purpose: str) -> Attachment:
    """Store already-checked bytes as a core Attachment of `owner` (in the caller's transaction). The
    unit is the document's: a version has none of its own."""
    item = CheckedUpload(name=fit_file_name(name), kind=KINDS[kind], size=len(content), content=content)
    return core_services.attachment_store(owner=owner, item=item, actor=actor, purpose=purpose, org_unit_id=org_unit_id)


# --- one file -------------------------------------------------------------------------------------


def document_import(
    *,
    actor,
    org_unit: OrgUnit,
    upload,
    kind: str,
    category: Category | None = None,
    publish: bool = True,
    title: str = "",
    now=None,
) -> Document:
    """Create a document from one uploaded .docx/.pdf/.txt/.md file, keeping the original with its version.

    The title is `title`, else the file's own (Word's document title or first heading, Markdown's "# "
    line), else the file name. Refuses, writing nothing: PERMISSION_DENIED (403, no knowledge.add_document),
    UNIT_REFUSED (owning unit outside the actor's write scope), KIND_REFUSED (unknown kind or FAQ);
    core.upload_empty / core.upload_too_large (over UPLOAD_MAX_BYTES) / core.upload_type_refused (content not
    PDF, Word or text, whatever the name); the `extract` codes (unsupported extension, content not what the
    extension says, encrypted or damaged PDF, no text); and whatever `document_create` refuses.
    """
    _check_writer(actor, org_unit)
    _check_kind(kind)
    # the extension first, so a spreadsheet or an image says "unsupported type" rather than "not a PDF"
    extract.check_extension(getattr(upload, "name", "") or "")
    checked = check_upload(upload, allowed=extract.FILE_KINDS, max_bytes=single_file_limit(), field="file")
    _refuse_imported_file(actor, org_unit, hashlib.sha256(checked.content).hexdigest())
    found = extract.extract(checked.name, checked.content)  # the slow part, outside any transaction
    with transaction.atomic():
        return _import_file(
            actor=actor,
            org_unit=org_unit,
            name=checked.name,
            content=checked.content,
            found=found,
            kind=kind,
            category=category,
            publish=publish,
            title=title,
            now=now,
        )


def _import_file(
    *, actor, org_unit, name, content, found: extract.Extracted, kind, category, publish, title="", now=None
) -> Document:
    """Store one already-extracted file as a document (in the caller's transaction)."""
    title = (title or "").strip() or found.title or extract.stem_of(name) or name
    base = fit_file_name(extract.strip_controls(PurePosixPath(name.replace("\\", "/")).name))
    document = services.document_create(
        actor=actor,
        kind=kind,
        title=title[:300],
        body=found.text,
        org_unit=org_unit,
        category=category,
        # an internal policy is published only after approval, whichever way it arrives
        publish=publish and kind != Document.Kind.POLICY,
        now=now,
        source_name=base,
    )
    version = document.versions.get(number=1)
    if publish and kind == Document.Kind.POLICY:
        services.version_submit(document=document, version=version, actor=actor, now=now)
    _attach(
        version,
        org_unit_id=org_unit.pk,
        name=base,
        content=content,
        kind=_kind_code(name),
        actor=actor,
        purpose=SOURCE,
    )
    audit.record(
        actor=actor,
        action="knowledge.document_import",
        obj=document,
        changes={"file": base, "size": len(content), "sha256": hashlib.sha256(content).hexdigest()},
        at=now,
    )
    return document


def _kind_code(name: str) -> str:
    return extract.READERS[extract.extension_of(name)]


def is_zip_name(name: str) -> bool:
    return extract.extension_of(name or "") == "zip"


def _read_zip_upload(upload) -> tuple[str, bytes]:
    """The zip's name and bytes, checked by core.uploads; a zip that core refuses is explained by `inspect_zip`."""
    try:
        checked = check_upload(upload, allowed=frozenset({"zip"}), max_bytes=MAX_ZIP_BYTES, field="file")
        return checked.name, checked.content
    except BusinessRuleError as refusal:
        if refusal.error_code != core_codes.UPLOAD_TYPE_REFUSED:
            raise
        upload.seek(0)
        content = upload.read(MAX_ZIP_BYTES + 1)
        if not content.startswith(b"PK\x03\x04"):
            raise
        # core refuses bombs and traversal without saying which: say which (or the original refusal stands)
        inspect_zip(content, file_name=getattr(upload, "name", ""))
        raise


@transaction.atomic
def import_batch_create(
    *,
    actor,
    org_unit: OrgUnit,
    upload,
    kind: str,
    category: Category | None = None,
    publish: bool = True,
    now=None,
) -> ImportBatch:
    """Store an uploaded zip (a folder of .docx/.pdf/.txt/.md files) as a queued batch for the worker.

    Refuses, writing nothing: PERMISSION_DENIED (403), UNIT_REFUSED, KIND_REFUSED (as `document_import`);
    core.upload_empty / core.upload_too_large (over MAX_ZIP_BYTES) / core.upload_type_refused (not a zip by
    content); and every `inspect_zip` refusal (bombs, path traversal, symlinks, too many or too large
    files, nothing to import). Single files inside are judged by the worker, one by one.
    """
    _check_writer(actor, org_unit)
    _check_kind(kind)
    name, content = _read_zip_upload(upload)
    entries = inspect_zip(content, file_name=name)
    digest = hashlib.sha256(content).hexdigest()
    _refuse_live_batch(actor, org_unit, digest)
    now = now or timezone.now()
    batch = ImportBatch.objects.create(
        source_sha256=digest,
        org_unit=org_unit,
        created_by=actor,
        created_at=now,
        file_name=name,
        kind=kind,
        category=category,
        publish=publish,
        status=ImportBatch.Status.QUEUED,
        total_files=len(entries),
    )
    _attach(batch, org_unit_id=org_unit.pk, name=name, content=content, kind="zip", actor=actor, purpose=SOURCE)
    audit.record(
        actor=actor, action="knowledge.import_upload", obj=batch, changes={"file": name, "files": len(entries)}, at=now
    )
    return batch


def _duplicate(message: str) -> BusinessRuleError:
    return BusinessRuleError(IMPORT_DUPLICATE, message, status_code=409, fields={"file": [IMPORT_DUPLICATE]})


def _refuse_imported_file(actor, org_unit: OrgUnit, digest: str) -> None:
    """The very file (same SHA-256) already kept as the original of a document of this unit: refused, naming the
    document to someone who may see it. A document deleted since leaves no original, so it may come again."""
    versions = Attachment.objects.filter(
        content_type=ContentType.objects.get_for_model(DocumentVersion),
        purpose=SOURCE,
        sha256=digest,
        org_unit_id=org_unit.pk,
    ).values_list("object_id", flat=True)
    earlier = (
        DocumentVersion.objects.filter(pk__in=[int(pk) for pk in versions[:20]])
        .select_related("document")
        .order_by("-pk")
        .first()
    )
    if earlier is None:
        return
    if selectors.documents_for(actor).filter(pk=earlier.document_id).exists():
        message = _("该文件已导入为“%(title)s”，不会重复导入；如需更新，请在该文档上上传新版本。") % {
            "title": earlier.document.title
        }
    else:
        message = _("该文件已经导入过，不会重复导入。")
    raise _duplicate(message)


def _refuse_live_batch(actor, org_unit: OrgUnit, digest: str) -> None:
    """The same zip for the same unit, queued, running or done: refused (never imported twice). One rejected
    or failed may be uploaded again: that is the retry."""
    earlier = (
        ImportBatch.objects.filter(org_unit=org_unit, source_sha256=digest)
        .exclude(status__in=(ImportBatch.Status.REJECTED, ImportBatch.Status.FAILED))
        .order_by("-created_at")
        .first()
    )
    if earlier is None:
        return
    seen = import_batches_for(actor).filter(pk=earlier.pk).exists()
    label = {"id": earlier.pk, "at": f"{timezone.localtime(earlier.created_at):%Y-%m-%d %H:%M}"}
    if earlier.status == ImportBatch.Status.DONE:
        message = (
            _("该压缩包已于 %(at)s 导入（批量导入 #%(id)s），不会重复导入。") % label
            if seen
            else _("该压缩包已经导入过，不会重复导入。")
        )
    else:
        message = (
            _("该压缩包正在导入（批量导入 #%(id)s，上传于 %(at)s），请等待其完成。") % label
            if seen
            else _("该压缩包正在导入，请等待其完成。")
        )
    raise _duplicate(message)


def import_upload(*, actor, org_unit, upload, kind, category=None, publish=True, title="") -> Document | ImportBatch:
    """One entry for the page and the API: a .zip becomes a batch, any other file a document at once."""
    if is_zip_name(getattr(upload, "name", "")):
        return import_batch_create(
            actor=actor, org_unit=org_unit, upload=upload, kind=kind, category=category, publish=publish
        )
    return document_import(
        actor=actor, org_unit=org_unit, upload=upload, kind=kind, category=category, publish=publish, title=title
    )


# --- a zip: the worker ----------------------------------------------------------------------------


def _set(batch: ImportBatch, **values) -> None:
    for name, value in values.items():
        setattr(batch, name, value)
    ImportBatch.objects.filter(pk=batch.pk).update(**values)


def import_batch_run(*, batch_id: int, now=None) -> ImportBatch:
    """Import every file of a queued batch, each in its own transaction with its report row and counters.

    Claims the batch first (queued → running): a batch already claimed or finished is returned untouched,
    so a duplicate message or the sweep beside a worker is harmless; files the report already names are
    skipped, so a batch put back in the queue resumes without importing anything twice. Never raises for
    bad data: a refused file is a report row with its code; the batch ends `done`, or `rejected` when its
    zip is gone or no longer passes the checks or its uploader may no longer import into its unit, or
    `failed` on an unexpected error (logged).
    """
    claimed = ImportBatch.objects.filter(pk=batch_id, status=ImportBatch.Status.QUEUED).update(
        status=ImportBatch.Status.RUNNING, heartbeat_at=timezone.now(), attempts=F("attempts") + 1
    )
    batch = ImportBatch.objects.select_related("created_by", "org_unit", "category").get(pk=batch_id)
    if not claimed:
        return batch
    # the report and messages speak the uploader's language, not the worker's
    with translation.override(getattr(batch.created_by, "language", "") or None):
        try:
            _run(batch, now=now)
        except _Superseded:
            log.warning("knowledge import batch %s: this run was superseded (its worker was taken for dead)", batch.pk)
        except Exception:  # whatever broke, the batch must not stay "running" for ever
            log.exception("knowledge import batch %s failed", batch.pk)
            batch.refresh_from_db()
            _set(
                batch,
                status=ImportBatch.Status.FAILED,
                message=_("导入过程中发生系统错误，已导入 %(n)s 个文件，其余未导入。请稍后重试或联系系统管理员。")
                % {"n": batch.imported},
                finished_at=timezone.now(),
            )
    return batch


class _Superseded(Exception):
    """This run lost its batch: the sweep took its worker for dead and queued the batch again."""


def _run(batch: ImportBatch, *, now=None) -> None:
    source = source_of(batch)
    if source is None:
        return _finish(batch, ImportBatch.Status.REJECTED, _("找不到上传的压缩包，请重新上传。"))
    with source.file.open("rb") as handle:
        content = handle.read()
    try:
        # the uploader may have lost the right (or the unit) since the upload: the batch imports as them
        _check_writer(batch.created_by, batch.org_unit)
        entries = inspect_zip(content, file_name=batch.file_name)
    except BusinessRuleError as refusal:
        return _finish(batch, ImportBatch.Status.REJECTED, str(refusal.detail))
    _set(batch, total_files=len(entries))
    archive = zipfile.ZipFile(BytesIO(content))
    for entry in entries:
        _import_entry(batch, archive, entry, now=now)
    batch.refresh_from_db()
    message = _("已导入 %(ok)s 个文件，%(failed)s 个未导入。") % {"ok": batch.imported, "failed": batch.failed}
    _finish(batch, ImportBatch.Status.DONE, message)
    return None


def _finish(batch: ImportBatch, status: str, message: str) -> None:
    _set(batch, status=status, message=message, finished_at=timezone.now())
    audit.record(
        actor=batch.created_by,
        action="knowledge.import_done" if status == ImportBatch.Status.DONE else "knowledge.import_rejected",
        obj=batch,
        changes={"imported": batch.imported, "failed": batch.failed, "status": status},
    )


def _import_entry(batch: ImportBatch, archive: zipfile.ZipFile, entry: Entry, *, now) -> None:
    if any(row.get("name") == entry.name for row in batch.report):
        return  # done by an earlier run of this batch
    row = {"name": entry.name, "ok": False, "document_id": None, "title": "", "error": "", "code": ""}
    prepared = None
    try:
        prepared = _read_member(archive, entry)  # unpack, check and extract: outside any transaction
    except BusinessRuleError as refusal:
        row.update(error=str(refusal.detail), code=refusal.error_code)
    except Exception:  # one odd file must not stop the others; the log has the traceback
        log.exception("knowledge import batch %s: file %s failed", batch.pk, entry.name)
        row.update(error=_("导入该文件时发生系统错误。"), code=IMPORT_FAILED)
    with transaction.atomic():
        # the row lock makes a second runner wait, then see this file in the report (PostgreSQL)
        locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if locked.attempts != batch.attempts:
            raise _Superseded
        if any(row.get("name") == entry.name for row in locked.report):
            return
        if prepared is not None:
            try:
                with transaction.atomic():  # a savepoint: a refused file leaves nothing behind
                    document = _import_file(
                        actor=batch.created_by,
                        org_unit=batch.org_unit,
                        name=entry.name,
                        content=prepared[0],
                        found=prepared[1],
                        kind=batch.kind,
                        category=batch.category,
                        publish=batch.publish,
                        now=now,
                    )
                row.update(ok=True, document_id=document.pk, title=document.title)
            except BusinessRuleError as refusal:
                row.update(error=str(refusal.detail), code=refusal.error_code)
            except Exception:
                log.exception("knowledge import batch %s: file %s failed", batch.pk, entry.name)
                row.update(error=_("导入该文件时发生系统错误。"), code=IMPORT_FAILED)
        locked.heartbeat_at = timezone.now()
        locked.report = [*locked.report, row]
        locked.processed_files += 1
        locked.imported += 1 if row["ok"] else 0
        locked.failed += 0 if row["ok"] else 1
        locked.save(update_fields=["report", "processed_files", "imported", "failed", "heartbeat_at"])
        for name in ("report", "processed_files", "imported", "failed", "heartbeat_at"):
            setattr(batch, name, getattr(locked, name))


def _read_member(archive: zipfile.ZipFile, entry: Entry) -> tuple[bytes, extract.Extracted]:
    """One archive member's bytes, checked as an upload, and its extracted text; refuses as a file would be."""
    name = entry.name
    if extract.extension_of(name) == "zip":
        raise _refuse(ZIP_NESTED, _("“%(name)s”是压缩包中的压缩包，不会展开导入。") % {"name": name})
    extract.check_extension(name)
    if entry.info.flag_bits & 0x1:
        raise _refuse(ZIP_ENTRY_ENCRYPTED, _("“%(name)s”设有密码，无法读取。") % {"name": name})
    limit = single_file_limit()
    if entry.info.file_size > limit:
        raise _too_large(name, limit)
    try:
        with archive.open(entry.info) as handle:
            # zipfile stops at the declared size and then checks the CRC, so a header that understates its
            # entry cannot make us inflate more than inspect_zip allowed; the cap is a second fence
            content = handle.read(limit + 1)
    except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError, EOFError) as exc:
        raise _refuse(extract.UNREADABLE, _("文件“%(name)s”已损坏或无法读取。") % {"name": name}) from exc
    if len(content) > limit:
        raise _too_large(name, limit)
    if content[:4] == b"PK\x03\x04" and extract.READERS[extract.extension_of(name)] != "docx":
        raise _refuse(ZIP_NESTED, _("“%(name)s”是压缩包中的压缩包，不会展开导入。") % {"name": name})
    checked = check_upload(ContentFile(content, name=name), allowed=extract.FILE_KINDS, max_bytes=limit, field="file")
    return checked.content, extract.extract(name, checked.content)


def _too_large(name: str, limit: int) -> BusinessRuleError:
    return _refuse(
        core_codes.UPLOAD_TOO_LARGE,
        _("文件“%(name)s”超过 %(mb)s MB 的上限。") % {"name": name, "mb": round(limit / 1024 / 1024, 1)},
    )


# --- the sweep ------------------------------------------------------------------------------------


def import_batches_sweep(*, now=None) -> dict[str, int]:
    """Put back in the queue batches whose worker died (no heartbeat for HEARTBEAT_STALE; they resume after the
    files their report names), failing them after MAX_ATTEMPTS; then run queued batches whose message was lost
    (queued over a minute ago, or put back).

    Idempotent: a batch is claimed before it runs and taken over by a conditional UPDATE on its attempt, so
    the sweep and a worker never run the same attempt.
    """
    now = now or timezone.now()
    result = {"ran": 0, "retried": 0, "failed": 0}
    stale = ImportBatch.objects.filter(status=ImportBatch.Status.RUNNING).annotate(
        pulse=Coalesce("heartbeat_at", "created_at")
    )
    for batch in stale.filter(pulse__lt=now - HEARTBEAT_STALE).select_related("created_by"):
        taken = ImportBatch.objects.filter(pk=batch.pk, status=batch.status, attempts=batch.attempts)
        with translation.override(getattr(batch.created_by, "language", "") or None):
            if batch.attempts < MAX_ATTEMPTS:
                message = _("处理中断（后台服务重启），已自动重新排队，将从中断处继续。")
                result["retried"] += taken.update(status=ImportBatch.Status.QUEUED, message=message)
                continue
            result["failed"] += taken.update(
                status=ImportBatch.Status.FAILED,
                attempts=batch.attempts + 1,
                message=_("导入多次中断，报告中列出的文件已处理，其余未导入。请重新上传未导入的文件。"),
                finished_at=now,
            )
    queued = ImportBatch.objects.filter(status=ImportBatch.Status.QUEUED).filter(
        Q(attempts__gt=0) | Q(created_at__lt=now - timedelta(minutes=1))
    )
    for pk in list(queued.order_by("created_at").values_list("pk", flat=True)[:10]):
        import_batch_run(batch_id=pk)
        result["ran"] += 1
    return result


__all__ = [
    "document_import",
    "import_batch_create",
    "import_batch_run",
    "import_batches_sweep",
    "import_upload",
    "inspect_zip",
]
