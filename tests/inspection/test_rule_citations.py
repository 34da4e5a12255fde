"""The shipped rules cite their basis article by article (issue 20; migration 0006)."""

import importlib
import re

import pytest
from django.apps import apps

from xiaobao.inspection.models import Rule

citations = importlib.import_module("xiaobao.inspection.migrations.0006_rule_citations_by_article")

pytestmark = pytest.mark.django_db

ARTICLE = re.compile(r"第[一二三四五六七八九十百]+条")


def test_every_shipped_rule_names_the_articles_it_implements():
    shipped = dict(Rule.objects.filter(code__in=citations.BY_ARTICLE).values_list("code", "regulatory_basis"))
    assert shipped == citations.BY_ARTICLE
    for code, basis in shipped.items():
        for text in basis.split("；"):
            if text.startswith("本公司"):
                continue  # the institution's own service standard, not a public text
            assert ARTICLE.search(text), f"{code}: {text} cites no article"
        assert "关于" not in basis or "的规定" not in basis, f"{code} still cites a text only by its subject"


def test_a_basis_the_rule_owner_rewrote_is_kept():
    Rule.objects.filter(code="ABUSIVE").update(regulatory_basis="本公司《客户服务用语规范》第5条")
    Rule.objects.filter(code="REBATE").update(regulatory_basis=citations.SHIPPED_BEFORE["REBATE"])

    citations.forwards(apps, None)

    assert Rule.objects.get(code="ABUSIVE").regulatory_basis == "本公司《客户服务用语规范》第5条"
    assert Rule.objects.get(code="REBATE").regulatory_basis == citations.BY_ARTICLE["REBATE"]
