"""批量导入: the template, the upload (checked by content), the worker's check of every row, all-or-nothing
import with progress, the row-by-row error report (read back with openpyxl), scope, and the pages.

The import service and the Celery task are called directly and synchronously; the pages are driven with
Django's test client (the upload's enqueue runs through captured on-commit callbacks).
"""

from __future__ import annotations

import io
import os
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from tests.helpers import make_user
from xiaobao.complaints import imports, services, tasks
from xiaobao.complaints.models import Complaint, ImportJob
from xiaobao.core import error_codes as core_codes
from xiaobao.core.api_errors import BusinessRuleError
from xiaobao.core.models import Attachment, AuditEntry

J = ImportJob.Status
HEADERS = [c.header for c in imports.COLUMNS]
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def row(i: int, **overrides) -> dict:
    """One good row (by column title): a different complainant each time, received some days ago."""
    values = {
        "投诉渠道": "400热线",
        "收到时间": datetime(2025, 3, 3, 9, 0) + timedelta(hours=i),
        "投诉人姓名": f"客户{i:02d}",
        "证件号码": f"1101011990030{i:04d}X"[:18],
        "联系电话": f"139{i:08d}",
        "联系地址": "北京市朝阳区建国路1号",
        "与消费者关系": "本人",
        "投诉人数": 1,
        "保单/账户号": f"P2025{i:06d}",
        "产品名称": "鑫享年金保险",
        "投诉事由": "理赔时效慢",
        "投诉内容": f"第{i}位客户反映理赔超过30日未结案。",
        "投诉请求": "尽快赔付",
        "涉及金额（元）": Decimal("1200.50"),
        "媒体关注": "否",
        "责任机构代码": "A",
        "外部编号": f"CC2025{i:06d}",
    }
    values.update(overrides)
    return values


