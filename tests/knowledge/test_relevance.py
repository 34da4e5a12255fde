"""Relevance of knowledge search over the demo corpus (issue 7, item 6): MRR@10 and recall@5 on the
questions of `relevance_set.py`, searched as the demo agent (周敏, 天津分公司客户服务中心).

The corpus is loaded once for this module, inside a transaction rolled back at the end. The floors sit a
little below the measured figures, so a change that makes search worse fails here. To see the figures:

    XIAOBAO_TESTING=1 .venv/bin/python -m pytest tests/knowledge/test_relevance.py -q -s
"""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.utils import timezone

from tests.knowledge.relevance_set import QUESTIONS
from xiaobao.core.models import User
from xiaobao.demo import core as core_demo
from xiaobao.demo import knowledge as demo
from xiaobao.demo.knowledge_corpus import read
from xiaobao.knowledge.models import Category, Document, DocumentVersion, Term
from xiaobao.knowledge.search import search

# (MRR@10, recall@5) floors per database: SQLite ranks by FTS5's BM25, PostgreSQL by cover density per word
# group weighted by inverse document frequency (see knowledge/search/backends.py).
FLOORS = {"sqlite": (0.86, 0.83), "postgresql": (0.86, 0.84)}
COUNTED = (Term, Category, Document, DocumentVersion)


@pytest.fixture(scope="module")
def corpus(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        core_demo.load()
        demo.load(history=False)
        yield
        transaction.set_rollback(True)


@pytest.fixture
def agent(corpus, db):
    return User.objects.get(username="agent")


def ranks(user) -> list[tuple[str, list[str], set[str]]]:
    """Each question with the titles found (best first, top 10) and the right answers."""
    return [(q, [hit.title for hit in search(user, q, limit=10).hits], set(right)) for q, right in QUESTIONS]


def measure(results) -> dict[str, float]:
    reciprocal, recall, hit5 = [], [], []
    for _question, found, right in results:
        rank = next((i for i, title in enumerate(found, start=1) if title in right), None)
        reciprocal.append(1 / rank if rank else 0.0)
        recall.append(len(right & set(found[:5])) / len(right))
        hit5.append(1.0 if rank and rank <= 5 else 0.0)
    n = len(results)
    return {"mrr@10": sum(reciprocal) / n, "recall@5": sum(recall) / n, "hit@5": sum(hit5) / n, "questions": n}


def test_the_set_is_big_enough_and_names_real_documents(agent):
    assert len(QUESTIONS) >= 60
    titles = set(Document.objects.values_list("title", flat=True))
    missing = {title for _q, right in QUESTIONS for title in right} - titles
    assert not missing


def test_search_finds_the_right_documents(agent):
    results = ranks(agent)
    figures = measure(results)
    misses = [(q, found[:3]) for q, found, right in results if not right & set(found[:5])]
    print(
        f"\nknowledge relevance ({connection.vendor}) over {figures['questions']} questions: MRR@10 {figures['mrr@10']:.3f}, "
        f"recall@5 {figures['recall@5']:.3f}, hit@5 {figures['hit@5']:.3f}"
    )
    for question, top in misses:
        print(f"  not in top 5: {question} -> {top}")
    mrr_floor, recall_floor = FLOORS[connection.vendor]
    assert figures["mrr@10"] >= mrr_floor
    assert figures["recall@5"] >= recall_floor


def test_the_corpus_has_what_the_issue_asks_for(agent):
    kinds = Document.objects.values_list("kind", flat=True)
    count = {kind: list(kinds).count(kind) for kind in Document.Kind.values}
    assert count["policy"] == 51
    assert count["faq"] >= 200
    assert 20 <= count["law"] + count["regulation"] <= 30
    assert count["script"] and count["training"] and count["case"]
    statuses = set(Document.objects.filter(kind="policy").values_list("policy_status", flat=True))
    assert statuses == {"current", "repealed", "pending"}
    assert Document.objects.filter(policy_status="repealed", repealed_on__isnull=True).count() == 0
    today = timezone.localdate()
    assert not Document.objects.filter(policy_status="pending", effective_from__lte=today).exists()
    assert not Document.objects.filter(policy_status="current", effective_from__gt=today).exists()
    assert Term.objects.filter(kind=Term.Kind.WORD).count() >= 150
    assert Term.objects.filter(kind=Term.Kind.SYNONYM).count() >= 40


def test_every_document_is_published_and_current(agent):
    assert not Document.objects.filter(current_version__isnull=True).exists()
    assert not DocumentVersion.objects.exclude(status=DocumentVersion.Status.PUBLISHED).exists()


def test_a_branch_document_is_seen_in_that_branch_only(agent):
    beijing = read("policies_b.json")[-1]["title"]
    assert Document.objects.get(title=beijing).org_unit.code == "BJ"
    tianjin_titles = {hit.title for hit in search(agent, "天津分公司投诉快速处理").hits}
    assert "津冀人寿天津分公司投诉快速处理实施细则" in tianjin_titles
    assert beijing not in {hit.title for hit in search(agent, "北京分公司适老化服务").hits}
    officer = User.objects.get(username="bj_officer")
    assert beijing in {hit.title for hit in search(officer, "北京分公司适老化服务").hits}


def test_loading_twice_adds_nothing(agent):
    before = {model.__name__: model.objects.count() for model in COUNTED}
    assert demo.load(history=False) == {"terms": 0, "documents": 0}
    assert {model.__name__: model.objects.count() for model in COUNTED} == before
