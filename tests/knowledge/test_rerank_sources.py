"""Re-ranking that finds the governing article (issue 18): a law's article beyond its first few by the
database's rank is still a candidate, a definition question finds the article that defines the word, and a
question naming a law prefers that law's articles."""

from __future__ import annotations

from xiaobao.knowledge.search import engine, rerank
from xiaobao.knowledge.search.segmenter import is_definition_question

FILLER = "投保人应当按照约定履行相应义务，保险人应当按照约定承担相应责任，双方的权利义务依照合同约定执行。"


def _candidate(kind, title, body="", rank=1.0, passage=False, head=""):
    return rerank.Candidate(
        row=(kind, title), kind=kind, policy_status="", title_words=frozenset(title.split()),
        body_words=frozenset(body.split()), rank=rank, passage=passage, head=head,
    )  # fmt: skip


def test_questions_asking_what_a_word_means_or_covers_are_definition_questions():
    assert is_definition_question("什么是现金价值")
    assert is_definition_question("哪些属于敏感个人信息")
    assert is_definition_question("投保人是指谁")
    assert not is_definition_question("犹豫期退保要交手续费吗")


def test_an_article_defining_the_word_asked_about_comes_first():
    groups = [rerank.Group("敏感个人信息", idf=2.0)]
    uses = _candidate("law", "个人信息保护法 第二十九条", body="敏感个人信息 单独同意", rank=8.0, passage=True,
                      head="第二十九条 处理敏感个人信息应当取得个人的单独同意")  # fmt: skip
    defines = _candidate("law", "个人信息保护法 第二十八条", body="敏感个人信息 泄露", rank=6.0, passage=True,
                         head="第二十八条 敏感个人信息是一旦泄露或者非法使用")  # fmt: skip
    assert rerank.rerank(groups, [uses, defines], definition_question=True)[0] is defines
    assert rerank.rerank(groups, [uses, defines])[0] is uses  # only a definition question asks for it
    assert rerank.defines("第十条 保险合同是协议。投保人是指与保险人订立保险合同的人", [rerank.Group("投保人")])
    assert rerank.defines("第二条 本法所称经营者，应当遵守本法", [rerank.Group("商家", ("经营者",))])
    assert not rerank.defines("第十二条 投保人对被保险人应当具有保险利益", [rerank.Group("被保险人")])


def test_a_question_naming_a_law_prefers_that_laws_articles():
    groups = [rerank.Group("消法", ("消费者权益保护法",), idf=1.0), rerank.Group("信息", idf=1.0)]
    named = _candidate("law", "中华人民共和国 消费者权益保护法 第二十八条", body="信息", rank=5.0, passage=True)
    other = _candidate("regulation", "金融 消费者 权益保护 实施办法", body="信息", rank=9.0)
    assert rerank.names_law(groups, named.title_words) and not rerank.names_law(groups, other.title_words)
    assert rerank.rerank(groups, [other, named])[0] is named


def test_the_candidate_window_takes_extra_passages_and_the_page_keeps_the_cap():
    # rows: (version, ..., is_kept) as the windowed statement returns them, best first
    rows = [(1, "a", 1), (1, "b", 1), (1, "c", 1), (1, "d", 0), (2, "e", 1), (1, "f", 0), (3, "g", 1)]
    assert [r[1] for r in engine._page_with_extra(rows, 2, extra=5)] == ["a", "b"]
    assert [r[1] for r in engine._page_with_extra(rows, 4, extra=1)] == ["a", "b", "c", "d", "e"]
    assert [r[1] for r in engine._page_with_extra(rows, 5, extra=5)] == ["a", "b", "c", "d", "e", "f", "g"]
    reranked = [(1, "d"), (2, "e"), (1, "a"), (1, "b"), (1, "c"), (3, "g")]
    assert [r[1] for r in engine._one_document_at_most(reranked, 3)] == ["d", "e", "a", "b", "g"]


def test_the_article_defining_a_word_is_found_though_its_law_ranks_others_first(cast, kb):
    from tests.knowledge.conftest import create

    # six short articles repeating 犹豫期 rank above the long one that defines it
    articles = [f"第{n}条 犹豫期内犹豫期的事项依照本法办理。{FILLER}" for n in "一二三四五六"]
    articles.append("第七条 犹豫期是指投保人收到保险合同后可以解除合同的期间。" + FILLER * 30)
    law = create(cast, kind="law", title="示范保险条例", body="\n".join(articles))
    assert len(law.current_version.body) >= 1500
    hits = engine.search(cast.officer_a, "什么是犹豫期", limit=10).hits
    of_law = [h.passage_label for h in hits if h.document_id == law.pk]
    assert of_law[0] == "第七条"
    assert len(of_law) <= engine.PASSAGES_PER_DOCUMENT
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
