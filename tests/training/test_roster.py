"""The roster import: all or nothing, a report of every bad row, scope, leavers, account links."""

from __future__ import annotations

import pytest

from tests.training.conftest import NOW, xlsx
from xiaobao.core.api_errors import BusinessRuleError
from xiaobao.training import error_codes as codes
from xiaobao.training import services
from xiaobao.training.models import StaffMember
from xiaobao.training.roster import COLUMNS

HEADER = [c.title for c in COLUMNS]


def row(no, name, unit, group="运营专员", channel="", username="", hired="2020-01-01", left=""):
    return [no, name, unit, "运营部", "运营专员", group, channel, username, hired, left]


def test_it_imports_new_people_and_links_accounts_by_employee_number(cast):
    from tests.helpers import make_user

    make_user("A1001", cast.sub_a, None)
    upload = xlsx([HEADER, row("A1001", "陈静", "A1"), row("B2001", "赵磊", "B", "销售渠道", "银行保险")])
    result = services.staff_import(actor=cast.hq_admin, upload=upload, now=NOW)
    assert result.ok and result.created == 2
    first = StaffMember.objects.get(employee_no="A1001")
    assert first.user.username == "A1001" and first.org_unit == cast.sub_a
    assert StaffMember.objects.get(employee_no="B2001").channel == "bancassurance"


def test_one_bad_row_writes_nothing_and_every_problem_is_reported(cast):
    upload = xlsx(
        [
            HEADER,
            row("A1001", "陈静", "A1"),
            row("A1002", "", "NOPE"),
            row("A1003", "孙丽", "A", "销售渠道"),
            row("A1001", "重复", "A"),
            row("A1004", "王五", "A", hired="2020-13-45"),
        ]
    )
    result = services.staff_import(actor=cast.hq_admin, upload=upload, now=NOW)
    assert not result.ok
    assert StaffMember.objects.count() == 0
    reported = {(number, column) for number, column, _m in result.errors}
    assert {(3, "姓名"), (3, "机构代码"), (4, "销售渠道"), (5, "工号"), (6, "入职日期")} <= reported


def test_a_branch_imports_only_its_own_people(cast):
    upload = xlsx([HEADER, row("B2001", "赵磊", "B")])
    result = services.staff_import(actor=cast.officer_a, upload=upload, now=NOW)
    assert not result.ok and result.errors[0][1] == "机构代码"
    assert not StaffMember.objects.exists()


def test_reimport_updates_and_a_leaving_date_keeps_the_person(cast):
    services.staff_import(actor=cast.hq_admin, upload=xlsx([HEADER, row("A1001", "陈静", "A1")]), now=NOW)
    result = services.staff_import(
        actor=cast.hq_admin, upload=xlsx([HEADER, row("A1001", "陈静", "A", left="2025-05-31")]), now=NOW
    )
    assert result.ok and (result.created, result.updated) == (0, 1)
    person = StaffMember.objects.get(employee_no="A1001")
    assert person.is_leaver and person.org_unit == cast.branch_a


def test_people_without_permission_and_files_that_are_not_workbooks_are_refused(cast):
    with pytest.raises(BusinessRuleError) as refused:
        services.staff_import(actor=cast.outsider, upload=xlsx([HEADER]), now=NOW)
    assert refused.value.error_code == codes.NOT_ALLOWED
    from django.core.files.uploadedfile import SimpleUploadedFile

    with pytest.raises(BusinessRuleError):
        services.staff_import(actor=cast.hq_admin, upload=SimpleUploadedFile("x.xlsx", b"not a workbook"), now=NOW)
    with pytest.raises(BusinessRuleError) as empty:
        services.staff_import(actor=cast.hq_admin, upload=xlsx([HEADER]), now=NOW)
    assert empty.value.error_code == codes.IMPORT_EMPTY


def test_one_account_cannot_belong_to_two_people(cast):
    upload = xlsx(
        [HEADER, row("A1001", "张伟", "A", username="officer_a"), row("A1002", "张伟2", "A", username="officer_a")]
    )
    result = services.staff_import(actor=cast.hq_admin, upload=upload, now=NOW)
    assert not result.ok and result.errors[0][1] == "系统账号"


def test_the_template_reads_back_with_its_example_row(cast):
    from io import BytesIO

    from django.core.files.uploadedfile import SimpleUploadedFile

    template = services.staff_template()
    result = services.staff_import(actor=cast.hq_admin, upload=SimpleUploadedFile("t.xlsx", template), now=NOW)
    assert result.ok and result.created == 1
    assert BytesIO(template).read(2) == b"PK"
