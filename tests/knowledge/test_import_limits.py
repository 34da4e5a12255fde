"""Hostile and heavy files against the knowledge import: oversized, a bomb padded to look harmless, files built
to be slow to parse (refused while being read, before anything is built), and other users' writes going
through while a file is being read (the reading happens outside any transaction)."""

from __future__ import annotations

import io
import os
import threading
import zipfile

import pytest
from django.db import connection
from django.test import override_settings

from tests.knowledge.files import samples
from tests.knowledge.test_importing import create_batch, import_one, nothing_written, refused
from xiaobao.core import audit
from xiaobao.core import error_codes as core_codes
from xiaobao.core.models import User
from xiaobao.knowledge import extract, importing
from xiaobao.knowledge.models import Document, ImportBatch

W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def repack(docx: bytes, replace: dict[str, bytes]) -> bytes:
    """The same Word package with some parts replaced or added."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(docx)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename not in replace:
                target.writestr(info, source.read(info))
        for name, data in replace.items():
            target.writestr(name, data)
    return out.getvalue()


def body(paragraphs: str) -> bytes:
    return f'<?xml version="1.0" encoding="UTF-8"?><w:document {W}><w:body>{paragraphs}</w:body></w:document>'.encode()


def word_python_docx_must_not_open(monkeypatch):
    import docx

    def never(*args, **kwargs):
        raise AssertionError("python-docx was asked to build a file the limits should have refused")

    monkeypatch.setattr(docx, "Document", never)


# --- oversized ---------------------------------------------------------------------------------------------


@override_settings(UPLOAD_MAX_BYTES=50_000)
def test_an_oversized_word_file_is_refused_and_nothing_written(cast):
    big = repack(samples.docx_bytes(), {"word/media/image1.png": os.urandom(60_000)})
    assert refused(import_one, cast, "大.docx", big).error_code == core_codes.UPLOAD_TOO_LARGE
    assert nothing_written()


def test_a_text_file_too_long_is_refused_before_it_is_decoded(cast, monkeypatch):
    monkeypatch.setattr(extract, "MAX_TEXT_CHARS", 1000)
    assert refused(import_one, cast, "长.txt", "字".encode() * 2000).error_code == extract.TEXT_TOO_LONG
    assert nothing_written()


# --- padded bombs ------------------------------------------------------------------------------------------


def test_a_bomb_part_padded_with_incompressible_media_is_refused(cast):
    padded = repack(
        samples.docx_bytes(),
        {"word/media/image1.png": os.urandom(8_000_000), "customXml/item1.xml": b"<a>" + b" " * 10_000_000 + b"</a>"},
    )
    assert refused(import_one, cast, "制度.docx", padded).error_code == core_codes.UPLOAD_TYPE_REFUSED
    assert nothing_written()


def test_a_padded_bomb_inside_a_zipped_folder_is_refused_file_by_file(cast):
    padded = repack(samples.docx_bytes(), {"word/media/a.png": os.urandom(3_000_000), "word/b.xml": b"0" * 8_000_000})
    batch = create_batch(cast, samples.zip_bytes({"好.txt": "正文".encode(), "炸弹.docx": padded}))
    importing.import_batch_run(batch_id=batch.pk)
    batch.refresh_from_db()
    report = {row["name"]: row for row in batch.report}
    assert report["好.txt"]["ok"] is True
    assert report["炸弹.docx"]["ok"] is False and report["炸弹.docx"]["code"] == core_codes.UPLOAD_TYPE_REFUSED
    assert Document.objects.count() == 1


# --- slow to parse: refused while being read ------------------------------------------------------------------


def test_millions_of_empty_paragraphs_are_refused_at_the_paragraph_cap(cast, monkeypatch):
    monkeypatch.setattr(extract, "MAX_DOCX_PARAGRAPHS", 1000)
    crafted = repack(samples.docx_bytes(), {"word/document.xml": body("<w:p/>" * 5000)})
    word_python_docx_must_not_open(monkeypatch)
    problem = refused(import_one, cast, "空段落.docx", crafted)
    assert problem.error_code == extract.TEXT_TOO_LONG and "1000" in str(problem.detail)
    assert nothing_written()


def test_text_past_the_character_cap_is_refused_while_the_body_streams(cast, monkeypatch):
    monkeypatch.setattr(extract, "MAX_TEXT_CHARS", 500)
    crafted = repack(
        samples.docx_bytes(), {"word/document.xml": body("<w:p><w:r><w:t>字字字字字</w:t></w:r></w:p>" * 200)}
    )
    word_python_docx_must_not_open(monkeypatch)
    assert refused(import_one, cast, "长.docx", crafted).error_code == extract.TEXT_TOO_LONG


def test_a_body_too_large_unpacked_is_refused_before_parsing(cast, monkeypatch):
    monkeypatch.setattr(extract, "MAX_DOCX_BODY_XML_BYTES", 10_000)
    crafted = repack(samples.docx_bytes(), {"word/document.xml": body("<w:p/>" * 3000)})
    word_python_docx_must_not_open(monkeypatch)
    assert refused(import_one, cast, "大正文.docx", crafted).error_code == extract.TEXT_TOO_LONG


def test_a_word_file_with_a_dtd_is_refused_as_unreadable(cast):
    crafted = repack(
        samples.docx_bytes(),
        {"word/document.xml": b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaa">]>' + body("<w:p/>")[38:]},
    )
    assert refused(import_one, cast, "实体.docx", crafted).error_code == extract.UNREADABLE


def test_a_normal_word_file_still_imports_with_its_heading_and_table(cast):
    content = samples.docx_bytes(["第一条 正文。"], heading="管理办法", table=[["项目", "时限"], ["投诉", "15日"]])
    document = import_one(cast, "办法.docx", content)
    assert document.title == "管理办法"
    assert "项目 | 时限" in document.current_version.body


# --- other users' writes while a file is read -----------------------------------------------------------------


def _writer_meanwhile(cast, results: list):
    def write():
        try:
            audit.record(actor=cast.officer_b, action="test.meanwhile", obj=cast.officer_b)
            User.objects.filter(pk=cast.officer_b.pk).update(first_name="meanwhile")
            results.append(True)
        except Exception as problem:  # kept, so the assertion shows it
            results.append(problem)
        finally:
            connection.close()

    writer = threading.Thread(target=write)
    writer.start()
    writer.join(timeout=30)  # a guard against hanging, not a timing assertion


@pytest.mark.django_db(transaction=True)
def test_other_users_write_while_a_single_file_is_being_read(cast, monkeypatch):
    """The extraction runs outside any transaction: a write on another connection, made while the file is
    being read, goes through (under a write transaction it would wait, or on SQLite fail as locked)."""
    results: list = []
    real = extract.extract

    def slow_read(name, data):
        _writer_meanwhile(cast, results)
        return real(name, data)

    monkeypatch.setattr(extract, "extract", slow_read)
    document = import_one(cast, "制度.docx", samples.docx_bytes(["第一条 正文。"]))
    assert results == [True]
    assert Document.objects.filter(pk=document.pk).exists()
    assert User.objects.get(pk=cast.officer_b.pk).first_name == "meanwhile"


@pytest.mark.django_db(transaction=True)
def test_other_users_write_while_a_batch_reads_its_next_file(cast, monkeypatch):
    results: list = []
    real = importing._read_member

    def slow_read(archive, entry):
        if entry.name == "b.txt":
            _writer_meanwhile(cast, results)
        return real(archive, entry)

    monkeypatch.setattr(importing, "_read_member", slow_read)
    batch = create_batch(cast, samples.zip_bytes({"a.txt": "甲".encode(), "b.txt": "乙".encode()}))
    importing.import_batch_run(batch_id=batch.pk)
    batch.refresh_from_db()
    assert results == [True]
    assert (batch.status, batch.imported) == (ImportBatch.Status.DONE, 2)
