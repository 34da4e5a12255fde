"""Reading an uploaded Word document or PDF in the browser, converted here (issue 21): no external service.

A reviewer reads the reviewed material beside the checklist. The browser shows images itself; a .docx it
cannot show, and a PDF viewer is not in every browser (nor can it be sandboxed). So a .docx becomes a small
HTML page built from its text — paragraphs, headings, lists, tables, bold and italic — and a PDF becomes its
pages drawn as PNG images by PDFium (pypdfium2), or its text, page by page.

Nothing of the file's markup reaches the page: every piece of text is escaped and the only tags are the ones
written here, so there is no HTML to sanitise (no scripts, links, images, styles or fields of the file's).
The conversion is bounded in size and in time. The stored file was checked at upload (core.uploads: type by
content, ZIP bombs refused); its size is capped again here, and so are the paragraphs, table cells, PDF pages,
pixels and characters. The parsing itself runs in a process of its own (core.conversion_worker) with memory
and CPU limits, and is killed when its time is up: the page then says the conversion took too long. A crash
of a parser on a hostile file ends that process, not the web worker.
"""

from __future__ import annotations

import io
import json
import logging
import subprocess
import sys
import threading
import zipfile
from pathlib import Path

from django.utils.html import escape
from django.utils.translation import gettext as _

from xiaobao.core.uploads import inflates_like_a_bomb

logger = logging.getLogger(__name__)

#: a reviewed document larger than this is downloaded, not converted on the server
MAX_PREVIEW_BYTES = 20 * 1024 * 1024
MAX_BLOCKS = 3000  # paragraphs and tables shown
MAX_TABLE_CELLS = 5000
MAX_PDF_PAGES = 30  # pages shown as text or as images; the rest is downloaded
MAX_CHARACTERS = 400_000
PAGE_DPI = 120  # an A4 page at about 990 x 1400 pixels: readable beside the checklist
MAX_PAGE_EDGE = 2000  # pixels, whatever size the page claims
MAX_PAGE_PIXELS = 4_000_000
MAX_PAGE_PNG_BYTES = 6 * 1024 * 1024
CONVERSION_SECONDS = 20  # one document's text, or one page drawn
CONCURRENT_CONVERSIONS = 2  # per web process: the rest wait their turn, then are told to try again

WORKER_COMMAND = [sys.executable, "-I", str(Path(__file__).with_name("conversion_worker.py"))]
_slots = threading.BoundedSemaphore(CONCURRENT_CONVERSIONS)

PAGE = """<!DOCTYPE html><html lang="zh-Hans"><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font:15px/1.7 system-ui,"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:16px;color:#1f2933;
word-break:normal;overflow-wrap:anywhere}}h1,h2,h3{{line-height:1.4}}table{{border-collapse:collapse;margin:8px 0}}
td{{border:1px solid #bbb;padding:4px 6px;vertical-align:top}}.note{{color:#6b7280;font-size:13px}}
.page{{border-top:1px dashed #bbb;margin-top:12px;padding-top:8px}}
img{{display:block;max-width:100%;height:auto;border:1px solid #ddd;background:#fff}}</style></head>
<body data-testid="converted-preview">{body}</body></html>"""


class PreviewError(Exception):
    """The file cannot be converted (too large, damaged, not what it claims): the page says so."""


class PreviewTimeout(PreviewError):
    """The conversion ran past its time limit and was stopped."""


def _read(file) -> bytes:
    file.seek(0)
    data = file.read(MAX_PREVIEW_BYTES + 1)
    if len(data) > MAX_PREVIEW_BYTES:
        raise PreviewError(_("文件过大，无法在线预览，请下载查看。"))
    return data


def _damaged() -> PreviewError:
    return PreviewError(_("文件无法解析，无法在线预览，请下载查看。"))


def _convert(mode: str, data: bytes, options: dict) -> bytes:
    """Run one conversion in the worker process with a wall-clock limit; its stdout, or PreviewError."""
    if not _slots.acquire(timeout=CONVERSION_SECONDS):
        raise PreviewError(_("在线预览繁忙，请稍后再试或下载查看。"))
    try:
        finished = subprocess.run(  # noqa: S603 - a fixed command; the file goes on stdin, never in argv
            [*WORKER_COMMAND, mode, json.dumps(options)],
            input=data,
            capture_output=True,
            timeout=CONVERSION_SECONDS,
            env={"LC_ALL": "C.UTF-8"},  # nothing of the web process's environment (keys, database URL)
            check=False,
        )
    except subprocess.TimeoutExpired as exc:  # run() has killed the worker and reaped it
        logger.info("preview conversion %s stopped after %ss", mode, CONVERSION_SECONDS)
        raise PreviewTimeout(
            _("转换超过 %(seconds)s 秒仍未完成，已停止；无法在线预览，请下载查看。") % {"seconds": CONVERSION_SECONDS}
        ) from exc
    finally:
        _slots.release()
    if finished.returncode != 0:
        # 3: the worker could not read the file; a signal or any other status: it died on it (memory, CPU)
        logger.info("preview conversion %s failed: %s %s", mode, finished.returncode, finished.stderr[-200:])
        raise _damaged()
    return finished.stdout