def xlsx(rows: list[dict], headers: list[str] = HEADERS) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(headers)
    for values in rows:
        sheet.append([values.get(title) for title in headers])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def upload(content: bytes, name: str = "投诉导入.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def run(user, rows: list[dict], content: bytes | None = None, **kwargs) -> ImportJob:
    job = imports.import_job_create(actor=user, upload=upload(content or xlsx(rows, **kwargs)))
    imports.import_job_run(job_id=job.pk)
    job.refresh_from_db()
    return job


def report_rows(job: ImportJob) -> list[list]:
    attachment = imports.job_report(job)
    assert attachment is not None
    with attachment.file.open("rb") as handle:
        sheet = load_workbook(io.BytesIO(handle.read()), read_only=True).worksheets[0]
        return [list(values) for values in sheet.iter_rows(values_only=True)]


def errors_by_row(job: ImportJob) -> dict[int, str]:
    header, *rows = report_rows(job)
    assert header[0] == imports.ROW_HEADER and header[-1] == imports.ERROR_HEADER
    return {values[0]: values[-1] for values in rows if values[-1]}


# --- the whole batch -------------------------------------------------------------------------------


def test_twenty_good_rows_are_all_imported_through_the_service(cast):
    job = run(cast.officer_a, [row(i) for i in range(20)])
    assert job.status == J.DONE, job.message
    assert (job.total_rows, job.processed_rows, job.imported, job.error_rows) == (20, 20, 20, 0)
    assert job.finished_at is not None
    complaints = Complaint.objects.order_by("received_at")
    assert complaints.count() == 20
    first = complaints.first()
    assert first.registered_by == cast.officer_a
    assert first.org_unit == cast.branch_a
    assert first.channel == Complaint.Channel.HOTLINE
    assert first.complainant_phone == "13900000000"
    assert first.amount == Decimal("1200.50")
    assert first.number.startswith("TS")
    assert imports.job_report(job) is None
    assert AuditEntry.objects.filter(action="complaints.import_done", object_id=str(job.pk)).exists()


def test_the_uploaded_workbook_is_not_kept_once_the_job_has_finished(cast, django_capture_on_commit_callbacks):
    job = imports.import_job_create(actor=cast.officer_a, upload=upload(xlsx([row(0)])))
    source = imports.job_files(job).get(purpose=imports.SOURCE)
    path = source.file.path
    with django_capture_on_commit_callbacks(execute=True):
        imports.import_job_run(job_id=job.pk)
    assert not imports.job_files(job).filter(purpose=imports.SOURCE).exists()
    assert not os.path.exists(path)
    entry = AuditEntry.objects.get(action="complaints.import_source_discarded")
    assert entry.changes["sha256"] == source.sha256


def test_one_bad_row_among_twenty_imports_nothing_and_the_report_names_it(cast):
    rows = [row(i) for i in range(20)]
    rows[6]["投诉渠道"] = "飞鸽传书"
    job = run(cast.officer_a, rows)
    assert job.status == J.REJECTED
    assert not Complaint.objects.exists()
    assert (job.total_rows, job.processed_rows, job.error_rows, job.imported) == (20, 20, 1, 0)
    errors = errors_by_row(job)
    assert list(errors) == [8]  # the 7th data row is sheet row 8 (the header is row 1)
    assert "投诉渠道" in errors[8] and "飞鸽传书" in errors[8]
    assert "1 行有错误" in job.message


def test_the_report_keeps_every_row_masks_personal_data_and_marks_bad_rows(cast):
    rows = [row(i) for i in range(3)]
    rows[1]["投诉事由"] = ""
    job = run(cast.officer_a, rows)
    header, *body = report_rows(job)
    assert header == [imports.ROW_HEADER, *HEADERS, imports.ERROR_HEADER]
    assert [values[0] for values in body] == [2, 3, 4]
    phone, id_number, name = (header.index(t) for t in ("联系电话", "证件号码", "投诉人姓名"))
    assert body[0][phone] == "139****0000"
    assert body[0][id_number].startswith("110") and "*" in body[0][id_number]
    assert body[0][name] == "客***"  # 客户00
    assert body[0][header.index("投诉内容")] == rows[0]["投诉内容"]  # the rest as uploaded
    assert body[0][-1] is None
    assert "投诉事由" in body[1][-1]
    attachment = imports.job_report(job)
    assert attachment.kind == "xlsx"
    assert attachment.name.endswith("-错误报告.xlsx")
    red = load_workbook(attachment.file.path).worksheets[0]["A3"].fill.fgColor.rgb
    assert red.endswith("FFC7CE")


def test_the_report_uploaded_again_unfixed_is_refused_not_imported_masked(cast):
    job = run(cast.officer_a, [row(0), row(1, 投诉渠道="飞鸽传书")])
    attachment = imports.job_report(job)
    with attachment.file.open("rb") as handle:
        again = run(cast.officer_a, [], content=handle.read())
    assert again.status == J.REJECTED
    errors = errors_by_row(again)
    assert set(errors) == {2, 3}  # the masked personal data of every row, not only the bad one
    assert "脱敏" in errors[2]
    assert not Complaint.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"投诉事由": ""}, "“投诉事由”必填"),
        ({"投诉人姓名": None}, "“投诉人姓名”必填"),
        ({"收到时间": None}, "“收到时间”必填"),
        ({"收到时间": "三月三日"}, "不是有效日期"),
        ({"收到时间": datetime.now() + timedelta(days=3)}, "晚于导入时间"),
        ({"与消费者关系": "邻居"}, "与消费者关系"),
        ({"与消费者关系": "受托人"}, "消费者姓名"),
        ({"涉及金额（元）": "一千"}, "涉及金额"),
        ({"涉及金额（元）": "12.345"}, "两位小数"),
        ({"涉及金额（元）": -5}, "涉及金额"),
        ({"投诉人数": 0}, "投诉人数"),
        ({"媒体关注": "也许"}, "媒体关注"),
        ({"责任机构代码": "B"}, "不在您的权限范围内"),
        ({"责任机构代码": "NOPE"}, "不存在或不在您的权限范围内"),
        ({"证件号码": 110101199003071234}, "文本格式"),
        ({"联系电话": "call me"}, "联系电话"),
        ({"联系电话": "139****0001"}, "脱敏"),
        ({"投诉事由": "长" * 201}, "超过 200 个字"),
        ({"投诉渠道": "面谈"}, "录音录像编号"),  # 第七条
        ({"重大事件类型": "地震"}, "重大事件类型"),
    ],
)
def test_each_row_error_is_reported_and_nothing_imported(cast, overrides, expected):
    job = run(cast.officer_a, [row(0), row(1, **overrides)])
    assert job.status == J.REJECTED
    assert not Complaint.objects.exists()
    errors = errors_by_row(job)
    assert list(errors) == [3], errors
    assert expected in errors[3]


def test_duplicates_inside_the_file_are_errors(cast):
    same_ref = row(2, 外部编号="CC2025000001")  # as row(1)
    first = row(4, 外部编号="")
    same_person_day_and_subject = row(
        4, 外部编号="", 收到时间=first["收到时间"] + timedelta(hours=2), 投诉内容="又一次"
    )
    other_subject = row(4, 外部编号="", 投诉事由="退保难")
    job = run(cast.officer_a, [row(0), row(1), same_ref, first, same_person_day_and_subject, other_subject])
    errors = errors_by_row(job)
    assert errors == {4: "与第 3 行重复", 6: "与第 5 行重复"}


