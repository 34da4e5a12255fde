"""Whether a zip of knowledge files is safe to import, judged from its directory before anything is unpacked.

Split from `importing` along its seam: these checks read only the archive's directory (names, flags, declared
sizes) and know nothing of documents, batches or transactions. The worker still caps what it actually reads,
since declared sizes can lie (`importing._read_member`).
"""

from __future__ import annotations

import contextlib
import zipfile
from dataclasses import dataclass
from io import BytesIO

from django.conf import settings
from django.utils.translation import gettext as _

from xiaobao.core.api_errors import BusinessRuleError
from xiaobao.knowledge import extract
from xiaobao.knowledge.error_codes import (
    NOT_ZIP,
    ZIP_BOMB,
    ZIP_DUPLICATE_NAME,
    ZIP_EMPTY,
    ZIP_SYMLINK,
    ZIP_TOO_LARGE,
    ZIP_TOO_MANY_FILES,
    ZIP_UNSAFE_PATH,
)

MAX_FILES = settings.KNOWLEDGE_IMPORT_MAX_FILES
MAX_UNPACKED_BYTES = settings.KNOWLEDGE_IMPORT_MAX_UNPACKED_BYTES
#: Office files and Chinese text deflate to a third or so; a hundredfold is a bomb. Small entries are spared:
#: a short repetitive text file may legitimately compress that well, and cannot do harm.
MAX_RATIO = 100
RATIO_FLOOR_BYTES = 1024 * 1024
MAX_NAME = 255  # the longest path inside a zip the report keeps
#: folders and files that zip tools add and nobody means to import
_JUNK = ("__MACOSX/", ".DS_Store", "Thumbs.db", "desktop.ini")


def _refuse(code: str, message: str) -> BusinessRuleError:
    return BusinessRuleError(code, message, fields={"file": [code]})


# --- a zip: the checks ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    info: zipfile.ZipInfo
    name: str  # the path inside the archive, as its author saw it


def _entry_name(info: zipfile.ZipInfo) -> str:
    name = info.filename
    if not info.flag_bits & 0x800 and not name.isascii():
        # Without the UTF-8 flag Python reads names as cp437; zips made on Chinese Windows hold GBK names
        with contextlib.suppress(UnicodeEncodeError, UnicodeDecodeError):
            name = name.encode("cp437").decode("gb18030")
    # control characters (NUL above all: PostgreSQL refuses it) have no place in a path; the report shows it
    return extract.strip_controls(name).replace("\\", "/")[:MAX_NAME]


def _unsafe(name: str) -> bool:
    parts = name.split("/")
    return name.startswith("/") or (len(name) > 1 and name[1] == ":") or ".." in parts


def _is_symlink(info: zipfile.ZipInfo) -> bool:
    return info.create_system == 3 and (info.external_attr >> 16) & 0o170000 == 0o120000


def _is_junk(name: str) -> bool:
    base = name.rstrip("/").rsplit("/", 1)[-1]
    return name.startswith(_JUNK[0]) or base in _JUNK[1:] or base.startswith(".")


def inspect_zip(content: bytes, *, file_name: str = "") -> list[Entry]:
    """The files to import from a zip, in archive order; refuses the whole archive when it is not safe.

    Refuses: NOT_ZIP, ZIP_UNSAFE_PATH (absolute, drive-letter or ".." paths: path traversal), ZIP_SYMLINK,
    ZIP_DUPLICATE_NAME (one path twice),
    ZIP_TOO_MANY_FILES (over MAX_FILES), ZIP_TOO_LARGE (declared sizes over MAX_UNPACKED_BYTES), ZIP_BOMB
    (an entry over RATIO_FLOOR_BYTES inflating more than MAX_RATIO times), ZIP_EMPTY. The declared sizes
    can lie: the worker also caps what it actually reads.
    """
    label = {"name": file_name or "zip"}
    try:
        infos = zipfile.ZipFile(BytesIO(content)).infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as exc:
        raise _refuse(NOT_ZIP, _("文件“%(name)s”不是有效的 zip 压缩包。") % label) from exc
    entries: list[Entry] = []
    seen: set[str] = set()
    for info in infos:
        name = _entry_name(info)
        if name in seen:
            # the report and a re-run tell files apart by path; a repeated one is ambiguous (and a trick)
            raise _refuse(ZIP_DUPLICATE_NAME, _("压缩包中有两个同名文件“%(path)s”，整包拒绝。") % {"path": name[:100]})
        seen.add(name)
        if _unsafe(name):
            raise _refuse(
                ZIP_UNSAFE_PATH,
                _("压缩包中的路径“%(path)s”不安全（绝对路径或含“..”），整包拒绝。") % {"path": name[:100]},
            )
        if _is_symlink(info):
            raise _refuse(ZIP_SYMLINK, _("压缩包中含有符号链接“%(path)s”，整包拒绝。") % {"path": name[:100]})
        if info.is_dir() or _is_junk(name):
            continue
        if info.file_size > RATIO_FLOOR_BYTES and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise _refuse(
                ZIP_BOMB, _("压缩包中的“%(path)s”解压后异常膨胀，疑似压缩炸弹，整包拒绝。") % {"path": name[:100]}
            )
        entries.append(Entry(info=info, name=name))
    if len(entries) > MAX_FILES:
        raise _refuse(ZIP_TOO_MANY_FILES, _("压缩包中超过 %(n)s 个文件，请分批导入。") % {"n": MAX_FILES})
    if sum(e.info.file_size for e in entries) > MAX_UNPACKED_BYTES:
        raise _refuse(
            ZIP_TOO_LARGE,
            _("压缩包解压后超过 %(mb)s MB，请分批导入。") % {"mb": MAX_UNPACKED_BYTES // (1024 * 1024)},
        )
    if not entries:
        raise _refuse(ZIP_EMPTY, _("压缩包中没有可导入的文件。"))
    return entries
