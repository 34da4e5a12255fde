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

from django.db import connection
from django.utils.safestring import SafeString

from xiaobao.core.models import Role
from xiaobao.core.scope import scope_for
from xiaobao.knowledge.models import Category, Document
from xiaobao.knowledge.search.backends import backend
from xiaobao.knowledge.search.highlight import highlight, snippet
from xiaobao.knowledge.search.segmenter import expand, segment_query

MAX_LIMIT = 100
MAX_OFFSET = 10_000
FILTER_KEYS = {"kind", "policy_status", "category", "date_from", "date_to"}
ROLE_TABLE = Document.visible_roles.through._meta.db_table
VIEW_PERMISSION = "knowledge.view_document"


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


def _query(match, where, params, limit, offset, include_history):
    """(rows, total, capped) of one statement: the page's rows, ranked, and how many matched in all — at most
    the backend's cap, when it ranks only the first rows of a broad query (then `capped`)."""
    conditions = [c for c in (match.where_sql, *where) if c] or ["1 = 1"]
    if not include_history:
        conditions.append("e.is_current")
    found = f"FROM {match.from_sql} WHERE {' AND '.join(conditions)}"
    if match.cap:
        found = f"FROM (SELECT e.* {found} LIMIT {int(match.cap)}) AS e"
    sql = (
        f"SELECT e.version_id, e.is_current, {match.score_sql} AS score, COUNT(*) OVER () AS total "
        f"{found} ORDER BY score DESC, e.id LIMIT %s OFFSET %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*match.score_params, *match.params, *params, limit, offset])
        rows = cursor.fetchall()
        if rows or not offset:
            total = rows[0][3] if rows else 0
        else:
            cursor.execute(f"SELECT COUNT(*) {found}", [*match.params, *params])
            total = cursor.fetchone()[0]
    return rows, total, bool(match.cap and total >= match.cap)


def _find(user, query, filters, limit, offset, include_history):
    """(rows, total, capped, words, mode, and_total, versions by id) for the page."""
    limit = max(1, min(int(limit), MAX_LIMIT))
    offset = max(0, min(int(offset), MAX_OFFSET))
    groups = expand(segment_query(query if isinstance(query, str) else ""))
    words = tuple(w for group in groups for w in group)
    if not groups:
        return [], 0, False, words, "and", 0, {}
    try:
        where, params = _visibility(user)
        more_where, more_params = _filters(filters)
    except _Nothing:
        return [], 0, False, words, "and", 0, {}
    where, params = where + more_where, params + more_params
    engine = backend()
    engine.prepare()
    rows, total, capped = _query(engine.match(groups, "and"), where, params, limit, offset, include_history)
    and_total, mode = total, "and"
    if len(groups) > 1 and and_total < limit:
        # fewer than a page has every word: the rows with only some of them follow, on later pages too
        # (decided on the first page's size, so every page of one query agrees on the total)
        exclude, exclude_params = engine.exclude_all(groups)
        more, rest, capped = _query(
            engine.match(groups, "or"),
            [*where, exclude],
            [*params, *exclude_params],
            limit - len(rows),
            max(0, offset - and_total),
            include_history,
        )
        if rest:
            rows, total, mode = rows + more, and_total + rest, ("filled" if and_total else "or")
    return rows, total, capped, words, mode, and_total, _versions([r[0] for r in rows])


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
    on PostgreSQL), with highlighted title and snippet. Any query text is safe: an empty, punctuation-only
    or unmatched query gives an empty page. `filters`: kind and policy_status (a value or a list), category
    (an id or a Category; its subtree is included), date_from / date_to (effective_from range, inclusive).
    """
    rows, total, capped, words, mode, and_total, versions = _find(user, query, filters, limit, offset, include_history)
    hits = []
    for version_id, is_current, score, _total in rows:
        version = versions.get(version_id)
        if version is None:  # removed since the index was written
            continue
        hits.append(
            Hit(
                document_id=version.document_id,
                version_id=version.pk,
                title=version.title,
                kind=version.kind,
                score=round(float(score), 6),
                title_html=highlight(version.title, words),
                snippet_html=snippet([version.body, version.answer, version.question], words),
                category=version.category,
                effective_from=_date(version.effective_from),
                policy_status=version.policy_status,
                is_current=bool(is_current),
            )
        )
    return SearchPage(total=total, hits=hits, words=words, mode=mode, and_total=and_total, capped=capped)


def answer(user, question: str, *, limit: int = 3) -> list[Answer]:
    """The best FAQ answers for an agent's question, with their scores and sources (the FAQ's title)."""
    rows, _total, _capped, _words, _mode, _and, versions = _find(
        user, question, {"kind": Document.Kind.FAQ}, limit, 0, False
    )
    answers = []
    for version_id, _current, score, _count in rows:
        version = versions.get(version_id)
        if version is not None:
            answers.append(
                Answer(
                    document_id=version.document_id,
                    question=version.question or version.title,
                    answer=version.answer,
                    score=round(float(score), 6),
                    source_title=version.document_title,
                )
            )
    return answers
