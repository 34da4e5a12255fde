"""Work orders as an Excel workbook (openpyxl, write-only so a long list streams in constant memory)."""

from __future__ import annotations

import io

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter

from xiaobao.core.inputs import strip_control_characters
from xiaobao.workorders.models import WorkOrder

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _local(value):
    # Excel has no time zones: write the local wall-clock time people read on the pages. Whole seconds:
    # Excel rounds a deadline of 23:59:59.999999 up to the next day's 00:00, a day later than the order says.
    return timezone.localtime(value).replace(tzinfo=None, microsecond=0) if value else None


def orders_rows(rows, *, now=None):
    """The header and one list per order: what the export writes (kept apart so tests can read it)."""
    now = now or timezone.now()
    yield [
        _("工单编号"),
        _("标题"),
        _("类型"),
        _("优先级"),
        _("下发机构"),
        _("下发人"),
        _("接收机构"),
        _("办理人"),
        _("状态"),
        _("下发时间"),
        _("办理期限"),
        _("是否逾期"),
        _("督办"),
        _("退回次数"),
        _("反馈时间"),
        _("办结时间"),
        _("来源"),
    ]
    for order in rows.iterator(chunk_size=500):
        late = order.status in WorkOrder.RECIPIENT_STATUSES and order.due_at < now
        yield [
            order.number,
            order.title,
            order.get_kind_display(),
            order.get_priority_display(),
            order.issuer_unit.name,
            str(order.issuer) if order.issuer_id else _("系统"),
            order.org_unit.name,
            str(order.handler) if order.handler_id else "",
            order.get_status_display(),
            _local(order.created_at),
            _local(order.due_at),
            _("是") if late else _("否"),
            order.get_supervision_display(),
            order.return_count,
            _local(order.submitted_at),
            _local(order.closed_at),
            order.source_label,
        ]


def _as_text(sheet, value):
    """Text that starts like a formula stays text: a title such as "=HYPERLINK(…)" must not run in Excel.
    Control characters go: Excel refuses them, and one in a single title must not break everyone's export."""
    value = strip_control_characters(value)
    if isinstance(value, str) and value.startswith("="):
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        return cell
    return value


# Column widths in characters (a CJK character is about two): number, title, kind, priority, issuer unit, ...
WIDTHS = [16, 40, 10, 8, 16, 10, 16, 10, 10, 17, 17, 9, 12, 9, 17, 17, 24]


def orders_workbook(rows, *, filename: str) -> HttpResponse:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("工单"))
    sheet.freeze_panes = "A2"  # the header stays in view while scrolling a long list
    for index, width in enumerate(WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    for values in orders_rows(rows):
        sheet.append([_as_text(sheet, value) for value in values])
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
