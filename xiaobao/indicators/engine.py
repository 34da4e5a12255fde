"""The compute engine: every unit's values of a set of indicators for one period, in a few queries.

One aggregate per data source (registry), the org tree read once, then in Python: each unit's figures added
into its ancestors (a unit's value is its subtree's), rates derived from the summed numerator and denominator
(never an average of rates), collected values rolled up to the units that entered none, formulas evaluated
per unit over the rolled-up inputs. Only values that changed are written: the old row is superseded
(is_current False), never updated, so a figure's history survives every recomputation.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import NamedTuple

from django.db import transaction
from django.utils import timezone

from xiaobao.core import audit
from xiaobao.core.models import OrgUnit
from xiaobao.indicators import formula as formulas
from xiaobao.indicators import periods, registry
from xiaobao.indicators.models import IndicatorDefinition, IndicatorValue

SIX = Decimal("0.000001")
LIMIT = Decimal("1e14")  # Decimal(20, 6) holds 14 digits before the point
D = IndicatorDefinition
BATCH = 500


def decimal(value) -> Decimal | None:
    """A figure as stored (6 places), or None when it cannot be one (missing, too large, not finite)."""
    if value is None:
        return None
    try:
        number = value if isinstance(value, Decimal) else Decimal(repr(value) if isinstance(value, float) else value)
        if not number.is_finite() or abs(number) >= LIMIT:
            return None
        return number.quantize(SIX, rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError, TypeError):
        return None


@dataclass(frozen=True)
class Figure:
    value: Decimal | None
    numerator: Decimal | None
    denominator: Decimal | None
    source: str


class Stored(NamedTuple):
    """A current value row as the engine reads it."""

    pk: int
    definition_id: int
    org_unit_id: int
    value: Decimal | None
    numerator: Decimal | None
    denominator: Decimal | None
    source: str


def ratio(numerator, denominator, scale) -> Decimal | None:
    """numerator / denominator × scale; None for a denominator of 0."""
    if numerator is None or denominator is None or Decimal(denominator) == 0:
        return None
    return decimal(Decimal(numerator) / Decimal(denominator) * Decimal(scale))


class Tree:
    """The org tree, read once: each unit's chain (itself and its ancestors) and its children."""

    def __init__(self):
        rows = list(OrgUnit.objects.order_by("path").values_list("pk", "parent_id", "path"))
        self.parent = {pk: parent for pk, parent, _path in rows}
        self.units = [pk for pk, _parent, _path in rows]
        self.children: dict[int, list[int]] = defaultdict(list)
        for pk, parent, _path in rows:
            if parent is not None:
                self.children[parent].append(pk)
        depth = {pk: len(path) for pk, _parent, path in rows}  # fixed-width steps: longer is deeper
        # deepest first: a unit's children are settled before the unit
        self.bottom_up = sorted(self.units, key=lambda pk: -depth[pk])
        self._chains: dict[int, tuple[int, ...]] = {}

    def chain(self, unit: int) -> tuple[int, ...]:
        found = self._chains.get(unit)
        if found is None:
            parent = self.parent.get(unit)
            found = (unit, *(self.chain(parent) if parent is not None else ()))
            self._chains[unit] = found
        return found


def subtree_totals(direct: dict[int, dict], tree: Tree) -> dict[int, dict]:
    """Each unit's own figures added into itself and every ancestor: {unit: its subtree's figures}."""
    totals: dict[int, dict] = defaultdict(dict)
    for unit, row in direct.items():
        for holder in tree.chain(unit):
            total = totals[holder]
            for name, value in row.items():
                total[name] = total.get(name, 0) + (value or 0)
    return totals


def _computed(definitions, period, tree: Tree) -> dict[tuple[int, int], Figure]:
    by_source: dict[str, list] = defaultdict(list)
    for definition in definitions:
        query = registry.query(definition.query)
        if query is not None and registry.available(query.source):
            by_source[query.source].append((definition, query))
    results = {}
    for source, pairs in by_source.items():
        totals = subtree_totals(registry.SOURCES[source].figures(period.start, period.end), tree)
        for definition, query in pairs:
            for unit in tree.units:
                row = totals.get(unit, {})
                numerator = decimal(row.get(query.numerator, 0))
                if query.denominator:
                    denominator = decimal(row.get(query.denominator, 0))
                    value = ratio(numerator, denominator, definition.scale)
                else:
                    denominator, value = None, decimal(numerator * definition.scale)
                results[(definition.pk, unit)] = Figure(value, numerator, denominator, IndicatorValue.Source.COMPUTED)
    return results


