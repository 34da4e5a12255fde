"""The search page and the search API run the same number of queries whatever the number of documents
that match (issue 22): hits, highlights and categories are read per page of results, never per document."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from tests.knowledge.conftest import create
from xiaobao.knowledge.search import search

pytestmark = pytest.mark.django_db


def _page(user):
    client = Client()
    client.force_login(user)
    return client, reverse("knowledge:search")


def _api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client, "/api/v1/knowledge/search"


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, {"q": "退保"}).status_code == 200
    return len(captured)


@pytest.mark.parametrize("surface", [_page, _api], ids=["page", "api"])
def test_the_search_query_count_does_not_grow_with_the_documents(cast, kb, surface):
    client, url = surface(cast.officer_a)
    client.get(url, {"q": "退保"})  # warm: the dictionary and the content types load once per process
    few = _queries(client, url)
    for n in range(10):
        create(cast, title=f"退保服务指引{n}", body=f"退保申请的受理与答复，第{n}版。")
    client.get(url, {"q": "退保"})  # the corpus statistics (for ranking) are counted again once after a change
    many = _queries(client, url)
    print(f"knowledge search {surface.__name__.strip('_')}: {few} queries with few documents, {many} with 10 more")
    assert many == few


def test_a_search_reads_the_index_once_and_the_versions_once(cast, kb):
    """The page statement finds, ranks, counts and pages the entries and also returns what re-ranking reads
    of them (kind, status, words): one statement on the index, one for the page's versions (issue 18 point 9;
    the candidates' entries were a third statement before)."""
    search(cast.officer_a, "退保")  # warm: the dictionary, the corpus statistics, the user's roles
    with CaptureQueriesContext(connection) as captured:
        page = search(cast.officer_a, "退保")
    assert page.hits
    statements = [q["sql"] for q in captured.captured_queries]
    on_index = [sql for sql in statements if "knowledge_searchentry" in sql]
    on_versions = [sql for sql in statements if "knowledge_documentversion" in sql]
    assert len(on_index) == 1, on_index
    assert len(on_versions) == 1, on_versions
