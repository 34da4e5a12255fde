"""Celery shells for core; the rules live in services (STYLE.md §3)."""

from celery import shared_task

from xiaobao.core import services


@shared_task(name="xiaobao.core.tasks.check_calendar_coverage")
def check_calendar_coverage():
    """Daily: alert administrators when a year deadlines reach has no holiday schedule entered."""
    return services.calendar_check_coverage()


@shared_task(name="xiaobao.core.tasks.send_notification_emails")
def send_notification_emails():
    """Every sweep: mail the notifications marked for e-mail; each is sent once."""
    return services.notifications_send_emails()


@shared_task(name="xiaobao.core.tasks.seal_audit")
def seal_audit() -> int:
    """Every few seconds: hash-chain the audit rows written since the last run (one sealer at a time)."""
    from xiaobao.core import audit

    return audit.seal()
