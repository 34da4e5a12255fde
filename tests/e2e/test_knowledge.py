"""知识中心 reading in a real browser: a branch officer searches in Chinese (a synonym finds a document that
never uses the word, matches are highlighted), narrows to FAQ, opens a hit, and asks the FAQ page a plain
question, following the answer to its source.

People: the fixed cast's hq_admin (writes the documents), officer_a (reads, branch A).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import log_in, screenshot
from xiaobao.knowledge import search
from xiaobao.knowledge.models import Document, Term
from xiaobao.knowledge.services import document_create

pytestmark = pytest.mark.e2e


@pytest.fixture
def documents(cast):
    Term.objects.create(kind=Term.Kind.WORD, text="犹豫期")
    Term.objects.create(kind=Term.Kind.SYNONYM, text="退保", synonyms=["解除合同"])
    search.reload()

    def create(**kwargs) -> Document:
        kwargs.setdefault("org_unit", cast.hq)
        return document_create(actor=cast.hq_admin, **kwargs)

    found = {
        "law": create(
            kind=Document.Kind.LAW,
            title="保险法第十五条释义",
            body="保险合同成立后，投保人可以解除合同。",
        ),
        "policy": create(
            kind=Document.Kind.POLICY,
            title="犹豫期退保管理办法",
            body="客户在犹豫期内退保的，退还全部保险费。",
            policy_status=Document.PolicyStatus.CURRENT,
        ),
        "faq": create(
            kind=Document.Kind.FAQ,
            title="犹豫期内退保能退多少钱",
            question="犹豫期内退保能退多少钱？",
            answer="犹豫期内解除合同的，退还全部保险费，扣除不超过10元的工本费。",
            alternatives=["冷静期退保退全款吗"],
        ),
        "branch_b": create(
            kind=Document.Kind.POLICY, title="河北分公司退保细则", body="退保办理细则。", org_unit=cast.branch_b
        ),
    }
    yield found
    search.reload()


def test_an_officer_searches_filters_and_asks(new_page, cast, documents):
    page = new_page()
    log_in(page, cast.officer_a.username)
    page.goto("/knowledge/")
    page.get_by_test_id("knowledge-q").fill("退保")
    page.get_by_test_id("knowledge-search-button").click()
    hits = page.get_by_test_id("knowledge-hit")
    expect(hits.first).to_be_visible()
    found = {int(x) for x in hits.evaluate_all("els => els.map(e => e.dataset.documentId)")}
    # the synonym finds the law that says 解除合同; branch B's document stays out of branch A's reach
    assert documents["law"].pk in found and documents["policy"].pk in found
    assert documents["branch_b"].pk not in found
    expect(page.locator('[data-testid="knowledge-hit-snippet"] mark').first).to_be_visible()
    screenshot(page, "knowledge-search")

    page.get_by_test_id("knowledge-filters").get_by_label("类型").select_option("faq")
    page.get_by_test_id("knowledge-search-button").click()
    expect(hits).to_have_count(1)
    hits.first.get_by_test_id("knowledge-hit-link").click()
    page.wait_for_url(f"**/knowledge/{documents['faq'].pk}/")
    expect(page.get_by_test_id("knowledge-answer")).to_contain_text("退还全部保险费")
    expect(page.get_by_test_id("knowledge-alternatives")).to_contain_text("冷静期退保退全款吗")

    page.goto("/knowledge/ask/")
    page.get_by_test_id("knowledge-ask-q").fill("冷静期退保能退全款吗")
    page.get_by_test_id("knowledge-ask-button").click()
    answer = page.get_by_test_id("knowledge-answer-item").first
    expect(answer.get_by_test_id("knowledge-answer-text")).to_contain_text("扣除不超过10元的工本费")
    expect(answer.get_by_test_id("knowledge-best")).to_be_visible()  # the best answer first, no raw score
    expect(page.get_by_test_id("knowledge-answer-score")).to_have_count(0)
    screenshot(page, "knowledge-ask")
    answer.get_by_test_id("knowledge-answer-source").click()
    page.wait_for_url(f"**/knowledge/{documents['faq'].pk}/")
