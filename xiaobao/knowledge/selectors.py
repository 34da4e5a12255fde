"""Knowledge reads, each filtered by the caller's reach (pages and API call the same functions).

Who reads a document (the same rule as the search engine's `_visibility`, here in the ORM):
people with knowledge.view_document whose units are at or below the document's owning unit (head
office's documents reach everyone) or whose scope subtree contains it; `visible_roles`, when set,
narrows readers to holders of one of those roles (superusers excepted). Archived documents and
documents with no published version yet are not read — except by the people who may change them.

Who writes: knowledge.change_document and the owning unit inside the user's "change" scope (read-only
roles never get write scope).
"""

from __future__ import annotations

from functools import reduce
from operator import or_

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from xiaobao.core import sorting
from xiaobao.core.models import Role
from xiaobao.core.scope import scope_for
from xiaobao.knowledge.models import Category, Document, DocumentVersion

VIEW_PERMISSION = "knowledge.view_document"
CHANGE_PERMISSION = "knowledge.change_document"
READABLE_VERSIONS = (DocumentVersion.Status.PUBLISHED, DocumentVersion.Status.SUPERSEDED)


def _ancestors(path: str) -> list[str]:
    parts = [p for p in path.split(".") if p]
    return [".".join(parts[: i + 1]) + "." for i in range(len(parts))]


def _active(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and user.is_active


def _readable(user) -> QuerySet[Document]:
    """Visibility only (permission, units, roles); archived and unpublished documents included."""
    if not _active(user) or not user.has_perm(VIEW_PERMISSION):
        return Document.objects.none()
    rows = Document.objects.all()
    scope = scope_for(user, "view")
    if not scope.everything:
        own = set(scope.subtree_paths) | set(scope.unit_paths)
        if user.org_unit_id:
            own.add(user.org_unit.path)
        if not own:
            return Document.objects.none()
        above = sorted({a for path in own for a in _ancestors(path)})
        parts = [Q(org_unit__path__in=above)] + [Q(org_unit__path__startswith=p) for p in scope.subtree_paths]
        rows = rows.filter(reduce(or_, parts))
    if not user.is_superuser:
        through = Document.visible_roles.through
        restricted = Exists(through.objects.filter(document_id=OuterRef("pk")))
        allowed = Exists(
            through.objects.filter(document_id=OuterRef("pk"), role__in=Role.objects.filter(group__user=user))
        )
        rows = rows.filter(~restricted | allowed)
    return rows


def _writable(user) -> QuerySet[Document]:
    if not _active(user) or not user.has_perm(CHANGE_PERMISSION):
        return Document.objects.none()
    scope = scope_for(user, "change")
    if scope.is_empty:
        return Document.objects.none()
    return Document.objects.all() if scope.everything else Document.objects.filter(scope.q("org_unit"))


def documents_for(user, *, action: str = "view") -> QuerySet[Document]:
    """The documents the user may read (action="view": published, not archived, visible to them) or
    change (action="change": every document of a unit in their change scope, archived ones included)."""
    if action == "change":
        rows = _writable(user)
    elif action == "view":
        rows = _readable(user).filter(is_archived=False, current_version__isnull=False)
    else:
        raise ValueError(f"unknown action {action!r}")
    return rows.select_related("org_unit", "category", "current_version", "owner")


# Columns the document list may be sorted by (core/sorting.py); anything else in `sort` is ignored.
DOCUMENT_SORT_KEYS = {
    "title": ("title",),
    "kind": ("kind",),
    "number": ("number",),
    "category": ("category__sort", "category__name"),
    "effective_from": ("effective_from",),
    "updated_at": ("updated_at",),
}


def documents_listed(user, filters: dict | None = None) -> QuerySet[Document]:
    """知识目录: the documents the user may read, newest change first (a document has no state to act on), or
    by a whitelisted column (`sort`, DOCUMENT_SORT_KEYS). filters: kind, policy_status, category (id),
    date_from/date_to (生效日期) — the search page's filters, applied in SQL."""
    filters = filters or {}
    rows = documents_for(user)
    for key in ("kind", "policy_status", "category"):
        if filters.get(key):
            rows = rows.filter(**{key: filters[key]})
    if filters.get("date_from"):
        rows = rows.filter(effective_from__gte=filters["date_from"])
    if filters.get("date_to"):
        rows = rows.filter(effective_from__lte=filters["date_to"])
    return sorting.apply_sort(rows.order_by("-updated_at", "-id"), filters.get("sort"), DOCUMENT_SORT_KEYS)


def documents_in_reach(user) -> QuerySet[Document]:
    """Every document `get_document_for_user` would return: readable ones, and those the user may change
    (archived and unpublished included) — the rule for who may see a document's approval process."""
    return Document.objects.filter(Q(pk__in=_writable(user).values("pk")) | Q(pk__in=documents_for(user).values("pk")))


def may_change(user, document: Document) -> bool:
    """Whether the user may edit, import into or archive this document."""
    return _writable(user).filter(pk=document.pk).exists()


def get_document_for_user(user, pk, *, for_write: bool = False) -> Document:
    """One document. 404 when the user may not read it (so ids reveal nothing); 403 when they may read
    it but `for_write` and they may not change it. Writers also reach archived and unpublished ones."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    document = documents_for(user, action="change").filter(pk=pk).first()
    if document is not None:
        return document
    document = documents_for(user, action="view").filter(pk=pk).first()
    if document is None:
        raise Http404
    if for_write:
        raise PermissionDenied
    return document


def versions_of(document: Document, *, readable_only: bool = False) -> QuerySet[DocumentVersion]:
    """The document's versions, newest first; `readable_only`: published and superseded only (what a
    reader without write rights may see of the history)."""
    rows = document.versions.select_related("created_by").order_by("-number")
    return rows.filter(status__in=READABLE_VERSIONS) if readable_only else rows


def get_version(document: Document, number_or_pk, *, by_pk: bool = False) -> DocumentVersion:
    """One version of the document by its number (or by primary key with by_pk=True); 404 otherwise,
    also for another document's version."""
    try:
        value = int(number_or_pk)
    except (TypeError, ValueError):
        raise Http404 from None
    found = versions_of(document).filter(**{"pk" if by_pk else "number": value}).first()
    if found is None:
        raise Http404
    return found


def category_choices() -> list[tuple[int, str]]:
    """Every category in tree order, labelled with its depth ("投诉处理" under "监管制度" → "— 投诉处理")."""
    children: dict[int | None, list[Category]] = {}
    for category in Category.objects.order_by("sort", "name"):
        children.setdefault(category.parent_id, []).append(category)
    result: list[tuple[int, str]] = []

    def walk(parent: int | None, depth: int) -> None:
        for category in children.get(parent, []):
            result.append((category.pk, "— " * depth + category.name))
            walk(category.pk, depth + 1)

    walk(None, 0)
    return result


def published_document_by_number(number: str) -> Document | None:
    """The published, unarchived document with this 制度编号, for another app to link to (e.g. the
    complaint pages' emergency plan, 第二十九条). Not scoped: it gives a link, and the document's own
    page decides whether the reader may open it."""
    number = (number or "").strip()
    if not number:
        return None
    return (
        Document.objects.filter(number=number, is_archived=False, current_version__isnull=False).order_by("-pk").first()
    )
