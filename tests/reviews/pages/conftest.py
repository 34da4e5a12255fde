"""Shared by the review page tests (tests/reviews/pages/): a signed-in client per user, the action routes,
the files a review carries, the submit form's body, and helpers that read a page's forms and count what a
refusal must not write.

People (tests/reviews/conftest.py): clerk and colleague (HQ 个人业务部), other_clerk (HQ 团体业务部),
branch_clerk (北京分公司), reviewer / reviewer2, member (消保委员会), hq_admin (消保部).
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.helpers import version_on  # noqa: F401 (the page modules import it from here)
from tests.reviews.conftest import PRODUCT_DATA
from xiaobao.core.models import Attachment
from xiaobao.reviews import services
from xiaobao.reviews.models import Objection, Opinion, Review
from xiaobao.workflow.models import ProcessInstance
from xiaobao.workorders.models import WorkOrder

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64 + b"This program cannot be run."
TEXT = "修改后的条款：责任免除部分已加粗。\n".encode()

# url name → a plausible POST body (each is a real route: reverse() fails loudly on a typo)
ACTIONS = {
    "assign": {"reviewer": "0", "urgency": "normal", "due_days": "5"},
    "return": {"reason": "缺少条款"},
    "resubmit": {},
    "withdraw": {"reason": "产品取消"},
    "checklist": {},
    "opinion-add": {"kind": "general", "location": "第一条", "risk": "r", "suggestion": "s"},
    "issue": {"conclusion": "同意"},
    "respond": {},
    "refresh-verification": {},
}
DEPARTMENT_ACTIONS = {"resubmit", "withdraw", "respond", "refresh-verification"}


@pytest.fixture
def as_user():
    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


def pdf(name: str = "产品条款.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def submit_data(**overrides) -> dict:
    data = {
        "title": "颐享年年养老年金保险上市审查",
        "product_name": "颐享年年养老年金保险",
        "planned_launch": "",
        "urgency": "normal",
        **{f"data_{key}": value for key, value in PRODUCT_DATA.items()},
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def counts() -> tuple[int, ...]:
    return (
        Review.objects.count(),
        Opinion.objects.count(),
        Objection.objects.count(),
        Attachment.objects.count(),
        ProcessInstance.objects.count(),
        WorkOrder.objects.count(),
    )


def all_pass(review: Review) -> dict:
    return {f"result_{item['id']}": "pass" for item in review.form_version.checklist}


def referred(people, issued):
    """A review whose first opinion the department rejected, upheld on re-review: before the committee."""
    review, (first, second) = issued()
    services.review_respond(
        review=review,
        actor=people.clerk,
        responses={first.pk: {"response": "rejected", "reason": "监管未要求加粗。"}, second.pk: "adopted"},
    )
    services.objection_rereview(objection=first.objection, actor=people.hq_admin, upheld=True, note="维持意见。")
    return review, first.objection
