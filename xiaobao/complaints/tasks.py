"""Celery shells for complaints; the rules live in `imports` (STYLE.md §3)."""

from celery import shared_task

from xiaobao.complaints import import_sweep, imports


@shared_task(name="xiaobao.complaints.tasks.run_import")
def run_import(job_id: int) -> str:
    """Check and import one uploaded workbook (all rows or none); safe to receive twice. Returns the job's status."""
    return imports.import_job_run(job_id=job_id).status


@shared_task(name="xiaobao.complaints.tasks.sweep_imports")
def sweep_imports() -> dict:
    """Every sweep: run import jobs whose message was lost, fail those whose worker died."""
    return import_sweep.import_jobs_sweep()
