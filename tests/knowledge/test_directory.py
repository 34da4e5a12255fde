"""知识目录 (issue 21 point 2): with no question asked, the search page lists what the reader may open, with the
search filters, sortable columns over a whitelist, saved views for their owner only, constant queries."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.knowledge.conftest import create
from xiaobao.knowledge import selectors
from xiaobao.knowledge.models import Document
from xiaobao.web.models import SavedView


def titles(rows) -> list[str]:
    return [d.title for d in rows]


def test_the_directory_is_the_readers_own_reach_and_filters_in_sql(cast, kb):
    mine = titles(selectors.documents_listed(cast.officer_a))
    assert kb.branch_a_rule.title in mine and kb.hq_refund.title in mine
    assert kb.branch_b_rule.title not in mine and kb.restricted.title not in mine
    laws = titles(selectors.documents_listed(cast.officer_a, {"kind": Document.Kind.LAW}))
    assert laws == [kb.hq_cancel.title]


def test_a_column_sorts_both_ways_and_an_unknown_key_keeps_the_default(cast, kb):
    default = titles(selectors.documents_listed(cast.hq_admin))
    up = titles(selectors.documents_listed(cast.hq_admin, {"sort": "effective_from"}))
    down = titles(selectors.documents_listed(cast.hq_admin, {"sort": "-effective_from"}))
    assert up.index(kb.hq_cancel.title) < up.index(kb.hq_body_refund.title) < up.index(kb.hq_refund.title)
    assert down.index(kb.hq_refund.title) < down.index(kb.hq_body_refund.title) < down.index(kb.hq_cancel.title)
    for probe in ("handler__password", "owner__password", "-body", "title;drop", ""):
        assert titles(selectors.documents_listed(cast.hq_admin, {"sort": probe})) == default, probe


def test_the_page_shows_the_directory_with_sort_headers_and_numbers(client, cast, kb):
    client.force_login(cast.officer_a)
    html = client.get(reverse("knowledge:search"), {"kind": "policy", "sort": "-number"}).content.decode()
    assert 'data-testid="document-table"' in html and 'aria-sort="descending"' in html
    assert "XB-2023-001" in html and kb.branch_b_rule.title not in html
    assert "kind=policy" in html and "sort=number" in html  # the other direction keeps the filter
    assert client.get(reverse("knowledge:search"), {"sort": "handler__password"}).status_code == 200
    asked = client.get(reverse("knowledge:search"), {"q": "退保"}).content.decode()
    assert 'data-testid="document-table"' not in asked  # a question shows hits by relevance instead


def test_a_saved_view_is_its_owners_alone(client, cast, kb):
    client.force_login(cast.officer_a)
    response = client.post("/views/save/", {"page": "knowledge", "name": "现行制度", "query": "kind=policy&page=2"})
    view = SavedView.objects.get(owner=cast.officer_a, page="knowledge")
    assert response.status_code == 302 and response["Location"] == reverse("knowledge:search") + "?kind=policy"
    assert "现行制度" in client.get(reverse("knowledge:search")).content.decode()
    client.force_login(cast.officer_b)
    assert "现行制度" not in client.get(reverse("knowledge:search")).content.decode()
    assert client.post(f"/views/{view.pk}/delete/").status_code == 404
    assert SavedView.objects.filter(pk=view.pk).exists()


def test_the_directorys_queries_do_not_grow_with_the_documents(client, cast, kb):
    client.force_login(cast.officer_a)

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("knowledge:search"), {"sort": "category"}).status_code == 200
        return len(captured)

    few = count()
    for n in range(12):
        create(cast, title=f"制度{n}", body="正文", number=f"XB-2025-{n:03d}", category=kb.faq_cat)
    assert count() == few
