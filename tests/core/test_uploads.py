"""Uploads are judged by their bytes: the allowlist, size limits, and all-or-nothing attachment."""

from __future__ import annotations

import io
import os
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from xiaobao.core import error_codes as codes
from xiaobao.core import services
from xiaobao.core.api_errors import BusinessRuleError
from xiaobao.core.models import Attachment, AuditEntry
from xiaobao.core.uploads import SNIFF_BYTES, check_upload, sniff

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64


def docx_bytes() -> bytes:
    from docx import Document

    buffer = io.BytesIO()
    document = Document()
    document.add_paragraph("整改报告：已完成销售人员培训。")
    document.save(buffer)
    return buffer.getvalue()


def xlsx_bytes() -> bytes:
    from openpyxl import Workbook

    buffer = io.BytesIO()
    Workbook().save(buffer)
    return buffer.getvalue()


def plain_zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        (PDF, "pdf"),
        (PNG, "png"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 20, "jpeg"),
        (b"GIF89a" + b"\x00" * 10, "gif"),
        (b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 20, "mp4"),
        ("自查报告：无异常。\n".encode(), "text"),
        ("自查报告：无异常。\n".encode("gb18030"), "text"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 32, "ole"),
    ],
)
def test_known_kinds_are_recognised_by_their_bytes(content, kind):
    assert sniff(content) == kind


def test_office_files_are_told_apart_from_any_zip():
    assert sniff(docx_bytes()) == "docx"
    assert sniff(xlsx_bytes()) == "xlsx"
    assert sniff(plain_zip({"a.txt": b"x"})) == "zip"


def test_a_zip_bomb_named_docx_is_not_a_document():
    bomb = plain_zip({"[Content_Types].xml": b"<x/>", "word/document.xml": b"0" * 5_000_000})
    assert sniff(bomb) is None


def test_a_bomb_member_padded_with_incompressible_bytes_is_still_a_bomb():
    # over the whole archive this inflates under twofold; the one member inflates about a thousandfold
    padding = os.urandom(12_000_000)
    bomb = plain_zip(
        {"[Content_Types].xml": b"<x/>", "word/document.xml": b"0" * 10_000_000, "word/media/image1.png": padding}
    )
    assert sniff(bomb) is None
    assert sniff(plain_zip({"readme.txt": b"0" * 10_000_000, "noise.bin": padding})) is None


def test_a_small_member_that_compresses_well_is_no_bomb():
    # a short repetitive XML part inflates far past the ratio, but is small: real documents have them
    assert sniff(plain_zip({"[Content_Types].xml": b"<x/>", "word/styles.xml": b"<w:style/>" * 50_000})) == "docx"


def test_an_office_file_unpacking_past_the_cap_is_not_a_document(monkeypatch):
    from xiaobao.core import uploads

    monkeypatch.setattr(uploads, "MAX_OFFICE_UNPACKED_BYTES", 1_000_000)
    big = plain_zip({"[Content_Types].xml": b"<x/>", "word/document.xml": os.urandom(1_200_000)})
    assert sniff(big) is None


def test_a_program_named_pdf_is_refused(db):
    with pytest.raises(BusinessRuleError) as refused:
        check_upload(upload("整改报告.pdf", EXE))
    assert refused.value.error_code == codes.UPLOAD_TYPE_REFUSED
    assert "整改报告.pdf" in str(refused.value.detail)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("整改报告.pdf", "<html><body>不是PDF</body></html>".encode()),
        ("整改报告.pdf", "纯文本冒充PDF".encode()),
        ("照片.png", PDF),
        ("报告.docx", PDF),
    ],
)
def test_a_file_whose_bytes_belie_its_binary_extension_is_refused(db, name, content):
    with pytest.raises(BusinessRuleError) as refused:
        check_upload(upload(name, content))
    assert refused.value.error_code == codes.UPLOAD_TYPE_REFUSED


