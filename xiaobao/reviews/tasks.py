"""Celery shells for reviews; the rules live in services (STYLE.md §3)."""

from celery import shared_task

from xiaobao.reviews import services


@shared_task(name="xiaobao.reviews.tasks.sweep_verification")
def sweep_verification():
    """Every sweep: close the reviews whose verification work orders have all ended; idempotent."""
    return services.review_sweep_verification()
