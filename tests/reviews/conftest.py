"""Shared fixtures for the review tests: the cast of issue 6 on top of the fixed cast, a fixed clock,
and helpers that move a review along its process.

People: clerk (业务部门经办, HQ, 个人业务部), colleague (same unit and department), other_clerk (HQ,
团体业务部), branch_clerk (北京分公司, 个人业务部), reviewer and reviewer2 (审查员), member (消保委员会委员);
hq_admin (消保部) comes from the fixed cast.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pytest
from django.utils import timezone

from tests.helpers import make_user
from xiaobao.core.models import User
from xiaobao.reviews import services
from xiaobao.reviews.models import FormType, Opinion, Review


def at(*args) -> datetime:
    """An aware moment in Asia/Shanghai (2025-03-03 is a Monday)."""
    return timezone.make_aware(datetime(*args))


NOW = at(2025, 3, 3, 9, 0)

PRODUCT_DATA = {
    "product_category": "人身保险",
    "background": "为满足客户养老储备需求开发。",
    "target_customers": "30-55 岁有养老规划需求的客户",
    "channels": "个险、银保",
    "risk_level": "R2",
    "change_type": "新产品",
    "cooling_off_days": 15,
    "key_terms": "身故保险金、养老年金；责任免除见条款第七条。",
}


@dataclass
class People:
    clerk: User
    colleague: User
    other_clerk: User
    branch_clerk: User
    reviewer: User
    reviewer2: User
    member: User
    hq_admin: User


def _clerk(username: str, unit, department: str, name: str) -> User:
    user = make_user(username, unit, "dept_clerk", name)
    user.department = department
    user.save(update_fields=["department"])
    return user


@pytest.fixture
def people(cast) -> People:
    return People(
        clerk=_clerk("clerk", cast.hq, "个人业务部", "陈静"),
        colleague=_clerk("colleague", cast.hq, "个人业务部", "王芳"),
        other_clerk=_clerk("other_clerk", cast.hq, "团体业务部", "周强"),
        branch_clerk=_clerk("branch_clerk", cast.branch_a, "个人业务部", "吴敏"),
        reviewer=make_user("reviewer", cast.hq, "reviewer", "赵磊"),
        reviewer2=make_user("reviewer2", cast.hq, "reviewer", "钱蕾"),
        member=make_user("member", cast.hq, "committee_member", "孙丽华"),
        hq_admin=cast.hq_admin,
    )


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def submit(people):
    """submit(**overrides): the clerk files a 产品类 review at NOW."""

    def _submit(**overrides) -> Review:
        arguments = {
            "actor": people.clerk,
            "form_type": "product",
            "title": "颐享年年养老年金保险上市审查",
            "product_name": "颐享年年养老年金保险",
            "data": dict(PRODUCT_DATA),
            "now": NOW,
        }
        arguments.update(overrides)
        return services.review_submit(**arguments)

    return _submit


@pytest.fixture
def assigned(people, submit):
    """A review assigned to the reviewer: normal, 5 working days."""

    def _assigned(**overrides) -> Review:
        review = submit(**overrides)
        return services.review_assign(
            review=review,
            actor=people.hq_admin,
            reviewer=people.reviewer,
            urgency="normal",
            due_days=5,
            now=at(2025, 3, 3, 10, 0),
        )

    return _assigned


def fill_checklist(review: Review, actor: User, result: str = "pass") -> Review:
    items = {item["id"]: {"result": result} for item in review.form_version.checklist}
    return services.review_record_checklist(review=review, actor=actor, results=items, now=at(2025, 3, 4, 9, 0))


@pytest.fixture
def issued(people, assigned):
    """A review with two opinions issued: #1 substantive requiring a change, #2 general."""

    def _issued(**overrides) -> tuple[Review, list[Opinion]]:
        review = assigned(**overrides)
        fill_checklist(review, people.reviewer)
        first = services.opinion_add(
            review=review,
            actor=people.reviewer,
            kind=Opinion.Kind.SUBSTANTIVE,
            location="条款第七条 责任免除",
            risk="免责条款未加粗提示，消费者可能不知晓。",
            suggestion="对责任免除条款加粗并在投保单中单独提示。",
            checklist_item="PRD03",
            requires_change=True,
            now=at(2025, 3, 4, 10, 0),
        )
        second = services.opinion_add(
            review=review,
            actor=people.reviewer,
            kind=Opinion.Kind.GENERAL,
            location="产品说明书 第2页",
            risk="“稳健增值”表述易引起误解。",
            suggestion="改为“保证领取、终身给付”。",
            right="information",
            now=at(2025, 3, 4, 10, 30),
        )
        review = services.review_issue_opinions(
            review=review, actor=people.reviewer, conclusion="修改后同意上线。", now=at(2025, 3, 5, 9, 0)
        )
        return review, [first, second]

    return _issued


def form_type(code: str = "product") -> FormType:
    return FormType.objects.get(code=code)
