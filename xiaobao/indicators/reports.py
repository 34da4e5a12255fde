"""报告生成: the annual board report (Word) and the regulator-style indicator workbook (Excel), built in the worker.

The page calls `report_job_create`, which writes a queued ReportJob in its own transaction; the page enqueues
`tasks.run_report` once that commits (services never import tasks; the periodic sweep runs a job whose message
was lost through `report_jobs_sweep`). The worker runs `report_job_run`: it claims the job by a conditional
UPDATE (two workers never build one report), builds the document step by step — each step commits the job's
`progress` (0–100) and `step` so the status page can show them — and stores the file as a core Attachment
owned by the job (purpose "output"). A failure leaves the job `failed` with a message, never `running`.

A report covers the job's unit (its creator's) and its subtree, read through the creator's own scope: the
creator sees in the report exactly what the pages show them.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from xiaobao.core import audit
from xiaobao.core import services as core_services
from xiaobao.core.api_errors import BusinessRuleError
from xiaobao.core.models import Attachment
from xiaobao.indicators import error_codes as codes
from xiaobao.indicators.models import ReportJob

log = logging.getLogger(__name__)

OUTPUT = "output"
ADD_PERMISSION = "indicators.add_reportjob"
FIRST_YEAR = 2000
#: A running job whose worker has not beaten (once per build step) for this long lost its worker.
HEARTBEAT_STALE = timedelta(minutes=10)
#: A job is retried this often after its worker died, then failed with a message.
MAX_ATTEMPTS = 3
#: A queued job older than this lost its message (the page enqueues on commit); the sweep runs it.
LOST_AFTER = timedelta(minutes=1)

MIME = {
    ReportJob.Kind.BOARD_REPORT: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ReportJob.Kind.INDICATOR_WORKBOOK: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


# --- reads ----------------------------------------------------------------------------------------


def report_jobs_visible_to(user) -> QuerySet[ReportJob]:
    """Report jobs of the units in the caller's scope (a job's unit is its creator's), newest first."""
    return ReportJob.objects.visible_to(user).select_related("created_by", "org_unit")


