"""Checking uploaded files by what they contain, not by what they are called.

A file's name and its browser-sent content type are the uploader's claims; only the bytes count.
The allowlist is small and known (what banks exchange as evidence: PDF, Office files, images,
plain text, short videos), so each kind is recognised by its own signature here rather than by a
general-purpose magic database: Office Open XML files are ZIP archives, and telling a .docx from
any ZIP (or from a ZIP bomb named .docx) needs a look at the archive's directory, which generic
sniffers do not do. Anything not positively recognised is refused.
"""

from __future__ import annotations

import codecs
import io
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xiaobao.core import error_codes as codes
from xiaobao.core.api_errors import BusinessRuleError

SNIFF_BYTES = 8192
# Office files are small archives; a member list this long or this much inflation is not a document.
MAX_ZIP_MEMBERS = 5000
#: how far one member may inflate. Judged member by member: over the whole archive, a bomb member is hidden
#: by padding the archive with incompressible bytes (a 1,000× member beside 10 MB of noise averages little)
MAX_ZIP_RATIO = 200
#: a member smaller than this cannot do harm however well it compresses (a short run of repeated markup)
RATIO_FLOOR_BYTES = 1024 * 1024
#: an Office document holding more than this once unpacked is not one anybody exchanges as evidence or imports
MAX_OFFICE_UNPACKED_BYTES = 100 * 1024 * 1024


@dataclass(frozen=True)
class Kind:
    code: str
    mime: str
    label: object  # str or a lazy translation
    extension: str


