"""Long file names are shortened keeping their extension; refusals name the request field the file came in."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.core.test_uploads import PDF, docx_bytes
from xiaobao.core import error_codes as codes
from xiaobao.core import services
from xiaobao.core.api_errors import BusinessRuleError
from xiaobao.core.uploads import MAX_FILE_NAME, check_upload, fit_file_name


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def test_a_name_over_the_limit_keeps_its_extension():
    name = "关于" + "消费者权益保护" * 40 + ".docx"
    fitted = fit_file_name(name)
    assert len(fitted) == MAX_FILE_NAME
    assert fitted.endswith(".docx")
    assert fitted.startswith("关于消费者权益保护")


def test_a_short_name_is_kept_as_it_is():
    assert fit_file_name("整改报告.pdf") == "整改报告.pdf"
    assert fit_file_name("C:\\Users\\张三\\报告.pdf") == "报告.pdf"


def test_a_dot_in_a_long_sentence_is_not_taken_for_an_extension():
    name = "第一部分." + "说明文字" * 80
    assert fit_file_name(name) == name[:MAX_FILE_NAME]


def test_a_long_named_pdf_passes_the_extension_check_and_is_stored_with_it(cast, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    long_name = "x" * 250 + ".pdf"
    assert check_upload(upload(long_name, PDF)).name.endswith(".pdf")
    [row] = services.attachments_add(owner=cast.officer_a, files=[upload(long_name, PDF)], actor=cast.officer_a)
    assert len(row.name) == MAX_FILE_NAME and row.name.endswith(".pdf")
    assert row.file.name.endswith(".pdf")


def test_a_long_named_docx_is_still_a_docx(db):
    assert check_upload(upload("报" * 300 + ".docx", docx_bytes())).kind.code == "docx"


@pytest.mark.parametrize(("field", "expected"), [({}, "files"), ({"field": "file"}, "file")])
def test_refusals_name_the_field_the_file_came_in(field, expected):
    with pytest.raises(BusinessRuleError) as refused:
        check_upload(upload("empty.pdf", b""), **field)
    assert refused.value.error_code == codes.UPLOAD_EMPTY
    assert refused.value.fields == {expected: [codes.UPLOAD_EMPTY]}
