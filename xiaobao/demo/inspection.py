"""Demo data for quality inspection (智能质检): a few thousand generated Chinese transcripts from 2025 to now —
calls, chats, video sessions and 双录 across the three branches' agents, clean and violating (demo_data) —
scanned by the shipped rule set through the scanner service, and findings in every state: undecided,
confirmed with their rectification work orders, one rectification accepted and closed, dismissed as false
positives with reasons, escalated, contested by the agent, withdrawn after a rule changed; plus a
manual sample (抽检) with scores beside the robot's result.

Interactions are written in bulk (volume, not the intake service, is what a demo needs; each still has its
turns encrypted and a masked copy), then scanned by `scanning.scan_job_run` like any intake. Decisions go
through `decisions`, so work orders, audit rows and notifications are real.
"""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from xiaobao.core.masking import mask_text_keep_length
from xiaobao.core.models import OrgUnit, User
from xiaobao.core.roles import role_group
from xiaobao.core.workdays import Calendar
from xiaobao.demo import inspection_data as demo_data
from xiaobao.demo.core import OnItsOwnClock, demo_clock, demo_password_hash
from xiaobao.demo.workflow import moment, working_days_before
from xiaobao.inspection import decisions as inspection_decisions
from xiaobao.inspection import scanning, services
from xiaobao.inspection.models import Finding, Interaction, Rule, ScanJob, ScoreSheet
from xiaobao.workorders import services as workorders

# each decision on the demo clock at its own moment: the work order it opens, the complaint it registers (through
# the complaints module's receiver, which takes the time from the clock) and their audit rows carry its time
decisions = OnItsOwnClock(inspection_decisions)
workorder_services = OnItsOwnClock(workorders)
inspection_services = OnItsOwnClock(services)

COUNT = 3000  # what `make demo` loads (settings.INSPECTION_DEMO_TRANSCRIPTS; the tests load fewer)
SEED = 2025
INSPECTOR = "inspector"
# (username, full name, unit code): the agents whose calls and chats are inspected; "agent" exists already
AGENTS = [
    ("agent", "周敏", "TJ"),
    ("tj_agent2", "王芳", "TJ"),
    ("tj_agent3", "李强", "TJ"),
    ("bj_agent1", "赵静", "BJ"),
    ("bj_agent2", "孙磊", "BJ"),
    ("hb_agent1", "钱丽", "HB"),
    ("hb_agent2", "吴鹏", "HB"),
    ("hb_agent3", "郑洁", "HB"),
]
OFFICERS = {"TJ": "tj_officer", "BJ": "bj_officer", "HB": "hb_officer"}
DISMISS_REASONS = [
    "上下文为否定表述，坐席在提示风险。",
    "客户原话转述，非坐席承诺。",
    "“保证”指保证金，与收益无关。",
    "验证码为客户主动询问，坐席已提示勿泄露。",
]


def _agents() -> list[User]:
    units = {u.code: u for u in OrgUnit.objects.filter(code__in={c for _u, _n, c in AGENTS})}
    people = []
    for username, full_name, code in AGENTS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, full_name=full_name, org_unit=units[code], department="客户服务中心")
            user.password = demo_password_hash()
            user.save()
            user.groups.add(role_group("agent"))
        people.append(user)
    return people


def _started(r: random.Random, start: datetime, end: datetime) -> datetime:
    moment = start + timedelta(seconds=r.uniform(0, (end - start).total_seconds()))
    # working hours, local time
    local = timezone.localtime(moment)
    return local.replace(hour=r.randint(8, 19), minute=r.randint(0, 59), second=r.randint(0, 59))


