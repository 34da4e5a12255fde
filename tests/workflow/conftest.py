from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from django.utils import timezone

from tests.helpers import make_user
from xiaobao.workflow import services

BPMN_DIR = Path(__file__).parent / "bpmn"


def bpmn_bytes(name: str) -> bytes:
    return (BPMN_DIR / name).read_bytes()


def at(*args) -> datetime:
    """An aware moment in Asia/Shanghai (2025-03-03 is a Monday)."""
    return timezone.make_aware(datetime(*args))


@pytest.fixture
def deploy(db):
    def _deploy(name: str):
        return services.deploy(content=bpmn_bytes(name), source=f"tests/{name}")

    return _deploy


@pytest.fixture
def applicant(cast):
    """The business object of most tests: a person in 朝阳支公司 (a user row has an org unit)."""
    return make_user("applicant", cast.sub_a, None, "王客户")


@pytest.fixture
def reviewer(cast):
    return make_user("reviewer_hq", cast.hq, "reviewer", "审查员甲")
