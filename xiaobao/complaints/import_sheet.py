"""The complaint import workbook (批量导入): its columns, the template to fill in, reading a sheet, checking each
row's cells, and the error report. The file format only: the job, its run and its transaction are imports.py.

The column titles are Chinese in every interface language: they are the file format.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from xiaobao.complaints.models import Complaint
from xiaobao.complaints.rules import MAJOR_EVENTS
from xiaobao.core.masking import mask_field_value

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: One transaction holds the database's write lock while it runs: keep a batch to what finishes in a minute or two.
MAX_ROWS = 2000
SHEET_NAME = "投诉登记"
ERROR_HEADER = "错误说明"
ROW_HEADER = "原行号"


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # the workbook's column title: a file format, the same in every interface language
    required: bool = False
    max_length: int = 0
    width: int = 14
    example: object = ""
    personal: bool = False  # encrypted personal data: masked in the error report


# The workbook's columns, in order. The titles are Chinese in every language: they are the file format.
COLUMNS = [
    Column("channel", "投诉渠道", required=True, width=14, example="400热线"),
    Column("received_at", "收到时间", required=True, width=18, example=datetime(2025, 3, 3, 10, 20)),
    Column("complainant_name", "投诉人姓名", required=True, max_length=100, width=12, example="王小明", personal=True),
    Column("complainant_id_number", "证件号码", max_length=30, width=22, example="110101199003071234", personal=True),
    Column("complainant_phone", "联系电话", max_length=30, width=15, example="13800138000", personal=True),
    Column("complainant_address", "联系地址", max_length=300, width=24, example="北京市朝阳区建国路1号", personal=True),
    Column("relation", "与消费者关系", width=12, example="本人"),
    Column("consumer_name", "消费者姓名", max_length=100, width=12, personal=True),
    Column("complainant_count", "投诉人数", width=10, example=1),
    Column("policy_number", "保单/账户号", max_length=64, width=20, example="P2024110100123"),
    Column("product_name", "产品名称", max_length=200, width=20, example="鑫享年金保险（分红型）"),
    Column("subject", "投诉事由", required=True, max_length=200, width=24, example="理赔时效慢"),
    Column("content", "投诉内容", required=True, max_length=20000, width=40, example="2月申请理赔，至今未结案。"),
    Column("demand_text", "投诉请求", max_length=5000, width=24, example="尽快赔付"),
    Column("amount", "涉及金额（元）", width=14, example=Decimal("12000.00")),
    Column("media_attention", "媒体关注", width=10, example="否"),
    Column("org_unit", "责任机构代码", required=True, max_length=32, width=14, example="A"),
    Column("respondent_text", "被投诉人员", max_length=100, width=12),
    Column("external_ref", "外部编号", max_length=64, width=18, example="CC20250303001"),
    # 第七条: a 面谈 complaint is received where recording equipment keeps the reception; its reference is required
    Column("recording_ref", "录音录像编号", max_length=100, width=18),
    # 第二十九条第一项: a complaint arising from a major natural disaster, accident or public-health event is 重大
    Column("major_event", "重大事件类型", width=14),
]
#: The most text one row of the template can hold (every column at its longest); caps the shared strings.
_ROW_CHARS = sum(column.max_length or 64 for column in COLUMNS)
BY_KEY = {c.key: c for c in COLUMNS}
YES = {"是", "y", "yes", "true", "1", "有"}
NO = {"否", "n", "no", "false", "0", "无", ""}
_SPACES = re.compile(r"\s+")
_PHONE = re.compile(r"^\+?[0-9][0-9 -]{2,28}$")
_ID = re.compile(r"^[0-9A-Za-z-]{4,30}$")
_DATE_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d")
_DATE_FORMATS += ("%Y.%m.%d", "%Y年%m月%d日")


def _normal(value: str) -> str:
    return _SPACES.sub("", value).lower()


def choice_lookup(choices) -> dict[str, str]:
    """Accept a choice by its Chinese label, its label in the current language, or its code."""
    found = {}
    for value, label in choices:
        found[_normal(value)] = value
        found[_normal(str(label))] = value
        with translation.override("zh-hans"):
            found[_normal(str(label))] = value
    return found


def _labels(choices) -> list[str]:
    with translation.override("zh-hans"):
        return [str(label) for _value, label in choices]


# --- the template ---------------------------------------------------------------------------------


def template_workbook(*, unit_code: str = "") -> bytes:
    """The empty workbook to fill in: the column titles, one example row, a sheet explaining each column.

    `unit_code` (the uploader's unit) is used in the example row so it imports as it stands.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    sheet = book.active
    sheet.title = SHEET_NAME
    sheet.append([c.header for c in COLUMNS])
    example = [c.example for c in COLUMNS]
    if unit_code:
        example[COLUMNS.index(BY_KEY["org_unit"])] = unit_code
    sheet.append(example)
    for index, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = column.width
        cell = sheet.cell(row=1, column=index)
        cell.font = Font(bold=True, color="C00000" if column.required else "000000")
        if column.key == "received_at":
            sheet.cell(row=2, column=index).number_format = "yyyy-mm-dd hh:mm"
        if column.key in ("complainant_id_number", "complainant_phone", "policy_number", "org_unit"):
            # Text, so Excel keeps every digit of an 18-digit ID number and the leading zeros.
            sheet.column_dimensions[letter].number_format = "@"
            sheet.cell(row=2, column=index).number_format = "@"
    sheet.freeze_panes = "A2"
    for key, choices in (("channel", Complaint.Channel.choices), ("relation", Complaint.Relation.choices)):
        letter = get_column_letter(COLUMNS.index(BY_KEY[key]) + 1)
        rule = DataValidation(type="list", formula1='"' + ",".join(_labels(choices)) + '"', allow_blank=True)
        rule.add(f"{letter}2:{letter}{MAX_ROWS + 1}")
        sheet.add_data_validation(rule)

    notes = book.create_sheet("填写说明")
    notes.append(["列", "必填", "说明"])
    explain = {
        "channel": "可选：" + "、".join(_labels(Complaint.Channel.choices)),
        "received_at": "收到投诉的日期或日期时间，如 2025-03-03 或 2025-03-03 10:20；不得晚于导入时间",
        "complainant_id_number": "请以文本格式填写，避免 Excel 丢失末尾数字",
        "relation": "可选：" + "、".join(_labels(Complaint.Relation.choices)) + "；空白为本人",
        "consumer_name": "受托人、继承人或法定代理人投诉时必填",
        "complainant_count": "正整数，空白为 1",
        "amount": "数字，最多两位小数，可空",
        "media_attention": "是 / 否，空白为否",
        "org_unit": "负责处理的机构代码，须在您的权限范围内",
        "external_ref": "来源系统的编号，同一文件内不得重复",
        "recording_ref": "面谈投诉必填：接待过程录音录像的编号（《银行业保险业消费投诉处理管理办法》第七条）",
        "major_event": "因重大事件引发时填写，可选："
        + "、".join(_labels(MAJOR_EVENTS.items()))
        + "；空白为否（第二十九条第一项）",
    }
    for column in COLUMNS:
        notes.append([column.header, "是" if column.required else "", explain.get(column.key, "")])
    notes.append([])
    notes.append(["文件中任何一行有误则整批不导入，系统生成逐行错误报告供下载修改后重新上传。"])
    notes.column_dimensions["A"].width = 16
    notes.column_dimensions["C"].width = 80
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@dataclass
class Row:
    number: int  # the row's number in the sheet (the header is row 1)
    values: list  # as read, in the sheet's column order
    data: dict = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


class SheetError(Exception):
    """The file cannot be imported at all; the message says why."""


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


#: Excel's own widest row; a row with more cells than this was not written by a spreadsheet program.
MAX_ROW_CELLS = 16384


def _measure(content: bytes, *, max_rows: int) -> None:
    """Walk the workbook's XML once, streaming, before openpyxl reads it: openpyxl loads the whole shared
    string table at open and a whole row before it yields it, so an endless row or a string table far larger
    than any import needs would be read in full. Stops at the first cap passed (SheetError):
    - shared strings: more entries, or more characters, than `max_rows` rows of every column could hold;
    - a row of more than MAX_ROW_CELLS cells; more cells in all than `max_rows` * 10 lines of every column.
    A file that is not a readable zip is left to openpyxl, which refuses it with the usual message."""
    from defusedxml.ElementTree import iterparse

    too_many = SheetError(_("一次最多导入 %(n)s 行，请拆分文件。") % {"n": max_rows})
    widest = len(COLUMNS) + 2  # the template's columns, an error column and a spare
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except zipfile.BadZipFile:
        return
    with archive:
        names = archive.namelist()
        for name in names:
            if name.lower() != "xl/sharedstrings.xml":
                continue
            entries, chars = 0, 0
            with archive.open(name) as part:
                for _event, element in iterparse(part, events=("end",)):
                    tag = element.tag.rsplit("}", 1)[-1]
                    if tag == "t" and element.text:
                        chars += len(element.text)
                    elif tag == "si":
                        entries += 1
                        element.clear()
                    if entries > (max_rows + 1) * widest or chars > (max_rows + 1) * _ROW_CHARS:
                        raise too_many
        cells = 0
        for name in names:
            if not name.lower().startswith("xl/worksheets/") or not name.lower().endswith(".xml"):
                continue
            with archive.open(name) as part:
                in_row = 0
                for _event, element in iterparse(part, events=("end",)):
                    tag = element.tag.rsplit("}", 1)[-1]
                    if tag == "c":
                        in_row += 1
                        cells += 1
                        element.clear()
                        if in_row > MAX_ROW_CELLS or cells > max_rows * 10 * widest:
                            raise too_many
                    elif tag == "row":
                        in_row = 0
                        element.clear()


def read_sheet(content: bytes, *, max_rows: int = MAX_ROWS) -> tuple[list[str], list[Row]]:
    """The header titles and the non-blank data rows of the first sheet; SheetError for a file that cannot be
    imported at all (unreadable, a required column missing, no rows, more than `max_rows`, more cells or
    shared text than that many rows can hold — measured while streaming, before anything is loaded)."""
    from openpyxl import load_workbook

    try:
        _measure(content, max_rows=max_rows)
    except SheetError:
        raise
    except Exception as exc:  # broken XML inside the archive
        raise SheetError(_("无法读取该 Excel 文件，请使用导入模板另存为 .xlsx 后上传。")) from exc
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise SheetError(_("无法读取该 Excel 文件，请使用导入模板另存为 .xlsx 后上传。")) from exc
    try:
        sheet = book[SHEET_NAME] if SHEET_NAME in book.sheetnames else book.worksheets[0]
        lines = sheet.iter_rows(values_only=True)
        header_row = next(lines, None) or ()
        headers = [cell_text(v).rstrip("*＊").strip() for v in header_row]
        missing = [c.header for c in COLUMNS if c.required and c.header not in headers]
        if missing:
            raise SheetError(_("缺少必填列：%(columns)s。请使用导入模板。") % {"columns": "、".join(missing)})
        rows = []
        for number, values in enumerate(lines, start=2):
            if number > max_rows * 10:  # blank lines count too: a million empty rows is refused while read
                raise SheetError(_("一次最多导入 %(n)s 行，请拆分文件。") % {"n": max_rows})
            values = list(values)[: len(headers)]
            if all(cell_text(v) == "" for v in values):
                continue
            if len(rows) >= max_rows:
                raise SheetError(_("一次最多导入 %(n)s 行，请拆分文件。") % {"n": max_rows})
            rows.append(Row(number=number, values=values + [None] * (len(headers) - len(values))))
    finally:
        book.close()
    if not rows:
        raise SheetError(_("文件中没有数据行。"))
    return headers, rows


def duplicate_key(data: dict) -> tuple:
    """What makes two rows of one file the same complaint: the external reference, else who, when, what, where."""
    if data["external_ref"]:
        return ("ref", data["external_ref"])
    who = data["complainant_id_number"] or data["complainant_phone"] or data["complainant_name"]
    return ("row", who, timezone.localtime(data["received_at"]).date(), data["subject"], data["org_unit"].pk)


def check_row(row: Row, raw: dict, *, units, channels, relations, now) -> None:
    """Fill the row's `data` (the service's arguments) from its cells, and its `errors`."""
    errors, data = row.errors, row.data

    def text(key: str) -> str:
        column = BY_KEY[key]
        value = cell_text(raw[key])
        if column.required and not value:
            errors.append(_("“%(column)s”必填") % {"column": column.header})
        elif column.max_length and len(value) > column.max_length:
            errors.append(_("“%(column)s”超过 %(n)s 个字") % {"column": column.header, "n": column.max_length})
        elif column.personal and "*" in value:
            errors.append(_("“%(column)s”是脱敏后的内容，请填写完整信息") % {"column": column.header})
        return value

    for key in ("complainant_name", "complainant_address", "consumer_name", "policy_number", "product_name"):
        data[key] = text(key)
    for key in ("subject", "content", "demand_text", "respondent_text", "external_ref", "recording_ref"):
        data[key] = text(key)

    if isinstance(raw["complainant_id_number"], int | float):
        errors.append(_("“证件号码”须以文本格式填写（数字格式会丢失末位）"))
        data["complainant_id_number"] = ""
    else:
        data["complainant_id_number"] = text("complainant_id_number").upper()
        if data["complainant_id_number"] and not _ID.match(data["complainant_id_number"]):
            errors.append(_("“证件号码”格式不正确"))
    data["complainant_phone"] = text("complainant_phone")
    if data["complainant_phone"] and not _PHONE.match(data["complainant_phone"]):
        errors.append(_("“联系电话”格式不正确"))

    channel = text("channel")
    if channel:
        data["channel"] = channels.get(_normal(channel))
        if data["channel"] is None:
            errors.append(_("“投诉渠道”不是可选的渠道：%(value)s") % {"value": channel[:30]})

    relation = text("relation")
    data["relation"] = relations.get(_normal(relation)) if relation else Complaint.Relation.SELF
    if data["relation"] is None:
        errors.append(_("“与消费者关系”不是可选值：%(value)s") % {"value": relation[:30]})
    elif data["relation"] != Complaint.Relation.SELF and not data["consumer_name"]:
        # Art. 14: an agent, heir or guardian complains for someone; the register names that consumer.
        errors.append(_("代为投诉时须填写“消费者姓名”"))

    if data.get("channel") == Complaint.Channel.IN_PERSON and not data["recording_ref"]:
        errors.append(_("面谈投诉须填写“录音录像编号”"))  # 第七条
    event = text("major_event")
    data["major_event"] = choice_lookup(MAJOR_EVENTS.items()).get(_normal(event)) if event else ""
    if data["major_event"] is None:
        errors.append(_("“重大事件类型”不是可选值：%(value)s") % {"value": event[:30]})
        data["major_event"] = ""

    data["received_at"] = _moment(raw["received_at"], errors)
    if data["received_at"] and data["received_at"] > now:
        errors.append(_("“收到时间”晚于导入时间"))

    data["complainant_count"] = _count(raw["complainant_count"], errors)
    data["amount"] = _amount(raw["amount"], errors)
    media = _normal(cell_text(raw["media_attention"]))
    data["media_attention"] = media in YES
    if media not in YES and media not in NO:
        errors.append(_("“媒体关注”请填“是”或“否”"))

    code = text("org_unit")
    if code:
        data["org_unit"] = units.get(code)
        if data["org_unit"] is None:
            errors.append(_("机构代码“%(code)s”不存在或不在您的权限范围内") % {"code": code[:32]})


def _moment(value, errors: list[str]) -> datetime | None:
    if value is None or cell_text(value) == "":
        errors.append(_("“收到时间”必填"))
        return None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time.min)
    else:
        text = cell_text(value)
        for fmt in _DATE_FORMATS:
            try:
                moment = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
        else:
            errors.append(_("“收到时间”不是有效日期（如 2025-03-03 或 2025-03-03 10:20）"))
            return None
    if moment.year < 2000:
        errors.append(_("“收到时间”不是有效日期（如 2025-03-03 或 2025-03-03 10:20）"))
        return None
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _count(value, errors: list[str]) -> int:
    text = cell_text(value)
    if not text:
        return 1
    if text.isdigit() and 1 <= int(text) <= 100000:
        return int(text)
    errors.append(_("“投诉人数”须为正整数"))
    return 1


