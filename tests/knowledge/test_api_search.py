"""GET /api/v1/knowledge/search, /answer and /documents/<pk>/: results, filters, paging, the error shape,
visibility (404 outside reach) and the view permission (403)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from xiaobao.knowledge.search import engine

pytestmark = pytest.mark.django_db

SEARCH = "/api/v1/knowledge/search"
ANSWER = "/api/v1/knowledge/answer"


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def ids(response) -> list[int]:
    return [hit["document_id"] for hit in response.json()["results"]]


def test_search_returns_ranked_hits_with_highlights(cast, kb):
    response = api(cast.officer_a).get(SEARCH, {"q": "犹豫期 退保"})
    assert response.status_code == 200
    data = response.json()
    assert data["count"] >= 2 and data["page"] == 1
    assert data["mode"] == "filled" and data["and_total"] >= 2  # fewer than a page has both words
    hit = next(h for h in data["results"] if h["document_id"] == kb.hq_refund.pk)
    assert hit["title_html"] == "<mark>犹豫期</mark><mark>退保</mark>管理办法"
    assert hit["url"] == f"/knowledge/{kb.hq_refund.pk}/"
    assert hit["is_current"] is True and hit["score"] > 0
    scores = [h["score"] for h in data["results"]][: data["and_total"]]
    assert scores == sorted(scores, reverse=True)


def test_search_filters(cast, kb):
    client = api(cast.hq_admin)
    assert ids(client.get(SEARCH, {"q": "退保", "kind": "law"})) == [kb.hq_cancel.pk]
    assert sorted(ids(client.get(SEARCH + "?q=退保&kind=faq&kind=script"))) == sorted([kb.faq.pk, kb.script.pk])
    assert ids(client.get(SEARCH, {"q": "退保", "policy_status": "repealed"})) == [kb.hq_body_refund.pk]
    assert ids(client.get(SEARCH, {"q": "退保", "category": kb.complaints_cat.pk})) == [kb.hq_refund.pk]
    dated = ids(client.get(SEARCH, {"q": "退保", "date_from": "2016-01-01", "date_to": "2024-01-01"}))
    assert sorted(dated) == sorted([kb.hq_refund.pk, kb.hq_body_refund.pk])


def test_search_pages(cast, kb):
    client = api(cast.hq_admin)
    first = client.get(SEARCH, {"q": "退保", "page_size": 2}).json()
    second = client.get(SEARCH, {"q": "退保", "page_size": 2, "page": 2}).json()
    assert first["count"] == second["count"] >= 4
    assert not {h["document_id"] for h in first["results"]} & {h["document_id"] for h in second["results"]}


def test_invalid_parameters_get_the_error_shape(cast, kb):
    response = api(cast.hq_admin).get(SEARCH, {"q": "退保", "kind": "nonsense", "page": 0, "date_from": "x"})
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid"
    assert {"kind", "page", "date_from"} <= set(body["fields"])
    assert api(cast.hq_admin).get(SEARCH, {"q": "退保", "page": 10**6}).status_code == 400


def test_hostile_queries_are_an_empty_or_normal_page(cast, kb):
    client = api(cast.hq_admin)
    for query in ("", '"', "NEAR(退保", "'; DROP TABLE x; --", "a & b | !c", "\u0000退保"):
        response = client.get(SEARCH, {"q": query})
        assert response.status_code == 200
    assert client.get(SEARCH, {"q": ""}).json()["count"] == 0


def test_nul_is_removed_not_refused(cast, kb):
    client = api(cast.hq_admin)
    plain = ids(client.get(SEARCH, {"q": "退保"}))
    assert plain and ids(client.get(SEARCH, {"q": "退\u0000保"})) == plain
    assert ids(client.get(ANSWER, {"q": "\u0000犹豫期退保"})) == ids(client.get(ANSWER, {"q": "犹豫期退保"}))


def test_an_over_long_query_is_cut_as_documented_not_refused(cast, kb):
    client = api(cast.hq_admin)
    long_query = "犹豫期" + "，" * 600 + "双录"  # 双录 lies past the 500th character: not searched
    response = client.get(SEARCH, {"q": long_query})
    assert response.status_code == 200
    assert "犹豫期" in response.json()["words"] and "双录" not in response.json()["words"]
    assert client.get(ANSWER, {"q": long_query}).status_code == 200


def test_a_question_too_long_for_a_url_can_be_posted(cast, kb):
    client = api(cast.hq_admin)
    posted = client.post(SEARCH, {"q": "犹豫期 退保", "kind": ["policy"]}, format="json")
    assert posted.status_code == 200
    assert ids(posted) == ids(client.get(SEARCH, {"q": "犹豫期 退保", "kind": "policy"}))
    answered = client.post(ANSWER, {"q": "冷静期退保" + "。" * 5000}, format="json")
    assert answered.status_code == 200 and kb.faq.pk in ids(answered)


def test_a_refused_page_number_is_explained_in_the_request_language(cast, kb):
    client = api(cast.hq_admin)
    chinese = client.get(SEARCH, {"q": "退保", "page": 2000}, HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    english = client.get(SEARCH, {"q": "退保", "page": 2000}, HTTP_ACCEPT_LANGUAGE="en").json()
    assert chinese["fields"]["page"] != english["fields"]["page"]
    assert all(ord(ch) < 128 for ch in str(english["fields"]["page"]))


def test_history_only_when_asked(cast, kb):
    from tests.knowledge.test_search import publish_new_version

    old = kb.branch_a_rule.current_version
    publish_new_version(kb.branch_a_rule, title="北京分公司视频抽检细则", body="每月抽检。")
    client = api(cast.officer_a)
    plain = client.get(SEARCH, {"q": "北京 抽检"}).json()["results"]
    history = client.get(SEARCH, {"q": "北京 抽检", "include_history": "true"}).json()["results"]
    assert old.pk not in [h["version_id"] for h in plain]
    assert (old.pk, False) in [(h["version_id"], h["is_current"]) for h in history]


def test_search_respects_visibility(cast, kb):
    found = ids(api(cast.officer_a).get(SEARCH, {"q": "双录"}))
    assert kb.branch_a_rule.pk in found
    assert kb.branch_b_rule.pk not in found and kb.restricted.pk not in found


def test_answer_returns_faq_with_score_and_source(cast, kb):
    response = api(cast.officer_a).get(ANSWER, {"q": "犹豫期内退保能退多少？", "limit": 2})
    assert response.status_code == 200
    [item] = response.json()["results"]
    assert item["document_id"] == kb.faq.pk
    assert item["answer"].startswith("犹豫期内解除合同")
    assert item["source_title"] == "犹豫期内退保能退多少钱"
    assert item["source_url"] == f"/knowledge/{kb.faq.pk}/"
    assert item["score"] > 0


def test_answer_without_question_or_match_is_empty(cast, kb):
    assert api(cast.officer_a).get(ANSWER).json()["results"] == []
    assert api(cast.officer_a).get(ANSWER, {"q": "火星移民"}).json()["results"] == []
    assert api(cast.officer_a).get(ANSWER, {"q": "退保", "limit": 99}).status_code == 400


def test_document_detail(cast, kb):
    kb.faq.tags = ["知情权"]
    kb.faq.save(update_fields=["tags"])
    response = api(cast.officer_a).get(f"/api/v1/knowledge/documents/{kb.faq.pk}/")
    assert response.status_code == 200
    data = response.json()
    assert data["kind"] == "faq" and data["tags"] == ["知情权"]
    assert data["category"]["name"] == "常见问题"
    assert data["current_version"]["question"] == "犹豫期内退保能退多少钱？"
    assert data["current_version"]["alternatives"] == ["冷静期退保退全款吗"]


def test_document_outside_reach_is_404(cast, kb):
    client = api(cast.officer_a)
    for document in (kb.branch_b_rule, kb.restricted):
        response = client.get(f"/api/v1/knowledge/documents/{document.pk}/")
        assert response.status_code == 404
        assert response.json()["error"] == "not_found"
    assert client.get("/api/v1/knowledge/documents/999999999/").status_code == 404


def test_no_view_permission_is_403_and_anonymous_401(cast, kb):
    for url in (f"{SEARCH}?q=退保", f"{ANSWER}?q=退保", f"/api/v1/knowledge/documents/{kb.hq_refund.pk}/"):
        response = api(cast.outsider).get(url)
        assert response.status_code == 403
        assert response.json()["error"] == "permission_denied"
        assert APIClient().get(url).status_code == 401


def test_read_endpoints_refuse_writes(cast, kb):
    client = api(cast.hq_admin)
    for url in (SEARCH, ANSWER):
        assert client.put(url, {"q": "退保"}).status_code == 405
        assert client.delete(url).status_code == 405


def test_schema_names_the_endpoints(cast):
    response = api(cast.hq_admin).get("/api/schema/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "/api/v1/knowledge/search" in text and "/api/v1/knowledge/answer" in text


def test_an_article_of_a_long_law_is_the_hit_named_linked_and_quoted(cast, kb):
    from tests.knowledge.conftest import create
    from xiaobao.demo.knowledge_corpus import HERE

    law = create(
        cast,
        kind="law",
        title="中华人民共和国保险法",
        body=(HERE / "laws" / "insurance_law.txt").read_text(encoding="utf-8"),
        issuer="全国人民代表大会常务委员会",
    )
    client = api(cast.officer_a)
    hits = client.get(SEARCH, {"q": "订立保险合同 如实告知 询问"}).json()["results"]
    hit = next(h for h in hits if h["document_id"] == law.pk)
    assert hit["passage_label"] == "第十六条" and hit["passage_anchor"] == "art-16"
    assert hit["url"] == f"/knowledge/{law.pk}/#art-16"
    assert "<mark>询问</mark>" in hit["snippet_html"] and "第十七条" not in hit["snippet_html"]
    of_law = [h["passage_anchor"] for h in hits if h["document_id"] == law.pk]
    assert of_law[0] == "art-16" and len(of_law) == len(set(of_law))  # the best article first, none twice
    assert len(of_law) <= engine.PASSAGES_PER_DOCUMENT  # one law's articles do not fill the page
    client.force_login(cast.officer_a)
    page = client.get(f"/knowledge/{law.pk}/").content.decode()
    assert 'id="art-16"' in page and 'id="art-185"' in page


def test_answer_says_no_answer_with_a_reason_instead_of_another_question(cast, kb):
    client = api(cast.officer_a)
    answered = client.get(ANSWER, {"q": "冷静期退保退全款吗"}).json()
    assert answered["no_answer"] is False and ids(client.get(ANSWER, {"q": "冷静期退保退全款吗"})) == [kb.faq.pk]
    unrelated = client.get(ANSWER, {"q": "社保卡丢了去哪补办"}).json()
    assert unrelated["no_answer"] is True and unrelated["results"] == []
    assert unrelated["reason"] in {"no_match", "low_coverage", "outside_domain"}
