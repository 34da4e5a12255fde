"""Measuring the relevance sets (issue 18): the figures the relevance test asserts and
benchmarks/knowledge_relevance.py prints. Both load the demo corpus and ask as the demo agent.

- search: MRR@10, recall@5 and hit@5 over `search(agent, q, limit=10)`; an answer `(law title, article)`
  counts only when the hit names that article (`Hit.passage_label`), a plain title counts on any hit of that
  document. `article_mrr@10` is MRR@10 over the questions whose answer is an article, counting articles only.
- answers: MRR@10 of `answer(agent, q)` over the questions with an FAQ among their answers (an answer
  withheld as `no_answer` counts as a miss).
- no-answer: the set's `NO_ANSWER` questions are the positives, the FAQ-answered questions the negatives;
  precision and recall of `no_answer` over them (questions answered only by a law or a policy are left out:
  whether an FAQ "covers" them is not defined).
"""

from __future__ import annotations

from itertools import pairwise

from xiaobao.knowledge.models import Document
from xiaobao.knowledge.search import answer, search

LIMIT = 10
# The no-answer thresholds are chosen on set 1 for this precision, above the goal's 0.8: a threshold chosen at
# the edge of 0.8 on its own set fell to 0.57 on set 2 (stop 25), new questions cost precision.
CALIBRATION_PRECISION = 0.9


def _matches(hit, right) -> bool:
    if isinstance(right, tuple):
        title, article = right
        return hit.title == title and getattr(hit, "passage_label", "") == article
    return hit.title == right


def _rank(hits, answers) -> int | None:
    return next((i for i, hit in enumerate(hits, start=1) if any(_matches(hit, a) for a in answers)), None)


def faq_titles() -> set[str]:
    return set(Document.objects.filter(kind=Document.Kind.FAQ).values_list("title", flat=True))


def measure_search(user, questions) -> dict:
    reciprocal, recall, hit5, article, misses = [], [], [], [], []
    for question, answers in questions:
        hits = search(user, question, limit=LIMIT).hits
        rank = _rank(hits, answers)
        reciprocal.append(1 / rank if rank else 0.0)
        found = [a for a in answers if any(_matches(h, a) for h in hits[:5])]
        recall.append(len(found) / len(answers))
        hit5.append(1.0 if rank and rank <= 5 else 0.0)
        articles = [a for a in answers if isinstance(a, tuple)]
        if articles:
            article_rank = _rank(hits, articles)
            article.append(1 / article_rank if article_rank else 0.0)
        if not rank or rank > 5:
            top = [f"{h.title} {getattr(h, 'passage_label', '')}".strip() for h in hits[:3]]
            misses.append({"question": question, "rank": rank, "top3": top})
    n = len(questions)
    return {
        "questions": n,
        "mrr@10": round(sum(reciprocal) / n, 4),
        "recall@5": round(sum(recall) / n, 4),
        "hit@5": round(sum(hit5) / n, 4),
        "article_questions": len(article),
        "article_mrr@10": round(sum(article) / len(article), 4) if article else None,
        "misses": misses,
    }


def _answered(page) -> tuple[list, bool]:
    results = list(getattr(page, "results", page))
    return results, bool(getattr(page, "no_answer", not results))


def measure_answers(user, questions, no_answer_questions) -> dict:
    faqs = faq_titles()
    reciprocal, true_pos, false_pos, false_neg, misses = [], 0, 0, 0, []
    answerable = [(q, tuple(a for a in answers if isinstance(a, str) and a in faqs)) for q, answers in questions]
    answerable = [(q, a) for q, a in answerable if a]
    for question, right in answerable:
        results, withheld = _answered(answer(user, question, limit=LIMIT))
        false_pos += withheld
        rank = None if withheld else next((i for i, r in enumerate(results, 1) if r.source_title in right), None)
        reciprocal.append(1 / rank if rank else 0.0)
        if withheld:
            misses.append({"question": question, "withheld": getattr(answer(user, question), "reason", "")})
    for question in no_answer_questions:
        results, withheld = _answered(answer(user, question, limit=LIMIT))
        true_pos += withheld
        false_neg += not withheld
        if not withheld:
            misses.append({"question": question, "answered_with": results[0].source_title if results else ""})
    flagged = true_pos + false_pos
    return {
        "answerable_questions": len(answerable),
        "answer_mrr@10": round(sum(reciprocal) / len(answerable), 4) if answerable else None,
        "no_answer_questions": len(no_answer_questions),
        "no_answer_precision": round(true_pos / flagged, 4) if flagged else 0.0,
        "no_answer_recall": round(true_pos / len(no_answer_questions), 4) if no_answer_questions else None,
        "misses": misses,
    }


def measure(user, questions, no_answer_questions) -> dict:
    searched = measure_search(user, questions)
    answered = measure_answers(user, questions, no_answer_questions)
    return {
        **{k: v for k, v in searched.items() if k != "misses"},
        **{k: v for k, v in answered.items() if k != "misses"},
        "search_misses": searched["misses"],
        "answer_misses": answered["misses"],
    }


def calibrate(user, questions, no_answer_questions, *, min_precision: float = CALIBRATION_PRECISION) -> dict:
    """The two no-answer thresholds from one set (engine.answer): each question's best-FAQ key coverage
    (`AnswerPage.coverage`) and whether it names a domain word (`in_domain`), with both thresholds at 0 so
    nothing is withheld; then, over candidate pairs (midpoints between observed coverages; the threshold for
    questions outside the domain never below the other), precision and recall of "coverage < threshold, or
    outside the domain and coverage < outside_threshold" for the no-answer questions. Chosen: the highest
    recall with precision >= min_precision, ties to the lowest thresholds (withhold least)."""
    from django.test import override_settings

    faqs = faq_titles()
    answerable = [q for q, answers in questions if any(isinstance(a, str) and a in faqs for a in answers)]
    with override_settings(KNOWLEDGE_ANSWER_MIN_COVERAGE=0.0, KNOWLEDGE_ANSWER_MIN_COVERAGE_OUTSIDE=0.0):
        pages = {q: answer(user, q, limit=LIMIT) for q in [*no_answer_questions, *answerable]}
    positives = [(pages[q].coverage, pages[q].in_domain) for q in no_answer_questions]
    negatives = [(pages[q].coverage, pages[q].in_domain) for q in answerable]
    values = sorted({c for c, _d in positives + negatives} | {0.0, 1.0001})
    thresholds = [(a + b) / 2 for a, b in pairwise(values)]

    def withheld(found, low, outside):
        return sum(c < low or (not d and c < outside) for c, d in found)

    curve = []
    for low in thresholds:
        for outside in (t for t in thresholds if t >= low):
            tp, fp = withheld(positives, low, outside), withheld(negatives, low, outside)
            curve.append(
                {"threshold": round(low, 4), "outside_threshold": round(outside, 4),
                 "precision": round(tp / (tp + fp), 4) if tp + fp else 0.0, "recall": round(tp / len(positives), 4)}
            )  # fmt: skip
    good = [p for p in curve if p["precision"] >= min_precision]
    chosen = max(good, key=lambda p: (p["recall"], -p["threshold"], -p["outside_threshold"])) if good else None
    return {
        "chosen": chosen,
        "min_precision": min_precision,
        "answerable": len(negatives),
        "no_answer": len(positives),
        "outside_domain": {
            "no_answer": sum(not d for _c, d in positives),
            "answerable": sum(not d for _c, d in negatives),
        },
    }
