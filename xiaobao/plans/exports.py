"""宣教活动汇总 as an Excel workbook (openpyxl), in the layout of the report forms branches send upward.

One sheet per breakdown (按机构, 按活动形式, 按五进入, 按月份): a title, a line naming the reporting unit, the
scope (a plan or a year) and the day made, a header, one row per group and a 合计 row. Every sheet adds up
the same activities, so each 合计 is the same. Only counts leave the system here: no person.

`report_data(rollup)` turns the selector's Rollup into the plain rows the page, this workbook and the
Word summary share, so the three cannot disagree.
"""

from __future__ import annotations

import io

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_
from openpyxl import Workbook

from xiaobao.core import xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# (key in a roll-up row, header): every measure is a count
MEASURES = [
    ("events", N_("活动场次")),
    ("participants", N_("参与人数")),
    ("reach", N_("触达人次")),
    ("articles", N_("原创文章")),
    ("videos", N_("原创视频")),
    ("reposts", N_("转发次数")),
    ("media_stories", N_("媒体报道")),
]
KEYS = [key for key, _header in MEASURES]

# (report_data key, sheet name, title, the first column's header)
SHEETS = [
    ("units", N_("按机构"), N_("消费者教育宣传活动情况汇总表（按机构）"), N_("机构")),
    ("by_form", N_("按活动形式"), N_("消费者教育宣传活动情况汇总表（按活动形式）"), N_("活动形式")),
    ("by_target", N_("按五进入"), N_("消费者教育宣传活动情况汇总表（按“五进入”）"), N_("五进入")),
    ("by_month", N_("按月份"), N_("消费者教育宣传活动情况汇总表（按月份）"), N_("月份")),
]

NOTES = [
    N_("注：1. 统计口径为已登记的宣教活动记录，各表合计相同。"),
    N_("2. 触达人次含线上阅读、观看及线下参与；线上活动不计入“五进入”，在按五进入表中列为“线上活动”。"),
]


def _get(row, key: str, default=None):
    if isinstance(row, dict):
        return row.get(key, default)
    return getattr(row, key, default)


def _figures(row) -> dict[str, int]:
    return {key: int(_get(row, key) or 0) for key in KEYS}


def _unit_row(row) -> dict:
    unit = _get(row, "unit")
    name = _get(row, "name") or (getattr(unit, "name", None) if unit is not None else None) or str(unit or "")
    short = _get(row, "short_name") or getattr(unit, "short_name", "") or name
    return {
        "unit": unit,
        "id": getattr(unit, "pk", _get(row, "org_unit_id")),
        "code": getattr(unit, "code", ""),
        "name": name,
        "short": short,
        "depth": getattr(unit, "depth", 1),
        **_figures(row),
    }


def _labelled(rows, label_of) -> list[dict]:
    found = []
    for row in rows or []:
        key = _get(row, "key")
        if key is None:
            key = _get(row, "form", _get(row, "target", _get(row, "month")))
        label = _get(row, "label") or label_of(key)
        found.append({"key": key, "label": str(label), **_figures(row)})
    return found


def report_data(rollup) -> dict:
    """The roll-up as plain rows: units (in org order), by_form, by_target, by_month, totals."""
    from xiaobao.plans.models import Activity

    forms = dict(Activity.Form.choices)
    targets = dict(Activity.Target.choices)

    def target_label(key) -> str:
        return str(targets.get(key) or _("线上活动"))

    def month_label(key) -> str:
        return key.strftime("%Y-%m") if hasattr(key, "strftime") else str(key)

    return {
        "units": [_unit_row(row) for row in _get(rollup, "units", None) or _get(rollup, "rows", [])],
        "by_form": _labelled(_get(rollup, "by_form"), lambda key: forms.get(key, key)),
        "by_target": _labelled(_get(rollup, "by_target"), target_label),
        "by_month": _labelled(_get(rollup, "by_month"), month_label),
        "totals": _figures(_get(rollup, "totals", {})),
    }


def rollup_sheets(data: dict) -> list[dict]:
    """What each sheet holds (kept apart from the styling so tests can read it)."""
    header_tail = [_(header) for _key, header in MEASURES]
    sheets = []
    for key, name, title, first in SHEETS:
        rows = []
        top = min((row.get("depth", 1) for row in data[key]), default=1)
        for index, row in enumerate(data[key], start=1):
            label = row["name"] if key == "units" else row["label"]
            if key == "units":
                label = "\u3000" * (row["depth"] - top) + label
            rows.append([index, label, *[row[k] for k in KEYS]])
        sheets.append(
            {
                "key": key,
                "name": _(name),
                "title": _(title),
                "header": [_("序号"), _(first), *header_tail],
                "rows": rows,
                "totals": ["", _("合计"), *[data["totals"][k] for k in KEYS]],
            }
        )
    return sheets


def subtitle(*, unit_name: str, scope: str, now=None) -> str:
    now = now or timezone.now()
    return "　".join(
        [
            _("填报机构：%(unit)s") % {"unit": unit_name},
            _("统计范围：%(scope)s") % {"scope": scope},
            _("制表日期：%(day)s") % {"day": timezone.localtime(now).strftime("%Y-%m-%d")},
        ]
    )


def _write(sheet, spec: dict, line: str) -> None:
    width = len(spec["header"])
    xlsx.head(sheet, title=spec["title"], subtitle=line, header=spec["header"])
    for values in [*spec["rows"], spec["totals"]]:
        for cell in xlsx.boxed_row(sheet, values)[2:]:
            cell.number_format = "#,##0"
    xlsx.shade_totals(sheet)
    xlsx.notes(sheet, [_(note) for note in NOTES], width)
    xlsx.finish(sheet, width=width, label_width=28, value_width=13)


def rollup_workbook_bytes(data: dict, *, unit_name: str, scope: str, now=None) -> bytes:
    book = Workbook()
    book.remove(book.active)
    line = subtitle(unit_name=unit_name, scope=scope, now=now)
    for spec in rollup_sheets(data):
        _write(book.create_sheet(spec["name"]), spec, line)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def rollup_workbook(data: dict, *, unit_name: str, scope: str, filename: str) -> HttpResponse:
    """The roll-up as a download: one sheet per breakdown (see SHEETS), each with its 合计 row."""
    response = HttpResponse(rollup_workbook_bytes(data, unit_name=unit_name, scope=scope), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
