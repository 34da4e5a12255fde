"""Indicators: the computed indicators over complaints, reviews, work orders and 宣教 (HAND_WRITTEN: 12 of them)
for every unit for a year through `indicator_compute`, against hand-written SQL aggregates of the same figures,
in the same run. (The quality-inspection and training-app indicators have no hand-written peer here.)

Run: `.venv/bin/python benchmarks/indicators.py [--rows N]` (default 1,000,000 complaints): on SQLite in a
temp dir and on a throwaway PostgreSQL server (benchmarks/backends.py), printed side by side; with
`--database-url postgres://...` (or DATABASE_URL) only that PostgreSQL: a test database is created and dropped.
The org tree (40 units) and the complaints are generated as in benchmarks/complaint_list.py (its functions, reused): the driver's executemany, statuses weighted as in life,
received over the 400 days before 2025-12-31, so the year 2025 holds most of them.

Per round, alternately:
  engine: services.indicator_compute(definitions=<the HAND_WRITTEN indicators>, period="2025") — one
          aggregate per source (complaints, reviews, work orders, plan activities ×2), the org tree, the
          current values, the subtree rollup and rates in Python, and the write of whatever changed (the first
          run writes every unit's value; later ones find nothing changed and write nothing);
  raw:    the same figures with hand-written SQL: one GROUP BY per source (two for complaints: by receipt,
          and by the deadline in force for 按时办结率) with the driver's cursor, the same
          subtree sums and rates in plain Python (no ORM, no value rows read or written).
Both sides' values are compared for every unit and indicator before timing. Prints JSON: the hand-written side's
first (cold) reads, then the engine's first (writing) run, p50/p95 seconds per side over the rounds, the ratio of the medians (goal <= 1.5) and the query plan of the
complaint aggregate.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics as stats
import sys
import tempfile
import time
from collections import defaultdict
from datetime import datetime
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
if __name__ == "__main__":
    import backends

    if backends.wanted(sys.argv[1:]):
        # no database named: this run on SQLite and on a throwaway PostgreSQL, printed side by side
        print(json.dumps(backends.side_by_side(__file__, sys.argv[1:]), indent=2, ensure_ascii=False))
        sys.exit(0)
# the database is chosen before Django reads its settings
for i, arg in enumerate(sys.argv):
    if arg == "--database-url" and i + 1 < len(sys.argv):
        os.environ["DATABASE_URL"] = sys.argv[i + 1]
    elif arg.startswith("--database-url="):
        os.environ["DATABASE_URL"] = arg.split("=", 1)[1]
os.environ.setdefault("XIAOBAO_TESTING", "1")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xiaobao.settings")
if "DATABASE_URL" not in os.environ:
    os.environ["XIAOBAO_VAR_DIR"] = tempfile.mkdtemp(prefix="xiaobao-bench-")

import django  # noqa: E402

django.setup()

import backends  # noqa: E402
from complaint_list import generate, make_tree  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import setup_databases, teardown_databases  # noqa: E402
from django.utils import timezone  # noqa: E402

YEAR = 2025
ROUNDS = 5
# the indicators both sides compute (by_hand's figures)
HAND_WRITTEN = (
    "complaints_count",
    "complaints_on_time_rate",
    "complaints_repeat_rate",
    "complaints_avg_days",
    "complaints_forwarded",
    "reviews_count",
    "reviews_substantive_opinions",
    "reviews_adoption_rate",
    "workorders_on_time_rate",
    "education_events",
    "education_reach",
    "education_articles",
)


def stored(moment: datetime):
    from xiaobao.complaints.models import Complaint

    return Complaint._meta.get_field("received_at").get_db_prep_save(moment, connection)


def raw_statements(vendor: str) -> dict[str, tuple[str, list]]:
    """{source: (SQL, parameters)}: one GROUP BY per source, the figures the registry's queries read."""
    start = timezone.make_aware(datetime(YEAR, 1, 1))
    end = timezone.make_aware(datetime(YEAR, 12, 31, 23, 59, 59, 999999))
    next_year = timezone.make_aware(datetime(YEAR + 1, 1, 1))
    seconds = (
        "(julianday(closed_at) - julianday(received_at)) * 86400.0"
        if vendor == "sqlite"
        else "EXTRACT(EPOCH FROM (closed_at - received_at))"
    )
    return {
        "complaints": (
            "SELECT org_unit_id, COUNT(*), "
            "SUM(CASE WHEN status = 'closed' THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN is_repeat THEN 1 ELSE 0 END), "
            f"SUM(CASE WHEN status = 'closed' THEN {seconds} END), "
            "SUM(CASE WHEN channel = 'regulator' THEN 1 ELSE 0 END) "
            "FROM complaints_complaint WHERE import_state <> 'staged' AND received_at >= %s AND received_at <= %s "
            "GROUP BY org_unit_id",
            [stored(start), stored(end)],
        ),
        # 按时办结率 (complaints.selectors.ON_TIME_DEFINITION): the complaints whose deadline in force fell in
        # the year and by now, less a procedure ended before it with no decision due and a clock standing
        # still; on time = the decision told by the deadline
        "complaints_due": (
            "SELECT org_unit_id, COUNT(*), SUM(CASE WHEN decided_at <= due_at THEN 1 ELSE 0 END) "
            "FROM complaints_complaint WHERE import_state <> 'staged' AND due_at >= %s AND due_at <= %s "
            "AND due_at <= %s AND NOT (decided_at IS NULL AND COALESCE((status = 'withdrawn' AND withdrawn_at <= due_at) "
            "OR (status = 'declined' AND declined_at <= due_at), FALSE)) "
            "AND NOT (clock_paused_since IS NOT NULL AND decided_at IS NULL) GROUP BY org_unit_id",
            [stored(start), stored(end), stored(timezone.now())],
        ),
        "reviews": (
            "SELECT org_unit_id, COUNT(*) FROM reviews_review "
            "WHERE submitted_at >= %s AND submitted_at < %s GROUP BY org_unit_id",
            [stored(start), stored(next_year)],
        ),
        "opinions": (
            "SELECT r.org_unit_id, SUM(CASE WHEN o.kind = 'substantive' THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN o.response <> '' THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN o.response <> '' AND o.final_adopted THEN 1 ELSE 0 END) "
            "FROM reviews_opinion o JOIN reviews_review r ON r.id = o.review_id "
            "WHERE r.submitted_at >= %s AND r.submitted_at < %s GROUP BY r.org_unit_id",
            [stored(start), stored(next_year)],
        ),
        "workorders": (
            "SELECT org_unit_id, COUNT(*), "
            "SUM(CASE WHEN COALESCE(submitted_at, closed_at) <= due_at THEN 1 ELSE 0 END) "
            "FROM workorders_workorder WHERE NOT is_batch AND status = 'closed' "
            "AND closed_at >= %s AND closed_at < %s GROUP BY org_unit_id",
            [stored(start), stored(next_year)],
        ),
        "activities": (
            "SELECT org_unit_id, COUNT(*), SUM(reach), SUM(articles) FROM plans_activity "
            "WHERE held_on >= %s AND held_on <= %s GROUP BY org_unit_id",
            [f"{YEAR}-01-01", f"{YEAR}-12-31"],
        ),
        "training": (
            "SELECT a.org_unit_id, COUNT(*), SUM(a.reach), SUM(a.articles) "
            "FROM plans_activity a JOIN plans_plantask t ON t.id = a.task_id JOIN plans_plan p ON p.id = t.plan_id "
            "WHERE a.held_on >= %s AND a.held_on <= %s AND p.kind = 'training' GROUP BY a.org_unit_id",
            [f"{YEAR}-01-01", f"{YEAR}-12-31"],
        ),
    }


