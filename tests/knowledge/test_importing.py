"""Importing knowledge files: one file through `document_import` (text, title, original kept, refusals that
write nothing), and a zip through `import_batch_create` (whole-archive checks: bombs, path traversal,
symlinks, limits) and the worker `import_batch_run` (file by file, progress, per-file report, re-runs)."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests.knowledge.files import samples
from xiaobao.core import error_codes as core_codes
from xiaobao.core.api_errors import BusinessRuleError
from xiaobao.core.models import Attachment, AuditEntry
from xiaobao.knowledge import extract, importing, tasks, zip_checks
from xiaobao.knowledge.models import Category, Document, DocumentVersion, ImportBatch

B = ImportBatch.Status
POLICY = Document.Kind.POLICY
REGULATION = Document.Kind.REGULATION  # published at once; an internal policy waits for approval


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def grant_add(user):
    """A branch officer who may also maintain knowledge (the lead may give them this): scope = their branch."""
    user.user_permissions.add(Permission.objects.get(codename="add_document", content_type__app_label="knowledge"))
    return type(user).objects.get(pk=user.pk)  # fresh permission and scope caches


def import_one(cast, name: str, content: bytes, **kwargs) -> Document:
    kwargs.setdefault("actor", cast.hq_admin)
    kwargs.setdefault("org_unit", cast.hq)
    kwargs.setdefault("kind", REGULATION)
    return importing.document_import(upload=upload(name, content), **kwargs)


def refused(call, *args, **kwargs) -> BusinessRuleError:
    with pytest.raises(BusinessRuleError) as caught:
        call(*args, **kwargs)
    return caught.value


def nothing_written():
    return (Document.objects.count(), ImportBatch.objects.count(), Attachment.objects.count()) == (0, 0, 0)


# --- one file -------------------------------------------------------------------------------------


def test_a_word_file_becomes_a_published_document_with_its_original_kept(cast):
    content = samples.docx_bytes(["第一条 投诉应当在十五日内处理完毕。"], heading="投诉处理管理办法")
    category = Category.objects.create(name="投诉处理")
    document = import_one(cast, "制度/投诉.docx", content, category=category)

    assert document.title == "投诉处理管理办法"
    assert (document.kind, document.org_unit, document.category) == (REGULATION, cast.hq, category)
    version = document.current_version
    assert version.number == 1 and version.status == DocumentVersion.Status.PUBLISHED
    assert version.body == "投诉处理管理办法\n第一条 投诉应当在十五日内处理完毕。"
    assert version.source_name == "投诉.docx"
    original = importing.source_of(version)
    assert (original.name, original.purpose, original.kind, original.org_unit) == (
        "投诉.docx",
        "source",
        "docx",
        cast.hq,
    )
    assert original.sha256 == hashlib.sha256(content).hexdigest()
    with original.file.open("rb") as handle:
        assert handle.read() == content
    assert AuditEntry.objects.filter(action="knowledge.document_import", object_id=str(document.pk)).exists()


def test_an_imported_document_is_found_by_search(cast):
    from xiaobao.knowledge import search

    document = import_one(cast, "时限.pdf", samples.pdf_bytes(["投诉处理时限为十五日"]))
    hits = search.search(cast.hq_admin, "投诉处理时限")
    assert document.pk in [hit.document_id for hit in hits.hits]


@pytest.mark.parametrize(
    ("name", "content", "given", "expected"),
    [
        ("a.docx", samples.docx_bytes(core_title="核心标题", heading="正文标题"), "", "核心标题"),
        ("a.docx", samples.docx_bytes(core_title="核心标题"), "  我起的标题 ", "我起的标题"),
        ("退保须知.md", "# 退保说明\n犹豫期".encode(), "", "退保说明"),
        ("犹豫期说明.txt", "犹豫期为十五日".encode(), "", "犹豫期说明"),
        ("时限规定.pdf", samples.pdf_bytes(), "", "时限规定"),
    ],
)
def test_the_title_is_the_given_one_then_the_files_own_then_the_file_name(cast, name, content, given, expected):
    assert import_one(cast, name, content, title=given).title == expected


def test_an_imported_internal_policy_waits_for_publishing_approval(cast):
    from xiaobao.knowledge import search, services

    document = import_one(cast, "投诉管理办法.txt", "第一条 投诉处理时限为十五日".encode(), kind=POLICY)
    version = document.versions.get()
    assert version.status == DocumentVersion.Status.PENDING and document.current_version is None
    assert services.approval_task(document) is not None
    assert search.search(cast.hq_admin, "投诉处理时限").hits == []


def test_without_publish_the_version_stays_a_draft_out_of_search(cast):
    document = import_one(cast, "a.txt", "草稿正文".encode(), publish=False)
    assert document.current_version is None
    version = document.versions.get()
    assert version.status == DocumentVersion.Status.DRAFT
    assert importing.source_of(version) is not None


def test_people_without_the_add_permission_are_refused_403_and_nothing_is_written(cast):
    for who in (cast.officer_a, cast.manager, cast.outsider):
        error = refused(import_one, cast, "a.txt", "正文".encode(), actor=who, org_unit=who.org_unit)
        assert (error.error_code, error.status_code) == (importing.PERMISSION_DENIED, 403)
    assert nothing_written()


def test_a_unit_outside_the_importers_write_scope_is_refused(cast):
    officer = grant_add(cast.officer_a)
    error = refused(import_one, cast, "a.txt", "正文".encode(), actor=officer, org_unit=cast.branch_b)
    assert error.error_code == importing.UNIT_REFUSED
    error = refused(import_one, cast, "a.txt", "正文".encode(), actor=officer, org_unit=cast.hq)
    assert error.error_code == importing.UNIT_REFUSED
    assert nothing_written()
    assert import_one(cast, "a.txt", "正文".encode(), actor=officer, org_unit=cast.sub_a).org_unit == cast.sub_a


@pytest.mark.parametrize("kind", [Document.Kind.FAQ, "nonsense"])
def test_faq_and_unknown_kinds_are_refused(cast, kind):
    assert refused(import_one, cast, "a.txt", "正文".encode(), kind=kind).error_code == importing.KIND_REFUSED
    assert nothing_written()


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("空.txt", b"", core_codes.UPLOAD_EMPTY),
        ("表格.xlsx", samples.zip_bytes({"a": b"b"}), extract.UNSUPPORTED_TYPE),
        ("图片.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, extract.UNSUPPORTED_TYPE),
        ("假的.pdf", "其实是文本".encode(), core_codes.UPLOAD_TYPE_REFUSED),
        ("假的.docx", samples.pdf_bytes(), core_codes.UPLOAD_TYPE_REFUSED),
        ("假的.txt", samples.pdf_bytes(), extract.CONTENT_MISMATCH),
        ("网页.md", b"<script>alert(1)</script>", core_codes.UPLOAD_TYPE_REFUSED),
        ("扫描件.pdf", samples.blank_pdf_bytes(), extract.NO_TEXT),
        ("加密.pdf", samples.encrypted_pdf_bytes(), extract.ENCRYPTED),
        ("损坏.pdf", samples.pdf_bytes()[:60], extract.UNREADABLE),
    ],
)
def test_refused_files_write_nothing(cast, name, content, code):
    assert refused(import_one, cast, name, content).error_code == code
    assert nothing_written()


def test_an_oversized_file_is_refused(cast, settings):
    settings.UPLOAD_MAX_BYTES = 10
    assert refused(import_one, cast, "长.txt", "一二三四".encode()).error_code == core_codes.UPLOAD_TOO_LARGE
    assert nothing_written()


# --- a zip: the whole-archive checks --------------------------------------------------------------


def create_batch(cast, content: bytes, name: str = "制度.zip", **kwargs) -> ImportBatch:
    kwargs.setdefault("actor", cast.hq_admin)
    kwargs.setdefault("org_unit", cast.hq)
    kwargs.setdefault("kind", REGULATION)
    return importing.import_batch_create(upload=upload(name, content), **kwargs)


def run_batch(cast, files: dict[str, bytes], **kwargs) -> ImportBatch:
    batch = create_batch(cast, samples.zip_bytes(files), **kwargs)
    importing.import_batch_run(batch_id=batch.pk)
    batch.refresh_from_db()
    return batch


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (samples.zip_bytes({"../evil.txt": b"x"}), zip_checks.ZIP_UNSAFE_PATH),
        (samples.zip_bytes({"ok.txt": "正文".encode(), "a/../../evil.txt": b"x"}), zip_checks.ZIP_UNSAFE_PATH),
        (samples.zip_bytes({"/etc/cron.d/evil.txt": b"x"}), zip_checks.ZIP_UNSAFE_PATH),
        (samples.zip_bytes({"C:/Windows/evil.txt": b"x"}), zip_checks.ZIP_UNSAFE_PATH),
        (samples.zip_bytes({"..\\evil.txt": b"x"}), zip_checks.ZIP_UNSAFE_PATH),
        (samples.symlink_zip_bytes(), zip_checks.ZIP_SYMLINK),
        (samples.duplicate_zip_bytes("制度/a.txt"), zip_checks.ZIP_DUPLICATE_NAME),
        (samples.zip_bytes({"bomb.txt": b"0" * (5 * 1024 * 1024)}), zip_checks.ZIP_BOMB),
        (samples.zip_bytes({"空目录/": b"", "__MACOSX/._a.txt": b"x", ".DS_Store": b"x"}), zip_checks.ZIP_EMPTY),
        (b"PK\x03\x04" + b"\x00" * 100, zip_checks.NOT_ZIP),
        ("不是压缩包".encode(), core_codes.UPLOAD_TYPE_REFUSED),
        (samples.docx_bytes(), core_codes.UPLOAD_TYPE_REFUSED),
        (b"", core_codes.UPLOAD_EMPTY),
    ],
)
def test_an_unsafe_or_unusable_zip_is_refused_whole_and_nothing_is_stored(cast, content, code):
    assert refused(create_batch, cast, content).error_code == code
    assert nothing_written()


def test_zip_limits_on_files_unpacked_size_and_upload_size(cast, monkeypatch):
    content = samples.zip_bytes({f"{n}.txt": f"第{n}份".encode() for n in range(3)})
    monkeypatch.setattr(zip_checks, "MAX_FILES", 2)
    assert refused(create_batch, cast, content).error_code == zip_checks.ZIP_TOO_MANY_FILES
    monkeypatch.setattr(zip_checks, "MAX_FILES", 3)
    monkeypatch.setattr(zip_checks, "MAX_UNPACKED_BYTES", 10)
    assert refused(create_batch, cast, content).error_code == zip_checks.ZIP_TOO_LARGE
    monkeypatch.setattr(zip_checks, "MAX_UNPACKED_BYTES", 10_000)
    monkeypatch.setattr(importing, "MAX_ZIP_BYTES", 50)
    assert refused(create_batch, cast, content).error_code == core_codes.UPLOAD_TOO_LARGE
    assert nothing_written()
    monkeypatch.setattr(importing, "MAX_ZIP_BYTES", 10_000)
    assert create_batch(cast, content).total_files == 3


def test_a_batch_needs_the_same_rights_as_one_file(cast):
    content = samples.zip_bytes({"a.txt": "正文".encode()})
    error = refused(create_batch, cast, content, actor=cast.officer_a, org_unit=cast.branch_a)
    assert (error.error_code, error.status_code) == (importing.PERMISSION_DENIED, 403)
    assert refused(create_batch, cast, content, kind=Document.Kind.FAQ).error_code == importing.KIND_REFUSED
    error = refused(create_batch, cast, content, actor=grant_add(cast.officer_b), org_unit=cast.branch_a)
    assert error.error_code == importing.UNIT_REFUSED
    assert nothing_written()


def test_a_good_zip_is_stored_queued_with_its_file_count(cast):
    content = samples.zip_bytes({"制度/a.txt": "甲".encode(), "制度/b.md": "乙".encode(), "制度/": b""})
    batch = create_batch(cast, content)
    assert (batch.status, batch.total_files, batch.processed_files, batch.file_name) == (B.QUEUED, 2, 0, "制度.zip")
    stored = importing.source_of(batch)
    assert (stored.kind, stored.size, stored.org_unit) == ("zip", len(content), cast.hq)
    assert Document.objects.count() == 0  # the worker imports


# --- a zip: the worker ----------------------------------------------------------------------------


def test_the_worker_imports_good_files_and_reports_each_bad_one_with_its_code(cast):
    category = Category.objects.create(name="投诉处理")
    batch = run_batch(
        cast,
        {
            "制度/投诉管理办法.docx": samples.docx_bytes(heading="投诉管理办法"),
            "制度/时限.pdf": samples.pdf_bytes(),
            "说明.md": "# 退保须知\n犹豫期内退保".encode(),
            "表格.xlsx": b"whatever",
            "内层.zip": samples.zip_bytes({"a.txt": b"x"}),
            "扫描件.pdf": samples.blank_pdf_bytes(),
            "__MACOSX/._说明.md": b"junk",
        },
        org_unit=cast.branch_a,
        category=category,
    )
    assert batch.status == B.DONE, batch.message
    assert (batch.total_files, batch.processed_files, batch.imported, batch.failed) == (6, 6, 3, 3)
    assert batch.percent == 100 and batch.finished_at is not None
    by_name = {row["name"]: row for row in batch.report}
    assert [row["name"] for row in batch.report][:3] == ["制度/投诉管理办法.docx", "制度/时限.pdf", "说明.md"]
    assert {n: r["code"] for n, r in by_name.items() if not r["ok"]} == {
        "表格.xlsx": extract.UNSUPPORTED_TYPE,
        "内层.zip": importing.ZIP_NESTED,
        "扫描件.pdf": extract.NO_TEXT,
    }
    assert all(by_name[n]["error"] for n in ("表格.xlsx", "内层.zip", "扫描件.pdf"))
    documents = Document.objects.order_by("pk")
    assert [d.title for d in documents] == ["投诉管理办法", "时限", "退保须知"]
    assert {(d.org_unit, d.category, d.kind) for d in documents} == {(cast.branch_a, category, REGULATION)}
    assert by_name["制度/时限.pdf"]["document_id"] == documents[1].pk
    for document in documents:
        assert importing.source_of(document.current_version).org_unit == cast.branch_a
    assert AuditEntry.objects.filter(action="knowledge.import_done", object_id=str(batch.pk)).exists()


def test_a_batch_without_publish_imports_drafts(cast):
    batch = run_batch(cast, {"a.txt": "甲".encode()}, publish=False)
    assert batch.imported == 1
    assert Document.objects.get().current_version is None


def test_gbk_file_names_from_chinese_windows_zips_are_read(cast):
    batch = create_batch(cast, samples.gbk_named_zip_bytes({"制度/投诉处理办法.txt": "正文".encode()}))
    importing.import_batch_run(batch_id=batch.pk)
    batch.refresh_from_db()
    assert batch.report[0]["name"] == "制度/投诉处理办法.txt"
    assert Document.objects.get().title == "投诉处理办法"


def test_control_characters_in_zip_paths_are_dropped(cast):
    batch = run_batch(cast, {"制度\x01/投诉\x1f办法.txt": "正文".encode()})
    assert batch.report[0]["name"] == "制度/投诉办法.txt"
    assert Document.objects.get().current_version.source_name == "投诉办法.txt"


def test_a_file_over_the_single_file_limit_inside_the_zip_is_reported(cast, settings):
    settings.UPLOAD_MAX_BYTES = 20
    batch = run_batch(cast, {"长.txt": "长" * 100, "短.txt": "短".encode()})
    assert {r["name"]: r["code"] for r in batch.report} == {"长.txt": core_codes.UPLOAD_TOO_LARGE, "短.txt": ""}
    assert batch.imported == 1


def understated(content: bytes, name: str, declared: int) -> bytes:
    """The zip with `name`'s uncompressed size rewritten to `declared` in both headers (a lying archive)."""
    import struct

    raw = bytearray(content)
    encoded = name.encode()
    # (signature, offset of the uncompressed size, of the name length, of the name) in each header
    for signature, size_at, length_at, name_at in ((b"PK\x03\x04", 22, 26, 30), (b"PK\x01\x02", 24, 28, 46)):
        at = raw.find(signature)
        while at != -1:
            length = struct.unpack_from("<H", raw, at + length_at)[0]
            if bytes(raw[at + name_at : at + name_at + length]) == encoded:
                struct.pack_into("<I", raw, at + size_at, declared)
            at = raw.find(signature, at + 4)
    return bytes(raw)


