"""/api/v1/knowledge/imports/: one file → 201 with the document, a zip → 202 with the batch (worker enqueued on
commit), refusals in the error shape, and the batch reads (list, detail) scoped like the pages."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from tests.knowledge.files import samples
from xiaobao.core import error_codes as core_codes
from xiaobao.knowledge import extract, importing, zip_checks
from xiaobao.knowledge.models import Category, Document, ImportBatch

LIST = "api-knowledge-imports"
B = ImportBatch.Status


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def api():
    def make(user=None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return make


def payload(name: str, content: bytes, **extra) -> dict:
    data = {"file": SimpleUploadedFile(name, content), "kind": Document.Kind.REGULATION}
    data.update(extra)
    return data


def post(client, name: str, content: bytes, **extra):
    return client.post(reverse(LIST), payload(name, content, **extra), format="multipart")


def test_one_file_is_imported_at_once_201_with_the_document(cast, api):
    category = Category.objects.create(name="监管文件")
    response = post(
        api(cast.hq_admin), "通知.pdf", samples.pdf_bytes(["投诉处理时限为十五日"]), category=category.pk, title=""
    )
    assert response.status_code == 201, response.content
    body = response.json()
    document = Document.objects.get()
    assert body["id"] == document.pk
    assert (body["title"], body["kind"], body["category"]) == ("通知", "regulation", category.pk)
    assert (body["version"], body["version_status"], body["source_name"]) == (1, "published", "通知.pdf")
    assert body["body_chars"] == len("投诉处理时限为十五日")
    assert body["org_unit"] == cast.hq.pk  # the caller's unit by default
    assert body["url"] == reverse("knowledge:document", args=[document.pk])


def test_a_zip_is_accepted_202_and_its_progress_and_report_are_read_back(cast, api, django_capture_on_commit_callbacks):
    client = api(cast.hq_admin)
    content = samples.zip_bytes({"a.txt": "甲".encode(), "b.md": "# 乙\n正文".encode(), "c.png": b"x"})
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, "文件夹.zip", content, org_unit=cast.branch_a.pk, publish="false")
    assert response.status_code == 202, response.content
    body = response.json()
    batch = ImportBatch.objects.get()
    assert (body["id"], body["status"], body["total_files"], body["org_unit"]) == (
        batch.pk,
        B.QUEUED,
        3,
        cast.branch_a.pk,
    )
    assert body["url"] == reverse("api-knowledge-import", args=[batch.pk])
    detail = client.get(body["url"]).json()  # eager Celery: the worker ran on commit
    assert (detail["status"], detail["processed_files"], detail["imported"], detail["failed"]) == (B.DONE, 3, 2, 1)
    assert detail["percent"] == 100
    assert [(r["name"], r["ok"], r["code"]) for r in detail["report"]] == [
        ("a.txt", True, ""),
        ("b.md", True, ""),
        ("c.png", False, extract.UNSUPPORTED_TYPE),
    ]
    assert set(Document.objects.values_list("org_unit__code", "current_version")) == {("A", None)}


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("扫描件.pdf", samples.blank_pdf_bytes(), extract.NO_TEXT),
        ("加密.pdf", samples.encrypted_pdf_bytes(), extract.ENCRYPTED),
        ("表格.xlsx", b"x", extract.UNSUPPORTED_TYPE),
        ("伪装.docx", "文本".encode(), core_codes.UPLOAD_TYPE_REFUSED),
        ("炸弹.zip", samples.zip_bytes({"bomb.txt": b"0" * (5 * 1024 * 1024)}), zip_checks.ZIP_BOMB),
        ("穿越.zip", samples.zip_bytes({"../evil.txt": b"x"}), zip_checks.ZIP_UNSAFE_PATH),
        ("链接.zip", samples.symlink_zip_bytes(), zip_checks.ZIP_SYMLINK),
    ],
)
def test_refusals_are_400_with_their_code_and_nothing_is_written(cast, api, name, content, code):
    response = post(api(cast.hq_admin), name, content)
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == code
    assert body["detail"] and body["fields"]
    assert (Document.objects.count(), ImportBatch.objects.count()) == (0, 0)


def test_an_oversized_file_is_400(cast, api, settings):
    settings.UPLOAD_MAX_BYTES = 5
    response = post(api(cast.hq_admin), "长.txt", "一二三四五".encode())
    assert (response.status_code, response.json()["error"]) == (400, core_codes.UPLOAD_TOO_LARGE)


def test_faq_is_not_a_kind_a_file_can_be(cast, api):
    response = post(api(cast.hq_admin), "a.txt", "甲".encode(), kind=Document.Kind.FAQ)
    assert (response.status_code, response.json()["error"]) == (400, importing.KIND_REFUSED)
    assert "kind" in response.json()["fields"]
    assert Document.objects.count() == 0


def test_a_unit_or_category_that_does_not_exist_or_is_out_of_scope_is_400(cast, api):
    from django.contrib.auth.models import Permission

    officer = cast.officer_a
    officer.user_permissions.add(Permission.objects.get(codename="add_document", content_type__app_label="knowledge"))
    client = api(type(officer).objects.get(pk=officer.pk))
    response = post(client, "a.txt", "甲".encode(), org_unit=cast.branch_b.pk)
    assert (response.status_code, response.json()["error"]) == (400, importing.UNIT_REFUSED)
    response = post(client, "a.txt", "甲".encode(), category=999999)
    assert (response.status_code, response.json()["error"]) == (400, "knowledge.invalid")
    assert Document.objects.count() == 0
    assert post(client, "a.txt", "甲".encode()).json()["org_unit"] == cast.branch_a.pk


@pytest.mark.parametrize("who", ["officer_a", "manager", "outsider"])
def test_people_who_may_not_import_get_403(cast, api, who):
    response = post(api(getattr(cast, who)), "a.txt", "甲".encode())
    assert (response.status_code, response.json()["error"]) == (403, "permission_denied")
    assert Document.objects.count() == 0


def test_anonymous_callers_get_401(db, api):
    assert post(api(), "a.txt", "甲".encode()).status_code == 401
    assert api().get(reverse(LIST)).status_code == 401


def test_batches_are_read_within_scope_only(cast, api):
    def batch_in(unit):
        return importing.import_batch_create(
            actor=cast.hq_admin,
            org_unit=unit,
            upload=SimpleUploadedFile("z.zip", samples.zip_bytes({"a.txt": "甲".encode()})),
            kind=Document.Kind.POLICY,
        )

    in_a, in_b = batch_in(cast.branch_a), batch_in(cast.branch_b)
    listed = api(cast.officer_a).get(reverse(LIST)).json()
    assert [row["id"] for row in listed["results"]] == [in_a.pk]
    assert {row["id"] for row in api(cast.manager).get(reverse(LIST)).json()["results"]} == {in_a.pk, in_b.pk}
    assert api(cast.officer_a).get(reverse("api-knowledge-import", args=[in_a.pk])).status_code == 200
    assert api(cast.officer_b).get(reverse("api-knowledge-import", args=[in_a.pk])).status_code == 404
    assert api(cast.outsider).get(reverse("api-knowledge-import", args=[in_a.pk])).status_code == 403
    assert api(cast.outsider).get(reverse(LIST)).status_code == 403


def test_the_endpoints_are_in_the_openapi_schema(db, api, cast):
    schema = api(cast.hq_admin).get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()
    assert "/api/v1/knowledge/imports/" in schema
    assert "/api/v1/knowledge/imports/{id}/" in schema
