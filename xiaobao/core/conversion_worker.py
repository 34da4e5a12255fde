"""The converter that reads an uploaded document, run as its own short-lived process (core.previews starts it).

Why a process of its own: a conversion reads a file someone else made. Parsers of Word and PDF files can be
driven into long loops, and PDFium is C code: only a process can be stopped at a deadline (the caller kills it
when its time is up) and only a process keeps a crash or a memory blow-up away from the web worker. The limits
are set here, before anything is read: address space, CPU seconds, and the caps on pages, pixels and output.

It is started by file path with `python -I` (no project package, no Django, no environment), reads the file's
bytes on stdin and writes its answer on stdout: JSON for text, PNG bytes for a page image. Exit status 0 is an
answer; 3 means "cannot read this file" (damaged, encrypted, not what it says); anything else is a failure too.
The text it writes is escaped HTML (only tags written here); the caller adds the page and translated notes.
"""

from __future__ import annotations

import html
import io
import json
import resource
import struct
import sys
import zlib

CANNOT_READ = 3

MEMORY_BYTES = 1536 * 1024 * 1024  # address space; PDFium reserves some beyond what it uses
CPU_SECONDS = 60  # a backstop under the caller's wall-clock deadline


def _limit_resources() -> None:
    for limit, value in ((resource.RLIMIT_AS, MEMORY_BYTES), (resource.RLIMIT_CPU, CPU_SECONDS)):
        _soft, hard = resource.getrlimit(limit)
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        resource.setrlimit(limit, (value, hard))


# --- Word ---------------------------------------------------------------------------------------


def _runs_html(paragraph) -> str:
    parts = []
    for run in paragraph.runs:
        text = html.escape(run.text or "")
        if not text:
            continue
        if run.bold:
            text = f"<strong>{text}</strong>"
        if run.italic:
            text = f"<em>{text}</em>"
        parts.append(text)
    # text outside runs (hyperlinks, fields) is still text: fall back to the paragraph's whole text
    joined = "".join(parts)
    return joined if joined or not paragraph.text else html.escape(paragraph.text)


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


def _table_html(table, cells: int, max_cells: int) -> tuple[str, int, bool]:
    rows, truncated = [], False
    for row in table.rows:
        row_cells = []
        for cell in row.cells:
            cells += 1
            if cells > max_cells:
                truncated = True
                break
            text = "<br>".join(html.escape(p.text) for p in cell.paragraphs)
            row_cells.append(f"<td>{text}</td>")
        rows.append(f"<tr>{''.join(row_cells)}</tr>")
        if truncated:
            break
    return f"<table>{''.join(rows)}</table>", cells, truncated


def docx_blocks(data: bytes, max_blocks: int, max_cells: int, max_characters: int) -> dict:
    """A .docx's paragraphs and tables as escaped HTML blocks, cut at the caps."""
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    document = docx.Document(io.BytesIO(data))
    blocks, cells, characters, truncated = [], 0, 0, False
    for index, item in enumerate(document.iter_inner_content()):
        if index >= max_blocks or characters > max_characters:
            truncated = True
            break
        if isinstance(item, Paragraph):
            block = _paragraph_html(item)
        elif isinstance(item, Table):
            block, cells, cut = _table_html(item, cells, max_cells)
            truncated = truncated or cut
        else:
            block = ""
        characters += len(block)
        if block:
            blocks.append(block)
        if cells > max_cells:
            break
    return {"blocks": blocks, "truncated": truncated}


# --- PDF ----------------------------------------------------------------------------------------


def pdf_text(data: bytes, max_pages: int, max_characters: int) -> dict:
    """A PDF's text, page by page (escaped), cut at the caps."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    pages, characters, truncated = [], 0, len(reader.pages) > max_pages
    for page in reader.pages[:max_pages]:
        text = (page.extract_text() or "")[: max_characters - characters]
        characters += len(text)
        pages.append("<br>".join(html.escape(line) for line in text.splitlines()))
        if characters >= max_characters:
            truncated = True
            break
    return {"pages": pages, "truncated": truncated}


def _open_pdf(data: bytes):
    import pypdfium2 as pdfium

    return pdfium.PdfDocument(data)


def pdf_page_count(data: bytes) -> dict:
    document = _open_pdf(data)
    try:
        return {"count": len(document)}
    finally:
        document.close()


def _png(width: int, height: int, stride: int, channels: int, pixels: bytes) -> bytes:
    """RGB or grey rows as a PNG (no filter per row, zlib): the standard library is enough."""
    row_bytes = width * channels
    raw = b"".join(b"\x00" + pixels[y * stride : y * stride + row_bytes] for y in range(height))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    colour = 2 if channels == 3 else 0
    header = struct.pack(">IIBBBBB", width, height, 8, colour, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b"")


def render_scale(width_pt: float, height_pt: float, dpi: int, max_edge: int, max_pixels: int) -> float:
    """The scale that draws a page at `dpi`, shrunk so neither edge passes max_edge nor the area max_pixels."""
    if not (width_pt > 0 and height_pt > 0):
        raise ValueError("page without size")
    scale = dpi / 72
    scale = min(scale, max_edge / max(width_pt, height_pt))
    scale = min(scale, (max_pixels / (width_pt * height_pt)) ** 0.5)
    return max(scale, 0.01)


def pdf_page_png(data: bytes, number: int, dpi: int, max_edge: int, max_pixels: int, max_bytes: int) -> bytes:
    """Page `number` (1-based) drawn as a PNG; drawn smaller once if the PNG would pass max_bytes."""
    document = _open_pdf(data)
    try:
        if not 1 <= number <= len(document):
            raise ValueError("no such page")
        page = document[number - 1]
        width_pt, height_pt = page.get_size()
        scale = render_scale(width_pt, height_pt, dpi, max_edge, max_pixels)
        for _attempt in range(2):
            # forms and annotations are drawn as the page shows them; nothing of the file's runs (no JavaScript)
            bitmap = page.render(scale=scale, rev_byteorder=True, may_draw_forms=False)
            png = _png(bitmap.width, bitmap.height, bitmap.stride, bitmap.n_channels, bytes(bitmap.buffer))
            if len(png) <= max_bytes:
                return png
            scale /= 2
        raise ValueError("page image too large")
    finally:
        document.close()


def main(argv: list[str]) -> int:
    _limit_resources()
    mode, options = argv[1], json.loads(argv[2])
    data = sys.stdin.buffer.read()
    try:
        if mode == "docx":
            answer = docx_blocks(data, options["max_blocks"], options["max_cells"], options["max_characters"])
        elif mode == "pdf-text":
            answer = pdf_text(data, options["max_pages"], options["max_characters"])
        elif mode == "pdf-count":
            answer = pdf_page_count(data)
        elif mode == "pdf-page":
            sys.stdout.buffer.write(pdf_page_png(data, **options))
            return 0
        else:
            return 2
    except Exception as exc:  # any parser or renderer error on a hostile or damaged file: "cannot read"
        print(type(exc).__name__, file=sys.stderr)
        return CANNOT_READ
    sys.stdout.buffer.write(json.dumps(answer, ensure_ascii=False).encode())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
