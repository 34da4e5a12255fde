"""Quality-inspection use cases: intake, rule versions (edit, preview, publish), re-scan jobs, deciding
findings and the loop into rectification, training and complaints, and manual sampling (抽检).

Each function is one short transaction and writes its audit row through core. Files and API batches are
parsed and checked in `intake` before the write; scanning runs in the worker (`scanning`), and a service
only writes the ScanJob row that asks for it (DESIGN.md: services never import tasks).
"""

from __future__ import annotations

import random
from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from xiaobao.core import audit
from xiaobao.core.api_errors import BusinessRuleError
from xiaobao.core.models import User
from xiaobao.core.scope import scope_for
from xiaobao.inspection import error_codes as codes
from xiaobao.inspection import intake
from xiaobao.inspection.decisions import (
    CONTEST_PERMISSION,
    REVIEW_PERMISSION,
    finding_confirm,
    finding_contest,
    finding_dismiss,
    finding_escalate,
    rectifications_sync,
)
from xiaobao.inspection.definitions import DefinitionError, clean_definition
from xiaobao.inspection.models import (
    Finding,
    IntakeBatch,
    Interaction,
    ManualReview,
    Rule,
    RuleVersion,
    ScanJob,
    ScoreSheet,
)
from xiaobao.inspection.scanner import CompiledRule, RuleSet

INGEST_PERMISSION = "inspection.add_interaction"
RULE_PERMISSION = "inspection.change_rule"
SAMPLE_PERMISSION = "inspection.add_manualreview"


def _refuse(code: str, message: str, *, status: int = 400, field: str = "") -> BusinessRuleError:
    return BusinessRuleError(code, message, fields={field: [code]} if field else None, status_code=status)


def _require(actor, permission: str) -> None:
    if actor is None or not actor.is_authenticated or not actor.has_perm(permission):
        raise _refuse(codes.NOT_ALLOWED, _("您没有执行此操作的权限。"), status=403)


# --- intake ---------------------------------------------------------------------------------------


def interactions_ingest(
    *, actor: User, records: list, source: str = IntakeBatch.Source.API, file_name: str = "", now=None
) -> IntakeBatch:
    """Store a batch of interactions (API body or a file's records) and queue their scan.

    Records are checked first, outside any transaction (intake.check_record); the write then stores the
    clean ones in short transactions. A record whose (source_system, source_id) is already stored is a
    duplicate: reported, not stored again, so a batch sent twice changes nothing. Refuses, writing
    nothing: NOT_ALLOWED (403, without inspection.add_interaction), TOO_MANY (over intake.MAX_RECORDS).
    A bad record does not stop the others; the batch's report says which row failed and why.
    """
    _require(actor, INGEST_PERMISSION)
    now = now or timezone.now()
    if len(records) > intake.MAX_RECORDS:
        raise _refuse(codes.TOO_MANY, _("一批最多 %(n)d 条交互。") % {"n": intake.MAX_RECORDS})
    lookups = intake.Lookups(actor)
    parsed = []
    for index, item in enumerate(records, start=1):
        row, raw = item if isinstance(item, tuple) else (index, item)
        parsed.append(intake.check_record(raw, row=row, lookups=lookups))
    seen: set[tuple[str, str]] = set()
    report = []
    with transaction.atomic():
        batch = IntakeBatch.objects.create(
            org_unit=actor.org_unit or _head_office(),
            source=source,
            file_name=file_name[:200],
            created_by=actor,
            created_at=now,
            total=len(parsed),
        )
    keys = [(p.clean["source_system"], p.source_id) for p in parsed if not p.error]
    stored = _stored_keys(keys)
    for p in parsed:
        line = {"row": p.row, "source_id": p.source_id}
        if p.error:
            report.append({**line, "status": "error", "message": p.error})
            continue
        key = (p.clean["source_system"], p.source_id)
        if key in stored or key in seen:
            report.append({**line, "status": "duplicate", "message": _("已接入，未重复保存。")})
            continue
        seen.add(key)
        try:
            with transaction.atomic():
                Interaction.objects.create(**p.clean, batch=batch, received_at=now)
        except IntegrityError:  # the same record arriving at the same moment from another request
            report.append({**line, "status": "duplicate", "message": _("已接入，未重复保存。")})
            continue
        report.append({**line, "status": "created", "message": ""})
    counts = {s: sum(1 for r in report if r["status"] == s) for s in ("created", "duplicate", "error")}
    with transaction.atomic():
        IntakeBatch.objects.filter(pk=batch.pk).update(
            created=counts["created"], duplicates=counts["duplicate"], errors=counts["error"], report=report
        )
        if counts["created"]:
            ScanJob.objects.create(kind=ScanJob.Kind.NEW, batch=batch, created_by=actor, created_at=now)
        audit.record(actor=actor, action="inspection.ingest", obj=batch, changes=counts)
    batch.refresh_from_db()
    return batch