def _collected(definitions, period, tree: Tree, own: dict[tuple[int, int], Stored]):
    """Roll collected values up to the units that entered none: a unit's own entry is its subtree's figure
    and wins; otherwise its children's figures are summed (counts) or their numerators and denominators are
    (rates — a child that entered a rate without them leaves the parent without a value)."""
    results = {}
    for definition in definitions:
        if definition.rollup == D.Rollup.NONE:
            continue
        settled: dict[int, Figure] = {}
        for unit in tree.bottom_up:
            entered = own.get((definition.pk, unit))
            if entered is not None:
                settled[unit] = Figure(entered.value, entered.numerator, entered.denominator, entered.source)
                continue
            parts = [settled[child] for child in tree.children.get(unit, ()) if child in settled]
            if not parts:
                continue
            if definition.rollup == D.Rollup.RATIO:
                if any(p.numerator is None or p.denominator is None for p in parts):
                    figure = Figure(None, None, None, IndicatorValue.Source.ROLLUP)
                else:
                    numerator = sum(p.numerator for p in parts)
                    denominator = sum(p.denominator for p in parts)
                    figure = Figure(
                        ratio(numerator, denominator, definition.scale),
                        decimal(numerator),
                        decimal(denominator),
                        IndicatorValue.Source.ROLLUP,
                    )
            else:
                values = [p.value for p in parts if p.value is not None]
                figure = Figure(decimal(sum(values)) if values else None, None, None, IndicatorValue.Source.ROLLUP)
            settled[unit] = figure
            results[(definition.pk, unit)] = figure
    return results


def formula_order(definitions) -> list:
    """Formula definitions with each one after the formulas it reads (cycles are refused at save)."""
    by_code = {d.code: d for d in definitions}
    ordered, seen = [], set()

    def visit(definition, trail=()):
        if definition.code in seen or definition.code in trail:
            return
        for code in formulas.parse(definition.formula).codes:
            if code in by_code:
                visit(by_code[code], (*trail, definition.code))
        seen.add(definition.code)
        ordered.append(definition)

    for definition in definitions:
        visit(definition)
    return ordered


def _formulas(definitions, tree: Tree, known: dict[tuple[str, int], Decimal | None]):
    results = {}
    for definition in formula_order(definitions):
        parsed = formulas.parse(definition.formula)
        for unit in tree.units:
            inputs = {code: known.get((code, unit)) for code in parsed.codes}
            if any(value is None for value in inputs.values()):
                known[(definition.code, unit)] = None  # an input missing: no figure at all (no row)
                continue
            # every input present: a result of None (a divisor of 0) is recorded as not computable
            result = parsed.evaluate(inputs)
            value = decimal(result * definition.scale) if result is not None else None
            known[(definition.code, unit)] = value
            results[(definition.pk, unit)] = Figure(value, None, None, IndicatorValue.Source.FORMULA)
    return results


def dependents(definitions) -> list:
    """The active formula definitions that read any of `definitions`, directly or through another formula."""
    codes = {d.code for d in definitions}
    found = []
    pending = list(D.objects.filter(is_active=True, source=D.Source.FORMULA).exclude(code__in=codes))
    grew = True
    while grew:
        grew = False
        for definition in list(pending):
            if formulas.parse(definition.formula).codes & codes:
                found.append(definition)
                codes.add(definition.code)
                pending.remove(definition)
                grew = True
    return found


