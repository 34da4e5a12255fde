"""Text out of an uploaded knowledge file: Word (.docx, python-docx), PDF (pypdf), plain text and Markdown.

Only the bytes count (core.uploads): a file's extension says which reader to use, and its content must be
what the extension promises, or it is refused. What comes out is the searchable body of a document, so a
file that yields no text (a scanned PDF, an empty page) is refused rather than stored as an empty document.
Every refusal is a BusinessRuleError with one of the codes below, naming the file so a batch report says
which one.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath

import defusedxml.ElementTree as SafeET
from django.utils.translation import gettext as _

from xiaobao.core.api_errors import BusinessRuleError
from xiaobao.core.uploads import sniff
from xiaobao.knowledge.error_codes import (
    CONTENT_MISMATCH,
    ENCRYPTED,
    NO_TEXT,
    TEXT_TOO_LONG,
    UNREADABLE,
    UNSUPPORTED_TYPE,
)

#: extension -> the kind core.uploads.sniff must find in the bytes
READERS = {"docx": "docx", "pdf": "pdf", "txt": "text", "md": "text"}
#: the kinds a single knowledge file may be (core.uploads codes)
FILE_KINDS = frozenset(READERS.values())
#: a body longer than this is a book, not a document: it would dominate search and the page (about 2 MB)
MAX_TEXT_CHARS = 1_000_000
#: pypdf walks every page; a PDF with more is not a knowledge document (and may be built to be slow)
MAX_PDF_PAGES = 2000
#: page content streams unpacked in all, checked page by page before its text is extracted
MAX_PDF_CONTENT_BYTES = 64 * 1024 * 1024
#: Word: the limits are checked while the body's XML streams past, before python-docx builds anything, so a
#: file crafted as millions of empty paragraphs is refused in a moment instead of parsed for an hour
MAX_DOCX_PARAGRAPHS = 100_000
MAX_DOCX_BODY_XML_BYTES = 40 * 1024 * 1024
MAX_DOCX_PART_XML_BYTES = 8 * 1024 * 1024  # styles, headers, numbering…: python-docx parses each whole

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # PostgreSQL refuses NUL in text; the rest is noise
_BLANK_RUN = re.compile(r"\n{3,}")
_HEADING_STYLES = ("title", "heading", "标题")


@dataclass(frozen=True)
class Extracted:
    text: str
    title: str  # the file's own title if it has one (docx core title or first heading, Markdown "# "), else ""


def extension_of(name: str) -> str:
    suffix = PurePosixPath(name.replace("\\", "/")).suffix
    return suffix[1:].lower() if suffix else ""


def stem_of(name: str) -> str:
    """The file name without folders and extension: the title of last resort."""
    return PurePosixPath(name.replace("\\", "/")).stem.strip()


def _refuse(code: str, message: str) -> BusinessRuleError:
    return BusinessRuleError(code, message, fields={"file": [code]})


def check_extension(name: str) -> str:
    """The reader for `name`'s extension; refuses UNSUPPORTED_TYPE for any other."""
    expected = READERS.get(extension_of(name))
    if expected is None:
        raise _refuse(
            UNSUPPORTED_TYPE,
            _("文件“%(name)s”不是支持的类型（支持 .docx、.pdf、.txt、.md）。") % {"name": name},
        )
    return expected


def extract(name: str, data: bytes) -> Extracted:
    """The text (and the file's own title, if any) of one file; refuses with the codes above."""
    extension = extension_of(name)
    expected = check_extension(name)
    if sniff(data) != expected:
        raise _refuse(
            CONTENT_MISMATCH,
            _("文件“%(name)s”的内容不是有效的 .%(ext)s 文件。") % {"name": name, "ext": extension},
        )
    if expected == "docx":
        text, title = _docx(name, data)
    elif expected == "pdf":
        text, title = _pdf(name, data), ""
    else:
        text = _decode(name, data)
        title = _markdown_title(text) if extension == "md" else ""
    text = _tidy(text)
    if not text:
        raise _refuse(
            NO_TEXT,
            _("文件“%(name)s”中没有可提取的文字（扫描件请先做文字识别）。") % {"name": name},
        )
    if len(text) > MAX_TEXT_CHARS:
        raise _too_long(name)
    return Extracted(text=text, title=_tidy(title).replace("\n", " ")[:300])


def extract_text(name: str, data: bytes) -> str:
    """The searchable text of one .docx/.pdf/.txt/.md file (see `extract` for the refusals)."""
    return extract(name, data).text


def strip_controls(text: str) -> str:
    return _CONTROL.sub("", text)


def _tidy(text: str) -> str:
    text = strip_controls(text.replace("\r\n", "\n").replace("\r", "\n"))
    lines = [line.rstrip() for line in text.split("\n")]
    return _BLANK_RUN.sub("\n\n", "\n".join(lines)).strip()


def _too_long(name: str) -> BusinessRuleError:
    return _refuse(
        TEXT_TOO_LONG, _("文件“%(name)s”的文字超过 %(n)s 字，请拆分后导入。") % {"name": name, "n": MAX_TEXT_CHARS}
    )


def _unreadable(name: str) -> BusinessRuleError:
    return _refuse(UNREADABLE, _("文件“%(name)s”已损坏或无法读取。") % {"name": name})


# --- Word -----------------------------------------------------------------------------------------


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_OFFICE_DOCUMENT = "/officeDocument"


