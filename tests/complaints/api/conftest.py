"""Shared by the complaint API tests (tests/complaints/api/): a machine client that sends a fresh
Idempotency-Key with each registration, a registration body, a complaint waiting for branch A, one code per
dimension, and the check that a refused registration wrote nothing. Uploads land in a temporary MEDIA_ROOT."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from tests.api_helpers import token_client as shared_token_client
from tests.api_helpers import url as api_url
from tests.complaints.conftest import ID_NUMBER, NOW, PHONE
from xiaobao.complaints.models import Category, Complaint, TaxonomyVersion
from xiaobao.workflow.models import ProcessInstance

LIST = "/api/v1/complaints/"
NAME = "王小明"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def url(pk, action=""):
    return api_url(LIST, pk, action)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


class FeedClient(APIClient):
    """A machine client: sends a fresh Idempotency-Key with each registration, as the API requires, unless the
    test gives its own (or `HTTP_IDEMPOTENCY_KEY=None` to send none)."""

    def post(self, path, data=None, format=None, content_type=None, follow=False, **extra):
        if path == LIST:
            if "HTTP_IDEMPOTENCY_KEY" not in extra:
                extra["HTTP_IDEMPOTENCY_KEY"] = uuid.uuid4().hex
            elif extra["HTTP_IDEMPOTENCY_KEY"] is None:
                del extra["HTTP_IDEMPOTENCY_KEY"]
        return super().post(path, data, format, content_type, follow, **extra)


@pytest.fixture
def token_client():
    """A client signed in with a real API token, as the CC system or a platform feed would be."""
    return lambda user: shared_token_client(user, FeedClient)


def payload(people, **overrides) -> dict:
    body = {
        "channel": "hotline",
        "received_at": NOW.isoformat(),
        "complainant_name": NAME,
        "complainant_id_number": ID_NUMBER,
        "complainant_phone": PHONE,
        "complainant_address": "北京市朝阳区建国路88号",
        "policy_number": "P2025000001",
        "subject": "销售人员承诺保本高收益",
        "content": f"购买年金险时销售人员称保本，联系电话{PHONE}。",
        "demand_text": "要求全额退保",
        "org_unit": people.branch_a.pk,
        "external_ref": "CC20250303001",
    }
    body.update(overrides)
    return body


@pytest.fixture
def complaint(register):
    """Registered by the head-office agent against branch A, waiting for branch A to accept it."""
    now = timezone.now()
    return register(received_at=now - timedelta(hours=1), now=now, complainant_address="北京市朝阳区建国路88号")


@pytest.fixture
def categories(db):
    """One active entry per dimension in the current code table."""
    version = TaxonomyVersion.objects.filter(is_current=True).first() or TaxonomyVersion.objects.create(
        code="T-API", name="接口测试分类", effective_from=timezone.localdate(), is_current=True
    )
    D = Category.Dimension

    def category(dimension, code, name):
        return Category.objects.create(version=version, dimension=dimension, code=f"API{code}", name=name)

    return {
        "business": category(D.BUSINESS, "B1", "人身保险"),
        "cause": category(D.CAUSE, "C1", "销售误导"),
        "demand": category(D.DEMAND, "D1", "退保退费"),
        "root_cause": category(D.ROOT_CAUSE, "R1", "销售行为管理不到位"),
    }


def nothing_written():
    return not Complaint.objects.exists() and not ProcessInstance.objects.exists()
