"""宣教活动情况报告 as a Word document (python-docx): the summary a head of department sends upward.

Title, the reporting unit and period, 一、总体情况 (one paragraph with the totals), 二、各机构开展情况 (a table
per unit with its 合计), 三、活动特点 (by form and by 五进入, the leading units), 四、工作总结 (the plan's own
summary, when it has one), then the unit and the day. Chinese text needs its font named on the East Asian
slot (w:eastAsia): Word otherwise falls back to a Latin font and renders the characters in whatever it
finds. Numbers come from `exports.report_data`, the same rows as the page and the workbook.
"""

from __future__ import annotations

import io

from django.utils import timezone
from django.utils.translation import gettext as _
from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from xiaobao.plans.exports import KEYS, MEASURES

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

BODY_FONT = "仿宋"  # the body of an official document (公文) is set in 仿宋, headings in 黑体
HEADING_FONT = "黑体"
TITLE_FONT = "宋体"
LEADING = 3  # units named in the highlights


def _set_font(target, name: str, size: float | None = None, *, bold: bool | None = None) -> None:
    """Name the font on both the Latin and the East Asian slot of a style or a run."""
    target.font.name = name
    if size:
        target.font.size = Pt(size)
    if bold is not None:
        target.font.bold = bold
    element = target.element if hasattr(target, "element") else target._element
    element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)


def _paragraph(document, text: str, *, font: str = BODY_FONT, size: float = 14, bold: bool = False, indent=True):
    paragraph = document.add_paragraph()
    if indent:
        paragraph.paragraph_format.first_line_indent = Pt(size * 2)  # two characters, as Chinese prose is set
    paragraph.paragraph_format.line_spacing = 1.5
    _set_font(paragraph.add_run(text), font, size, bold=bold)
    return paragraph


def _heading(document, text: str) -> None:
    _paragraph(document, text, font=HEADING_FONT, size=15, indent=False)


def _wan(n: int) -> str:
    """People read reach in 万 (ten thousands): 7,855,300 → 785.53万."""
    return _("%(n)s万") % {"n": f"{n / 10000:,.2f}".rstrip("0").rstrip(".")}


def overview(data: dict, *, unit_name: str, period: str) -> str:
    """The 总体情况 paragraph (kept apart so tests can read it)."""
    t = data["totals"]
    return _(
        "%(period)s，%(unit)s共组织开展消费者教育宣传活动%(events)s场次，触达消费者%(reach)s人次（约%(wan)s人次），"
        "活动参与%(participants)s人次；制作原创文章%(articles)s篇、原创视频%(videos)s个，转发宣传内容%(reposts)s次，"
        "获媒体报道%(media)s篇次。"
    ) % {
        "period": period,
        "unit": unit_name,
        "events": f"{t['events']:,}",
        "reach": f"{t['reach']:,}",
        "wan": _wan(t["reach"]),
        "participants": f"{t['participants']:,}",
        "articles": f"{t['articles']:,}",
        "videos": f"{t['videos']:,}",
        "reposts": f"{t['reposts']:,}",
        "media": f"{t['media_stories']:,}",
    }


def highlights(data: dict) -> list[str]:
    """The 活动特点 paragraphs: forms, 五进入, the leading units by reach."""
    found = []
    forms = [row for row in data["by_form"] if row["events"]]
    if forms:
        parts = "、".join(
            _("%(label)s%(n)s场次（触达%(reach)s人次）")
            % {"label": row["label"], "n": row["events"], "reach": f"{row['reach']:,}"}
            for row in sorted(forms, key=lambda row: -row["events"])
        )
        found.append(_("从活动形式看，%(parts)s。") % {"parts": parts})
    targets = [row for row in data["by_target"] if row["events"] and row["key"]]
    if targets:
        parts = "、".join(
            _("%(label)s%(n)s场次") % {"label": row["label"], "n": row["events"]}
            for row in sorted(targets, key=lambda row: -row["events"])
        )
        people = sum(row["participants"] for row in targets)
        found.append(
            _("从“五进入”看，线下活动%(parts)s，现场参与%(people)s人次。") % {"parts": parts, "people": f"{people:,}"}
        )
    units = sorted((row for row in data["units"] if row["events"]), key=lambda row: -row["reach"])[:LEADING]
    if units:
        parts = "、".join(
            _("%(unit)s（%(n)s场次，触达%(reach)s人次）")
            % {"unit": row["name"], "n": row["events"], "reach": f"{row['reach']:,}"}
            for row in units
        )
        found.append(_("从各机构看，触达人次居前的是%(parts)s。") % {"parts": parts})
    return found


def _table(document, data: dict) -> None:
    header = [_("序号"), _("机构"), *[_(label) for _key, label in MEASURES]]
    table = document.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = ""
        _set_font(cell.paragraphs[0].add_run(text), HEADING_FONT, 10.5)
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    rows = [[str(i), row["name"], *[f"{row[k]:,}" for k in KEYS]] for i, row in enumerate(data["units"], start=1)]
    rows.append(["", _("合计"), *[f"{data['totals'][k]:,}" for k in KEYS]])
    for index, values in enumerate(rows):
        cells = table.add_row().cells
        last = index == len(rows) - 1
        for column, (cell, text) in enumerate(zip(cells, values, strict=True)):
            cell.text = ""
            _set_font(cell.paragraphs[0].add_run(text), HEADING_FONT if last else TITLE_FONT, 10.5)
            if column >= 2:
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT


def summary_document(data: dict, *, title: str, unit_name: str, period: str, summary: str = "", now=None) -> bytes:
    """The report as .docx bytes."""
    now = now or timezone.now()
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)  # A4, the size of every 公文
    section.left_margin = section.right_margin = Cm(2.6)
    _set_font(document.styles["Normal"], BODY_FONT, 14)

    heading = document.add_paragraph()
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _set_font(heading.add_run(title), TITLE_FONT, 20, bold=True)
    line = document.add_paragraph()
    line.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _set_font(line.add_run(_("（%(unit)s · %(period)s）") % {"unit": unit_name, "period": period}), BODY_FONT, 14)

    _heading(document, _("一、总体情况"))
    _paragraph(document, overview(data, unit_name=unit_name, period=period))
    _heading(document, _("二、各机构开展情况"))
    if data["units"]:
        _table(document, data)
    else:
        _paragraph(document, _("统计范围内尚无宣教活动记录。"))
    points = highlights(data)
    if points:
        _heading(document, _("三、活动特点"))
        for text in points:
            _paragraph(document, text)
    if summary.strip():
        _heading(document, _("四、工作总结") if points else _("三、工作总结"))
        for text in summary.strip().splitlines():
            if text.strip():
                _paragraph(document, text.strip())

    day = timezone.localtime(now)
    signed_on = _("%(year)s年%(month)s月%(day)s日") % {"year": day.year, "month": day.month, "day": day.day}
    for text in (unit_name, signed_on):
        signed = document.add_paragraph()
        signed.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        _set_font(signed.add_run(text), BODY_FONT, 14)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