def _docx_body_part(archive: zipfile.ZipFile) -> str:
    """The main document part's name, as the package's relationships say (python-docx follows the same)."""
    try:
        info = archive.getinfo("_rels/.rels")
    except KeyError:
        return "word/document.xml"
    if info.file_size > MAX_DOCX_PART_XML_BYTES:
        raise ValueError("package relationships too large")
    for rel in SafeET.fromstring(archive.read(info)):
        if rel.get("Type", "").endswith(_OFFICE_DOCUMENT):
            return rel.get("Target", "").lstrip("/")
    return "word/document.xml"


def _docx_within_limits(name: str, data: bytes) -> None:
    """Stream the body's XML once, counting paragraphs and characters, and refuse at the first cap passed.

    Every part's unpacked size is judged first from the archive's directory. Nothing here builds a tree:
    iterparse hands over each element as it closes, and a finished paragraph is cleared.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            body = _docx_body_part(archive)
            for info in archive.infolist():
                if info.filename.endswith((".xml", ".rels")):
                    cap = MAX_DOCX_BODY_XML_BYTES if info.filename == body else MAX_DOCX_PART_XML_BYTES
                    if info.file_size > cap:
                        raise _too_long(name)
            paragraphs = chars = 0
            with archive.open(body) as stream:
                for _event, element in SafeET.iterparse(stream, events=("end",), forbid_dtd=True):
                    if element.tag == f"{_W}t":
                        chars += len(element.text or "")
                        if chars > MAX_TEXT_CHARS:
                            raise _too_long(name)
                    elif element.tag == f"{_W}p":
                        paragraphs += 1
                        if paragraphs > MAX_DOCX_PARAGRAPHS:
                            raise _refuse(
                                TEXT_TOO_LONG,
                                _("文件“%(name)s”超过 %(n)s 个段落，请拆分后导入。")
                                % {"name": name, "n": MAX_DOCX_PARAGRAPHS},
                            )
                        element.clear()
    except BusinessRuleError:
        raise
    except Exception as exc:  # a missing part, broken XML, a DTD: a damaged (or crafted) package
        raise _unreadable(name) from exc


def _docx(name: str, data: bytes) -> tuple[str, str]:
    import docx

    _docx_within_limits(name, data)
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises KeyError, ValueError, lxml errors… for a damaged package
        raise _unreadable(name) from exc
    lines: list[str] = []
    heading = ""
    for block in document.iter_inner_content():
        if hasattr(block, "rows"):
            lines.extend(_table_lines(block))
            continue
        text = block.text.strip()
        if not text:
            lines.append("")
            continue
        style = (block.style.name if block.style is not None else "").lower()
        if not heading and style.startswith(_HEADING_STYLES):
            heading = text
        lines.append(text)
    title = (document.core_properties.title or "").strip() or heading
    return "\n".join(lines), title


def _table_lines(table) -> list[str]:
    """One line per row, cells separated by " | "; a merged cell (python-docx repeats it) counted once."""
    lines = []
    for row in table.rows:
        seen: list = []
        cells = []
        for cell in row.cells:
            if any(cell._tc is other for other in seen):
                continue
            seen.append(cell._tc)
            text = " ".join(p.text.strip() for p in cell.paragraphs if p.text.strip())
            nested = [line for inner in cell.tables for line in _table_lines(inner)]
            cells.append(" ".join([text, *nested]).strip())
        if any(cells):
            lines.append(" | ".join(cells))
    return lines


# --- PDF ------------------------------------------------------------------------------------------


def _pdf(name: str, data: bytes) -> str:
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            # an owner password alone (printing/copying restrictions) still opens with the empty user password
            raise _refuse(ENCRYPTED, _("文件“%(name)s”设有打开密码，请去除密码后再导入。") % {"name": name})
        if len(reader.pages) > MAX_PDF_PAGES:
            raise _refuse(
                TEXT_TOO_LONG,
                _("文件“%(name)s”超过 %(n)s 页，请拆分后导入。") % {"name": name, "n": MAX_PDF_PAGES},
            )
        # page by page, stopping at the first cap passed rather than after extracting everything
        texts, chars, content_bytes = [], 0, 0
        for page in reader.pages:
            contents = page.get_contents()
            content_bytes += len(contents.get_data()) if contents is not None else 0
            if content_bytes > MAX_PDF_CONTENT_BYTES:
                raise _too_long(name)
            texts.append((page.extract_text() or "").strip())
            chars += len(texts[-1]) + 2
            if chars > MAX_TEXT_CHARS:
                raise _too_long(name)
        return "\n\n".join(texts)
    except BusinessRuleError:
        raise
    except Exception as exc:  # pypdf raises PdfReadError and many others for a damaged file
        raise _unreadable(name) from exc


# --- plain text and Markdown ----------------------------------------------------------------------


def _decode(name: str, data: bytes) -> str:
    if len(data) > 4 * MAX_TEXT_CHARS + 4:  # no encoding spends more than four bytes on a character
        raise _too_long(name)
    # utf-8-sig reads UTF-8 with or without a BOM; files saved by Chinese Windows tools are often GBK,
    # which gb18030 (its superset) reads
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _refuse(UNREADABLE, _("文件“%(name)s”不是 UTF-8 或 GB18030 编码的文本。") % {"name": name})


def _markdown_title(text: str) -> str:
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped.startswith("# "):
            return stripped[2:].strip().rstrip("#").strip()
        if stripped:
            return ""  # the title is the first line or nothing: a heading deep in the file names a section
    return ""
