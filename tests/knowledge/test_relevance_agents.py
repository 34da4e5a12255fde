"""Relevance on the second, separately written set (issue 18, relevance_set_agents.py) and the no-answer
threshold, on the demo corpus with three laws in full text, asked as the demo agent.

`FLOORS` sit a little below the figures measured on each database, so a change that makes search worse
fails here. The issue's goals (MRR@10 >= 0.85, article MRR@10 >= 0.75, no-answer precision >= 0.8 at
recall >= 0.6) are asserted too, in `test_the_goals_of_issue_18` (met on this set on both databases; the held-out sets
3 and 4 are reported by the benchmark, not asserted). The figures with the misses:

    .venv/bin/python benchmarks/knowledge_relevance.py --misses
"""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from tests.knowledge import relevance_set, relevance_set_agents, relevance_set_heldout
from tests.knowledge.relevance_eval import calibrate, measure, measure_search
from xiaobao.core.models import User
from xiaobao.demo import core as core_demo
from xiaobao.demo import knowledge as demo
from xiaobao.knowledge.models import Document
from xiaobao.knowledge.search import engine

GOALS = {"mrr@10": 0.85, "article_mrr@10": 0.75, "no_answer_precision": 0.8, "no_answer_recall": 0.6}
# measured on 2026-12-08 at stop 29 (SQLite / PostgreSQL), minus a small margin
FLOORS = {
    "sqlite": {
        "mrr@10": 0.84,
        "article_mrr@10": 0.74,
        "answer_mrr@10": 0.83,
        "no_answer_precision": 0.75,
        "no_answer_recall": 0.9,
    },
    "postgresql": {
        "mrr@10": 0.85,
        "article_mrr@10": 0.74,
        "answer_mrr@10": 0.83,
        "no_answer_precision": 0.75,
        "no_answer_recall": 0.9,
    },
}


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


@pytest.fixture(scope="module")
def figures(corpus, django_db_blocker):
    with django_db_blocker.unblock():
        agent = User.objects.get(username="agent")
        result = measure(agent, relevance_set_agents.QUESTIONS, relevance_set_agents.NO_ANSWER)
    print(
        f"\nset 2 ({connection.vendor}): "
        + ", ".join(f"{k} {v}" for k, v in result.items() if not k.endswith("misses"))
    )
    return result


def test_the_set_is_as_the_issue_asks_and_names_real_documents_and_articles(agent):
    questions = relevance_set_agents.QUESTIONS
    assert len(questions) >= 60 and len(relevance_set_agents.NO_ANSWER) >= 15
    titles = set(Document.objects.values_list("title", flat=True))
    bodies = dict(Document.objects.filter(title__in=titles).values_list("title", "current_version__body"))
    for _question, answers in questions:
        for right in answers:
            title, article = right if isinstance(right, tuple) else (right, None)
            assert title in titles, title
            if article:
                assert f"\n{article} " in "\n" + bodies[title], (title, article)
    assert sum(any(isinstance(a, tuple) for a in answers) for _q, answers in questions) >= 15
    assert not set(relevance_set_agents.NO_ANSWER) & {q for q, _a in questions}


def test_the_held_out_set_names_real_documents_and_articles(agent):
    # the third set is measured by benchmarks/knowledge_relevance.py only: asserting floors on it here
    # would make it a target to tune to
    questions = relevance_set_heldout.QUESTIONS
    titles = set(Document.objects.values_list("title", flat=True))
    bodies = dict(Document.objects.filter(title__in=titles).values_list("title", "current_version__body"))
    for _question, answers in questions:
        for right in answers:
            title, article = right if isinstance(right, tuple) else (right, None)
            assert title in titles, title
            if article:
                assert f"\n{article} " in "\n" + bodies[title], (title, article)
    asked = {q for q, _a in relevance_set_agents.QUESTIONS} | set(relevance_set_agents.NO_ANSWER)
    assert not asked & ({q for q, _a in questions} | set(relevance_set_heldout.NO_ANSWER))


def test_search_and_answers_hold_their_floors(figures):
    floors = FLOORS[connection.vendor]
    for key, floor in floors.items():
        assert figures[key] >= floor, (key, figures[key], floor)


def test_scores_within_one_response_descend(agent):
    for question, _answers in relevance_set_agents.QUESTIONS[:20]:
        scores = [hit.score for hit in engine.search(agent, question, limit=10).hits]
        assert scores == sorted(scores, reverse=True), question
        answered = [a.score for a in engine.answer(agent, question, limit=5)]
        assert answered == sorted(answered, reverse=True), question


def test_the_threshold_is_the_one_the_first_set_calibrates(agent):
    calibration = calibrate(agent, relevance_set.QUESTIONS, relevance_set.NO_ANSWER)
    assert calibration["chosen"] is not None
    assert abs(calibration["chosen"]["threshold"] - engine.ANSWER_MIN_COVERAGE) < 0.01
    assert abs(calibration["chosen"]["outside_threshold"] - engine.ANSWER_MIN_COVERAGE_OUTSIDE) < 0.01


def test_the_measure_fails_a_search_that_ranks_badly(agent, monkeypatch):
    real = engine.search

    def reversed_search(user, query, **kwargs):
        page = real(user, query, **kwargs)
        return page.__class__(**{**page.__dict__, "hits": list(reversed(page.hits))})

    monkeypatch.setattr("tests.knowledge.relevance_eval.search", reversed_search)
    worse = measure_search(agent, relevance_set_agents.QUESTIONS[:25])
    monkeypatch.undo()
    better = measure_search(agent, relevance_set_agents.QUESTIONS[:25])
    assert worse["mrr@10"] < better["mrr@10"]


# Met on both databases since stop 29 (set 2, SQLite / PostgreSQL: MRR@10 0.87 / 0.89, article 0.78 / 0.78,
# no-answer P/R 0.81 / 1.00). The held-out sets 3 and 4 do not meet them yet (benchmarks/knowledge_relevance.py).
def test_the_goals_of_issue_18(figures):
    assert figures["mrr@10"] >= GOALS["mrr@10"]
    assert figures["article_mrr@10"] >= GOALS["article_mrr@10"]
    assert figures["no_answer_precision"] >= GOALS["no_answer_precision"]
    assert figures["no_answer_recall"] >= GOALS["no_answer_recall"]