def _stored_keys(keys: list[tuple[str, str]]) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    by_system: dict[str, list[str]] = {}
    for system, source_id in keys:
        by_system.setdefault(system, []).append(source_id)
    for system, ids in by_system.items():
        for i in range(0, len(ids), 500):
            found.update(
                Interaction.objects.filter(source_system=system, source_id__in=ids[i : i + 500]).values_list(
                    "source_system", "source_id"
                )
            )
    return found


def _head_office():
    from xiaobao.core.models import OrgUnit

    return OrgUnit.objects.filter(parent__isnull=True).order_by("path").first()


def interactions_ingest_file(*, actor: User, upload, now=None) -> IntakeBatch:
    """An uploaded JSONL, CSV or Excel file: checked by content (core.uploads), read, then ingested as above.
    Refuses, writing nothing: NOT_ALLOWED, the upload refusals of core, BAD_FILE (unreadable or over limits)."""
    from xiaobao.core.uploads import check_upload

    _require(actor, INGEST_PERMISSION)
    checked = check_upload(upload, allowed=frozenset({"text", "xlsx"}), max_bytes=intake.MAX_FILE_BYTES)
    try:
        records = intake.read_file(checked.name, checked.content)
    except intake.FileError as exc:
        raise _refuse(codes.BAD_FILE, str(exc), field="file") from exc
    return interactions_ingest(
        actor=actor, records=records, source=IntakeBatch.Source.FILE, file_name=checked.name, now=now
    )


# --- rules ----------------------------------------------------------------------------------------


def _clean(kind: str, definition) -> dict:
    try:
        return clean_definition(kind, definition)
    except DefinitionError as exc:
        raise BusinessRuleError(codes.BAD_DEFINITION, _("规则定义有误：%(e)s") % {"e": exc}, fields=exc.fields) from exc


def rule_preview(*, kind: str, definition, text: str, interaction_kind: str = "", purpose: str = "") -> list[dict]:
    """The test box: what a (draft) definition hits in sample text, before it is published.

    Sample lines may start with "坐席：" or "客户：" to set the speaker (default: the agent). Nothing is written.
    """
    clean = _clean(kind, definition)
    turns = []
    for line in (text or "")[:20000].splitlines():
        speaker, body = "agent", line
        for prefix, who in (
            ("坐席", "agent"),
            ("客服", "agent"),
            ("客户", "customer"),
            ("agent", "agent"),
            ("customer", "customer"),
        ):
            for sep in ("：", ":"):
                if line.startswith(prefix + sep):
                    speaker, body = who, line[len(prefix) + 1 :]
        if body.strip():
            turns.append({"speaker": speaker, "text": body})
    ruleset = RuleSet([CompiledRule(0, 0, "PREVIEW", kind, 2, clean)])
    hits = ruleset.scan(
        turns, kind=interaction_kind or (clean["kinds"] or [""])[0], purpose=purpose or (clean["purposes"] or [""])[0]
    )
    return [
        {
            "turn": h.turn,
            "speaker": h.speaker,
            "text": turns[h.turn]["text"] if h.turn >= 0 else "",
            "start": h.start,
            "end": h.end,
            "match": turns[h.turn]["text"][h.start : h.end] if h.turn >= 0 else "",
            "detail": h.detail,
        }
        for h in hits
    ]


