"""Inspection fixtures: the cast plus an inspector and two agents, and a helper that ingests interactions."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.utils import timezone

from tests.helpers import make_user
from xiaobao.inspection import services


def at(*args) -> datetime:
    return timezone.make_aware(datetime(*args))


NOW = at(2025, 3, 3, 9, 0)


@pytest.fixture
def inspector(cast):
    return make_user("inspector", cast.hq, "inspector", "吴刚")


@pytest.fixture
def agent_a(cast):
    return make_user("agent_a", cast.branch_a, "agent", "周敏")


@pytest.fixture
def agent_b(cast):
    return make_user("agent_b", cast.branch_b, "agent", "孙强")


def record(source_id: str, turns: list[tuple[str, str]], **overrides) -> dict:
    data = {
        "source_system": "cc",
        "source_id": source_id,
        "kind": "call",
        "channel": "hotline",
        "purpose": "service",
        "agent": "agent_a",
        "started_at": "2025-03-01T10:00:00+08:00",
        "turns": [
            {"speaker": speaker, "start": i * 5.0, "end": i * 5.0 + 4, "text": text}
            for i, (speaker, text) in enumerate(turns)
        ],
    }
    data.update(overrides)
    return data


@pytest.fixture
def ingest(inspector):
    """ingest(*records): store and scan them at NOW; returns the batch."""
    from xiaobao.inspection import scanning

    def _ingest(*records, actor=None):
        batch = services.interactions_ingest(actor=actor or inspector, records=list(records), now=NOW)
        for job_id in scanning.scan_jobs_waiting(now=NOW):
            scanning.scan_job_run(job_id=job_id, now=NOW)
        return batch

    return _ingest