def _interactions(agents: list[User], now: datetime, count: int) -> list[Interaction]:
    r = random.Random(SEED)  # noqa: S311 - demo data, not security
    start = timezone.make_aware(datetime(2025, 1, 2, 9, 0))
    end = now - timedelta(hours=2)
    rows = []
    for n in range(count):
        s = demo_data.scenario(r)
        agent = agents[n % len(agents)]
        turns = demo_data.transcript(
            r, kind=s["kind"], purpose=s["purpose"], violation=s["violation"], complaint=s["complaint"], pii=s["pii"]
        )
        masked, counts = [], {}
        for turn in turns:
            text, spans = mask_text_keep_length(turn["text"])
            masked.append({**turn, "text": text})
            for _s, _e, kind in spans:
                counts[kind] = counts.get(kind, 0) + 1
        started = _started(r, start, end)
        rows.append(
            Interaction(
                org_unit_id=agent.org_unit_id,
                source_system="cc" if s["kind"] != "dual_recording" else "dual",
                source_id=f"{'CC' if s['kind'] != 'dual_recording' else 'SL'}{started:%Y%m%d}-{n:05d}",
                kind=s["kind"],
                channel=s["channel"],
                purpose=s["purpose"],
                agent=agent,
                agent_code=f"A{1000 + agents.index(agent)}",
                product_code=s["product"][0],
                product_name=s["product"][1],
                customer_ref=f"C{r.randint(10**7, 10**8 - 1)}",
                started_at=started,
                duration_seconds=int(turns[-1]["end"] or 0),
                turns=json.dumps(turns, ensure_ascii=False),
                masked_turns=masked,
                personal_data=counts,
                received_at=started + timedelta(minutes=5),
            )
        )
    return rows


def load(*, now: datetime | None = None) -> dict:
    """Generate, scan and decide the demo interactions once (nothing is added when any exists)."""
    if Interaction.objects.exists():
        return {"interactions": 0}
    now = now or timezone.now()
    inspector = User.objects.get(username=INSPECTOR)
    Rule.objects.filter(owner__isnull=True).update(owner=inspector)
    agents = _agents()
    with transaction.atomic():
        count = getattr(settings, "INSPECTION_DEMO_TRANSCRIPTS", COUNT)
        Interaction.objects.bulk_create(_interactions(agents, now, count), batch_size=500)
    # the robot scans on receipt: the demo's one job stands for those scans, dated at the last arrival it took in
    scanned_at = Interaction.objects.aggregate(last=Max("received_at"))["last"] or now
    with demo_clock(scanned_at):
        job = ScanJob.objects.create(kind=ScanJob.Kind.NEW, created_by=inspector, created_at=scanned_at)
        scanning.scan_job_run(job_id=job.pk, now=scanned_at)
    # the robot scans on receipt: each finding dates from its interaction's arrival, not from this load
    from django.db.models import OuterRef, Subquery

    Finding.objects.update(
        created_at=Subquery(Interaction.objects.filter(pk=OuterRef("interaction_id")).values("received_at")[:1])
    )
    Interaction.objects.update(scanned_at=F("received_at"))
    _decide(inspector, now)
    _sample(inspector, now)
    # The rectification orders and complaints opened back-dated have timers already due. They are left to the
    # sweeps of the next loader in `load_demo` (`complaints.demo.settle_found`, which first handles the
    # complaints these decisions registered, at their own times) or, loaded alone, to the worker's first sweep.
    return {
        "interactions": Interaction.objects.count(),
        "findings": Finding.objects.count(),
        "confirmed": Finding.objects.filter(status__in=(Finding.Status.CONFIRMED, Finding.Status.RECTIFIED)).count(),
    }