@transaction.atomic
def rule_create(
    *,
    actor: User,
    code: str,
    name: str,
    kind: str,
    severity: int,
    consumer_right: str,
    regulatory_basis: str,
    description: str = "",
    definition: dict,
    now=None,
) -> Rule:
    """A new rule with its draft version 1 (not used by the scanner until published). Refuses: NOT_ALLOWED,
    INVALID (code taken, a missing name, basis, right or severity), BAD_DEFINITION."""
    _require(actor, "inspection.add_rule")
    now = now or timezone.now()
    code = (code or "").strip().upper()
    if not code or not (name or "").strip() or not (regulatory_basis or "").strip():
        raise _refuse(codes.INVALID, _("规则代码、名称和监管依据必填。"), field="code")
    if Rule.objects.filter(code=code).exists():
        raise _refuse(codes.INVALID, _("规则代码已存在。"), field="code")
    if severity not in Rule.Severity.values or consumer_right not in dict(
        Rule._meta.get_field("consumer_right").choices
    ):
        raise _refuse(codes.INVALID, _("严重程度或消费者权利无效。"), field="severity")
    clean = _clean(kind, definition)
    rule = Rule.objects.create(
        code=code,
        name=name.strip(),
        kind=kind,
        severity=severity,
        consumer_right=consumer_right,
        regulatory_basis=regulatory_basis.strip(),
        description=description.strip(),
        owner=actor,
    )
    RuleVersion.objects.create(rule=rule, number=1, definition=clean, created_by=actor, created_at=now)
    audit.record(actor=actor, action="inspection.rule_create", obj=rule, changes={"code": code, "kind": kind})
    return rule


@transaction.atomic
def rule_draft_save(*, actor: User, rule: Rule, definition: dict, note: str = "", now=None) -> RuleVersion:
    """Save the rule's draft (the open draft is edited; otherwise a new draft numbered after the last version).
    Refuses: NOT_ALLOWED, BAD_DEFINITION."""
    _require(actor, RULE_PERMISSION)
    now = now or timezone.now()
    clean = _clean(rule.kind, definition)
    draft = rule.versions.select_for_update().filter(status=RuleVersion.Status.DRAFT).order_by("-number").first()
    if draft is None:
        last = rule.versions.aggregate(n=Max("number"))["n"] or 0
        draft = RuleVersion.objects.create(
            rule=rule, number=last + 1, definition=clean, note=note[:200], created_by=actor, created_at=now
        )
    else:
        draft.definition, draft.note = clean, note[:200]
        draft.save(update_fields=["definition", "note"])
    audit.record(actor=actor, action="inspection.rule_draft", obj=rule, changes={"version": draft.number})
    return draft


@transaction.atomic
def rule_publish(*, actor: User, version: RuleVersion, rescan_from: date | None = None, now=None) -> RuleVersion:
    """Publish a draft version: it becomes the rule's current one, the previous one is retired, and the
    publication is audited with both definitions. With `rescan_from`, a re-scan job from that date to today
    is queued. Refuses: NOT_ALLOWED, NOT_DRAFT (409), BAD_DEFINITION."""
    _require(actor, RULE_PERMISSION)
    now = now or timezone.now()
    version = RuleVersion.objects.select_for_update().select_related("rule").get(pk=version.pk)
    if version.status != RuleVersion.Status.DRAFT:
        raise _refuse(codes.NOT_DRAFT, _("只有草稿可以发布。"), status=409)
    rule = Rule.objects.select_for_update().get(pk=version.rule_id)
    clean = _clean(rule.kind, version.definition)
    previous = rule.current
    if previous is not None:
        RuleVersion.objects.filter(pk=previous.pk).update(status=RuleVersion.Status.RETIRED)
    version.definition, version.status = clean, RuleVersion.Status.PUBLISHED
    version.published_by, version.published_at = actor, now
    version.save(update_fields=["definition", "status", "published_by", "published_at"])
    rule.current = version
    rule.save(update_fields=["current"])
    audit.record(
        actor=actor,
        action="inspection.rule_publish",
        obj=rule,
        changes={
            "version": version.number,
            "previous": previous.number if previous else None,
            "before": previous.definition if previous else None,
            "after": clean,
        },
    )
    if rescan_from:
        _queue_rescan(actor=actor, date_from=rescan_from, date_to=timezone.localdate(now), codes_=[rule.code], now=now)
    return version


def _queue_rescan(*, actor, date_from: date, date_to: date, codes_: list[str], now) -> ScanJob:
    return ScanJob.objects.create(
        kind=ScanJob.Kind.RESCAN,
        date_from=date_from,
        date_to=date_to,
        rule_codes=codes_,
        created_by=actor,
        created_at=now,
    )


