"""Celery shells; the rules live in services (STYLE.md §3)."""

from celery import shared_task

from xiaobao.workflow import services


@shared_task(name="xiaobao.workflow.tasks.sweep_timers")
def sweep_timers():
    """Reminders, overdue marks (督办) and BPMN timers; idempotent, run by beat every SWEEP_INTERVAL_SECONDS."""
    return services.sweep_timers()
