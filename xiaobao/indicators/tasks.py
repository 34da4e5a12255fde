"""Celery shells for indicators; the rules live in `services` (STYLE.md §3)."""

from celery import shared_task

from xiaobao.indicators import services


@shared_task(name="xiaobao.indicators.tasks.sweep")
def sweep() -> dict:
    """Every sweep: recompute the values whose source data changed, then raise or clear alerts; then the report
    jobs whose message was lost (the one periodic entry celery.py registers for indicators). Idempotent."""
    result = services.sweep()
    result["reports"] = sweep_reports()
    return result


@shared_task(name="xiaobao.indicators.tasks.compute")
def compute(period: str) -> dict:
    """Recompute every active indicator for one period (e.g. after a definition changed in admin)."""
    return services.indicator_compute(period=period)


# --- report jobs (I2: appended; the rules live in `reports`) ----------------------------------------------


@shared_task(name="xiaobao.indicators.tasks.run_report")
def run_report(job_id: int) -> str:
    """Build one queued report (board Word report or indicator workbook); safe to receive twice. Returns its status."""
    from xiaobao.indicators import reports

    return reports.report_job_run(job_id=job_id).status


@shared_task(name="xiaobao.indicators.tasks.sweep_reports")
def sweep_reports() -> dict:
    """Every sweep: build report jobs whose message was lost, fail those whose worker died."""
    from xiaobao.indicators import reports

    return reports.report_jobs_sweep()
