"""Indicator use cases (every write): compute, collect, import, targets, alerts and the periodic sweep.

The engine, the entry of collected values and the alerts live in their own modules (engine.py, collect.py,
alerts.py); this module is the one other code calls.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from xiaobao.indicators import engine, periods, registry
from xiaobao.indicators.alerts import alerts_evaluate
from xiaobao.indicators.collect import (
    ImportResult,
    target_set,
    value_collect,
    values_import,
    values_template,
)
from xiaobao.indicators.models import IndicatorDefinition, SourceState

__all__ = [
    "ImportResult",
    "alerts_evaluate",
    "indicator_compute",
    "sweep",
    "target_set",
    "value_collect",
    "values_import",
    "values_template",
]


@transaction.atomic
def indicator_compute(*, definitions=None, period, now=None) -> dict:
    """Compute every unit's values of `definitions` (default: all active ones) for `period` ("2024",
    "2024-Q1", "2024-03" or a periods.Period): one aggregate per data source, rollup over the org tree in
    Python, formulas over the rolled-up inputs. Indicators whose frequency is coarser than the period (a yearly indicator for a quarter) are skipped. Writes only values
    that changed, superseding the old row. Returns {"period", "definitions", "written", "unchanged"}.

    Refuses nothing a user can cause (no person is behind it); ValueError for a malformed period.
    """
    return engine.compute(definitions=definitions, period=period, now=now)


def _moved_sources() -> dict[str, str]:
    """{source: its new watermark} for the sources whose watermark changed since the last sweep."""
    moved = {}
    seen = dict(SourceState.objects.values_list("source", "watermark"))
    marks: dict = {}
    for key, source in registry.SOURCES.items():
        if not registry.available(key):
            continue
        if source.watermark not in marks:  # education and training share one
            marks[source.watermark] = "|".join(source.watermark())[:500]
        if seen.get(key) != marks[source.watermark]:
            moved[key] = marks[source.watermark]
    return moved


def _record_seen(moved: dict[str, str], now) -> None:
    for key, mark in moved.items():
        SourceState.objects.update_or_create(source=key, defaults={"watermark": mark, "checked_at": now})


def sweep(*, now=None) -> dict:
    """The periodic job: when a data source changed since the last run (its watermark moved), recompute the
    current and the previous period of each frequency for the indicators it feeds (and the formulas reading
    them); then evaluate alerts for the current and previous periods. Safe to run twice: a second run finds
    nothing moved and writes nothing; one that fails half-way retries the same change next time.
    Returns {"sources": [...], "periods": {code: written}, "alerts": {...}}."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    moved = _moved_sources()
    report = {"sources": sorted(moved), "periods": {}, "alerts": {"raised": 0, "cleared": 0, "kept": 0}}
    D = IndicatorDefinition
    chosen = []
    if moved:
        keys = [key for key, query in registry.QUERIES.items() if query.source in moved]
        chosen = list(D.objects.filter(is_active=True, source=D.Source.COMPUTED, query__in=keys))
        chosen += engine.dependents(chosen)
    frequencies = set(D.objects.filter(is_active=True).values_list("frequency", flat=True))
    wanted = set()
    for kind in (periods.MONTH, periods.QUARTER, periods.YEAR):
        # a period of this kind holds the indicators of this frequency or a finer one
        if any(periods.GRAIN[f] <= periods.GRAIN[kind] for f in frequencies):
            current = periods.containing(today, kind)
            wanted |= {current, periods.previous(current)}
    for period in sorted(wanted):
        if chosen:
            # read and computed outside the write transaction, written in a short one (engine.recompute)
            (done,) = engine.recompute(definitions=chosen, period_codes=[period], now=now)
            report["periods"][period.code] = done["written"]
        # alerts every time: collected values and new targets change them too, and evaluating is cheap
        for name, n in alerts_evaluate(period=period, now=now).items():
            report["alerts"][name] += n
    # recorded last: a sweep that fails half-way sees the same change again next time
    _record_seen(moved, now)
    return report