def _amount(value, errors: list[str]) -> Decimal | None:
    if isinstance(value, float):
        value = repr(value)
    text = cell_text(value).replace(",", "").replace("，", "").removesuffix("元").strip()
    if not text:
        return None
    try:
        amount = Decimal(text)
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite() or amount < 0 or amount >= Decimal("1e12"):
        errors.append(_("“涉及金额（元）”须为不小于 0 的数字"))
        return None
    if amount != amount.quantize(Decimal("0.01")):
        errors.append(_("“涉及金额（元）”最多两位小数"))
        return None
    return amount.quantize(Decimal("0.01"))


def error_report(headers: list[str], rows: list[Row]) -> bytes:
    """The rows as read (personal data masked), the sheet row number first and the errors last; bad rows red."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font, PatternFill

    personal = {c.header: c.key for c in COLUMNS if c.personal}
    book = Workbook(write_only=True)
    sheet = book.create_sheet(SHEET_NAME)
    sheet.freeze_panes = "B2"
    sheet.column_dimensions["A"].width = 8
    titles = [WriteOnlyCell(sheet, value=v) for v in [ROW_HEADER, *headers, ERROR_HEADER]]
    for cell in titles:
        cell.font = Font(bold=True)
    sheet.append(titles)
    red = PatternFill("solid", fgColor="FFC7CE")
    for row in rows:
        values = [row.number]
        for title, value in zip(headers, row.values, strict=True):
            if title in personal and value not in (None, ""):
                value = mask_field_value(personal[title], cell_text(value))
            values.append(value)
        values.append("；".join(row.errors))
        cells = [_cell(sheet, v) for v in values]
        if row.errors:
            for cell in cells:
                cell.fill = red
        sheet.append(cells)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _cell(sheet, value):
    """Text that starts like a formula stays text: the report must not run what the upload held."""
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"
    return cell
