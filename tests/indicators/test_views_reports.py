"""报告生成 pages: the request form queues a job and the worker runs on commit; the status page (htmx partial
with progress and step) and the download; refusals, scope (404) and permissions (403)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.indicators import pages_data
from tests.indicators.pages_data import YEAR
from xiaobao.indicators import reports
from xiaobao.indicators.models import ReportJob

REPORTS = reverse("indicators:reports")
S = ReportJob.Status

# the shared fixtures (pages_data is not a conftest: the engine tests own that)
_media = pages_data._media
figures = pages_data.figures


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def status_url(job) -> str:
    return reverse("indicators:report-status", args=[job.pk])


def download_url(job) -> str:
    return reverse("indicators:report-download", args=[job.pk])


@pytest.mark.django_db
def test_asking_for_a_report_queues_it_and_the_worker_builds_it_on_commit(figures, django_capture_on_commit_callbacks):
    client = client_for(figures.hq_admin)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(REPORTS, {"kind": ReportJob.Kind.BOARD_REPORT, "year": YEAR})
    job = ReportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == status_url(job)
    assert len(callbacks) == 1
    job.refresh_from_db()
    assert job.status == S.DONE
    page = client.get(status_url(job))
    assert 'data-testid="report-download"' in page.content.decode()
    download = client.get(download_url(job))
    assert download.status_code == 200
    assert download["Content-Type"] == reports.MIME[ReportJob.Kind.BOARD_REPORT]
    assert "attachment" in download["Content-Disposition"]


@pytest.mark.django_db
def test_the_htmx_poll_gets_the_progress_block_until_the_job_finishes(figures):
    job = reports.report_job_create(actor=figures.hq_admin, kind=ReportJob.Kind.INDICATOR_WORKBOOK, year=YEAR)
    ReportJob.objects.filter(pk=job.pk).update(status=S.RUNNING, progress=40, step="撰写：消费投诉")
    client = client_for(figures.hq_admin)
    partial = client.get(status_url(job), HTTP_HX_REQUEST="true")
    html = partial.content.decode()
    assert html.startswith('<div id="report-progress"')
    assert 'hx-trigger="every 2s"' in html and 'data-percent="40"' in html and "撰写：消费投诉" in html
    reports.report_jobs_sweep()  # nothing to pick up: the job is running, not queued
    ReportJob.objects.filter(pk=job.pk).update(status=S.QUEUED)
    reports.report_job_run(job_id=job.pk)
    finished = client.get(status_url(job), HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in finished and 'data-testid="report-download"' in finished


@pytest.mark.django_db
def test_a_download_before_the_report_exists_is_404(figures):
    job = reports.report_job_create(actor=figures.hq_admin, kind=ReportJob.Kind.BOARD_REPORT, year=YEAR)
    assert client_for(figures.hq_admin).get(download_url(job)).status_code == 404


@pytest.mark.django_db
def test_a_bad_year_is_shown_on_the_form_and_nothing_is_queued(figures, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client_for(figures.hq_admin).post(REPORTS, {"kind": ReportJob.Kind.BOARD_REPORT, "year": 1990})
    assert response.status_code == 400
    assert not ReportJob.objects.exists() and not callbacks


@pytest.mark.django_db
def test_a_future_year_is_refused_by_the_service(figures):
    from django.utils import timezone

    response = client_for(figures.hq_admin).post(
        REPORTS, {"kind": ReportJob.Kind.BOARD_REPORT, "year": timezone.localdate().year + 1}
    )
    assert response.status_code == 400 and response.context["error"]
    assert not ReportJob.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["officer_a", "manager"])
def test_readers_see_the_page_but_cannot_ask_for_a_report(figures, who):
    client = client_for(getattr(figures, who))
    page = client.get(REPORTS)
    assert page.status_code == 200 and 'data-testid="report-form"' not in page.content.decode()
    assert client.post(REPORTS, {"kind": ReportJob.Kind.BOARD_REPORT, "year": YEAR}).status_code == 403
    assert not ReportJob.objects.exists()


@pytest.mark.django_db
def test_a_job_outside_my_scope_is_404_and_a_user_without_permission_is_refused(figures):
    job = reports.report_job_create(actor=figures.hq_admin, kind=ReportJob.Kind.BOARD_REPORT, year=YEAR)
    reports.report_job_run(job_id=job.pk)
    officer = client_for(figures.officer_a)
    assert officer.get(status_url(job)).status_code == 404
    assert officer.get(download_url(job)).status_code == 404
    outsider = client_for(figures.outsider)
    for url in (REPORTS, status_url(job), download_url(job)):
        assert outsider.get(url).status_code == 403
    assert client_for(figures.manager).get(download_url(job)).status_code == 200
