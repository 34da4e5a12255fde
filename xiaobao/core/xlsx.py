"""The regulator-style worksheet every module's statistics workbook uses: a merged title, a line saying who
filed it and for what period, a boxed header row, data rows, a shaded 合计 row and notes. The modules keep
their own columns, number formats and widths; the look is decided here once."""

from __future__ import annotations

from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from xiaobao.core.inputs import strip_control_characters

THIN = Side(style="thin", color="808080")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEAD_FILL = PatternFill("solid", fgColor="DDE6F0")
TOTAL_FILL = PatternFill("solid", fgColor="EEF2F6")


def printable(values) -> list:
    """The row's values without control characters: Excel refuses them in a cell, and one typed into a title
    before they were refused at input must not break the whole export."""
    return [strip_control_characters(value) for value in values]


def as_text(cell) -> None:
    """A label typed by a person (a unit, a department, an indicator name) that looks like a formula stays
    text: a workbook sent upward must never compute what someone typed."""
    if isinstance(cell.value, str) and cell.value.startswith("="):
        cell.data_type = "s"


def head(sheet, *, title: str, subtitle: str, header: list | None = None, width: int | None = None, height=36):
    """Rows 1–3: the title across the table, the subtitle line, and (when given) the boxed header row."""
    last = get_column_letter(width or len(header or [None]))
    title, subtitle = strip_control_characters(title), strip_control_characters(subtitle)
    sheet.append([title])
    sheet.merge_cells(f"A1:{last}1")
    sheet["A1"].font = Font(size=14, bold=True)
    sheet["A1"].alignment = Alignment(horizontal="center", vertical="center")
    sheet.row_dimensions[1].height = 28
    sheet.append([subtitle])
    sheet.merge_cells(f"A2:{last}2")
    sheet["A2"].alignment = Alignment(horizontal="left", vertical="center", wrap_text=True)
    sheet.row_dimensions[2].height = 30
    if header is not None:
        sheet.append(printable(header))
        for cell in sheet[3]:
            as_text(cell)
            cell.font, cell.fill, cell.border = Font(bold=True), HEAD_FILL, BOX
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        sheet.row_dimensions[3].height = height


def boxed_row(sheet, values) -> list:
    """Append one data row, boxed, with typed labels kept as text; returns its cells."""
    sheet.append(printable(values))
    cells = list(sheet[sheet.max_row])
    for cell in cells:
        cell.border = BOX
        as_text(cell)
    return cells


def shade_totals(sheet, row: int | None = None) -> None:
    """The 合计 row (the last one, unless told) in bold on a shaded fill."""
    for cell in sheet[row or sheet.max_row]:
        cell.font, cell.fill = Font(bold=True), TOTAL_FILL


def notes(sheet, lines, width: int) -> None:
    """A blank row, then each note across the table."""
    last = get_column_letter(width)
    sheet.append([])
    for line in lines:
        sheet.append([strip_control_characters(line)])
        sheet.merge_cells(f"A{sheet.max_row}:{last}{sheet.max_row}")
        sheet.row_dimensions[sheet.max_row].height = 30
        sheet.cell(sheet.max_row, 1).alignment = Alignment(wrap_text=True, vertical="top")


def finish(sheet, *, width: int, label_width: int, value_width: int) -> None:
    """Header and labels stay in view; a narrow 序号 column, the label column, equal value columns; printed
    landscape, one page wide, the header row on every page."""
    sheet.freeze_panes = "C4"
    sheet.column_dimensions["A"].width = 6
    sheet.column_dimensions["B"].width = label_width
    for index in range(3, width + 1):
        sheet.column_dimensions[get_column_letter(index)].width = value_width
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.print_title_rows = "3:3"
