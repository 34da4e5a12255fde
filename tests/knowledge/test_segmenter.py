"""The segmenter: jieba with the Term table as user dictionary, synonyms as alternatives, and a query
cleaned of punctuation and question words."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xiaobao.knowledge import search
from xiaobao.knowledge.models import Term
from xiaobao.knowledge.search import segmenter

pytestmark = pytest.mark.django_db


def test_a_dictionary_word_stays_one_token():
    assert "销售行为可回溯" not in search.segment("落实销售行为可回溯管理")
    Term.objects.create(kind=Term.Kind.WORD, text="销售行为可回溯")
    assert "销售行为可回溯" in search.segment("落实销售行为可回溯管理")
    assert "销售行为可回溯" in search.segment_query("落实销售行为可回溯管理")


def test_an_inactive_term_is_not_used():
    Term.objects.create(kind=Term.Kind.WORD, text="销售行为可回溯", is_active=False)
    assert "销售行为可回溯" not in search.segment_query("落实销售行为可回溯管理")


def test_deleting_a_term_reloads_the_dictionary():
    term = Term.objects.create(kind=Term.Kind.WORD, text="销售行为可回溯")
    assert "销售行为可回溯" in search.segment_query("销售行为可回溯")
    term.delete()
    assert "销售行为可回溯" not in search.segment_query("销售行为可回溯")


def test_index_segmentation_also_gives_the_sub_words():
    tokens = search.segment("中华人民共和国保险法")
    assert {"中华人民共和国", "人民", "共和国"} <= set(tokens)


def test_punctuation_is_dropped_and_letters_lower_cased():
    assert search.segment("退保，理赔！ABC？") == ["退保", "理赔", "abc"]


def test_full_width_letters_become_ascii():
    assert search.segment_query("ＡＢＣ") == ["abc"]


def test_synonyms_expand_both_ways(terms):
    assert search.expand(["退保"]) == [("退保", "解除保险合同", "解除合同")]
    assert search.expand(["解除合同"]) == [("解除合同", "解除保险合同", "退保")]
    assert search.expand(["理赔"]) == [("理赔",)]


def test_a_synonym_phrase_is_one_token(terms):
    assert "解除合同" in search.segment_query("投保人可以解除合同")


def test_overlapping_synonym_groups_merge():
    Term.objects.create(kind=Term.Kind.SYNONYM, text="理赔", synonyms=["索赔"])
    Term.objects.create(kind=Term.Kind.SYNONYM, text="索赔", synonyms=["申请赔付"])
    assert set(search.expand(["理赔"])[0]) == {"理赔", "索赔", "申请赔付"}


def test_a_query_drops_question_words_and_repeats(terms):
    assert search.segment_query("请问犹豫期怎么退保？退保！") == ["犹豫期", "退保"]


def test_a_query_of_only_question_words_keeps_them():
    assert search.segment_query("怎么办") == ["怎么办"]


def test_a_long_query_is_capped():
    words = search.segment_query("退保理赔投诉保全核保回访双录" * 1000)
    assert 0 < len(words) <= segmenter.MAX_QUERY_TOKENS
    long = search.segment_query(" ".join(f"词{i}" for i in range(5000)))
    assert len(long) <= segmenter.MAX_QUERY_TOKENS


def test_nul_and_lone_surrogates_are_removed():
    assert search.segment("退\x00保\ud800") == ["退", "保"]


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=500))
def test_arbitrary_text_segments_without_error(text):
    for token in search.segment(text) + search.segment_query(text):
        assert token.strip() == token and token
        assert "\x00" not in token
