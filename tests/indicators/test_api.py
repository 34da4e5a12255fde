"""Indicator API: definitions, values (filters, scope), the cockpit, entering a value (refusal codes, nothing
written), report jobs (create, status, download); permissions (403) and scope (404) for every route."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tests.indicators import pages_data
from tests.indicators.pages_data import YEAR
from xiaobao.indicators import error_codes as codes
from xiaobao.indicators import reports
from xiaobao.indicators.models import IndicatorValue, ReportJob

DEFINITIONS = reverse("api-indicators-definitions")
VALUES = reverse("api-indicators-values")
COCKPIT = reverse("api-indicators-cockpit")
REPORTS = reverse("api-indicators-reports")

# the shared fixtures (pages_data is not a conftest: the engine tests own that)
_media = pages_data._media
figures = pages_data.figures


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.django_db
def test_definitions_list_codes_sources_and_formulas(cast):
    response = api(cast.manager).get(DEFINITIONS, {"page_size": 100})
    assert response.status_code == 200
    by_code = {row["code"]: row for row in response.json()["results"]}
    assert by_code["complaints_per_100m_premium"]["formula"] == "complaints_count / premium_income_100m"
    assert by_code["complaints_on_time_rate"]["rollup"] == "ratio"


@pytest.mark.django_db
def test_values_filter_by_indicator_unit_and_period(figures):
    response = api(figures.hq_admin).get(
        VALUES, {"indicator": "complaints_on_time_rate", "unit": figures.hq.pk, "period": YEAR}
    )
    [row] = response.json()["results"]
    assert (row["value"], row["numerator"], row["denominator"]) == ("17.272727", "19.000000", "110.000000")
    assert row["org_unit"]["code"] == "HQ"


@pytest.mark.django_db
def test_a_branch_officer_reads_only_their_subtree_and_other_units_are_404(figures):
    client = api(figures.officer_a)
    units = {row["org_unit"]["code"] for row in client.get(VALUES, {"period": YEAR}).json()["results"]}
    assert units == {"A", "A1"}
    assert client.get(VALUES, {"unit": figures.branch_b.pk}).status_code == 404
    assert client.get(COCKPIT, {"unit": figures.hq.pk}).status_code == 404


@pytest.mark.django_db
def test_a_bad_period_is_a_400_in_the_error_shape(figures):
    response = api(figures.hq_admin).get(VALUES, {"period": "2024-Q5"})
    assert response.status_code == 400 and response.json()["error"] == "invalid"


@pytest.mark.django_db
def test_the_cockpit_gives_key_indicators_with_status(figures):
    response = api(figures.manager).get(COCKPIT, {"period": YEAR})
    body = response.json()
    assert body["unit"]["code"] == "HQ" and body["period"] == str(YEAR)
    tile = next(t for t in body["tiles"] if t["indicator"] == "complaints_on_time_rate")
    assert (tile["display"], tile["status"], tile["target"]) == ("17.27", "red", "95.000000")


@pytest.mark.django_db
def test_an_officer_enters_a_collected_value(figures):
    response = api(figures.officer_a).post(
        VALUES,
        {
            "indicator": "e_rate_claims",
            "unit": figures.branch_a.pk,
            "period": str(YEAR),
            "numerator": "9",
            "denominator": "10",
        },
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["value"] == "90.000000"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"indicator": "complaints_count", "value": "3"}, codes.NOT_COLLECTED),
        ({"indicator": "e_rate_claims", "numerator": "1", "denominator": "0"}, codes.BAD_RATIO),
        ({"indicator": "premium_income_100m", "value": "-1"}, codes.INVALID),
        ({"indicator": "claims_closed", "value": "1", "period": f"{YEAR}-Q1"}, codes.BAD_PERIOD),  # yearly
    ],
)
def test_a_refused_value_answers_its_code_and_writes_nothing(figures, payload, code):
    before = IndicatorValue.objects.count()
    body = {"unit": figures.branch_a.pk, "period": str(YEAR), **payload}
    response = api(figures.officer_a).post(VALUES, body, format="json")
    assert response.status_code == 400 and response.json()["error"] == code
    assert IndicatorValue.objects.count() == before


@pytest.mark.django_db
def test_read_only_and_outsiders_cannot_enter_values(figures):
    body = {"indicator": "premium_income_100m", "unit": figures.hq.pk, "period": str(YEAR), "value": "1"}
    assert api(figures.manager).post(VALUES, body, format="json").status_code == 403
    assert api(figures.outsider).post(VALUES, body, format="json").status_code == 403
    assert api(figures.outsider).get(VALUES).status_code == 403
    assert api(figures.outsider).get(COCKPIT).status_code == 403
    assert IndicatorValue.objects.get(definition__code="premium_income_100m", org_unit=figures.hq).value == Decimal(5)


@pytest.mark.django_db
def test_an_officer_entering_for_another_branch_is_404(figures):
    body = {"indicator": "premium_income_100m", "unit": figures.branch_b.pk, "period": str(YEAR), "value": "1"}
    assert api(figures.officer_a).post(VALUES, body, format="json").status_code == 404


@pytest.mark.django_db
def test_report_jobs_are_created_polled_and_downloaded(figures, django_capture_on_commit_callbacks):
    client = api(figures.hq_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(REPORTS, {"kind": "indicator_workbook", "year": YEAR}, format="json")
    assert response.status_code == 202
    job_id = response.json()["id"]
    status = client.get(reverse("api-indicators-report", args=[job_id])).json()
    assert status["status"] == "done" and status["progress"] == 100
    download = client.get(status["download_url"])
    assert download.status_code == 200 and download["Content-Type"] == reports.MIME[ReportJob.Kind.INDICATOR_WORKBOOK]
    assert [row["id"] for row in client.get(REPORTS).json()["results"]] == [job_id]


@pytest.mark.django_db
def test_report_job_refusals(figures):
    assert (
        api(figures.officer_a).post(REPORTS, {"kind": "board_report", "year": YEAR}, format="json").status_code == 403
    )
    response = api(figures.hq_admin).post(REPORTS, {"kind": "board_report", "year": 1999}, format="json")
    assert response.status_code == 400 and response.json()["error"] == codes.BAD_PERIOD
    assert not ReportJob.objects.exists()


@pytest.mark.django_db
def test_a_report_job_outside_scope_is_404(figures):
    job = reports.report_job_create(actor=figures.hq_admin, kind="board_report", year=YEAR)
    for name in ("api-indicators-report", "api-indicators-report-download"):
        assert api(figures.officer_a).get(reverse(name, args=[job.pk])).status_code == 404
        assert api(figures.outsider).get(reverse(name, args=[job.pk])).status_code == 403
    assert api(figures.hq_admin).get(reverse("api-indicators-report-download", args=[job.pk])).status_code == 404