def test_a_unit_outside_the_uploaders_scope_is_a_row_error_but_a_sub_unit_is_fine(cast):
    job = run(cast.officer_a, [row(0, 责任机构代码="A1"), row(1, 责任机构代码="B1")])
    assert errors_by_row(job) == {3: "机构代码“B1”不存在或不在您的权限范围内"}
    hq_job = run(cast.hq_admin, [row(0, 责任机构代码="A1"), row(1, 责任机构代码="B1")])
    assert hq_job.status == J.DONE
    assert set(Complaint.objects.values_list("org_unit__code", flat=True)) == {"A1", "B1"}


def test_labels_codes_and_text_dates_are_accepted(cast):
    rows = [
        row(0, 投诉渠道="银保信投诉平台", 收到时间="2025-03-04 10:30", 与消费者关系="", 媒体关注=""),
        row(1, 投诉渠道="regulator", 收到时间="2025/3/5", 与消费者关系="继承人", 消费者姓名="李某某"),
        row(2, 投诉渠道=" 400 热线 ", 收到时间=datetime(2025, 3, 6).date(), 投诉人数="", **{"涉及金额（元）": "1,000"}),
    ]
    job = run(cast.officer_a, rows)
    assert job.status == J.DONE, errors_by_row(job) if imports.job_report(job) else job.message
    by_ref = {c.external_ref: c for c in Complaint.objects.all()}
    assert by_ref["CC2025000000"].channel == Complaint.Channel.PLATFORM
    assert by_ref["CC2025000000"].relation == Complaint.Relation.SELF
    assert timezone.localtime(by_ref["CC2025000000"].received_at).hour == 10
    assert by_ref["CC2025000001"].channel == Complaint.Channel.REGULATOR
    assert by_ref["CC2025000001"].relation == Complaint.Relation.HEIR
    assert by_ref["CC2025000002"].amount == Decimal("1000.00")
    assert by_ref["CC2025000002"].complainant_count == 1


def test_an_in_person_row_keeps_its_recording_and_a_major_event_row_is_major(cast):
    rows = [
        row(0, 投诉渠道="面谈", 录音录像编号="LY-2025-0303-01"),
        row(1, 重大事件类型="公共卫生事件"),
        row(2, 重大事件类型="accident"),
    ]
    job = run(cast.hq_admin, rows)
    assert job.status == J.DONE, errors_by_row(job) if imports.job_report(job) else job.message
    by_ref = {c.external_ref: c for c in Complaint.objects.all()}
    assert by_ref["CC2025000000"].channel == Complaint.Channel.IN_PERSON
    assert by_ref["CC2025000000"].recording_ref == "LY-2025-0303-01"
    assert not by_ref["CC2025000000"].is_major
    assert by_ref["CC2025000001"].is_major and by_ref["CC2025000001"].major_reasons == ["public_health"]
    assert by_ref["CC2025000002"].major_reasons == ["accident"]


def test_a_refusal_by_the_service_mid_import_rolls_back_every_row(cast, monkeypatch):
    real = services.complaint_register
    calls = []

    def third_refused(**kwargs):
        calls.append(kwargs["external_ref"])
        if len(calls) == 3:
            raise BusinessRuleError(
                "complaints.invalid", "服务拒绝了这一行", fields={"subject": ["complaints.invalid"]}
            )
        return real(**kwargs)

    monkeypatch.setattr(services, "complaint_register", third_refused)
    job = run(cast.officer_a, [row(i) for i in range(5)])
    assert len(calls) == 3
    assert job.status == J.REJECTED
    assert not Complaint.objects.exists()
    assert job.imported == 0
    assert errors_by_row(job) == {4: "服务拒绝了这一行"}


# --- progress ----------------------------------------------------------------------------------------


def test_progress_is_counted_while_checking_and_while_importing(cast, monkeypatch):
    monkeypatch.setattr(imports, "PROGRESS_EVERY", 5)
    monkeypatch.setattr(imports, "BATCH_ROWS", 5)  # importing counts a batch at a time
    monkeypatch.setattr(imports, "BATCH_SECONDS", 3600)  # batches end by rows only here
    seen = []
    real = imports._progress

    def spy(job, processed):
        seen.append((job.status, processed))
        real(job, processed)

    monkeypatch.setattr(imports, "_progress", spy)
    job = run(cast.officer_a, [row(i) for i in range(12)])
    assert job.status == J.DONE
    assert seen == [
        (J.CHECKING, 5),
        (J.CHECKING, 10),
        (J.CHECKING, 12),
        (J.IMPORTING, 5),
        (J.IMPORTING, 10),
        (J.IMPORTING, 12),
    ]
    assert imports.job_progress(job) == {
        "status": J.DONE,
        "total": 12,
        "processed": 12,
        "percent": 100,
        "finished": True,
    }


