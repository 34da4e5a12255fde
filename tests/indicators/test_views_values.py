"""指标填报 and 目标值 pages: entering one value (superseding the current one), the Excel import with its row
errors (nothing written), the template, targets; refusals, scope and permissions."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from tests.indicators import pages_data
from tests.indicators.pages_data import YEAR
from xiaobao.indicators import error_codes as codes
from xiaobao.indicators.models import IndicatorDefinition, IndicatorValue, Target

VALUES = reverse("indicators:values")
TARGETS = reverse("indicators:targets")
IMPORT = reverse("indicators:values-import")

# the shared fixtures (pages_data is not a conftest: the engine tests own that)
_media = pages_data._media
figures = pages_data.figures


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def definition(code: str) -> IndicatorDefinition:
    return IndicatorDefinition.objects.get(code=code)


def current(code: str, unit):
    return IndicatorValue.objects.filter(
        definition__code=code, org_unit=unit, period=str(YEAR), is_current=True
    ).first()


def workbook(rows) -> SimpleUploadedFile:
    book = Workbook()
    sheet = book.active
    sheet.title = "指标填报"
    sheet.append(["指标代码", "机构代码", "期间", "指标值", "分子", "分母"])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile("values.xlsx", buffer.getvalue())


@pytest.mark.django_db
def test_the_entry_page_lists_the_collected_indicators_of_my_unit_with_current_values(figures):
    response = client_for(figures.officer_a).get(VALUES, {"period": YEAR})
    assert response.status_code == 200
    assert response.context["unit"] == figures.branch_a
    codes_shown = [row["definition"].code for row in response.context["rows"]]
    assert "premium_income_100m" in codes_shown and "complaints_count" not in codes_shown
    row = next(r for r in response.context["rows"] if r["definition"].code == "premium_income_100m")
    assert row["current"].value == Decimal(2)
    assert [u.pk for u, _label in response.context["units"]] == [figures.branch_a.pk, figures.sub_a.pk]


@pytest.mark.django_db
def test_a_quarter_shows_no_yearly_indicator(figures):
    response = client_for(figures.officer_a).get(VALUES, {"period": f"{YEAR}-Q1"})
    shown = {row["definition"].code for row in response.context["rows"]}
    # the complaint-intensity denominators are quarterly (the regulator reports per quarter); the rest yearly
    assert "premium_income_100m" in shown and "claims_closed" not in shown
    assert {row["definition"].frequency for row in response.context["rows"]} == {"quarter"}


@pytest.mark.django_db
def test_entering_a_value_supersedes_the_current_one(figures):
    response = client_for(figures.officer_a).post(
        VALUES,
        {
            "definition": definition("premium_income_100m").pk,
            "org_unit": figures.branch_a.pk,
            "period": YEAR,
            "value": "2.75",
        },
    )
    assert response.status_code == 302
    assert current("premium_income_100m", figures.branch_a).value == Decimal("2.75")
    rows = IndicatorValue.objects.filter(definition__code="premium_income_100m", org_unit=figures.branch_a)
    assert sorted(rows.values_list("is_current", flat=True)) == [False, True]


@pytest.mark.django_db
def test_a_ratio_is_entered_as_numerator_and_denominator(figures):
    client_for(figures.officer_a).post(
        VALUES,
        {
            "definition": definition("e_rate_claims").pk,
            "org_unit": figures.sub_a.pk,
            "period": YEAR,
            "numerator": "95",
            "denominator": "100",
        },
    )
    row = current("e_rate_claims", figures.sub_a)
    assert (row.value, row.numerator, row.denominator) == (Decimal(95), Decimal(95), Decimal(100))


@pytest.mark.django_db
def test_a_refused_value_is_shown_with_its_code_and_nothing_is_written(figures):
    response = client_for(figures.officer_a).post(
        VALUES,
        {
            "definition": definition("e_rate_claims").pk,
            "org_unit": figures.branch_a.pk,
            "period": YEAR,
            "numerator": "5",
            "denominator": "0",
        },
    )
    assert response.status_code == 400
    assert response.context["error_code"] == codes.BAD_RATIO
    assert current("e_rate_claims", figures.branch_a) is None


@pytest.mark.django_db
def test_a_computed_indicator_cannot_be_entered(figures):
    response = client_for(figures.officer_a).post(
        VALUES,
        {
            "definition": definition("complaints_count").pk,
            "org_unit": figures.branch_a.pk,
            "period": YEAR,
            "value": "1",
        },
    )
    assert response.status_code == 400 and response.context["error_code"] == codes.NOT_COLLECTED
    assert current("complaints_count", figures.branch_a).value == Decimal(12)


@pytest.mark.django_db
def test_a_unit_outside_my_scope_is_404_and_nothing_is_written(figures):
    client = client_for(figures.officer_a)
    assert client.get(VALUES, {"unit": figures.branch_b.pk}).status_code == 404
    response = client.post(
        VALUES,
        {
            "definition": definition("premium_income_100m").pk,
            "org_unit": figures.branch_b.pk,
            "period": YEAR,
            "value": "9",
        },
    )
    assert response.status_code == 404
    assert current("premium_income_100m", figures.branch_b).value == Decimal(3)


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["manager", "outsider"])
def test_read_only_and_unprivileged_users_cannot_enter_values(figures, who):
    client = client_for(getattr(figures, who))
    assert client.get(VALUES).status_code == 403
    response = client.post(
        VALUES,
        {"definition": definition("premium_income_100m").pk, "org_unit": figures.hq.pk, "period": YEAR, "value": "9"},
    )
    assert response.status_code == 403
    assert client.post(IMPORT, {"file": workbook([])}).status_code == 403
    assert current("premium_income_100m", figures.hq).value == Decimal(5)


@pytest.mark.django_db
def test_an_import_with_a_bad_row_writes_nothing_and_lists_the_row_errors(figures):
    upload = workbook(
        [
            ["premium_income_100m", "A", str(YEAR), 2.2, None, None],
            ["premium_income_100m", "B", str(YEAR), 9, None, None],  # branch B is not officer A's
            ["no_such_code", "A", str(YEAR), 1, None, None],
        ]
    )
    response = client_for(figures.officer_a).post(IMPORT, {"file": upload})
    assert response.status_code == 400
    assert [number for number, _column, _message in response.context["import_errors"]] == [3, 4]
    assert current("premium_income_100m", figures.branch_a).value == Decimal(2)


@pytest.mark.django_db
def test_a_good_import_writes_every_row(figures):
    upload = workbook(
        [
            ["premium_income_100m", "A", str(YEAR), 2.2, None, None],
            ["policies_in_force", "A1", str(YEAR), 1200, None, None],
        ]
    )
    response = client_for(figures.officer_a).post(IMPORT, {"file": upload})
    assert response.status_code == 302
    assert current("premium_income_100m", figures.branch_a).value == Decimal("2.2")
    assert current("policies_in_force", figures.sub_a).value == Decimal(1200)


@pytest.mark.django_db
def test_a_file_that_is_not_a_workbook_is_refused(figures):
    upload = SimpleUploadedFile("values.xlsx", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    response = client_for(figures.officer_a).post(IMPORT, {"file": upload})
    assert response.status_code == 400
    assert response.context["import_code"].startswith("core.upload")


@pytest.mark.django_db
def test_the_template_lists_the_collected_indicators(figures):
    response = client_for(figures.officer_a).get(reverse("indicators:values-template"))
    book = load_workbook(io.BytesIO(response.content))
    assert [c.value for c in book.worksheets[0][1]][:3] == ["指标代码", "机构代码", "期间"]
    assert client_for(figures.manager).get(reverse("indicators:values-template")).status_code == 403


@pytest.mark.django_db
def test_an_hq_admin_sets_a_company_wide_target(figures):
    response = client_for(figures.hq_admin).post(
        TARGETS,
        {
            "definition": definition("complaints_count").pk,
            "org_unit": "",
            "year": YEAR,
            "target": "100",
            "amber": "120",
            "red": "150",
        },
    )
    assert response.status_code == 302
    target = Target.objects.get(definition__code="complaints_count", year=YEAR)
    assert (target.org_unit, target.target, target.red) == (None, Decimal(100), Decimal(150))
    page = client_for(figures.hq_admin).get(TARGETS, {"year": YEAR})
    assert target in list(page.context["targets"])


@pytest.mark.django_db
def test_thresholds_against_the_direction_are_refused(figures):
    response = client_for(figures.hq_admin).post(
        TARGETS,
        {
            "definition": definition("complaints_count").pk,
            "org_unit": figures.branch_a.pk,
            "year": YEAR,
            "target": "100",
            "amber": "80",
            "red": "50",
        },
    )
    assert response.status_code == 400 and response.context["error_code"] == codes.BAD_THRESHOLDS
    assert not Target.objects.filter(definition__code="complaints_count").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["officer_a", "manager", "outsider"])
def test_only_target_editors_reach_the_targets_page(figures, who):
    client = client_for(getattr(figures, who))
    assert client.get(TARGETS).status_code == 403
    response = client.post(
        TARGETS,
        {
            "definition": definition("complaints_count").pk,
            "org_unit": "",
            "year": YEAR,
            "target": "1",
            "amber": "2",
            "red": "3",
        },
    )
    assert response.status_code == 403
    assert not Target.objects.filter(definition__code="complaints_count").exists()
