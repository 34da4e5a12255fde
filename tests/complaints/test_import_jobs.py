"""批量导入 under faults: rows staged invisible in short batches, other users' writes going through meanwhile,
a dead worker's job retried or failed by the sweep, the same workbook never imported twice, and an upload
kept (not a 500) when the broker is down."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import OperationalError, connection
from django.urls import reverse
from django.utils import timezone

from tests.complaints.test_import import row, upload, xlsx
from xiaobao.complaints import error_codes as codes
from xiaobao.complaints import imports, services, tasks
from xiaobao.complaints.models import Complaint, ImportJob
from xiaobao.core import audit
from xiaobao.core.api_errors import BusinessRuleError
from xiaobao.core.models import AuditEntry, User
from xiaobao.workflow.models import ProcessInstance

J = ImportJob.Status
STATE = Complaint.ImportState


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


class WorkerKilled(BaseException):
    """Stands for SIGKILL: not an Exception, so nothing in the import catches it."""


def queued(user, rows) -> ImportJob:
    return imports.import_job_create(actor=user, upload=upload(xlsx(rows)))


def age_heartbeat(job: ImportJob, minutes: int = 4) -> None:
    ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - timedelta(minutes=minutes))


# --- staged invisible, in short transactions ---------------------------------------------------------


def test_rows_are_staged_invisible_between_short_batches_then_published_at_once(cast, monkeypatch):
    monkeypatch.setattr(imports, "BATCH_ROWS", 4)
    monkeypatch.setattr(imports, "BATCH_SECONDS", 3600)  # batches end by rows only here
    outer = len(connection.atomic_blocks)  # the test's own transaction
    between_batches = []
    real = imports._progress

    def spy(job, processed):
        if job.status == J.IMPORTING:
            # no transaction is open between batches, and what is staged so far is seen by nobody
            between_batches.append(
                (
                    len(connection.atomic_blocks) > outer,
                    Complaint.objects.count(),
                    Complaint.with_staged.filter(import_state=STATE.STAGED).count(),
                )
            )
        real(job, processed)

    monkeypatch.setattr(imports, "_progress", spy)
    job = queued(cast.officer_a, [row(i) for i in range(10)])
    imports.import_job_run(job_id=job.pk)
    assert between_batches == [(False, 0, 4), (False, 0, 8), (False, 0, 10)]
    job.refresh_from_db()
    assert job.status == J.DONE and job.published_at is not None
    assert Complaint.objects.filter(import_job=job, import_state="").count() == 10


def test_a_refusal_in_a_late_batch_removes_every_staged_row(cast, monkeypatch):
    monkeypatch.setattr(imports, "BATCH_ROWS", 3)
    monkeypatch.setattr(imports, "BATCH_SECONDS", 3600)  # batches end by rows only here
    real = services.complaint_register
    calls = []

    def refuse_the_eighth(**kwargs):
        calls.append(1)
        if len(calls) == 8:
            raise BusinessRuleError(codes.INVALID, "refused by the service")
        return real(**kwargs)

    monkeypatch.setattr(services, "complaint_register", refuse_the_eighth)
    job = queued(cast.officer_a, [row(i) for i in range(10)])
    imports.import_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == J.REJECTED
    assert not Complaint.with_staged.exists()
    assert not AuditEntry.objects.filter(action="complaint.register").exists()


def test_a_process_start_reads_before_its_batch_and_only_writes_inside_it(cast, monkeypatch):
    """Starting an imported row's process reads the complaint, its unit's officers (who hear of it) and the
    accepting deadline's rule before the batch's transaction; inside the transaction the start only writes (and
    re-reads the row's own state under its lock). A read of the officers or of a rule inside an activation
    fails the test: that is time every other user's write would wait for on SQLite."""
    monkeypatch.setattr(imports, "BATCH_SECONDS", 3600)
    outer = len(connection.atomic_blocks)  # the test's own transaction
    activating = []
    real_activate = services.complaint_activate

    def activate(**kwargs):
        activating.append(True)
        try:
            return real_activate(**kwargs)
        finally:
            activating.pop()

    monkeypatch.setattr(services, "complaint_activate", activate)
    inside, outside = [], []

    def record(execute, sql, params, many, context):
        if activating:
            inside.append(sql)
        elif len(connection.atomic_blocks) == outer:
            outside.append(sql)
        return execute(sql, params, many, context)

    job = queued(cast.officer_a, [row(i) for i in range(6)])
    with connection.execute_wrapper(record):
        imports.import_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == J.DONE and ProcessInstance.objects.count() == 6
    reads_of = {"officers": '"core_user"', "rules": '"complaints_complaintrule"'}
    for what, table in reads_of.items():
        assert any(table in sql for sql in outside if sql.startswith("SELECT")), what  # read once, before
        assert not [sql for sql in inside if sql.startswith("SELECT") and table in sql.split("WHERE")[0]], what


@pytest.mark.django_db(transaction=True)
def test_other_users_writes_go_through_while_an_import_runs(cast, monkeypatch):
    """A second connection writes (an audited write) in the middle of the import, while the import waits for
    it. Had the import held one transaction (or the audit chain head) throughout, that write would wait on
    the import's lock (PostgreSQL) or fail as locked (SQLite), the import would give up waiting, and the
    test fails."""
    monkeypatch.setattr(imports, "BATCH_ROWS", 3)
    monkeypatch.setattr(imports, "BATCH_SECONDS", 3600)  # batches end by rows only here
    done_writes = []
    real = imports._progress

    def other_user_writes():
        try:
            audit.record(actor=cast.officer_b, action="test.meanwhile", obj=cast.officer_b)
            User.objects.filter(pk=cast.officer_b.pk).update(first_name="meanwhile")
            done_writes.append(True)
        except Exception as problem:  # recorded, so the assertion says what happened
            done_writes.append(problem)
        finally:
            connection.close()

    def while_importing(job, processed):
        real(job, processed)
        if job.status == J.IMPORTING and processed == 3:
            writer = threading.Thread(target=other_user_writes)
            writer.start()
            writer.join(timeout=30)  # a guard against hanging for ever, not a timing assertion

    monkeypatch.setattr(imports, "_progress", while_importing)
    job = queued(cast.officer_a, [row(i) for i in range(9)])
    imports.import_job_run(job_id=job.pk)
    assert done_writes == [True]
    job.refresh_from_db()
    assert job.status == J.DONE and job.imported == 9
    assert AuditEntry.objects.filter(action="test.meanwhile").count() == 1
    assert User.objects.get(pk=cast.officer_b.pk).first_name == "meanwhile"


# --- a worker that dies --------------------------------------------------------------------------------


def test_a_job_whose_worker_died_while_staging_is_retried_and_imported_once(cast, monkeypatch):
    monkeypatch.setattr(imports, "BATCH_ROWS", 2)
    monkeypatch.setattr(imports, "BATCH_SECONDS", 3600)  # batches end by rows only here
    real_publish = imports._publish

    def killed(job):
        raise WorkerKilled

    monkeypatch.setattr(imports, "_publish", killed)
    job = queued(cast.officer_a, [row(i) for i in range(5)])
    with pytest.raises(WorkerKilled):
        imports.import_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == J.IMPORTING
    assert Complaint.with_staged.filter(import_state=STATE.STAGED).count() == 5
    assert Complaint.objects.count() == 0  # staged rows: nobody sees them

    monkeypatch.setattr(imports, "_publish", real_publish)
    assert tasks.sweep_imports() == {"ran": 0, "retried": 0, "failed": 0}  # its heartbeat is recent
    age_heartbeat(job)
    assert tasks.sweep_imports() == {"ran": 1, "retried": 1, "failed": 0}
    job.refresh_from_db()
    assert job.status == J.DONE and job.attempts == 2
    assert Complaint.with_staged.count() == Complaint.objects.count() == 5
    assert AuditEntry.objects.filter(action="complaint.register").count() == 5


def test_a_job_that_died_after_publishing_only_finishes_starting_the_processes(cast, monkeypatch):
    monkeypatch.setattr(imports, "BATCH_ROWS", 1)  # each process start commits alone
    monkeypatch.setattr(imports, "BATCH_SECONDS", 3600)
    real = services.complaint_activate
    started = []

    def dies_after_two(**kwargs):
        if len(started) == 2:
            raise WorkerKilled
        started.append(1)
        return real(**kwargs)

    monkeypatch.setattr(services, "complaint_activate", dies_after_two)
    job = queued(cast.officer_a, [row(i) for i in range(4)])
    with pytest.raises(WorkerKilled):
        imports.import_job_run(job_id=job.pk)
    assert Complaint.objects.count() == 4  # published: visible, two still waiting for their process
    assert Complaint.objects.filter(import_state=STATE.PUBLISHED).count() == 2

    monkeypatch.setattr(services, "complaint_activate", real)
    age_heartbeat(job)
    tasks.sweep_imports()
    job.refresh_from_db()
    assert (job.status, job.imported) == (J.DONE, 4)
    assert Complaint.objects.filter(import_state="").count() == 4
    assert AuditEntry.objects.filter(action="complaint.register").count() == 4  # each process started once
    assert one_process_each(job)


def one_process_each(job: ImportJob) -> bool:
    """Every complaint of the job has exactly one process instance."""
    complaints = {str(pk) for pk in Complaint.objects.filter(import_job=job).values_list("pk", flat=True)}
    instances = list(
        ProcessInstance.objects.filter(
            content_type=ContentType.objects.get_for_model(Complaint), object_id__in=complaints
        ).values_list("object_id", flat=True)
    )
    return bool(complaints) and sorted(instances) == sorted(complaints)


def test_a_database_error_while_starting_the_processes_queues_the_job_to_resume_not_fail(cast, monkeypatch):
    monkeypatch.setattr(imports, "BATCH_ROWS", 2)
    monkeypatch.setattr(imports, "BATCH_SECONDS", 3600)
    real = services.complaint_activate
    started = []

    def database_restarts_after_three(**kwargs):
        if len(started) == 3:
            raise OperationalError("server closed the connection unexpectedly")
        started.append(1)
        return real(**kwargs)

    monkeypatch.setattr(services, "complaint_activate", database_restarts_after_three)
    job = queued(cast.officer_a, [row(i) for i in range(6)])
    imports.import_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == J.QUEUED and job.attempts == 1  # not failed: queued to resume
    assert Complaint.objects.count() == 6
    # the batch that broke (rows 3 and 4) rolled back whole: two started, four still waiting
    assert Complaint.objects.filter(import_state=STATE.PUBLISHED).count() == 4

    seen = []
    resumed = imports._activate_and_finish

    def resuming(job, **kwargs):
        seen.append(ImportJob.objects.get(pk=job.pk).status)
        return resumed(job, **kwargs)

    monkeypatch.setattr(imports, "_activate_and_finish", resuming)
    monkeypatch.setattr(services, "complaint_activate", real)
    assert tasks.sweep_imports()["ran"] == 1  # a job queued again does not wait for its own message
    assert seen == [J.IMPORTING]  # resuming shows as importing, not as checking the file again
    job.refresh_from_db()
    assert (job.status, job.imported, job.attempts) == (J.DONE, 6, 2)
    assert not Complaint.with_staged.exclude(import_state="").exists()
    assert one_process_each(job)
    assert AuditEntry.objects.filter(action="complaint.register").count() == 6
    assert tasks.sweep_imports() == {"ran": 0, "retried": 0, "failed": 0}  # nothing left to resume


def test_an_activation_that_keeps_breaking_is_failed_naming_the_complaints_still_waiting(cast, monkeypatch):
    monkeypatch.setattr(services, "complaint_activate", lambda **kwargs: (_ for _ in ()).throw(OperationalError))
    job = queued(cast.officer_a, [row(i) for i in range(2)])
    imports.import_job_run(job_id=job.pk)
    for _attempt in range(imports.MAX_ACTIVATION_ATTEMPTS - 1):
        assert ImportJob.objects.get(pk=job.pk).status == J.QUEUED
        tasks.sweep_imports()
    job.refresh_from_db()
    assert job.status == J.FAILED and job.attempts == imports.MAX_ACTIVATION_ATTEMPTS
    assert "2 条的处理流程未能启动" in job.message
    assert Complaint.objects.count() == 2  # visible: an administrator can still start them


def test_a_job_that_keeps_dying_is_failed_with_a_message_and_leaves_nothing(cast, monkeypatch):
    monkeypatch.setattr(imports, "_publish", lambda job: (_ for _ in ()).throw(WorkerKilled))
    job = queued(cast.officer_a, [row(i) for i in range(3)])
    for _attempt in range(imports.MAX_ATTEMPTS):
        with pytest.raises(WorkerKilled):
            if ImportJob.objects.get(pk=job.pk).status == J.QUEUED and _attempt == 0:
                imports.import_job_run(job_id=job.pk)
            else:
                tasks.sweep_imports()
        age_heartbeat(job)
    assert tasks.sweep_imports()["failed"] == 1
    job.refresh_from_db()
    assert job.status == J.FAILED and "多次中断" in job.message
    assert not Complaint.with_staged.exists()
    assert not imports.job_files(job).filter(purpose=imports.SOURCE).exists()


def test_a_run_taken_for_dead_cannot_write_to_the_job_any_more(cast):
    job = queued(cast.officer_a, [row(0)])
    ImportJob.objects.filter(pk=job.pk).update(status=J.CHECKING, attempts=1)
    late = ImportJob.objects.get(pk=job.pk)
    age_heartbeat(job)
    ImportJob.objects.filter(pk=job.pk).update(attempts=2)  # the retry claimed it
    with pytest.raises(imports._Superseded):
        imports._beat(late, processed_rows=1)
    assert ImportJob.objects.get(pk=job.pk).processed_rows == 0


def test_the_celery_tasks_are_acknowledged_late_and_given_back_by_a_lost_worker(settings):
    from xiaobao.celery import app

    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True


# --- the same workbook twice ---------------------------------------------------------------------------


def test_a_workbook_already_imported_is_refused_naming_the_earlier_job(cast):
    content = xlsx([row(0), row(1)])
    first = imports.import_job_create(actor=cast.officer_a, upload=upload(content))
    imports.import_job_run(job_id=first.pk)
    with pytest.raises(BusinessRuleError) as refused:
        imports.import_job_create(actor=cast.officer_a, upload=upload(content, "改了名字.xlsx"))
    assert refused.value.error_code == codes.IMPORT_DUPLICATE and refused.value.status_code == 409
    assert f"#{first.pk}" in str(refused.value.detail)
    assert ImportJob.objects.count() == 1 and Complaint.objects.count() == 2


def test_a_workbook_still_queued_is_refused_and_one_rejected_may_be_retried(cast):
    content = xlsx([row(0)])
    imports.import_job_create(actor=cast.officer_a, upload=upload(content))
    with pytest.raises(BusinessRuleError) as refused:
        imports.import_job_create(actor=cast.officer_a, upload=upload(content))
    assert refused.value.error_code == codes.IMPORT_DUPLICATE
    ImportJob.objects.update(status=J.REJECTED)
    again = imports.import_job_create(actor=cast.officer_a, upload=upload(content))
    assert again.status == J.QUEUED


def test_someone_outside_the_scope_is_refused_without_learning_the_earlier_job(cast):
    content = xlsx([row(0)])
    first = imports.import_job_create(actor=cast.officer_a, upload=upload(content))
    with pytest.raises(BusinessRuleError) as refused:
        imports.import_job_create(actor=cast.officer_b, upload=upload(content))
    assert refused.value.error_code == codes.IMPORT_DUPLICATE
    assert f"#{first.pk}" not in str(refused.value.detail)


def test_the_database_refuses_a_second_live_job_for_one_workbook(cast):
    from django.db import IntegrityError, transaction

    job = queued(cast.officer_a, [row(0)])
    with pytest.raises(IntegrityError), transaction.atomic():
        ImportJob.objects.create(
            org_unit=cast.branch_a,
            created_by=cast.officer_a,
            created_at=timezone.now(),
            file_name="x.xlsx",
            source_sha256=job.source_sha256,
        )


# --- the broker down at upload ------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)  # as in production: the page's request commits before it enqueues
def test_an_upload_while_the_broker_is_down_is_kept_and_runs_when_the_sweep_comes(cast, client, monkeypatch):
    from kombu.exceptions import OperationalError

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to localhost:6379. Connection refused.")

    monkeypatch.setattr(tasks.run_import, "apply_async", broker_down)
    client.force_login(cast.officer_a)
    response = client.post(reverse("complaints:import"), {"file": upload(xlsx([row(0), row(1)]))}, follow=True)
    assert response.status_code == 200
    job = ImportJob.objects.get()
    assert job.status == J.QUEUED
    assert "后台处理服务暂时不可用" in response.content.decode()
    ImportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(minutes=2))
    assert tasks.sweep_imports()["ran"] == 1
    job.refresh_from_db()
    assert job.status == J.DONE and Complaint.objects.count() == 2


@pytest.mark.django_db
def test_a_batch_ends_at_the_next_row_once_another_users_write_waits_for_it(monkeypatch):
    """A batch has room for more rows (BATCH_ROWS, BATCH_SECONDS) but a user's write is waiting: it takes no
    further row, so that write waits for the row under way only."""
    from django.db import connections

    monkeypatch.setattr(imports, "BATCH_SECONDS", 3600)
    waiting = []
    monkeypatch.setattr(type(connections["default"]), "users_waiting", lambda self: bool(waiting), raising=False)
    with imports._batch() as more:
        assert more() and more()  # nobody waits: rows go on
        waiting.append(True)
        assert not more()


@pytest.mark.django_db
def test_a_batch_takes_no_row_it_cannot_finish_within_its_time(monkeypatch):
    """Rows that take most of BATCH_SECONDS (a process start on a busy machine) go one to a batch: the batch
    does not start a row that would carry it past its time."""
    import time

    monkeypatch.setattr(imports, "BATCH_SECONDS", 0.2)
    with imports._batch() as more:
        assert more()
        time.sleep(0.12)  # the first row took 0.12 s: a second like it would end at 0.24 s
        assert not more()
