"""董事会消保年度报告: the annual consumer-protection report to the board committee, as a Word document.

Sections (the order a board committee's annual report follows): governance (the indicator system, targets met,
alerts and their work orders), reviews (消保审查), complaints, education (宣传教育), training and service. Every
figure comes from the system: the indicator values of the report's unit for the year (its subtree figure, the
same numbers the cockpit shows) and, for the breakdowns, the complaints and reviews apps' statistics selectors —
all read in the report creator's scope. Chinese text is set in 宋体/黑体 through the eastAsia font slot, which
Word uses for CJK characters (the ASCII slot alone leaves them in the fallback font).

The text is gettext'd: the report is written in the language the job was asked for in (reports.py).
"""

from __future__ import annotations

import io

from django.utils import timezone
from django.utils.translation import gettext as _

from xiaobao.core import numbers
from xiaobao.indicators import figures

BODY_FONT = "宋体"
HEADING_FONT = "黑体"
LATIN_FONT = "Times New Roman"


def _fonts(run_or_style, *, east_asia: str, latin: str = LATIN_FONT) -> None:
    from docx.oxml.ns import qn

    run_or_style.font.name = latin
    element = run_or_style.element
    properties = element.get_or_add_rPr()
    fonts = properties.find(qn("w:rFonts"))
    if fonts is None:
        fonts = properties.makeelement(qn("w:rFonts"), {})
        properties.append(fonts)
    fonts.set(qn("w:eastAsia"), east_asia)
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)


def _document():
    from docx import Document
    from docx.shared import Pt

    document = Document()
    normal = document.styles["Normal"]
    _fonts(normal, east_asia=BODY_FONT)
    normal.font.size = Pt(12)
    normal.paragraph_format.line_spacing = 1.5
    for name, size in (("Title", 22), ("Heading 1", 16), ("Heading 2", 14)):
        style = document.styles[name]
        _fonts(style, east_asia=HEADING_FONT)
        style.font.size = Pt(size)
    if "Table Grid" in [s.name for s in document.styles]:
        _fonts(document.styles["Table Grid"], east_asia=BODY_FONT)
    return document


def _paragraph(document, text: str):
    from docx.shared import Pt

    paragraph = document.add_paragraph()
    paragraph.paragraph_format.first_line_indent = Pt(24)  # 首行缩进两字
    run = paragraph.add_run(text)
    _fonts(run, east_asia=BODY_FONT)
    return paragraph


def _table(document, header: list[str], rows: list[list]) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    table = document.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = ""
        run = cell.paragraphs[0].add_run(str(text))
        run.bold = True
        _fonts(run, east_asia=HEADING_FONT)
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    for values in rows:
        cells = table.add_row().cells
        for index, (cell, value) in enumerate(zip(cells, values, strict=True)):
            cell.text = ""
            run = cell.paragraphs[0].add_run("" if value is None else str(value))
            _fonts(run, east_asia=BODY_FONT)
            if index:
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    document.add_paragraph()


def _indicator_section(document, rows: list[dict], *, empty: str, every: bool = False) -> None:
    """The indicators' table: those with a figure this year or last (every one, for the appendix)."""
    shown = rows if every else [row for row in rows if row["value"] is not None or row["previous"] is not None]
    if not shown:
        _paragraph(document, empty)
        return
    _table(
        document,
        [_("指标"), _("本年度值"), _("目标值"), _("上年度值"), _("状态")],
        [
            [row["name"], row["value_text"], row["target_text"], row["previous_text"], row["status_label"]]
            for row in shown
        ],
    )


def _education(document, activities) -> None:
    """The year's 宣教 activities as recorded in 方案管理: totals, then by form and by 五进入 target."""
    if not activities.totals.get("events"):
        return
    _paragraph(
        document,
        _(
            "据方案管理登记，全年开展宣教活动%(events)s场，触达消费者%(reach)s人次，发布原创文章%(articles)s篇、视频%(videos)s个，转发%(reposts)s次，获媒体报道%(media_stories)s次。"
        )
        % {key: numbers.count_text(value) for key, value in activities.totals.items()},
    )
    header = [_("形式"), _("场次"), _("触达人次")]
    if activities.by_form:
        _table(
            document,
            header,
            [
                [row["label"], numbers.count_text(row["events"]), numbers.count_text(row["reach"])]
                for row in activities.by_form
            ],
        )
    if activities.by_target:
        _table(
            document,
            [_("“五进入”"), _("场次"), _("触达人次")],
            [
                [row["label"], numbers.count_text(row["events"]), numbers.count_text(row["reach"])]
                for row in activities.by_target
            ],
        )


def _percent(value) -> str:
    return numbers.percent_text(value)


