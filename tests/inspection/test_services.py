"""Intake, scanning jobs, deciding findings and the loop into work orders; refusals by code."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.inspection.conftest import NOW, record
from xiaobao.core import hooks
from xiaobao.core.api_errors import BusinessRuleError
from xiaobao.inspection import decisions, error_codes, scanning, services
from xiaobao.inspection.models import Finding, Interaction, ScanJob
from xiaobao.workorders.models import WorkOrder

PROMISE = [("customer", "这个产品收益怎么样？"), ("agent", "放心，这款保本保息，比存款划算。")]
CLEAN = [("customer", "我想查一下保单。"), ("agent", "好的，请稍等，我为您查询。")]


def test_a_batch_sent_twice_is_stored_once(ingest, agent_a):
    first = ingest(record("S1", CLEAN), record("S2", PROMISE))
    again = ingest(record("S1", CLEAN), record("S2", PROMISE))
    assert (first.created, first.duplicates) == (2, 0)
    assert (again.created, again.duplicates) == (0, 2)
    assert Interaction.objects.count() == 2


def test_a_bad_record_is_reported_and_does_not_stop_the_others(ingest, agent_a):
    bad = record("S3", CLEAN, kind="fax")
    no_turns = record("S4", [])
    batch = ingest(record("S1", CLEAN), bad, no_turns)
    assert (batch.created, batch.errors) == (1, 2)
    statuses = {line["source_id"]: line["status"] for line in batch.report}
    assert statuses == {"S1": "created", "S3": "error", "S4": "error"}


def test_interactions_link_to_agent_and_unit(ingest, agent_a, cast):
    ingest(record("S1", CLEAN, product_code="P01", complaint_number="TS2025000001"))
    interaction = Interaction.objects.get()
    assert interaction.agent == agent_a
    assert interaction.org_unit == cast.branch_a
    assert interaction.complaint_number == "TS2025000001"


def test_personal_data_is_stored_encrypted_and_shown_masked(ingest, agent_a):
    from django.db import connection

    text = "您的身份证110101199003071234，卡号6222021234567890123，手机13812345678。"
    ingest(record("S1", [("agent", text)]))
    interaction = Interaction.objects.get()
    assert interaction.personal_data == {"id_number": 1, "bank_card": 1, "phone": 1}
    masked = interaction.masked_turns[0]["text"]
    assert "110101199003071234" not in masked and "13812345678" not in masked
    assert len(masked) == len(text)
    with connection.cursor() as cursor:
        cursor.execute("SELECT turns FROM inspection_interaction")
        stored = cursor.fetchone()[0]
    assert "110101199003071234" not in stored
    assert json.loads(interaction.turns)[0]["text"] == text


def test_an_agent_outside_the_uploaders_scope_is_refused_per_row(cast, agent_b):
    from tests.helpers import make_user

    branch_inspector = make_user("insp_a", cast.branch_a, "inspector")
    branch_inspector.groups.clear()
    from xiaobao.core.models import Role

    role = Role.objects.get(code="inspector")
    role.scope = Role.Scope.SUBTREE
    role.save()
    branch_inspector.groups.add(role.group)
    batch = services.interactions_ingest(
        actor=branch_inspector, records=[record("S9", CLEAN, agent="agent_b")], now=NOW
    )
    assert batch.errors == 1 and Interaction.objects.count() == 0


def test_intake_needs_the_permission(cast):
    with pytest.raises(BusinessRuleError) as refused:
        services.interactions_ingest(actor=cast.officer_a, records=[record("S1", CLEAN)], now=NOW)
    assert refused.value.error_code == error_codes.NOT_ALLOWED


def test_a_file_of_turn_rows_becomes_interactions(inspector, agent_a):
    lines = ["source_id,kind,channel,purpose,agent,started_at,speaker,start,end,text"]
    lines += [
        "F1,call,hotline,service,agent_a,2025-03-01T10:00:00+08:00,客户,0,3,你好",
        "F1,call,hotline,service,agent_a,2025-03-01T10:00:00+08:00,坐席,3,6,这个稳赚不赔",
        "F2,chat,online,service,agent_a,2025-03-01T11:00:00+08:00,外星人,0,3,你好",
    ]
    upload = SimpleUploadedFile("calls.csv", "\n".join(lines).encode("utf-8"), content_type="text/csv")
    batch = services.interactions_ingest_file(actor=inspector, upload=upload, now=NOW)
    assert (batch.created, batch.errors) == (1, 1)
    assert [t["speaker"] for t in Interaction.objects.get().masked_turns] == ["customer", "agent"]


def test_a_file_that_is_not_jsonl_csv_or_excel_is_refused(inspector):
    upload = SimpleUploadedFile("calls.txt", b"hello", content_type="text/plain")
    with pytest.raises(BusinessRuleError) as refused:
        services.interactions_ingest_file(actor=inspector, upload=upload, now=NOW)
    assert refused.value.error_code == error_codes.BAD_FILE


def test_the_scan_job_finds_violations_and_runs_twice_without_duplicates(ingest, agent_a):
    ingest(record("S1", PROMISE), record("S2", CLEAN))
    codes = set(Finding.objects.values_list("rule__code", flat=True))
    assert codes == {"SALES-GUARANTEE", "DEPOSIT-COMPARE"}
    job = ScanJob.objects.get()
    assert (job.status, job.processed, job.total) == ("done", 2, 2)
    ScanJob.objects.filter(pk=job.pk).update(status="queued", cursor=0, processed=0)
    scanning.scan_job_run(job_id=job.pk, now=NOW)
    assert Finding.objects.count() == 2
    assert Interaction.objects.filter(scanned_at__isnull=True).count() == 0


def test_publishing_a_new_version_and_rescanning_withdraws_what_it_no_longer_hits(ingest, agent_a, inspector):
    from xiaobao.inspection.models import Rule

    ingest(record("S1", PROMISE))
    rule = Rule.objects.get(code="DEPOSIT-COMPARE")
    definition = dict(rule.current.definition, phrases=["跟存款一样"])
    draft = services.rule_draft_save(actor=inspector, rule=rule, definition=definition, now=NOW)
    services.rule_publish(actor=inspector, version=draft, now=NOW)
    job = services.rescan_request(actor=inspector, date_from=NOW.date().replace(day=1), date_to=NOW.date(), now=NOW)
    scanning.scan_job_run(job_id=job.pk, now=NOW)
    finding = Finding.objects.get(rule=rule)
    assert finding.status == Finding.Status.WITHDRAWN
    with pytest.raises(BusinessRuleError) as refused:
        services.rule_publish(actor=inspector, version=draft, now=NOW)
    assert refused.value.error_code == error_codes.NOT_DRAFT


def test_a_bad_definition_is_refused_with_its_field(inspector):
    from xiaobao.inspection.models import Rule

    rule = Rule.objects.get(code="PROMISE-RETURN")
    with pytest.raises(BusinessRuleError) as refused:
        services.rule_draft_save(
            actor=inspector, rule=rule, definition={"first": ["保证"], "second": [], "window": 500}
        )
    assert refused.value.error_code == error_codes.BAD_DEFINITION
    assert set(refused.value.fields) >= {"second", "window"}


def test_the_test_box_shows_hits_before_publishing():
    hits = services.rule_preview(
        kind="proximity",
        definition={"first": ["保证"], "second": ["收益"], "window": 4},
        text="客户：收益怎么样\n坐席：我保证收益很高\n坐席：我不保证收益",
    )
    assert [(h["speaker"], h["match"]) for h in hits] == [("agent", "保证收益")]


def test_confirming_opens_a_rectification_order_to_the_agents_unit(ingest, agent_a, inspector, cast):
    ingest(record("S1", PROMISE))
    finding = Finding.objects.get(rule__code="SALES-GUARANTEE")
    confirmed = decisions.finding_confirm(finding=finding, actor=inspector, now=NOW)
    order = WorkOrder.objects.get(pk=confirmed.workorder_id)
    assert order.kind == WorkOrder.Kind.RECTIFICATION
    assert order.org_unit == cast.branch_a
    assert confirmed.training == {"state": "pending", "rule": "SALES-GUARANTEE"}
    with pytest.raises(BusinessRuleError) as refused:
        decisions.finding_confirm(finding=finding, actor=inspector, now=NOW)
    assert refused.value.error_code == error_codes.NOT_OPEN


def test_training_is_assigned_when_the_training_module_answers(ingest, agent_a, inspector):
    ingest(record("S1", PROMISE))
    finding = Finding.objects.filter(rule__code="SALES-GUARANTEE").get()

    def receiver(sender, agent, **kwargs):
        return {"id": 7, "label": f"销售合规课程 · {agent.username}"}

    hooks.targeted_training_requested.connect(receiver, dispatch_uid="test-training")
    try:
        confirmed = decisions.finding_confirm(finding=finding, actor=inspector, now=NOW)
    finally:
        hooks.targeted_training_requested.disconnect(dispatch_uid="test-training")
    assert confirmed.training == {"state": "assigned", "id": 7, "label": "销售合规课程 · agent_a"}


def test_an_unlogged_complaint_asks_for_a_complaint_draft(ingest, agent_a, inspector):
    ingest(record("S1", [("customer", "我要投诉你们的理赔速度。"), ("agent", "好的。")]))
    finding = Finding.objects.get(rule__code="COMPLAINT-UNLOGGED")
    seen = {}

    def receiver(sender, draft, **kwargs):
        seen.update(draft)
        return {"id": 3, "number": "TS2025000003"}

    hooks.complaint_draft_requested.connect(receiver, dispatch_uid="test-complaint")
    try:
        confirmed = decisions.finding_confirm(finding=finding, actor=inspector, now=NOW)
    finally:
        hooks.complaint_draft_requested.disconnect(dispatch_uid="test-complaint")
    assert confirmed.complaint_draft["state"] == "opened"
    assert seen["channel"] == "hotline" and "我要投诉" in seen["summary"]


def test_the_third_confirmed_finding_in_the_window_escalates(ingest, agent_a, inspector):
    ingest(*[record(f"S{i}", [("agent", "这款产品稳赚不赔。")]) for i in range(3)])
    results = [decisions.finding_confirm(finding=f, actor=inspector, now=NOW) for f in Finding.objects.order_by("pk")]
    orders = WorkOrder.objects.filter(pk__in=[f.workorder_id for f in results]).order_by("pk")
    assert [o.priority for o in orders] == ["high", "high", "urgent"]
    assert results[-1].repeat_count == 3


def test_dismissing_keeps_the_reason_and_needs_one(ingest, agent_a, inspector):
    ingest(record("S1", PROMISE))
    finding = Finding.objects.filter(rule__code="DEPOSIT-COMPARE").get()
    with pytest.raises(BusinessRuleError) as refused:
        decisions.finding_dismiss(finding=finding, actor=inspector, reason=" ", now=NOW)
    assert refused.value.error_code == error_codes.REASON_REQUIRED
    dismissed = decisions.finding_dismiss(finding=finding, actor=inspector, reason="客户原话转述", now=NOW)
    assert (dismissed.status, dismissed.reason) == (Finding.Status.DISMISSED, "客户原话转述")


def test_only_the_agent_concerned_may_contest(ingest, agent_a, agent_b, inspector):
    ingest(record("S1", PROMISE))
    finding = Finding.objects.filter(rule__code="DEPOSIT-COMPARE").get()
    with pytest.raises(BusinessRuleError) as refused:
        decisions.finding_contest(finding=finding, actor=agent_b, reason="不是我", now=NOW)
    assert refused.value.error_code == error_codes.NOT_OWN_FINDING
    contested = decisions.finding_contest(finding=finding, actor=agent_a, reason="客户先说的", now=NOW)
    assert contested.status == Finding.Status.CONTESTED


def test_a_reviewer_outside_scope_cannot_decide(ingest, agent_a, cast):
    from tests.helpers import make_user
    from xiaobao.core.models import Role

    ingest(record("S1", PROMISE))
    role = Role.objects.get(code="inspector")
    role.scope = Role.Scope.SUBTREE
    role.save()
    branch_b_inspector = make_user("insp_b", cast.branch_b, "inspector")
    finding = Finding.objects.first()
    with pytest.raises(BusinessRuleError) as refused:
        decisions.finding_confirm(finding=finding, actor=branch_b_inspector, now=NOW)
    assert refused.value.error_code == error_codes.NOT_ALLOWED


def test_a_closed_rectification_order_marks_the_finding_rectified(ingest, agent_a, inspector):
    ingest(record("S1", PROMISE))
    finding = decisions.finding_confirm(finding=Finding.objects.first(), actor=inspector, now=NOW)
    assert decisions.rectifications_sync(now=NOW) == 0
    WorkOrder.objects.filter(pk=finding.workorder_id).update(status=WorkOrder.Status.CLOSED, closed_at=NOW)
    assert decisions.rectifications_sync(now=NOW) == 1
    finding.refresh_from_db()
    assert finding.status == Finding.Status.RECTIFIED


def test_sampling_draws_per_agent_and_scores_against_the_robot(ingest, agent_a, agent_b, inspector):
    from xiaobao.inspection.models import ScoreSheet

    ingest(record("S1", PROMISE), record("S2", CLEAN), record("S3", CLEAN, agent="agent_b"))
    sheet = ScoreSheet.objects.get(code="service-call")
    drawn = services.sample_draw(
        actor=inspector, date_from=NOW.date().replace(day=1), date_to=NOW.date(), per_agent=5, sheet=sheet, seed=1
    )
    assert sorted(r.agent.username for r in drawn) == ["agent_a", "agent_a", "agent_b"]
    review = next(r for r in drawn if r.interaction.source_id == "S1")
    scores = {item["code"]: {"passed": item["code"] not in ("guarantee", "deposit")} for item in sheet.items}
    scored = services.review_score(actor=inspector, review=review, scores=scores, now=NOW)
    assert scored.total == 75
    assert scored.robot["guarantee"] is True and scored.robot["respect"] is False
    with pytest.raises(BusinessRuleError) as refused:
        services.sample_draw(
            actor=inspector, date_from=NOW.date().replace(day=1), date_to=NOW.date(), per_agent=5, sheet=sheet
        )
    assert refused.value.error_code == error_codes.NO_SAMPLE
