"""Targets read against values (green / amber / red) and the alerts a breach raises (预警).

A breach is (indicator, unit, period, level). It raises one alert, which opens one work order to the unit
through `workorders.services.workorder_open`; evaluating again changes nothing while the breach lasts. A
value that gets worse (amber → red) is a new breach: the amber alert is cleared and a red one raised with its
own work order. A value back in green clears the open alert; a value that improves from red to amber keeps
the red alert open (its work order is still the one to answer).
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xiaobao.core import audit
from xiaobao.indicators import periods
from xiaobao.indicators.models import Alert, IndicatorDefinition, IndicatorValue, Target

GREEN, AMBER, RED = "green", Alert.Level.AMBER, Alert.Level.RED
SEVERITY = {GREEN: 0, AMBER: 1, RED: 2}
WORKORDER_DUE_DAYS = 10  # working days for the unit to analyse the slip and report its measures


def status(definition: IndicatorDefinition, value: Decimal | None, target: Target | None) -> str | None:
    """green / amber / red for a value against its target's thresholds; None without a value or a target."""
    if value is None or target is None:
        return None
    if definition.direction == IndicatorDefinition.Direction.HIGHER:
        return RED if value < target.red else AMBER if value < target.amber else GREEN
    return RED if value > target.red else AMBER if value > target.amber else GREEN


def targets_by_unit(definition_ids, year: int) -> dict[tuple[int, int | None], Target]:
    """{(definition id, unit id or None): target} for a year; look a unit up with `target_for`."""
    rows = Target.objects.filter(definition__in=definition_ids, year=year)
    return {(t.definition_id, t.org_unit_id): t for t in rows}


def target_for(targets: dict, definition_id: int, unit_id: int) -> Target | None:
    """The unit's own target, else the company-wide one (org_unit None)."""
    return targets.get((definition_id, unit_id)) or targets.get((definition_id, None))


def _threshold(target: Target, level: str) -> Decimal:
    return target.red if level == RED else target.amber


def _open_order(alert: Alert, definition: IndicatorDefinition, target: Target, now) -> int | None:
    from xiaobao.workorders import services as workorder_services

    level = alert.get_level_display()
    order = workorder_services.workorder_open(
        source=alert,
        title=_("指标预警（%(level)s）：%(name)s %(period)s")
        % {"level": level, "name": definition.name, "period": alert.period},
        kind="rectification",
        content=_(
            "%(unit)s %(period)s 的“%(name)s”为 %(value)s%(measure)s，目标值 %(target)s，已越过%(level)s预警线 "
            "%(threshold)s。请分析原因，制定并落实改进措施，反馈整改情况。"
        )
        % {
            "unit": alert.org_unit.name,
            "period": alert.period,
            "name": definition.name,
            "value": _shown(alert.value, definition),
            "measure": definition.unit,
            "target": _shown(target.target, definition),
            "level": level,
            "threshold": _shown(alert.threshold, definition),
        },
        recipient_unit=alert.org_unit,
        due_days=WORKORDER_DUE_DAYS,
        priority="high" if alert.level == RED else "normal",
        now=now,
    )
    return order.pk


def _shown(value: Decimal, definition: IndicatorDefinition) -> str:
    return f"{value:.{definition.decimals}f}"


@transaction.atomic
def alerts_evaluate(*, period, now=None) -> dict:
    """Compare every current value of `period` with its target (the unit's, else the company-wide one) and
    raise, keep or clear alerts — once per breach, each new alert opening a work order to the unit.
    Idempotent: a second run with the same values changes nothing. Returns counts raised/cleared/kept."""
    now = now or timezone.now()
    period = period if isinstance(period, periods.Period) else periods.parse(period)
    definitions = {
        d.pk: d for d in IndicatorDefinition.objects.filter(is_active=True, targets__year=period.year).distinct()
    }
    counts = {"raised": 0, "cleared": 0, "kept": 0}
    if not definitions:
        return counts
    targets = targets_by_unit(definitions, period.year)
    values = IndicatorValue.objects.filter(
        definition__in=definitions, period=period.code, is_current=True
    ).select_related("org_unit")
    open_alerts: dict[tuple[int, int], Alert] = {
        (a.definition_id, a.org_unit_id): a
        for a in Alert.objects.select_for_update().filter(
            definition__in=definitions, period=period.code, cleared_at__isnull=True
        )
    }
    for row in values:
        definition = definitions[row.definition_id]
        target = target_for(targets, row.definition_id, row.org_unit_id)
        level = status(definition, row.value, target)
        if level is None:
            continue
        current = open_alerts.get((row.definition_id, row.org_unit_id))
        if current is not None and SEVERITY[level] <= SEVERITY[current.level] and level != GREEN:
            counts["kept"] += 1
            continue
        if current is not None:
            current.cleared_at = now
            current.save(update_fields=["cleared_at"])
            audit.record(actor=None, action="indicators.alert_clear", obj=current, at=now)
            counts["cleared"] += 1
        if level == GREEN:
            continue
        alert = Alert.objects.create(
            definition=definition,
            org_unit=row.org_unit,
            period=period.code,
            level=level,
            value=row.value,
            threshold=_threshold(target, level),
            raised_at=now,
        )
        alert.workorder_id = _open_order(alert, definition, target, now)
        alert.save(update_fields=["workorder_id"])
        audit.record(
            actor=None,
            action="indicators.alert_raise",
            obj=alert,
            changes={"value": row.value, "threshold": alert.threshold, "workorder": alert.workorder_id},
            at=now,
        )
        counts["raised"] += 1
    return counts