def test_an_entry_whose_header_understates_its_size_is_not_inflated_beyond_it(cast):
    content = understated(samples.zip_bytes({"a.txt": "甲" * 3000, "b.txt": "乙".encode()}), "a.txt", 10)
    batch = create_batch(cast, content)
    importing.import_batch_run(batch_id=batch.pk)
    batch.refresh_from_db()
    assert [(r["name"], r["code"]) for r in batch.report] == [("a.txt", extract.UNREADABLE), ("b.txt", "")]


def test_the_counters_move_as_each_file_commits(cast, monkeypatch):
    seen = []
    original = importing._import_file

    def spy(**kwargs):
        fresh = ImportBatch.objects.get()
        seen.append((fresh.status, fresh.processed_files))
        return original(**kwargs)

    monkeypatch.setattr(importing, "_import_file", spy)
    run_batch(cast, {f"{n}.txt": f"第{n}份".encode() for n in range(3)})
    assert seen == [(B.RUNNING, 0), (B.RUNNING, 1), (B.RUNNING, 2)]


def test_an_unexpected_error_on_one_file_is_reported_and_the_others_imported(cast, monkeypatch):
    original = extract.extract

    def flaky(name, data):
        if name.startswith("坏"):
            raise RuntimeError("boom")
        return original(name, data)

    monkeypatch.setattr(extract, "extract", flaky)
    batch = run_batch(cast, {"坏.txt": "甲".encode(), "好.txt": "乙".encode()})
    assert batch.status == B.DONE
    assert [(r["name"], r["ok"], r["code"]) for r in batch.report] == [
        ("坏.txt", False, importing.IMPORT_FAILED),
        ("好.txt", True, ""),
    ]
    assert Document.objects.get().title == "好"