def board_report(user, *, unit, year: int, step=lambda percent, text: None, now=None) -> bytes:
    """The report as .docx bytes; `step(percent, text)` is told as each section is written."""
    now = now or timezone.now()
    step(5, _("读取指标值"))
    indicators = figures.indicator_rows(user, unit=unit, year=year)
    by_category = figures.by_category(indicators)

    document = _document()
    document.add_paragraph(
        _("%(unit)s%(year)s年度消费者权益保护工作报告") % {"unit": unit.name, "year": year}, style="Title"
    )
    _paragraph(
        document,
        _(
            "报送：董事会审计与消费者权益保护委员会。编制日期：%(day)s。本报告数据取自消保管理信息系统，统计范围为%(unit)s及其下级机构，统计期间为%(year)s年1月1日至12月31日。"
        )
        % {"day": timezone.localtime(now).strftime("%Y-%m-%d"), "unit": unit.name, "year": year},
    )

    step(15, _("撰写：消保工作治理"))
    document.add_heading(_("一、消费者权益保护工作治理"), level=1)
    governance = figures.governance(user, unit=unit, year=year, rows=indicators)
    _paragraph(
        document,
        _(
            "本年度纳入消保指标体系的指标共%(defined)s项，其中驾驶舱关键指标%(key)s项；设定年度目标的指标%(targeted)s项，达到目标%(met)s项。"
        )
        % governance,
    )
    _paragraph(
        document,
        _(
            "全年触发指标预警%(alerts)s次（其中红色预警%(red)s次），已解除%(cleared)s次；每次预警均向责任机构派发整改工单，共派发%(orders)s张。"
        )
        % governance,
    )
    _indicator_section(document, [row for row in indicators if row["is_key"]], empty=_("本年度尚无关键指标数据。"))

    step(30, _("撰写：消保审查"))
    document.add_heading(_("二、消费者权益保护审查"), level=1)
    reviews = figures.reviews(user, year=year)
    totals = reviews["totals"]
    _paragraph(
        document,
        _(
            "全年完成消保审查%(reviews)s件（已办结%(closed)s件），提出审查意见%(opinions)s条，其中实质性意见%(substantive)s条；意见采纳率%(rate)s，实质性意见采纳率%(substantive_rate)s。"
        )
        % {
            "reviews": numbers.count_text(totals["reviews"]),
            "closed": numbers.count_text(totals["closed"]),
            "opinions": numbers.count_text(totals["opinions"]),
            "substantive": numbers.count_text(totals["substantive"]),
            "rate": _percent(totals["adoption_rate"]),
            "substantive_rate": _percent(totals["substantive_adoption_rate"]),
        },
    )
    type_rows = [row for row in reviews["by_type"] if row["reviews"]]
    if type_rows:
        _table(
            document,
            [_("审查类型"), _("审查件数"), _("意见条数"), _("采纳条数"), _("采纳率")],
            [
                [
                    row["label"],
                    numbers.count_text(row["reviews"]),
                    numbers.count_text(row["opinions"]),
                    numbers.count_text(row["adopted"]),
                    _percent(row["adoption_rate"]),
                ]
                for row in type_rows
            ],
        )
    _indicator_section(document, by_category.get("reviews", []), empty=_("本年度尚无审查类指标数据。"))

    step(45, _("撰写：消费投诉"))
    document.add_heading(_("三、消费投诉管理"), level=1)
    complaints = figures.complaints(user, unit=unit, year=year)
    totals = complaints["totals"]
    _paragraph(
        document,
        _(
            "全年受理消费投诉%(total)s件，其中监管及行业平台转办%(regulator)s件；办结%(closed)s件，按时办结率%(on_time)s；重复投诉%(repeat)s件，重复投诉率%(repeat_rate)s；平均办结天数%(days)s天。"
        )
        % {
            "total": numbers.count_text(totals["total"]),
            "regulator": numbers.count_text(totals["regulator"]),
            "closed": numbers.count_text(totals["closed"]),
            "on_time": figures.rate_text(totals["on_time"], totals["due"]),
            "repeat": numbers.count_text(totals["repeat"]),
            "repeat_rate": figures.rate_text(totals["repeat"], totals["total"]),
            "days": numbers.figure_text(totals["avg_days"]),
        },
    )
    # the definition beside the figure, so the board reads what the rate counts (issue 17)
    _paragraph(document, _("注：%(definition)s") % {"definition": complaints["definition"]})
    if complaints["by_channel"]:
        document.add_heading(_("投诉渠道分布"), level=2)
        _table(
            document,
            [_("投诉渠道"), _("投诉件数"), _("占比")],
            [
                [row["label"], numbers.count_text(row["total"]), figures.rate_text(row["total"], totals["total"])]
                for row in complaints["by_channel"]
            ],
        )
    causes = sorted(complaints["by_cause"], key=lambda row: -row["total"])[:10]
    if causes:
        document.add_heading(_("主要投诉原因（前十位）"), level=2)
        _table(
            document,
            [_("投诉原因"), _("投诉件数"), _("占比")],
            [
                [row["label"], numbers.count_text(row["total"]), figures.rate_text(row["total"], totals["total"])]
                for row in causes
            ],
        )
    _indicator_section(document, by_category.get("complaints", []), empty=_("本年度尚无投诉类指标数据。"))

    step(60, _("撰写：宣传教育"))
    document.add_heading(_("四、金融知识宣传教育"), level=1)
    _paragraph(document, figures.summary_sentence(by_category.get("education", []), _("全年宣传教育工作")))
    _education(document, figures.education(user, year=year))
    _indicator_section(document, by_category.get("education", []), empty=_("本年度尚无宣教类指标数据。"))

    step(70, _("撰写：教育培训"))
    document.add_heading(_("五、消保教育培训"), level=1)
    _paragraph(document, figures.summary_sentence(by_category.get("training", []), _("全年消保培训工作")))
    _indicator_section(document, by_category.get("training", []), empty=_("本年度尚无培训类指标数据。"))

    step(80, _("撰写：服务质量"))
    document.add_heading(_("六、服务质量与经营指标"), level=1)
    service = by_category.get("service", []) + by_category.get("business", [])
    _paragraph(document, figures.summary_sentence(service, _("全年服务质量")))
    _indicator_section(document, service, empty=_("本年度尚无服务类指标数据。"))

    step(90, _("撰写：附表"))
    document.add_heading(_("附表：%(year)s年度消保指标一览") % {"year": year}, level=1)
    _indicator_section(document, indicators, empty=_("本年度尚无指标数据。"), every=True)

    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
