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
- its 3·15 campaign once it is over, and last quarter's 报送 — one branch having refused it once (resent);
- the annual 消保自查 — one branch closed after a return, one waiting for review, one escalated;
- a rectification — overdue and supervised;
- next year's work-plan 报送 — just issued: accepted, reported, not yet accepted;
- a 督办事项 waiting to be accepted, an order refused yesterday, and one withdrawn.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date, datetime, timedelta

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from xiaobao.core.models import OrgUnit, User
from xiaobao.demo.core import COMPLETE_YEAR
from xiaobao.demo.workflow import Clock, Timeline, docx_file, moment
from xiaobao.workorders import services
from xiaobao.workorders.models import WorkOrder

K = WorkOrder.Kind
P = WorkOrder.Priority
ISSUER = "xiaobao"  # 李晓梅, 总公司消费者权益保护部
OFFICERS = {"BJ": "bj_officer", "TJ": "tj_officer", "HB": "hb_officer"}  # each branch's 消保专员

# --- what the orders say -----------------------------------------------------------------------

EDUCATION_CONTENT = """根据监管部门关于开展“3·15”金融消费者权益保护教育宣传活动的工作部署，总公司定于3月9日至3月15日开展“3·15”金融消费者权益保护教育宣传周活动。请各机构：
一、在营业网点设置消保宣传专区，摆放风险提示和“八项权利”宣传折页，电子屏滚动播放宣传标语；
二、结合“五进入”（进农村、进社区、进学校、进企业、进商圈）开展线下宣讲，重点面向老年人、新市民、青少年宣传防范非法集资、警惕“代理退保”等金融黑产；
三、通过官方微信、官方APP推送原创宣传文章和短视频，关怀版同步上线语音播报；
四、活动期间严禁借宣传之名开展产品营销；
五、3月31日前通过本工单反馈活动总结，写明活动场次、参与人数及线上覆盖人次，并上传现场照片、签到表和《宣教活动登记表》。"""

SELF_CHECK_CONTENT = """为做好年度消费者权益保护监管评价准备工作，请各分公司对照《银行保险机构消费者权益保护管理办法》及总公司消保制度，组织辖内机构开展全面自查，重点包括：
（一）消保体制机制建设及考核评价；
（二）消保审查开展情况及审查意见采纳；
（三）产品和服务信息披露；
（四）消费投诉处理、溯源整改及考核问责；
（五）教育宣传及“五进入”活动开展；
（六）消费者个人信息保护；
（七）第三方合作机构管理；
（八）适老化服务。
请于期限内通过本工单反馈自查报告（含问题清单、整改措施及完成时限），并上传自查底稿。"""

RECTIFICATION_CONTENT = """客户张某通过金融监管总局12378热线转办投诉，反映我司天津滨海新区中心支公司销售人员在推介分红型两全保险时，以“保本保息、年收益4.5%”等表述夸大产品收益，且未充分说明犹豫期及退保损失。该投诉已调解办结，经溯源分析，问题根因为：
1. 个别销售人员对新产品培训掌握不到位，存在误导性表述；
2. 营销宣传材料审核把关不严，网点存在未经审查的自制宣传材料；
3. 双录质检抽检比例偏低，未能及时发现问题。
请滨海新区中心支公司：（一）对涉事销售人员依规问责，组织全员合规培训；（二）全面清理自制宣传材料；（三）将双录质检抽检比例提高至不低于30%；（四）在期限内反馈整改报告及佐证材料。"""

SUBMISSION_CONTENT = """请按监管季度报送要求，统计{period}辖内（含下辖各级机构）消费投诉数据，填写《消费投诉数据报送表》并上传：
1. 投诉来源分直接受理、金融监管总局（12378）转办、银保信平台转办分别统计，口径一致，不得遗漏；
2. 业务类别按理赔、销售、退保、保全、其他分类统计；
3. 附本季度投诉情况分析，说明同比、环比变化原因及溯源整改措施。"""