def test_a_refused_file_leaves_no_document_behind(cast, monkeypatch):
    """The savepoint: document_create ran, storing the original then failed — nothing of that file stays."""

    def broken_attach(*args, **kwargs):
        raise BusinessRuleError("knowledge.test", "stored nothing")

    batch = create_batch(cast, samples.zip_bytes({"a.txt": "甲".encode()}))
    monkeypatch.setattr(importing, "_attach", broken_attach)
    importing.import_batch_run(batch_id=batch.pk)
    batch.refresh_from_db()
    assert (batch.imported, batch.failed, batch.report[0]["code"]) == (0, 1, "knowledge.test")
    assert Document.objects.count() == 0 and DocumentVersion.objects.count() == 0


def test_running_a_batch_twice_imports_each_file_once(cast):
    batch = run_batch(cast, {"a.txt": "甲".encode(), "b.txt": "乙".encode()})
    assert importing.import_batch_run(batch_id=batch.pk).status == B.DONE  # claimed already: untouched
    # put back in the queue (as after a lost worker): the report's files are skipped, nothing is imported twice
    ImportBatch.objects.filter(pk=batch.pk).update(status=B.QUEUED)
    importing.import_batch_run(batch_id=batch.pk)
    batch.refresh_from_db()
    assert (batch.status, batch.imported, len(batch.report)) == (B.DONE, 2, 2)
    assert Document.objects.count() == 2


