"""Activities from Excel under hostile files: oversized, a padded bomb, endless lines (refused while read), and
other users' writes going through while the file is read (outside the write transaction)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from tests.helpers_uploads import padded_bomb, sheet_with_lines, write_meanwhile
from tests.plans.conftest import LATER
from tests.plans.test_imports import HEADER, row, workbook
from xiaobao.core import error_codes as core_codes
from xiaobao.core.api_errors import BusinessRuleError
from xiaobao.core.models import User
from xiaobao.plans import error_codes as codes
from xiaobao.plans import imports, services
from xiaobao.plans.models import Activity


def refused(cast, plan, upload) -> str:
    with pytest.raises(BusinessRuleError) as caught:
        services.activities_import(actor=cast.officer_a, upload=upload, task=plan.tasks.get(), now=LATER)
    assert not Activity.objects.exists()
    return caught.value.error_code


@override_settings(UPLOAD_MAX_BYTES=4_000)
def test_an_oversized_workbook_is_refused(cast, running_plan):
    big = workbook([row(title=f"活动{n}" * 20) for n in range(200)])
    assert refused(cast, running_plan, big) == core_codes.UPLOAD_TOO_LARGE


def test_a_padded_bomb_is_refused(cast, running_plan):
    bomb = SimpleUploadedFile("活动.xlsx", padded_bomb(workbook([row()]).read()))
    assert refused(cast, running_plan, bomb) == core_codes.UPLOAD_TYPE_REFUSED


def test_endless_blank_looking_lines_are_refused_while_read(cast, running_plan, monkeypatch):
    monkeypatch.setattr(imports, "MAX_ROWS", 3)  # so at most 30 lines are read
    endless = SimpleUploadedFile("活动.xlsx", sheet_with_lines(HEADER, 200, title="宣教活动"))
    assert refused(cast, running_plan, endless) == codes.IMPORT_TOO_MANY


@pytest.mark.django_db(transaction=True)
def test_other_users_write_while_the_workbook_is_read(cast, running_plan, monkeypatch):
    results: list = []
    real = imports._read

    def slow_read(content):
        write_meanwhile(cast.officer_b, results)
        return real(content)

    monkeypatch.setattr(imports, "_read", slow_read)
    result = services.activities_import(
        actor=cast.officer_a, upload=workbook([row()]), task=running_plan.tasks.get(), now=LATER
    )
    assert results == [True] and not result.errors
    assert Activity.objects.count() == 1
    assert User.objects.get(pk=cast.officer_b.pk).first_name == "meanwhile"
