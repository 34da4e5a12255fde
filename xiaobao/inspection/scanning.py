"""Scanning interactions with the published rules, as worker jobs in batches with progress.

A scan job covers either the interactions not scanned yet (queued by each intake) or every interaction of
a period (a re-scan after a rule changed). The worker claims a job with a conditional UPDATE, then takes
interactions in id order after the job's `cursor`, BATCH at a time: it decrypts and scans a batch outside
any transaction, then writes the batch's findings, the interactions' scan marks and the job's cursor in
one short transaction. A worker that dies loses at most one batch, which the next run redoes; findings are
unique per place (interaction, rule, turn, offset), so redoing writes nothing twice.

On a re-scan, a finding nobody has decided yet that the current rule version no longer produces is
withdrawn (状态「规则更新后撤销」); decided findings are history and stay as they were.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, time, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from xiaobao.inspection.definitions import DefinitionError, clean_definition
from xiaobao.inspection.models import Finding, Interaction, Rule, ScanJob
from xiaobao.inspection.scanner import CompiledRule, Hit, RuleSet

log = logging.getLogger(__name__)

BATCH = 200
#: a running job whose heartbeat is older than this lost its worker: the sweep hands it to another
STALE_AFTER = timedelta(minutes=5)
EVIDENCE_CONTEXT = 30

_cache: dict[str, RuleSet] = {}


def compile_rules(items: list[dict]) -> list[CompiledRule]:
    """Rules given as data ({code, kind, severity, definition}, e.g. fixtures/rules.json), compiled as the
    published ones are; for the benchmark and tools that run without a database."""
    return [
        CompiledRule(
            i, i, item["code"], item["kind"], item["severity"], clean_definition(item["kind"], item["definition"])
        )
        for i, item in enumerate(items, start=1)
    ]


def published_rules(codes: list[str] | None = None) -> list[CompiledRule]:
    """The current published version of every active rule (or of the named ones), compiled."""
    rows = Rule.objects.filter(is_active=True, current__isnull=False, current__status="published").select_related(
        "current"
    )
    if codes:
        rows = rows.filter(code__in=codes)
    compiled = []
    for rule in rows.order_by("code"):
        try:
            definition = clean_definition(rule.kind, rule.current.definition)
        except DefinitionError:  # a definition edited around the editor (admin, SQL): skip it, say so
            log.warning("inspection rule %s v%s cannot be compiled; skipped", rule.code, rule.current.number)
            continue
        compiled.append(CompiledRule(rule.pk, rule.current_id, rule.code, rule.kind, rule.severity, definition))
    return compiled


def current_ruleset(codes: list[str] | None = None) -> RuleSet:
    """The compiled rule set, reused while the published versions are the same (compiling is the slow part)."""
    rules = published_rules(codes)
    key = json.dumps([(r.code, r.version_id, r.severity) for r in rules])
    found = _cache.get(key)
    if found is None:
        if len(_cache) > 16:
            _cache.clear()
        found = _cache[key] = RuleSet(rules)
    return found


def turns_of(interaction: Interaction) -> list[dict]:
    try:
        turns = json.loads(interaction.turns or "[]")
    except ValueError:
        return []
    return turns if isinstance(turns, list) else []


def evidence(masked_turns: list[dict], hit: Hit) -> str:
    """The hit in its sentence, from the masked copy (same offsets), for lists and exports."""
    if hit.turn < 0:
        return hit.detail
    text = str(masked_turns[hit.turn].get("text") or "") if hit.turn < len(masked_turns) else ""
    left = max(0, hit.start - EVIDENCE_CONTEXT)
    right = min(len(text), hit.end + EVIDENCE_CONTEXT)
    return ("…" if left else "") + text[left:right] + ("…" if right < len(text) else "")


def scan_batch(interactions: list[Interaction], ruleset: RuleSet, *, now: datetime, rescan: bool) -> int:
    """Scan `interactions` (decrypted outside the transaction) and write their findings; returns findings added."""
    results = []
    for interaction in interactions:
        hits = ruleset.scan(
            turns_of(interaction),
            kind=interaction.kind,
            purpose=interaction.purpose,
            has_complaint=bool(interaction.complaint_number),
        )
        results.append((interaction, hits))
    rule_ids = {r.rule_id for r in ruleset.rules}
    # a handful of queries per batch, not per interaction: what exists, what is new, what a re-scan withdraws
    existing: dict[int, dict[tuple, tuple[int, str]]] = {}
    for pk, interaction_id, rule_id, turn, start, status in Finding.objects.filter(
        interaction__in=[i.pk for i, _hits in results]
    ).values_list("pk", "interaction_id", "rule_id", "turn", "start", "status"):
        existing.setdefault(interaction_id, {})[(rule_id, turn, start)] = (pk, status)
    new_rows, stale, counts = [], [], {}
    for interaction, hits in results:
        known = existing.get(interaction.pk, {})
        places = set()
        for hit in hits:
            place = (hit.rule.rule_id, hit.turn, hit.start)
            places.add(place)
            if place in known:
                continue
            new_rows.append(
                Finding(
                    interaction=interaction,
                    org_unit_id=interaction.org_unit_id,
                    rule_id=hit.rule.rule_id,
                    rule_version_id=hit.rule.version_id,
                    severity=hit.rule.severity,
                    agent_id=interaction.agent_id,
                    turn=hit.turn,
                    start=hit.start,
                    end=hit.end,
                    speaker=hit.speaker,
                    at_seconds=hit.at,
                    evidence=evidence(interaction.masked_turns, hit)[:500],
                    created_at=now,
                )
            )
        withdrawn = [
            pk
            for place, (pk, status) in known.items()
            if rescan and status == Finding.Status.OPEN and place[0] in rule_ids and place not in places
        ]
        stale += withdrawn
        standing = sum(1 for _pk, status in known.values() if status != Finding.Status.WITHDRAWN) - len(withdrawn)
        counts.setdefault(standing + len(places - set(known)), []).append(interaction.pk)
    with transaction.atomic():
        if new_rows:
            Finding.objects.bulk_create(new_rows, ignore_conflicts=True)
        if stale:
            Finding.objects.filter(pk__in=stale, status=Finding.Status.OPEN).update(
                status=Finding.Status.WITHDRAWN, closed_at=now
            )
        for count, ids in counts.items():
            Interaction.objects.filter(pk__in=ids).update(
                scanned_at=now, ruleset=ruleset.signature, finding_count=count
            )
    return len(new_rows)


def job_interactions(job: ScanJob):
    rows = Interaction.objects.all()
    if job.kind == ScanJob.Kind.NEW:
        rows = rows.filter(scanned_at__isnull=True)
        if job.batch_id:
            rows = rows.filter(batch_id=job.batch_id)
    else:
        if job.date_from:
            rows = rows.filter(started_at__gte=timezone.make_aware(datetime.combine(job.date_from, time.min)))
        if job.date_to:
            end = timezone.make_aware(datetime.combine(job.date_to, time.min)) + timedelta(days=1)
            rows = rows.filter(started_at__lt=end)
    return rows


def _claim(job_id: int, now: datetime) -> bool:
    """Take the job: queued, or running with a dead worker's heartbeat. Two workers never both win."""
    stale = now - STALE_AFTER
    return bool(
        ScanJob.objects.filter(pk=job_id)
        .filter(Q(status=ScanJob.Status.QUEUED) | Q(status=ScanJob.Status.RUNNING, heartbeat_at__lt=stale))
        .update(status=ScanJob.Status.RUNNING, heartbeat_at=now)
    )


