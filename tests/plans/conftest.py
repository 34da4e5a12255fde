"""Shared fixtures for the plan tests: a fixed clock and helpers that take a plan along its lifecycle.

`new_plan(...)`: HQ admin drafts the 2025 3·15 campaign (2025-03-01 … 2025-04-30) with one task to
branches A and B, due 2025-03-31. `running_plan`: the same, submitted, approved and issued at NOW
(2025-03-03 09:00, a Monday). Activities in tests are dated before NOW + a few days via `later`.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest
from django.utils import timezone

from xiaobao.plans import services
from xiaobao.plans.models import Plan


def at(*args) -> datetime:
    """An aware moment in Asia/Shanghai (2025-03-03 is a Monday)."""
    return timezone.make_aware(datetime(*args))


NOW = at(2025, 3, 3, 9, 0)
LATER = at(2025, 3, 20, 9, 0)  # when activities held in March are recorded


@pytest.fixture
def new_plan(cast):
    """new_plan(units=None, **overrides) -> a draft plan with one task to `units` (default A and B)."""

    def _new(*, units=None, task: dict | None = None, actor=None, **overrides) -> Plan:
        arguments = {
            "actor": actor or cast.hq_admin,
            "name": "2025年“3·15”消费者权益保护教育宣传周活动方案",
            "kind": Plan.Kind.CAMPAIGN,
            "period_start": date(2025, 3, 1),
            "period_end": date(2025, 4, 30),
            "description": "围绕“共筑诚信金融 守护美好生活”主题开展集中宣传。",
            "budget": "50000.00",
            "now": NOW,
        }
        arguments.update(overrides)
        plan = services.plan_create(**arguments)
        services.task_add(
            actor=arguments["actor"],
            plan=plan,
            data=task
            or {"title": "开展“五进入”集中宣传", "expected_output": "活动台账与照片", "due_on": date(2025, 3, 31)},
            units=[cast.branch_a, cast.branch_b] if units is None else units,
            now=NOW,
        )
        return plan

    return _new


@pytest.fixture
def running_plan(cast, new_plan):
    """A campaign plan issued at NOW: one task, a batch work order to branches A and B."""
    plan = new_plan()
    services.plan_submit(actor=cast.hq_admin, plan=plan, now=NOW)
    services.plan_approve(actor=cast.hq_admin, plan=plan, now=NOW)
    services.plan_issue(actor=cast.hq_admin, plan=plan, now=NOW)
    plan.refresh_from_db()
    return plan
