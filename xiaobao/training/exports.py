"""Coverage in Excel for management and the regulator: rates by unit and group, and the people not covered."""

from __future__ import annotations

import io

from django.utils.translation import gettext as _

from xiaobao.training.coverage import Coverage
from xiaobao.training.models import AudienceGroup


def coverage_workbook(result: Coverage, *, unit=None) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = _("覆盖率")
    scope = unit.name if unit else _("全部可见机构")
    sheet.append([_("%(year)s年培训覆盖情况（%(scope)s）") % {"year": result.year, "scope": scope}])
    sheet["A1"].font = Font(bold=True, size=14)
    totals = result.totals
    sheet.append(
        [_("应覆盖人数"), totals["people"], _("已覆盖人数"), totals["covered"], _("覆盖率（%）"), totals["rate"]]
    )
    sheet.append([])
    sheet.append([_("机构"), _("应覆盖人数"), _("已覆盖人数"), _("覆盖率（%）")])
    for row in result.rows_by(lambda p: p.unit_name):
        sheet.append([row["key"], row["people"], row["covered"], row["rate"]])
    sheet.append([])
    names = dict(AudienceGroup.choices)
    sheet.append([_("培训对象类别"), _("应覆盖人数"), _("已覆盖人数"), _("覆盖率（%）")])
    for row in result.rows_by(lambda p: str(names.get(p.group, p.group))):
        sheet.append([row["key"], row["people"], row["covered"], row["rate"]])
    sheet.column_dimensions["A"].width = 28
    people = book.create_sheet(_("未覆盖人员"))
    people.append([_("工号"), _("姓名"), _("机构"), _("培训对象类别"), _("未参加的必修课程"), _("考试未通过的课程")])
    for person in result.people:
        if person.covered:
            continue
        people.append(
            [
                person.employee_no,
                person.name,
                person.unit_name,
                str(names.get(person.group, person.group)),
                "、".join(result.course_titles[c] for c in person.missing_attendance)
                or ("" if person.required else _("无必修课程")),
                "、".join(result.course_titles[c] for c in person.missing_pass),
            ]
        )
    for letter, width in zip("ABCDEF", (12, 10, 24, 14, 60, 40), strict=True):
        people.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