def _answer(mode: str, data: bytes, options: dict) -> dict:
    try:
        return json.loads(_convert(mode, data, options))
    except ValueError as exc:
        raise _damaged() from exc


def _note(text: str) -> str:
    return f'<p class="note">{escape(text)}</p>'


def _long_note() -> str:
    return _note(_("文档较长，仅预览前面部分；完整内容请下载查看。"))


def message_page(title: str, message: str) -> str:
    """The preview frame's page when there is nothing to show but a sentence (cannot preview, too slow)."""
    return PAGE.format(title=escape(title), body=f'<p class="note" data-testid="preview-refusal">{escape(message)}</p>')


def docx_html(file, title: str) -> str:
    """A .docx as a self-contained HTML page of its text. Raises PreviewError when it cannot be read."""
    data = _read(file)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if any(inflates_like_a_bomb(info) for info in archive.infolist()):
                raise PreviewError(_("文件结构异常，无法在线预览，请下载查看。"))
    except PreviewError:
        raise
    except Exception as exc:  # not a readable ZIP (damaged, hostile central directory): cannot preview
        raise _damaged() from exc
    caps = {"max_blocks": MAX_BLOCKS, "max_cells": MAX_TABLE_CELLS, "max_characters": MAX_CHARACTERS}
    answer = _answer("docx", data, caps)
    blocks = list(answer["blocks"]) or [_note(_("该文档没有可显示的文字。"))]
    if answer["truncated"]:
        blocks.append(_long_note())
    return PAGE.format(title=escape(title), body="".join(blocks))


def _page_label(number: int) -> str:
    return escape(_("第 %(n)s 页") % {"n": number})


def pdf_text_html(file, title: str) -> str:
    """A PDF's text, page by page, as a self-contained HTML page (for reading or copying the words)."""
    answer = _answer("pdf-text", _read(file), {"max_pages": MAX_PDF_PAGES, "max_characters": MAX_CHARACTERS})
    pages = [
        f'<section class="page"><p class="note">{_page_label(number)}</p><p>{text}</p></section>'
        for number, text in enumerate(answer["pages"], start=1)
    ]
    if answer["truncated"]:
        pages.append(_long_note())
    return PAGE.format(title=escape(title), body="".join(pages))


def pdf_pages_html(file, title: str, page_url) -> str:
    """A PDF as its pages' images, one <img> per page up to MAX_PDF_PAGES; `page_url(n)` is where page n is
    drawn (on request, each in its own bounded conversion). Only the page count is read here."""
    count = _answer("pdf-count", _read(file), {})["count"]
    shown = min(count, MAX_PDF_PAGES)
    body = [
        f'<section class="page"><p class="note">{_page_label(n)}</p>'
        f'<img src="{escape(page_url(n))}" alt="{_page_label(n)}" loading="lazy" data-testid="pdf-page"></section>'
        for n in range(1, shown + 1)
    ]
    if count == 0:
        body.append(_note(_("该文档没有页面。")))
    if count > shown:
        body.append(
            _note(_("共 %(total)s 页，仅预览前 %(shown)s 页；完整内容请下载查看。") % {"total": count, "shown": shown})
        )
    return PAGE.format(title=escape(title), body="".join(body))


def pdf_page_png(file, number: int) -> bytes:
    """Page `number` of a PDF as PNG bytes, bounded in pixels and bytes; PreviewError when it cannot be drawn."""
    if not 1 <= number <= MAX_PDF_PAGES:
        raise PreviewError(_("该页不在预览范围内，请下载查看。"))
    options = {
        "number": number,
        "dpi": PAGE_DPI,
        "max_edge": MAX_PAGE_EDGE,
        "max_pixels": MAX_PAGE_PIXELS,
        "max_bytes": MAX_PAGE_PNG_BYTES,
    }
    png = _convert("pdf-page", _read(file), options)
    if not png.startswith(b"\x89PNG\r\n\x1a\n"):
        raise _damaged()
    return png
