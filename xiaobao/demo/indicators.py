"""Indicators demo (`manage.py load_demo`): the shipped definitions (from the migration) computed for every
unit, by quarter and by year from 2025 (the last complete year) to this year so far, from the demo complaints, reviews, work orders and
plan activities; the 2025 collected figures of each branch (the service figures of the published year the
project is modelled on: 投保E化率 99.28 %, 保全E化率 96.23 %, 理赔E化率 95.64 %, 获赔率 99.76 %, 123,300 claims
closed, 服务质量指数 84.65), entered through the services so head office's figures are rolled up; targets for
head office and the branches; and the alerts of the periods the sweep watches, each with its work order.
Safe to run twice: nothing is added when any collected value exists.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from xiaobao.core.models import OrgUnit, User
from xiaobao.demo.core import COMPLETE_YEAR, demo_clock
from xiaobao.indicators import periods, services
from xiaobao.indicators.models import IndicatorDefinition, IndicatorValue

ADMIN = "xiaobao"  # 李晓梅, 总公司消费者权益保护部
BRANCHES = ("BJ", "TJ", "HB")
SHARES = (Decimal("0.33"), Decimal("0.42"), Decimal("0.25"))  # each branch's part of the company's business
FIRST_YEAR = COMPLETE_YEAR  # the last complete year, which the other demos fill; the current year runs up to today

# code: (company total denominator, company rate in %, branch offsets in points) — the third branch takes
# what makes the company's figure come out exactly
RATES = {
    "e_rate_underwriting": (126_010, Decimal("99.28"), (Decimal("0.31"), Decimal("-0.12"))),
    "e_rate_preservation": (142_600, Decimal("96.23"), (Decimal("1.10"), Decimal("-0.45"))),
    "e_rate_claims": (123_300, Decimal("95.64"), (Decimal("0.80"), Decimal("0.35"))),
    "claims_paid_rate": (123_300, Decimal("99.76"), (Decimal("0.05"), Decimal("0.02"))),
}
# code: company total (split by SHARES)
COUNTS = {
    "claims_closed": Decimal(123_300),
    "premium_income_100m": Decimal("56.3200"),
    "policies_in_force": Decimal(1_862_400),
}
QUALITY_INDEX = Decimal("84.65")  # 服务质量指数, head office only (15th of 80 life insurers)

# code: (target, amber, red) for head office and every branch, both years
TARGETS = {
    "complaints_on_time_rate": (95, 90, 80),
    "complaints_repeat_rate": (5, 8, 12),
    "reviews_adoption_rate": (95, 90, 80),
    "workorders_on_time_rate": (95, 85, 70),
    "e_rate_underwriting": (99, 98, 95),
    "e_rate_claims": (96, 95, 92),
    "claims_paid_rate": (99.5, 99, 98),
    "complaints_per_100m_premium": (3, 5, 8),
}


def _split(total: Decimal, *, whole: bool) -> list[Decimal]:
    parts = [total * share for share in SHARES[:-1]]
    parts = [p.quantize(Decimal(1)) if whole else p.quantize(Decimal("0.0001")) for p in parts]
    return [*parts, total - sum(parts)]


def _collect(admin, units, now) -> int:
    D = IndicatorDefinition
    definitions = {d.code: d for d in D.objects.filter(source=D.Source.COLLECTED)}
    written = 0
    for code, (total, rate, offsets) in RATES.items():
        denominators = _split(Decimal(total), whole=True)
        wanted = (Decimal(total) * rate / 100).quantize(Decimal(1))
        numerators = [
            (den * (rate + off) / 100).quantize(Decimal(1)) for den, off in zip(denominators[:-1], offsets, strict=True)
        ]
        numerators.append(wanted - sum(numerators))
        for branch, numerator, denominator in zip(BRANCHES, numerators, denominators, strict=True):
            services.value_collect(
                actor=admin,
                definition=definitions[code],
                org_unit=units[branch],
                period=str(FIRST_YEAR),
                numerator=numerator,
                denominator=denominator,
                now=now,
            )
            written += 1
    for code, total in COUNTS.items():
        for branch, value in zip(BRANCHES, _split(total, whole=code != "premium_income_100m"), strict=True):
            services.value_collect(
                actor=admin,
                definition=definitions[code],
                org_unit=units[branch],
                period=str(FIRST_YEAR),
                value=value,
                now=now,
            )
            written += 1
    services.value_collect(
        actor=admin,
        definition=definitions["service_quality_index"],
        org_unit=units["HQ"],
        period=str(FIRST_YEAR),
        value=QUALITY_INDEX,
        now=now,
    )
    return written + 1


def _years(today) -> range:
    return range(FIRST_YEAR, today.year + 1)


def _on(day: date, now: datetime) -> datetime:
    """10:00 on `day`, or half an hour before now if that is later (a load in the year's first days)."""
    return min(timezone.make_aware(datetime.combine(day, time(10, 0))), now - timedelta(minutes=30))


def _last_computed(period: periods.Period, now: datetime) -> datetime:
    """When the periodic sweep last recomputed `period`: it recomputes the current and the previous period of each
    kind, so a period's figures stand as computed on the last day of the period after it (at 23:59), and those
    of the current and previous periods as computed just before now."""
    following = periods.containing(period.end + timedelta(days=1), period.kind)
    return min(timezone.make_aware(datetime.combine(following.end, time(23, 59))), now - timedelta(minutes=1))


def _targets(admin, units, now) -> int:
    definitions = {d.code: d for d in IndicatorDefinition.objects.filter(code__in=TARGETS)}
    n = 0
    for year in _years(timezone.localdate(now)):
        set_at = _on(date(year, 1, 10), now)  # the year's targets are set in its first weeks
        with demo_clock(set_at):
            for code, (target, amber, red) in TARGETS.items():
                for unit_code in ("HQ", *BRANCHES):
                    services.target_set(
                        actor=admin,
                        definition=definitions[code],
                        org_unit=units[unit_code],
                        year=year,
                        target=target,
                        amber=amber,
                        red=red,
                        note="年度消保考核目标",
                        now=set_at,
                    )
                    n += 1
    return n


def _periods(today) -> list[periods.Period]:
    found = []
    for year in _years(today):
        for kind in (periods.QUARTER, periods.YEAR):
            found += [p for p in periods.of_year(year, kind) if p.start <= today]
    return found


@transaction.atomic
def load(*, now: datetime | None = None) -> dict:
    """Compute, collect, set targets and evaluate alerts once (nothing is added when collected values exist)."""
    if IndicatorValue.objects.filter(source=IndicatorValue.Source.COLLECTED).exists():
        return {"values": 0}
    now = now or timezone.now()
    today = timezone.localdate(now)
    admin = User.objects.get(username=ADMIN)
    units = {u.code: u for u in OrgUnit.objects.filter(code__in=("HQ", *BRANCHES))}
    for period in _periods(today):
        computed_at = _last_computed(period, now)
        with demo_clock(computed_at):
            services.indicator_compute(period=period, now=computed_at)
    # the complete year's figures are entered once its books are closed, in the new year's third week
    collected_at = _on(date(FIRST_YEAR + 1, 1, 20), now)
    with demo_clock(collected_at):
        collected = _collect(admin, units, collected_at)
    targets = _targets(admin, units, now)
    # the periods the periodic sweep watches (this and the previous quarter and year), so the worker's first
    # sweep finds the alerts already raised instead of opening a burst of work orders of its own
    alerts = {"raised": 0}
    for kind in (periods.QUARTER, periods.YEAR):
        current = periods.containing(today, kind)
        for period in (periods.previous(current), current):
            # raised by the sweep that last computed the period's figures; their work orders carry its time
            evaluated_at = _last_computed(period, now)
            with demo_clock(evaluated_at):
                alerts["raised"] += services.alerts_evaluate(period=period, now=evaluated_at)["raised"]
    return {
        "values": IndicatorValue.objects.filter(is_current=True).count(),
        "collected": collected,
        "targets": targets,
        "alerts": alerts["raised"],
    }
