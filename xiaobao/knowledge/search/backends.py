"""The two full-text backends behind one interface. Both search the same table (knowledge_searchentry, see
migration 0002) and differ only in how a query becomes a match condition and a score.

A query reaches the database only as words from the segmenter, each one quoted by `quote_*` below and passed
as one bound parameter — never as search syntax the user wrote, so no input can raise a syntax error.

- SQLite FTS5: `fts MATCH '("w1" OR "syn") AND "w2"'`, scored by `bm25()` with column weights
  title 10 : question/alternatives 4 : body 1 (FTS5's bm25 is negative, lower is better; we negate it).
- PostgreSQL: `tsv @@ to_tsquery('simple', '(''w1'' | ''syn'') & ''w2''')`, scored by
  `ts_rank_cd(weights, tsv, query, 1)`: cover density with weights A (title) 1.0, B (question) 0.4,
  D (body) 0.1, divided by 1 + log(document length). It has no inverse document frequency, so it is BM25-like
  only in spirit; the order it gives is close on short agent queries (see tests/knowledge).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection

ENTRY = "knowledge_searchentry"
FTS = "knowledge_searchfts"
BM25_WEIGHTS = (10.0, 4.0, 1.0)  # title, question (+ alternatives, tags), body (+ answer)
PG_WEIGHTS = "{0.1, 0.2, 0.4, 1.0}"  # D, C, B, A


def quote_fts5(word: str) -> str:
    """An FTS5 string: double quotes around, inner double quotes doubled. Never an operator."""
    return '"' + word.replace('"', '""') + '"'


def quote_tsquery(word: str) -> str:
    """A tsquery lexeme: single quotes around, inner quotes and backslashes doubled. Never an operator."""
    return "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"


@dataclass(frozen=True)
class Match:
    """The pieces of the search statement a backend supplies."""

    from_sql: str  # the FROM clause, naming the entry table `e`; the parameters go here
    where_sql: str  # the full-text condition, if not in the FROM clause
    score_sql: str  # higher is better
    params: list


class SQLiteBackend:
    vendor = "sqlite"

    def expression(self, groups: list[tuple[str, ...]], mode: str) -> str:
        joiner = " AND " if mode == "and" else " OR "
        return joiner.join("(" + " OR ".join(quote_fts5(w) for w in group) + ")" for group in groups)

    def match(self, groups: list[tuple[str, ...]], mode: str) -> Match:
        # bm25() only works in the statement that scans the FTS table, so rank there and join outside.
        weights = ", ".join(str(w) for w in BM25_WEIGHTS)
        return Match(
            from_sql=(
                f"(SELECT rowid AS id, -bm25({FTS}, {weights}) AS score FROM {FTS} WHERE {FTS} MATCH %s) AS m "  # noqa: S608
                f"JOIN {ENTRY} e ON e.id = m.id"
            ),
            where_sql="",
            score_sql="m.score",
            params=[self.expression(groups, mode)],
        )

    def raw_statement(self) -> str:
        """The bare full-text query the benchmark compares with: match, rank, top rows; no filters."""
        weights = ", ".join(str(w) for w in BM25_WEIGHTS)
        return f"SELECT rowid, -bm25({FTS}, {weights}) AS score FROM {FTS} WHERE {FTS} MATCH %s ORDER BY score DESC LIMIT %s"  # noqa: S608


class PostgresBackend:
    vendor = "postgresql"

    def expression(self, groups: list[tuple[str, ...]], mode: str) -> str:
        joiner = " & " if mode == "and" else " | "
        return joiner.join("(" + " | ".join(quote_tsquery(w) for w in group) + ")" for group in groups)

    def match(self, groups: list[tuple[str, ...]], mode: str) -> Match:
        return Match(
            from_sql=f"{ENTRY} e CROSS JOIN to_tsquery('simple', %s) AS q",
            where_sql="e.tsv @@ q",
            score_sql=f"ts_rank_cd('{PG_WEIGHTS}', e.tsv, q, 1)",
            params=[self.expression(groups, mode)],
        )

    def raw_statement(self) -> str:
        return (
            f"SELECT e.id, ts_rank_cd('{PG_WEIGHTS}', e.tsv, q, 1) AS score FROM {ENTRY} e, "  # noqa: S608
            "to_tsquery('simple', %s) AS q WHERE e.tsv @@ q ORDER BY score DESC LIMIT %s"
        )


def backend():
    """The backend for the default database."""
    if connection.vendor == "postgresql":
        return PostgresBackend()
    return SQLiteBackend()
