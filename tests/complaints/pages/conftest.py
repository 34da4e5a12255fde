"""Shared by the complaint page tests (tests/complaints/pages/): a signed-in client per user, an agent who
registers, a small code table, a complaint for branch A, and helpers that read a page's forms and walk a
complaint to a step through the pages.

The cast (tests/helpers.py): hq_admin (HQ), officer_a (branch A 北京), officer_b (branch B 河北),
manager (read-only, HQ), outsider (no role, branch A); plus an agent (客服坐席) at head office here.
`register` here overrides tests/complaints/conftest.py's: these pages register through the agent, an hour ago.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tests.helpers import (
    make_user,
    version_on,
)
from xiaobao.complaints import services
from xiaobao.complaints.models import Category, Complaint, TaxonomyVersion

S = Complaint.Status
NAME, ID_NUMBER, PHONE, ADDRESS = "王秀兰", "110101196503071234", "13912345678", "北京市朝阳区建国路88号3单元502室"
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"

# url name → a plausible POST body (each is a real route: reverse() fails loudly on a typo)
ACTIONS = {
    "accept": {},
    "assign": {},
    "classify": {},
    "extend": {"level": "1", "reason": "需调取录音", "notice_method": "电话"},
    "decide": {"decision": "同意退保", "reply_method": "电话", "remedies_told": "on"},
    "respond": {"satisfied": "1"},
    "reexamine": {"upheld": "1", "conclusion": "维持"},
    "revisit": {"result": "满意"},
    "close": {"root_cause_note": "销售管理"},
    "withdraw": {"reason": "投诉人撤回"},
    "reveal": {"field": "complainant_phone", "reason": "回电核实"},
}


@pytest.fixture
def as_user():
    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def agent(cast):
    """A 客服坐席 at head office: registers complaints for every unit (subtree of HQ), handles none."""
    return make_user("agent", cast.hq, "agent", "周坐席")


@pytest.fixture
def taxonomy(db):
    """The current code table, one or two entries per dimension."""
    version = TaxonomyVersion.objects.filter(is_current=True).first() or TaxonomyVersion.objects.create(
        code="T-VIEWS", name="页面测试分类", effective_from=timezone.localdate(), is_current=True
    )
    D = Category.Dimension

    def category(dimension, code, name):
        return Category.objects.create(version=version, dimension=dimension, code=f"VW{code}", name=name)

    return {
        "business": category(D.BUSINESS, "B1", "人身保险"),
        "cause": category(D.CAUSE, "C1", "销售误导"),
        "demand": category(D.DEMAND, "D1", "退保退费"),
        "root_cause": category(D.ROOT_CAUSE, "R1", "销售行为管理不到位"),
    }


@pytest.fixture
def register(cast, agent):
    """register(**overrides): the agent registers a hotline complaint for branch A, received an hour ago."""

    def _register(**overrides) -> Complaint:
        arguments = {
            "actor": agent,
            "channel": Complaint.Channel.HOTLINE,
            "received_at": timezone.now() - timedelta(hours=1),
            "complainant_name": NAME,
            "complainant_id_number": ID_NUMBER,
            "complainant_phone": PHONE,
            "complainant_address": ADDRESS,
            "subject": "销售时未说明退保损失",
            "content": "投诉人称业务员销售分红险时承诺随时可全额退保。",
            "demand_text": "全额退保",
            "org_unit": cast.branch_a,
        }
        arguments.update(overrides)
        return services.complaint_register(**arguments)

    return _register


@pytest.fixture
def complaint_a(register):
    """A complaint for branch A, waiting to be accepted."""
    return register()


def options(html: str, name: str) -> set[str]:
    """The values offered by the named <select> of a page."""
    select = re.search(rf'<select name="{name}".*?</select>', html, re.S)
    assert select, f"no {name} picker on the page"
    return set(re.findall(r'<option value="(\d+)"', select.group(0)))


def page_of(client, complaint) -> str:
    response = client.get(complaint.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def register_data(cast, **overrides) -> dict:
    data = {
        "channel": Complaint.Channel.HOTLINE,
        "received_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "complainant_name": NAME,
        "complainant_id_number": ID_NUMBER,
        "complainant_phone": PHONE,
        "complainant_address": ADDRESS,
        "relation": Complaint.Relation.SELF,
        "consumer_name": "",
        "complainant_count": "1",
        "policy_number": "P2024000123",
        "product_name": "鑫福年年分红型两全保险",
        "subject": "销售时未说明退保损失",
        "content": "投诉人称业务员销售分红险时承诺随时可全额退保，现退保仅退现金价值。",
        "demand_text": "全额退还已交保费",
        "amount": "12000.00",
        "org_unit": cast.branch_a.pk,
        "token": "t-1",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def accepted(client, complaint) -> None:
    html = page_of(client, complaint)
    assert (
        client.post(f"/complaints/{complaint.pk}/accept/", {"version": version_on(html, "accept")}).status_code == 302
    )


def handling(client, complaint, handler) -> None:
    accepted(client, complaint)
    html = page_of(client, complaint)
    response = client.post(
        f"/complaints/{complaint.pk}/assign/", {"version": version_on(html, "assign"), "handler": handler.pk}
    )
    assert response.status_code == 302
