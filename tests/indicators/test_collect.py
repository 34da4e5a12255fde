"""Collected values: entered for a unit in the actor's write scope, for collected indicators only, for a
period of the indicator's frequency; re-entering keeps the history; the Excel import is all or nothing."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.indicators.conftest import NOW, definition
from xiaobao.core.api_errors import BusinessRuleError
from xiaobao.core.models import AuditEntry, User
from xiaobao.indicators import error_codes as codes
from xiaobao.indicators import services
from xiaobao.indicators.models import IndicatorValue

pytestmark = pytest.mark.django_db


def fresh(user):
    return User.objects.get(pk=user.pk)


def collect(actor, code="premium_income_100m", unit=None, period="2025", **values):
    return services.value_collect(
        actor=fresh(actor), definition=definition(code), org_unit=unit, period=period, now=NOW, **values
    )


def refused(expected: str, **arguments) -> BusinessRuleError:
    with pytest.raises(BusinessRuleError) as caught:
        collect(**arguments)
    assert caught.value.error_code == expected
    assert not IndicatorValue.objects.exists()
    return caught.value


def test_a_branch_officer_enters_a_value_for_a_unit_of_the_branch(cast):
    row = collect(cast.officer_a, unit=cast.sub_a, value="1.2345")
    assert (row.value, row.source, row.entered_by, row.period) == (
        Decimal("1.2345"),
        "collected",
        cast.officer_a,
        "2025",
    )
    assert AuditEntry.objects.filter(action="indicators.value_collect", object_id=str(row.pk)).exists()
    # the branch, which entered nothing, gets the rollup
    parent = IndicatorValue.objects.get(org_unit=cast.branch_a, is_current=True)
    assert (parent.value, parent.source) == (Decimal("1.2345"), "rollup")


def test_entering_again_supersedes_and_keeps_the_history(cast):
    first = collect(cast.hq_admin, unit=cast.branch_a, value="2")
    second = collect(cast.hq_admin, unit=cast.branch_a, value="3")
    first.refresh_from_db()
    assert (first.is_current, first.superseded_at) == (False, NOW)
    assert second.is_current and second.value == 3
    assert IndicatorValue.objects.filter(org_unit=cast.branch_a).count() == 2


def test_a_rate_is_derived_from_numerator_and_denominator(cast):
    row = collect(cast.hq_admin, "e_rate_claims", cast.branch_a, numerator=9564, denominator=10000)
    assert row.value == Decimal("95.64")


def test_the_other_branch_is_out_of_scope(cast):
    error = refused(codes.OUT_OF_SCOPE, actor=cast.officer_a, unit=cast.branch_b, value="1")
    assert error.status_code == 403


def test_read_only_and_roleless_users_may_not_enter(cast):
    assert refused(codes.NOT_ALLOWED, actor=cast.manager, unit=cast.hq, value="1").status_code == 403
    refused(codes.NOT_ALLOWED, actor=cast.outsider, unit=cast.branch_a, value="1")


def test_a_computed_indicator_is_not_entered(cast):
    refused(
        codes.NOT_COLLECTED, actor=cast.hq_admin, code="complaints_count", unit=cast.hq, period="2025-Q1", value="1"
    )


def test_an_inactive_indicator_is_not_entered(cast):
    d = definition("premium_income_100m")
    d.is_active = False
    d.save()
    refused(codes.INACTIVE, actor=cast.hq_admin, unit=cast.hq, value="1")


@pytest.mark.parametrize("period", ["2025-Q1", "2025-01", "25", "2025-Q5", ""])
def test_a_period_finer_than_the_frequency_or_malformed_is_refused(cast, period):
    refused(codes.BAD_PERIOD, actor=cast.hq_admin, code="claims_closed", unit=cast.hq, period=period, value="1")


def test_the_intensity_denominators_are_entered_per_quarter_and_per_year_but_not_per_month(cast):
    # the regulator's complaint reports give 亿元保费投诉量 etc. per quarter (issue 17): a quarter's premium is entered
    for code in ("premium_income_100m", "policies_in_force", "insured_person_times", "outlets_count"):
        assert collect(cast.hq_admin, code=code, unit=cast.hq, period="2025-Q1", value="3").period == "2025-Q1"
        assert collect(cast.hq_admin, code=code, unit=cast.hq, period="2025", value="12").period == "2025"
    with pytest.raises(BusinessRuleError) as caught:
        collect(cast.hq_admin, unit=cast.hq, period="2025-01", value="1")
    assert caught.value.error_code == codes.BAD_PERIOD


def test_a_period_not_yet_started_is_refused(cast):
    refused(codes.FUTURE_PERIOD, actor=cast.hq_admin, unit=cast.hq, period="2026", value="1")


@pytest.mark.parametrize("value", ["abc", "-1", "", None, "NaN", "1e20"])
def test_a_value_that_is_not_a_non_negative_number_is_refused(cast, value):
    refused(codes.INVALID, actor=cast.hq_admin, unit=cast.hq, value=value)


@pytest.mark.parametrize(
    "parts",
    [
        {"numerator": 1},
        {"denominator": 5},
        {"numerator": 1, "denominator": 0},
        {"numerator": 1, "denominator": 4, "value": "30"},
    ],
)
def test_inconsistent_ratio_parts_are_refused(cast, parts):
    refused(codes.BAD_RATIO, actor=cast.hq_admin, code="e_rate_claims", unit=cast.hq, **parts)


def test_a_value_rounded_to_the_indicator_decimals_matches_its_parts(cast):
    row = collect(cast.hq_admin, "e_rate_claims", cast.hq, numerator=1, denominator=3, value="33.33")
    assert row.value == Decimal("33.333333")


# --- import -----------------------------------------------------------------------------------------------


def workbook(rows, header=("指标代码", "机构代码", "期间", "指标值", "分子", "分母")) -> SimpleUploadedFile:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "指标填报"
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile("values.xlsx", out.getvalue())


def test_an_import_writes_every_row_and_rolls_up(cast):
    result = services.values_import(
        actor=fresh(cast.hq_admin),
        upload=workbook(
            [("premium_income_100m", "A", "2025", 2.5, None, None), ("e_rate_claims", "B", 2025, None, 45, 50)]
        ),
        now=NOW,
    )
    assert result.ok and result.written == 2
    hq = IndicatorValue.objects.get(definition__code="premium_income_100m", org_unit=cast.hq, is_current=True)
    assert hq.value == Decimal("2.5")


def test_one_bad_row_and_nothing_is_written(cast):
    result = services.values_import(
        actor=fresh(cast.officer_a),
        upload=workbook(
            [
                ("premium_income_100m", "A", "2025", 2.5, None, None),
                ("premium_income_100m", "B", "2025", 1, None, None),  # outside branch A
                ("no_such_code", "A", "2025", 1, None, None),
                ("premium_income_100m", "A", "2025", 3, None, None),  # repeats row 2
            ]
        ),
        now=NOW,
    )
    assert not result.ok and result.written == 0
    assert [(row, column) for row, column, _message in result.errors] == [
        (3, "机构代码"),
        (4, "指标代码"),
        (5, "指标代码"),
    ]
    assert not IndicatorValue.objects.exists()


def test_a_file_that_is_not_the_template_is_refused(cast):
    with pytest.raises(BusinessRuleError) as caught:
        services.values_import(actor=fresh(cast.hq_admin), upload=workbook([], header=("a", "b")), now=NOW)
    assert caught.value.error_code == codes.IMPORT_FORMAT
    with pytest.raises(BusinessRuleError) as caught:
        services.values_import(
            actor=fresh(cast.hq_admin), upload=SimpleUploadedFile("v.xlsx", b"not a workbook"), now=NOW
        )
    assert caught.value.error_code.startswith("core.upload")
    assert not IndicatorValue.objects.exists()


def test_the_template_lists_the_collected_indicators(db):
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(services.values_template()))
    assert [c.value for c in book.worksheets[0][1]] == ["指标代码", "机构代码", "期间", "指标值", "分子", "分母"]
    codes_listed = {row[0].value for row in book.worksheets[1].iter_rows(min_row=2)}
    assert {"premium_income_100m", "e_rate_claims", "service_quality_index"} <= codes_listed
    assert "complaints_count" not in codes_listed


def test_a_value_entered_for_a_past_period_is_judged_against_its_target_at_once(cast):
    """The sweep only watches the current and previous periods; last year's figures are entered this year."""
    from xiaobao.indicators.models import Alert

    services.target_set(
        actor=fresh(cast.hq_admin),
        definition=definition("e_rate_claims"),
        year=2024,
        target=98,
        amber=95,
        red=90,
        now=NOW,
    )
    collect(cast.hq_admin, "e_rate_claims", cast.branch_a, period="2024", numerator=8000, denominator=10000)
    alert = Alert.objects.get(org_unit=cast.branch_a, cleared_at__isnull=True)
    assert (alert.period, alert.level) == ("2024", "red") and alert.workorder_id
    collect(cast.hq_admin, "e_rate_claims", cast.branch_a, period="2024", numerator=9900, denominator=10000)
    alert.refresh_from_db()
    assert alert.cleared_at is not None
