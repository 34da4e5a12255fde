"""Knowledge imports under faults: the same file or zip uploaded again is refused (never imported twice), one
rejected or failed may be retried; and a zip uploaded while the broker is down is kept, the user told so (no
500), and imported when the sweep comes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from tests.knowledge.files import samples
from tests.knowledge.test_importing import create_batch, import_one, upload
from xiaobao.core.api_errors import BusinessRuleError
from xiaobao.knowledge import importing, tasks
from xiaobao.knowledge.error_codes import IMPORT_DUPLICATE
from xiaobao.knowledge.models import Document, ImportBatch

B = ImportBatch.Status
FOLDER = {"办法.txt": "投诉处理办法正文".encode(), "细则.txt": "投诉处理细则正文".encode()}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def duplicate(call, *args, **kwargs) -> BusinessRuleError:
    with pytest.raises(BusinessRuleError) as caught:
        call(*args, **kwargs)
    assert caught.value.error_code == IMPORT_DUPLICATE and caught.value.status_code == 409
    return caught.value


def test_the_same_file_imported_again_is_refused_naming_the_document(cast):
    first = import_one(cast, "办法.txt", "投诉处理办法正文".encode())
    refusal = duplicate(import_one, cast, "另一个名字.txt", "投诉处理办法正文".encode())
    assert first.title in str(refusal.detail)
    assert Document.objects.count() == 1
    import_one(cast, "办法.txt", "投诉处理办法正文（修订）".encode())  # other content: a new document
    assert Document.objects.count() == 2


def test_the_same_zip_queued_or_done_is_refused_and_one_failed_may_be_retried(cast):
    zipped = samples.zip_bytes(FOLDER)
    batch = create_batch(cast, zipped)
    assert "正在导入" in str(duplicate(create_batch, cast, zipped).detail)  # still queued
    importing.import_batch_run(batch_id=batch.pk)
    assert ImportBatch.objects.get(pk=batch.pk).status == B.DONE
    assert "不会重复导入" in str(duplicate(create_batch, cast, zipped).detail)
    assert Document.objects.count() == 2

    ImportBatch.objects.filter(pk=batch.pk).update(status=B.FAILED)
    again = create_batch(cast, zipped)  # the retry of a failed one
    assert again.status == B.QUEUED


def test_the_same_zip_for_another_unit_is_its_own_import(cast):
    zipped = samples.zip_bytes(FOLDER)
    create_batch(cast, zipped)
    other = create_batch(cast, zipped, org_unit=cast.branch_a)
    assert other.status == B.QUEUED


@pytest.mark.django_db(transaction=True)  # as served: no test transaction around the view, so it sends at once
def test_a_zip_uploaded_while_the_broker_is_down_is_kept_and_imported_when_the_sweep_comes(cast, monkeypatch):
    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to localhost:6379. Connection refused.")

    monkeypatch.setattr(tasks.run_import, "apply_async", broker_down)
    client = Client()
    client.force_login(cast.hq_admin)
    data = {
        "file": upload("文件夹.zip", samples.zip_bytes(FOLDER)),
        "kind": Document.Kind.REGULATION,
        "org_unit": cast.hq.pk,
        "publish": "on",
    }
    response = client.post(reverse("knowledge:import"), data, follow=True)
    assert response.status_code == 200
    assert "后台处理服务暂时不可用" in response.content.decode()
    batch = ImportBatch.objects.get()
    assert batch.status == B.QUEUED

    ImportBatch.objects.filter(pk=batch.pk).update(created_at=timezone.now() - timedelta(minutes=2))
    tasks.sweep_imports()
    batch.refresh_from_db()
    assert (batch.status, batch.imported) == (B.DONE, 2)


def test_the_api_answers_202_while_the_broker_is_down_and_keeps_the_zip(cast, monkeypatch):
    from rest_framework.test import APIClient

    monkeypatch.setattr(tasks.run_import, "apply_async", lambda *a, **k: (_ for _ in ()).throw(OperationalError))
    client = APIClient()
    client.force_authenticate(cast.hq_admin)
    response = client.post(
        reverse("api-knowledge-imports"),
        {"file": upload("文件夹.zip", samples.zip_bytes(FOLDER)), "kind": Document.Kind.REGULATION},
        format="multipart",
    )
    assert response.status_code == 202
    assert ImportBatch.objects.get().status == B.QUEUED