def by_hand(statements) -> dict[tuple[str, int], Decimal | None]:
    """Every computed figure for every unit, with the driver and plain Python: {(code, unit id): value}."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, parent_id FROM core_orgunit")
        parent = dict(cursor.fetchall())
        direct = {}
        for name, (sql, params) in statements.items():
            cursor.execute(sql, params)
            direct[name] = cursor.fetchall()

    def chain(unit):
        while unit is not None:
            yield unit
            unit = parent[unit]

    totals: dict[int, list] = defaultdict(lambda: [0] * 16)
    layout = {"complaints": 0, "complaints_due": 5, "reviews": 7, "opinions": 8, "workorders": 11, "activities": 13}
    for name, rows in direct.items():
        for row in rows:
            unit, figures = row[0], row[1:]
            for holder in chain(unit):
                total = totals[holder]
                if name == "training":  # the sessions of training plans leave the 宣教 counts
                    total[13] -= figures[0]
                    total[14] -= figures[1] or 0
                    total[15] -= figures[2] or 0
                else:
                    for offset, value in enumerate(figures):
                        total[layout[name] + offset] += value or 0

    def rate(n, d, scale=100):
        return None if not d else Decimal(n) / Decimal(d) * scale

    values = {}
    for unit in parent:
        t = totals[unit]
        received, closed, repeat, seconds, forwarded, due, on_time = t[0:7]
        figures = {
            "complaints_count": received,
            "complaints_on_time_rate": rate(on_time, due),
            "complaints_repeat_rate": rate(repeat, received),
            "complaints_avg_days": rate(Decimal(repr(float(seconds))) / 86400, closed, 1),
            "complaints_forwarded": forwarded,
            "reviews_count": t[7],
            "reviews_substantive_opinions": t[8],
            "reviews_adoption_rate": rate(t[10], t[9]),
            "workorders_on_time_rate": rate(t[12], t[11]),
            "education_events": t[13],
            "education_reach": t[14],
            "education_articles": t[15],
        }
        for code, value in figures.items():
            values[(code, unit)] = value
    return values


def through_engine(definitions):
    from xiaobao.indicators import services

    return services.indicator_compute(definitions=definitions, period=str(YEAR))


def engine_values() -> dict[tuple[str, int], Decimal | None]:
    from xiaobao.indicators.models import IndicatorValue

    rows = IndicatorValue.objects.filter(period=str(YEAR), is_current=True, definition__code__in=HAND_WRITTEN)
    return {(code, unit): value for code, unit, value in rows.values_list("definition__code", "org_unit", "value")}


def agree(engine: dict, raw: dict) -> None:
    assert set(engine) == set(raw), "the two sides computed different sets of values"
    for key, value in engine.items():
        other = raw[key]
        if value is None or other is None:
            assert value is None and other is None, key
        else:
            assert abs(value - Decimal(other)) < Decimal("0.00001"), (key, value, other)


def seconds(run) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def plan(sql: str, params: list) -> list[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
            return [str(row[-1]) for row in cursor.fetchall()]
        cursor.execute("EXPLAIN " + sql, params)
        return [row[0] for row in cursor.fetchall()]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=ROUNDS, help="alternating timed rounds per side")
    parser.add_argument("--database-url", help="postgres://... (default: DATABASE_URL, else SQLite in a temp dir)")
    args = parser.parse_args(backends.strip(sys.argv[1:]))
    if connection.vendor == "postgresql":
        old = setup_databases(verbosity=0, interactive=False)
    else:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        old = None
    try:
        from xiaobao.complaints.models import Complaint
        from xiaobao.indicators.models import IndicatorDefinition

        now = timezone.make_aware(datetime(YEAR, 12, 31, 12, 0))
        units, _branch, _officer, handlers = make_tree()
        generate_seconds = generate(args.rows, units, handlers, now)
        in_year = Complaint.objects.filter(received_at__year=YEAR).count()
        # the computed indicators over the sources written by hand below (complaints, reviews, work orders,
        # 宣教); the quality-inspection and training-app figures have no hand-written peer here
        definitions = list(IndicatorDefinition.objects.filter(is_active=True, source="computed", code__in=HAND_WRITTEN))
        assert len(definitions) == len(HAND_WRITTEN), "an indicator the raw side computes is not shipped"
        statements = raw_statements(connection.vendor)

        # The first reads of the freshly written rows pay for cold caches (SQLite's pages, PostgreSQL's shared
        # buffers, the planner's statistics) whoever reads first; the hand-written side reads first and is timed
        # (raw_cold_seconds), so the engine's first run below is its own first computation — every value
        # written — measured on the same warm data as every later round of either side.
        raw_cold_seconds = seconds(lambda: by_hand(statements))
        first: dict = {}
        first_seconds = seconds(lambda: first.update(through_engine(definitions)))
        steady = through_engine(definitions)  # the steady state: nothing changed, nothing written
        agree(engine_values(), by_hand(statements))
        seconds(lambda: by_hand(statements))  # warm both sides alike
        engine_s: list[float] = []
        raw_s: list[float] = []
        for _ in range(args.rounds):
            engine_s.append(seconds(lambda: through_engine(definitions)))
            raw_s.append(seconds(lambda: by_hand(statements)))
        complaint_plan = plan(*statements["complaints"])
    finally:
        if old is not None:
            connection.close()
            teardown_databases(old, verbosity=0)
    ratio = stats.median(engine_s) / stats.median(raw_s)
    print(
        json.dumps(
            {
                "benchmark": "indicators",
                "backend": connection.vendor,
                "rows": args.rows,
                "rows_in_year": in_year,
                "units": len(units),
                "indicators": len(definitions),
                "generate_seconds": round(generate_seconds, 1),
                "first_run_seconds": round(first_seconds, 3),
                "raw_cold_seconds": round(raw_cold_seconds, 3),
                "first_run": first,
                "steady_run": steady,
                "engine_seconds": {"p50": round(stats.median(engine_s), 3), "p95": round(p95(engine_s), 3)},
                "raw_seconds": {"p50": round(stats.median(raw_s), 3), "p95": round(p95(raw_s), 3)},
                "ratio": round(ratio, 3),
                "ratio_first_run": round(first_seconds / stats.median(raw_s), 3),
                "goal_ratio": 1.5,
                "complaint_aggregate_plan": complaint_plan,
                "note": (
                    "engine: indicator_compute for the 12 HAND_WRITTEN indicators, period 2025, all units "
                    "(aggregates, tree, rollup, rates, compare with the current values, write what changed). "
                    "raw: one hand-written GROUP BY per source (complaints: by receipt and by deadline in force) "
                    "with the driver, the same subtree sums and rates in "
                    "plain Python. Values compared for every unit and indicator before timing. ratio = median "
                    "engine / median raw (steady state); ratio_first_run = the engine's first run (every value written) / median raw; raw_cold_seconds is the "
                    "hand-written side's first reads of the fresh data (cold caches), taken before the engine's first run."
                ),
            },
            indent=2,
            ensure_ascii=False,
            default=str,
        )
    )


if __name__ == "__main__":
    main()
