"""Indicator values from Excel under hostile files: oversized, a padded bomb, endless lines (refused while
read), and other users' writes going through while the file is read (outside the write transaction)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from tests.helpers_uploads import padded_bomb, sheet_with_lines, write_meanwhile
from tests.indicators.conftest import NOW
from tests.indicators.test_collect import fresh, workbook
from xiaobao.core import error_codes as core_codes
from xiaobao.core.api_errors import BusinessRuleError
from xiaobao.core.models import User
from xiaobao.indicators import collect, services
from xiaobao.indicators import error_codes as codes
from xiaobao.indicators.models import IndicatorValue

HEADER = ["指标代码", "机构代码", "期间", "指标值", "分子", "分母"]


def refused(cast, upload) -> str:
    with pytest.raises(BusinessRuleError) as caught:
        services.values_import(actor=fresh(cast.hq_admin), upload=upload, now=NOW)
    assert not IndicatorValue.objects.exists()
    return caught.value.error_code


@override_settings(UPLOAD_MAX_BYTES=4_000)
def test_an_oversized_workbook_is_refused(cast):
    big = workbook([("premium_income_100m", "A", f"2025-{n:04d}", n, None, None) for n in range(400)])
    assert refused(cast, big) == core_codes.UPLOAD_TOO_LARGE


def test_a_padded_bomb_is_refused(cast):
    bomb = SimpleUploadedFile(
        "values.xlsx", padded_bomb(workbook([("premium_income_100m", "A", "2025", 1, None, None)]).read())
    )
    assert refused(cast, bomb) == core_codes.UPLOAD_TYPE_REFUSED


def test_endless_blank_looking_lines_are_refused_while_read(cast, monkeypatch):
    monkeypatch.setattr(collect, "SCAN_LINES", 30)
    endless = SimpleUploadedFile("values.xlsx", sheet_with_lines(HEADER, 200, title="指标填报"))
    assert refused(cast, endless) == codes.IMPORT_FORMAT


def _seeded_definitions() -> None:
    """The definitions a migration seeds; a transactional test's flush may have dropped them."""
    import importlib

    from django.apps import apps
    from django.db import connection

    from xiaobao.indicators.models import IndicatorDefinition

    if not IndicatorDefinition.objects.exists():
        importlib.import_module("xiaobao.indicators.migrations.0002_seed_definitions").seed(
            apps, connection.schema_editor()
        )


@pytest.mark.django_db(transaction=True)
def test_other_users_write_while_the_workbook_is_read(cast, monkeypatch):
    _seeded_definitions()
    results: list = []
    real = collect._read

    def slow_read(content):
        write_meanwhile(cast.officer_b, results)
        return real(content)

    monkeypatch.setattr(collect, "_read", slow_read)
    result = services.values_import(
        actor=fresh(cast.hq_admin), upload=workbook([("premium_income_100m", "A", "2025", 2.5, None, None)]), now=NOW
    )
    assert results == [True] and result.ok and result.written == 1
    assert User.objects.get(pk=cast.officer_b.pk).first_name == "meanwhile"
