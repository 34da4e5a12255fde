"""Celery shells for the knowledge centre; the rules live in `importing` and `reminders` (STYLE.md §3)."""

from celery import shared_task

from xiaobao.knowledge import importing


@shared_task(name="xiaobao.knowledge.tasks.run_import")
def run_import(batch_id: int) -> str:
    """Import the files of one uploaded zip; safe to receive twice. Returns the batch's status."""
    return importing.import_batch_run(batch_id=batch_id).status


@shared_task(name="xiaobao.knowledge.tasks.sweep_imports")
def sweep_imports() -> dict:
    """Every sweep: run import batches whose message was lost, fail those whose worker died."""
    return importing.import_batches_sweep()


@shared_task(name="xiaobao.knowledge.tasks.sweep_review_reminders")
def sweep_review_reminders() -> int:
    """Daily: a work order to the owner of each internal policy whose periodic review is near; idempotent."""
    from xiaobao.knowledge import reminders  # imported here: this shell is appended after the file's imports

    return reminders.review_reminders_sweep()