PLAN_CONTENT = """请各分公司结合本年度消保工作开展情况、自查发现问题和监管评价意见，编制{year}年度消费者权益保护工作计划，内容包括：工作目标、重点任务（消保审查、投诉治理、教育宣传、适老化服务、个人信息保护）、责任部门及完成时限、考核安排。计划经分公司消保工作领导小组审议后报送总公司。"""

SUPERVISION_CONTENT = """经总公司投诉管理台账核查，河北分公司承办的3件金融监管总局转办投诉已超过15日处理时限尚未办结，且未按规定履行延期审批及告知投诉人程序。请河北分公司：
1. 立即组织办结，向投诉人反馈处理意见并告知核查、调解、仲裁、诉讼等救济渠道；
2. 核查逾期原因，对相关人员依规问责；
3. 3个工作日内书面反馈督办落实情况。"""

IMAGES_CONTENT = (
    "请报送天津分公司“金融知识普及月”期间线下活动的现场照片及视频资料（每场不少于3张），用于总公司年度宣教工作汇编。"
)

CONTEST_CONTENT = "总公司拟于下月举办消保知识竞赛，请北京分公司组织辖内员工报名参加初赛选拔，推荐3名选手组队参加决赛。"

SUBMISSION_ROWS = {  # complaints by source, then by business line (理赔, 销售, 退保, 保全, 其他)
    "BJ": ((31, 11, 4), (14, 12, 10, 6, 4)),
    "TJ": ((27, 8, 3), (11, 10, 9, 5, 3)),
    "HB": ((36, 12, 4), (17, 13, 12, 6, 4)),
}


def xlsx_file(name: str, unit: str, period: str, sources: tuple, lines: tuple) -> ContentFile:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "投诉数据"
    sheet.append([f"{unit}{period}消费投诉数据报送表"])
    sheet.append(["投诉来源", "件数"])
    for label, count in zip(("直接受理", "监管转办（12378）", "银保信平台转办"), sources, strict=True):
        sheet.append([label, count])
    sheet.append(["合计", sum(sources)])
    sheet.append([])
    sheet.append(["业务类别", "件数"])
    for label, count in zip(("理赔", "销售", "退保", "保全", "其他"), lines, strict=True):
        sheet.append([label, count])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return ContentFile(buffer.getvalue(), name=name)


# --- the script ----------------------------------------------------------------------------------


class Script:
    """Steps on named orders: `issue` names an order (a batch's children by unit code), the rest act on it."""

    def __init__(self, issuer: User, officers: dict[str, User], units: dict[str, OrgUnit]):
        self.issuer, self.officers, self.units = issuer, officers, units
        self.orders: dict[str, WorkOrder] = {}

    def officer(self, code: str) -> User:
        return self.officers[code.split("-")[0]]

    def issue(self, key: str, *, units: list[str], files: Callable[[], list] = list, **fields) -> Callable:
        def step(now: datetime) -> None:
            order = services.workorder_issue(
                actor=self.issuer,
                recipient_units=[self.units[code] for code in units],
                files=files(),
                now=now,
                **fields,
            )
            self.orders[key] = order
            for child in order.children.select_related("org_unit") if order.is_batch else [order]:
                self.orders[f"{key}:{child.org_unit.code}"] = child

        return step

    def accept(self, key: str, code: str) -> Callable:
        return lambda now: services.workorder_accept(
            order=self.orders[f"{key}:{code}"], actor=self.officer(code), now=now
        )

    def refuse(self, key: str, code: str, reason: str) -> Callable:
        return lambda now: services.workorder_refuse(
            order=self.orders[f"{key}:{code}"], actor=self.officer(code), reason=reason, now=now
        )

    def resend(self, key: str, code: str, comment: str) -> Callable:
        return lambda now: services.workorder_resolve_refusal(
            order=self.orders[f"{key}:{code}"], actor=self.issuer, resend=True, comment=comment, now=now
        )

    def report(self, key: str, code: str, text: str, files: Callable[[], list] = list) -> Callable:
        return lambda now: services.workorder_submit_feedback(
            order=self.orders[f"{key}:{code}"], actor=self.officer(code), text=text, files=files(), now=now
        )

    def review(self, key: str, code: str, *, approved: bool, comment: str = "") -> Callable:
        return lambda now: services.workorder_review(
            order=self.orders[f"{key}:{code}"], actor=self.issuer, approved=approved, comment=comment, now=now
        )

    def cancel(self, key: str, code: str, reason: str) -> Callable:
        return lambda now: services.workorder_cancel(
            order=self.orders[f"{key}:{code}"], actor=self.issuer, reason=reason, now=now
        )


