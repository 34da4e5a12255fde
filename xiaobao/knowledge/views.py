"""Reading the knowledge centre: search (the landing page), one document, and the FAQ ask page.

Thin (DESIGN.md): search and answers go through `knowledge.search` (visibility and the view permission in
its SQL), a document through `knowledge.selectors.get_document_for_user` (outside the reader's reach is 404).
Links to KA's writing pages (versions, diff, edit, archive, approval) are offered only to whoever may use them.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from xiaobao.knowledge import search, selectors
from xiaobao.knowledge.models import Document, DocumentVersion
from xiaobao.knowledge.search import passages
from xiaobao.knowledge.search.engine import FILTER_KEYS, MAX_OFFSET
from xiaobao.knowledge.search.query_fields import QueryFormField

PAGE_SIZE = 10
DIRECTORY_PAGE_SIZE = 20
MAX_PAGE = MAX_OFFSET // PAGE_SIZE
ASK_LIMIT = 5


class SearchForm(forms.Form):
    """The search box and its filters (GET). Bad values are dropped, never an error page."""

    q = QueryFormField()
    kind = forms.ChoiceField(required=False, choices=[("", gettext_lazy("全部类型")), *Document.Kind.choices])
    policy_status = forms.ChoiceField(
        required=False, choices=[("", gettext_lazy("全部状态")), *Document.PolicyStatus.choices]
    )
    category = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    date_from = forms.DateField(required=False)
    date_to = forms.DateField(required=False)
    history = forms.BooleanField(required=False)
    sort = forms.CharField(required=False, max_length=30)  # the directory's column key; unknown ones are ignored
    page = forms.IntegerField(required=False, min_value=1, max_value=MAX_PAGE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", gettext_lazy("全部分类")), *selectors.category_choices()]

    def cleaned(self) -> dict:
        """The valid fields only: a wrong date or page is ignored, the rest of the search still runs."""
        self.is_valid()
        return {k: v for k, v in self.cleaned_data.items() if k not in self.errors and v not in (None, "", False)}


def _require_reader(user) -> None:
    if not user.has_perm(selectors.VIEW_PERMISSION):
        raise PermissionDenied(_("您没有查阅知识中心的权限。"))


def search_filters(data: dict) -> dict:
    """The engine's filters from cleaned form (or API) data."""
    return {k: data[k] for k in sorted(FILTER_KEYS) if data.get(k) not in (None, "", [])}


@require_GET
@login_required
def search_page(request):
    """知识检索: query box, filters (kind, status, category, effective date), history toggle, paged hits with
    highlights; when fewer than a page has every word, a notice says the rest match only some words."""
    _require_reader(request.user)
    form = SearchForm(request.GET)
    data = form.cleaned()
    query = data.get("q", "")
    number = data.get("page", 1)
    result = None
    if query.strip():
        result = search.search(
            request.user,
            query,
            filters=search_filters(data),
            limit=PAGE_SIZE,
            offset=(number - 1) * PAGE_SIZE,
            include_history=bool(data.get("history")),
        )
    pages = min(MAX_PAGE, -(-result.total // PAGE_SIZE)) if result else 0
    kept = {k: v for k, v in request.GET.items() if k != "page" and v}
    directory = None
    if result is None:  # no question asked: the directory of what the reader may open, filtered and sortable
        directory = Paginator(selectors.documents_listed(request.user, data), DIRECTORY_PAGE_SIZE).get_page(number)
    context = {
        "form": form,
        "query": query,
        "result": result,
        "page_number": number,
        "pages": pages,
        "previous_url": f"?{urlencode({**kept, 'page': number - 1})}" if result and number > 1 else "",
        "next_url": f"?{urlencode({**kept, 'page': number + 1})}" if result and number < pages else "",
        "can_write": request.user.has_perm(selectors.CHANGE_PERMISSION),
        "new_url": reverse("knowledge:new"),
        "directory": directory,
        "kept": urlencode(kept),
    }
    return render(request, "knowledge/search.html", context)


def _shown_version(user, document: Document) -> DocumentVersion | None:
    """What the page shows: the current version; a writer looking at a document with none published yet
    sees its latest version."""
    if document.current_version_id:
        return document.current_version
    if selectors.may_change(user, document):
        return selectors.versions_of(document).first()
    return None


@require_GET
@login_required
def document_page(request, pk: int):
    """One document: the current version's text, its metadata and tags, an FAQ's question, answer and other
    phrasings, and links to its versions (and, for writers, edit and archive)."""
    document = selectors.get_document_for_user(request.user, pk)
    version = _shown_version(request.user, document)
    writer = selectors.may_change(request.user, document)
    pending = selectors.versions_of(document).filter(status=DocumentVersion.Status.PENDING).first()
    links = {
        "versions": reverse("knowledge:versions", args=[document.pk]),
        "edit": reverse("knowledge:edit", args=[document.pk]) if writer and not document.is_archived else "",
        "archive": reverse("knowledge:archive", args=[document.pk]) if writer and not document.is_archived else "",
        "approve": reverse("knowledge:approve", args=[document.pk]) if pending else "",
    }
    context = {
        "document": document,
        "version": version,
        "pending": pending if writer else None,
        "links": links,
        "writer": writer,
        "roles": list(document.visible_roles.all()) if writer else [],
        "body_parts": body_parts(version.body if version else ""),
    }
    return render(request, "knowledge/document.html", context)


def body_parts(body: str) -> list[dict]:
    """The body in pieces for the page: the text before the first passage, then each article or section
    with its anchor (`id`), so a search hit can link to "#art-16" (the passages search indexes)."""
    pieces = passages.split(body or "")
    if not pieces:
        return [{"anchor": "", "text": body or ""}] if body else []
    parts = [{"anchor": "", "text": body[: pieces[0].start]}] if body[: pieces[0].start].strip() else []
    parts += [{"anchor": p.anchor, "label": p.label, "text": body[p.start : p.end]} for p in pieces]
    return parts


class AskForm(forms.Form):
    q = QueryFormField()


@require_GET
@login_required
def ask_page(request):
    """FAQ 问答: an agent types the customer's question in plain Chinese and gets the best FAQ answers, each
    with its score and a link to the FAQ it came from."""
    _require_reader(request.user)
    form = AskForm(request.GET)
    question = form.cleaned_data["q"].strip() if form.is_valid() else ""
    answers = search.answer(request.user, question, limit=ASK_LIMIT) if question else None
    return render(request, "knowledge/ask.html", {"form": form, "question": question, "answers": answers})


ROUTES = [
    path("", search_page, name="search"),
    path("<int:pk>/", document_page, name="document"),
    path("ask/", ask_page, name="ask"),
]
