from celery import shared_task


@shared_task(name="xiaobao.workflow.tasks.sweep_timers")
def sweep_timers():
    """Placeholder until the runtime lands (issue 3)."""
