"""Celery app. Embedded default: broker on a local SQLite file (kombu SQLAlchemy transport);
set REDIS_URL for Redis at scale. Periodic sweeps are registered here in one place."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xiaobao.settings")

app = Celery("xiaobao")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

DAY = 24 * 60 * 60


@app.on_after_finalize.connect
def setup_periodic_tasks(sender, **kwargs):
    from django.conf import settings

    interval = settings.SWEEP_INTERVAL_SECONDS
    # audit rows are appended unsealed by every write; one sealer chains them a few seconds later
    sender.add_periodic_task(
        settings.AUDIT_SEAL_INTERVAL_SECONDS, sender.signature("xiaobao.core.tasks.seal_audit"), name="audit seal"
    )
    sender.add_periodic_task(interval, sender.signature("xiaobao.workflow.tasks.sweep_timers"), name="workflow timers")
    sender.add_periodic_task(
        interval, sender.signature("xiaobao.core.tasks.send_notification_emails"), name="notification e-mail"
    )
    sender.add_periodic_task(
        DAY, sender.signature("xiaobao.core.tasks.check_calendar_coverage"), name="calendar coverage"
    )
    sender.add_periodic_task(
        interval, sender.signature("xiaobao.reviews.tasks.sweep_verification"), name="review verification"
    )
    # imports whose queued message was lost (a worker restart) are picked up again; stuck ones fail
    sender.add_periodic_task(
        interval, sender.signature("xiaobao.complaints.tasks.sweep_imports"), name="complaint imports"
    )
    # knowledge: zip imports (as complaints), and policies whose periodic review is near get a work order
    sender.add_periodic_task(
        interval, sender.signature("xiaobao.knowledge.tasks.sweep_imports"), name="knowledge imports"
    )
    sender.add_periodic_task(
        DAY, sender.signature("xiaobao.knowledge.tasks.sweep_review_reminders"), name="policy review reminders"
    )
    # inspection: scan jobs whose message was lost or whose worker died; findings whose rectification closed
    sender.add_periodic_task(interval, sender.signature("xiaobao.inspection.tasks.sweep"), name="inspection")
    # indicators: recompute values whose source data changed, then raise alerts for new threshold breaches
    sender.add_periodic_task(interval, sender.signature("xiaobao.indicators.tasks.sweep"), name="indicators")
    # training: lapsed exam attempts are graded on the answers saved in time; targeted training tracked
    sender.add_periodic_task(interval, sender.signature("xiaobao.training.tasks.sweep_attempts"), name="exam attempts")
    sender.add_periodic_task(
        interval, sender.signature("xiaobao.training.tasks.refresh_assignments"), name="targeted training"
    )
