"""Demo data for work orders (工单): head office's orders to its branches over the story's two years.

Issued and walked through `workorders.services` only, with an injected `now`, so each order has its
real process, task rows, timers, feedback rounds, evidence files, history, audit rows and
notifications. The timeline is replayed in date order on the demo clock with the periodic sweep in
between (`workflow.demo.Timeline`), so the orders that went overdue were supervised (督办) and
escalated to head office by the process's own timers, on the days they would have been.

The complete year (`COMPLETE_YEAR`), every order closed:
- its 3·15 education week, to every branch and four sub-branches — one closed after a returned round,
  one (唐山) only after 督办 and escalation;
- the four quarterly complaint-data 报送;
- the annual 消保自查 — 北京 after a return, 河北 after 督办 and escalation;
- a rectification (整改) traced from a complaint's root cause, reported late after 督办;
- the next year's work-plan 报送.

The current year, dated back from the load's day:
- its 3·15 campaign once it is over, and last quarter's 报送 — one branch having refused it once (resent); loaded in
  a year's first weeks, that is the complete year's October 报送, and the year's 自查 and plan are the complete year's;
- the annual 消保自查 — one branch closed after a return, one waiting for review, one escalated;
- a rectification — overdue and supervised;
- next year's work-plan 报送, in the year's last two months — just issued: accepted, reported, not yet accepted;
- a 督办事项 waiting to be accepted, an order refused yesterday, and one withdrawn.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone

from xiaobao.core.models import OrgUnit, User
from xiaobao.demo.core import COMPLETE_YEAR
from xiaobao.demo.workflow import Clock, Timeline, docx_file
from xiaobao.demo.workorders_script import (
    CONTEST_CONTENT,
    IMAGES_CONTENT,
    ISSUER,
    OFFICERS,
    PLAN_CONTENT,
    RECTIFICATION_CONTENT,
    SELF_CHECK_CONTENT,
    SUPERVISION_CONTENT,
    K,
    P,
    Script,
    education_week,
    quarterly_submission,
    reported_period,
)
from xiaobao.demo.workorders_settled import settled_year
from xiaobao.workorders.models import WorkOrder


def _education_year(today: date) -> int:
    """The last 3·15 campaign that is over, with its reports in (April)."""
    return today.year if today >= date(today.year, 5, 1) else today.year - 1


def _last_quarter(today: date) -> tuple[date, str]:
    """The start of the quarter whose first weeks carried the last quarterly 报送, and the period reported."""
    start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    if (today - start).days < 25:  # this quarter's 报送 is not done yet: take the previous one
        start = date(start.year - 1, 10, 1) if start.month == 1 else date(start.year, start.month - 3, 1)
    return start, reported_period(start)


def _self_check(s: Script, t: Timeline, c: Clock) -> None:
    key = "self_check"
    issued = c.ago(22, 9, 30)
    year = issued.year
    checklist = f"{year}年度消费者权益保护工作自查清单.docx"
    t.at(
        issued,
        s.issue(
            key,
            units=["BJ", "TJ", "HB"],
            title=f"{year}年度消费者权益保护工作自查",
            kind=K.SELF_CHECK,
            content=SELF_CHECK_CONTENT,
            due_days=15,
            files=lambda: [docx_file(checklist, checklist.removesuffix(".docx"), SELF_CHECK_CONTENT.split("\n"))],
        ),
    )

    def report(code: str, text: str) -> Callable[[], list]:
        name = f"{s.units[code].name}{year}年度消保工作自查报告.docx"
        return lambda: [docx_file(name, name.removesuffix(".docx"), [text])]

    bj = "北京分公司组织本部及朝阳支公司、海淀营业部开展自查，发现问题3项：1. 2款产品宣传折页未经消保审查；2. 投诉溯源整改台账更新不及时；3. 个别网点未公示投诉电话。已制定整改计划，12月底前完成。"
    t.at(c.ago(21, 9, 15), s.accept(key, "BJ"))
    t.at(c.ago(12, 16, 0), s.report(key, "BJ", bj, report("BJ", bj)))
    t.at(
        c.ago(11, 10, 30),
        s.review(
            key, "BJ", approved=False, comment="自查底稿未覆盖第三方合作机构管理，请补充对合作代理机构的自查情况。"
        ),
    )
    t.at(
        c.ago(9, 17, 20),
        s.report(
            key,
            "BJ",
            "已补充对4家合作保险代理机构的自查：合作协议均含消保条款，1家未按季度开展销售行为回访，已督促整改。",
            lambda: [
                docx_file(
                    "北京分公司第三方合作机构自查底稿.docx", "第三方合作机构自查底稿", ["合作机构4家，详见附表。"]
                )
            ],
        ),
    )
    t.at(c.ago(8, 10, 0), s.review(key, "BJ", approved=True, comment="补充材料完整，验收通过。"))

    tj = "天津分公司自查覆盖本部、滨海新区中心支公司及和平营业部，发现问题2项：1. 适老化服务设施登记不全；2. 个人信息查询日志未定期复核。均已完成整改。"
    t.at(c.ago(21, 10, 40), s.accept(key, "TJ"))
    t.at(c.ago(7, 16, 40), s.report(key, "TJ", tj, report("TJ", tj)))  # on the last day: waits for review

    t.at(c.ago(20, 9, 0), s.accept(key, "HB"))  # and never reports: 督办, then escalated


def _rectification(s: Script, t: Timeline, c: Clock) -> None:
    key = "rectification"
    t.at(
        c.ago(12, 14, 0),
        s.issue(
            key,
            units=["TJ-BH"],
            title="投诉溯源整改：滨海新区中心支公司销售误导投诉",
            kind=K.RECTIFICATION,
            content=RECTIFICATION_CONTENT,
            priority=P.HIGH,
            due_days=10,
        ),
    )
    t.at(c.ago(11, 9, 30), s.accept(key, "TJ-BH"))  # overdue since: supervised, escalation pending


def _current_year(s: Script, t: Timeline, c: Clock) -> None:
    """The year in progress up to today: its 3·15 campaign once it is over, the last quarter's 报送, and the
    open, overdue and supervised orders dated back from today."""
    if _education_year(c.today) > COMPLETE_YEAR:
        education_week(s, t, c, _education_year(c.today))
    start, period = _last_quarter(c.today)
    if start.year > COMPLETE_YEAR:  # else the complete year's last 报送 is the refused one (`load`)
        quarterly_submission(s, t, c, start, period, refused=True)
    # the year's 自查 is the complete year's own when a load in January dates it back into it (the complete year
    # already has it, closed); next year's plan is asked for in a year's last two months
    if c.ago(22, 9, 30).year > COMPLETE_YEAR:
        _self_check(s, t, c)
    _rectification(s, t, c)
    plan_issued = c.ago(5, 10, 0)
    _recent(s, t, c, with_plan=plan_issued.year > COMPLETE_YEAR and plan_issued.month >= 11)


def _plan(s: Script, t: Timeline, c: Clock) -> None:
    """Next year's work-plan 报送, just issued: two branches accepted it, one reported."""
    plan_year = c.today.year + 1
    t.at(
        c.ago(5, 10, 0),
        s.issue(
            "plan",
            units=["BJ", "TJ", "HB"],
            title=f"报送{plan_year}年度消费者权益保护工作计划",
            kind=K.SUBMISSION,
            content=PLAN_CONTENT.format(year=plan_year),
            due_days=20,
        ),
    )
    t.at(c.ago(4, 9, 30), s.accept("plan", "BJ"))
    t.at(c.ago(4, 11, 0), s.accept("plan", "TJ"))
    plan = f"天津分公司{plan_year}年度消费者权益保护工作计划.docx"
    t.at(
        c.ago(1, 16, 20),
        s.report(
            "plan",
            "TJ",
            "工作计划已经分公司消保工作领导小组审议通过，请审阅。",
            lambda: [docx_file(plan, plan.removesuffix(".docx"), [PLAN_CONTENT.format(year=plan_year)])],
        ),
    )