def get_report_job_for_user(user, pk: int) -> ReportJob:
    """One job the caller may see; 404 outside scope (ids reveal nothing)."""
    found = report_jobs_visible_to(user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def job_output(job: ReportJob) -> Attachment | None:
    """The finished document, or None (not done yet, or failed)."""
    from django.contrib.contenttypes.models import ContentType

    return (
        Attachment.objects.filter(
            content_type=ContentType.objects.get_for_model(ReportJob), object_id=str(job.pk), purpose=OUTPUT
        )
        .order_by("-id")
        .first()
    )


def job_progress(job: ReportJob) -> dict:
    finished = job.status in (ReportJob.Status.DONE, ReportJob.Status.FAILED)
    return {
        "status": job.status,
        "percent": 100 if job.status == ReportJob.Status.DONE else min(int(job.progress or 0), 100),
        "step": job.step,
        "finished": finished,
    }


def years_available(now=None) -> list[int]:
    """The years a report may be asked for: this one back to ten years ago, newest first."""
    this_year = timezone.localdate(now or timezone.now()).year
    return list(range(this_year, max(FIRST_YEAR, this_year - 10) - 1, -1))


# --- create ---------------------------------------------------------------------------------------


@transaction.atomic
def report_job_create(*, actor, kind: str, year: int, now=None) -> ReportJob:
    """Queue a report for `year` over the actor's unit; the worker builds it (the caller enqueues on commit).

    Refuses (BusinessRuleError): a caller without indicators.add_reportjob or without a unit (403,
    indicators.not_allowed); an unknown kind (indicators.invalid); a year before 2000 or after this one
    (indicators.bad_period). Writes nothing when it refuses.
    """
    now = now or timezone.now()
    if not actor.has_perm(ADD_PERMISSION) or actor.org_unit_id is None:
        raise BusinessRuleError(codes.NOT_ALLOWED, _("您没有生成报告的权限。"), status_code=403)
    if kind not in ReportJob.Kind.values:
        raise BusinessRuleError(codes.INVALID, _("不支持的报告类型。"), fields={"kind": [codes.INVALID]})
    try:
        year = int(year)
    except (TypeError, ValueError):
        year = 0
    if not FIRST_YEAR <= year <= timezone.localdate(now).year:
        raise BusinessRuleError(
            codes.BAD_PERIOD,
            _("年度须在 %(first)s 年至今年之间。") % {"first": FIRST_YEAR},
            fields={"year": [codes.BAD_PERIOD]},
        )
    job = ReportJob.objects.create(
        org_unit_id=actor.org_unit_id,
        kind=kind,
        year=year,
        params={"language": translation.get_language() or ""},
        status=ReportJob.Status.QUEUED,
        step=_("排队等待生成"),
        created_by=actor,
        created_at=now,
    )
    audit.record(actor=actor, action="indicators.report_queued", obj=job, changes={"kind": kind, "year": year})
    return job


# --- the worker's run -----------------------------------------------------------------------------


def _set(job: ReportJob, **values) -> None:
    for name, value in values.items():
        setattr(job, name, value)
    ReportJob.objects.filter(pk=job.pk).update(**values)


def report_job_run(*, job_id: int, progress=None, now=None) -> ReportJob:
    """Build one queued job's document and store it on the job.

    Claims the job first (queued → running); a job already claimed or finished is returned untouched, so a
    duplicate message or the sweep beside a worker is harmless. `progress(percent, step)` (optional) is told
    each step as well as the job row. Never raises for a failed build: the job ends `done` or `failed`.
    """
    claimed = ReportJob.objects.filter(pk=job_id, status=ReportJob.Status.QUEUED).update(
        status=ReportJob.Status.RUNNING, progress=0, heartbeat_at=timezone.now(), attempts=F("attempts") + 1
    )
    job = ReportJob.objects.select_related("created_by", "org_unit").get(pk=job_id)
    if not claimed:
        return job
    language = job.params.get("language") or getattr(job.created_by, "language", "") or None

    def step(percent: int, text: str) -> None:
        _set(job, progress=max(0, min(99, int(percent))), step=text, heartbeat_at=timezone.now())
        if progress is not None:
            progress(job.progress, text)

    # The document and the messages speak the language the job was asked for in, not the worker's.
    with translation.override(language):
        try:
            content, name = _build(job, step=step, now=now or timezone.now())
            with transaction.atomic():
                core_services.attachments_add(
                    owner=job, files=[ContentFile(content, name=name)], actor=job.created_by, purpose=OUTPUT
                )
                _set(
                    job,
                    status=ReportJob.Status.DONE,
                    progress=100,
                    step=_("已完成"),
                    message=_("报告已生成：%(name)s") % {"name": name},
                    finished_at=timezone.now(),
                )
                audit.record(actor=job.created_by, action="indicators.report_done", obj=job, changes={"file": name})
        except Exception:  # whatever broke, the job must not stay "running" for ever
            log.exception("report job %s failed", job.pk)
            _set(
                job,
                status=ReportJob.Status.FAILED,
                step=_("失败"),
                message=_("报告生成过程中发生系统错误，请稍后重试，或联系系统管理员。"),
                finished_at=timezone.now(),
            )
    return job


def _build(job: ReportJob, *, step, now) -> tuple[bytes, str]:
    if job.kind == ReportJob.Kind.BOARD_REPORT:
        from xiaobao.indicators.board_docx import board_report

        content = board_report(job.created_by, unit=job.org_unit, year=job.year, step=step, now=now)
        return content, _("%(year)s年度消费者权益保护工作报告.docx") % {"year": job.year}
    from xiaobao.indicators.workbook import indicator_workbook

    content = indicator_workbook(job.created_by, unit=job.org_unit, year=job.year, step=step, now=now)
    return content, _("%(year)s年度消保指标报表.xlsx") % {"year": job.year}


# --- the sweep ------------------------------------------------------------------------------------


def report_jobs_sweep(*, now=None) -> dict[str, int]:
    """Retry (up to MAX_ATTEMPTS) or fail jobs whose worker died (no heartbeat for HEARTBEAT_STALE), then run
    queued jobs whose message was lost (queued over a minute ago, or queued again).

    Idempotent: a job is claimed before it runs and taken over by a conditional UPDATE on its attempt, so the
    sweep and a worker never build the same one.
    """
    now = now or timezone.now()
    result = {"ran": 0, "retried": 0, "failed": 0}
    running = ReportJob.objects.filter(status=ReportJob.Status.RUNNING).annotate(
        pulse=Coalesce("heartbeat_at", "created_at")
    )
    for job in running.filter(pulse__lt=now - HEARTBEAT_STALE):
        taken = ReportJob.objects.filter(pk=job.pk, status=job.status, attempts=job.attempts)
        if job.attempts < MAX_ATTEMPTS:
            result["retried"] += taken.update(status=ReportJob.Status.QUEUED, progress=0)
        else:
            result["failed"] += taken.update(
                status=ReportJob.Status.FAILED,
                step=_("失败"),
                message=_("报告生成中断，请重新生成。"),
                finished_at=now,
            )
    queued = ReportJob.objects.filter(status=ReportJob.Status.QUEUED).filter(
        Q(attempts__gt=0) | Q(created_at__lt=now - LOST_AFTER)
    )
    for pk in list(queued.order_by("created_at").values_list("pk", flat=True)[:5]):
        report_job_run(job_id=pk)
        result["ran"] += 1
    return result
