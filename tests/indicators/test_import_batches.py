"""Storing collected values never holds the write lock for the whole import: the rows are staged invisible in
short transactions, the figures they change are computed outside any transaction, and one short commit makes
the entries and those figures visible together. Another user's write goes through meanwhile; a failure leaves
nothing visible and nothing staged."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection

from tests.helpers_uploads import write_meanwhile
from tests.indicators.conftest import NOW, definition
from tests.indicators.test_collect import fresh, workbook
from tests.indicators.test_import_limits import _seeded_definitions
from xiaobao.core.models import AuditEntry, User
from xiaobao.indicators import collect, engine, selectors, services
from xiaobao.indicators.models import IndicatorValue

pytestmark = pytest.mark.django_db(transaction=True)

ROWS = [
    ("premium_income_100m", "A1", "2025", 1.0, None, None),
    ("premium_income_100m", "B1", "2025", 1.5, None, None),
    ("premium_income_100m", "B", "2024", 4, None, None),
]


def current(code, unit, period="2025"):
    row = IndicatorValue.objects.filter(definition__code=code, org_unit=unit, period=period, is_current=True).first()
    return row.value if row else None


def in_another_connection(work):
    """Run `work()` on a connection of its own (another user's request) and return what it returned."""
    out: list = []

    def run():
        try:
            out.append(work())
        except Exception as problem:  # kept, so the assertion shows it
            out.append(problem)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=30)  # a guard against hanging, not a timing assertion
    return out[0] if out else "still waiting"


def test_another_user_enters_a_value_of_the_same_indicator_while_the_import_computes(cast, monkeypatch):
    """The old import computed under the lock it took on the indicator: another user's entry for the same
    indicator waited for the whole import (PostgreSQL) or failed with the database locked (SQLite)."""
    _seeded_definitions()
    real, entered = engine.Tree, []

    def org_tree_read_while_another_user_enters():
        # the engine reads the org tree once it has what it computes from (the old import: under its lock)
        if not entered and threading.current_thread() is threading.main_thread():
            entered.append(
                in_another_connection(
                    lambda: (
                        services.value_collect(
                            actor=fresh(cast.officer_a),
                            definition=definition("premium_income_100m"),
                            org_unit=cast.branch_a,
                            period="2025",
                            value="2.5",
                            now=NOW,
                        ).value
                    )
                )
            )
        return real()

    monkeypatch.setattr(engine, "Tree", org_tree_read_while_another_user_enters)
    result = services.values_import(actor=fresh(cast.hq_admin), upload=workbook(ROWS), now=NOW)
    assert entered == [Decimal("2.5")] and result.ok and result.written == 3
    # the import's figures were computed again from what the other user entered: A's own 2.5 wins over A1's
    # 1.0, B rolls up B1's 1.5, head office adds A and B
    assert (current("premium_income_100m", cast.branch_a), current("premium_income_100m", cast.hq)) == (2.5, 4)
    assert current("premium_income_100m", cast.branch_b, "2024") == 4


def test_a_write_by_another_user_goes_through_between_the_staging_batches(cast, monkeypatch):
    _seeded_definitions()
    monkeypatch.setattr(collect, "STAGE_ROWS", 1)
    results: list = []
    real = IndicatorValue.objects.bulk_create

    def stage_and_let_another_user_write(rows, *args, **kwargs):
        made = real(rows, *args, **kwargs)
        if rows[0].staged_import and not results:
            connection.on_commit(lambda: write_meanwhile(cast.officer_b, results))
        return made

    monkeypatch.setattr(IndicatorValue.objects, "bulk_create", stage_and_let_another_user_write)
    assert services.values_import(actor=fresh(cast.hq_admin), upload=workbook(ROWS), now=NOW).written == 3
    assert results == [True]
    assert User.objects.get(pk=cast.officer_b.pk).first_name == "meanwhile"


def test_staged_rows_are_seen_by_nobody_until_the_import_publishes_them(cast, monkeypatch):
    _seeded_definitions()
    services.value_collect(
        actor=fresh(cast.hq_admin),
        definition=definition("premium_income_100m"),
        org_unit=cast.sub_b,
        period="2025",
        value="9",
        now=NOW,
    )
    real, seen = engine.prepare, []

    def look_from_another_connection(**kwargs):
        if not seen:
            staged = IndicatorValue.objects.exclude(staged_import="").count()

            def look():
                viewer = fresh(cast.hq_admin)
                premium = definition("premium_income_100m")
                rows = selectors.values_for(viewer, definition=premium, period="2025")
                return (
                    sorted((row.org_unit.code, row.value) for row in rows),
                    selectors.history(viewer, premium, cast.sub_b, "2025").count(),
                )

            seen.append((staged, in_another_connection(look)))
        return real(**kwargs)

    monkeypatch.setattr(engine, "prepare", look_from_another_connection)
    services.values_import(actor=fresh(cast.hq_admin), upload=workbook(ROWS), now=NOW)
    ((staged, (values, history)),) = seen
    assert staged == 3  # the import's rows were written by then …
    # … and nobody saw them: the values are still those entered before, B1's history one entry long
    assert values == [("B", 9), ("B1", 9), ("HQ", 9)] and history == 1
    # then all at once: B1's new value, and the rollups above it
    assert (current("premium_income_100m", cast.sub_b), current("premium_income_100m", cast.hq)) == (
        1.5,
        Decimal("2.5"),
    )


def test_a_failure_after_staging_leaves_nothing_visible_and_nothing_staged(cast, monkeypatch):
    _seeded_definitions()

    def broken(*args, **kwargs):
        # the failure comes last: the rows were staged and are being published, in the transaction it breaks
        assert IndicatorValue.objects.filter(source="collected", is_current=True).count() == 3
        raise RuntimeError("the database went away")

    monkeypatch.setattr(engine, "_write", broken)
    with pytest.raises(RuntimeError):
        services.values_import(actor=fresh(cast.hq_admin), upload=workbook(ROWS), now=NOW)
    assert not IndicatorValue.objects.exists()
    assert not AuditEntry.objects.filter(action="indicators.value_collect").exists()


def test_one_entry_and_the_figures_it_changes_are_published_together(cast, monkeypatch):
    """A single entry takes the same path: staged, computed outside, published with its rollups in one commit."""
    _seeded_definitions()
    commits = []
    monkeypatch.setattr(collect, "_publish", _counting(collect._publish, commits))
    row = services.value_collect(
        actor=fresh(cast.officer_a),
        definition=definition("premium_income_100m"),
        org_unit=cast.sub_a,
        period="2025",
        value="1.25",
        now=NOW,
    )
    assert commits == [True] and row.is_current and row.staged_import == ""
    assert current("premium_income_100m", cast.branch_a) == Decimal("1.25")
    assert not IndicatorValue.objects.exclude(staged_import="").exists()


def _counting(real, calls):
    def publish(*args, **kwargs):
        assert connection.in_atomic_block  # published inside the transaction that writes the figures
        calls.append(True)
        return real(*args, **kwargs)

    return publish
