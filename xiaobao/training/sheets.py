"""Excel in and out for the training imports (roster, sign-in lists, question bank, offline results).

Every import works the same way: the file is checked by its bytes (only .xlsx), read with a row limit
before any transaction opens, every row is checked, and if any row fails nothing is written — the caller
gets each problem as (sheet row, column title, message). Column titles are Chinese in every language:
they are the file format.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, datetime

from django.utils import translation
from django.utils.translation import gettext as _

from xiaobao.core.api_errors import refusal
from xiaobao.core.uploads import check_upload
from xiaobao.training import error_codes as codes

MAX_ROWS = 5000


@dataclass(frozen=True)
class Column:
    name: str
    title: str
    width: int = 14
    example: object = ""
    required: bool = False
    note: str = ""


@dataclass
class ImportResult:
    """What an import did: `created`/`updated` counts, or — when any row failed — nothing, and every problem
    in `errors` as (row number in the sheet, column title, message). `ok` says which."""

    rows: int = 0
    created: int = 0
    updated: int = 0
    errors: list[tuple[int, str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def choice_lookup(choices) -> dict[str, str]:
    """A choice by its code, its Chinese label or its label in the current language (spaces ignored)."""
    found = {}
    for value, label in choices:
        found[value] = value
        found["".join(str(label).split())] = value
        with translation.override("zh-hans"):
            found["".join(str(label).split())] = value
    return found


def chinese_labels(choices) -> list[str]:
    with translation.override("zh-hans"):
        return [str(label) for _value, label in choices]


def text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # an employee number typed as a number comes back as 10023.0
    return str(value).strip()


def as_date(value) -> date | None:
    """A cell as a date, or None when blank; raises ValueError for text that is not a date."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    raw = str(value).strip().replace("/", "-").replace(".", "-")
    return date.fromisoformat("-".join(part.zfill(2) for part in raw.split("-")))


def read_upload(upload, columns: list[Column], *, sheet_name: str, max_rows: int = MAX_ROWS):
    """Check the upload and read its rows: (checked upload, [(sheet row, {name: raw value})]).

    Refuses the whole file: the upload refusals of core, IMPORT_UNREADABLE (not a workbook, a required
    column missing), IMPORT_EMPTY, IMPORT_TOO_MANY (more than `max_rows`, counted while reading).
    """
    from openpyxl import load_workbook

    checked = check_upload(upload, allowed=frozenset({"xlsx"}))
    try:
        book = load_workbook(io.BytesIO(checked.content), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a damaged file; all mean the same to the user
        raise refusal(codes.IMPORT_UNREADABLE, _("无法读取该 Excel 文件，请使用导入模板。"), field="upload") from None
    try:
        sheet = book[sheet_name] if sheet_name in book.sheetnames else book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None) or ()
        titles = {c.title: c.name for c in columns}
        positions = {titles[text(h)]: i for i, h in enumerate(header) if text(h) in titles}
        missing = [c.title for c in columns if c.required and c.name not in positions]
        if missing:
            raise refusal(
                codes.IMPORT_UNREADABLE,
                _("缺少必填列：%(columns)s。请使用导入模板。") % {"columns": "、".join(missing)},
                field="upload",
            )
        found = []
        for number, values in enumerate(rows, start=2):
            row = {name: values[i] if i < len(values) else None for name, i in positions.items()}
            if all(text(v) == "" for v in row.values()):
                continue
            found.append((number, row))
            if len(found) > max_rows:
                raise refusal(codes.IMPORT_TOO_MANY, _("一次最多导入 %(n)s 行。") % {"n": max_rows}, field="upload")
    finally:
        book.close()
    if not found:
        raise refusal(codes.IMPORT_EMPTY, _("文件中没有数据行。"), field="upload")
    return checked, found


def template(columns: list[Column], *, sheet_name: str, notes: list[str] = (), rows: list[list] | None = None) -> bytes:
    """A workbook with the column titles (required ones in red), an example row (or `rows`), and a sheet
    explaining each column."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = sheet_name
    sheet.append([c.title for c in columns])
    for row in rows if rows is not None else [[c.example for c in columns]]:
        sheet.append(row)
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
        sheet.cell(row=1, column=index).font = Font(bold=True, color="C00000" if column.required else "000000")
    sheet.freeze_panes = "A2"
    help_sheet = book.create_sheet("填写说明")
    help_sheet.append(["列", "必填", "说明"])
    for column in columns:
        help_sheet.append([column.title, "是" if column.required else "", column.note])
    help_sheet.append([])
    for line in notes:
        help_sheet.append([line])
    help_sheet.column_dimensions["A"].width = 16
    help_sheet.column_dimensions["C"].width = 80
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
