"""Targeted training through `core.hooks.targeted_training_requested`: a confirmed inspection finding (the real
inspection service) or a complaint's root cause assigns the mapped course to the person concerned."""

from __future__ import annotations

import pytest
from django.utils import timezone

from tests.inspection.conftest import NOW as INSPECTION_NOW
from tests.inspection.conftest import agent_a, ingest, inspector, record  # noqa: F401 - fixtures
from tests.training.conftest import NOW, add_staff
from xiaobao.core import hooks
from xiaobao.inspection import decisions
from xiaobao.inspection.models import Finding
from xiaobao.training import services
from xiaobao.training.models import TargetedTrainingRule, TrainingAssignment
from xiaobao.workorders.models import WorkOrder

PROMISE = [("customer", "这个产品收益怎么样？"), ("agent", "放心，这款保本保息，比存款划算。")]


@pytest.fixture
def course(cast):
    return services.course_create(
        actor=cast.hq_admin, title="销售合规与如实告知", year=2025, audiences=[("all_staff", "", False)], now=NOW
    )


@pytest.fixture
def rule(course):
    return TargetedTrainingRule.objects.create(source="inspection", code="SALES-GUARANTEE", course=course, due_days=20)


def _confirm(ingest, inspector):  # noqa: F811
    ingest(record("S1", PROMISE))
    finding = Finding.objects.get(rule__code="SALES-GUARANTEE")
    return decisions.finding_confirm(finding=finding, actor=inspector, now=INSPECTION_NOW)


def test_a_confirmed_finding_assigns_the_mapped_course_to_the_agent(cast, ingest, agent_a, inspector, rule):  # noqa: F811
    staff = add_staff(cast.branch_a, "A0100", "周敏", user=agent_a)
    confirmed = _confirm(ingest, inspector)
    assignment = TrainingAssignment.objects.get(staff=staff)
    assert confirmed.training["state"] == "assigned" and confirmed.training["id"] == assignment.pk
    assert assignment.course == rule.course and assignment.source_key == f"inspection.finding:{confirmed.pk}"
    assert assignment.status == TrainingAssignment.Status.OPEN
    order = WorkOrder.objects.get(pk=assignment.workorder_id)
    assert order.org_unit == cast.branch_a and "A0100" in order.content


def test_without_a_rule_the_request_stays_pending(cast, ingest, agent_a, inspector, course):  # noqa: F811
    add_staff(cast.branch_a, "A0100", "周敏", user=agent_a)
    confirmed = _confirm(ingest, inspector)
    assert confirmed.training["state"] == "pending"
    assert not TrainingAssignment.objects.exists()


def test_an_inactive_rule_or_an_agent_not_on_the_roster_is_declined(cast, ingest, agent_a, inspector, rule):  # noqa: F811
    confirmed = _confirm(ingest, inspector)  # agent_a has no roster entry
    assert confirmed.training["state"] == "pending"
    rule.is_active = False
    rule.save()
    staff = add_staff(cast.branch_a, "A0100", "周敏", user=agent_a)
    answer = hooks.first_answer(
        hooks.targeted_training_requested.send(
            sender=Finding, agent=agent_a, reason="x", rule_code=rule.code, source=confirmed, due_date=None, actor=None
        )
    )
    assert answer is None and not TrainingAssignment.objects.filter(staff=staff).exists()


def test_asking_twice_for_the_same_source_assigns_once(cast, agent_a, rule, inspector):  # noqa: F811
    add_staff(cast.branch_a, "A0100", "周敏", user=agent_a)
    source = cast.branch_a  # any saved object stands for the source

    def ask():
        return hooks.first_answer(
            hooks.targeted_training_requested.send(
                sender=Finding, agent=agent_a, reason="承诺收益", rule_code=rule.code, source=source, actor=inspector
            )
        )

    first, second = ask(), ask()
    assert first["id"] == second["id"]
    assert TrainingAssignment.objects.count() == 1
    assert WorkOrder.objects.filter(pk=TrainingAssignment.objects.get().workorder_id).count() == 1


def test_a_complaint_root_cause_maps_through_its_own_rules(cast, agent_a, course):  # noqa: F811
    """The complaints module asks with sender Complaint: only rules of that source answer it."""
    from xiaobao.complaints.models import Complaint

    staff = add_staff(cast.branch_a, "A0100", "周敏", user=agent_a)
    TargetedTrainingRule.objects.create(source="inspection", code="SALES", course=course)

    def ask():
        return hooks.first_answer(
            hooks.targeted_training_requested.send(
                sender=Complaint, agent=agent_a, reason="销售误导", rule_code="SALES", source=cast.sub_a, actor=None
            )
        )

    assert ask() is None
    TargetedTrainingRule.objects.create(source="complaints", code="SALES", course=course, due_days=15)
    answer = ask()
    assignment = TrainingAssignment.objects.get(pk=answer["id"])
    assert assignment.staff == staff and (assignment.due_on - timezone.localdate(assignment.assigned_at)).days == 15
