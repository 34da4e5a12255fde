"""The cockpit opens on a period that has data (issue 21): the last complete quarter, else the year to date,
else the newest period with values — decided from the unit's values in the reader's scope, not the calendar."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.indicators.pages_data import put
from xiaobao.indicators import selectors

NOW = timezone.make_aware(datetime(2025, 5, 10, 9, 0))  # last complete quarter 2025-Q1; year to date 2025


def opening(user, unit=None) -> str:
    return selectors.opening_period(user, unit, now=NOW).code


def test_the_last_complete_quarter_when_it_has_values(cast):
    put("complaints_count", cast.hq, 10, period="2025-Q1")
    put("complaints_count", cast.hq, 12, period="2025")
    assert opening(cast.hq_admin) == "2025-Q1"


def test_the_year_to_date_when_the_quarter_has_none(cast):
    put("complaints_count", cast.hq, 12, period="2025")
    put("complaints_count", cast.hq, 9, period="2024-Q4")
    assert opening(cast.hq_admin) == "2025"


def test_else_the_newest_period_with_values_never_a_future_one_nor_a_month(cast):
    put("complaints_count", cast.hq, 9, period="2024-Q3")
    put("complaints_count", cast.hq, 11, period="2024-Q4")
    put("complaints_count", cast.hq, 11, period="2024")
    put("complaints_count", cast.hq, 3, period="2025-04")  # a month: not a cockpit period
    put("complaints_count", cast.hq, 5, period="2026-Q1")  # loaded ahead of time: not yet
    assert opening(cast.hq_admin) == "2024-Q4"  # of the year and its last quarter, the quarter


def test_the_last_complete_quarter_when_nothing_has_values(cast):
    assert opening(cast.hq_admin) == "2025-Q1"
    put("complaints_count", cast.hq, None, period="2024-Q2")  # a value that could not be computed is no data
    assert opening(cast.hq_admin) == "2025-Q1"


def test_another_branchs_values_do_not_choose_the_period(cast):
    put("complaints_count", cast.branch_b, 7, period="2024-Q2")
    put("complaints_count", cast.branch_a, 4, period="2023-Q4")
    assert opening(cast.officer_a) == "2023-Q4"
    assert opening(cast.officer_b) == "2024-Q2"


@pytest.mark.parametrize("route", ["indicators:dashboard", "api-indicators-cockpit"])
def test_the_page_and_the_api_open_on_it_and_keep_an_asked_period(cast, route):
    put("complaints_count", cast.hq, 10, period="2023-Q2")
    client = Client()
    client.force_login(cast.hq_admin)
    path = reverse(route)
    assert "2023-Q2" in client.get(path).content.decode()
    asked = client.get(path, {"period": "2022-Q1"}).content.decode()
    assert "2022-Q1" in asked  # a period asked for is kept, data or not
