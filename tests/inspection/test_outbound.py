"""Outbound 回访 lists for the robot (masked numbers, a call id per listing), its results imported back with a row
report, and customers not reached listed again by the retry rule."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.inspection.conftest import NOW
from xiaobao.core.api_errors import BusinessRuleError
from xiaobao.core.models import AuditEntry
from xiaobao.inspection import error_codes, outbound
from xiaobao.inspection.models import CallTask, OutboundBatch

PHONE = "13912345678"


@pytest.fixture
def policies(cast, inspector):
    outbound.policy_revisits_add(
        actor=inspector,
        records=[
            {"policy_number": "P1", "customer_name": "张三", "phone": PHONE, "org_unit": cast.branch_a},
            {"policy_number": "P2", "customer_name": "李四", "phone": "13700001111", "org_unit": cast.branch_b},
        ],
        now=NOW,
    )
    return inspector


def rows_of(content: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def results(*rows, name="results.csv") -> SimpleUploadedFile:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["外呼编号", "外呼结果", "回访记录", "外呼时间"])
    writer.writerows(rows)
    return SimpleUploadedFile(name, out.getvalue().encode("utf-8"))


def listed(actor, now=NOW) -> dict[str, str]:
    """policy number -> call id of a fresh list."""
    _batch, _name, content = outbound.call_list_build(actor=actor, purpose="policy_revisit", now=now)
    ids = {row["外呼编号"] for row in rows_of(content)}
    return {t.ref: t.call_id for t in CallTask.objects.filter(call_id__in=ids)}


def test_the_list_masks_names_and_numbers_and_carries_a_fresh_call_id(policies):
    _batch, name, content = outbound.call_list_build(actor=policies, purpose="policy_revisit", now=NOW)
    rows = rows_of(content)
    assert name.endswith(".csv") and len(rows) == 2
    assert PHONE not in content.decode("utf-8-sig") and "张三" not in content.decode("utf-8-sig")
    assert {r["联系电话（脱敏）"] for r in rows} >= {"139****5678"}
    assert all(len(r["外呼编号"]) == 16 for r in rows)
    assert set(CallTask.objects.values_list("status", flat=True)) == {"listed"}
    with pytest.raises(BusinessRuleError) as refused:  # listed already: nothing more to call
        outbound.call_list_build(actor=policies, purpose="policy_revisit", now=NOW)
    assert refused.value.error_code == error_codes.NOTHING_TO_CALL


def test_the_list_comes_as_excel_too(policies):
    from openpyxl import load_workbook

    _batch, name, content = outbound.call_list_build(actor=policies, purpose="policy_revisit", fmt="xlsx", now=NOW)
    sheet = load_workbook(io.BytesIO(content)).active
    assert name.endswith(".xlsx") and sheet.max_row == 3 and sheet["A1"].value == "外呼编号"


def test_a_reached_customer_closes_the_revisit_and_bad_rows_are_reported(policies):
    ids = listed(policies)
    batch = outbound.call_results_import(
        actor=policies,
        upload=results(
            [ids["P1"], "接通", "客户确认已了解犹豫期", "2025-03-03 10:00"],
            ["nonexistent", "接通", "", ""],
            [ids["P2"], "火星", "", ""],
        ),
        now=NOW + timedelta(hours=2),
    )
    assert (batch.total, batch.applied, batch.errors) == (3, 1, 2)
    assert [r["status"] for r in batch.report] == ["reached", "error", "error"]
    task = CallTask.objects.get(ref="P1")
    assert task.status == "reached" and task.result_note == "客户确认已了解犹豫期" and task.attempts == 1
    assert CallTask.objects.get(ref="P2").status == "listed"  # a wrong row, not a call: a corrected file may follow
    again = outbound.call_results_import(actor=policies, upload=results([ids["P1"], "接通", "", ""]), now=NOW)
    assert again.report[0]["status"] == "error"  # answered once, never a second 回访


def test_a_customer_not_reached_is_listed_again_by_the_retry_rule_then_handed_to_a_person(policies):
    now = NOW
    for attempt, hours in ((1, 4), (2, 24)):
        call_id = listed(policies, now)["P1"]
        outbound.call_results_import(actor=policies, upload=results([call_id, "无人接听", "", ""]), now=now)
        task = CallTask.objects.get(ref="P1")
        assert (task.status, task.attempts) == ("retry", attempt)
        assert task.next_call_at == now + timedelta(hours=hours)
        with pytest.raises(BusinessRuleError):  # not before the rule's interval (P2 is still out with the robot)
            listed(policies, now + timedelta(hours=hours) - timedelta(minutes=1))
        now = task.next_call_at
    call_id = listed(policies, now)["P1"]
    outbound.call_results_import(actor=policies, upload=results([call_id, "关机", "", ""]), now=now)
    task = CallTask.objects.get(ref="P1")
    assert (task.status, task.attempts) == ("failed", 3)


def test_a_number_that_does_not_exist_is_handed_to_a_person_at_once(policies):
    call_id = listed(policies)["P1"]
    outbound.call_results_import(actor=policies, upload=results([call_id, "空号", "", ""]), now=NOW)
    assert CallTask.objects.get(ref="P1").status == "failed"


def test_the_list_and_results_stay_in_the_operators_scope(policies, cast):
    ids = listed(policies)
    officer_b = cast.officer_b
    batch = outbound.call_results_import(actor=officer_b, upload=results([ids["P1"], "接通", "", ""]), now=NOW)
    assert batch.report[0]["status"] == "error"
    assert CallTask.objects.get(ref="P1").status == "listed"
    with pytest.raises(BusinessRuleError) as refused:
        outbound.call_list_build(actor=cast.outsider, purpose="policy_revisit", now=NOW)
    assert refused.value.status_code == 403


def test_a_file_that_is_not_a_results_file_is_refused_whole(policies):
    with pytest.raises(BusinessRuleError) as refused:
        outbound.call_results_import(actor=policies, upload=SimpleUploadedFile("r.csv", b"a,b\n1,2\n"), now=NOW)
    assert refused.value.error_code == error_codes.BAD_RESULTS
    assert not OutboundBatch.objects.filter(direction="results").exists()


def test_the_dialler_gets_the_number_of_a_listed_call_and_the_reveal_is_audited(policies):
    call_id = listed(policies)["P1"]
    assert outbound.call_number(actor=policies, call_id=call_id) == PHONE
    assert AuditEntry.objects.filter(action="personal_data.reveal", object_id=str(CallTask.objects.get(ref="P1").pk))
    with pytest.raises(BusinessRuleError):
        outbound.call_number(actor=policies, call_id="0" * 16)


def test_the_outbound_page_lists_tasks_and_the_list_downloads_as_a_file(client, policies, cast):
    client.force_login(policies)
    page = client.get("/inspection/outbound/")
    assert page.status_code == 200 and "P1" in page.content.decode()
    response = client.post("/inspection/outbound/list/", {"purpose": "policy_revisit", "fmt": "csv"})
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    assert PHONE not in response.content.decode("utf-8-sig")
    call_id = rows_of(response.content)[0]["外呼编号"]
    answer = client.post("/inspection/outbound/results/", {"file": results([call_id, "接通", "好", ""])})
    batch = OutboundBatch.objects.get(direction="results")
    assert answer.status_code == 302 and answer["Location"].endswith(f"/inspection/outbound/batches/{batch.pk}/")
    client.force_login(cast.outsider)
    assert client.get("/inspection/outbound/").status_code == 403
    assert client.post("/inspection/outbound/list/", {"purpose": "policy_revisit", "fmt": "csv"}).status_code == 403


def test_the_dialler_api_answers_a_listed_call_id_only(client, policies, cast):
    call_id = listed(policies)["P1"]
    client.force_login(policies)
    answer = client.post("/api/v1/inspection/calls/number/", {"call_id": call_id}, content_type="application/json")
    assert answer.status_code == 200 and answer.json()["phone"] == PHONE
    client.force_login(cast.outsider)
    refused = client.post("/api/v1/inspection/calls/number/", {"call_id": call_id}, content_type="application/json")
    assert refused.status_code == 403
