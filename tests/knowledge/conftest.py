"""A small knowledge base over the cast's org tree: a dictionary with a synonym group, a category tree,
and documents at head office and in each branch (one role-restricted, one with a superseded version)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from xiaobao.core.roles import role_group
from xiaobao.knowledge import search
from xiaobao.knowledge.models import Category, Document, Term
from xiaobao.knowledge.services import document_create


@pytest.fixture(autouse=True)
def fresh_dictionary():
    """Each test reads the Term rows it made, not those of a test rolled back before it."""
    search.reload()
    yield
    search.reload()


@pytest.fixture
def terms(db):
    Term.objects.create(kind=Term.Kind.WORD, text="犹豫期")
    Term.objects.create(kind=Term.Kind.WORD, text="双录")
    Term.objects.create(kind=Term.Kind.SYNONYM, text="退保", synonyms=["解除合同", "解除保险合同"])
    return Term.objects.all()


@dataclass
class KB:
    regulation_root: Category
    complaints_cat: Category
    faq_cat: Category
    hq_refund: Document  # title: 退保
    hq_body_refund: Document  # body mentions 退保
    hq_cancel: Document  # says 解除合同, never 退保
    branch_a_rule: Document
    branch_b_rule: Document
    restricted: Document
    faq: Document
    script: Document


def create(cast, **kwargs) -> Document:
    kwargs.setdefault("org_unit", cast.hq)
    kwargs.setdefault("kind", Document.Kind.POLICY)
    return document_create(actor=cast.hq_admin, **kwargs)


@pytest.fixture
def kb(cast, terms) -> KB:
    regulation_root = Category.objects.create(name="监管制度")
    complaints_cat = Category.objects.create(name="投诉处理", parent=regulation_root)
    faq_cat = Category.objects.create(name="常见问题")
    return KB(
        regulation_root=regulation_root,
        complaints_cat=complaints_cat,
        faq_cat=faq_cat,
        hq_refund=create(
            cast,
            title="犹豫期退保管理办法",
            body="本办法规定客户在犹豫期内申请的处理流程。",
            number="XB-2023-001",
            policy_status=Document.PolicyStatus.CURRENT,
            effective_from=date(2023, 1, 1),
            category=complaints_cat,
        ),
        hq_body_refund=create(
            cast,
            title="柜面服务规范",
            body="柜面人员应当热情接待客户，客户提出退保时应当说明犹豫期后退保的损失。",
            policy_status=Document.PolicyStatus.REPEALED,
            effective_from=date(2019, 5, 1),
            category=regulation_root,
        ),
        hq_cancel=create(
            cast,
            kind=Document.Kind.LAW,
            title="保险法第十五条释义",
            body="除本法另有规定或者保险合同另有约定外，保险合同成立后，投保人可以解除合同。",
            issuer="全国人民代表大会常务委员会",
            effective_from=date(2015, 4, 24),
        ),
        branch_a_rule=create(
            cast, org_unit=cast.branch_a, title="北京分公司双录抽检细则", body="每月抽检双录视频不少于百分之五。"
        ),
        branch_b_rule=create(cast, org_unit=cast.branch_b, title="河北分公司双录抽检细则", body="每季度抽检双录视频。"),
        restricted=create(
            cast,
            title="消保委员会双录专项检查底稿",
            body="仅限总公司消保管理员查阅的双录检查底稿。",
            visible_roles=[role_group("hq_admin").role],
        ),
        faq=create(
            cast,
            kind=Document.Kind.FAQ,
            title="犹豫期内退保能退多少钱",
            question="犹豫期内退保能退多少钱？",
            answer="犹豫期内解除合同的，退还全部保险费，扣除不超过10元的工本费。",
            alternatives=["冷静期退保退全款吗"],
            category=faq_cat,
        ),
        script=create(
            cast,
            kind=Document.Kind.SCRIPT,
            title="客户要求退保的沟通话术",
            body="先了解客户退保原因，再说明退保可能带来的损失。",
        ),
    )
