"""search() and answer(): one statement finds, filters, ranks, counts and pages the entries a user may
read; a second fetches the page's versions for titles and snippets.

Visibility is part of that statement (DESIGN.md: scope in SQL, never after):
- a company-wide scope (or superuser) reads every unit's documents; anyone else reads the documents of
  the units above and at their own units (head office's reach everyone) and of the units inside their
  subtree (`scope_for(user, "view")`: own unit plus role assignments);
- a document with `visible_roles` is read only by holders of one of them (superusers excepted);
- current versions only, unless `include_history` (then superseded versions too).

Reading needs knowledge.view_document as well (the same rule as `knowledge.selectors.documents_for`).

All words are AND-ed first (synonyms OR-ed within a word); when that finds less than the page asked for and
the query had several words, the page is filled with rows matching only some of the words, ranked after
every row that has them all (an agent's long sentence rarely has every word in one document).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.db import connection
from django.urls import reverse
from django.utils.safestring import SafeString

from xiaobao.core.models import Role
from xiaobao.core.scope import scope_for
from xiaobao.knowledge.models import Category, Document
from xiaobao.knowledge.search import rerank, tolerance
from xiaobao.knowledge.search.backends import ENTRY, backend, frequency
from xiaobao.knowledge.search.highlight import SNIPPET_CHARS, highlight, snippet
from xiaobao.knowledge.search.segmenter import (
    dictionary,
    expand,
    is_definition_question,
    is_rule_question,
    prepare_query,
    segment_query,
)
from xiaobao.knowledge.search.tolerance import fold
from xiaobao.knowledge.selectors import VIEW_PERMISSION

MAX_LIMIT = 100
MAX_OFFSET = 10_000
FILTER_KEYS = {"kind", "policy_status", "category", "date_from", "date_to"}
ROLE_TABLE = Document.visible_roles.through._meta.db_table
# Calibrated together on the first relevance set (tests/knowledge/relevance_set.py: its FAQ questions and
# NO_ANSWER; highest recall at precision >= 0.9), checked on the second and the held-out third:
# benchmarks/knowledge_relevance.py --calibrate prints the choice. Settings of the same names override them.
# Set 1 puts nearly all the weight on the domain test: an in-domain question sharing any word with an FAQ is
# answered, one naming no domain word needs most of its words covered.
ANSWER_MIN_COVERAGE = 0.0317
ANSWER_MIN_COVERAGE_OUTSIDE = 0.6283  # set 1: precision 0.93, recall 0.88 of its no-answer questions
# A long text shows at most this many of its articles among the results, each a hit of its own (one law's
# articles do not fill a page; a question between two neighbouring articles finds both).
PASSAGES_PER_DOCUMENT = 3
# The window re-ranked on the first pages (rerank.py) also sees a long text's next passages up to this many:
# the database's rank favours short articles that repeat a word, so the article a question asks about is
# often the fourth or fifth of its law by rank and first by coverage. Re-ranking then keeps
# PASSAGES_PER_DOCUMENT of each document, as the later pages do. At most rerank.EXTRA_PASSAGES such rows
# join the window, so re-ranking stays bounded.
CANDIDATE_PASSAGES_PER_DOCUMENT = 8
PASSAGE_SNIPPET_CHARS = 240  # an article's snippet: most articles whole, long ones around the first match


@dataclass(frozen=True)
class Hit:
    document_id: int
    version_id: int
    title: str
    kind: str
    score: float
    title_html: SafeString
    snippet_html: SafeString
    category: str | None
    effective_from: date | None
    policy_status: str
    is_current: bool = True
    passage_anchor: str = ""  # the matched article's place on the document page ("art-16"), if any
    passage_label: str = ""  # what it is called ("第十六条")

    @property
    def url(self) -> str:
        """The document page, at the matched article when there is one."""
        url = reverse("knowledge:document", args=[self.document_id])
        return f"{url}#{self.passage_anchor}" if self.passage_anchor else url

    @property
    def is_repealed(self) -> bool:
        return self.policy_status == Document.PolicyStatus.REPEALED

    @property
    def kind_label(self) -> str:
        return Document.Kind(self.kind).label if self.kind in Document.Kind.values else self.kind

    @property
    def policy_status_label(self) -> str:
        statuses = Document.PolicyStatus
        return statuses(self.policy_status).label if self.policy_status in statuses.values else ""


@dataclass(frozen=True)
class SearchPage:
    total: int
    hits: list[Hit] = field(default_factory=list)
    words: tuple[str, ...] = ()  # the query's words and their synonyms, as searched
    # "and": every hit has every word; "or": none has them all; "filled": `and_total` hits have them all,
    # then come hits with only some of the words
    mode: str = "and"
    and_total: int = 0
    # a broad query on PostgreSQL ranks only its first `CAP` matching rows: `total` is then "at least"
    capped: bool = False


@dataclass(frozen=True)
class Answer:
    document_id: int
    question: str
    answer: str
    score: float
    source_title: str


@dataclass(frozen=True)
class AnswerPage:
    """answer()'s result: the answers, or `no_answer` with its `reason` ("no_match": no FAQ shares a word
    with the question; "low_coverage": the best FAQ covers too little of it, `coverage`; "outside_domain":
    the question names no word of the domain dictionary and the best FAQ covers it only partly). Iterates
    over the answers."""

    results: list[Answer]
    no_answer: bool
    reason: str
    coverage: float
    in_domain: bool = True  # a word of the question is in the domain dictionary

    def __iter__(self):
        return iter(self.results)

    def __len__(self) -> int:
        return len(self.results)

    def __bool__(self) -> bool:
        return bool(self.results)


class _Nothing(Exception):
    """A filter or a scope that can match nothing: the page is empty without asking the database."""


def _ancestors(path: str) -> list[str]:
    parts = [p for p in path.split(".") if p]
    return [".".join(parts[: i + 1]) + "." for i in range(len(parts))]


def _role_ids(user) -> tuple[int, ...]:
    cache = user.__dict__.setdefault("_xiaobao_knowledge_roles", {})
    if "ids" not in cache:
        cache["ids"] = tuple(Role.objects.filter(group__user=user).values_list("pk", flat=True))
    return cache["ids"]


def _visibility(user) -> tuple[list[str], list]:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        raise _Nothing
    if not user.has_perm(VIEW_PERMISSION):
        raise _Nothing
    where: list[str] = []
    params: list = []
    scope = scope_for(user, "view")
    if not scope.everything:
        own = set(scope.subtree_paths) | set(scope.unit_paths)
        if user.org_unit_id:
            own.add(user.org_unit.path)
        if not own:
            raise _Nothing
        above = sorted({a for path in own for a in _ancestors(path)})
        parts = [f"e.org_path IN ({', '.join(['%s'] * len(above))})"]
        params += above
        for path in scope.subtree_paths:
            parts.append("e.org_path LIKE %s")
            params.append(path + "%")
        where.append("(" + " OR ".join(parts) + ")")
    if not user.is_superuser:
        roles = _role_ids(user)
        if roles:
            where.append(
                f"(NOT e.restricted OR EXISTS (SELECT 1 FROM {ROLE_TABLE} vr WHERE vr.document_id = e.document_id "  # noqa: S608
                f"AND vr.role_id IN ({', '.join(['%s'] * len(roles))})))"
            )
            params += roles
        else:
            where.append("NOT e.restricted")
    return where, params


def _values(value, allowed) -> list[str]:
    values = [value] if isinstance(value, str) else list(value or [])
    chosen = [v for v in values if isinstance(v, str) and v in allowed]
    if not chosen:
        raise _Nothing
    return chosen


def _category_ids(value) -> list[int]:
    try:
        root = int(getattr(value, "pk", value))
    except (TypeError, ValueError):
        raise _Nothing from None
    children: dict[int | None, list[int]] = {}
    for pk, parent in Category.objects.values_list("pk", "parent_id"):
        children.setdefault(parent, []).append(pk)
    found, todo = [], [root]
    while todo:
        pk = todo.pop()
        if pk not in found:
            found.append(pk)
            todo += children.get(pk, [])
    return found


def _date(value) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _filters(filters: dict | None) -> tuple[list[str], list]:
    filters = filters or {}
    unknown = set(filters) - FILTER_KEYS
    if unknown:
        raise TypeError(f"unknown search filters: {sorted(unknown)}")
    where: list[str] = []
    params: list = []

    def among(column: str, values: list) -> None:
        where.append(f"{column} IN ({', '.join(['%s'] * len(values))})")
        params.extend(values)

    if filters.get("kind"):
        among("e.kind", _values(filters["kind"], Document.Kind.values))
    if filters.get("policy_status"):
        among("e.policy_status", _values(filters["policy_status"], Document.PolicyStatus.values))
    if filters.get("category") not in (None, ""):
        among("e.category_id", _category_ids(filters["category"]))
    for key, op in (("date_from", ">="), ("date_to", "<=")):
        day = _date(filters.get(key))
        if day:
            where.append(f"e.effective_from {op} %s")
            params.append(day)
    return where, params


# What a row of `_query` carries: the version, whether current, its score, the total, the entry's id and
# which passage of the version matched best (empty for the document's own entry).
ROW_COLUMNS = "version_id, is_current, score, total, id, passage_anchor, passage_label, passage_start, passage_end"
# What re-ranking reads of each row's entry (`_candidates`), fetched by the same statement
ENTRY_COLUMNS = "kind, policy_status, title, question, body"


def _query(match, where, params, limit, offset, include_history, *, extra=0):
    """(rows, total, capped, entries) of one statement: the page's versions, each with its best-scoring entry
    (the document's own, or one of its passages), ranked, and how many versions matched in all — at most the
    backend's cap, when it ranks only the first rows of a broad query (then `capped`); `entries`: the
    ENTRY_COLUMNS of each row's entry, by entry id. With `extra`, up to that many more passages of documents
    that already have PASSAGES_PER_DOCUMENT among the rows come with them (up to
    CANDIDATE_PASSAGES_PER_DOCUMENT of one document, interleaved by score, never past the last row of the
    page): candidates for re-ranking, not counted in `total`."""
    conditions = [c for c in (match.where_sql, *where) if c] or ["1 = 1"]
    if not include_history:
        conditions.append("e.is_current")
    found = f"FROM {match.from_sql} WHERE {' AND '.join(conditions)}"
    if match.cap:
        found = f"FROM (SELECT e.* {found} LIMIT {int(match.cap)}) AS e"
    # the score is computed once per entry (inner), then each version keeps its best entry (rn = 1) and, of
    # a long text, its next best passages up to PASSAGES_PER_DOCUMENT (neighbouring articles share most of
    # their words: the one asked about is often the second best of its law). Every matching entry goes
    # through the window sorts, so only what they need is carried (`p`: a passage); the passage's name and
    # place are read for the page's rows alone, after the LIMIT.
    kept = f"s.rn = 1 OR (s.rn <= {int(PASSAGES_PER_DOCUMENT)} AND s.p)"
    ranked = (
        "SELECT r.*, ROW_NUMBER() OVER (PARTITION BY r.version_id ORDER BY r.score DESC, r.id) AS rn FROM "  # noqa: S608
        f"(SELECT e.id, e.version_id, e.is_current, e.passage_anchor <> '' AS p, {match.score_sql} AS score "
        f"{found}) AS r"
    )
    if extra:
        wider = f"s.rn = 1 OR (s.rn <= {int(CANDIDATE_PASSAGES_PER_DOCUMENT)} AND s.p)"
        page = (
            f"SELECT * FROM (SELECT s.*, CASE WHEN {kept} THEN 1 ELSE 0 END AS is_kept, "  # noqa: S608
            f"SUM(CASE WHEN {kept} THEN 1 ELSE 0 END) OVER () AS total FROM ({ranked}) AS s WHERE {wider}) AS k "
            "ORDER BY score DESC, id LIMIT %s OFFSET %s"
        )
        fetch, marker = limit + int(extra), ", t.is_kept"
    else:
        page = (
            f"SELECT * FROM (SELECT s.*, COUNT(*) OVER () AS total FROM ({ranked}) AS s WHERE {kept}) AS k "  # noqa: S608
            "ORDER BY score DESC, id LIMIT %s OFFSET %s"
        )
        fetch, marker = limit, ""
    columns = ", ".join(f"x.{column}" for column in ENTRY_COLUMNS.split(", "))
    sql = (
        "SELECT t.version_id, t.is_current, t.score, t.total, t.id, x.passage_anchor, x.passage_label, "  # noqa: S608
        f"x.passage_start, x.passage_end, {columns}{marker} FROM ({page}) AS t JOIN {ENTRY} x ON x.id = t.id "
        "ORDER BY t.score DESC, t.id"
    )
    width = len(ROW_COLUMNS.split(", "))
    entry_width = len(ENTRY_COLUMNS.split(", "))
    with connection.cursor() as cursor:
        cursor.execute(sql, [*match.score_params, *match.params, *params, fetch, offset])
        found = cursor.fetchall()
        entries = {row[4]: row[width : width + entry_width] for row in found}
        rows = [row[:width] + row[width + entry_width :] for row in found]  # the marker, if any, stays last
        if extra:
            rows = _page_with_extra(rows, limit, int(extra))
        if rows or not offset:
            total = rows[0][3] if rows else 0
        else:
            cursor.execute(
                f"SELECT COUNT(*) FROM ({ranked}) AS s WHERE {kept}",  # noqa: S608
                [*match.score_params, *match.params, *params],
            )
            total = cursor.fetchone()[0]
    return rows, total, bool(match.cap and total >= match.cap), entries


def _page_with_extra(rows, limit: int, extra: int) -> list[tuple]:
    """The first `limit` counted rows and the extra passages ranked among them (at most `extra`), without
    the marker column."""
    page, counted, added = [], 0, 0
    for row in rows:
        if counted >= limit:
            break
        if row[-1]:
            counted += 1
        elif added >= extra:
            continue
        else:
            added += 1
        page.append(row[:-1])
    return page


def _one_document_at_most(rows, per_document: int) -> list[tuple]:
    """Rows in their order, at most `per_document` of one version (the extra passages re-ranking saw)."""
    seen: dict[int, int] = {}
    kept = []
    for row in rows:
        seen[row[0]] = seen.get(row[0], 0) + 1
        if seen[row[0]] <= per_document:
            kept.append(row)
    return kept


def _find(user, query, filters, limit, offset, include_history):
    """(rows, total, capped, words, mode, and_total, versions by id, scores by entry id, in_domain) for the
    page; `in_domain`: a word of the question (as typed or corrected) is in the domain dictionary."""
    limit = max(1, min(int(limit), MAX_LIMIT))
    offset = max(0, min(int(offset), MAX_OFFSET))
    groups, corrected = _question(query)
    words = tuple(w for group in groups for w in group)
    in_domain = _in_domain(groups)
    if not groups:
        return [], 0, False, words, "and", 0, {}, {}, in_domain
    try:
        where, params = _visibility(user)
        more_where, more_params = _filters(filters)
    except _Nothing:
        return [], 0, False, words, "and", 0, {}, {}, in_domain
    where, params = where + more_where, params + more_params
    engine = backend()
    engine.prepare()
    # the first pages are taken from one window of candidates, reordered (rerank.py); later pages as ranked
    windowed = offset + limit <= rerank.WINDOW
    fetch_limit, fetch_offset = (rerank.WINDOW, 0) if windowed else (limit, offset)
    extra = rerank.EXTRA_PASSAGES if windowed else 0
    rows, total, capped, entries = _query(
        engine.match(groups, "and"), where, params, fetch_limit, fetch_offset, include_history, extra=extra
    )
    and_total, mode = total, "and"
    if len(groups) > 1 and and_total < limit:
        # fewer than a page has every word: the rows with only some of them follow, on later pages too
        # (decided on the first page's size, so every page of one query agrees on the total)
        exclude, exclude_params = engine.exclude_all(groups)
        # the rows still needed (the extra passages among `rows` fill no place)
        need = max(0, fetch_limit - (min(and_total, fetch_limit) if extra else len(rows)))
        more, rest, capped, more_entries = _query(
            engine.match(groups, "or"),
            [*where, exclude],
            [*params, *exclude_params],
            need or 1,
            max(0, fetch_offset - and_total),
            include_history,
            extra=extra,
        )
        more = more if need else []
        entries.update(more_entries)
        if rest:
            rows, total, mode = rows + more, and_total + rest, ("filled" if and_total else "or")
    scores: dict[int, tuple[float, float]] = {}  # entry id -> (ranking score, key coverage)
    if windowed and rows:
        definition_question = is_definition_question(query)
        ordered = rerank.rerank(
            _groups(engine, groups, corrected),
            _candidates(rows, entries, heads=definition_question),
            rule_question=is_rule_question(query),
            definition_question=definition_question,
        )
        previous = None
        for candidate in ordered:
            # the score shown is the ranking score: never above the one before it
            score = candidate.score if previous is None else min(candidate.score, previous)
            previous = score
            scores[candidate.row[4]] = (score, candidate.key_coverage)
        rows = _one_document_at_most([c.row for c in ordered], PASSAGES_PER_DOCUMENT)[offset : offset + limit]
    return rows, total, capped, words, mode, and_total, _versions([r[0] for r in rows]), scores, in_domain


def _in_domain(groups: list[tuple[str, ...]]) -> bool:
    """Whether the question names anything the knowledge base's own vocabulary knows: a word of the domain
    dictionary (the Term table: its words and every synonym) among the words searched. With no dictionary
    at all (a new installation) there is nothing to judge by, and every question counts as in the domain."""
    known, _sounds = dictionary()
    return not known or any(word in known for group in groups for word in group)


def _question(query) -> tuple[list[tuple[str, ...]], set[str]]:
    """The query's word groups (each word with its synonyms) and the words that replaced a sound-alike typo:
    folded and tidied (`segmenter.prepare_query`), colloquial phrasings named (`tolerance.rewrite`), typos
    corrected where the index has never seen what was typed (`tolerance.correct`), then segmented."""
    text = tolerance.rewrite(prepare_query(query))
    words, sounds = dictionary()
    text, fixes = tolerance.correct(text, sounds, words, known=lambda piece: frequency((piece,)) > 0)
    return expand(segment_query(text)), {word for _typed, word in fixes}


def _groups(engine, groups: list[tuple[str, ...]], corrected: set[str]) -> list[rerank.Group]:
    weights = engine.idf_weights(groups)
    return [
        rerank.Group(
            typed=g[0],
            synonyms=g[1:],
            idf=w * (rerank.SINGLE_CHARACTER_SHARE if rerank.is_single_character(g[0]) else 1.0),
            weight=rerank.CORRECTION_WEIGHT if g[0] in corrected else 1.0,
        )
        for g, w in zip(groups, weights, strict=True)
    ]


def _candidates(rows, entries: dict, *, heads: bool = False) -> list[rerank.Candidate]:
    """The candidates with their entries' words (title + question, body) and what ranking needs (`entries`:
    read by the page statement, `_query`); with `heads` (a definition question), each passage's first
    characters as written (rerank.defines), read by one more statement."""
    head_of: dict[int, str] = {}
    if heads and rows:
        ids = [r[4] for r in rows]
        # never past the passage's end; read only for a definition question: reading into a long law's text
        # costs more than the page statement itself
        size = int(rerank.DEFINITION_HEAD_CHARS)
        sql = (
            "SELECT e.id, SUBSTR(v.body, e.passage_start + 1, CASE WHEN e.passage_end - e.passage_start < "  # noqa: S608
            f"{size} THEN e.passage_end - e.passage_start ELSE {size} END) FROM {ENTRY} e "
            "JOIN knowledge_documentversion v ON v.id = e.version_id "
            f"WHERE e.passage_anchor <> '' AND e.id IN ({', '.join(['%s'] * len(ids))})"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, ids)
            head_of = {row[0]: row[1] or "" for row in cursor.fetchall()}
    found = []
    for row in rows:
        kind, status, title, question, body = entries.get(row[4], ("", "", "", "", ""))
        head = head_of.get(row[4], "")
        found.append(
            rerank.Candidate(
                row=row,
                kind=kind,
                policy_status=status,
                title_words=frozenset(f"{title} {question}".split()),
                body_words=frozenset(body.split()),
                rank=float(row[2] or 0.0),
                passage=bool(row[5]),
                head=fold(head or ""),
            )
        )
    return found


@dataclass(frozen=True)
class _Version:
    """What a hit shows of its version and document (read with one statement, not the ORM: this is the
    hot path, and model instances would cost more than the search itself on small indexes)."""

    pk: int
    document_id: int
    title: str
    body: str
    question: str
    answer: str
    document_title: str
    kind: str
    effective_from: date | None
    policy_status: str
    category: str | None


def _versions(ids: list[int]) -> dict[int, _Version]:
    if not ids:
        return {}
    sql = (
        "SELECT v.id, v.document_id, v.title, v.body, v.question, v.answer, d.title, d.kind, d.effective_from, "  # noqa: S608
        "d.policy_status, c.name FROM knowledge_documentversion v JOIN knowledge_document d ON d.id = v.document_id "
        f"LEFT JOIN knowledge_category c ON c.id = d.category_id WHERE v.id IN ({', '.join(['%s'] * len(ids))})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, ids)
        found = [_Version(*row) for row in cursor.fetchall()]
    return {v.pk: v for v in found}


def search(
    user, query: str, *, filters: dict | None = None, limit: int = 10, offset: int = 0, include_history: bool = False
) -> SearchPage:
    """The documents `user` may read that match `query`, best first (BM25 on SQLite, weighted cover density
    on PostgreSQL, then the first candidates reordered by coverage, status and source, `rerank.py`), with
    highlighted title and snippet. A long document is found by its passages: each hit names the article
    (`passage_label`) and its snippet is that article's text; at most PASSAGES_PER_DOCUMENT of one
    document are shown, and `total` counts hits, not documents. Any query text is safe: an empty,
    punctuation-only or unmatched query gives an empty page. `filters`: kind and policy_status (a value or
    a list), category (an id or a Category; its subtree is included), date_from / date_to (effective_from
    range, inclusive).
    """
    rows, total, capped, words, mode, and_total, versions, scores, _in = _find(
        user, query, filters, limit, offset, include_history
    )
    hits = []
    for version_id, is_current, score, _total, entry_id, anchor, label, start, end in rows:
        version = versions.get(version_id)
        if version is None:  # removed since the index was written
            continue
        texts = [version.body[start:end]] if anchor else [version.body, version.answer, version.question]
        hits.append(
            Hit(
                document_id=version.document_id,
                version_id=version.pk,
                title=version.title,
                kind=version.kind,
                score=round(float(scores.get(entry_id, (score, 0))[0]), 6),
                title_html=highlight(version.title, words),
                snippet_html=snippet(texts, words, size=PASSAGE_SNIPPET_CHARS if anchor else SNIPPET_CHARS),
                category=version.category,
                effective_from=_date(version.effective_from),
                policy_status=version.policy_status,
                is_current=bool(is_current),
                passage_anchor=anchor or "",
                passage_label=label or "",
            )
        )
    return SearchPage(total=total, hits=hits, words=words, mode=mode, and_total=and_total, capped=capped)


def answer(user, question: str, *, limit: int = 3) -> AnswerPage:
    """The best FAQ answers for an agent's question, with their scores and sources (the FAQ's title) — or
    `no_answer` with a reason when no FAQ covers the question well enough to answer it, so the bot hands
    over to a person instead of answering another question. Coverage is the best FAQ's share of the
    question's words weighted by IDF ** 1.5, so the rarest words — 社保卡 in a question about 社保卡 —
    decide (rerank.coverage). Withheld when it is below `ANSWER_MIN_COVERAGE` ("low_coverage"), or when
    the question names no word of the domain dictionary and it is below `ANSWER_MIN_COVERAGE_OUTSIDE`
    ("outside_domain": a question about 社保卡, 房贷 or 护照 shares only everyday words with any FAQ, and
    those can cover a short question well)."""
    rows, _total, _capped, _words, _mode, _and, versions, scores, in_domain = _find(
        user, question, {"kind": Document.Kind.FAQ}, limit, 0, False
    )
    if not rows:
        return AnswerPage(results=[], no_answer=True, reason="no_match", coverage=0.0, in_domain=in_domain)
    best = round(max((scores.get(r[4], (0.0, 0.0))[1] for r in rows), default=0.0), 4)
    if best < getattr(settings, "KNOWLEDGE_ANSWER_MIN_COVERAGE", ANSWER_MIN_COVERAGE):
        return AnswerPage(results=[], no_answer=True, reason="low_coverage", coverage=best, in_domain=in_domain)
    if not in_domain and best < getattr(settings, "KNOWLEDGE_ANSWER_MIN_COVERAGE_OUTSIDE", ANSWER_MIN_COVERAGE_OUTSIDE):
        return AnswerPage(results=[], no_answer=True, reason="outside_domain", coverage=best, in_domain=False)
    answers = []
    for version_id, _current, score, _count, entry_id, *_passage in rows:
        version = versions.get(version_id)
        if version is not None:
            answers.append(
                Answer(
                    document_id=version.document_id,
                    question=version.question or version.title,
                    answer=version.answer,
                    score=round(float(scores.get(entry_id, (score, 0))[0]), 6),
                    source_title=version.document_title,
                )
            )
    return AnswerPage(results=answers, no_answer=False, reason="", coverage=best, in_domain=in_domain)