def _education_year(today: date) -> int:
    """The last 3·15 campaign that is over, with its reports in (April)."""
    return today.year if today >= date(today.year, 5, 1) else today.year - 1


def _last_quarter(today: date) -> tuple[date, str]:
    """The start of the quarter whose first weeks carried the last quarterly 报送, and the period reported."""
    start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    if (today - start).days < 25:  # this quarter's 报送 is not done yet: take the previous one
        start = date(start.year - 1, 10, 1) if start.month == 1 else date(start.year, start.month - 3, 1)
    return start, _reported_period(start)


def _reported_period(start: date) -> str:
    """The quarter reported by the 报送 issued in the quarter starting `start`: the one before it."""
    reported_year, reported_q = (start.year - 1, 4) if start.month == 1 else (start.year, (start.month - 1) // 3)
    return f"{reported_year}年第{'一二三四'[reported_q - 1]}季度"


def _education(s: Script, t: Timeline, c: Clock, year: int) -> None:
    key = f"education-{year}"
    units = ["BJ", "TJ", "HB", "BJ-CY", "TJ-BH", "HB-SJZ", "HB-TS"]
    notice = f"关于开展{year}年“3·15”金融消费者权益保护教育宣传周活动的通知.docx"
    issued = c.calendar.next_working_day(date(year, 2, 26))
    t.at(
        moment(issued, 10, 0),
        s.issue(
            key,
            units=units,
            title=f"{year}年“3·15”金融消费者权益保护教育宣传周活动",
            kind=K.EDUCATION,
            content=EDUCATION_CONTENT,
            priority=P.HIGH,
            due_date=date(year, 3, 31),
            files=lambda: [docx_file(notice, notice.removesuffix(".docx"), EDUCATION_CONTENT.split("\n"))],
        ),
    )
    for code, accepted in zip(units, ["09:20", "10:05", "09:00", "09:25", "10:10", "09:05", "09:10"], strict=True):
        c.chain(t, issued, [(1, accepted, s.accept(key, code))])

    def summary(code: str, text: str) -> Callable[[], list]:
        name = f"{s.units[code].name}“3·15”宣教活动总结.docx"
        return lambda: [docx_file(name, name.removesuffix(".docx"), [text])]

    def reported(code: str, text: str) -> Callable:
        return s.report(key, code, text, summary(code, text))

    def approved(code: str, comment: str = "验收通过。") -> Callable:
        return s.review(key, code, approved=True, comment=comment)

    # Each branch reports by the end of March; steps are working days after the one before.
    bj = "3月9日至15日，北京分公司本部共开展线下宣教活动8场，其中进社区3场、进学校2场、进商圈2场、进企业1场，现场参与约1,240人次；官方微信推送原创文章4篇、短视频2条，线上阅读约3.6万次。活动期间未发生借宣传之名营销产品的情况。"
    sheet = "北京分公司宣教活动登记表.docx"
    c.chain(
        t,
        date(year, 3, 17),
        [
            (0, "16:30", reported("BJ", bj)),
            (
                1,
                "10:00",
                s.review(
                    key,
                    "BJ",
                    approved=False,
                    comment="请补充各场活动的现场照片和签到表，并按总公司模板填写《宣教活动登记表》。",
                ),
            ),
            (
                3,
                "15:00",
                s.report(
                    key,
                    "BJ",
                    "已按要求补充8场活动的现场照片、签到表及《宣教活动登记表》，请审核。",
                    lambda: [docx_file(sheet, "宣教活动登记表", ["活动8场，登记表及签到表见附件。"])],
                ),
            ),
            (1, "11:00", approved("BJ", "材料齐全，验收通过。")),
        ],
    )
    tj = "天津分公司及和平营业部共开展活动6场，联合社区居委会举办“守护钱袋子”老年人专场讲座2场，覆盖约980人次；线上推送文章3篇，阅读约2.1万次。"
    c.chain(t, date(year, 3, 24), [(0, "17:10", reported("TJ", tj)), (1, "09:30", approved("TJ"))])
    hb = "河北分公司本部在石家庄裕华万达商圈设立宣传咨询台，开展“金融知识进校园”活动2场，累计覆盖约1,650人次；官方微信推送文章3篇、短视频1条。"
    c.chain(t, date(year, 3, 27), [(0, "14:20", reported("HB", hb)), (1, "09:30", approved("HB"))])
    cy = "朝阳支公司在望京、酒仙桥两个社区开展“守护钱袋子”专题讲座2场，参与老年客户136人次，现场解答保单保全、理赔咨询42件。"
    c.chain(
        t,
        date(year, 3, 18),
        [(0, "15:40", reported("BJ-CY", cy)), (1, "10:20", approved("BJ-CY", "验收通过，活动针对性强。"))],
    )
    bh = "滨海新区中心支公司联合塘沽支公司开展“金融知识进企业”活动3场，走进港区物流企业，覆盖职工约620人次。"
    c.chain(
        t,
        date(year, 3, 19),
        [
            (0, "11:15", reported("TJ-BH", bh)),
            (
                1,
                "14:00",
                s.review(
                    key,
                    "TJ-BH",
                    approved=False,
                    comment="活动覆盖人数与签到表合计不一致（签到表合计418人），请核实后重新报送。",
                ),
            ),
            (
                2,
                "10:30",
                s.report(
                    key,
                    "TJ-BH",
                    "经核实，另有两场为企业内部广播宣讲未设签到，已补充企业出具的情况说明，覆盖约620人次无误。",
                ),
            ),
            (1, "09:00", approved("TJ-BH", "说明已收悉，验收通过。")),
        ],
    )
    sjz = "石家庄中心支公司开展进农村、进社区活动4场，在正定县两个行政村开展防范非法集资宣传，覆盖约900人次。"
    c.chain(t, date(year, 3, 25), [(0, "16:00", reported("HB-SJZ", sjz)), (1, "10:10", approved("HB-SJZ"))])
    # 唐山 misses the deadline: the process supervises it the next day and escalates it three working
    # days later; its report comes in after that.
    ts = "因唐山中心支公司消保岗位人员调整，活动总结报送延迟。唐山中心支公司于3月12日至14日在迁安、路南开展宣教活动3场，覆盖约540人次。已落实消保岗位AB角制度。"
    c.chain(
        t,
        date(year, 3, 31),
        [
            (8, "15:30", reported("HB-TS", ts)),
            (1, "09:20", approved("HB-TS", "同意验收。请唐山中心支公司落实岗位AB角，避免再次逾期。")),
        ],
    )


def _quarterly_submission(s: Script, t: Timeline, c: Clock, start: date, period: str, *, refused: bool) -> None:
    """The quarterly complaint-data 报送 issued in the quarter starting `start`; `refused`: 河北 refuses it once."""
    issued = c.calendar.next_working_day(start + timedelta(days=7))
    key = f"submission-{start:%Y-%m}"
    # the figures move a little from quarter to quarter
    shift = (start.month // 3) % 3 - 1
    rows = {
        code: (tuple(n + shift for n in sources), tuple(max(n + shift, 0) for n in lines))
        for code, (sources, lines) in SUBMISSION_ROWS.items()
    }
    t.at(
        moment(issued, 10, 0),
        s.issue(
            key,
            units=["BJ", "TJ", "HB"],
            title=f"{period}消费投诉数据报送",
            kind=K.SUBMISSION,
            content=SUBMISSION_CONTENT.format(period=period),
            due_days=5,
        ),
    )

    def table(code: str) -> Callable[[], list]:
        name = f"{s.units[code].name}{period}消费投诉数据报送表.xlsx"
        return lambda: [xlsx_file(name, s.units[code].name, period, *rows[code])]

    def text(code: str) -> str:
        sources, lines = rows[code]
        return (
            f"{period}共受理消费投诉{sum(sources)}件（直接受理{sources[0]}件、监管转办{sources[1]}件、银保信平台转办"
            f"{sources[2]}件），其中理赔类{lines[0]}件、销售类{lines[1]}件，已全部按时办结，数据报送表见附件。"
        )

    t.at(moment(issued, 14, 0), s.accept(key, "BJ"))
    t.at(c.after(issued, 3, 16, 0), s.report(key, "BJ", text("BJ"), table("BJ")))
    t.at(c.after(issued, 4, 9, 30), s.review(key, "BJ", approved=True, comment="数据已核对，验收通过。"))
    t.at(c.after(issued, 1, 9, 10), s.accept(key, "TJ"))
    t.at(c.after(issued, 4, 15, 0), s.report(key, "TJ", text("TJ"), table("TJ")))
    t.at(c.after(issued, 5, 10, 0), s.review(key, "TJ", approved=True, comment="验收通过。"))
    if not refused:
        t.at(c.after(issued, 1, 9, 30), s.accept(key, "HB"))
        t.at(c.after(issued, 4, 16, 30), s.report(key, "HB", text("HB"), table("HB")))
        t.at(c.after(issued, 5, 9, 40), s.review(key, "HB", approved=True, comment="验收通过。"))
        return
    # 河北 refuses it once (an outdated template), head office fixes it and sends it again.
    t.at(
        moment(issued, 16, 30),
        s.refuse(
            key, "HB", "工单说明中的报送口径缺少“银保信平台转办”来源分类，与今年监管报送模板不一致，请更新后重新下发。"
        ),
    )
    t.at(c.after(issued, 1, 9, 0), s.resend(key, "HB", "已按今年监管报送模板更新口径（见工单说明第1条），请接收办理。"))
    t.at(c.after(issued, 1, 10, 0), s.accept(key, "HB"))
    t.at(c.after(issued, 5, 17, 0), s.report(key, "HB", text("HB"), table("HB")))
    t.at(c.after(issued, 6, 9, 40), s.review(key, "HB", approved=True, comment="验收通过。"))


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


def _settled_year(s: Script, t: Timeline, c: Clock, year: int) -> None:
    """The story's complete year: its 3·15 campaign, its four quarterly 报送, its 自查, a rectification and the
    next year's plan, every order closed (some after 督办)."""
    _education(s, t, c, year)
    for month in (1, 4, 7, 10):
        start = date(year, month, 1)
        _quarterly_submission(s, t, c, start, _reported_period(start), refused=False)
    _settled_self_check(s, t, c, year)
    _settled_rectification(s, t, c, year)
    _settled_plan(s, t, c, year)


def _current_year(s: Script, t: Timeline, c: Clock) -> None:
    """The year in progress up to today: its 3·15 campaign once it is over, the last quarter's 报送, and the
    open, overdue and supervised orders dated back from today."""
    if _education_year(c.today) > COMPLETE_YEAR:
        _education(s, t, c, _education_year(c.today))
    start, period = _last_quarter(c.today)
    if start.year > COMPLETE_YEAR:
        _quarterly_submission(s, t, c, start, period, refused=True)
    _self_check(s, t, c)
    _rectification(s, t, c)
    _recent(s, t, c)


def _recent(s: Script, t: Timeline, c: Clock) -> None:
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
    _settled_year(script, timeline, clock, COMPLETE_YEAR)
    _current_year(script, timeline, clock)
    timeline.play(now)
    return {"orders": WorkOrder.objects.count()}
