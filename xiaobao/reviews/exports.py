"""审查统计 as an Excel workbook for the annual report (openpyxl).

A summary sheet (总体情况), then one sheet per breakdown (按审查类型, 按提交部门, 按月份, 意见类型及采纳,
涉及消费者权益, 异议处理): a title, a line naming the period and the filters, a header, one row per group, a 合计
row and the definitions under it. The review breakdowns partition the same reviews, so each 合计 equals the
filtered list's count. Only counts leave the system here: no review, no person.
"""

from __future__ import annotations

import io

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from xiaobao.core import numbers, xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# (key in a statistics row, header, kind): "n" a count, "rate" a share (shown as %), "days" one decimal
MEASURES = [
    ("reviews", N_("审查件数"), "n"),
    ("closed", N_("已办结"), "n"),
    ("open", N_("办理中"), "n"),
    ("withdrawn", N_("已撤回"), "n"),
    ("opinions", N_("审查意见数"), "n"),
    ("substantive", N_("其中：实质性意见"), "n"),
    ("answered", N_("已反馈意见数"), "n"),
    ("adopted", N_("最终采纳数"), "n"),
    ("partial", N_("其中：部分采纳"), "n"),
    ("adoption_rate", N_("意见采纳率"), "rate"),
    ("substantive_adopted", N_("实质性意见采纳数"), "n"),
    ("substantive_adoption_rate", N_("实质性意见采纳率"), "rate"),
    ("objections", N_("异议件数"), "n"),
    ("objections_committee", N_("其中：提交消保委员会"), "n"),
    ("avg_review_days", N_("平均出具意见天数"), "days"),
    ("avg_close_days", N_("平均办结天数"), "days"),
]

# opinions per kind / per consumer right
OPINION_MEASURES = [
    ("opinions", N_("意见数"), "n"),
    ("answered", N_("已反馈"), "n"),
    ("unanswered", N_("待反馈"), "n"),
    ("adopted", N_("最终采纳"), "n"),
    ("partial", N_("其中：部分采纳"), "n"),
    ("rejected", N_("反馈不采纳（提出异议）"), "n"),
    ("adoption_rate", N_("采纳率"), "rate"),
    ("to_verify", N_("需整改验证"), "n"),
    ("verified", N_("已验证"), "n"),
]

OBJECTION_MEASURES = [
    ("rereview", N_("审查负责人复核决定"), "n"),
    ("committee", N_("消保委员会决定"), "n"),
    ("total", N_("合计"), "n"),
]

# (statistics key, sheet name, title, first columns' headers, measures)
SHEETS = [
    ("by_type", N_("按审查类型"), N_("消保审查情况统计表（按审查类型）"), [N_("审查类型")], MEASURES),
    ("by_department", N_("按提交部门"), N_("消保审查情况统计表（按提交部门）"), [N_("机构"), N_("部门")], MEASURES),
    ("by_month", N_("按月份"), N_("消保审查情况统计表（按提交月份）"), [N_("月份")], MEASURES),
    (
        "opinions_by_kind",
        N_("意见类型及采纳"),
        N_("审查意见采纳情况统计表（按意见类型）"),
        [N_("意见类型")],
        OPINION_MEASURES,
    ),
    (
        "opinions_by_right",
        N_("涉及消费者权益"),
        N_("审查意见统计表（按涉及的消费者权益）"),
        [N_("消费者权益")],
        OPINION_MEASURES,
    ),
    ("objections", N_("异议处理"), N_("异议处理情况统计表（按处理结果）"), [N_("处理结果")], OBJECTION_MEASURES),
]

NOTES = [
    N_("注：1. 统计口径与审查列表的筛选条件一致，按提交时间统计；各审查统计表的合计与列表件数相同。"),
    N_(
        "2. 意见采纳率 = 最终采纳的意见数 ÷ 已反馈的意见数。最终采纳以异议处理后的结果为准：部分采纳且最终采纳的计入采纳，"
        "异议后撤回的审查意见不计入采纳，异议处理中的意见计入已反馈、暂不计入采纳。"
    ),
    N_(
        "3. 平均办结天数 = 已办结审查自提交至办结的自然日合计 ÷ 已办结件数；平均出具意见天数 = 自提交至出具审查意见的"
        "自然日合计 ÷ 已出具意见件数。"
    ),
    N_("4. 各级合计中的比率、平均数均由该级的分子、分母重新计算，不是下级比率的平均数。"),
]


def values(row: dict, measures=MEASURES) -> list:
    """A statistics row as the cells after its labels: counts, rates as fractions, days to one decimal."""
    cells = []
    for key, _header, kind in measures:
        value = row.get(key)
        if kind == "days" and value is not None:
            value = round(value, 1)
        cells.append(value)
    return cells


def _objection_rows(data: dict) -> tuple[list[list], list]:
    objections = data["objections"]
    rows = [[row["label"], *values(row, OBJECTION_MEASURES)] for row in objections["outcomes"]]
    rows.append([_("复核中（待决定）"), objections["pending_rereview"], 0, objections["pending_rereview"]])
    rows.append([_("提交消保委员会（待决定）"), 0, objections["pending_committee"], objections["pending_committee"]])
    pending_committee = objections["pending_committee"]
    totals = [
        _("合计"),
        objections["decided_by_rereview"] + objections["pending_rereview"],
        objections["decided_by_committee"] + pending_committee,
        objections["total"],
    ]
    return rows, totals


def _opinion_totals(data: dict) -> dict:
    totals = dict(data["totals"])
    totals["unanswered"] = totals["opinions"] - totals["answered"]
    return totals


