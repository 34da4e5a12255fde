"""The two full-text backends behind one interface. Both search the same table (knowledge_searchentry, see
migration 0002) and differ only in how a query becomes a match condition and a score.

A query reaches the database only as words from the segmenter, each one quoted by `quote_*` below and passed
as one bound parameter — never as search syntax the user wrote, so no input can raise a syntax error.

- SQLite FTS5: `fts MATCH '("w1" OR "syn") AND "w2"'`, scored by `bm25()` with column weights
  title 10 : question/alternatives 4 : body 1 (FTS5's bm25 is negative, lower is better; we negate it).
- PostgreSQL: `tsv @@ to_tsquery('simple', '(''w1'' | ''syn'') & ''w2''')` finds the rows (GIN index); the
  score is BM25-like: for each word group, `ts_rank_cd(weights, tsv, group, 1)` (cover density with weights
  A (title) 1.0, B (question) 0.4, D (body) 0.1, divided by 1 + log(document length)), saturated as
  r / (r + K) the way BM25 saturates a term's frequency, times the group's inverse document frequency.
  ts_rank_cd alone has no IDF: a word in half the documents weighed as much as a rare one. The frequencies
  come from one count per word group, cached (`idf_weights`): forgotten when this process changes the index,
  after `DF_TTL` seconds in the others — a slightly stale frequency moves scores a little, never the matches.

Both can also exclude the rows that match every word (`exclude_all`): search fills a short AND page with
rows matching only some of the words.

SQLite reads the database memory-mapped (`prepare`): visibility is checked for every match, and through
SQLite's 2 MB default page cache each of those rows cost a read() call — on 100k documents the join doubled
a broad query's time (benchmarks/knowledge_search.py, one connection). With passages the index has 2.5
entries per document and that check, a seek per match into rows wide with text, cost as much as the bare
statement's ranking: it goes through a covering index of the columns search reads (`SQLITE_ENTRY_INDEX`,
migration 0007), and bm25() is computed only for the matches visibility and filters keep.
The mapped pages are the OS page cache, shared by every connection; Django opens one per request here, and
on a new connection a broad query still gains 12-18 % while a narrow one pays a few ms to set the mapping up
(a bigger per-connection cache_size would start cold on every request, so it is not the fix).
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass

from django.db import connection

ENTRY = "knowledge_searchentry"
FTS = "knowledge_searchfts"
BM25_WEIGHTS = (10.0, 4.0, 1.0)  # title, question (+ alternatives, tags), body (+ answer)
PG_WEIGHTS = "{0.1, 0.2, 0.4, 1.0}"  # D, C, B, A
# Address space, not memory: SQLite maps at most this much of the database file (1 GiB: the 100k-document
# benchmark database is about 350 MB); the pages are the OS page cache's, shared and evictable.
SQLITE_MMAP_BYTES = 1 << 30
# The entry columns search reads, without the text (migration 0007): SQLite joins matches to entries through it.
SQLITE_ENTRY_INDEX = "knowledge_searchentry_visible"
PG_SATURATION = 0.1  # K of r / (r + K): past about K, more of a word adds less and less
# Ranking costs per matching row (the tsvector is read and ranked): a word in half of 100k documents took
# a second. Past this many rows found, the rest are not ranked (the total says "at least").
PG_RANK_CAP = 2000
DF_TTL = 600.0  # seconds another process's index changes may go unnoticed in the frequencies
DF_CACHE_SIZE = 20_000


def quote_fts5(word: str) -> str:
    """An FTS5 string: double quotes around, inner double quotes doubled. Never an operator."""
    return '"' + word.replace('"', '""') + '"'


def quote_tsquery(word: str) -> str:
    """A tsquery lexeme: single quotes around, inner quotes and backslashes doubled. Never an operator."""
    return "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"


@dataclass(frozen=True)
class Match:
    """The pieces of the search statement a backend supplies."""

    from_sql: str  # the FROM clause, naming the entry table `e`; `params` go here (and in where_sql)
    where_sql: str  # the full-text condition, if not in the FROM clause
    score_sql: str  # higher is better
    params: list
    score_params: tuple = ()  # for score_sql, which comes first in the statement
    cap: int | None = None  # rank only the first `cap` rows found (a broad query's total is then "at least")


class SQLiteBackend:
    vendor = "sqlite"

    def prepare(self) -> None:
        """Map the database file into memory for this connection (once per DB-API connection)."""
        connection.ensure_connection()
        raw = connection.connection
        if getattr(connection, "_xiaobao_mmap_for", None) is not raw:
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA mmap_size = {SQLITE_MMAP_BYTES}")
            connection._xiaobao_mmap_for = raw

    def expression(self, groups: list[tuple[str, ...]], mode: str) -> str:
        joiner = " AND " if mode == "and" else " OR "
        return joiner.join("(" + " OR ".join(quote_fts5(w) for w in group) + ")" for group in groups)

    def match(self, groups: list[tuple[str, ...]], mode: str) -> Match:
        # One SELECT scans the FTS table and joins each match to its entry through the covering index
        # (migration 0007: the entry's own rows are wide with text, a seek into them cost as much as ranking);
        # bm25() stays in that SELECT, so it is computed only for the rows visibility and filters keep.
        weights = ", ".join(str(w) for w in BM25_WEIGHTS)
        return Match(
            from_sql=f"{FTS} JOIN {ENTRY} e INDEXED BY {SQLITE_ENTRY_INDEX} ON e.id = {FTS}.rowid",
            where_sql=f"{FTS} MATCH %s",
            score_sql=f"-bm25({FTS}, {weights})",
            params=[self.expression(groups, mode)],
        )

    def exclude_all(self, groups: list[tuple[str, ...]]) -> tuple[str, list]:
        """A condition on `e`, true for the rows that do not match every group."""
        # by version: a version whose document entry or any passage has every word is already on the AND page
        return (
            f"e.version_id NOT IN (SELECT x.version_id FROM {ENTRY} x WHERE x.id IN "  # noqa: S608
            f"(SELECT rowid FROM {FTS} WHERE {FTS} MATCH %s))",
            [self.expression(groups, "and")],
        )

    def idf_weights(self, groups: list[tuple[str, ...]]) -> list[float]:
        return idf_weights(groups)

    def raw_statement(self) -> str:
        """The bare full-text query the benchmark compares with: match, rank, top rows; no filters."""
        weights = ", ".join(str(w) for w in BM25_WEIGHTS)
        return f"SELECT rowid, -bm25({FTS}, {weights}) AS score FROM {FTS} WHERE {FTS} MATCH %s ORDER BY score DESC LIMIT %s"  # noqa: S608


class PostgresBackend:
    vendor = "postgresql"

    def prepare(self) -> None:
        """Nothing to set up on PostgreSQL."""

    def expression(self, groups: list[tuple[str, ...]], mode: str) -> str:
        joiner = " & " if mode == "and" else " | "
        return joiner.join("(" + " | ".join(quote_tsquery(w) for w in group) + ")" for group in groups)

    def score(self, groups: list[tuple[str, ...]]) -> tuple[str, tuple]:
        """The BM25-like score over `e.tsv` and its parameters (one tsquery per group); each group's rank is
        computed once, in a VALUES list summed by a scalar subquery."""
        # the IDFs are floats this module computed, not input: written into the statement as literals
        values = ", ".join(
            f"({weight:.6f}::float8, ts_rank_cd('{PG_WEIGHTS}', e.tsv, to_tsquery('simple', %s), 1))"
            for weight in idf_weights(groups)
        )
        sql = f"(SELECT SUM(t.w * t.r / (t.r + {PG_SATURATION})) FROM (VALUES {values}) AS t(w, r))"  # noqa: S608
        return sql, tuple(self.expression([group], "and") for group in groups)

    def match(self, groups: list[tuple[str, ...]], mode: str) -> Match:
        score_sql, score_params = self.score(groups)
        return Match(
            from_sql=f"{ENTRY} e CROSS JOIN to_tsquery('simple', %s) AS q",
            where_sql="e.tsv @@ q",
            score_sql=score_sql,
            params=[self.expression(groups, mode)],
            score_params=score_params,
            cap=PG_RANK_CAP,
        )

    def exclude_all(self, groups: list[tuple[str, ...]]) -> tuple[str, list]:
        return (
            f"e.version_id NOT IN (SELECT x.version_id FROM {ENTRY} x WHERE x.tsv @@ to_tsquery('simple', %s))",  # noqa: S608
            [self.expression(groups, "and")],
        )

    def idf_weights(self, groups: list[tuple[str, ...]]) -> list[float]:
        return idf_weights(groups)

    def raw_statement(self) -> str:
        return (
            f"SELECT e.id, ts_rank_cd('{PG_WEIGHTS}', e.tsv, q, 1) AS score FROM {ENTRY} e, "  # noqa: S608
            "to_tsquery('simple', %s) AS q WHERE e.tsv @@ q ORDER BY score DESC LIMIT %s"
        )


_df_lock = threading.Lock()
_df_cache: dict[tuple, tuple[int, float]] = {}


def forget_frequencies() -> None:
    """The index changed: count document frequencies again."""
    with _df_lock:
        _df_cache.clear()


def _cached(key: tuple, count) -> int:
    now = time.monotonic()
    with _df_lock:
        found = _df_cache.get(key)
    if found is not None and now - found[1] < DF_TTL:
        return found[0]
    value = count()
    with _df_lock:
        if len(_df_cache) >= DF_CACHE_SIZE:
            _df_cache.clear()
        _df_cache[key] = (value, now)
    return value


def _count(where: str, params: list) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {ENTRY} e WHERE e.is_current AND {where}", params)  # noqa: S608
        return cursor.fetchone()[0]


def _count_fts(expression: str | None) -> int:
    with connection.cursor() as cursor:
        if expression is None:
            cursor.execute(f"SELECT COUNT(*) FROM {ENTRY} e WHERE e.is_current")  # noqa: S608
        else:
            cursor.execute(
                f"SELECT COUNT(*) FROM {ENTRY} e WHERE e.is_current AND e.id IN "  # noqa: S608
                f"(SELECT rowid FROM {FTS} WHERE {FTS} MATCH %s)",
                [expression],
            )
        return cursor.fetchone()[0]


def idf_weights(groups: list[tuple[str, ...]]) -> list[float]:
    """BM25's inverse document frequency of each word group among the current entries (corpus statistics,
    the same for every reader), from counts cached per group."""
    db = connection.settings_dict.get("NAME")
    postgres = connection.vendor == "postgresql"
    total = _cached((db, None), lambda: _count("TRUE", []) if postgres else _count_fts(None))
    weights = []
    for group in groups:
        df = frequency(group)
        weights.append(math.log(1 + (total - df + 0.5) / (df + 0.5)))
    return weights


def frequency(group: tuple[str, ...]) -> int:
    """How many current entries have any word of the group (cached like the IDFs)."""
    db = connection.settings_dict.get("NAME")
    if connection.vendor == "postgresql":
        expression = PostgresBackend().expression([group], "and")
        return _cached((db, group), lambda: _count("e.tsv @@ to_tsquery('simple', %s)", [expression]))
    expression = SQLiteBackend().expression([group], "and")
    return _cached((db, group), lambda: _count_fts(expression))


def backend():
    """The backend for the default database."""
    if connection.vendor == "postgresql":
        return PostgresBackend()
    return SQLiteBackend()
