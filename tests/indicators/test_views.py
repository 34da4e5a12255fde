"""The cockpit, the drill-down page, the definitions and the alerts: what each role sees, scope (a unit outside
it is 404), no permission (403), wrong method (405), and care mode's table alternative."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.indicators import pages_data
from tests.indicators.pages_data import YEAR, put
from xiaobao.indicators.models import Alert, IndicatorDefinition

DASHBOARD = reverse("indicators:dashboard")

# the shared fixtures (pages_data is not a conftest: the engine tests own that)
_media = pages_data._media
figures = pages_data.figures


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def detail(code: str, unit, period=str(YEAR)) -> str:
    return reverse("indicators:detail", args=[code]) + f"?unit={unit.pk}&period={period}"


@pytest.mark.django_db
def test_the_cockpit_shows_the_key_indicators_with_target_and_status(figures):
    response = client_for(figures.hq_admin).get(DASHBOARD, {"period": YEAR})
    assert response.status_code == 200
    tiles = response.context["tiles"]
    by_code = {item["tile"].definition.code: item for item in tiles}
    assert all(item["tile"].definition.is_key for item in tiles)
    rate = by_code["complaints_on_time_rate"]
    assert (rate["tile"].display, rate["tile"].status) == ("17.27", "red")
    assert by_code["complaints_count"]["tile"].display == "137"
    assert by_code["complaints_count"]["tile"].previous == Decimal(100)
    html = response.content.decode()
    assert 'data-code="complaints_on_time_rate" data-status="red"' in html
    assert rate["url"] == detail("complaints_on_time_rate", figures.hq)


@pytest.mark.django_db
def test_the_cockpit_charts_and_ranking_drill_down_to_the_units(figures):
    response = client_for(figures.hq_admin).get(DASHBOARD, {"period": YEAR, "indicator": "complaints_on_time_rate"})
    ranking = response.context["comparison"]["rows"]
    # higher is better: branch A (90 %) ranks above branch B (10 %)
    assert [(row["unit"], row["rank"]) for row in ranking] == [(figures.branch_a, 1), (figures.branch_b, 2)]
    charts = json.loads(json.dumps(response.context["charts"]))  # what json_script hands the page
    assert charts["comparison"]["labels"] == [figures.branch_b.name, figures.branch_a.name]  # bottom-up
    assert charts["comparison"]["urls"][1] == detail("complaints_on_time_rate", figures.branch_a)
    assert charts["trend"]["labels"][-1] == str(YEAR)
    assert charts["trend"]["values"][-1] == 17.27  # rounded as the page prints it
    assert 'id="indicator-chart-data"' in response.content.decode()


@pytest.mark.django_db
def test_a_branch_officer_starts_at_their_branch_and_cannot_reach_another(figures):
    client = client_for(figures.officer_a)
    response = client.get(DASHBOARD, {"period": YEAR})
    assert response.context["unit"] == figures.branch_a
    assert client.get(DASHBOARD, {"period": YEAR, "unit": figures.branch_b.pk}).status_code == 404
    assert client.get(detail("complaints_count", figures.branch_b)).status_code == 404
    assert client.get(detail("complaints_count", figures.hq)).status_code == 404


@pytest.mark.django_db
def test_the_detail_page_shows_value_ratio_history_and_the_units_below(figures):
    put("complaints_on_time_rate", figures.sub_a, 100, numerator=3, denominator=3)
    response = client_for(figures.manager).get(detail("complaints_on_time_rate", figures.branch_a))
    assert response.status_code == 200
    html = response.content.decode()
    assert response.context["display"] == "90.00"
    assert 'data-testid="detail-ratio">9 / 10<' in html
    assert [row["unit"] for row in response.context["comparison"]["rows"]] == [figures.sub_a]
    assert len(response.context["history"]) == 1


@pytest.mark.django_db
def test_the_history_keeps_a_superseded_value(figures):
    from xiaobao.indicators.models import IndicatorValue

    old = IndicatorValue.objects.get(definition__code="premium_income_100m", org_unit=figures.branch_a)
    IndicatorValue.objects.filter(pk=old.pk).update(is_current=False, superseded_at=timezone.now())
    put("premium_income_100m", figures.branch_a, "2.5", source="collected")
    response = client_for(figures.hq_admin).get(detail("premium_income_100m", figures.branch_a))
    rows = list(response.context["history"])
    assert [row.is_current for row in rows] == [True, False]
    assert response.context["display"] == "2.5000"


@pytest.mark.django_db
def test_a_computed_figure_links_to_the_records_behind_it(figures):
    response = client_for(figures.hq_admin).get(detail("complaints_count", figures.branch_a))
    url = response.context["records_url"]
    assert url.startswith(reverse("complaints:list") + "?")
    assert f"org_unit={figures.branch_a.pk}" in url and f"received_from={YEAR}-01-01" in url
    collected = client_for(figures.hq_admin).get(detail("premium_income_100m", figures.branch_a))
    assert collected.context["records_url"] == ""


@pytest.mark.django_db
def test_a_yearly_indicator_asked_for_by_quarter_shows_its_year(figures):
    response = client_for(figures.hq_admin).get(detail("claims_closed", figures.hq, period=f"{YEAR}-Q2"))
    assert response.context["period"].code == str(YEAR)


@pytest.mark.django_db
def test_an_unknown_indicator_is_404(figures):
    assert client_for(figures.hq_admin).get(detail("no_such_code", figures.hq)).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        DASHBOARD,
        reverse("indicators:list"),
        reverse("indicators:alerts"),
        reverse("indicators:detail", args=["complaints_count"]),
    ],
)
def test_a_user_without_indicator_permissions_is_refused(cast, url):
    assert client_for(cast.outsider).get(url).status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("url", [DASHBOARD, reverse("indicators:list"), reverse("indicators:alerts")])
def test_the_read_pages_refuse_post(cast, url):
    assert client_for(cast.hq_admin).post(url).status_code == 405


@pytest.mark.django_db
def test_anonymous_is_sent_to_sign_in(cast):
    response = Client().get(DASHBOARD)
    assert response.status_code == 302 and "login" in response["Location"]


@pytest.mark.django_db
def test_the_definitions_page_lists_codes_units_sources_and_formulas(cast):
    response = client_for(cast.manager).get(reverse("indicators:list"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-code="complaints_per_100m_premium"' in html
    assert "complaints_count / premium_income_100m" in html
    assert response.context["count"] == IndicatorDefinition.objects.filter(is_active=True).count()


@pytest.mark.django_db
def test_alerts_are_listed_by_state_with_their_work_order_within_scope(figures):
    definition = IndicatorDefinition.objects.get(code="complaints_on_time_rate")
    now = timezone.now()
    for unit, cleared in ((figures.branch_a, None), (figures.branch_b, now)):
        Alert.objects.create(
            definition=definition,
            org_unit=unit,
            period=str(YEAR),
            level="red",
            value=Decimal(10),
            threshold=Decimal(80),
            raised_at=now,
            workorder_id=4242,
            cleared_at=cleared,
        )
    hq = client_for(figures.hq_admin)
    open_rows = hq.get(reverse("indicators:alerts")).context["alerts"]
    assert [a.org_unit for a in open_rows] == [figures.branch_a]
    # order 4242 is not one the admin may open (here: it does not exist): no link leads to it
    html = hq.get(reverse("indicators:alerts")).content.decode()
    assert reverse("workorders:detail", args=[4242]) not in html
    assert 'data-testid="alert-workorder-hidden"' in html
    cleared = hq.get(reverse("indicators:alerts"), {"box": "cleared"}).context["alerts"]
    assert [a.org_unit for a in cleared] == [figures.branch_b]
    assert hq.get(DASHBOARD, {"period": YEAR}).context["open_alerts"] == 1
    officer_b = client_for(figures.officer_b).get(reverse("indicators:alerts"), {"box": "all"})
    assert [a.org_unit for a in officer_b.context["alerts"]] == [figures.branch_b]


@pytest.mark.django_db
def test_care_mode_opens_the_tables_beside_the_charts(figures):
    client = client_for(figures.hq_admin)
    closed = client.get(DASHBOARD, {"period": YEAR}).content.decode()
    assert '<details class="ind-table-alt">' in closed
    client.post(reverse("core:care-mode"), {"care_mode": "on"})
    html = client.get(DASHBOARD, {"period": YEAR}).content.decode()
    assert 'class="care-mode"' in html
    assert '<details class="ind-table-alt" open>' in html


def _queries(client, url, params) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url, params)  # warm the session and the permission caches
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params).status_code == 200
    return len(captured.captured_queries)


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["dashboard", "detail", "alerts"])
def test_the_number_of_queries_does_not_grow_with_the_units(figures, page):
    from tests.helpers import make_unit

    url, params = {
        "dashboard": (DASHBOARD, {"period": YEAR, "indicator": "complaints_on_time_rate"}),
        "detail": (
            reverse("indicators:detail", args=["complaints_on_time_rate"]),
            {"unit": figures.hq.pk, "period": YEAR},
        ),
        "alerts": (reverse("indicators:alerts"), {"box": "all"}),
    }[page]
    client = client_for(figures.hq_admin)
    before = _queries(client, url, params)
    definition = IndicatorDefinition.objects.get(code="complaints_on_time_rate")
    for n in range(5):
        unit = make_unit(f"C{n}", f"新增分公司{n}", figures.branch_a.level, figures.hq)
        put("complaints_on_time_rate", unit, 50, numerator=1, denominator=2)
        put("complaints_count", unit, 3)
        Alert.objects.create(
            definition=definition,
            org_unit=unit,
            period=str(YEAR),
            level="amber",
            value=50,
            threshold=90,
            raised_at=timezone.now(),
        )
    assert _queries(client, url, params) == before
