"""The statutory clock of one complaint: the deadline in force, from its events.

《银行业保险业消费投诉处理管理办法》(原银保监会令2020年第3号):
- 第十八条第一款: "自收到消费投诉之日起15日内作出处理决定并告知投诉人，情况复杂的可以延长至30日；情况特别
  复杂或者有其他特殊原因的，经其上级机构或者总行、总公司高级管理人员审批并告知投诉人，可以再延长30日。"
- 第十八条第二款: "消费投诉处理过程中需外部机构进行鉴定、检测、评估等工作的，相关期间可以不计入消费投诉处理
  期限，但应当及时告知投诉人。"
- 第十八条第三款: "投诉人在消费投诉处理期限内再次提出同一消费投诉的，银行保险机构可以合并处理，如投诉人提出
  新的事实和理由，处理期限自收到新的投诉材料之日起重新计算。"
- 第二十三条: 调解期间不计入消费投诉处理期限.
- 第四十三条: the Measures' 日 are calendar days (自然日); the Civil Code counts them (第二百零一条: the first
  day is not counted; 第二百零三条: a last day that is a holiday moves to the next working day) — core.workdays.

So the deadline in force is: the clock's start (receipt, or the receipt of the latest new facts and
reasons), plus the days of the current level (15; 30 after the first extension; 30 + 30 after the
second), plus the days the clock stood still (mediation and outside appraisal, overlapping stops counted
once, only after the start), with the last day moved off a holiday. A stop that is still open has no end
yet: the deadline is then computed as if it ended today, and the caller holds the handling task's timer.

Counting a stop: a stop from day S to day E (local dates) leaves E − S days out — day S still counts
(the clock ran that day) and counting resumes the day after E, as the Civil Code starts a period on the
day after the event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.utils import timezone

from xiaobao.complaints.models import ClockEvent, Complaint, Extension
from xiaobao.complaints.rules import deadline as rule_deadline
from xiaobao.complaints.rules import rule
from xiaobao.core import calendar_cache
from xiaobao.core.workdays import Calendar, DayUnit, Deadline

LEVEL_RULES = {
    0: ("deadline.initial",),
    Extension.Level.COMPLEX: ("deadline.complex",),
    Extension.Level.SPECIAL: ("deadline.complex", "deadline.special"),
}


@dataclass(frozen=True)
class Clock:
    """The clock as its events leave it."""

    start: datetime  # receipt, or the receipt of the latest new facts and reasons
    deadline: Deadline  # the deadline in force (as if an open stop ended today)
    stopped_days: int  # days left out for mediation and outside appraisal
    paused_since: datetime | None  # an open stop's start, or None while the clock runs


def _local(moment: datetime) -> date:
    return timezone.localtime(moment).date()


def _stopped_days(spans: list[tuple[date, date]], start: date, unit: str, calendar: Calendar) -> int:
    """The days inside the union of `spans` after `start` (overlapping stops count once)."""
    merged: list[list[date]] = []
    for begin, end in sorted((max(b, start), e) for b, e in spans if e > start):
        if end <= begin:
            continue
        if merged and begin <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([begin, end])
    if DayUnit(unit) is DayUnit.WORKING:
        return sum(calendar.working_days_between(begin, end) for begin, end in merged)
    return sum((end - begin).days for begin, end in merged)


def compute(
    complaint: Complaint,
    *,
    events: list[ClockEvent] | None = None,
    level: int | None = None,
    now: datetime | None = None,
    calendar: Calendar | None = None,
) -> Clock:
    """The clock of `complaint` from its recorded events (or `events`, to try a change before saving it)."""
    now = now or timezone.now()
    calendar = calendar or calendar_cache.current()
    events = list(complaint.clock_events.all()) if events is None else events
    level = complaint.extension_level if level is None else level
    restarts = [e.started_at for e in events if e.kind == ClockEvent.Kind.NEW_FACTS]
    start = max([complaint.received_at, *restarts])
    codes = LEVEL_RULES[level]
    unit = rule(codes[0]).get("unit", DayUnit.CALENDAR)
    days = sum(int(rule(code)["days"]) for code in codes[1:])
    today = _local(now)
    open_stops = [e.started_at for e in events if e.kind in ClockEvent.PAUSES and e.ended_at is None]
    spans = [
        (_local(e.started_at), _local(e.ended_at) if e.ended_at else max(today, _local(e.started_at)))
        for e in events
        if e.kind in ClockEvent.PAUSES
    ]
    stopped = _stopped_days(spans, _local(start), unit, calendar)
    deadline = rule_deadline(codes[0], start, calendar=calendar, extra_days=days + stopped)
    paused = min(open_stops, default=None)
    return Clock(start=start, deadline=deadline, stopped_days=stopped, paused_since=paused)