def _decide(inspector: User, now: datetime) -> None:
    r = random.Random(SEED + 1)  # noqa: S311 - demo data, not security
    # older findings are decided; the last weeks' wait for the inspectors
    old = list(
        Finding.objects.filter(interaction__started_at__lt=now - timedelta(days=21))
        .select_related("interaction", "rule")
        .order_by("interaction__started_at")
    )
    confirmed, escalated, undecided = [], 0, []
    for finding in old:
        roll = r.random()
        when = finding.interaction.started_at + timedelta(days=r.randint(1, 4))
        if roll < 0.04 and len(confirmed) < 24:
            confirmed.append(decisions.finding_confirm(finding=finding, actor=inspector, now=when))
        elif roll < 0.12:
            reason = r.choice(DISMISS_REASONS)
            decisions.finding_dismiss(finding=finding, actor=inspector, reason=reason, now=when)
        elif roll < 0.13:
            escalated += 1
            decisions.finding_escalate(
                finding=finding, actor=inspector, reason="涉及销售误导，请总公司定性。", now=when
            )
        else:
            undecided.append((finding, when))
    # a small demo (the tests') may roll no confirmation or escalation: every state is still shown
    if not confirmed and undecided:
        finding, when = undecided.pop()
        confirmed.append(decisions.finding_confirm(finding=finding, actor=inspector, now=when))
    if not escalated and undecided:
        finding, when = undecided.pop()
        decisions.finding_escalate(finding=finding, actor=inspector, reason="涉及销售误导，请总公司定性。", now=when)
    contested = Finding.objects.filter(agent__username="agent", status=Finding.Status.OPEN).first()
    if contested:
        # the agent contests it the day after the robot flagged it (or in the last hour before now)
        decisions.finding_contest(
            finding=contested,
            actor=contested.agent,
            reason="客户先提到“保本”，我是在复述并纠正。",
            now=min(contested.created_at + timedelta(days=1), now - timedelta(hours=1)),
        )
    # one rectification carried through: accepted, reported, accepted by the inspector, closed
    for finding in confirmed[:1]:
        officer = User.objects.get(username=OFFICERS[finding.org_unit.code])
        when = finding.decided_at
        order = workorder_services.workorder_accept(
            order=finding.workorder_id, actor=officer, now=when + timedelta(hours=3)
        )
        workorder_services.workorder_submit_feedback(
            order=order,
            actor=officer,
            text="已约谈坐席并开展销售合规辅导，重新学习《保险销售行为管理办法》，话术已纳入班前会抽查。",
            now=when + timedelta(days=2),
        )
        workorder_services.workorder_review(
            order=order, actor=inspector, approved=True, comment="整改到位。", now=when + timedelta(days=3)
        )
        # the periodic sync marks the finding rectified at its order's closure
        decisions.rectifications_sync(now=when + timedelta(days=3, minutes=1))
    # a rule changed: a draft with a narrower phrase list, written two working days ago and published the next day
    today = timezone.localdate(now)
    rule = Rule.objects.get(code="DEPOSIT-COMPARE")
    definition = dict(rule.current.definition)
    definition["phrases"] = [p for p in definition["phrases"] if p != "存款搬家"]
    draft = inspection_services.rule_draft_save(
        actor=inspector,
        rule=rule,
        definition=definition,
        note="删去易误报的“存款搬家”",
        now=moment(working_days_before(today, 2), 15, 0),
    )
    inspection_services.rule_publish(actor=inspector, version=draft, now=moment(working_days_before(today, 1), 10, 0))


def _sample(inspector: User, now: datetime) -> None:
    sheet = ScoreSheet.objects.filter(code="service-call").order_by("-version").first()
    month_end = (now - timedelta(days=30)).date()
    # drawn the working day after the period it samples, half of it scored over the next days
    drawn_at = moment(Calendar.load().next_working_day(month_end + timedelta(days=1)), 9, 30)
    drawn = inspection_services.sample_draw(
        actor=inspector,
        date_from=month_end - timedelta(days=60),
        date_to=month_end,
        per_agent=2,
        sheet=sheet,
        seed=7,
        now=drawn_at,
    )
    for n, review in enumerate(drawn[: len(drawn) // 2]):
        hit = set(
            Finding.objects.filter(interaction=review.interaction)
            .exclude(status__in=(Finding.Status.WITHDRAWN, Finding.Status.DISMISSED))
            .values_list("rule__code", flat=True)
        )
        scores = {item["code"]: {"passed": item.get("rule", "") not in hit, "note": ""} for item in sheet.items}
        scored_at = drawn_at + timedelta(days=1 + n // 4, hours=n % 4)
        inspection_services.review_score(actor=inspector, review=review, scores=scores, now=scored_at)
