"""The work-order demo's complete year (`COMPLETE_YEAR`): besides its 3·15 week and quarterly 报送
(`workorders_script.py`), its 消保自查, a rectification traced from a complaint and the next year's plan 报送 —
every order closed by the year's end, some after 督办 and escalation.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from xiaobao.demo.workflow import Clock, Timeline, docx_file, moment
from xiaobao.demo.workorders_script import (
    PLAN_CONTENT,
    SELF_CHECK_CONTENT,
    K,
    P,
    Script,
    education_week,
    quarterly_submission,
    reported_period,
)


def _settled_self_check(s: Script, t: Timeline, c: Clock, year: int) -> None:
    """The year's 消保自查, all closed by the year's end: 北京 after one returned round, 河北 only after 督办 and
    escalation (its report came in late)."""
    key = f"self_check-{year}"
    issued = c.calendar.next_working_day(date(year, 11, 3))
    checklist = f"{year}年度消费者权益保护工作自查清单.docx"
    t.at(
        moment(issued, 9, 30),
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

    def report(code: str, text: str) -> Callable:
        name = f"{s.units[code].name}{year}年度消保工作自查报告.docx"
        return s.report(key, code, text, lambda: [docx_file(name, name.removesuffix(".docx"), [text])])

    bj = "北京分公司自查发现问题2项：1. 1款产品宣传折页未经消保审查；2. 海淀营业部未在显著位置公示投诉电话。均已整改完毕。"
    c.chain(
        t,
        issued,
        [
            (1, "09:10", s.accept(key, "BJ")),
            (9, "16:00", report("BJ", bj)),
            (1, "10:30", s.review(key, "BJ", approved=False, comment="请补充整改前后对比照片及折页送审记录。")),
            (2, "15:20", s.report(key, "BJ", "已补充整改前后对比照片及折页送审记录，请审核。")),
            (1, "10:00", s.review(key, "BJ", approved=True, comment="补充材料完整，验收通过。")),
        ],
    )
    tj = "天津分公司自查覆盖本部及下辖机构，发现问题1项：适老化服务设施登记不全，已完成整改。"
    c.chain(
        t,
        issued,
        [
            (1, "10:20", s.accept(key, "TJ")),
            (12, "17:00", report("TJ", tj)),
            (1, "09:40", s.review(key, "TJ", approved=True, comment="验收通过。")),
        ],
    )
    # 河北 misses the deadline: supervised the next day, escalated three working days later, then reports
    hb = "因河北分公司下辖中心支公司较多，自查底稿汇总延迟。自查发现问题3项：投诉溯源台账不完整、个别网点双录抽检不足、第三方合作机构回访缺失，均已制定整改计划。"
    c.chain(
        t,
        issued,
        [
            (1, "09:00", s.accept(key, "HB")),
            (21, "15:30", report("HB", hb)),
            (1, "09:20", s.review(key, "HB", approved=True, comment="同意验收。请河北分公司今后按期报送。")),
        ],
    )


SETTLED_RECTIFICATION_CONTENT = """客户李某通过官方APP投诉，反映我司北京朝阳支公司在其重大疾病保险理赔中多次要求补充材料、未一次性告知，理赔时效超过合同约定。该投诉已办结，经溯源分析，问题根因为：理赔资料清单未按险种细化，柜面人员对一次性告知要求执行不到位。
请朝阳支公司：（一）按险种细化理赔资料一次性告知清单并在柜面、官方APP公示；（二）组织理赔及柜面人员专题培训；（三）在期限内反馈整改报告及佐证材料。"""


def _settled_rectification(s: Script, t: Timeline, c: Clock, year: int) -> None:
    """A rectification traced from a complaint's root cause: reported late (督办 first), then closed."""
    key = f"rectification-{year}"
    issued = c.calendar.next_working_day(date(year, 6, 9))
    t.at(
        moment(issued, 14, 0),
        s.issue(
            key,
            units=["BJ-CY"],
            title="投诉溯源整改：朝阳支公司理赔资料未一次性告知投诉",
            kind=K.RECTIFICATION,
            content=SETTLED_RECTIFICATION_CONTENT,
            priority=P.HIGH,
            due_days=10,
        ),
    )
    c.chain(
        t,
        issued,
        [
            (1, "09:30", s.accept(key, "BJ-CY")),
            (11, "16:10", s.report(key, "BJ-CY", "已按险种细化理赔资料清单并公示，完成专题培训2场，整改报告见附件。")),
            (1, "10:00", s.review(key, "BJ-CY", approved=True, comment="整改到位，验收通过。")),
        ],
    )


def _settled_plan(s: Script, t: Timeline, c: Clock, year: int) -> None:
    """The next year's work-plan 报送, issued in December and accepted by the year's end."""
    key, plan_year = f"plan-{year}", year + 1
    issued = c.calendar.next_working_day(date(year, 12, 1))
    t.at(
        moment(issued, 10, 0),
        s.issue(
            key,
            units=["BJ", "TJ", "HB"],
            title=f"报送{plan_year}年度消费者权益保护工作计划",
            kind=K.SUBMISSION,
            content=PLAN_CONTENT.format(year=plan_year),
            due_days=15,
        ),
    )
    text = "工作计划已经分公司消保工作领导小组审议通过，请审阅。"
    for code, lag in (("BJ", 8), ("TJ", 6), ("HB", 10)):
        c.chain(
            t,
            issued,
            [
                (1, "09:30", s.accept(key, code)),
                (lag, "16:00", s.report(key, code, text)),
                (1, "10:30", s.review(key, code, approved=True, comment="验收通过。")),
            ],
        )


def settled_year(s: Script, t: Timeline, c: Clock, year: int, *, refused_quarter: date | None = None) -> None:
    """The story's complete year: its 3·15 campaign, its four quarterly 报送, its 自查, a rectification and the
    next year's plan, every order closed (some after 督办). `refused_quarter`: the start of the quarter whose 报送
    河北 refuses once (the last one before a load in a year's first weeks, which the year in progress then lacks)."""
    education_week(s, t, c, year)
    for month in (1, 4, 7, 10):
        start = date(year, month, 1)
        quarterly_submission(s, t, c, start, reported_period(start), refused=start == refused_quarter)
    _settled_self_check(s, t, c, year)
    _settled_rectification(s, t, c, year)
    _settled_plan(s, t, c, year)
