"""批量导入 under hostile files: oversized and padded-bomb workbooks refused at upload; endless lines, an endless
row and a shared-string table far larger than any import needs refused while streamed, before openpyxl loads
them; and another user's write going through while the worker reads a workbook (outside any transaction)."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.test import override_settings

from tests.complaints.test_import import HEADERS, row, upload, xlsx
from tests.helpers_uploads import padded_bomb, sheet_with_lines, write_meanwhile
from xiaobao.complaints import import_sheet, imports
from xiaobao.complaints.models import Complaint, ImportJob
from xiaobao.core import error_codes as core_codes
from xiaobao.core.api_errors import BusinessRuleError
from xiaobao.core.models import User

J = ImportJob.Status


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def refused_at_upload(user, content: bytes) -> str:
    with pytest.raises(BusinessRuleError) as caught:
        imports.import_job_create(actor=user, upload=upload(content))
    assert not ImportJob.objects.exists()
    return caught.value.error_code


def rejected_when_read(user, content: bytes) -> ImportJob:
    job = imports.import_job_create(actor=user, upload=upload(content))
    imports.import_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == J.REJECTED
    assert not Complaint.with_staged.exists()
    return job


@override_settings(UPLOAD_MAX_BYTES=4_000)
def test_an_oversized_workbook_is_refused_at_upload(cast):
    big = xlsx([row(i, 投诉内容="内容" * 200) for i in range(40)])
    assert refused_at_upload(cast.officer_a, big) == core_codes.UPLOAD_TOO_LARGE


def test_a_padded_bomb_is_refused_at_upload(cast):
    assert refused_at_upload(cast.officer_a, padded_bomb(xlsx([row(0)]))) == core_codes.UPLOAD_TYPE_REFUSED


def test_endless_blank_looking_lines_are_refused_while_read(cast, monkeypatch):
    monkeypatch.setattr(imports, "MAX_ROWS", 3)  # at most 30 lines are walked
    job = rejected_when_read(cast.officer_a, sheet_with_lines(HEADERS, 200, title=imports.SHEET_NAME))
    assert "3" in job.message


def test_an_endless_row_is_refused_before_it_is_loaded(cast, monkeypatch):
    monkeypatch.setattr(import_sheet, "MAX_ROW_CELLS", 60)
    loaded = []
    monkeypatch.setattr("openpyxl.load_workbook", lambda *a, **k: loaded.append(1))
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(HEADERS)
    book.active.append([f"值{n}" for n in range(100)])  # one row, wider than any spreadsheet writes
    out = io.BytesIO()
    book.save(out)
    rejected_when_read(cast.officer_a, out.getvalue())
    assert loaded == []  # refused by the streaming walk, not after openpyxl read the row


def with_huge_string_table(workbook: bytes, extra: int) -> bytes:
    """The workbook with a shared-string table of `extra` entries, declared so any reader finds it: nothing in
    the sheet uses them, but a reader that loads the table at open reads every one."""
    strings = "".join(f"<si><t>无用{n}</t></si>" for n in range(extra))
    table = (
        '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        f'count="{extra}" uniqueCount="{extra}">{strings}</sst>'
    ).encode()
    declared = (
        b'<Override PartName="/xl/sharedStrings.xml" '
        b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
    )
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(workbook)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "[Content_Types].xml":
                data = data.replace(b"</Types>", declared)
            target.writestr(info, data)
        target.writestr("xl/sharedStrings.xml", table)
    return out.getvalue()


def test_a_shared_string_table_far_larger_than_any_import_is_refused_while_streamed(cast, monkeypatch):
    monkeypatch.setattr(imports, "MAX_ROWS", 3)
    loaded = []
    monkeypatch.setattr("openpyxl.load_workbook", lambda *a, **k: loaded.append(1))
    rejected_when_read(cast.officer_a, with_huge_string_table(xlsx([row(0)]), extra=2_000))
    assert loaded == []


def test_a_workbook_within_the_caps_still_imports(cast, monkeypatch):
    monkeypatch.setattr(imports, "MAX_ROWS", 3)
    content = with_huge_string_table(xlsx([row(i) for i in range(3)]), extra=20)  # a table of a normal size
    job = imports.import_job_create(actor=cast.officer_a, upload=upload(content))
    imports.import_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.imported) == (J.DONE, 3)


@pytest.mark.django_db(transaction=True)
def test_another_users_write_goes_through_while_the_workbook_is_read(cast, monkeypatch):
    results: list = []
    real = imports.read_sheet

    def slow_read(content, **kwargs):
        write_meanwhile(cast.officer_b, results)  # on its own connection, while the worker reads
        return real(content, **kwargs)

    monkeypatch.setattr(imports, "read_sheet", slow_read)
    job = imports.import_job_create(actor=cast.officer_a, upload=upload(xlsx([row(0), row(1)])))
    imports.import_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert results == [True]
    assert (job.status, job.imported) == (J.DONE, 2)
    assert User.objects.get(pk=cast.officer_b.pk).first_name == "meanwhile"
