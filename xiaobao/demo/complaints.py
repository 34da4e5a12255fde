"""Demo data for complaints (消费投诉): half a year of complaints to the branches, in every state.

Registered and walked through `complaints.services` only, with an injected `now`, so each complaint has
its real process, task rows, timers, history, audit rows, notifications and work orders. The timeline is
dated back from the real now and replayed in date order with the periodic sweep in between
(`workflow.demo.Timeline`), so the complaints whose statutory deadline passed were supervised (督办) by
the process's own timer on the day it passed. Among them:

- complaints from every channel — 400 热线, 智能客服, 视频客服, 柜面, 官方微信, 官方APP, a letter — and
  passed on by the regulator (12378) and the 银保信 platform;
- closed ones with their root causes, some decided late (督办 first), one after a 核查 by head office;
- a repeat pair (the same caller within the repeat window), a group complaint (重大/群体性, escalated);
- extensions (30 days; a further 30 with head-office approval), a withdrawal (Art. 15), a 核查 under way;
- three mis-selling complaints at 滨海新区 traced to the same root cause within the period, so the third
  one opened a rectification (溯源整改) work order.

The people are fictional: names from common Chinese names, phone numbers from one made-up block.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone

from xiaobao.complaints import rules, services
from xiaobao.complaints.models import Category, Complaint, ComplaintRule
from xiaobao.core.models import OrgUnit, User
from xiaobao.core.workdays import Calendar
from xiaobao.demo.complaints_data import (
    CH,
    FIRST_VOLUME_INDEX,
    GROUP,
    MATTERS,
    NAMES,
    REMEDIES,
    SPECS,
    VOLUME_PER_MONTH,
    Spec,
    decision_for,
    phone,
    policy,
    volume,
)
from xiaobao.demo.core import COMPLETE_YEAR
from xiaobao.demo.workflow import Timeline, moment

HEAD_OFFICE = "xiaobao"  # 李晓梅, 总公司消费者权益保护部: regulator transfers, 核查 of branches' complaints
SENIOR = "manager"  # 郑志强, 总经理室: approves the second extension (Art. 18)
AGENT = "agent"  # 周敏, 天津客户服务中心: the hotline and online channels of the 天津 area
OFFICERS = {"BJ": "bj_officer", "TJ": "tj_officer", "HB": "hb_officer"}
# 第二十九条: the demo institution's emergency plan, a policy of the knowledge demo's corpus
EMERGENCY_PLAN = "JJRS-XB-2024-010"  # 津冀人寿重大消费投诉处理应急预案

# --- the script -------------------------------------------------------------------------------------


class Script:
    """The steps of each complaint, from its spec, on a timeline (each step a callable of `now`)."""

    def __init__(self, *, people: dict[str, User], units: dict[str, OrgUnit], now: datetime):
        self.people, self.units, self.now = people, units, now
        self.calendar = Calendar.load()
        self.categories = {
            c.code: c
            for c in Category.objects.filter(version__is_current=True, is_active=True).select_related("version")
        }
        self.complaints: dict[int, Complaint] = {}

    def officer(self, unit: str) -> User:
        return self.people[OFFICERS[unit.split("-")[0]]]

    def registrar(self, spec: Spec) -> User:
        if spec.channel in (CH.REGULATOR, CH.PLATFORM):
            return self.people[HEAD_OFFICE]
        if spec.unit.startswith("TJ") and spec.channel in (CH.HOTLINE, CH.CHATBOT, CH.APP, CH.WECHAT, CH.VIDEO):
            return self.people[AGENT]
        return self.officer(spec.unit)

    def working(self, when: datetime, hour: int, minute: int = 0) -> datetime:
        """The first working day from `when`'s date at hour:minute."""
        return moment(self.calendar.next_working_day(timezone.localtime(when).date()), hour, minute)

    def soon(self, when: datetime) -> datetime:
        """An hour later in office hours: the same working day before 17:00, else the next one at 09:30."""
        local = timezone.localtime(when)
        if self.calendar.is_working_day(local.date()) and 8 <= local.hour < 17:
            return when + timedelta(hours=1)
        day = local.date() + timedelta(days=1) if local.hour >= 8 else local.date()
        return moment(self.calendar.next_working_day(day), 9, 30)

    def steps(self, n: int, spec: Spec, existing: Complaint | None = None) -> list[tuple[datetime, Callable]]:
        """The complaint's steps from its registration; for one `existing` (registered by another module), the
        steps after it."""
        if existing is not None:
            received = existing.received_at
        elif spec.received_on is not None:
            received = moment(spec.received_on, spec.hour, (n * 7) % 60)
        else:
            received_day = (self.now - timedelta(days=spec.days_ago)).astimezone(timezone.get_current_timezone())
            received = received_day.replace(hour=spec.hour, minute=(n * 7) % 60, second=0, microsecond=0)
        if existing is None and spec.received_on is None and spec.days_ago < 1:  # today's: a little before now
            received = self.now - timedelta(hours=spec.days_ago * 10, minutes=10)
        officer, key = self.officer(spec.unit), n
        subject, content, demand, product, business, cause, demand_code, root, amount = (
            GROUP if spec.count > 1 else MATTERS[spec.matter]
        )
        person = spec.person if spec.person >= 0 else n
        out: list[tuple[datetime, Callable]] = []

        def add(when: datetime, step: Callable) -> datetime:
            when = max(when, out[-1][0] + timedelta(minutes=5)) if out else when
            out.append((when, step))
            return when

        def register(now):
            self.complaints[key] = services.complaint_register(
                actor=self.registrar(spec),
                channel=spec.channel,
                received_at=received,
                complainant_name=NAMES[person % len(NAMES)],
                complainant_phone=phone(person),
                relation=Complaint.Relation.SELF,
                complainant_count=spec.count,
                policy_number=policy(person),
                product_name=product,
                subject=subject,
                content=content,
                demand_text=demand,
                amount=amount,
                media_attention=spec.media,
                org_unit=self.units[spec.unit],
                external_ref=f"12378-{received:%Y%m%d}-{n:04d}" if spec.channel == CH.REGULATOR else "",
                # 第七条: in-person reception is recorded on audio and video
                recording_ref=f"LYLX-{received:%Y%m%d}-{n:04d}" if spec.channel == CH.IN_PERSON else "",
                idempotency_key=f"demo-complaint-{n}",
                now=now,
            )

        def c() -> int:
            # the services lock and read the row themselves: the key is all they need
            return self.complaints[key].pk

        if existing is not None:
            self.complaints[key] = existing
            at = existing.registered_at
        else:
            at = add(received + timedelta(minutes=12), register)
        if spec.path == "new":
            return out
        at = add(self.soon(at), lambda now: services.complaint_accept(complaint=c(), actor=officer, now=now))
        if spec.path == "accepted":
            return out
        at = add(
            at + timedelta(minutes=30), lambda now: services.complaint_assign(complaint=c(), actor=officer, now=now)
        )
        if spec.classify:
            cats = self.categories
            at = add(
                at + timedelta(minutes=10),
                lambda now: services.complaint_classify(
                    complaint=c(),
                    actor=officer,
                    business_category=cats[business],
                    cause_category=cats[cause],
                    demand_category=cats[demand_code],
                    now=now,
                ),
            )
        if spec.withdraw:
            add(
                self.working(received + timedelta(days=spec.withdraw), 11, 20),
                lambda now: services.complaint_withdraw(
                    complaint=c(),
                    actor=officer,
                    reason="投诉人来电表示已与业务员协商解决，自愿撤回投诉，已录音留存。",
                    now=now,
                ),
            )
            return out
        for level in range(1, spec.ext + 1):
            approver = self.people[HEAD_OFFICE] if level == 1 else self.people[SENIOR]
            add(
                self.working(received + timedelta(days=10 if level == 1 else 26), 10, 0),
                lambda now, level=level, approver=approver: services.complaint_extend(
                    complaint=c(),
                    actor=officer,
                    level=level,
                    reason="需调取销售录音录像并协调合作银行网点核实，情况复杂。"
                    if level == 1
                    else "涉及多份保单及第三方机构，需总公司相关部门会商，情况特别复杂。",
                    approver=approver,
                    notice_method="电话告知并发送短信",
                    now=now,
                ),
            )
        if spec.path == "handling":
            return out
        decided = add(
            self.working(received + timedelta(days=spec.d), 15, 0),
            lambda now: services.complaint_decide(
                complaint=c(),
                actor=officer,
                decision=f"{decision_for(spec.matter)}{REMEDIES}",
                reply_method="电话告知并寄送书面处理意见",
                remedies_told=True,
                now=now,
            ),
        )
        if spec.path == "replied":
            return out
        answered = add(
            self.working(decided + timedelta(days=1), 10, 0),
            lambda now: services.complaint_record_response(
                complaint=c(),
                actor=officer,
                satisfied=not spec.reexamine,
                reexamine=spec.reexamine,
                note="投诉人对处理结果不认可，申请上级机构核查。" if spec.reexamine else "投诉人表示认可处理结果。",
                received_at=now if spec.reexamine else None,
                now=now,
            ),
        )
        if spec.path == "reexamining":
            return out
        if spec.reexamine:
            answered = add(
                self.working(answered + timedelta(days=9), 16, 0),
                lambda now: services.complaint_reexamine(
                    complaint=c(),
                    actor=self.people[HEAD_OFFICE],
                    conclusion="经总公司核查，原处理决定认定事实清楚、依据合同条款，维持原处理决定；已向投诉人说明调解、诉讼等途径。",
                    upheld=True,
                    now=now,
                ),
            )
        if spec.path == "revisiting":
            return out
        add(
            self.working(answered + timedelta(days=2), 10, 30),
            lambda now: services.complaint_revisit(
                complaint=c(), actor=officer, result="回访投诉人，对处理过程及结果表示基本满意。", now=now
            ),
        )
        cause_code = spec.rc or root
        add(
            out[-1][0] + timedelta(minutes=20),
            lambda now: services.complaint_close(
                complaint=c(),
                actor=officer,
                root_cause=self.categories[cause_code],
                root_cause_note="经溯源分析，问题根因已记录，相关整改纳入机构投诉溯源台账。",
                now=now,
            ),
        )
        return out


