"""Targets: thresholds run in the indicator's direction; only those who may change targets set them, for
units in their reach (a company-wide target needs company-wide reach); the colour of a value."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.indicators.conftest import NOW, definition
from xiaobao.core.api_errors import BusinessRuleError
from xiaobao.core.models import AuditEntry, User
from xiaobao.indicators import error_codes as codes
from xiaobao.indicators import services
from xiaobao.indicators.alerts import status
from xiaobao.indicators.models import Target

pytestmark = pytest.mark.django_db


def fresh(user):
    return User.objects.get(pk=user.pk)


def set_target(actor, code="complaints_on_time_rate", *, unit=None, values=(95, 90, 80)):
    target, amber, red = values
    return services.target_set(
        actor=fresh(actor),
        definition=definition(code),
        org_unit=unit,
        year=2025,
        target=target,
        amber=amber,
        red=red,
        now=NOW,
    )


def refused(expected, *args, **kwargs):
    with pytest.raises(BusinessRuleError) as caught:
        set_target(*args, **kwargs)
    assert caught.value.error_code == expected
    assert not Target.objects.exists()
    return caught.value


def test_head_office_sets_a_company_wide_target_and_changes_it(cast):
    first = set_target(cast.hq_admin)
    second = set_target(cast.hq_admin, values=(96, 92, 85))
    assert first.pk == second.pk and Target.objects.count() == 1
    assert (second.target, second.amber, second.red) == (96, 92, 85)
    assert AuditEntry.objects.filter(action="indicators.target_set").count() == 2


def test_a_unit_target_sits_beside_the_company_wide_one(cast):
    set_target(cast.hq_admin)
    set_target(cast.hq_admin, unit=cast.branch_b, values=(90, 85, 70))
    assert Target.objects.count() == 2


def test_thresholds_out_of_order_are_refused_in_each_direction(cast):
    refused(codes.BAD_THRESHOLDS, cast.hq_admin, values=(80, 90, 95))  # higher is better: 95 ≥ 90 ≥ 80
    refused(codes.BAD_THRESHOLDS, cast.hq_admin, "complaints_count", values=(100, 90, 120))  # lower: 100 ≤ 120 ≤ 150


def test_branch_officers_and_read_only_users_may_not_set_targets(cast):
    assert refused(codes.NOT_ALLOWED, cast.officer_a, unit=cast.branch_a).status_code == 403
    refused(codes.NOT_ALLOWED, cast.manager)
    refused(codes.NOT_ALLOWED, cast.outsider)


def test_numbers_are_required(cast):
    refused(codes.INVALID, cast.hq_admin, values=("high", 90, 80))


def test_the_colour_of_a_value_follows_the_direction(cast):
    rate = set_target(cast.hq_admin)
    volume = set_target(cast.hq_admin, "complaints_count", values=(100, 120, 150))
    higher, lower = definition("complaints_on_time_rate"), definition("complaints_count")
    assert [status(higher, Decimal(v), rate) for v in (95, 90, 89.9, 80, 79.9)] == [
        "green",
        "green",
        "amber",
        "amber",
        "red",
    ]
    assert [status(lower, Decimal(v), volume) for v in (100, 120, 121, 150, 151)] == [
        "green",
        "green",
        "amber",
        "amber",
        "red",
    ]
    assert status(higher, None, rate) is None and status(higher, Decimal(1), None) is None