def test_a_resumed_batch_imports_only_the_files_not_yet_reported(cast):
    batch = create_batch(cast, samples.zip_bytes({"a.txt": "甲".encode(), "b.txt": "乙".encode()}))
    done = {"name": "a.txt", "ok": True, "document_id": None, "title": "a", "error": "", "code": ""}
    ImportBatch.objects.filter(pk=batch.pk).update(report=[done], processed_files=1, imported=1)
    importing.import_batch_run(batch_id=batch.pk)
    batch.refresh_from_db()
    assert [r["name"] for r in batch.report] == ["a.txt", "b.txt"]
    assert (batch.processed_files, batch.imported) == (2, 2)
    assert list(Document.objects.values_list("title", flat=True)) == ["b"]


def test_the_celery_task_runs_a_batch_once_even_if_delivered_twice(cast):
    batch = create_batch(cast, samples.zip_bytes({"a.txt": "甲".encode()}))
    assert tasks.run_import(batch.pk) == B.DONE
    assert tasks.run_import(batch.pk) == B.DONE
    assert Document.objects.count() == 1


def test_a_batch_whose_zip_is_gone_is_rejected(cast):
    batch = create_batch(cast, samples.zip_bytes({"a.txt": "甲".encode()}))
    Attachment.objects.all().delete()
    importing.import_batch_run(batch_id=batch.pk)
    batch.refresh_from_db()
    assert batch.status == B.REJECTED and batch.message
    assert Document.objects.count() == 0


