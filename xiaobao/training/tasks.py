"""Celery shells for training; the rules live in `exams` and `assignments` (STYLE.md §3)."""

from celery import shared_task

from xiaobao.training import services


@shared_task(name="xiaobao.training.tasks.sweep_attempts")
def sweep_attempts() -> int:
    """Every sweep: grade attempts whose time ran out with the answers saved in time. Idempotent."""
    return services.attempts_expire()


@shared_task(name="xiaobao.training.tasks.refresh_assignments")
def refresh_assignments() -> dict:
    """Every sweep: targeted training done (attended and passed) or overdue. Idempotent."""
    return services.assignments_refresh()
