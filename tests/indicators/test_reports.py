"""报告生成 jobs: who may queue one and what is refused, the worker's run with its progress and output, a run
received twice, a failed build, and the sweep that picks up lost and dead jobs."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from tests.indicators import pages_data
from tests.indicators.pages_data import YEAR
from xiaobao.core.api_errors import BusinessRuleError
from xiaobao.core.models import AuditEntry
from xiaobao.indicators import error_codes as codes
from xiaobao.indicators import reports
from xiaobao.indicators.models import ReportJob

S = ReportJob.Status
WORKBOOK = ReportJob.Kind.INDICATOR_WORKBOOK
BOARD = ReportJob.Kind.BOARD_REPORT

# the shared fixtures (pages_data is not a conftest: the engine tests own that)
_media = pages_data._media
figures = pages_data.figures


@pytest.mark.django_db
def test_an_hq_admin_queues_a_report_for_their_unit(cast):
    job = reports.report_job_create(actor=cast.hq_admin, kind=BOARD, year=YEAR)
    assert (job.status, job.org_unit, job.year, job.created_by) == (S.QUEUED, cast.hq, YEAR, cast.hq_admin)
    assert AuditEntry.objects.filter(action="indicators.report_queued", object_id=str(job.pk)).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["officer_a", "manager", "outsider"])
def test_a_user_who_may_not_generate_reports_is_refused_and_nothing_is_written(cast, who):
    with pytest.raises(BusinessRuleError) as refused:
        reports.report_job_create(actor=getattr(cast, who), kind=BOARD, year=YEAR)
    assert (refused.value.error_code, refused.value.status_code) == (codes.NOT_ALLOWED, 403)
    assert not ReportJob.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kind", "year", "code"),
    [
        ("monthly_gossip", YEAR, codes.INVALID),
        (BOARD, 1999, codes.BAD_PERIOD),
        (BOARD, timezone.localdate().year + 1, codes.BAD_PERIOD),
        (BOARD, "twenty", codes.BAD_PERIOD),
    ],
)
def test_an_unknown_kind_or_a_year_out_of_range_is_refused(cast, kind, year, code):
    with pytest.raises(BusinessRuleError) as refused:
        reports.report_job_create(actor=cast.hq_admin, kind=kind, year=year)
    assert refused.value.error_code == code
    assert not ReportJob.objects.exists()


@pytest.mark.django_db
def test_the_worker_builds_the_workbook_with_progress_and_stores_it_on_the_job(figures):
    job = reports.report_job_create(actor=figures.hq_admin, kind=WORKBOOK, year=YEAR)
    steps = []
    done = reports.report_job_run(job_id=job.pk, progress=lambda percent, text: steps.append((percent, text)))
    assert (done.status, done.progress) == (S.DONE, 100)
    assert done.finished_at is not None
    assert steps and [p for p, _t in steps] == sorted(p for p, _t in steps)
    output = reports.job_output(done)
    assert output.name == f"{YEAR}年度消保指标报表.xlsx" and output.kind == "xlsx"
    with output.file.open("rb") as handle:
        book = load_workbook(io.BytesIO(handle.read()))
    assert "投诉" in book.sheetnames


@pytest.mark.django_db
def test_the_worker_builds_the_board_report_as_word(figures):
    job = reports.report_job_create(actor=figures.hq_admin, kind=BOARD, year=YEAR)
    done = reports.report_job_run(job_id=job.pk)
    assert done.status == S.DONE
    assert reports.job_output(done).kind == "docx"


@pytest.mark.django_db
def test_a_job_received_twice_is_built_once(figures):
    job = reports.report_job_create(actor=figures.hq_admin, kind=WORKBOOK, year=YEAR)
    reports.report_job_run(job_id=job.pk)
    again = reports.report_job_run(job_id=job.pk)
    assert again.status == S.DONE
    from xiaobao.core.models import Attachment

    assert Attachment.objects.filter(object_id=str(job.pk), purpose=reports.OUTPUT).count() == 1


@pytest.mark.django_db
def test_a_failed_build_leaves_the_job_failed_with_a_message_and_no_file(figures, monkeypatch):
    job = reports.report_job_create(actor=figures.hq_admin, kind=WORKBOOK, year=YEAR)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("xiaobao.indicators.workbook.indicator_workbook", broken)
    done = reports.report_job_run(job_id=job.pk)
    assert done.status == S.FAILED and done.message
    assert "disk full" not in done.message
    assert reports.job_output(done) is None


@pytest.mark.django_db
def test_the_sweep_runs_a_lost_job_retries_a_dead_one_and_fails_one_that_keeps_dying(figures):
    now = timezone.now()
    lost = reports.report_job_create(actor=figures.hq_admin, kind=WORKBOOK, year=YEAR, now=now - timedelta(minutes=5))
    fresh = reports.report_job_create(actor=figures.hq_admin, kind=WORKBOOK, year=YEAR, now=now)
    dead = reports.report_job_create(actor=figures.hq_admin, kind=WORKBOOK, year=YEAR, now=now - timedelta(hours=3))
    dying = reports.report_job_create(actor=figures.hq_admin, kind=WORKBOOK, year=YEAR, now=now - timedelta(hours=3))
    beating = reports.report_job_create(actor=figures.hq_admin, kind=WORKBOOK, year=YEAR, now=now - timedelta(hours=3))
    silent = now - reports.HEARTBEAT_STALE - timedelta(minutes=1)
    ReportJob.objects.filter(pk=dead.pk).update(status=S.RUNNING, attempts=1, heartbeat_at=silent)
    ReportJob.objects.filter(pk=dying.pk).update(status=S.RUNNING, attempts=reports.MAX_ATTEMPTS, heartbeat_at=silent)
    ReportJob.objects.filter(pk=beating.pk).update(status=S.RUNNING, attempts=1, heartbeat_at=now)
    result = reports.report_jobs_sweep(now=now)
    assert result == {"ran": 2, "retried": 1, "failed": 1}
    statuses = dict(ReportJob.objects.values_list("pk", "status"))
    assert statuses == {
        lost.pk: S.DONE,
        fresh.pk: S.QUEUED,
        dead.pk: S.DONE,
        dying.pk: S.FAILED,
        beating.pk: S.RUNNING,
    }
    assert ReportJob.objects.get(pk=dying.pk).message


@pytest.mark.django_db
def test_jobs_are_seen_within_scope_only(cast):
    job = reports.report_job_create(actor=cast.hq_admin, kind=WORKBOOK, year=YEAR)
    assert list(reports.report_jobs_visible_to(cast.manager)) == [job]
    assert list(reports.report_jobs_visible_to(cast.officer_a)) == []  # HQ's job is above branch A
    assert list(reports.report_jobs_visible_to(cast.outsider)) == []


@pytest.mark.django_db
def test_the_documents_agree_with_the_engine_and_the_complaint_statistics(world):
    """Over real records (the engine tests' world): values computed by the engine for 2025, then both documents."""
    import io as _io

    from docx import Document

    from xiaobao.indicators import board_docx, services, workbook

    services.indicator_compute(period="2025")
    spec = {s["category"]: s for s in workbook.indicator_sheets(world.hq_admin, unit=world.hq, year=2025)}
    complaints = spec["complaints"]
    rate = [d.code for d in complaints["definitions"]].index("complaints_on_time_rate") + 2
    # HQ has no complaints of its own: the workbook's 合计 over A and B is the engine's HQ figure, and B closed
    # its one complaint late (0 %), so the mean of the two branch rates would be far below it
    a_rate, b_rate = (row[rate] for row in complaints["rows"])
    assert b_rate == 0 and a_rate > 0
    assert complaints["totals"][rate] == complaints["own"][rate]
    assert complaints["totals"][rate] > (a_rate + b_rate) / 2

    text = "\n".join(
        p.text
        for p in Document(_io.BytesIO(board_docx.board_report(world.hq_admin, unit=world.hq, year=2025))).paragraphs
    )
    # the complaints app counts 8 received in 2025 (7 in Q1, 1 on 1 April): the same as the indicator
    assert "全年受理消费投诉8件" in text
    # 方案管理's activities of the year: A 2 and A1 1 (B's session belongs to a training plan, not 宣教)
    assert "全年开展宣教活动3场，触达消费者6,200人次" in text


@pytest.mark.django_db
def test_the_periodic_indicator_sweep_picks_up_a_lost_report(figures):
    from xiaobao.indicators import tasks

    lost = reports.report_job_create(
        actor=figures.hq_admin, kind=WORKBOOK, year=YEAR, now=timezone.now() - timedelta(minutes=5)
    )
    assert tasks.sweep()["reports"] == {"ran": 1, "retried": 0, "failed": 0}
    lost.refresh_from_db()
    assert lost.status == S.DONE