def test_the_status_reads_the_workers_live_count_when_it_is_ahead(cast):
    job = imports.import_job_create(actor=cast.officer_a, upload=upload(xlsx([row(0)])))
    ImportJob.objects.filter(pk=job.pk).update(status=J.IMPORTING, total_rows=40, processed_rows=0)
    job.refresh_from_db()
    imports._progress(ImportJob(pk=job.pk, status=J.IMPORTING), 30)
    ImportJob.objects.filter(pk=job.pk).update(processed_rows=0)  # as if uncommitted
    job.refresh_from_db()
    assert imports.job_progress(job)["processed"] == 30
    assert imports.job_progress(job)["percent"] == 75
    assert imports.job_progress(job)["finished"] is False


# --- the file ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("投诉.xlsx", PDF),  # a PDF wearing an .xlsx name
        ("投诉.pdf", PDF),
        ("投诉.csv", "渠道,姓名\n400热线,张三\n".encode()),
        ("投诉.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600)),  # Excel 97-2003
    ],
)
def test_only_an_xlsx_workbook_by_content_is_accepted(cast, name, content):
    with pytest.raises(BusinessRuleError) as refused:
        imports.import_job_create(actor=cast.officer_a, upload=upload(content, name))
    assert refused.value.error_code == core_codes.UPLOAD_TYPE_REFUSED
    assert not ImportJob.objects.exists()
    assert not Attachment.objects.exists()


def test_a_word_document_is_not_a_workbook(cast):
    from docx import Document

    buffer = io.BytesIO()
    Document().save(buffer)
    with pytest.raises(BusinessRuleError) as refused:
        imports.import_job_create(actor=cast.officer_a, upload=upload(buffer.getvalue(), "投诉.xlsx"))
    assert refused.value.error_code == core_codes.UPLOAD_TYPE_REFUSED


def test_a_caller_who_may_not_register_cannot_upload(cast):
    for user in (cast.manager, cast.outsider):
        with pytest.raises(BusinessRuleError) as refused:
            imports.import_job_create(actor=user, upload=upload(xlsx([row(0)])))
        assert refused.value.status_code == 403
    assert not ImportJob.objects.exists()


def test_a_sheet_without_the_required_columns_is_rejected_with_a_message(cast):
    job = run(cast.officer_a, [row(0)], headers=["投诉渠道", "投诉人姓名"])
    assert job.status == J.REJECTED
    assert "收到时间" in job.message and "投诉事由" in job.message
    assert imports.job_report(job) is None
    assert not Complaint.objects.exists()


def test_an_empty_sheet_is_rejected(cast):
    job = run(cast.officer_a, [])
    assert job.status == J.REJECTED
    assert "没有数据行" in job.message


def test_too_many_rows_are_rejected_before_any_check(cast, monkeypatch):
    monkeypatch.setattr(imports, "MAX_ROWS", 3)
    job = run(cast.officer_a, [row(i) for i in range(4)])
    assert job.status == J.REJECTED
    assert "最多导入 3 行" in job.message


def test_the_template_has_the_titles_and_an_example_row_that_imports_as_it_stands(cast):
    content = imports.template_workbook(unit_code=cast.branch_a.code)
    book = load_workbook(io.BytesIO(content))
    sheet = book[imports.SHEET_NAME]
    assert [cell.value for cell in sheet[1]] == HEADERS
    example = [cell.value for cell in sheet[2]]
    assert example[HEADERS.index("投诉渠道")] == "400热线"
    assert example[HEADERS.index("责任机构代码")] == "A"
    assert "填写说明" in book.sheetnames
    job = imports.import_job_create(actor=cast.officer_a, upload=upload(content, "模板.xlsx"))
    imports.import_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == J.DONE, job.message
    assert Complaint.objects.get().complainant_id_number == "110101199003071234"


# --- the worker -------------------------------------------------------------------------------------


def test_the_celery_task_runs_a_job_once_even_if_delivered_twice(cast):
    job = imports.import_job_create(actor=cast.officer_a, upload=upload(xlsx([row(0), row(1)])))
    assert tasks.run_import(job.pk) == J.DONE
    assert tasks.run_import(job.pk) == J.DONE
    assert Complaint.objects.count() == 2


