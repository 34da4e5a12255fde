"""Activities from an Excel workbook (批量导入): the template, then an upload checked row by row, all or nothing.

A unit's monthly report of its activities is a spreadsheet; the import takes it as it is. The file is
checked by its bytes (only .xlsx), every row is checked with the same rules as one record
(`rules.activity_problems`), and if any row fails nothing is written: the caller gets every problem as
(row number, column, message) to show beside the rows. The organising unit and the plan task are chosen
once for the whole file, with the same refusals as recording one activity (a unit imports only its own).
Batches are small (a unit's month, at most MAX_ROWS rows), so the import runs in the request.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from xiaobao.core import audit
from xiaobao.core.models import OrgUnit, User
from xiaobao.core.uploads import check_upload
from xiaobao.plans import error_codes as codes
from xiaobao.plans.activities import check_recorder, check_task
from xiaobao.plans.models import Activity, PlanTask
from xiaobao.plans.rules import activity_problems, activity_values, refusal

MAX_ROWS = 2000
SHEET_NAME = "宣教活动"
# (field, column title, width, example). Titles are Chinese in every language: they are the file format.
COLUMNS = [
    ("held_on", "活动日期", 12, date(2024, 3, 15)),
    ("title", "活动名称", 30, "3·15金融消费者权益日进社区宣传"),
    ("form", "活动形式", 14, "线下活动"),
    ("target", "五进入", 10, "进社区"),
    ("place", "活动地点", 24, "朝阳区八里庄街道社区服务中心"),
    ("participants", "参与人数", 10, 120),
    ("reach", "触达人次", 10, 800),
    ("articles", "文章数", 8, 0),
    ("videos", "视频数", 8, 0),
    ("reposts", "转发数", 8, 2),
    ("media_stories", "媒体报道数", 10, 0),
    ("description", "活动简介", 40, "讲解防范非法集资、理性投保知识，发放宣传折页300份。"),
]
HEADERS = {title: name for name, title, _w, _e in COLUMNS}
REQUIRED = {"held_on", "title", "form"}


@dataclass
class ImportResult:
    """What an import did: `created` activities, or — when any row failed — nothing and every `errors`
    entry as (row number in the sheet, field name, message). `ok` says which."""

    created: list[Activity] = field(default_factory=list)
    errors: list[tuple[int, str, str]] = field(default_factory=list)
    rows: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


def _lookup(choices) -> dict[str, str]:
    """A choice by its code, its Chinese label, or its label in the current language (spaces ignored)."""
    found = {}
    for value, label in choices:
        found[value] = value
        found["".join(str(label).split())] = value
        with translation.override("zh-hans"):
            found["".join(str(label).split())] = value
    return found


def _labels(choices) -> list[str]:
    with translation.override("zh-hans"):
        return [str(label) for _value, label in choices]


def activities_template() -> bytes:
    """The empty workbook to fill in: column titles, one example row, drop-downs for the form and 五进入,
    and a sheet explaining each column."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    sheet = book.active
    sheet.title = SHEET_NAME
    sheet.append([title for _n, title, _w, _e in COLUMNS])
    sheet.append([example for _n, _t, _w, example in COLUMNS])
    for index, (name, _title, width, _example) in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = width
        sheet.cell(row=1, column=index).font = Font(bold=True, color="C00000" if name in REQUIRED else "000000")
        if name == "held_on":
            sheet.cell(row=2, column=index).number_format = "yyyy-mm-dd"
    sheet.freeze_panes = "A2"
    names = [n for n, _t, _w, _e in COLUMNS]
    for name, choices in (("form", Activity.Form.choices), ("target", Activity.Target.choices)):
        letter = get_column_letter(names.index(name) + 1)
        rule = DataValidation(type="list", formula1='"' + ",".join(_labels(choices)) + '"', allow_blank=True)
        rule.add(f"{letter}2:{letter}{MAX_ROWS + 1}")
        sheet.add_data_validation(rule)
    notes = book.create_sheet("填写说明")
    notes.append(["列", "必填", "说明"])
    explain = {
        "held_on": "活动举办日期，如 2024-03-15；不得晚于今天，须在所选方案任务的方案期间内",
        "form": "可选：" + "、".join(_labels(Activity.Form.choices)),
        "target": "线下活动必填，可选：" + "、".join(_labels(Activity.Target.choices)) + "；线上活动留空",
        "participants": "不小于0的整数，空白为0",
        "reach": "触达消费者人次，不小于0的整数，空白为0",
        "articles": "原创文章篇数",
        "videos": "原创视频个数",
        "reposts": "转发篇次",
        "media_stories": "媒体报道篇数",
    }
    for name, title, _w, _e in COLUMNS:
        notes.append([title, "是" if name in REQUIRED else "", explain.get(name, "")])
    notes.append([])
    notes.append(["“宣教活动”表第2行是示例：导入前请改成真实活动或删除，否则它会作为一场活动导入。"])
    notes.append(["活动的组织机构与所属方案任务在上传页面选择，对整个文件有效；只能导入本机构的活动。"])
    notes.append(["文件中任何一行有误则整批不导入，页面逐行列出错误，修改后重新上传。"])
    notes.column_dimensions["A"].width = 14
    notes.column_dimensions["C"].width = 80
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _read(content: bytes) -> list[tuple[int, dict]]:
    """(sheet row number, {field: raw value}) for each non-empty row under the header row."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a damaged file; all mean the same to the user
        raise refusal(codes.IMPORT_UNREADABLE, _("无法读取该 Excel 文件，请使用导入模板。"), field="upload") from None
    sheet = book[SHEET_NAME] if SHEET_NAME in book.sheetnames else book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = next(rows, None) or ()
    positions = {
        HEADERS[str(h).strip()]: i for i, h in enumerate(header) if h is not None and str(h).strip() in HEADERS
    }
    missing = [title for name, title, _w, _e in COLUMNS if name in REQUIRED and name not in positions]
    if missing:
        raise refusal(
            codes.IMPORT_UNREADABLE,
            _("缺少必填列：%(columns)s。请使用导入模板。") % {"columns": "、".join(missing)},
            field="upload",
        )
    found = []
    for number, values in enumerate(rows, start=2):
        if number > MAX_ROWS * 10:  # blank lines count too: a sheet of a million empty rows is refused while read
            raise refusal(codes.IMPORT_TOO_MANY, _("一次最多导入 %(n)s 行。") % {"n": MAX_ROWS}, field="upload")
        row = {name: values[i] if i < len(values) else None for name, i in positions.items()}
        if all(v in (None, "") or (isinstance(v, str) and not v.strip()) for v in row.values()):
            continue
        found.append((number, row))
        if len(found) > MAX_ROWS:
            raise refusal(codes.IMPORT_TOO_MANY, _("一次最多导入 %(n)s 行。") % {"n": MAX_ROWS}, field="upload")
    book.close()
    return found


def _normalise(row: dict, forms: dict, targets: dict) -> tuple[dict, list[tuple[str, str, str]]]:
    """Cells to the values `activity_problems` checks: choice labels to codes, Excel dates to dates."""
    data = dict(row)
    problems = []
    for name, lookup in (("form", forms), ("target", targets)):
        raw = "".join(str(data.get(name) or "").split())
        data[name] = lookup.get(raw, raw and f"?{raw}")
    held_on = data.get("held_on")
    if isinstance(held_on, datetime):
        data["held_on"] = held_on.date()
    elif isinstance(held_on, str):
        text = held_on.strip().replace("/", "-").replace(".", "-")
        try:
            data["held_on"] = date.fromisoformat("-".join(part.zfill(2) for part in text.split("-")))
        except ValueError:
            data["held_on"] = None
    for name in ("title", "place", "description"):
        data[name] = "" if data.get(name) is None else str(data[name])
    if str(data.get("form", "")).startswith("?"):
        problems.append(("form", codes.INVALID, _("活动形式无效：%(value)s") % {"value": data["form"][1:]}))
        data["form"] = ""
    if str(data.get("target", "")).startswith("?"):
        problems.append(("target", codes.INVALID, _("“五进入”类别无效：%(value)s") % {"value": data["target"][1:]}))
        data["target"] = ""
    return data, problems


def activities_import(
    *, actor: User, upload, org_unit: OrgUnit | None = None, task: PlanTask | None = None, now: datetime | None = None
) -> ImportResult:
    """Import a workbook of `org_unit`'s activities (default: the actor's unit), optionally on one task.

    Refuses the whole file (BusinessRuleError): NOT_ALLOWED / NOT_OWN_UNIT (403), PLAN_NOT_RUNNING (409),
    TASK_NOT_ASSIGNED, the upload refusals of core (an .xlsx by content only), IMPORT_UNREADABLE (no
    workbook, or a required column missing), IMPORT_EMPTY, IMPORT_TOO_MANY. Row problems (the rules of
    `activity_record`, plus unknown form or 五进入 labels) come back in `errors`, and then nothing is written.
    The file is read and checked before the write transaction opens, which only inserts the rows.
    """
    now = now or timezone.now()
    unit = check_recorder(actor, org_unit)
    task = check_task(task, unit)
    checked = check_upload(upload, allowed=frozenset({"xlsx"}), field="file")
    rows = _read(checked.content)
    if not rows:
        raise refusal(codes.IMPORT_EMPTY, _("文件中没有活动数据。"), field="upload")
    forms, targets = _lookup(Activity.Form.choices), _lookup(Activity.Target.choices)
    today = timezone.localdate(now)
    result = ImportResult(rows=len(rows))
    ready = []
    for number, row in rows:
        data, problems = _normalise(row, forms, targets)
        problems += [p for p in activity_problems(data, task=task, today=today) if p[0] not in {q[0] for q in problems}]
        if problems:
            result.errors.extend((number, name, message) for name, _code, message in problems)
        else:
            ready.append(activity_values(data))
    if result.errors:
        return result
    with transaction.atomic():
        return _store(result, ready, actor=actor, unit=unit, task=task, checked=checked, now=now)


def _store(result: ImportResult, ready: list[dict], *, actor, unit, task, checked, now) -> ImportResult:
    result.created = Activity.objects.bulk_create(
        [Activity(org_unit=unit, task=task, created_by=actor, created_at=now, **values) for values in ready]
    )
    audit.record(
        actor=actor,
        action="activity.import",
        obj=task.plan if task else unit,
        changes={
            "file": checked.name,
            "sha256": hashlib.sha256(checked.content).hexdigest(),
            "rows": len(ready),
            "org_unit": unit.code,
            "task": task.pk if task else None,
        },
        org_unit=unit,
        at=now,
    )
    return result