def _recent(s: Script, t: Timeline, c: Clock, *, with_plan: bool = True) -> None:
    if with_plan:
        _plan(s, t, c)
    t.at(
        c.ago(3, 10, 0),
        s.issue(
            "images",
            units=["TJ"],
            title="报送“金融知识普及月”活动影像资料",
            kind=K.OTHER,
            content=IMAGES_CONTENT,
            due_days=5,
        ),
    )
    t.at(
        c.ago(2, 11, 20),
        s.refuse(
            "images", "TJ", "该项影像资料已随“金融知识普及月”活动总结一并报送，请核实，勿重复下发。"
        ),  # head office has not answered yet
    )

    t.at(
        c.ago(9, 15, 0),
        s.issue(
            "contest",
            units=["BJ"],
            title="消保知识竞赛初赛选拔报名",
            kind=K.OTHER,
            content=CONTEST_CONTENT,
            due_days=10,
        ),
    )
    t.at(c.ago(8, 9, 10), s.cancel("contest", "BJ", "竞赛方案调整，已并入年度消保培训工作统一部署，本工单撤销。"))

    t.at(
        c.ago(1, 15, 30),
        s.issue(
            "supervision",
            units=["HB"],
            title="关于河北分公司监管转办投诉逾期未办结事项的督办",
            kind=K.SUPERVISION,
            content=SUPERVISION_CONTENT,
            priority=P.URGENT,
            due_days=3,
        ),
    )


@transaction.atomic
def load(*, now: datetime | None = None) -> dict:
    """Issue and walk the demo orders once (nothing is added when any work order exists)."""
    if WorkOrder.objects.exists():
        return {"orders": 0}
    now = now or timezone.now()
    people = {u.username: u for u in User.objects.filter(username__in=[ISSUER, *OFFICERS.values()])}
    units = {u.code: u for u in OrgUnit.objects.all()}
    script = Script(people[ISSUER], {code: people[name] for code, name in OFFICERS.items()}, units)
    clock, timeline = Clock(now), Timeline()
    # the last quarterly 报送 before the load is the one 河北 refused once: the complete year's in a year's first weeks
    last_quarter, _ = _last_quarter(clock.today)
    settled_year(script, timeline, clock, COMPLETE_YEAR, refused_quarter=last_quarter)
    _current_year(script, timeline, clock)
    timeline.play(now)
    return {"orders": WorkOrder.objects.count()}
