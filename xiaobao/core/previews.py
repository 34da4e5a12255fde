"""Reading an uploaded Word document or PDF in the browser, converted here (issue 21): no external service.

A reviewer reads the reviewed material beside the checklist. The browser shows images and (usually) PDFs
itself; a .docx it cannot show. So a .docx becomes a small HTML page built from its text — paragraphs,
headings, lists, tables, bold and italic — and a PDF can also be read as its text, page by page.

Nothing of the file's markup reaches the page: every piece of text is escaped and the only tags are the ones
written here, so there is no HTML to sanitise (no scripts, links, images, styles or fields of the file's).
The conversion is bounded: the stored file was checked at upload (core.uploads: type by content, ZIP bombs
refused), its size is capped again here, and so are the paragraphs, table cells, PDF pages and characters read.
The XML is read by python-docx's parser, which does not resolve entities or fetch anything.
"""

from __future__ import annotations

import io
import logging
import zipfile

from django.utils.html import escape
from django.utils.translation import gettext as _

from xiaobao.core.uploads import inflates_like_a_bomb

logger = logging.getLogger(__name__)

#: a reviewed document larger than this is downloaded, not converted on the server
MAX_PREVIEW_BYTES = 20 * 1024 * 1024
MAX_BLOCKS = 3000  # paragraphs and tables shown
MAX_TABLE_CELLS = 5000
MAX_PDF_PAGES = 30
MAX_CHARACTERS = 400_000

PAGE = """<!DOCTYPE html><html lang="zh-Hans"><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font:15px/1.7 system-ui,"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:16px;color:#1f2933;
word-break:normal;overflow-wrap:anywhere}}h1,h2,h3{{line-height:1.4}}table{{border-collapse:collapse;margin:8px 0}}
td{{border:1px solid #bbb;padding:4px 6px;vertical-align:top}}.note{{color:#6b7280;font-size:13px}}
.page{{border-top:1px dashed #bbb;margin-top:12px;padding-top:8px}}</style></head>
<body data-testid="converted-preview">{body}</body></html>"""


class PreviewError(Exception):
    """The file cannot be converted (too large, damaged, not what it claims): the page says so."""


def _read(file) -> bytes:
    file.seek(0)
    data = file.read(MAX_PREVIEW_BYTES + 1)
    if len(data) > MAX_PREVIEW_BYTES:
        raise PreviewError(_("文件过大，无法在线预览，请下载查看。"))
    return data


def _runs_html(paragraph) -> str:
    parts = []
    for run in paragraph.runs:
        text = escape(run.text or "")
        if not text:
            continue
        if run.bold:
            text = f"<strong>{text}</strong>"
        if run.italic:
            text = f"<em>{text}</em>"
        parts.append(text)
    # text outside runs (hyperlinks, fields) is still text: fall back to the paragraph's whole text
    joined = "".join(parts)
    return joined if joined or not paragraph.text else escape(paragraph.text)


def _paragraph_html(paragraph) -> str:
    text = _runs_html(paragraph)
    if not text.strip():
        return ""
    style = (paragraph.style.name if paragraph.style is not None else "") or ""
    if style.startswith("Heading") or style.startswith("标题") or style == "Title":
        level = "".join(ch for ch in style if ch.isdigit())[:1] or "1"
        level = str(min(max(int(level), 1), 3))
        return f"<h{level}>{text}</h{level}>"
    if "List" in style or "列表" in style:
        return f"<p>• {text}</p>"
    return f"<p>{text}</p>"


def docx_html(file, title: str) -> str:
    """A .docx as a self-contained HTML page of its text. Raises PreviewError when it cannot be read."""
    data = _read(file)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if any(inflates_like_a_bomb(info) for info in archive.infolist()):
                raise PreviewError(_("文件结构异常，无法在线预览，请下载查看。"))
        import docx
        from docx.table import Table
        from docx.text.paragraph import Paragraph

        document = docx.Document(io.BytesIO(data))
        blocks, cells, characters, truncated = [], 0, 0, False
        for index, item in enumerate(document.iter_inner_content()):
            if index >= MAX_BLOCKS or characters > MAX_CHARACTERS:
                truncated = True
                break
            if isinstance(item, Paragraph):
                html = _paragraph_html(item)
            elif isinstance(item, Table):
                rows = []
                for row in item.rows:
                    row_cells = []
                    for cell in row.cells:
                        cells += 1
                        if cells > MAX_TABLE_CELLS:
                            truncated = True
                            break
                        row_cells.append(f"<td>{'<br>'.join(escape(p.text) for p in cell.paragraphs)}</td>")
                    rows.append(f"<tr>{''.join(row_cells)}</tr>")
                    if truncated:
                        break
                html = f"<table>{''.join(rows)}</table>"
            else:
                html = ""
            characters += len(html)
            if html:
                blocks.append(html)
    except PreviewError:
        raise
    except Exception as exc:  # a damaged or hostile document: any parser error means "cannot preview"
        logger.info("docx preview failed: %s", type(exc).__name__)
        raise PreviewError(_("文件无法解析，无法在线预览，请下载查看。")) from exc
    if not blocks:
        blocks.append(f'<p class="note">{escape(_("该文档没有可显示的文字。"))}</p>')
    if truncated:
        blocks.append(f'<p class="note">{escape(_("文档较长，仅预览前面部分；完整内容请下载查看。"))}</p>')
    return PAGE.format(title=escape(title), body="".join(blocks))


def pdf_text_html(file, title: str) -> str:
    """A PDF's text, page by page, as a self-contained HTML page (for browsers without a PDF viewer)."""
    data = _read(file)
    try:
        from pypdf import PdfReader

        reader = PdfReader(io.BytesIO(data))
        pages, characters, truncated = [], 0, len(reader.pages) > MAX_PDF_PAGES
        for number, page in enumerate(reader.pages[:MAX_PDF_PAGES], start=1):
            text = (page.extract_text() or "")[: MAX_CHARACTERS - characters]
            characters += len(text)
            label = escape(_("第 %(n)s 页") % {"n": number})
            body = "<br>".join(escape(line) for line in text.splitlines())
            pages.append(f'<section class="page"><p class="note">{label}</p><p>{body}</p></section>')
            if characters >= MAX_CHARACTERS:
                truncated = True
                break
    except Exception as exc:  # damaged, encrypted or hostile: the page says it cannot be previewed
        logger.info("pdf preview failed: %s", type(exc).__name__)
        raise PreviewError(_("文件无法解析，无法在线预览，请下载查看。")) from exc
    if truncated:
        pages.append(f'<p class="note">{escape(_("文档较长，仅预览前面部分；完整内容请下载查看。"))}</p>')
    return PAGE.format(title=escape(title), body="".join(pages))