def test_an_unexpected_error_fails_the_job_and_imports_nothing(cast, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(services, "complaint_register", broken)
    job = run(cast.officer_a, [row(0)])
    assert job.status == J.FAILED
    assert "系统错误" in job.message
    assert not Complaint.objects.exists()


def test_the_sweep_runs_a_lost_job_and_leaves_a_fresh_one_to_its_message(cast):
    lost = imports.import_job_create(actor=cast.officer_a, upload=upload(xlsx([row(0)])))
    fresh = imports.import_job_create(actor=cast.officer_a, upload=upload(xlsx([row(2)])))
    ImportJob.objects.filter(pk=lost.pk).update(created_at=timezone.now() - timedelta(hours=3))
    assert tasks.sweep_imports() == {"ran": 1, "retried": 0, "failed": 0}
    statuses = dict(ImportJob.objects.values_list("pk", "status"))
    assert statuses == {lost.pk: J.DONE, fresh.pk: J.QUEUED}
    assert tasks.sweep_imports() == {"ran": 0, "retried": 0, "failed": 0}


# --- the pages --------------------------------------------------------------------------------------


@pytest.fixture
def as_user():
    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


def test_the_upload_page_starts_the_worker_and_shows_progress(cast, as_user, django_capture_on_commit_callbacks):
    client = as_user(cast.officer_a)
    page = client.get(reverse("complaints:import"))
    assert page.status_code == 200
    assert reverse("complaints:import-template").encode() in page.content
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("complaints:import"), {"file": upload(xlsx([row(0), row(1)]))})
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("complaints:import-status", args=[job.pk])
    job.refresh_from_db()
    assert job.status == J.DONE  # eager Celery in tests: the enqueued task ran on commit
    assert Complaint.objects.count() == 2
    status = client.get(response["Location"])
    assert status.status_code == 200
    assert 'data-status="done"' in status.content.decode()


def test_the_progress_block_polls_every_two_seconds_until_finished(cast, as_user):
    client = as_user(cast.officer_a)
    job = imports.import_job_create(actor=cast.officer_a, upload=upload(xlsx([row(0)])))
    url = reverse("complaints:import-status", args=[job.pk])
    running = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 2s"' in running
    assert f'hx-get="{url}"' in running
    assert "<html" not in running  # the partial only
    imports.import_job_run(job_id=job.pk)
    finished = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in finished
    assert 'data-testid="import-done"' in finished


def test_a_rejected_import_offers_its_report_to_those_in_scope_only(cast, as_user):
    job = run(cast.officer_a, [row(0, 投诉渠道="飞鸽传书")])
    page = as_user(cast.officer_a).get(reverse("complaints:import-status", args=[job.pk])).content.decode()
    assert reverse("complaints:import-report", args=[job.pk]) in page
    response = as_user(cast.officer_a).get(reverse("complaints:import-report", args=[job.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Content-Type"] == imports.XLSX
    assert as_user(cast.officer_b).get(reverse("complaints:import-report", args=[job.pk])).status_code == 404
    assert as_user(cast.officer_b).get(reverse("complaints:import-status", args=[job.pk])).status_code == 404
    assert as_user(cast.hq_admin).get(reverse("complaints:import-report", args=[job.pk])).status_code == 200


def test_the_upload_page_refuses_a_disguised_file_on_the_page(cast, as_user):
    response = as_user(cast.officer_a).post(reverse("complaints:import"), {"file": upload(PDF)})
    assert response.status_code == 400
    assert "form-errors" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_the_template_downloads_as_a_workbook(cast, as_user):
    response = as_user(cast.officer_a).get(reverse("complaints:import-template"))
    assert response.status_code == 200
    assert response["Content-Type"] == imports.XLSX
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert [cell.value for cell in sheet[1]] == HEADERS


@pytest.mark.parametrize("who", ["manager", "outsider"])
def test_people_who_may_not_register_get_403_on_the_import_pages(cast, as_user, who):
    client = as_user(getattr(cast, who))
    assert client.get(reverse("complaints:import")).status_code == 403
    assert client.get(reverse("complaints:import-template")).status_code == 403
    assert client.post(reverse("complaints:import"), {"file": upload(xlsx([row(0)]))}).status_code == 403


def test_an_agent_imports_for_units_in_their_subtree(cast):
    agent = make_user("agent_imp", cast.branch_b, "agent", "周坐席")
    job = run(agent, [row(0, 责任机构代码="B1"), row(1, 责任机构代码="A")])
    assert errors_by_row(job) == {3: "机构代码“A”不存在或不在您的权限范围内"}


def test_anonymous_visitors_are_sent_to_sign_in(db):
    response = Client().get(reverse("complaints:import"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