def lock(definitions) -> None:
    """Serialise the writers of these indicators' values (compute, collect): their definition rows are locked
    in id order, always before any value row, so two writers never wait on each other in a circle."""
    ids = sorted({d.pk for d in definitions})
    list(D.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk", flat=True))


@dataclass
class Plan:
    """A period's figures computed from what was read, not yet written (`apply` writes them).

    `seen` is the primary keys of every current value row the computation read (these indicators' own rows
    and the formulas' other inputs): value rows are never updated, only superseded, so the same keys read
    again mean the same inputs."""

    period: periods.Period
    definitions: list
    results: dict[tuple[int, int], Figure]
    current: list[Stored]
    seen: frozenset[int]


def _selected(definitions, period) -> tuple[periods.Period, list]:
    period = period if isinstance(period, periods.Period) else periods.parse(period)
    if definitions is None:
        definitions = D.objects.filter(is_active=True)
    return period, [d for d in definitions if d.is_active and periods.applies(d.frequency, period)]


def _formula_inputs(definitions) -> set[str]:
    codes = set()
    for definition in definitions:
        if definition.source == D.Source.FORMULA:
            codes |= formulas.parse(definition.formula).codes
    return codes


def prepare(*, definitions=None, period, pending=()) -> Plan:
    """Read and compute one period's figures, writing nothing (no transaction needed).

    `pending` are collected values not yet visible (rows an import staged, as `Stored`) taken as the current
    entries of their indicator and unit, so the figures come out as they will be once those are published."""
    period, definitions = _selected(definitions, period)
    if not definitions:
        return Plan(period, [], {}, [], frozenset())
    tree = Tree()
    by_kind = defaultdict(list)
    for definition in definitions:
        by_kind[definition.source].append(definition)
    # plain tuples, not model instances: this is most of the engine's own time on a steady-state run
    current = [
        Stored(*row)
        for row in IndicatorValue.objects.filter(
            period=period.code, is_current=True, definition__in=definitions
        ).values_list(*Stored._fields)
    ]
    inputs = list(
        IndicatorValue.objects.filter(
            period=period.code, is_current=True, definition__code__in=_formula_inputs(definitions)
        )
        .exclude(definition__in=definitions)
        .values_list("pk", "definition__code", "org_unit_id", "value")
    )
    own = {
        (row.definition_id, row.org_unit_id): row for row in current if row.source == IndicatorValue.Source.COLLECTED
    }
    chosen = {d.pk for d in definitions}
    own.update({(row.definition_id, row.org_unit_id): row for row in pending if row.definition_id in chosen})

    results = _computed(by_kind[D.Source.COMPUTED], period, tree)
    results.update(_collected(by_kind[D.Source.COLLECTED], period, tree, own))
    code_of = {d.pk: d.code for d in definitions}
    known = {(code, unit): value for _pk, code, unit, value in inputs}
    known.update({(code_of[d], unit): row.value for (d, unit), row in own.items()})
    known.update({(code_of[d], unit): figure.value for (d, unit), figure in results.items()})
    results.update(_formulas(by_kind[D.Source.FORMULA], tree, known))
    seen = frozenset(row.pk for row in current) | frozenset(row[0] for row in inputs)
    # a pending entry replaces whatever row its unit has now (a rollup, say) when it is published: that row is
    # not there to supersede or compare against any more
    entered = {(row.definition_id, row.org_unit_id) for row in pending if row.definition_id in chosen}
    current = [row for row in current if (row.definition_id, row.org_unit_id) not in entered]
    return Plan(period, definitions, results, current, seen)


def unchanged_since(plan: Plan) -> bool:
    """Whether the value rows `plan` was computed from are still the current ones (two small queries; call it
    inside the writing transaction, after `lock`)."""
    if not plan.definitions:
        return True
    rows = IndicatorValue.objects.filter(period=plan.period.code, is_current=True)
    now_seen = set(rows.filter(definition__in=plan.definitions).values_list("pk", flat=True))
    now_seen |= set(
        rows.filter(definition__code__in=_formula_inputs(plan.definitions))
        .exclude(definition__in=plan.definitions)
        .values_list("pk", flat=True)
    )
    return now_seen == plan.seen


def apply(plan: Plan, now) -> dict:
    """Write a plan's figures that changed (superseding the old rows) and audit the recomputation; the caller
    holds the transaction and the lock, and has checked `unchanged_since`."""
    period = plan.period
    if not plan.definitions:
        return {"period": period.code, "definitions": 0, "written": 0, "unchanged": 0}
    written, unchanged = _write(plan.results, plan.current, period, now)
    if written:
        audit.record(
            actor=None,
            action="indicators.compute",
            object_type="indicators.indicatorvalue",
            object_id=period.code,
            object_repr=f"{period.code}",
            changes={
                "period": period.code,
                "definitions": sorted(d.code for d in plan.definitions),
                "written": written,
            },
            at=now,
        )
    return {"period": period.code, "definitions": len(plan.definitions), "written": written, "unchanged": unchanged}


@transaction.atomic
def compute(*, definitions=None, period, now=None) -> dict:
    """See services.indicator_compute: read, compute and write in one transaction (the lock held throughout)."""
    now = now or timezone.now()
    period, definitions = _selected(definitions, period)
    if definitions:
        lock(definitions)
    return apply(prepare(definitions=definitions, period=period), now)


#: how often `recompute` computes again outside the transaction when another writer changed its inputs
#: meanwhile, before it computes under the lock as `compute` does
RECOMPUTE_TRIES = 3


def recompute(*, definitions, period_codes, now=None, pending=None, publish=None) -> list[dict]:
    """`compute` for several periods without holding the write lock while reading and computing: the figures
    are computed outside any transaction, then written in one short one, provided the value rows they came
    from are still the current ones (else computed again; after RECOMPUTE_TRIES, under the lock as `compute`
    does). `pending` ({period code: [Stored]}) are collected values not yet visible, taken as entered (see
    `prepare`); `publish()`, if given, runs in that same transaction before the figures are written — an import
    making its staged `pending` values visible — so the entries and every figure they change appear together,
    in one commit. Inside a caller's transaction everything is done under the lock: nothing is gained there.
    Returns `compute`'s summary per period."""
    now = now or timezone.now()
    definitions = list(definitions)
    codes = sorted(period_codes)
    pending = pending or {}

    def plans() -> list[Plan]:
        return [prepare(definitions=definitions, period=c, pending=pending.get(str(c), ())) for c in codes]

    for attempt in range(RECOMPUTE_TRIES + 1):
        under_lock = attempt == RECOMPUTE_TRIES or transaction.get_connection().in_atomic_block
        computed = [] if under_lock else plans()
        with transaction.atomic():
            if definitions:
                lock(definitions)
            if under_lock:
                computed = plans()
            elif not all(unchanged_since(plan) for plan in computed):
                continue  # another writer got in between: compute again from what is current now
            if publish is not None:
                publish()
            return [apply(plan, now) for plan in computed]
    raise AssertionError("unreachable: the last attempt computes under the lock")


def _write(results: dict[tuple[int, int], Figure], current: list[Stored], period, now) -> tuple[int, int]:
    existing = {
        (row.definition_id, row.org_unit_id): row for row in current if row.source != IndicatorValue.Source.COLLECTED
    }
    for key, row in existing.items():  # a figure that no longer has inputs: recorded as not computable
        results.setdefault(key, Figure(None, None, None, row.source))
    superseded, created, unchanged = [], [], 0
    for (definition_id, unit), figure in results.items():
        old = existing.get((definition_id, unit))
        if old is None and figure.value is None and figure.source == IndicatorValue.Source.ROLLUP:
            continue
        if old is not None and (old.value, old.numerator, old.denominator) == (
            figure.value,
            figure.numerator,
            figure.denominator,
        ):
            unchanged += 1
            continue
        if old is not None:
            superseded.append(old.pk)
        created.append(
            IndicatorValue(
                definition_id=definition_id,
                org_unit_id=unit,
                period=period.code,
                period_start=period.start,
                period_end=period.end,
                value=figure.value,
                numerator=figure.numerator,
                denominator=figure.denominator,
                source=figure.source,
                is_current=True,
                computed_at=now,
            )
        )
    # the old rows first: the new ones would break the one-current-row constraint
    for start in range(0, len(superseded), BATCH):
        IndicatorValue.objects.filter(pk__in=superseded[start : start + BATCH]).update(
            is_current=False, superseded_at=now
        )
    IndicatorValue.objects.bulk_create(created, batch_size=BATCH)
    return len(created), unchanged
