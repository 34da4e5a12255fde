"""New policies for 新契约回访 from the page, the API and a file: every row checked before anything is written,
bad rows named by their row number, the operator's scope, known policies left as they are, data encrypted."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from tests.api_helpers import assert_error, token_client
from tests.inspection.conftest import NOW
from xiaobao.core.api_errors import BusinessRuleError
from xiaobao.inspection import error_codes
from xiaobao.inspection.models import CallTask, OutboundBatch
from xiaobao.inspection.outbound_policies import policy_revisits_import

PHONE = "13912345678"


def csv_file(header: list[str], *rows, name: str = "policies.csv") -> SimpleUploadedFile:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return SimpleUploadedFile(name, out.getvalue().encode("utf-8"))


def xlsx_file(header: list[str], *rows) -> SimpleUploadedFile:
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(header)
    for row in rows:
        book.active.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile("policies.xlsx", buffer.getvalue())


CHINESE = ["保单号", "投保人", "联系电话", "机构代码", "产品名称", "应回访日期"]
ENGLISH = ["policy_number", "customer_name", "phone", "org_unit", "product_name", "due_on"]


def test_a_file_with_chinese_headers_adds_policies_encrypted_with_a_row_report(cast, inspector):
    upload = csv_file(CHINESE, ["P100", "张三", PHONE, "A", "鑫享年金", "2026-03-01"], ["P101", "", "13700001111", "B"])
    batch = policy_revisits_import(actor=inspector, upload=upload, now=NOW)
    assert batch.direction == OutboundBatch.Direction.POLICIES and batch.applied == 2
    assert [(r["row"], r["call_id"], r["status"]) for r in batch.report] == [(2, "P100", "added"), (3, "P101", "added")]
    task = CallTask.objects.get(ref="P100")
    assert task.phone == PHONE and task.org_unit == cast.branch_a and str(task.due_on) == "2026-03-01"
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone, customer_name FROM inspection_calltask WHERE ref = 'P100'")
        stored = " ".join(cursor.fetchone())
    assert PHONE not in stored and "张三" not in stored  # encrypted at rest
    again = policy_revisits_import(actor=inspector, upload=xlsx_file(ENGLISH, ["P100", "张三", 13912345678, "A"]))
    assert again.applied == 0 and again.report[0]["status"] == "duplicate"  # known: left as it is
    assert CallTask.objects.count() == 2


def test_a_file_with_any_bad_row_is_refused_whole_naming_each_row(cast, inspector):
    upload = csv_file(
        ENGLISH,
        ["P1", "张三", PHONE, "A", "", ""],
        ["", "李四", "123", "ZZ", "", "明天"],
        ["P1", "王五", PHONE, "A", "", ""],
    )
    with pytest.raises(BusinessRuleError) as refused:
        policy_revisits_import(actor=inspector, upload=upload, now=NOW)
    assert refused.value.error_code == error_codes.INVALID
    rows = refused.value.fields["rows"]
    assert [r.split("：")[0] for r in rows] == ["第 3 行", "第 4 行"]
    assert "保单号" in rows[0] and "电话" in rows[0] and "机构" in rows[0] and "日期" in rows[0]
    assert "第 2 行" in rows[1]  # the duplicate names the row it repeats
    assert not CallTask.objects.exists() and not OutboundBatch.objects.exists()


def test_a_file_that_is_not_a_policy_file_is_refused(inspector):
    with pytest.raises(BusinessRuleError) as refused:
        policy_revisits_import(actor=inspector, upload=csv_file(["外呼编号", "外呼结果"], ["x", "接通"]))
    assert refused.value.error_code == error_codes.BAD_FILE
    assert not CallTask.objects.exists()


def test_another_branchs_unit_is_refused_and_no_permission_is_403(cast, inspector):
    with pytest.raises(BusinessRuleError) as refused:
        policy_revisits_import(actor=cast.officer_a, upload=csv_file(ENGLISH, ["P1", "", PHONE, "B"]))
    assert "不在您的范围" in refused.value.fields["rows"][0]
    with pytest.raises(BusinessRuleError) as refused:
        policy_revisits_import(actor=cast.outsider, upload=csv_file(ENGLISH, ["P1", "", PHONE, "A"]))
    assert refused.value.status_code == 403
    assert not CallTask.objects.exists()


def test_the_api_adds_a_batch_or_refuses_it_whole(cast, inspector):
    client = token_client(cast.officer_a)
    target = "/api/v1/inspection/policy-revisits/"
    good = {"policy_number": "P7", "customer_name": "张三", "phone": PHONE, "org_unit": "A", "due_on": "2026-03-01"}
    bad = {**good, "policy_number": "P8", "org_unit": "B"}
    body = assert_error(client.post(target, {"policies": [good, bad]}, format="json"), 400, error_codes.INVALID)
    assert body["fields"]["rows"][0].startswith("第 2 行")
    assert not CallTask.objects.exists()
    answer = client.post(target, {"policies": [good]}, format="json")
    assert answer.status_code == 201 and answer.json()["added"] == 1
    assert PHONE not in answer.content.decode() and "张三" not in answer.content.decode()
    assert client.post(target, {"policies": [good]}, format="json").json()["duplicates"] == 1
    assert_error(token_client(cast.outsider).post(target, {"policies": [good]}, format="json"), 403)


def test_the_page_adds_one_policy_and_shows_a_refused_files_rows(client, cast, inspector):
    client.force_login(cast.officer_a)
    added = client.post(
        "/inspection/outbound/policies/",
        {"policy_number": "P9", "phone": PHONE, "org_unit": cast.branch_a.pk, "due_on": "2026-03-01"},
    )
    assert added.status_code == 302 and CallTask.objects.filter(ref="P9").exists()
    outside = client.post(
        "/inspection/outbound/policies/", {"policy_number": "P10", "phone": PHONE, "org_unit": cast.branch_b.pk}
    )
    assert outside.status_code == 400 and not CallTask.objects.filter(ref="P10").exists()  # not a unit on offer
    refused = client.post("/inspection/outbound/policies/import/", {"file": csv_file(ENGLISH, ["P11", "", "1", "A"])})
    assert refused.status_code == 400 and "第 2 行" in refused.content.decode()
    assert not CallTask.objects.filter(ref="P11").exists()
    client.force_login(cast.outsider)
    assert client.post("/inspection/outbound/policies/", {"policy_number": "P12"}).status_code == 403
