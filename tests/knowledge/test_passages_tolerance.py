"""Passages (a long text cut at its articles or headings), forgiving input (folding, A不A, sound-alike typos)
and the second look at candidates (coverage, repealed, sources beside answers) — issue 18."""

from __future__ import annotations

import pytest

from xiaobao.demo.knowledge_corpus import HERE
from xiaobao.knowledge.search import passages, rerank, tolerance

INSURANCE_LAW = (HERE / "laws" / "insurance_law.txt").read_text(encoding="utf-8")


def test_a_long_law_is_cut_at_each_article_with_its_chapter_and_section():
    found = passages.split(INSURANCE_LAW)
    assert len(found) == 185
    article = next(p for p in found if p.anchor == "art-16")
    assert article.label == "第十六条"
    assert article.context == "第二章 保险合同 第一节 一般规定"
    text = INSURANCE_LAW[article.start : article.end]
    assert text.startswith("第十六条 订立保险合同") and "第十七条" not in text
    assert [p.anchor for p in found][-1] == "art-185"


@pytest.mark.parametrize(
    ("text", "number"), [("十六", 16), ("一百一十六", 116), ("二十", 20), ("一百零五", 105), ("7", 7)]
)
def test_chinese_article_numbers(text, number):
    assert passages.chinese_number(text) == number


def test_a_short_document_stays_whole():
    assert passages.split("第一条 总则。\n第二条 适用范围。\n第三条 施行。") == []


def test_a_long_policy_without_articles_is_cut_at_its_headings():
    body = "\n".join(f"{n}、第{n}部分的标题\n" + "正文内容说明。" * 60 for n in "一二三四")
    found = passages.split(body)
    assert [p.label for p in found] == [f"{n}、第{n}部分的标题" for n in "一二三四"]
    assert all(p.anchor.startswith("sec-") for p in found)


def test_traditional_full_width_and_zero_width_characters_fold():
    assert tolerance.fold("猶豫期\u200b內退保") == "犹豫期内退保"
    assert tolerance.fold("ＡＢＣ１２３") == "ABC123"


def test_a_not_a_questions_lose_their_negative_fragment():
    assert tolerance.tidy_question("能不能退保") == "能退保"
    assert tolerance.tidy_question("有没有手续费") == "有手续费"
    assert tolerance.tidy_question("不能退保") == "不能退保"  # a real negation stays


def test_a_sound_alike_typo_of_a_dictionary_word_is_corrected_only_when_the_index_has_not_seen_it():
    words = frozenset({"犹豫期", "理赔", "报案"})
    sounds = tolerance.pinyin_index(words)
    text, fixes = tolerance.correct("尤豫期内理陪", sounds, words, known=lambda piece: False)
    assert text == "犹豫期内理赔" and fixes == [("尤豫期", "犹豫期"), ("理陪", "理赔")]
    # 保安 sounds like 报案, but the documents use it: searched as typed
    text, fixes = tolerance.correct("保安态度差", sounds, words, known=lambda piece: piece == "保安")
    assert text == "保安态度差" and fixes == []


def test_two_dictionary_words_with_one_sound_are_never_guessed_between():
    assert tolerance.pinyin_index(["保全", "保券"]) == {}


def _candidate(kind, title, body="", status="", rank=1.0, passage=False):
    return rerank.Candidate(
        row=(kind, title), kind=kind, policy_status=status, title_words=frozenset(title.split()),
        body_words=frozenset(body.split()), rank=rank, passage=passage,
    )  # fmt: skip


def test_typed_words_outweigh_one_synonym_group_matched_many_times():
    groups = [rerank.Group("犹豫期", ("冷静期",), idf=2.0), rerank.Group("手续费", (), idf=2.0)]
    typed = _candidate("faq", "犹豫期 手续费", rank=1.0)
    spam = _candidate("faq", "冷静期 冷静期 冷静期", body="冷静期 " * 50, rank=5.0)
    assert rerank.rerank(groups, [spam, typed])[0] is typed


def test_a_repealed_document_never_outranks_a_current_one():
    groups = [rerank.Group("投诉", idf=1.0), rerank.Group("时限", idf=1.0)]
    repealed = _candidate("policy", "投诉 时限", status="repealed", rank=9.0)
    current = _candidate("policy", "投诉", status="current", rank=0.1)
    assert rerank.rerank(groups, [repealed, current]) == [current, repealed]


def test_the_governing_rule_is_shown_beside_the_faq():
    groups = [rerank.Group("退保", idf=1.0), rerank.Group("材料", idf=1.0)]
    faqs = [_candidate("faq", "退保 材料", rank=10.0 - i) for i in range(4)]
    rule = _candidate("policy", "退保", body="材料", rank=0.5)
    ordered = rerank.rerank(groups, [*faqs, rule])
    assert ordered.index(rule) == rerank.SOURCE_SLOT - 1


def test_an_article_is_ranked_against_articles_not_against_titles():
    # an article's words are in its body column, ten times lighter in the full-text rank than a title's;
    # with equal coverage the best article and the best FAQ stand level, not 1 : 0.55
    groups = [rerank.Group("核定", idf=2.0), rerank.Group("理赔", idf=1.0)]
    faq = _candidate("faq", "理赔 核定", rank=10.0)
    article = _candidate("law", "保险法 第二十三条", body="理赔 核定", rank=1.0, passage=True)
    weaker_article = _candidate("law", "保险法 第二十四条", body="理赔 核定", rank=0.5, passage=True)
    ordered = rerank.rerank(groups, [faq, weaker_article, article])
    assert article.score == faq.score and article.score > weaker_article.score
    assert ordered.index(article) < ordered.index(weaker_article)


def test_a_lone_character_weighs_less_than_a_word():
    assert rerank.is_single_character("钱") and not rerank.is_single_character("到账")
    assert not rerank.is_single_character("a")
    assert 0 < rerank.SINGLE_CHARACTER_SHARE < 1


def test_a_question_about_what_the_company_must_do_is_a_rule_question(terms):
    from xiaobao.knowledge.search.segmenter import is_rule_question

    assert is_rule_question("保险公司收到理赔申请后多少天要核定")
    assert is_rule_question("隐瞒病情投保两年后公司还能解除合同吗")
    assert not is_rule_question("理赔多久能到账")
    assert not is_rule_question("客户能不能只退一部分")