KINDS = {
    k.code: k
    for k in [
        Kind("pdf", "application/pdf", "PDF", "pdf"),
        Kind("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "Word", "docx"),
        Kind("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel", "xlsx"),
        Kind("pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation", "PowerPoint", "pptx"),
        Kind("ole", "application/x-ole-storage", "Office 97-2003", "doc"),
        Kind("png", "image/png", "PNG", "png"),
        Kind("jpeg", "image/jpeg", "JPEG", "jpg"),
        Kind("gif", "image/gif", "GIF", "gif"),
        Kind("mp4", "video/mp4", "MP4", "mp4"),
        Kind("text", "text/plain", gettext_lazy("文本"), "txt"),
        Kind("zip", "application/zip", "ZIP", "zip"),
    ]
}
#: what evidence and attachments may be (ZIP archives only where an app asks for them, e.g. imports)
EVIDENCE_KINDS = frozenset({"pdf", "docx", "xlsx", "pptx", "ole", "png", "jpeg", "gif", "mp4", "text"})


def _office_kind(head: bytes, data: bytes) -> str | None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = archive.namelist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return None
    if len(names) > MAX_ZIP_MEMBERS:
        return None
    if any(inflates_like_a_bomb(info) for info in archive.infolist()):
        return None  # a decompression bomb, dressed as a document or not
    if any(n.startswith("/") or ".." in n.split("/") for n in names):
        return None
    if "[Content_Types].xml" in names:
        if sum(i.file_size for i in archive.infolist()) > MAX_OFFICE_UNPACKED_BYTES:
            return None
        for prefix, code in (("word/", "docx"), ("xl/", "xlsx"), ("ppt/", "pptx")):
            if any(n.startswith(prefix) for n in names):
                return code
        return None
    return "zip"


def inflates_like_a_bomb(info: zipfile.ZipInfo) -> bool:
    """One archive member that unpacks to over RATIO_FLOOR_BYTES and over MAX_ZIP_RATIO times its packed size.

    The sizes are the archive's own claims; zipfile stops reading a member at its declared size (and then
    checks the CRC), so a member cannot inflate past what is judged here.
    """
    return info.file_size > RATIO_FLOOR_BYTES and info.file_size > MAX_ZIP_RATIO * max(info.compress_size, 1)


# What a binary format's extension promises: a file called .pdf must be a PDF, not text or another kind.
# (A name ending .txt promises nothing a reader relies on; the detected kind is what is stored.)
EXTENSION_KINDS = {
    "pdf": "pdf",
    "docx": "docx",
    "xlsx": "xlsx",
    "pptx": "pptx",
    "doc": "ole",
    "xls": "ole",
    "ppt": "ole",
    "png": "png",
    "jpg": "jpeg",
    "jpeg": "jpeg",
    "gif": "gif",
    "mp4": "mp4",
    "zip": "zip",
}
# Markup a browser would run if it ever rendered the file: refused even as "text".
ACTIVE_MARKUP = (b"<!doctype html", b"<html", b"<script", b"<svg", b"<?xml-stylesheet", b"<iframe")


def _is_text(head: bytes, *, whole: bool) -> bool:
    """Whether the sample decodes as UTF-8 or GB18030. When the sample is only the start of the file
    (`whole` false) it may end inside a multi-byte character, wherever the window falls: an incremental
    decoder keeps such an unfinished tail pending instead of failing on it, while a broken sequence
    anywhere before the tail still fails."""
    if b"\x00" in head:
        return False
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").lower().startswith(ACTIVE_MARKUP):
        return False
    for encoding in ("utf-8", "gb18030"):
        try:
            codecs.getincrementaldecoder(encoding)().decode(head, final=whole)
            return True
        except UnicodeDecodeError:
            continue
    return False


def sniff(data: bytes) -> str | None:
    """The kind code of `data`, or None when it is none of the kinds we know."""
    head = data[:SNIFF_BYTES]
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole"
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return "mp4"
    if head.startswith(b"PK\x03\x04"):
        return _office_kind(head, data)
    if head and _is_text(head, whole=len(data) <= SNIFF_BYTES):
        return "text"
    return None


@dataclass(frozen=True)
class CheckedUpload:
    name: str
    kind: Kind
    size: int
    content: bytes


#: the longest file name kept (Attachment.name and the import rows' file_name columns)
MAX_FILE_NAME = 200
#: an "extension" longer than this is part of the name (a sentence with a full stop in it), not a type
_MAX_EXTENSION = 16


def fit_file_name(raw: str, limit: int = MAX_FILE_NAME) -> str:
    """The uploader's file name without folders, shortened to `limit` characters keeping its extension.

    Cutting the end off `…很长的名字.docx` would lose `.docx`: the download would no longer open, and the
    extension check below would compare against a truncated one. The stem is shortened instead.
    """
    name = (raw or "").replace("\\", "/").split("/")[-1].strip() or "file"
    if len(name) <= limit:
        return name
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem or len(extension) > _MAX_EXTENSION:
        return name[:limit]
    return stem[: limit - len(extension) - 1] + "." + extension


def check_upload(
    upload,
    *,
    allowed: frozenset[str] = EVIDENCE_KINDS,
    max_bytes: int | None = None,
    field: str = "files",
) -> CheckedUpload:
    """Read and check one uploaded file; refuse an empty, oversized or unrecognised one.

    Refusals (BusinessRuleError, 400): UPLOAD_EMPTY, UPLOAD_TOO_LARGE (over `max_bytes`, default
    settings.UPLOAD_MAX_BYTES), UPLOAD_TYPE_REFUSED (content is not one of `allowed`, whatever the
    file is called). The message names the file, so a batch says which one; `fields` names the request's
    field the file came in (`field`: "files" for attachments, "file" where an endpoint takes one).
    """
    limit = max_bytes or settings.UPLOAD_MAX_BYTES
    name = fit_file_name(getattr(upload, "name", "") or "file")
    if getattr(upload, "size", None) is not None and upload.size > limit:
        raise _too_large(name, limit, field)
    upload.seek(0)
    content = upload.read(limit + 1)
    if len(content) > limit:
        raise _too_large(name, limit, field)
    if not content:
        raise BusinessRuleError(
            codes.UPLOAD_EMPTY, _("文件“%(name)s”是空的。") % {"name": name}, fields={field: [codes.UPLOAD_EMPTY]}
        )
    code = sniff(content)
    if code not in allowed:
        accepted = "、".join(sorted({str(KINDS[k].label) for k in allowed}))
        raise BusinessRuleError(
            codes.UPLOAD_TYPE_REFUSED,
            _("文件“%(name)s”的内容不是允许的类型（允许：%(accepted)s）。") % {"name": name, "accepted": accepted},
            fields={field: [codes.UPLOAD_TYPE_REFUSED]},
        )
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    promised = EXTENSION_KINDS.get(extension)
    if promised is not None and promised != code:
        raise BusinessRuleError(
            codes.UPLOAD_TYPE_REFUSED,
            _("文件“%(name)s”的内容与其扩展名不符（内容为%(kind)s）。") % {"name": name, "kind": KINDS[code].label},
            fields={field: [codes.UPLOAD_TYPE_REFUSED]},
        )
    return CheckedUpload(name=name, kind=KINDS[code], size=len(content), content=content)


def _too_large(name: str, limit: int, field: str) -> BusinessRuleError:
    return BusinessRuleError(
        codes.UPLOAD_TOO_LARGE,
        _("文件“%(name)s”超过 %(mb)s MB 的上限。") % {"name": name, "mb": round(limit / 1024 / 1024, 1)},
        fields={field: [codes.UPLOAD_TOO_LARGE]},
    )