STORIES_SPAN = 180  # days: the stories (SPECS) are dated back from now over about half a year
VOLUME_SETTLED = 60  # days: the year's ordinary volume stops this long before now, so all of it is closed


def volume_specs(today: date) -> list[Spec]:
    """The ordinary volume from the first day of the story's complete year to two months ago, thinner where the
    stories already fill the months; the same list for the same day."""
    rng = random.Random(COMPLETE_YEAR)  # noqa: S311 - a fixed demo sequence, not a secret
    first = date(COMPLETE_YEAR, 1, 1)
    stories_start = today - timedelta(days=STORIES_SPAN)
    settled = today - timedelta(days=VOLUME_SETTLED)
    before = volume(rng, first, min(stories_start, settled), per_month=VOLUME_PER_MONTH)
    # the stories bring about ten a month: the volume brings the rest
    during = volume(rng, stories_start + timedelta(days=1), settled, per_month=VOLUME_PER_MONTH - 10)
    return before + during


@transaction.atomic
def load(*, now: datetime | None = None, with_volume: bool = True) -> dict:
    """Register and walk the demo complaints once (nothing is added when any complaint exists): the stories of
    the last half year in every state and, `with_volume`, the ordinary flow since the start of last year. The
    `major.emergency_plan` rule is pointed at the demo's plan, as an institution's admin would, unless
    someone already set it."""
    ComplaintRule.objects.filter(code="major.emergency_plan", value=rules.DEFAULTS["major.emergency_plan"]).update(
        value={"number": EMERGENCY_PLAN}
    )
    if Complaint.objects.exists():
        return {"complaints": 0}
    now = now or timezone.now()
    names = [HEAD_OFFICE, SENIOR, AGENT, *OFFICERS.values()]
    people = {u.username: u for u in User.objects.filter(username__in=names)}
    units = {u.code: u for u in OrgUnit.objects.all()}
    script = Script(people=people, units=units, now=now)
    # hundreds of complaints: a sweep at most every half hour between steps (and every midnight)
    timeline = Timeline(step_sweep_gap=timedelta(minutes=30))
    latest = now - timedelta(minutes=1)
    numbered = list(enumerate(SPECS))
    if with_volume:
        today = timezone.localdate(now)
        numbered += [(FIRST_VOLUME_INDEX + i, spec) for i, spec in enumerate(volume_specs(today))]
    for n, spec in numbered:
        for when, step in script.steps(n, spec):
            if when > latest:  # a step that would fall after now: the complaint waits at the step before
                break
            timeline.at(when, step)
    with rules.rules_held():  # the rules stay as they are for the whole replay: each is read once
        timeline.play(now)
    return {"complaints": Complaint.objects.count()}


