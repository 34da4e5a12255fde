"""The sweep over complaint import jobs (run by the worker every few seconds, `tasks.sweep_imports`): a job whose
worker died is queued again or failed, a queued job whose message was lost is run. The jobs themselves are
`imports.py`'s; this is only what notices the ones left behind.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import models
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from xiaobao.complaints import imports
from xiaobao.complaints.models import ImportJob


def import_jobs_sweep(*, now=None) -> dict[str, int]:
    """Retry or fail jobs whose worker died (no heartbeat for imports.HEARTBEAT_STALE), then run queued jobs whose
    message was lost (queued over a minute ago, or queued again after a dead attempt).

    A dead job is queued again (its staged rows are removed when it next runs) until imports.MAX_ATTEMPTS, then
    failed with a message the uploader sees. Idempotent: a job is claimed before it runs, and a dead one is
    taken over by a conditional UPDATE on its attempt, so the sweep, a second sweep and a late worker never
    run the same attempt.
    """
    now = now or timezone.now()
    result = {"ran": 0, "retried": 0, "failed": 0}
    running = ImportJob.objects.filter(status__in=(ImportJob.Status.CHECKING, ImportJob.Status.IMPORTING))
    stale = running.annotate(pulse=Coalesce("heartbeat_at", "started_at", "created_at")).filter(
        pulse__lt=now - imports.HEARTBEAT_STALE
    )
    for job in stale.select_related("created_by"):
        taken = ImportJob.objects.filter(pk=job.pk, status=job.status, attempts=job.attempts)
        # a published job only resumes its (idempotent) process starts: it is given more tries
        limit = imports.MAX_ACTIVATION_ATTEMPTS if job.published_at is not None else imports.MAX_ATTEMPTS
        with translation.override(getattr(job.created_by, "language", "") or None):
            if job.attempts < limit:
                message = _("处理中断（后台服务重启），已自动重新排队（已尝试 %(n)s 次）。") % {"n": job.attempts}
                # back to queued: the claim moves `attempts` on, so the dead run can no longer write to the job
                if taken.update(status=ImportJob.Status.QUEUED, message=message):
                    result["retried"] += 1
                continue
            if taken.update(attempts=job.attempts + 1):
                job.attempts += 1
                imports.fail_job(job, _("导入多次中断，未导入任何数据。请重新上传，或联系系统管理员。"))
                imports.discard_source(job)
                result["failed"] += 1
    # a retried job has waited long enough; a new one gets a minute for its own message to arrive
    queued = ImportJob.objects.filter(status=ImportJob.Status.QUEUED).filter(
        models.Q(attempts__gt=0) | models.Q(created_at__lt=now - timedelta(minutes=1))
    )
    for pk in list(queued.order_by("created_at").values_list("pk", flat=True)[:10]):
        imports.import_job_run(job_id=pk)
        result["ran"] += 1
    return result
