"""The demo loaded in a year's first weeks (issue 23): the current year has just begun, so the last quarterly
报送 — the one a branch refused once and head office resent — is the complete year's October one, and the year's
自查 and the next year's plan are the complete year's own, told once.

Loads only what the work-order demo stands on (the org tree and users), on a reference day in early January, in
its own package: tests/demo's package-wide load (today's story) must not be in the database.
"""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from django.utils import timezone

from xiaobao.demo import core as core_demo
from xiaobao.demo import workorders as workorders_demo
from xiaobao.demo.core import COMPLETE_YEAR, demo_clock
from xiaobao.workflow.models import HumanTask
from xiaobao.workorders.models import WorkOrder


def load_on(day: date) -> datetime:
    reference = timezone.make_aware(datetime.combine(day, time(0, 0)))
    with demo_clock(reference):
        core_demo.load()
        workorders_demo.load(now=reference)
    return reference


@pytest.mark.parametrize("day", [date(COMPLETE_YEAR + 1, 1, 6), date(COMPLETE_YEAR + 1, 1, 23)])
def test_a_load_in_january_still_has_a_refused_and_resent_quarterly_order(db, day):
    reference = load_on(day)
    resent = HumanTask.objects.filter(element_id="refused", status=HumanTask.Status.COMPLETED, data__resend=True)
    order = WorkOrder.objects.get(pk=int(resent.get().instance.object_id))
    assert order.kind == WorkOrder.Kind.SUBMISSION
    assert order.title.startswith(f"{COMPLETE_YEAR}年第三季度"), "the October 报送 reports the third quarter"
    assert order.org_unit.code == "HB"
    assert order.status == WorkOrder.Status.CLOSED
    # one 自查 and one plan 报送 of the complete year, not a second pair dated back into it
    own = WorkOrder.objects.filter(is_batch=True, source_type__isnull=True)
    assert own.filter(title=f"{COMPLETE_YEAR}年度消费者权益保护工作自查").count() == 1
    assert own.filter(title=f"报送{COMPLETE_YEAR + 1}年度消费者权益保护工作计划").count() == 1
    assert not own.filter(title=f"报送{COMPLETE_YEAR + 2}年度消费者权益保护工作计划").exists()
    # the year in progress still has work in it: open, supervised and refused orders
    assert WorkOrder.objects.filter(supervision__gt=0).exclude(status="closed").exists()
    assert WorkOrder.objects.filter(status=WorkOrder.Status.REFUSED).exists()
    assert not WorkOrder.objects.filter(created_at__gt=reference).exists()