def statistics_sheets(data: dict) -> list[dict]:
    """What each sheet holds (kept apart from the styling so tests can read it): name, title, header,
    rows (number, labels, values) and the totals row."""
    sheets = []
    for key, name, title, firsts, measures in SHEETS:
        if key == "objections":
            rows, totals = _objection_rows(data)
        else:
            totals_row = _opinion_totals(data) if measures is OPINION_MEASURES else data["totals"]
            if key == "by_department":
                rows = [[row["unit"], row["label"], *values(row, measures)] for row in data[key]]
                totals = [_("合计"), "", *values(totals_row, measures)]
            else:
                rows = [[row["label"], *values(row, measures)] for row in data[key]]
                totals = [_("合计"), *values(totals_row, measures)]
        sheets.append(
            {
                "key": key,
                "name": _(name),
                "title": _(title),
                "header": [_("序号"), *[_(first) for first in firsts], *[_(header) for _k, header, _kind in measures]],
                "kinds": ["", *[""] * len(firsts), *[kind for _k, _header, kind in measures]],
                "rows": [[index, *row] for index, row in enumerate(rows, start=1)],
                "totals": ["", *totals],
            }
        )
    return sheets


def summary_rows(data: dict) -> list[tuple[str, object, str]]:
    """The 总体情况 sheet (and the page's tiles): (label, value, kind)."""
    t, o = data["totals"], data["objections"]
    return [
        (_("审查件数"), t["reviews"], "n"),
        (_("已办结"), t["closed"], "n"),
        (_("办理中"), t["open"], "n"),
        (_("已撤回"), t["withdrawn"], "n"),
        (_("审查意见数"), t["opinions"], "n"),
        (_("其中：实质性意见"), t["substantive"], "n"),
        (_("意见采纳率"), t["adoption_rate"], "rate"),
        (_("实质性意见采纳数"), t["substantive_adopted"], "n"),
        (_("实质性意见采纳率"), t["substantive_adoption_rate"], "rate"),
        (_("整改验证（已验证 / 需验证）"), f"{t['verified']} / {t['to_verify']}", "text"),
        (_("异议件数"), o["total"], "n"),
        (_("其中：审查负责人复核决定"), o["decided_by_rereview"], "n"),
        (_("其中：消保委员会决定"), o["decided_by_committee"], "n"),
        (_("异议处理中"), o["pending_rereview"] + o["pending_committee"], "n"),
        (_("平均出具意见天数"), None if t["avg_review_days"] is None else round(t["avg_review_days"], 1), "days"),
        (_("平均办结天数"), None if t["avg_close_days"] is None else round(t["avg_close_days"], 1), "days"),
    ]


def _subtitle(*, period: str, conditions: str, now) -> str:
    parts = [_("统计区间：%(period)s") % {"period": period}]
    if conditions:
        parts.append(_("筛选条件：%(conditions)s") % {"conditions": conditions})
    parts.append(_("制表日期：%(day)s") % {"day": timezone.localtime(now).strftime("%Y-%m-%d")})
    return "　".join(parts)


def _write_summary(sheet, data: dict, subtitle: str) -> None:
    header = [_("序号"), _("指标"), _("数值")]
    xlsx.head(sheet, title=_("消保审查工作情况统计表（总体情况）"), subtitle=subtitle, header=header)
    for index, (label, value, kind) in enumerate(summary_rows(data), start=1):
        cell = xlsx.boxed_row(sheet, [index, label, value])[2]
        if kind == "rate":
            cell.number_format = numbers.EXCEL_PERCENT
        elif kind == "days":
            cell.number_format = numbers.EXCEL_DECIMAL
    xlsx.notes(sheet, [_(note) for note in NOTES], 3)
    sheet.column_dimensions["A"].width = 6
    sheet.column_dimensions["B"].width = 34
    sheet.column_dimensions["C"].width = 16


def _write(sheet, spec: dict, subtitle: str) -> None:
    width = len(spec["header"])
    xlsx.head(sheet, title=spec["title"], subtitle=subtitle, header=spec["header"])
    for row in [*spec["rows"], spec["totals"]]:
        for kind, cell in zip(spec["kinds"], xlsx.boxed_row(sheet, row), strict=False):
            if kind == "rate":
                cell.number_format = numbers.EXCEL_PERCENT
            elif kind == "days":
                cell.number_format = numbers.EXCEL_DECIMAL
            elif isinstance(cell.value, int):
                cell.number_format = numbers.EXCEL_COUNT
    xlsx.shade_totals(sheet)
    xlsx.notes(sheet, [_(note) for note in NOTES], width)
    labels = width - len([kind for kind in spec["kinds"] if kind])
    sheet.freeze_panes = f"{get_column_letter(labels + 1)}4"  # the header and the labels stay in view
    sheet.column_dimensions["A"].width = 6
    for index in range(2, labels + 1):
        sheet.column_dimensions[get_column_letter(index)].width = 24
    for index in range(labels + 1, width + 1):
        sheet.column_dimensions[get_column_letter(index)].width = 12
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.print_title_rows = "3:3"


def statistics_workbook(data: dict, *, period: str, conditions: str, filename: str) -> HttpResponse:
    """The workbook as a download: 总体情况, then one sheet per breakdown (see SHEETS), each with its 合计 row."""
    book = Workbook()
    subtitle = _subtitle(period=period, conditions=conditions, now=data["now"])
    summary = book.active
    summary.title = _("总体情况")
    _write_summary(summary, data, subtitle)
    for spec in statistics_sheets(data):
        _write(book.create_sheet(spec["name"]), spec, subtitle)
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