def test_a_batch_whose_uploader_lost_the_right_to_import_is_rejected(cast):
    officer = grant_add(cast.officer_a)
    batch = create_batch(cast, samples.zip_bytes({"a.txt": "甲".encode()}), actor=officer, org_unit=cast.branch_a)
    officer.user_permissions.clear()
    importing.import_batch_run(batch_id=batch.pk)
    batch.refresh_from_db()
    assert (batch.status, batch.imported) == (B.REJECTED, 0)
    assert batch.message
    assert Document.objects.count() == 0


def test_an_unexpected_error_fails_the_batch_keeping_what_was_imported(cast, monkeypatch):
    batch = create_batch(cast, samples.zip_bytes({"a.txt": "甲".encode()}))
    monkeypatch.setattr(importing, "_finish", lambda *a, **k: 1 / 0)
    importing.import_batch_run(batch_id=batch.pk)
    batch.refresh_from_db()
    assert (batch.status, batch.imported) == (B.FAILED, 1)
    assert batch.message and batch.finished_at is not None


def test_the_sweep_runs_a_lost_batch_resumes_a_dead_one_and_fails_one_that_keeps_dying(cast):
    lost = create_batch(cast, samples.zip_bytes({"a.txt": "甲".encode()}))
    fresh = create_batch(cast, samples.zip_bytes({"b.txt": "乙".encode()}))
    dead = create_batch(cast, samples.zip_bytes({"c.txt": "丙".encode(), "d.txt": "丁".encode()}))
    dying = create_batch(cast, samples.zip_bytes({"e.txt": "戊".encode()}))
    now = timezone.now()
    ImportBatch.objects.filter(pk=lost.pk).update(created_at=now - timedelta(minutes=5))
    # the worker died after c.txt; its last heartbeat is over the limit ago
    c_done = {"name": "c.txt", "ok": True, "document_id": None, "title": "c", "error": "", "code": ""}
    ImportBatch.objects.filter(pk=dead.pk).update(
        status=B.RUNNING, attempts=1, heartbeat_at=now - timedelta(minutes=4), report=[c_done], processed_files=1
    )
    ImportBatch.objects.filter(pk=dying.pk).update(
        status=B.RUNNING, attempts=importing.MAX_ATTEMPTS, heartbeat_at=now - timedelta(minutes=4)
    )
    assert importing.import_batches_sweep(now=now) == {"ran": 2, "retried": 1, "failed": 1}
    statuses = dict(ImportBatch.objects.values_list("pk", "status"))
    assert statuses == {lost.pk: B.DONE, fresh.pk: B.QUEUED, dead.pk: B.DONE, dying.pk: B.FAILED}
    dead.refresh_from_db()
    assert [r["name"] for r in dead.report] == ["c.txt", "d.txt"] and dead.attempts == 2
    assert ImportBatch.objects.get(pk=dying.pk).message
    assert tasks.sweep_imports() == {"ran": 0, "retried": 0, "failed": 0}


def test_a_running_batch_with_a_recent_heartbeat_is_left_alone(cast):
    running = create_batch(cast, samples.zip_bytes({"a.txt": "甲".encode()}))
    ImportBatch.objects.filter(pk=running.pk).update(
        status=B.RUNNING, attempts=1, heartbeat_at=timezone.now() - timedelta(minutes=1)
    )
    assert importing.import_batches_sweep() == {"ran": 0, "retried": 0, "failed": 0}


def test_batches_are_seen_within_scope_only(cast):
    in_a = create_batch(cast, samples.zip_bytes({"a.txt": "甲".encode()}), org_unit=cast.branch_a)
    in_b = create_batch(cast, samples.zip_bytes({"b.txt": "乙".encode()}), org_unit=cast.branch_b)
    assert set(importing.import_batches_for(cast.hq_admin)) == {in_a, in_b}
    assert set(importing.import_batches_for(cast.manager)) == {in_a, in_b}
    assert list(importing.import_batches_for(cast.officer_a)) == [in_a]
    assert list(importing.import_batches_for(cast.outsider)) == []
    with pytest.raises(Exception) as caught:
        importing.get_import_batch_for_user(cast.officer_b, in_a.pk)
    assert caught.type.__name__ == "Http404"
