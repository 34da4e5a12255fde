"""Inspection and complaints through core.hooks: a confirmed unlogged complaint becomes a registered complaint
waiting at the unit's 受理 step; complaints at their 回访 step go on the robot's call list and the robot's answer
completes the step."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile

from tests.complaints import conftest as complaint_fixtures
from tests.inspection.conftest import record
from xiaobao.complaints import services as complaint_services
from xiaobao.complaints.models import Complaint
from xiaobao.inspection import decisions, outbound
from xiaobao.inspection.models import CallTask, Finding

# the complaint tests' people and complaints, used here as they are there
people, register, codes = complaint_fixtures.people, complaint_fixtures.register, complaint_fixtures.codes
NOW, classify, decide = complaint_fixtures.NOW, complaint_fixtures.classify, complaint_fixtures.decide


def test_a_confirmed_unlogged_complaint_is_registered_for_the_unit_to_accept(ingest, agent_a, inspector, cast):
    ingest(record("S1", [("customer", "我要投诉你们的理赔速度。"), ("agent", "好的。")]))
    finding = Finding.objects.get(rule__code="COMPLAINT-UNLOGGED")
    confirmed = decisions.finding_confirm(finding=finding, actor=inspector)
    complaint = Complaint.objects.get(pk=confirmed.complaint_draft["id"])
    assert confirmed.complaint_draft["state"] == "opened"
    assert complaint.status == Complaint.Status.REGISTERED  # the handler confirms it by accepting (受理)
    assert complaint.org_unit == cast.branch_a and complaint.channel == Complaint.Channel.HOTLINE
    assert complaint.received_at == finding.interaction.started_at  # the clock runs from the call
    assert "我要投诉" in complaint.content


def _revisiting(cast, register_complaint, categories) -> Complaint:
    complaint = register_complaint()
    officer = cast.officer_a
    complaint_services.complaint_accept(complaint=complaint, actor=officer, now=NOW)
    complaint_services.complaint_assign(complaint=complaint, actor=officer, now=NOW)
    classify(complaint, officer, categories)
    decide(complaint, officer)
    complaint_services.complaint_record_response(
        complaint=complaint, actor=officer, satisfied=True, reexamine=False, now=NOW
    )
    return Complaint.objects.get(pk=complaint.pk)


def test_a_complaint_at_its_revisit_step_is_called_by_the_robot_and_its_answer_completes_the_step(
    people, register, codes
):
    complaint = _revisiting(people, register, codes)
    officer = people.officer_a
    _batch, _name, content = outbound.call_list_build(actor=officer, purpose="complaint_revisit", now=NOW)
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    assert len(rows) == 1 and rows[0]["联系电话（脱敏）"] == "138****8000"
    assert complaint.number not in content.decode("utf-8-sig")
    out = io.StringIO()
    csv.writer(out).writerows([["外呼编号", "外呼结果", "回访记录"], [rows[0]["外呼编号"], "接通", "客户满意"]])
    batch = outbound.call_results_import(
        actor=officer, upload=SimpleUploadedFile("r.csv", out.getvalue().encode()), now=NOW + timedelta(hours=1)
    )
    assert batch.report[0]["status"] == "reached"
    complaint.refresh_from_db()
    assert complaint.revisit_at is not None and "客户满意" in complaint.revisit_result
    assert CallTask.objects.get(ref=complaint.number).status == "reached"
