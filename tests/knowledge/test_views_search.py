"""Reading pages through Django's test client: the search page (filters, highlights, paging, history,
the AND→OR notice), a document page, the FAQ ask page — who sees what, and bad input never an error page.

The cast (tests/helpers.py): hq_admin (HQ), officer_a (branch A), officer_b (branch B), manager (read-only,
HQ), outsider (no role, branch A).
"""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.knowledge.conftest import create
from xiaobao.knowledge.models import Document

pytestmark = pytest.mark.django_db

SEARCH = reverse("knowledge:search")
ASK = reverse("knowledge:ask")


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def hit_ids(response) -> list[int]:
    return [
        int(x) for x in re.findall(r'data-testid="knowledge-hit" data-document-id="(\d+)"', response.content.decode())
    ]


def test_the_landing_page_shows_the_box_and_no_results(cast, kb):
    response = client_for(cast.officer_a).get(SEARCH)
    assert response.status_code == 200
    assert b'data-testid="knowledge-q"' in response.content
    assert b'data-testid="knowledge-hits"' not in response.content


def test_search_shows_highlighted_hits_with_links(cast, kb):
    response = client_for(cast.officer_a).get(SEARCH, {"q": "犹豫期 退保"})
    body = response.content.decode()
    assert response.status_code == 200
    assert kb.hq_refund.pk in hit_ids(response)
    assert "<mark>犹豫期</mark><mark>退保</mark>管理办法" in body
    assert reverse("knowledge:document", args=[kb.hq_refund.pk]) in body


def test_document_markup_in_hits_is_escaped(cast, kb):
    create(cast, title="<script>alert(1)</script>退保须知", body="退保须知正文")
    body = client_for(cast.hq_admin).get(SEARCH, {"q": "退保须知"}).content.decode()
    assert "<script>alert(1)" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_filters_narrow_the_hits(cast, kb):
    client = client_for(cast.hq_admin)
    assert hit_ids(client.get(SEARCH, {"q": "退保", "kind": "law"})) == [kb.hq_cancel.pk]
    assert hit_ids(client.get(SEARCH, {"q": "退保", "policy_status": "repealed"})) == [kb.hq_body_refund.pk]
    assert hit_ids(client.get(SEARCH, {"q": "退保", "category": kb.complaints_cat.pk})) == [kb.hq_refund.pk]
    dated = hit_ids(client.get(SEARCH, {"q": "退保", "date_from": "2016-01-01", "date_to": "2024-01-01"}))
    assert sorted(dated) == sorted([kb.hq_refund.pk, kb.hq_body_refund.pk])


def test_bad_filter_values_are_ignored_not_an_error(cast, kb):
    response = client_for(cast.hq_admin).get(
        SEARCH, {"q": "退保", "kind": "nonsense", "category": "x", "date_from": "31/02", "page": "-3"}
    )
    assert response.status_code == 200
    assert kb.hq_refund.pk in hit_ids(response)


def test_hostile_queries_render_a_page(cast, kb):
    client = client_for(cast.hq_admin)
    for query in ('"', "NEAR(退保", "'; DROP TABLE knowledge_document; --", "<script>", "退" * 600, "\x00"):
        assert client.get(SEARCH, {"q": query}).status_code == 200


def test_a_short_and_page_is_filled_and_says_so(cast, kb):
    response = client_for(cast.hq_admin).get(SEARCH, {"q": "双录 抽检 北京"})
    assert hit_ids(response)[0] == kb.branch_a_rule.pk
    assert b'data-testid="knowledge-or-notice"' in response.content
    every_word = client_for(cast.hq_admin).get(SEARCH, {"q": "犹豫期"})
    assert b'data-testid="knowledge-or-notice"' not in every_word.content


def test_paging(cast, kb):
    for i in range(12):
        create(cast, title=f"理赔时效说明{i}", body="理赔时效")
    client = client_for(cast.hq_admin)
    first = client.get(SEARCH, {"q": "理赔时效"})
    second = client.get(SEARCH, {"q": "理赔时效", "page": 2})
    assert len(hit_ids(first)) == 10 and len(hit_ids(second)) == 2
    assert not set(hit_ids(first)) & set(hit_ids(second))
    assert b'data-testid="next-page"' in first.content
    assert b"page=2" in first.content and b"q=" in first.content


def test_history_only_when_asked(cast, kb):
    from tests.knowledge.test_search import publish_new_version

    old = kb.branch_a_rule.current_version
    publish_new_version(kb.branch_a_rule, title="北京分公司视频抽检细则", body="每月抽检。")
    client = client_for(cast.officer_a)
    plain = client.get(SEARCH, {"q": "北京 抽检"}).content.decode()
    with_history = client.get(SEARCH, {"q": "北京 抽检", "history": "1"}).content.decode()
    assert f'data-version-id="{old.pk}"' not in plain
    assert f'data-version-id="{old.pk}"' in with_history
    assert 'data-testid="knowledge-hit-history"' in with_history


