"""The inspection demo: thousands of transcripts across channels, the shipped rules, findings in every state,
one rectification closed. The demo is loaded once for the package (tests/demo/conftest.py) and rolled back."""

from __future__ import annotations

import pytest
from django.conf import settings

from xiaobao.demo import inspection as demo
from xiaobao.inspection.models import Finding, Interaction, ManualReview
from xiaobao.workorders.models import WorkOrder


@pytest.fixture
def data(demo_output, db):
    return demo_output


def test_the_shipped_demo_has_thousands_of_transcripts_and_the_tests_load_the_configured_number(data):
    # `make demo` loads COUNT; the suite (XIAOBAO_TESTING) loads fewer to stay in its time budget
    assert demo.COUNT >= 2000
    assert Interaction.objects.count() == settings.INSPECTION_DEMO_TRANSCRIPTS


def test_every_transcript_across_kinds_and_channels_is_scanned(data):
    assert Interaction.objects.filter(scanned_at__isnull=True).count() == 0
    assert set(Interaction.objects.values_list("kind", flat=True)) == {"call", "chat", "video", "dual_recording"}
    assert Interaction.objects.values("channel").distinct().count() >= 6
    years = {d.year for d in Interaction.objects.dates("started_at", "year")}
    assert {2025} <= years and len(years) >= 2


def test_findings_in_every_state_and_one_rectification_closed(data):
    states = set(Finding.objects.values_list("status", flat=True))
    assert states >= {"open", "confirmed", "dismissed", "escalated", "contested", "rectified"}
    rectified = Finding.objects.get(status="rectified")
    assert WorkOrder.objects.get(pk=rectified.workorder_id).status == WorkOrder.Status.CLOSED
    assert (
        Finding.objects.filter(status="dismissed").exclude(reason="").count()
        == Finding.objects.filter(status="dismissed").count()
    )


def test_clean_interactions_outnumber_violating_ones(data):
    violating = Interaction.objects.filter(finding_count__gt=0).count()
    assert 0 < violating < Interaction.objects.count() / 2


def test_personal_data_never_reaches_the_masked_copy(data):
    with_pii = Interaction.objects.exclude(personal_data={}).first()
    assert with_pii is not None
    for turn in with_pii.masked_turns:
        assert "*" in turn["text"] or not any(ch.isdigit() for ch in turn["text"][-14:])


def test_samples_are_drawn_and_some_scored(data):
    assert ManualReview.objects.filter(status="done").exists()
    assert ManualReview.objects.filter(status="pending").exists()


def test_outbound_revisits_hold_every_state_a_week_of_robot_calls_leaves(data):
    from xiaobao.demo.core import reference_moment
    from xiaobao.inspection.models import CallTask, OutboundBatch

    policies = CallTask.objects.filter(purpose=CallTask.Purpose.POLICY_REVISIT)
    assert policies.count() >= 40
    assert set(policies.values_list("org_unit__code", flat=True)) == {"TJ", "BJ", "HB"}
    states = set(policies.values_list("status", flat=True))
    # reached and written, refused, waiting for a retry, handed to a person, not yet called
    assert states >= {"reached", "refused", "retry", "failed", "waiting"}
    reached = policies.filter(status="reached")
    assert reached.exclude(result_note="").exists()
    # the complaints at their 回访 step were listed and not reached: their 回访 step stays open
    assert CallTask.objects.filter(purpose=CallTask.Purpose.COMPLAINT_REVISIT).exclude(status="reached").exists()
    assert not CallTask.objects.filter(purpose=CallTask.Purpose.COMPLAINT_REVISIT, status="reached").exists()
    # lists and results files, each at its own time in the week before the load, never at the load's
    batches = OutboundBatch.objects.all()
    assert {"list", "results"} <= set(batches.values_list("direction", flat=True))
    reference = reference_moment()
    for batch in batches:
        assert batch.created_at < reference
    for task in policies.exclude(answered_at=None):
        assert task.answered_at < reference and task.answered_at >= task.created_at
