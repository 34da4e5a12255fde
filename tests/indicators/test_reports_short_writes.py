"""A report is built outside any transaction: only storing the finished file (with the job's status and its
audit row) is written, in one short transaction, so another user's write goes through while a report builds
and a failed build leaves no file."""

from __future__ import annotations

import pytest
from django.db import connection

from tests.helpers_uploads import write_meanwhile
from tests.indicators import pages_data
from tests.indicators.pages_data import YEAR
from xiaobao.core.models import User
from xiaobao.indicators import reports
from xiaobao.indicators.models import ReportJob

_media = pages_data._media


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", [ReportJob.Kind.INDICATOR_WORKBOOK, ReportJob.Kind.BOARD_REPORT])
def test_another_users_write_goes_through_while_a_report_is_built(cast, monkeypatch, kind):
    results: list = []
    real = reports._build

    def build_while_another_user_writes(job, *, step, now):
        assert not connection.in_atomic_block  # nothing held while the document is built
        step(50, "building")
        write_meanwhile(cast.officer_b, results)
        return real(job, step=step, now=now)

    monkeypatch.setattr(reports, "_build", build_while_another_user_writes)
    job = reports.report_job_create(actor=User.objects.get(pk=cast.hq_admin.pk), kind=kind, year=YEAR)
    done = reports.report_job_run(job_id=job.pk)
    assert results == [True] and done.status == ReportJob.Status.DONE and reports.job_output(done) is not None
    assert User.objects.get(pk=cast.officer_b.pk).first_name == "meanwhile"