@transaction.atomic
def rescan_request(*, actor: User, date_from: date, date_to: date, rule_codes: list[str] = (), now=None) -> ScanJob:
    """Queue a re-scan of the interactions that started in a period, with the rules' current versions (all
    rules, or the named ones). The worker runs it in batches with progress. Refuses: NOT_ALLOWED, INVALID
    (period reversed or unknown rule codes), JOB_RUNNING (the same period and rules already waiting, 409)."""
    _require(actor, RULE_PERMISSION)
    now = now or timezone.now()
    if date_from > date_to:
        raise _refuse(codes.INVALID, _("期间起不能晚于期间止。"), field="date_from")
    rule_codes = sorted(set(rule_codes))
    if rule_codes and Rule.objects.filter(code__in=rule_codes).count() != len(rule_codes):
        raise _refuse(codes.INVALID, _("规则代码不存在。"), field="rule_codes")
    if ScanJob.objects.filter(
        kind=ScanJob.Kind.RESCAN,
        date_from=date_from,
        date_to=date_to,
        rule_codes=rule_codes,
        status__in=(ScanJob.Status.QUEUED, ScanJob.Status.RUNNING),
    ).exists():
        raise _refuse(codes.JOB_RUNNING, _("相同期间的重检任务正在排队或执行。"), status=409)
    job = _queue_rescan(actor=actor, date_from=date_from, date_to=date_to, codes_=rule_codes, now=now)
    audit.record(
        actor=actor,
        action="inspection.rescan",
        obj=job,
        changes={"from": date_from.isoformat(), "to": date_to.isoformat(), "rules": rule_codes},
    )
    return job


# --- manual sampling (抽检) ---------------------------------------------------------------------------


@transaction.atomic
def sample_draw(
    *,
    actor: User,
    date_from: date,
    date_to: date,
    per_agent: int,
    sheet: ScoreSheet,
    agents: list[User] = (),
    seed: int | None = None,
    now=None,
) -> list[ManualReview]:
    """Draw `per_agent` interactions at random for each agent (the named ones, or every agent with
    interactions in the actor's scope) that started in the period, to be scored by a person on `sheet`.
    An interaction already drawn for that sheet is not drawn again. Refuses: NOT_ALLOWED, INVALID (period,
    count 1–50), NO_SAMPLE (nothing left to draw)."""
    _require(actor, SAMPLE_PERMISSION)
    now = now or timezone.now()
    if date_from > date_to or not 1 <= per_agent <= 50:
        raise _refuse(codes.INVALID, _("请检查期间和每人抽取数量（1–50）。"), field="per_agent")
    scope = scope_for(actor, "add")
    rows = Interaction.objects.filter(
        started_at__date__gte=date_from, started_at__date__lte=date_to, agent__isnull=False
    ).exclude(reviews__sheet=sheet)
    if not scope.everything:
        rows = rows.filter(scope.q("org_unit")) if not scope.is_empty else rows.none()
    if agents:
        rows = rows.filter(agent__in=list(agents))
    if sheet.kinds:
        rows = rows.filter(kind__in=sheet.kinds)
    by_agent: dict[int, list[tuple[int, int]]] = {}
    for pk, agent_id, unit_id in rows.values_list("pk", "agent_id", "org_unit_id").order_by("pk"):
        by_agent.setdefault(agent_id, []).append((pk, unit_id))
    chooser = random.Random(seed)  # noqa: S311 - sampling for review, not security
    period = f"{date_from:%Y-%m-%d}~{date_to:%Y-%m-%d}"
    drawn = []
    for agent_id, candidates in sorted(by_agent.items()):
        for pk, unit_id in chooser.sample(candidates, min(per_agent, len(candidates))):
            drawn.append(
                ManualReview(
                    interaction_id=pk,
                    org_unit_id=unit_id,
                    sheet=sheet,
                    agent_id=agent_id,
                    period=period,
                    sampled_by=actor,
                    sampled_at=now,
                )
            )
    if not drawn:
        raise _refuse(codes.NO_SAMPLE, _("该期间没有可抽取的交互。"))
    ManualReview.objects.bulk_create(drawn)
    audit.record(
        actor=actor,
        action="inspection.sample",
        obj=sheet,
        changes={"period": period, "agents": len(by_agent), "drawn": len(drawn), "seed": seed},
        org_unit=actor.org_unit,
    )
    return drawn


