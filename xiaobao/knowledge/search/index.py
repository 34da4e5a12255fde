"""Keeping the index in step with the documents: one entry per searchable version (published = current,
superseded = history), with the segmented text and the columns search filters on, copied from the document.

Services call `index_version` when a version is published or superseded and `unindex_document` when a
document is archived or deleted; `rebuild` recreates the whole index (after a dictionary change, say).
On SQLite the FTS5 table follows the entry table through triggers; on PostgreSQL the tsvector is a
generated column. Either way these functions only write entry rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.db import connection, transaction

from xiaobao.knowledge.models import Document, DocumentVersion
from xiaobao.knowledge.search import passages
from xiaobao.knowledge.search.backends import ENTRY, forget_frequencies
from xiaobao.knowledge.search.segmenter import joined

SEARCHABLE = (DocumentVersion.Status.PUBLISHED, DocumentVersion.Status.SUPERSEDED)
COLUMNS = (
    "document_id",
    "version_id",
    "is_current",
    "kind",
    "policy_status",
    "category_id",
    "effective_from",
    "org_path",
    "restricted",
    "title",
    "question",
    "body",
    "passage_anchor",
    "passage_label",
    "passage_context",
    "passage_start",
    "passage_end",
)
INSERT_SQL = f"INSERT INTO {ENTRY} ({', '.join(COLUMNS)}) VALUES ({', '.join(['%s'] * len(COLUMNS))})"  # noqa: S608


def entry_rows(version: DocumentVersion, document: Document, *, restricted: bool) -> list[tuple]:
    """The entries of one version. The document's own entry: the title column also carries the policy
    number, the question column the FAQ's question, its other phrasings and the tags, the body column the
    body, the answer and the issuer. A long structured body (`passages.split`) is not in that entry: each
    article or heading gets an entry of its own — title "<document title> <第十六条>", the chapter and
    section headings as its question column, the article's text as its body — and the document's entry
    keeps only the text before the first passage."""
    title = " ".join(x for x in (version.title, document.number) if x)
    question = " ".join(
        [version.question, *(a for a in version.alternatives or [] if isinstance(a, str))]
        + [t for t in document.tags or [] if isinstance(t, str)]
    )
    body_text = version.body or ""
    pieces = passages.split(body_text)
    own_body = body_text[: passages.preamble_end(body_text, pieces)]
    body = "\n".join(x for x in (own_body, version.answer, document.issuer, document.issuing_department) if x)
    common = (
        document.pk,
        version.pk,
        document.current_version_id == version.pk,
        document.kind,
        document.policy_status or "",
        document.category_id,
        document.effective_from,
        document.org_unit.path,
        restricted,
    )
    rows = [(*common, joined(title), joined(question), joined(body), "", "", "", 0, 0)]
    for piece in pieces:
        rows.append(
            (
                *common,
                joined(f"{version.title} {piece.label}"),
                joined(piece.context),
                joined(body_text[piece.start : piece.end]),
                piece.anchor,
                piece.label[:120],
                piece.context[:255],
                piece.start,
                piece.end,
            )
        )
    return rows


def insert_rows(rows: Iterable[tuple]) -> None:
    rows = list(rows)
    if rows:
        with connection.cursor() as cursor:
            cursor.executemany(INSERT_SQL, rows)
        forget_frequencies()


@transaction.atomic
def index_version(version: DocumentVersion) -> None:
    """(Re)index one version: searchable if published or superseded and its document not archived;
    a published current version makes the document's other entries history."""
    document = Document.objects.select_related("org_unit").get(pk=version.document_id)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {ENTRY} WHERE version_id = %s", [version.pk])  # noqa: S608
        if version.status not in SEARCHABLE or document.is_archived:
            forget_frequencies()
            return
        if document.current_version_id == version.pk:
            cursor.execute(f"UPDATE {ENTRY} SET is_current = %s WHERE document_id = %s", [False, document.pk])  # noqa: S608
    restricted = document.visible_roles.exists()
    insert_rows(entry_rows(version, document, restricted=restricted))


def refresh_document(document: Document) -> None:
    """Copy changed document fields (kind, status, category, unit, roles, …) into its entries."""
    unindex_document(document)
    for version in document.versions.filter(status__in=SEARCHABLE):
        index_version(version)


def unindex_document(document: Document) -> None:
    """Remove every entry of the document (archived, deleted)."""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {ENTRY} WHERE document_id = %s", [document.pk])  # noqa: S608
    forget_frequencies()


def rebuild(progress: Callable[[int, int], None] | None = None, *, batch_size: int = 500) -> int:
    """Recreate the whole index from the documents; returns the number of entries. `progress(done, total)`
    is called after each batch."""
    versions = (
        DocumentVersion.objects.filter(status__in=SEARCHABLE, document__is_archived=False)
        .select_related("document__org_unit")
        .order_by("pk")
    )
    total = versions.count()
    restricted_ids = set(Document.visible_roles.through.objects.values_list("document_id", flat=True).distinct())
    done = 0
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {ENTRY}")  # noqa: S608
        batch: list[tuple] = []
        for version in versions.iterator(chunk_size=batch_size):
            batch.extend(entry_rows(version, version.document, restricted=version.document_id in restricted_ids))
            if len(batch) >= batch_size:
                insert_rows(batch)
                done += len(batch)
                batch = []
                if progress:
                    progress(done, total)
        insert_rows(batch)
        done += len(batch)
    if progress:
        progress(done, total)
    return done