# the matters a complaint found by quality inspection is handled under (the call says only that it is a complaint)
FOUND_MATTERS = ["service_change", "claim_slow", "renewal_debit", "attitude"]


@transaction.atomic
def settle_found(*, now: datetime | None = None) -> dict:
    """Handle the complaints quality inspection registered (its demo confirms unlogged complaints through the
    complaint-draft receiver, each at its finding's decision): those registered before the ordinary volume stops
    (`VOLUME_SETTLED`) are accepted, handled and closed by their unit's officer at their own times, like the
    volume; the later ones wait at 受理. The timeline's sweeps then run up to now, which also fires the timers of
    the inspection demo's back-dated rectification orders."""
    now = now or timezone.now()
    found = (
        Complaint.objects.filter(
            external_ref__startswith="inspection-finding-",
            status=Complaint.Status.REGISTERED,
            registered_at__lt=now - timedelta(days=VOLUME_SETTLED),
        )
        .select_related("org_unit")
        .order_by("registered_at", "pk")
    )
    names = [HEAD_OFFICE, SENIOR, AGENT, *OFFICERS.values()]
    people = {u.username: u for u in User.objects.filter(username__in=names)}
    script = Script(people=people, units={u.code: u for u in OrgUnit.objects.all()}, now=now)
    timeline = Timeline(step_sweep_gap=timedelta(minutes=30))
    settled = 0
    for n, complaint in enumerate(found):
        if complaint.org_unit.code.split("-")[0] not in OFFICERS:
            continue  # head office's own: its admin handles it on the day
        spec = Spec(complaint.org_unit.code, complaint.channel, 0, FOUND_MATTERS[n % len(FOUND_MATTERS)], "closed")
        for when, step in script.steps(-complaint.pk, spec, existing=complaint):
            if when > now - timedelta(minutes=1):
                break
            timeline.at(when, step)
        settled += 1
    with rules.rules_held():
        timeline.play(now)
    return {"settled": settled}
