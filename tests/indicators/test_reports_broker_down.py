"""Report jobs while the broker is down: the request is kept as a queued job (the API still answers 202, the
page says it will start by itself, no 500), and the sweep builds it once the worker runs again."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError
from rest_framework.test import APIClient

from tests.indicators import pages_data
from tests.indicators.pages_data import YEAR
from xiaobao.core import queueing
from xiaobao.indicators import reports, tasks
from xiaobao.indicators.models import ReportJob

S = ReportJob.Status
_media = pages_data._media
figures = pages_data.figures


def broker_down(*args, **kwargs):
    raise OperationalError("Error 111 connecting to localhost:6379. Connection refused.")


@pytest.mark.django_db
def test_a_report_asked_for_while_the_broker_is_down_is_kept_and_built_by_the_sweep(
    figures, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(tasks.run_report, "apply_async", broker_down)
    client = APIClient()
    client.force_authenticate(figures.hq_admin)
    with django_capture_on_commit_callbacks(execute=True):  # the message is sent on commit, and fails
        response = client.post(
            reverse("api-indicators-reports"),
            {"kind": ReportJob.Kind.BOARD_REPORT, "year": YEAR},
            format="json",
        )
    assert response.status_code == 202
    job = ReportJob.objects.get()
    assert job.status == S.QUEUED  # kept, waiting for the broker

    ReportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(minutes=2))
    reports.report_jobs_sweep()
    job.refresh_from_db()
    assert job.status == S.DONE


@pytest.mark.django_db
def test_the_report_page_keeps_the_request_and_says_it_will_start_by_itself(figures, monkeypatch, client):
    monkeypatch.setattr(tasks.run_report, "apply_async", broker_down)
    # In production the page's request is not inside a transaction, so the message goes at once (here the test's
    # own transaction would defer it to a commit that never comes).
    monkeypatch.setattr(queueing, "enqueue", lambda task, *args: queueing._send(task, args))
    client.force_login(figures.hq_admin)
    response = client.post(
        reverse("indicators:reports"), {"kind": ReportJob.Kind.BOARD_REPORT, "year": YEAR}, follow=True
    )
    assert response.status_code == 200
    job = ReportJob.objects.get()
    assert job.status == S.QUEUED
    assert response.redirect_chain[-1][0] == reverse("indicators:report-status", args=[job.pk])
    page = response.content.decode()
    assert "服务恢复后将自动开始生成" in page
    assert "文件已上传" not in page  # nothing was uploaded: the upload wording would mislead

    ReportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(minutes=2))
    reports.report_jobs_sweep()
    job.refresh_from_db()
    assert job.status == S.DONE
