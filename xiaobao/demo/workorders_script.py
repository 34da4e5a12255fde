"""The work-order demo's script (`workorders.py` loads it): head office's orders and the branches' steps on them,
and the orders it issues every year — the 3·15 education week and the quarterly complaint-data 报送 — which the
complete year (`workorders_settled.py`) and the year in progress (`workorders.py`) both tell.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date, datetime, timedelta

from django.core.files.base import ContentFile

from xiaobao.core.models import OrgUnit, User
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


def reported_period(start: date) -> str:
    """The quarter reported by the 报送 issued in the quarter starting `start`: the one before it."""
    reported_year, reported_q = (start.year - 1, 4) if start.month == 1 else (start.year, (start.month - 1) // 3)
    return f"{reported_year}年第{'一二三四'[reported_q - 1]}季度"


def education_week(s: Script, t: Timeline, c: Clock, year: int) -> None:
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


def quarterly_submission(s: Script, t: Timeline, c: Clock, start: date, period: str, *, refused: bool) -> None:
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