def test_search_respects_visibility(cast, kb):
    found = hit_ids(client_for(cast.officer_a).get(SEARCH, {"q": "双录"}))
    assert kb.branch_a_rule.pk in found
    assert kb.branch_b_rule.pk not in found
    assert kb.restricted.pk not in found


def test_search_and_ask_need_the_view_permission(cast, kb):
    client = client_for(cast.outsider)
    assert client.get(SEARCH, {"q": "退保"}).status_code == 403
    assert client.get(ASK, {"q": "退保"}).status_code == 403


def test_anonymous_is_sent_to_log_in(kb):
    for url in (SEARCH, ASK, reverse("knowledge:document", args=[kb.hq_refund.pk])):
        response = Client().get(url)
        assert response.status_code == 302
        assert "login" in response["Location"]


def test_pages_refuse_post(cast, kb):
    client = client_for(cast.hq_admin)
    for url in (SEARCH, ASK, reverse("knowledge:document", args=[kb.hq_refund.pk])):
        assert client.post(url).status_code == 405


# document page


def test_document_page_shows_text_meta_and_tags(cast, kb):
    kb.hq_refund.tags = ["知情权", "退保"]
    kb.hq_refund.save(update_fields=["tags"])
    body = client_for(cast.officer_b).get(kb.hq_refund.get_absolute_url()).content.decode()
    assert "本办法规定客户在犹豫期内申请的处理流程。" in body
    assert "XB-2023-001" in body and "知情权" in body and "投诉处理" in body
    assert 'data-testid="knowledge-edit-link"' not in body  # a reader, not a writer


def test_faq_page_shows_question_answer_and_alternatives(cast, kb):
    body = client_for(cast.officer_a).get(kb.faq.get_absolute_url()).content.decode()
    assert "犹豫期内退保能退多少钱？" in body
    assert "退还全部保险费" in body
    assert "冷静期退保退全款吗" in body


def test_document_outside_reach_is_404(cast, kb):
    assert client_for(cast.officer_a).get(kb.branch_b_rule.get_absolute_url()).status_code == 404
    assert client_for(cast.officer_a).get(kb.restricted.get_absolute_url()).status_code == 404
    assert client_for(cast.outsider).get(kb.hq_refund.get_absolute_url()).status_code == 404
    assert client_for(cast.hq_admin).get(reverse("knowledge:document", args=[10**9])).status_code == 404


def test_an_archived_document_is_404_for_readers_but_shown_to_writers(cast, kb):
    Document.objects.filter(pk=kb.script.pk).update(is_archived=True)
    assert client_for(cast.officer_a).get(kb.script.get_absolute_url()).status_code == 404
    response = client_for(cast.hq_admin).get(kb.script.get_absolute_url())
    assert response.status_code == 200
    assert b'data-testid="knowledge-archived"' in response.content


def test_a_writer_sees_writing_links_the_manager_does_not(cast, kb):
    writer = client_for(cast.hq_admin).get(kb.hq_refund.get_absolute_url()).content.decode()
    reader = client_for(cast.manager).get(kb.hq_refund.get_absolute_url()).content.decode()
    if reverse_or_none("knowledge:edit", kb.hq_refund.pk):
        assert 'data-testid="knowledge-edit-link"' in writer
    assert 'data-testid="knowledge-edit-link"' not in reader
    assert 'data-testid="knowledge-archive-link"' not in reader


def reverse_or_none(name, *args):
    from django.urls import NoReverseMatch

    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


# ask page


def test_ask_page_shows_the_best_answer_first_with_its_source_and_no_raw_score(cast, kb):
    response = client_for(cast.officer_a).get(ASK, {"q": "犹豫期内退保能退多少"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "退还全部保险费" in body
    best = body.index('data-testid="knowledge-best"')
    assert body.index('data-testid="knowledge-answer-item"') < best < body.index("退还全部保险费")
    # the ranking decides the order; the number behind it is not for an agent reading to a customer
    assert "knowledge-answer-score" not in body and "相关度" not in body
    assert f'href="{kb.faq.get_absolute_url()}" data-testid="knowledge-answer-source"' in body


def test_ask_page_without_a_match_says_so(cast, kb):
    body = client_for(cast.officer_a).get(ASK, {"q": "火星移民"}).content.decode()
    assert 'data-testid="knowledge-no-answer"' in body
    assert 'data-testid="knowledge-no-answer"' not in client_for(cast.officer_a).get(ASK).content.decode()
