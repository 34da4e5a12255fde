"""Text extraction from .docx/.pdf/.txt/.md: what comes out, and what is refused (by code)."""

from __future__ import annotations

import pytest

from tests.knowledge.files import samples
from xiaobao.core.api_errors import BusinessRuleError
from xiaobao.knowledge import extract


def refusal(name: str, data: bytes) -> str:
    with pytest.raises(BusinessRuleError) as caught:
        extract.extract(name, data)
    assert name in str(caught.value.detail)  # a batch report must say which file
    return caught.value.error_code


def test_word_paragraphs_and_tables_come_out_in_document_order():
    data = samples.docx_bytes(
        ["第一条 为规范投诉处理工作，制定本办法。", "第二条 本办法适用于总公司及各分支机构。"],
        heading="投诉处理管理办法",
        table=[["投诉类型", "办理时限"], ["简单投诉", "15日"]],
    )
    text = extract.extract_text("办法.docx", data)
    assert text.split("\n") == [
        "投诉处理管理办法",
        "第一条 为规范投诉处理工作，制定本办法。",
        "第二条 本办法适用于总公司及各分支机构。",
        "投诉类型 | 办理时限",
        "简单投诉 | 15日",
    ]


def test_a_merged_table_cell_is_read_once():
    import io

    import docx

    document = docx.Document()
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).merge(table.cell(0, 1)).text = "合并标题"
    table.cell(1, 0).text = "甲"
    table.cell(1, 1).text = "乙"
    buffer = io.BytesIO()
    document.save(buffer)
    assert extract.extract_text("t.docx", buffer.getvalue()) == "合并标题\n甲 | 乙"


def test_the_word_title_is_the_core_title_then_the_first_heading():
    assert extract.extract("a.docx", samples.docx_bytes(core_title="核心标题", heading="正文标题")).title == "核心标题"
    assert extract.extract("a.docx", samples.docx_bytes(heading="正文标题")).title == "正文标题"
    assert extract.extract("a.docx", samples.docx_bytes()).title == ""


def test_chinese_text_is_read_from_a_pdf():
    data = samples.pdf_bytes(["投诉处理时限为十五日", "犹豫期内退保退还全部保费"])
    assert extract.extract_text("时限.pdf", data) == "投诉处理时限为十五日\n犹豫期内退保退还全部保费"


def test_a_pdf_with_only_an_owner_password_is_read():
    data = samples.encrypted_pdf_bytes(user_password="")
    assert extract.extract_text("受限.pdf", data) == "投诉处理时限为十五日"


@pytest.mark.parametrize(
    ("encoding", "prefix"), [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("gb18030", b""), ("gbk", b"")]
)
def test_plain_text_is_read_in_utf8_with_or_without_bom_and_in_gbk(encoding, prefix):
    data = prefix + "犹豫期\r\n是十五日。\r\n\r\n\r\n\r\n末行".encode(encoding)
    assert extract.extract_text("说明.txt", data) == "犹豫期\n是十五日。\n\n末行"


def test_markdown_keeps_its_text_and_takes_its_title_from_the_first_heading():
    found = extract.extract("faq.md", "# 退保须知\n\n犹豫期内退保退还全部保费。\n".encode())
    assert found.title == "退保须知"
    assert found.text == "# 退保须知\n\n犹豫期内退保退还全部保费。"
    assert extract.extract("b.md", "前言\n# 第二节".encode()).title == ""


def test_nul_and_control_characters_are_dropped():
    assert extract.extract_text("a.txt", "甲\x01乙\x0b丙\t丁".encode()) == "甲乙丙\t丁"


@pytest.mark.parametrize("name", ["表格.xlsx", "图片.png", "旧版.doc", "无扩展名", "脚本.html", "压缩.zip"])
def test_other_extensions_are_refused_as_unsupported(name):
    assert refusal(name, "文本".encode()) == extract.UNSUPPORTED_TYPE


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("假的.pdf", "这其实是文本".encode()),
        ("假的.docx", b"%PDF-1.4\n%%EOF\n"),
        ("假的.txt", b"%PDF-1.4\n%%EOF\n"),
        ("假的.md", b"\x89PNG\r\n\x1a\n" + b"\x00" * 20),
        ("假的.docx", samples.zip_bytes({"a.txt": b"not a word file"})),
        ("网页.txt", b"<html><script>alert(1)</script></html>"),
    ],
)
def test_content_that_is_not_what_the_extension_promises_is_refused(name, data):
    assert refusal(name, data) == extract.CONTENT_MISMATCH


def test_a_password_protected_pdf_is_refused():
    assert refusal("加密.pdf", samples.encrypted_pdf_bytes()) == extract.ENCRYPTED


def test_a_damaged_pdf_is_refused():
    assert refusal("损坏.pdf", samples.pdf_bytes()[:60]) == extract.UNREADABLE


def test_a_damaged_word_file_is_refused():
    data = samples.zip_bytes({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<not-closed"})
    assert refusal("损坏.docx", data) == extract.UNREADABLE


def test_a_pdf_without_text_such_as_a_scan_is_refused():
    assert refusal("扫描件.pdf", samples.blank_pdf_bytes()) == extract.NO_TEXT


@pytest.mark.parametrize(("name", "data"), [("空白.txt", b" \r\n\t\n"), ("空白.docx", samples.docx_bytes(["", "  "]))])
def test_a_file_with_only_blank_text_is_refused(name, data):
    assert refusal(name, data) == extract.NO_TEXT


def test_text_beyond_the_limit_is_refused(monkeypatch):
    monkeypatch.setattr(extract, "MAX_TEXT_CHARS", 10)
    assert refusal("长.txt", "一二三四五六七八九十零".encode()) == extract.TEXT_TOO_LONG
    assert extract.extract_text("短.txt", "一二三四五六七八九十".encode()) == "一二三四五六七八九十"


def test_a_pdf_with_too_many_pages_is_refused(monkeypatch):
    monkeypatch.setattr(extract, "MAX_PDF_PAGES", 0)
    assert refusal("厚.pdf", samples.pdf_bytes()) == extract.TEXT_TOO_LONG
