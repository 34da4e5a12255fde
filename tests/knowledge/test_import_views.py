"""导入 pages: upload (one file → the document; a zip → the batch, worker enqueued on commit), the status page
and its htmx progress block, the batch list, the original-file downloads; permissions and scope on each."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tests.knowledge.files import samples
from xiaobao.knowledge import importing
from xiaobao.knowledge.models import Category, Document, ImportBatch

B = ImportBatch.Status


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def as_user():
    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def form(cast, name: str, content: bytes, **extra) -> dict:
    data = {"file": upload(name, content), "kind": Document.Kind.REGULATION, "org_unit": cast.hq.pk, "publish": "on"}
    data.update(extra)
    return data


def batch_in(cast, unit, files=None) -> ImportBatch:
    files = files or {"a.txt": "甲".encode(), "b.xlsx": b"x"}
    return importing.import_batch_create(
        actor=cast.hq_admin,
        org_unit=unit,
        upload=upload("文件夹.zip", samples.zip_bytes(files)),
        kind=Document.Kind.POLICY,
    )


def imported_in(cast, unit, **kwargs) -> Document:
    return importing.document_import(
        actor=cast.hq_admin,
        org_unit=unit,
        upload=upload("办法.txt", "投诉处理办法正文".encode()),
        kind=Document.Kind.REGULATION,  # published at once (an internal policy would wait for approval)
        **kwargs,
    )


# --- upload ---------------------------------------------------------------------------------------


def test_the_upload_page_offers_the_form_with_units_in_write_scope_and_no_faq(cast, as_user):
    Category.objects.create(name="投诉处理")
    page = as_user(cast.hq_admin).get(reverse("knowledge:import"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="file"' in html and 'accept=".docx,.pdf,.txt,.md,.zip"' in html
    assert "投诉处理" in html and "河北分公司" in html
    assert 'value="faq"' not in html
    assert 'name="csrfmiddlewaretoken"' in html


def test_one_file_becomes_a_document_and_the_page_goes_to_it(cast, as_user):
    response = as_user(cast.hq_admin).post(
        reverse("knowledge:import"), form(cast, "时限.docx", samples.docx_bytes(heading="投诉时限规定"), title="")
    )
    document = Document.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("knowledge:document", args=[document.pk])
    assert document.title == "投诉时限规定"
    assert document.current_version.source_name == "时限.docx"


def test_a_zip_becomes_a_batch_the_worker_runs_on_commit(cast, as_user, django_capture_on_commit_callbacks):
    client = as_user(cast.hq_admin)
    content = samples.zip_bytes({"制度/a.txt": "甲".encode(), "制度/b.xlsx": b"x"})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("knowledge:import"), form(cast, "制度.zip", content))
    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("knowledge:import-status", args=[batch.pk])
    batch.refresh_from_db()
    assert batch.status == B.DONE  # eager Celery in tests: the enqueued task ran on commit
    page = client.get(response["Location"]).content.decode()
    assert 'data-status="done"' in page
    assert page.count('data-testid="import-report-row"') == 2
    assert 'data-code="knowledge.import_unsupported_type"' in page
    assert reverse("knowledge:document", args=[Document.objects.get().pk]) in page


@pytest.mark.parametrize(
    ("name", "content", "named"),
    [
        ("假的.pdf", "其实是文本".encode(), "假的.pdf"),
        ("扫描件.pdf", samples.blank_pdf_bytes(), "扫描件.pdf"),
        ("炸弹.zip", samples.zip_bytes({"bomb.txt": b"0" * (5 * 1024 * 1024)}), "bomb.txt"),
        ("穿越.zip", samples.zip_bytes({"../../etc/evil.txt": b"x"}), "../../etc/evil.txt"),
    ],
)
def test_a_refused_file_is_explained_on_the_page_and_nothing_is_written(cast, as_user, name, content, named):
    response = as_user(cast.hq_admin).post(reverse("knowledge:import"), form(cast, name, content))
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-testid="form-errors"' in html
    assert named in html  # the message says which file
    assert (Document.objects.count(), ImportBatch.objects.count()) == (0, 0)


def test_a_form_without_a_file_or_kind_is_shown_again_with_its_errors(cast, as_user):
    response = as_user(cast.hq_admin).post(reverse("knowledge:import"), {"org_unit": cast.hq.pk})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-testid="error-file"' in html and 'data-testid="error-kind"' in html
    assert Document.objects.count() == 0


def test_a_unit_outside_write_scope_is_not_offered_nor_accepted(cast, as_user):
    officer = cast.officer_a
    officer.user_permissions.add(Permission.objects.get(codename="add_document", content_type__app_label="knowledge"))
    client = as_user(officer)
    assert "河北分公司" not in client.get(reverse("knowledge:import")).content.decode()
    response = client.post(reverse("knowledge:import"), form(cast, "a.txt", "甲".encode(), org_unit=cast.branch_b.pk))
    assert response.status_code == 400
    assert Document.objects.count() == 0


@pytest.mark.parametrize("who", ["officer_a", "manager", "outsider"])
def test_people_who_may_not_import_get_403_on_the_upload_page(cast, as_user, who):
    client = as_user(getattr(cast, who))
    assert client.get(reverse("knowledge:import")).status_code == 403
    response = client.post(reverse("knowledge:import"), form(cast, "a.txt", "甲".encode()))
    assert response.status_code == 403
    assert Document.objects.count() == 0


def test_the_upload_needs_a_csrf_token(cast):
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.hq_admin)
    assert client.post(reverse("knowledge:import"), form(cast, "a.txt", "甲".encode())).status_code == 403
    assert Document.objects.count() == 0


def test_wrong_methods_are_refused(cast, as_user):
    client = as_user(cast.hq_admin)
    batch = batch_in(cast, cast.hq)
    assert client.put(reverse("knowledge:import")).status_code == 405
    assert client.post(reverse("knowledge:import-status", args=[batch.pk])).status_code == 405
    assert client.post(reverse("knowledge:imports")).status_code == 405


def test_anonymous_visitors_are_sent_to_sign_in(db):
    response = Client().get(reverse("knowledge:import"))
    assert response.status_code == 302 and "login" in response["Location"]


# --- progress, list, downloads --------------------------------------------------------------------


def test_the_progress_block_polls_every_two_seconds_until_finished(cast, as_user):
    client = as_user(cast.hq_admin)
    batch = batch_in(cast, cast.hq)
    url = reverse("knowledge:import-status", args=[batch.pk])
    running = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 2s"' in running and f'hx-get="{url}"' in running
    assert "<html" not in running  # the partial only
    importing.import_batch_run(batch_id=batch.pk)
    finished = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in finished
    assert 'data-testid="import-done"' in finished and 'data-ok="false"' in finished


def test_batches_are_listed_and_shown_within_scope_only(cast, as_user):
    in_a, in_b = batch_in(cast, cast.branch_a), batch_in(cast, cast.branch_b)
    listing = as_user(cast.officer_a).get(reverse("knowledge:imports")).content.decode()
    assert f'data-batch-id="{in_a.pk}"' in listing and f'data-batch-id="{in_b.pk}"' not in listing
    everything = as_user(cast.manager).get(reverse("knowledge:imports")).content.decode()
    assert f'data-batch-id="{in_a.pk}"' in everything and f'data-batch-id="{in_b.pk}"' in everything
    for name in ("knowledge:import-status", "knowledge:import-source"):
        assert as_user(cast.officer_a).get(reverse(name, args=[in_a.pk])).status_code == 200
        assert as_user(cast.officer_b).get(reverse(name, args=[in_a.pk])).status_code == 404
        assert as_user(cast.officer_a).get(reverse(name, args=[999999])).status_code == 404


def test_people_without_view_permission_get_403_on_the_list_and_404_on_a_batch(cast, as_user):
    batch = batch_in(cast, cast.branch_a)
    client = as_user(cast.outsider)
    assert client.get(reverse("knowledge:imports")).status_code == 403
    assert client.get(reverse("knowledge:import-status", args=[batch.pk])).status_code == 404


def test_the_uploaded_zip_downloads_as_stored(cast, as_user):
    content = samples.zip_bytes({"a.txt": "甲".encode()})
    batch = importing.import_batch_create(
        actor=cast.hq_admin, org_unit=cast.hq, upload=upload("文件夹.zip", content), kind=Document.Kind.POLICY
    )
    response = as_user(cast.hq_admin).get(reverse("knowledge:import-source", args=[batch.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content
    assert response["Content-Type"] == "application/zip"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_original_file_of_a_version_downloads_for_its_readers_only(cast, as_user):
    document = imported_in(cast, cast.branch_a)
    url = reverse("knowledge:version-source", args=[document.pk, 1])
    response = as_user(cast.officer_a).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == "投诉处理办法正文".encode()
    assert "attachment" in response["Content-Disposition"]
    assert as_user(cast.officer_b).get(url).status_code == 404
    assert as_user(cast.outsider).get(url).status_code == 404
    assert as_user(cast.officer_a).get(reverse("knowledge:version-source", args=[document.pk, 2])).status_code == 404


def test_a_draft_original_downloads_for_writers_but_not_readers(cast, as_user):
    document = imported_in(cast, cast.hq, publish=False)
    url = reverse("knowledge:version-source", args=[document.pk, 1])
    assert as_user(cast.hq_admin).get(url).status_code == 200
    assert as_user(cast.officer_a).get(url).status_code == 404


def test_a_document_created_without_a_file_has_no_original_to_download(cast, as_user):
    from xiaobao.knowledge.services import document_create

    document = document_create(
        actor=cast.hq_admin, kind=Document.Kind.POLICY, title="手写", body="正文", org_unit=cast.hq
    )
    assert as_user(cast.hq_admin).get(reverse("knowledge:version-source", args=[document.pk, 1])).status_code == 404