@transaction.atomic
def review_score(*, actor: User, review: ManualReview | int, scores: dict, now=None) -> ManualReview:
    """Score a sampled interaction: every item of the sheet passed or failed (with a note). The robot's
    result on each item that names a rule is recorded beside it (hit = a finding of that rule, not
    withdrawn or dismissed), so person and robot are compared on the same items. Refuses: NOT_ALLOWED,
    BAD_SCORES (an item unanswered or unknown), NOT_OPEN (already scored, 409)."""
    _require(actor, "inspection.change_manualreview")
    now = now or timezone.now()
    pk = review.pk if isinstance(review, ManualReview) else int(review)
    found = (
        ManualReview.objects.select_for_update(of=("self",)).select_related("sheet", "org_unit").filter(pk=pk).first()
    )
    if found is None or not scope_for(actor, "act").covers(found.org_unit.path):
        raise _refuse(codes.NOT_ALLOWED, _("该抽检不在您的数据范围内。"), status=403)
    if found.status == ManualReview.Status.DONE:
        raise _refuse(codes.NOT_OPEN, _("该抽检已评分。"), status=409)
    items = {item["code"]: item for item in found.sheet.items}
    if not isinstance(scores, dict) or set(scores) != set(items):
        raise _refuse(codes.BAD_SCORES, _("请对评分表的每一项评分。"), field="scores")
    clean, total = {}, 0
    for code, answer in scores.items():
        passed = answer.get("passed") if isinstance(answer, dict) else answer
        if not isinstance(passed, bool):
            raise _refuse(
                codes.BAD_SCORES,
                _("评分项“%(item)s”应为通过或不通过。") % {"item": items[code]["text"]},
                field="scores",
            )
        note = str(answer.get("note", "") if isinstance(answer, dict) else "")[:500]
        clean[code] = {"passed": passed, "note": note}
        total += items[code]["points"] if passed else 0
    rule_codes = {item["rule"] for item in items.values() if item.get("rule")}
    hit = set(
        Finding.objects.filter(interaction_id=found.interaction_id, rule__code__in=rule_codes)
        .exclude(status__in=(Finding.Status.WITHDRAWN, Finding.Status.DISMISSED))
        .values_list("rule__code", flat=True)
    )
    found.robot = {code: item["rule"] in hit for code, item in items.items() if item.get("rule")}
    found.scores, found.total, found.status = clean, total, ManualReview.Status.DONE
    found.reviewer, found.scored_at = actor, now
    found.save(update_fields=["robot", "scores", "total", "status", "reviewer", "scored_at"])
    audit.record(actor=actor, action="inspection.score", obj=found, changes={"total": total})
    return found


__all__ = [
    "CONTEST_PERMISSION",
    "REVIEW_PERMISSION",
    "finding_confirm",
    "finding_contest",
    "finding_dismiss",
    "finding_escalate",
    "interactions_ingest",
    "interactions_ingest_file",
    "rectifications_sync",
    "rescan_request",
    "review_score",
    "rule_create",
    "rule_draft_save",
    "rule_preview",
    "rule_publish",
    "sample_draw",
]


def interaction_reveal(*, interaction: Interaction | int, actor: User, reason: str, ip_address=None) -> list[dict]:
    """The unmasked transcript of one interaction, for a reason, audited as a personal-data reveal (PIPL:
    the masked copy is what pages and exports show; the clear one only comes through here).
    Refuses: NOT_ALLOWED (403: an inspector's right — inspection.review_finding — and the interaction in
    their scope), and core's reveal refusals (REVEAL_REASON_REQUIRED, REVEAL_REASON_TOO_LONG)."""
    import json

    from xiaobao.core import services as core_services
    from xiaobao.inspection import selectors

    if not (actor and actor.is_authenticated and actor.has_perm(selectors.REVIEW)):
        raise _refuse(codes.NOT_ALLOWED, _("您无权查看未脱敏的转写内容。"), status=403)
    pk = interaction.pk if isinstance(interaction, Interaction) else interaction
    try:
        found = selectors.get_interaction_for_user(actor, pk)
    except Exception as exc:  # Http404: outside the actor's scope reads as not allowed here
        raise _refuse(codes.NOT_ALLOWED, _("您无权查看未脱敏的转写内容。"), status=403) from exc
    with transaction.atomic():
        clear = core_services.personal_data_reveal(
            actor=actor, obj=found, field="turns", reason=reason, ip_address=ip_address
        )
    try:
        turns = json.loads(clear or "[]")
    except ValueError:
        return []
    return turns if isinstance(turns, list) else []