@pytest.mark.parametrize(
    "content",
    [b"<!DOCTYPE html><script>alert(1)</script>", b"\xef\xbb\xbf <svg onload=alert(1)>", b"<script>x</script>"],
)
def test_active_markup_is_refused_even_named_txt(db, content):
    with pytest.raises(BusinessRuleError) as refused:
        check_upload(upload("说明.txt", content))
    assert refused.value.error_code == codes.UPLOAD_TYPE_REFUSED


def test_a_pdf_named_txt_is_taken_for_what_it_is(db):
    assert check_upload(upload("notes.txt", PDF)).kind.code == "pdf"


def test_an_empty_file_is_refused():
    with pytest.raises(BusinessRuleError) as refused:
        check_upload(upload("empty.pdf", b""))
    assert refused.value.error_code == codes.UPLOAD_EMPTY


@override_settings(UPLOAD_MAX_BYTES=1024)
def test_a_file_over_the_configured_limit_is_refused():
    with pytest.raises(BusinessRuleError) as refused:
        check_upload(upload("big.pdf", PDF + b"0" * 2048))
    assert refused.value.error_code == codes.UPLOAD_TOO_LARGE


def test_a_zip_is_refused_where_only_evidence_is_allowed():
    with pytest.raises(BusinessRuleError) as refused:
        check_upload(upload("材料.zip", plain_zip({"a.txt": b"x"})))
    assert refused.value.error_code == codes.UPLOAD_TYPE_REFUSED


def test_attachments_are_stored_with_detected_type_hash_and_audit(cast, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    rows = services.attachments_add(
        owner=cast.officer_a, files=[upload("报告.docx", docx_bytes()), upload("照片.png", PNG)], actor=cast.officer_a
    )
    assert [(r.name, r.kind, r.org_unit_id) for r in rows] == [
        ("报告.docx", "docx", cast.branch_a.pk),
        ("照片.png", "png", cast.branch_a.pk),
    ]
    assert rows[1].file.read() == PNG
    assert "照片" not in rows[1].file.name and rows[1].file.name.endswith(".png")  # our name, not theirs
    assert AuditEntry.objects.filter(action="attachment.add").count() == 2


def test_one_bad_file_stores_none_of_them(cast, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with pytest.raises(BusinessRuleError):
        services.attachments_add(
            owner=cast.officer_a, files=[upload("a.pdf", PDF), upload("b.pdf", EXE)], actor=cast.officer_a
        )
    assert not Attachment.objects.exists()
    assert not list(tmp_path.rglob("*.pdf"))


def test_too_many_files_are_refused(cast):
    with pytest.raises(BusinessRuleError) as refused:
        services.attachments_add(owner=cast.officer_a, files=[upload("a.pdf", PDF)] * 3, actor=None, max_files=2)
    assert refused.value.error_code == codes.UPLOAD_TOO_MANY


def test_uploaded_names_cannot_climb_out(db):
    assert check_upload(upload("../../etc/passwd.txt", b"x")).name == "passwd.txt"


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
@pytest.mark.parametrize("shift", range(4))
def test_long_chinese_text_is_text_wherever_the_sniffing_window_ends(encoding, shift):
    # the window ends inside a multi-byte character for some shifts, on a boundary for others
    text = "a" * shift + "保险法第十六条订立保险合同，保险人就保险标的或者被保险人的有关情况提出询问的。" * 400
    data = text.encode(encoding)
    assert len(data) > SNIFF_BYTES
    assert sniff(data) == "text"


def test_broken_bytes_before_the_window_end_are_still_not_text():
    data = ("投诉" * 100).encode("utf-8") + b"\xff\xfe\xfa\xfb" * 3000
    assert sniff(data) is None


def test_a_text_attachment_over_the_window_is_accepted(db):
    content = ("消费者权益保护法第二十四条。" * 1000).encode("utf-8")
    assert len(content) > SNIFF_BYTES
    checked = check_upload(SimpleUploadedFile("law.txt", content))
    assert checked.kind.code == "text"