def scan_job_run(*, job_id: int, now: datetime | None = None) -> ScanJob:
    """Run one scan job to the end (or resume it). Safe to call twice: a job already taken is left alone."""
    now = now or timezone.now()
    if not _claim(job_id, now):
        return ScanJob.objects.get(pk=job_id)
    job = ScanJob.objects.get(pk=job_id)
    try:
        ruleset = current_ruleset(job.rule_codes or None)
        rows = job_interactions(job)
        if not job.total:
            job.total = rows.count()
            ScanJob.objects.filter(pk=job.pk).update(total=job.total)
        while True:
            batch = list(rows.filter(pk__gt=job.cursor).order_by("pk")[:BATCH])
            if not batch:
                break
            added = scan_batch(batch, ruleset, now=timezone.now(), rescan=job.kind == ScanJob.Kind.RESCAN)
            job.cursor = batch[-1].pk
            job.processed += len(batch)
            job.findings += added
            ScanJob.objects.filter(pk=job.pk).update(
                cursor=job.cursor, processed=job.processed, findings=job.findings, heartbeat_at=timezone.now()
            )
        ScanJob.objects.filter(pk=job.pk).update(
            status=ScanJob.Status.DONE, finished_at=timezone.now(), processed=max(job.processed, job.total)
        )
    except Exception as exc:
        log.exception("inspection scan job %s failed", job_id)
        ScanJob.objects.filter(pk=job.pk).update(
            status=ScanJob.Status.FAILED, finished_at=timezone.now(), message=type(exc).__name__
        )
    job.refresh_from_db()
    return job


def scan_jobs_waiting(*, now: datetime | None = None) -> list[int]:
    """Jobs to hand to a worker: queued ones (their message may have been lost) and running ones whose
    worker died (no heartbeat for STALE_AFTER). Claiming in `scan_job_run` keeps a job to one worker."""
    now = now or timezone.now()
    return list(
        ScanJob.objects.filter(
            Q(status=ScanJob.Status.QUEUED) | Q(status=ScanJob.Status.RUNNING, heartbeat_at__lt=now - STALE_AFTER)
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:20]
    )
