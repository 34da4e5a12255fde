"""search() and answer(): words and synonyms, BM25 order, filters, visibility in SQL, escaped highlights,
and no query text that can raise."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.knowledge.conftest import create
from xiaobao.core.models import RoleAssignment
from xiaobao.core.roles import role_group
from xiaobao.knowledge import search
from xiaobao.knowledge.models import Document, DocumentVersion
from xiaobao.knowledge.search import backends

pytestmark = pytest.mark.django_db


def ids(page) -> list[int]:
    return [hit.document_id for hit in page.hits]


# words, synonyms, order


def test_a_synonym_finds_a_document_that_never_uses_the_word(cast, kb):
    assert kb.hq_cancel.pk in ids(search.search(cast.hq_admin, "退保"))


def test_a_title_match_ranks_above_a_body_match(cast, kb):
    found = ids(search.search(cast.hq_admin, "退保", limit=20))
    assert found.index(kb.hq_refund.pk) < found.index(kb.hq_body_refund.pk)


def test_a_domain_term_matches_as_one_word(cast, kb):
    found = ids(search.search(cast.hq_admin, "犹豫期"))
    assert kb.hq_refund.pk in found
    assert kb.hq_cancel.pk not in found


def test_words_are_all_required_while_a_page_has_them_all(cast, kb):
    page = search.search(cast.hq_admin, "双录 抽检 北京", limit=1)
    assert (page.mode, page.and_total, page.total) == ("and", 1, 1)
    assert ids(page) == [kb.branch_a_rule.pk]


def test_a_short_page_is_filled_with_some_words_after_every_word(cast, kb):
    page = search.search(cast.hq_admin, "双录 抽检 北京")
    assert (page.mode, page.and_total) == ("filled", 1)
    assert ids(page)[0] == kb.branch_a_rule.pk
    assert {kb.branch_b_rule.pk, kb.restricted.pk} <= set(ids(page)[1:])
    assert page.total == len(page.hits) == len(set(ids(page)))


def test_filled_pages_agree_on_the_total_and_never_repeat(cast, kb):
    first = search.search(cast.hq_admin, "双录 抽检 北京", limit=2)
    second = search.search(cast.hq_admin, "双录 抽检 北京", limit=2, offset=2)
    assert first.total == second.total >= 3
    assert ids(first)[0] == kb.branch_a_rule.pk
    assert not set(ids(first)) & set(ids(second))


def test_a_long_question_falls_back_to_any_word(cast, kb):
    page = search.search(cast.hq_admin, "请问客户在犹豫期内想要退保并且还要投诉到监管部门应该怎么处理呢")
    assert page.mode == "or"
    assert kb.hq_refund.pk in ids(page)


def test_the_policy_number_is_searchable(cast, kb):
    assert ids(search.search(cast.hq_admin, "XB-2023-001"))[0] == kb.hq_refund.pk


def test_total_counts_every_match_and_offset_pages(cast, kb):
    first = search.search(cast.hq_admin, "退保", limit=2)
    second = search.search(cast.hq_admin, "退保", limit=2, offset=2)
    beyond = search.search(cast.hq_admin, "退保", limit=2, offset=50)
    assert first.total == second.total == beyond.total >= 4
    assert len(first.hits) == 2
    assert not set(ids(first)) & set(ids(second))
    assert beyond.hits == []


# filters


def test_kind_filter(cast, kb):
    assert ids(search.search(cast.hq_admin, "退保", filters={"kind": "law"})) == [kb.hq_cancel.pk]
    found = ids(search.search(cast.hq_admin, "退保", filters={"kind": ["faq", "script"]}))
    assert sorted(found) == sorted([kb.faq.pk, kb.script.pk])


def test_policy_status_filter(cast, kb):
    found = ids(search.search(cast.hq_admin, "退保", filters={"policy_status": "repealed"}))
    assert found == [kb.hq_body_refund.pk]


def test_category_filter_includes_its_subtree(cast, kb):
    found = ids(search.search(cast.hq_admin, "退保", filters={"category": kb.regulation_root.pk}))
    assert sorted(found) == sorted([kb.hq_refund.pk, kb.hq_body_refund.pk])
    assert ids(search.search(cast.hq_admin, "退保", filters={"category": kb.complaints_cat})) == [kb.hq_refund.pk]


def test_effective_date_range_filter(cast, kb):
    found = ids(search.search(cast.hq_admin, "退保", filters={"date_from": "2016-01-01", "date_to": date(2024, 1, 1)}))
    assert sorted(found) == sorted([kb.hq_refund.pk, kb.hq_body_refund.pk])


def test_filter_values_that_cannot_match_give_an_empty_page(cast, kb):
    for filters in ({"kind": "nonsense"}, {"policy_status": ["x"]}, {"category": "abc"}):
        assert search.search(cast.hq_admin, "退保", filters=filters).total == 0


def test_an_unknown_filter_is_a_programming_error(cast, kb):
    with pytest.raises(TypeError):
        search.search(cast.hq_admin, "退保", filters={"colour": "red"})


# visibility


def test_a_branch_user_does_not_see_another_branchs_document(cast, kb):
    found = ids(search.search(cast.officer_a, "双录"))
    assert kb.branch_a_rule.pk in found
    assert kb.branch_b_rule.pk not in found


def test_head_office_documents_reach_every_branch(cast, kb):
    assert kb.hq_refund.pk in ids(search.search(cast.officer_b, "犹豫期"))


def test_a_branch_user_sees_documents_of_units_below(cast, kb):
    sub = create(cast, org_unit=cast.sub_a, title="朝阳支公司双录操作指引")
    assert sub.pk in ids(search.search(cast.officer_a, "双录"))
    assert sub.pk not in ids(search.search(cast.officer_b, "双录"))


def test_a_role_assignment_extends_what_a_user_reads(cast, kb):
    RoleAssignment.objects.create(user=cast.officer_a, role=role_group("branch_officer").role, org_unit=cast.branch_b)
    assert kb.branch_b_rule.pk in ids(search.search(cast.officer_a, "双录"))


def test_company_wide_scope_sees_every_branch(cast, kb):
    found = ids(search.search(cast.manager, "双录抽检"))
    assert {kb.branch_a_rule.pk, kb.branch_b_rule.pk} <= set(found)


def test_a_role_restricted_document_is_hidden_from_other_roles(cast, kb):
    assert kb.restricted.pk in ids(search.search(cast.hq_admin, "检查底稿"))
    assert kb.restricted.pk not in ids(search.search(cast.manager, "检查底稿"))
    assert kb.restricted.pk not in ids(search.search(cast.outsider, "检查底稿"))


def test_reading_needs_the_view_permission(cast, kb):
    # the outsider works in branch A (head office's documents would reach them) but holds no role
    assert search.search(cast.outsider, "犹豫期").total == 0
    assert search.answer(cast.outsider, "犹豫期内退保能退多少？").results == []
    assert kb.hq_refund.pk in ids(search.search(cast.officer_a, "犹豫期"))


def test_nobody_signed_in_finds_nothing(cast, kb):
    from django.contrib.auth.models import AnonymousUser

    assert search.search(AnonymousUser(), "退保").total == 0
    assert search.search(None, "退保").total == 0


def publish_new_version(document: Document, *, title: str, body: str) -> DocumentVersion:
    old = document.current_version
    old.status = DocumentVersion.Status.SUPERSEDED
    old.save(update_fields=["status"])
    new = DocumentVersion.objects.create(
        document=document,
        number=old.number + 1,
        title=title,
        body=body,
        status=DocumentVersion.Status.PUBLISHED,
        created_at=old.created_at,
        published_at=old.created_at,
    )
    document.current_version = new
    document.save(update_fields=["current_version"])
    search.index_version(new)
    search.index_version(old)
    return new


def test_history_is_hidden_unless_asked(cast, kb):
    old = kb.branch_a_rule.current_version
    new = publish_new_version(kb.branch_a_rule, title="北京分公司视频抽检细则", body="每月抽检。")
    assert [h.version_id for h in search.search(cast.officer_a, "北京 抽检").hits] == [new.pk]
    history = search.search(cast.officer_a, "北京 抽检", include_history=True)
    assert {(h.version_id, h.is_current) for h in history.hits} == {(old.pk, False), (new.pk, True)}


def test_a_draft_is_not_searchable(cast, kb):
    draft = create(cast, title="尚未发布的退保草稿", publish=False)
    assert draft.pk not in ids(search.search(cast.hq_admin, "草稿"))


def test_unindexing_and_rebuilding(cast, kb):
    search.unindex_document(kb.script)
    assert kb.script.pk not in ids(search.search(cast.hq_admin, "话术"))
    before = search.search(cast.hq_admin, "双录", limit=50)
    assert search.rebuild() == Document.objects.count()
    assert kb.script.pk in ids(search.search(cast.hq_admin, "话术"))
    assert ids(search.search(cast.hq_admin, "双录", limit=50)) == ids(before)


# highlights


def test_highlights_mark_words_and_synonyms(cast, kb):
    hit = next(h for h in search.search(cast.hq_admin, "退保").hits if h.document_id == kb.hq_cancel.pk)
    assert "<mark>解除合同</mark>" in hit.snippet_html
    top = next(h for h in search.search(cast.hq_admin, "犹豫期 退保").hits if h.document_id == kb.hq_refund.pk)
    assert top.title_html == "<mark>犹豫期</mark><mark>退保</mark>管理办法"


def test_document_markup_is_shown_escaped(cast, kb):
    create(cast, title="<script>alert(1)</script>退保须知", body='<img src=x onerror="alert(2)">退保 & 理赔')
    hit = search.search(cast.hq_admin, "退保须知").hits[0]
    assert hit.title_html == "&lt;script&gt;alert(1)&lt;/script&gt;<mark>退保</mark><mark>须知</mark>"
    assert "<img" not in hit.snippet_html and "&lt;img" in hit.snippet_html
    assert "&amp;" in hit.snippet_html


def test_a_query_cannot_inject_markup(cast, kb):
    create(cast, title="script 标签说明", body="关于 script 的说明")
    for hit in search.search(cast.hq_admin, "<script> mark").hits:
        assert "<script" not in hit.title_html + hit.snippet_html


# answers


def test_answer_returns_faq_only_with_scores_and_sources(cast, kb):
    answers = search.answer(cast.officer_a, "犹豫期内退保能退多少？").results
    assert [a.document_id for a in answers] == [kb.faq.pk]
    assert answers[0].answer.startswith("犹豫期内解除合同")
    assert answers[0].question == "犹豫期内退保能退多少钱？"
    assert answers[0].source_title == "犹豫期内退保能退多少钱"
    assert answers[0].score > 0


def test_answer_finds_an_alternative_phrasing(cast, kb):
    assert [a.document_id for a in search.answer(cast.officer_a, "冷静期退全款")] == [kb.faq.pk]


def test_answer_with_nothing_matching_is_empty(cast, kb):
    page = search.answer(cast.officer_a, "火星移民")
    assert page.results == [] and page.no_answer and page.reason == "no_match"


def test_a_question_naming_no_domain_word_needs_more_of_it_covered(cast, kb, settings):
    # both share 钱 with the FAQ; only the second names a word of the dictionary (犹豫期)
    settings.KNOWLEDGE_ANSWER_MIN_COVERAGE = 0.0
    settings.KNOWLEDGE_ANSWER_MIN_COVERAGE_OUTSIDE = 0.99
    outside = search.answer(cast.officer_a, "住院的钱多少")
    assert outside.no_answer and outside.reason == "outside_domain" and not outside.in_domain
    assert outside.results == [] and 0 < outside.coverage < 0.99
    inside = search.answer(cast.officer_a, "犹豫期住院的钱多少")
    assert not inside.no_answer and inside.in_domain and [a.document_id for a in inside] == [kb.faq.pk]
    settings.KNOWLEDGE_ANSWER_MIN_COVERAGE_OUTSIDE = 0.0
    assert [a.document_id for a in search.answer(cast.officer_a, "住院的钱多少")] == [kb.faq.pk]


def test_without_a_dictionary_no_question_is_outside_the_domain(cast, kb, settings):
    from xiaobao.knowledge.models import Term
    from xiaobao.knowledge.search import segmenter

    Term.objects.all().delete()
    segmenter.reload()
    settings.KNOWLEDGE_ANSWER_MIN_COVERAGE = 0.0
    settings.KNOWLEDGE_ANSWER_MIN_COVERAGE_OUTSIDE = 0.99
    page = search.answer(cast.officer_a, "住院的钱多少")
    assert page.in_domain and not page.no_answer


# any query is safe

NASTY = [
    "",
    "   ",
    "，。！？、；：",
    '"',
    '"退保',
    "退保 AND",
    "OR OR OR",
    "NEAR(退保 理赔, 2)",
    "退*",
    "title:退保",
    "^退保",
    "'; DROP TABLE knowledge_document; --",
    "1' OR '1'='1",
    "退保\\",
    "a & b | !c <-> d:*",
    "\x00退保",
    "(((",
    "退" * 10_000,
    "退保 " * 3_000,
    "𠀀𪚥🙂 ﷽",
]


@pytest.mark.parametrize("query", NASTY)
def test_hostile_queries_return_a_page(cast, kb, query):
    page = search.search(cast.hq_admin, query)
    assert page.total >= 0
    answered = search.answer(cast.hq_admin, query)
    assert isinstance(answered.results, list)
    assert [a.score for a in answered.results] == sorted((a.score for a in answered.results), reverse=True)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=st.text(max_size=300))
def test_arbitrary_text_never_raises(cast, kb, query):
    page = search.search(cast.officer_a, query, filters={"kind": ["policy", "faq", "law", "script"]})
    assert page.total >= len(page.hits)


def test_sqlite_maps_the_database_file_once_per_connection(cast, kb):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    if hasattr(connection, "_xiaobao_mmap_for"):  # as on a connection search has not used yet
        del connection._xiaobao_mmap_for

    def pragmas(captured):
        return [q["sql"] for q in captured.captured_queries if "mmap_size" in q["sql"]]

    with CaptureQueriesContext(connection) as first:
        found = ids(search.search(cast.hq_admin, "退保"))
    with CaptureQueriesContext(connection) as second:
        assert ids(search.search(cast.hq_admin, "退保")) == found
    assert pragmas(first) == [f"PRAGMA mmap_size = {backends.SQLITE_MMAP_BYTES}"]
    assert pragmas(second) == []


def test_a_broad_query_on_postgresql_ranks_only_the_first_rows_found(cast, kb, postgres_only, monkeypatch):

    monkeypatch.setattr(backends, "PG_RANK_CAP", 2)
    page = search.search(cast.hq_admin, "退保", limit=10)
    assert (page.capped, page.total, len(page.hits)) == (True, 2, 2)
    assert not search.search(cast.hq_admin, "检查底稿").capped


def test_postgresql_weighs_a_rare_word_above_a_common_one(cast, kb, postgres_only):
    # 客户 is in every document, 适老化 in two: the one saying 适老化 more outranks the one saying 客户 more
    for i in range(8):
        create(cast, title=f"服务规范{i}", body="客户服务。")
    common = create(cast, title="服务说明甲", body="客户 客户 客户 客户 客户 客户 适老化")
    rare = create(cast, title="服务说明乙", body="适老化 适老化 适老化 适老化 适老化 适老化 客户")
    found = ids(search.search(cast.hq_admin, "客户 适老化"))
    assert found.index(rare.pk) < found.index(common.pk)
