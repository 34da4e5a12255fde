"""Shared fixtures for the work-order tests: a fixed clock and a helper that issues orders."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.utils import timezone

from xiaobao.workorders import services
from xiaobao.workorders.models import WorkOrder


def at(*args) -> datetime:
    """An aware moment in Asia/Shanghai (2025-03-03 is a Monday)."""
    return timezone.make_aware(datetime(*args))


NOW = at(2025, 3, 3, 9, 0)


@pytest.fixture
def issue(cast):
    """issue(**overrides): HQ admin issues a 自查 order to branch A (5 working days) at NOW."""

    def _issue(**overrides) -> WorkOrder:
        arguments = {
            "actor": cast.hq_admin,
            "title": "2025年消保自查",
            "kind": WorkOrder.Kind.SELF_CHECK,
            "content": "请按自查清单开展自查并报送报告。",
            "recipient_units": [cast.branch_a],
            "due_days": 5,
            "now": NOW,
        }
        arguments.update(overrides)
        return services.workorder_issue(**arguments)

    return _issue
