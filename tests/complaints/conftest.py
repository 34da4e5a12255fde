"""Shared fixtures for the complaint tests: a fixed clock, the people around a complaint, the seeded
code tables, and helpers that register a complaint and walk it through its steps."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.utils import timezone

from tests.helpers import make_user
from xiaobao.complaints import selectors, services
from xiaobao.complaints.models import Category, Complaint
from xiaobao.workflow.models import HumanTask


def at(*args) -> datetime:
    """An aware moment in Asia/Shanghai (2025-03-03 is a Monday)."""
    return timezone.make_aware(datetime(*args))


def end_of(*args) -> datetime:
    return at(*args, 23, 59, 59, 999999)


NOW = at(2025, 3, 3, 10, 0)
ID_NUMBER = "110101199003071234"
PHONE = "13800138000"


@pytest.fixture
def people(cast):
    """The cast plus a 客服坐席 at head office (registers), a 消保专员 of 朝阳支公司 (under branch A) and
    a member of head-office senior management (approves a second extension)."""
    cast.agent = make_user("agent", cast.hq, "agent", "王芳")
    cast.officer_a1 = make_user("officer_a1", cast.sub_a, "branch_officer", "陈静")
    cast.senior = make_user("senior", cast.hq, "management", "高总")
    return cast


@pytest.fixture
def codes(db) -> dict[str, Category]:
    """The current taxonomy's categories by code (seeded by migration 0002)."""
    return {c.code: c for c in Category.objects.filter(version__is_current=True)}


@pytest.fixture
def register(people):
    """register(**overrides): the agent registers a 销售误导 complaint against branch A, received at NOW."""

    def _register(**overrides) -> Complaint:
        arguments = {
            "actor": people.agent,
            "channel": Complaint.Channel.HOTLINE,
            "received_at": NOW,
            "complainant_name": "王小明",
            "complainant_id_number": ID_NUMBER,
            "complainant_phone": PHONE,
            "policy_number": "P2025000001",
            "product_name": "鑫享年金保险",
            "subject": "销售人员承诺保本高收益",
            "content": "2024年购买年金险时，销售人员称年化收益6%且保本，实际远低于所述。",
            "demand_text": "要求全额退保",
            "org_unit": people.branch_a,
            "now": NOW,
        }
        arguments.update(overrides)
        return services.complaint_register(**arguments)

    return _register


def open_task(complaint: Complaint, element_id: str) -> HumanTask:
    return selectors.open_task(complaint, element_id)


def reload(complaint: Complaint) -> Complaint:
    return Complaint.objects.get(pk=complaint.pk)


@pytest.fixture
def handling(people, register):
    """A complaint accepted by branch A's officer and given to themself to handle."""
    complaint = register()
    services.complaint_accept(complaint=complaint, actor=people.officer_a, now=NOW)
    return services.complaint_assign(complaint=complaint, actor=people.officer_a, now=NOW)


def classify(complaint, actor, codes, *, now=NOW):
    return services.complaint_classify(
        complaint=complaint,
        actor=actor,
        business_category=codes["L05"],
        cause_category=codes["C0101"],
        demand_category=codes["D01"],
        now=now,
    )


def decide(complaint, actor, *, now=NOW):
    return services.complaint_decide(
        complaint=complaint,
        actor=actor,
        decision="经核实销售过程存在夸大收益表述，同意全额退保。",
        reply_method="电话",
        remedies_told=True,
        now=now,
    )


def close_through(complaint, people, codes, *, root_cause="R01", now=NOW) -> Complaint:
    """From handling to closed: classified, decided, the complainant satisfied, visited back, closed."""
    officer = complaint.handler or people.officer_a
    classify(complaint, officer, codes, now=now)
    decide(complaint, officer, now=now)
    services.complaint_record_response(complaint=complaint, actor=officer, satisfied=True, reexamine=False, now=now)
    services.complaint_revisit(complaint=complaint, actor=officer, result="投诉人表示满意。", now=now)
    return services.complaint_close(complaint=complaint, actor=officer, root_cause=codes[root_cause], now=now)
