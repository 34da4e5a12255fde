"""Shared by the work order page tests (tests/workorders/pages/): a signed-in client per user, the action
routes, the files an order's feedback carries, an order for branch A, and the issue form's body.

The cast (tests/helpers.py): hq_admin (HQ), officer_a (branch A 北京), officer_b (branch B 河北),
manager (read-only, HQ), outsider (no role, branch A).
"""

from __future__ import annotations

import struct
import zlib

import pytest
from django.test import Client

from tests.helpers import version_on  # noqa: F401 (the page modules import it from here)
from xiaobao.workorders.models import WorkOrder

# url name → a plausible POST body (each is a real route: reverse() fails loudly on a typo)
ACTIONS = {
    "accept": {},
    "refuse": {"reason": "不属于本机构"},
    "resolve-refusal": {"resend": "1", "comment": "请办理"},
    "feedback": {"text": "已完成自查"},
    "review": {"approved": "1", "comment": ""},
    "cancel": {"reason": "下错了"},
}


def png_bytes() -> bytes:
    """A real 1×1 PNG (signature, IHDR, IDAT, IEND with their CRCs)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + chunk(b"IEND", b"")
    )


PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
# A Windows executable's header: "MZ", then binary (NUL bytes) — whatever the file is called.
EXE = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
    + b"\x00" * 64
    + b"This program cannot be run in DOS mode."
)


@pytest.fixture
def as_user():
    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def order_a(issue):
    """A single 自查 order from HQ to branch A, waiting to be accepted."""
    return issue()


def issue_data(cast, **overrides) -> dict:
    data = {
        "title": "2025年消保自查",
        "kind": WorkOrder.Kind.SELF_CHECK,
        "priority": WorkOrder.Priority.NORMAL,
        "content": "请按自查清单开展自查并报送报告。",
        "recipient_units": [cast.branch_a.pk],
        "due_days": "10",
        "day_unit": WorkOrder.DayUnit.WORKING,
        "due_date": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}
