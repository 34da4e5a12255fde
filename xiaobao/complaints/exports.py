"""投诉统计 as an Excel workbook in the layout regulators' report forms use (openpyxl).

One sheet per breakdown (按机构, 按月份, 按渠道, 按业务类别, 按投诉原因): a title, a line naming the reporting
unit, the period and the filters, a header, one row per group, a 合计 row and the definitions under it. Every
sheet partitions the same complaints, so each 合计 equals the filtered list's count. Only counts leave the
system here: no complaint, no person.
"""

from __future__ import annotations

import io

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_
from openpyxl import Workbook

from xiaobao.core import numbers, xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# (key in a statistics row, header, kind): "n" a count, "rate" a share of two counts, "days" one decimal
MEASURES = [
    ("total", N_("投诉件数"), "n"),
    ("regulator", N_("其中：监管/平台转办"), "n"),
    ("major", N_("其中：重大消费投诉"), "n"),
    ("internal_group", N_("其中：群体性（内部标准）"), "n"),
    ("closed", N_("办结件数"), "n"),
    ("due", N_("应办结件数"), "n"),
    ("on_time", N_("按时办结件数"), "n"),
    ("on_time_rate", N_("按时办结率"), "rate"),
    ("repeat", N_("重复投诉件数"), "n"),
    ("repeat_rate", N_("重复投诉率"), "rate"),
    ("avg_days", N_("平均办结天数"), "days"),
    ("open", N_("未办结件数"), "n"),
    ("overdue", N_("其中：逾期"), "n"),
    ("withdrawn", N_("撤回件数"), "n"),
]

# (statistics key, sheet name, title, the first column's header)
SHEETS = [
    ("by_unit", N_("按机构"), N_("消费投诉情况统计表（按机构）"), N_("机构")),
    ("by_month", N_("按月份"), N_("消费投诉情况统计表（按月份）"), N_("月份")),
    ("by_channel", N_("按渠道"), N_("消费投诉情况统计表（按投诉渠道）"), N_("投诉渠道")),
    ("by_business", N_("按业务类别"), N_("消费投诉情况统计表（按业务/产品类别）"), N_("业务/产品类别")),
    ("by_cause", N_("按投诉原因"), N_("消费投诉情况统计表（按投诉原因）"), N_("投诉原因")),
]

NOTES = [
    N_(
        "注：1. 统计口径与投诉列表的筛选条件一致，各表合计相同；监管转办、银保信平台转办的投诉与直接受理的投诉同口径统计。"
    ),
    N_(
        "2. 按时办结率 = 在期限内告知处理决定的件数 ÷ 应办结件数。应办结件数：现行处理期限（含依规延长、暂停计时与重新"
        "计算后的期限）落在统计期间内且已届满的全部投诉，不论是否办结；期限届满前已收到撤回申请或已告知不予办理的除外，"
        "暂停计时中的除外。逾期未办结的计为未按时。"
    ),
    N_("3. 重复投诉率 = 重复投诉件数 ÷ 投诉件数；平均办结天数 = 办结投诉自收到之日至办结之日的天数合计 ÷ 办结件数。"),
    N_("4. 各级合计中的比率均由该级的分子、分母重新计算，不是下级比率的平均数。"),
]


def _ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def _values(row: dict) -> list:
    """A statistics row as the cells after its label: counts, rates as fractions (shown as %), days."""
    values = []
    for key, _header, kind in MEASURES:
        if key == "on_time_rate":
            values.append(_ratio(row["on_time"], row["due"]))
        elif key == "repeat_rate":
            values.append(_ratio(row["repeat"], row["total"]))
        elif kind == "days":
            values.append(round(row["handling_seconds"] / 86400 / row["closed"], 1) if row["closed"] else None)
        else:
            values.append(row[key])
    return values


def _label(key: str, row: dict, top: int) -> str:
    if key == "by_unit":
        return "\u3000" * (row["depth"] - top) + row["label"]  # indented below the table's top level
    if key in ("by_business", "by_cause") and row["key"]:
        return f"{row['key']} {row['label']}"
    return row["label"]


def statistics_sheets(data: dict) -> list[dict]:
    """What each sheet holds (kept apart from the styling so tests can read it): name, title, header,
    rows (label + values) and the totals row."""
    header_tail = [_(header) for _key, header, _kind in MEASURES]
    sheets = []
    for key, name, title, first in SHEETS:
        top = min((row.get("depth", 0) for row in data[key]), default=0)
        rows = [[_label(key, row, top), *_values(row)] for row in data[key]]
        sheets.append(
            {
                "key": key,
                "name": _(name),
                "title": _(title),
                "header": [_("序号"), _(first), *header_tail],
                "rows": [[index, *row] for index, row in enumerate(rows, start=1)],
                "totals": ["", _("合计"), *_values(data["totals"])],
            }
        )
    return sheets


def _subtitle(*, unit_name: str, period: str, conditions: str, now) -> str:
    parts = [_("填报机构：%(unit)s") % {"unit": unit_name}, _("统计区间：%(period)s") % {"period": period}]
    if conditions:
        parts.append(_("筛选条件：%(conditions)s") % {"conditions": conditions})
    parts.append(_("制表日期：%(day)s") % {"day": timezone.localtime(now).strftime("%Y-%m-%d")})
    return "　".join(parts)


def _write(sheet, spec: dict, subtitle: str) -> None:
    width = len(spec["header"])
    xlsx.head(sheet, title=spec["title"], subtitle=subtitle, header=spec["header"])
    for values in [*spec["rows"], spec["totals"]]:
        for column, cell in enumerate(xlsx.boxed_row(sheet, values), start=1):
            kind = MEASURES[column - 3][2] if column >= 3 else ""
            if kind == "rate":
                cell.number_format = numbers.EXCEL_PERCENT
            elif kind == "days":
                cell.number_format = numbers.EXCEL_DECIMAL
            elif isinstance(cell.value, int):
                cell.number_format = numbers.EXCEL_COUNT
    xlsx.shade_totals(sheet)
    xlsx.notes(sheet, [_(note) for note in NOTES], width)
    xlsx.finish(sheet, width=width, label_width=30, value_width=12)


def statistics_workbook(data: dict, *, unit_name: str, period: str, conditions: str, filename: str) -> HttpResponse:
    """The workbook as a download: one sheet per breakdown (see SHEETS), each with its 合计 row."""
    book = Workbook()
    book.remove(book.active)
    subtitle = _subtitle(unit_name=unit_name, period=period, conditions=conditions, now=data["now"])
    for spec in statistics_sheets(data):
        _write(book.create_sheet(spec["name"]), spec, subtitle)
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
