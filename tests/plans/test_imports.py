"""Activities from Excel: the template, every row checked first, all or nothing, row-level errors."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from tests.plans.conftest import LATER
from xiaobao.core.api_errors import BusinessRuleError
from xiaobao.core.models import AuditEntry
from xiaobao.plans import error_codes as codes
from xiaobao.plans import services
from xiaobao.plans.imports import COLUMNS
from xiaobao.plans.models import Activity

HEADER = [title for _name, title, _w, _e in COLUMNS]


def workbook(rows: list[list], header=HEADER) -> SimpleUploadedFile:
    book = Workbook()
    sheet = book.active
    sheet.title = "宣教活动"
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile("活动.xlsx", buffer.getvalue())


def row(**overrides) -> list:
    values = {
        "held_on": datetime(2025, 3, 15),
        "title": "进社区宣传",
        "form": "线下活动",
        "target": "进社区",
        "place": "八里庄",
        "participants": 100,
        "reach": 500,
        "articles": None,
        "videos": None,
        "reposts": 1,
        "media_stories": 0,
        "description": "",
    }
    values.update(overrides)
    return [values[name] for name, _t, _w, _e in COLUMNS]


def run(cast, plan, rows, **kwargs):
    arguments = {"actor": cast.officer_a, "upload": workbook(rows), "task": plan.tasks.get(), "now": LATER}
    arguments.update(kwargs)
    return services.activities_import(**arguments)


def test_the_template_has_the_columns_an_example_and_instructions():
    book = load_workbook(io.BytesIO(services.activities_template()))
    assert book.sheetnames == ["宣教活动", "填写说明"]
    sheet = book["宣教活动"]
    assert [c.value for c in sheet[1]] == HEADER
    assert sheet.cell(row=2, column=3).value == "线下活动"


def test_the_template_imports_as_it_stands(cast, running_plan):
    upload = SimpleUploadedFile("模板.xlsx", services.activities_template())
    result = services.activities_import(actor=cast.officer_a, upload=upload, now=LATER)
    assert result.ok, result.errors
    assert result.created[0].target == "community" and result.created[0].held_on == date(2024, 3, 15)


def test_good_rows_are_all_imported_for_the_own_unit(cast, running_plan):
    result = run(
        cast,
        running_plan,
        [
            row(),
            row(title="微信推文", form="线上·文章", target=None, participants=None, reach="32,000", articles=1),
            row(title="短视频", form="video", target="", held_on="2025/3/16", videos=2.0),
        ],
    )
    assert result.ok and result.rows == 3 and len(result.created) == 3
    assert {a.org_unit_id for a in Activity.objects.all()} == {cast.branch_a.pk}
    assert Activity.objects.get(title="微信推文").reach == 32000
    assert Activity.objects.get(title="短视频").held_on == date(2025, 3, 16)
    assert AuditEntry.objects.filter(action="activity.import").count() == 1


def test_one_bad_row_and_nothing_is_written_with_every_row_error_listed(cast, running_plan):
    result = run(
        cast,
        running_plan,
        [
            row(),
            row(target=None),  # offline without 五进入
            row(form="海报", reach=-5),  # unknown form, negative reach
            row(held_on=datetime(2025, 2, 1)),  # before the plan's period
        ],
    )
    assert not result.ok and not result.created
    assert not Activity.objects.exists()
    assert (3, "target") in [(n, f) for n, f, _m in result.errors]
    assert {f for n, f, _m in result.errors if n == 4} == {"form", "reach"}
    assert (5, "held_on") in [(n, f) for n, f, _m in result.errors]
    assert all(message for _n, _f, message in result.errors)


def test_blank_rows_are_skipped(cast, running_plan):
    result = run(cast, running_plan, [row(), [None] * len(HEADER), row(title="第二场")])
    assert result.ok and len(result.created) == 2


def test_a_unit_imports_only_for_itself(cast, running_plan):
    with pytest.raises(BusinessRuleError) as caught:
        run(cast, running_plan, [row()], org_unit=cast.branch_b)
    assert caught.value.error_code == codes.NOT_OWN_UNIT
    assert not Activity.objects.exists()


@pytest.mark.parametrize(
    "upload, code",
    [
        (SimpleUploadedFile("a.xlsx", b"MZ not a workbook"), "core.upload_type_refused"),
        (workbook([]), codes.IMPORT_EMPTY),
        (workbook([row()], header=["日期", "名称"]), codes.IMPORT_UNREADABLE),
    ],
)
def test_bad_files_are_refused_whole(cast, running_plan, upload, code):
    with pytest.raises(BusinessRuleError) as caught:
        services.activities_import(actor=cast.officer_a, upload=upload, task=running_plan.tasks.get(), now=LATER)
    assert caught.value.error_code == code
    assert not Activity.objects.exists()


def test_read_only_may_not_import(cast, running_plan):
    with pytest.raises(BusinessRuleError) as caught:
        run(cast, running_plan, [row()], actor=cast.manager)
    assert caught.value.error_code == codes.NOT_ALLOWED
