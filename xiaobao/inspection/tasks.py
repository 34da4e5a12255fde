"""Celery shells for inspection; the rules live in `scanning` and `decisions` (STYLE.md §3)."""

from celery import shared_task

from xiaobao.inspection import decisions, scanning


@shared_task(name="xiaobao.inspection.tasks.run_scan", acks_late=True)
def run_scan(job_id: int) -> str:
    """Scan one job's interactions in batches (resumes from its cursor); safe to receive twice."""
    return scanning.scan_job_run(job_id=job_id).status


@shared_task(name="xiaobao.inspection.tasks.sweep")
def sweep() -> dict:
    """Every sweep: hand waiting or orphaned scan jobs to workers; close findings whose rectification closed."""
    waiting = scanning.scan_jobs_waiting()
    for job_id in waiting:
        run_scan.delay(job_id)
    return {"jobs": len(waiting), "rectified": decisions.rectifications_sync()}
