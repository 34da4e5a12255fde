"""The demo complaints' content (消费投诉): what the complainants say, who they are (fictional), and how far each
complaint of the half year got. demo.py walks them through the services.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from xiaobao.complaints.models import Complaint

CH = Complaint.Channel

# --- what the complaints say ---------------------------------------------------------------------
# key: (subject, content, demand, product, business code, cause code, demand code, root cause code, amount)
MATTERS = {
    "claim_slow": (
        "重疾理赔超过约定时限未赔付",
        "投诉人称其于上月提交重大疾病保险理赔申请及全部病历资料，至今超过30日未收到理赔结论，多次致电400热线均答复“正在审核”，无具体进度。",
        "要求尽快作出理赔决定并支付理赔款。",
        "安康终身重大疾病保险",
        "L06",
        "C0201",
        "D02",
        "R06",
        Decimal("300000"),
    ),
    "claim_amount": (
        "住院医疗理赔金额与预期不符",
        "投诉人住院费用合计2.3万元，理赔仅赔付1.1万元，认为公司未说明自费药品不予赔付，对扣减项目有异议。",
        "要求按实际发生费用足额赔付，并书面说明扣减原因。",
        "百万守护医疗保险",
        "L07",
        "C0202",
        "D02",
        "R05",
        Decimal("12000"),
    ),
    "claim_denied": (
        "意外险理赔被拒",
        "投诉人骑电动车摔伤，申请意外伤害保险理赔被以“无证驾驶”为由拒赔，投诉人认为投保时未告知该免责条款。",
        "要求撤销拒赔决定，按合同赔付。",
        "畅行无忧意外伤害保险",
        "L08",
        "C0203",
        "D02",
        "R08",
        Decimal("8600"),
    ),
    "misleading": (
        "分红险销售误导",
        "投诉人称销售人员推介分红型两全保险时称“保本保息、年收益4.5%”，未说明分红不确定及退保损失，现急需用钱退保损失较大。",
        "要求全额退还已交保费。",
        "金福年年分红型两全保险",
        "L02",
        "C0101",
        "D01",
        "R01",
        Decimal("50000"),
    ),
    "promised_return": (
        "万能险承诺收益未兑现",
        "投诉人称投保时业务员承诺万能账户年结算利率不低于4%，实际结算利率低于承诺，认为受到误导。",
        "要求补足承诺收益或全额退保。",
        "鑫享万能型终身寿险",
        "L03",
        "C0104",
        "D01",
        "R01",
        Decimal("100000"),
    ),
    "surrender_amount": (
        "退保金额远低于已交保费",
        "投诉人交费第三年申请退保，现金价值仅为已交保费的四成，认为销售时未告知提前退保的损失。",
        "要求按已交保费全额退还。",
        "福满堂年金保险",
        "L05",
        "C0301",
        "D01",
        "R01",
        Decimal("36000"),
    ),
    "cooling_off": (
        "犹豫期内退保被收取费用",
        "投诉人在犹豫期内申请解除合同，被告知需扣除工本费，投诉人认为犹豫期内退保应全额退还保费。",
        "要求全额退还保费。",
        "安康终身重大疾病保险",
        "L06",
        "C0302",
        "D09",
        "R05",
        Decimal("200"),
    ),
    "renewal_debit": (
        "续期保费重复扣款",
        "投诉人银行卡同一天被扣除两次续期保费，联系客服后仍未退还多扣款项。",
        "要求退还重复扣除的保费。",
        "安康终身重大疾病保险",
        "L06",
        "C0403",
        "D09",
        "R05",
        Decimal("6800"),
    ),
    "service_change": (
        "保单变更办理缓慢",
        "投诉人申请变更投保人及银行账户，柜面受理后超过10个工作日仍未办结，影响续期缴费。",
        "要求尽快办理变更并说明延误原因。",
        "福满堂年金保险",
        "L05",
        "C0401",
        "D06",
        "R06",
        None,
    ),
    "attitude": (
        "客服人员服务态度差",
        "投诉人致电咨询保单贷款事宜，坐席人员语气生硬、多次打断，未解答清楚即挂断电话。",
        "要求道歉并对相关人员进行处理。",
        "",
        "L99",
        "C06",
        "D04",
        "R05",
        None,
    ),
    "harassment": (
        "频繁接到营销电话",
        "投诉人称已明确拒绝，仍每周多次接到自称公司业务员的保险推销电话，严重影响生活。",
        "要求停止电话骚扰，说明个人信息来源。",
        "",
        "L99",
        "C07",
        "D07",
        "R07",
        None,
    ),
    "privacy": (
        "个人信息疑似被泄露",
        "投诉人投保后不久即接到多个第三方机构电话，能准确说出其保单信息，怀疑公司或代理机构泄露个人信息。",
        "要求查明原因并追究相关人员责任。",
        "鑫享万能型终身寿险",
        "L03",
        "C08",
        "D08",
        "R07",
        None,
    ),
    "signature": (
        "投保单非本人签名",
        "投诉人称从未签署投保单，投保单上签名系他人代签，要求认定合同无效。",
        "要求认定合同无效并退还全部保费。",
        "金福年年分红型两全保险",
        "L02",
        "C0103",
        "D01",
        "R01",
        Decimal("24000"),
    ),
    "exclusion": (
        "投保时未说明免责条款",
        "投诉人称投保时销售人员未提示既往症不予赔付的免责条款，现因此被拒赔。",
        "要求按合同赔付或退还保费。",
        "百万守护医疗保险",
        "L07",
        "C0102",
        "D02",
        "R01",
        Decimal("18000"),
    ),
    "underwriting": (
        "核保加费不认可",
        "投诉人投保时因体检指标异常被加费承保，认为加费标准不透明，未充分解释。",
        "要求书面解释核保结论并取消加费。",
        "安康终身重大疾病保险",
        "L06",
        "C0501",
        "D05",
        "R08",
        None,
    ),
    "agent_surrender": (
        "受“代理退保”机构诱导投诉",
        "投诉人通过第三方“代理退保”机构提交投诉，要求全额退保，并称销售人员存在误导，但未能提供具体证据。",
        "要求全额退还已交保费。",
        "金福年年分红型两全保险",
        "L02",
        "C0101",
        "D01",
        "R09",
        Decimal("42000"),
    ),
    "car_claim": (
        "车险理赔定损金额争议",
        "投诉人车辆追尾受损，对定损金额有异议，认为配件价格明显低于4S店报价。",
        "要求重新定损并按4S店维修价格赔付。",
        "机动车辆商业保险",
        "P01",
        "C0202",
        "D03",
        "R08",
        Decimal("15600"),
    ),
}

GROUP = (
    "多名客户集体投诉分红实现率过低",
    "12名客户到天津分公司营业大厅集体反映，2019年购买的分红型两全保险分红实现率远低于销售时演示水平，"
    "认为销售人员以演示利益误导投保，现场情绪激动，已有自媒体关注。",
    "要求全额退还保费并赔偿利息损失。",
    "金福年年分红型两全保险",
    "L02",
    "C0104",
    "D01",
    "R01",
    Decimal("860000"),
)

# Complainants: fictional names and numbers from a made-up block (never real people).
NAMES = [
    "王秀兰",
    "李建国",
    "张桂英",
    "刘志强",
    "陈晓燕",
    "杨淑珍",
    "赵立军",
    "黄丽娟",
    "周春梅",
    "吴国庆",
    "徐海燕",
    "孙德胜",
    "胡玉兰",
    "朱永刚",
    "高红霞",
    "林文斌",
    "何秀英",
    "郭振华",
    "马桂芝",
    "罗建平",
    "梁淑华",
    "宋志勇",
    "郑玉梅",
    "谢宏伟",
    "韩春燕",
    "唐金凤",
    "冯建军",
    "于海波",
    "董丽萍",
    "萧国强",
    "程美玲",
    "曹振宇",
    "袁秀珍",
    "邓立新",
    "许文静",
    "傅建华",
    "沈桂兰",
    "曾庆丰",
    "彭丽华",
    "吕志刚",
    "苏晓梅",
    "卢国平",
    "蒋淑芬",
    "蔡永红",
    "贾秀梅",
    "丁建波",
    "魏春华",
    "薛志明",
    "叶红梅",
    "阎立波",
    "余桂香",
    "潘文华",
    "杜秀云",
    "戴建新",
    "夏丽君",
    "钟国栋",
    "汪玉珍",
    "田志华",
    "任春兰",
    "姜永军",
    "范丽娜",
    "方建明",
]


def phone(n: int) -> str:
    return f"1390022{n:04d}"


def policy(n: int) -> str:
    return f"P2023{120000 + n * 37:08d}"


# --- the complaints -----------------------------------------------------------------------------------
# path: how far each one got —
#   new (registered only), accepted, handling, replied (decision told, waiting for the complainant),
#   reexamining (核查 asked for), revisiting (satisfied, 回访 due), closed, withdrawn.
# options: d (days from receipt to the decision), ext (1 or 2 extensions before deciding), reexamine
#   (the complainant asks for 核查), withdraw (days from receipt to the withdrawal), rc (root cause code),
#   classify (False: left unclassified), phone/policy (shared by a repeat pair).


@dataclass
class Spec:
    unit: str
    channel: str
    days_ago: float
    matter: str
    path: str
    hour: int = 10
    d: int = 8
    ext: int = 0
    reexamine: bool = False
    withdraw: int = 0
    rc: str = ""
    classify: bool = True
    person: int = -1
    count: int = 1
    media: bool = False
    extra: dict = field(default_factory=dict)
    received_on: date | None = None  # the year's volume is dated by day, the stories by `days_ago`


def S(unit, channel, days_ago, matter, path, **options) -> Spec:
    return Spec(unit, channel, days_ago, matter, path, **options)


SPECS = [
    # about six months ago: all closed
    S("BJ", CH.HOTLINE, 176, "claim_slow", "closed", d=12),
    S("BJ-CY", CH.COUNTER, 171, "service_change", "closed", d=6, hour=14),
    S("TJ", CH.REGULATOR, 168, "misleading", "closed", d=14, rc="R08"),
    S("HB-SJZ", CH.HOTLINE, 163, "claim_amount", "closed", d=9),
    S("HB-TS", CH.APP, 158, "renewal_debit", "closed", d=3, hour=21),
    S("TJ-HP", CH.WECHAT, 154, "attitude", "closed", d=4),
    S("BJ-HD", CH.PLATFORM, 150, "surrender_amount", "closed", d=13, hour=15),
    S("HB", CH.HOTLINE, 146, "claim_denied", "closed", d=18),  # decided late: supervised first
    # five to three months ago
    S("TJ-BH", CH.HOTLINE, 140, "car_claim", "closed", d=10),
    S("BJ", CH.CHATBOT, 135, "cooling_off", "closed", d=2, hour=20),
    S("HB-BD", CH.REGULATOR, 131, "agent_surrender", "closed", d=14),
    S("TJ-BH-TG", CH.COUNTER, 127, "claim_amount", "closed", d=7),
    S("HB-LF", CH.HOTLINE, 122, "harassment", "closed", d=5),
    S("BJ", CH.REGULATOR, 118, "exclusion", "closed", d=25, ext=1),  # on time within the 30 days
    S("HB-SJZ-ZD", CH.COUNTER, 114, "signature", "closed", d=11),
    S("TJ", CH.VIDEO, 110, "service_change", "closed", d=5, hour=16),
    S("BJ-CY", CH.HOTLINE, 105, "promised_return", "closed", d=13),
    S("HB-TS-QA", CH.WECHAT, 101, "claim_slow", "closed", d=17),  # late
    S("TJ-HP", CH.APP, 97, "renewal_debit", "closed", d=2, hour=22),
    S("HB", CH.PLATFORM, 93, "surrender_amount", "closed", d=12, reexamine=True),  # 核查 by head office
    # the last three months: the 滨海新区 mis-selling cluster (3 within 90 days → rectification)
    S("TJ-BH", CH.HOTLINE, 84, "misleading", "closed", d=11, person=61),
    S("BJ-HD", CH.APP, 80, "underwriting", "closed", d=6),
    S("HB-SJZ", CH.REGULATOR, 76, "claim_denied", "closed", d=20, ext=1),
    S("TJ-BH", CH.REGULATOR, 71, "promised_return", "closed", d=13),
    S("BJ", CH.WECHAT, 67, "privacy", "closed", d=12, hour=19),
    S("HB-TS", CH.HOTLINE, 63, "car_claim", "closed", d=9),
    S("TJ-BH", CH.PLATFORM, 58, "surrender_amount", "closed", d=14, rc="R01"),
    S("BJ-CY", CH.CHATBOT, 54, "harassment", "closed", d=4, hour=21),
    S("HB-BD", CH.HOTLINE, 50, "claim_slow", "closed", d=16),  # late
    S("TJ", CH.HOTLINE, 46, "exclusion", "closed", d=10),
    S("HB", CH.APP, 42, "attitude", "closed", d=3),
    S("BJ", CH.HOTLINE, 40, "claim_amount", "revisiting", d=10),
    S("TJ-BH-TG", CH.WECHAT, 38, "cooling_off", "closed", d=3),
    S("HB-LF", CH.REGULATOR, 36, "misleading", "handling", ext=2),  # a further 30 days, approved
    # the last month: everything still open
    S("BJ", CH.REGULATOR, 33, "signature", "reexamining", d=14, reexamine=True),
    S("TJ-HP", CH.HOTLINE, 31, "claim_denied", "replied", d=14),
    S("HB-SJZ", CH.HOTLINE, 29, "claim_slow", "handling"),  # overdue: supervised
    S("BJ-HD", CH.COUNTER, 27, "surrender_amount", "handling", ext=1),
    S("TJ-BH", CH.HOTLINE, 26, "misleading", "revisiting", d=12, person=61),  # the repeat's first
    S("HB-TS", CH.PLATFORM, 24, "agent_surrender", "handling"),  # overdue
    S("BJ-CY", CH.APP, 22, "renewal_debit", "closed", d=2),
    S("TJ", CH.HOTLINE, 21, "promised_return", "withdrawn", withdraw=4),  # Art. 15
    S("HB-BD", CH.WECHAT, 20, "service_change", "handling"),  # overdue
    S("BJ", CH.HOTLINE, 18, "claim_amount", "replied", d=12),
    S("TJ-BH", CH.HOTLINE, 16, "misleading", "handling", person=61),  # the repeat: same caller within 30 days
    S("TJ", CH.COUNTER, 14, "misleading", "handling", count=12, media=True, hour=9),  # group complaint
    S("HB", CH.HOTLINE, 13, "exclusion", "handling"),
    S("BJ-HD", CH.CHATBOT, 11, "harassment", "withdrawn", withdraw=2, hour=20),
    S("HB-SJZ-ZD", CH.HOTLINE, 9, "claim_denied", "handling"),
    S("TJ-HP", CH.WECHAT, 8, "attitude", "handling"),
    S("BJ", CH.REGULATOR, 7, "promised_return", "handling"),
    S("HB-TS-QA", CH.APP, 6, "renewal_debit", "handling", classify=False),
    S("TJ-BH-TG", CH.HOTLINE, 5, "claim_slow", "handling"),
    S("BJ-CY", CH.LETTER, 4, "privacy", "handling"),
    S("HB", CH.PLATFORM, 3, "underwriting", "accepted", classify=False),
    S("TJ", CH.HOTLINE, 2, "car_claim", "accepted", classify=False),
    S("HB-LF", CH.HOTLINE, 1, "cooling_off", "new", classify=False),
    S("BJ", CH.APP, 0.2, "claim_amount", "new", classify=False),
    S("TJ-BH", CH.CHATBOT, 0.1, "harassment", "new", classify=False),
]

DECISIONS = {
    "claim": "经调查核实，公司已完成理赔审核，按合同约定向投诉人支付理赔款，并对审核时效过长向投诉人致歉。",
    "sales": "经调取投保资料及双录视频核查，已向投诉人解释合同条款及现金价值计算方式；对销售人员不规范行为已作内部处理。",
    "service": "经核实，已为投诉人办理完毕相关业务，并对服务过程中的不足向投诉人致歉，相关人员已接受服务规范培训。",
}
REMEDIES = "如对处理决定有异议，可自收到本决定之日起30日内向上级机构申请核查，也可申请调解、仲裁或向人民法院提起诉讼。"


def decision_for(matter: str) -> str:
    """The decision told for a matter: by the kind of complaint (claims, sales, service)."""
    if matter.startswith(("claim", "car", "exclusion")):
        return DECISIONS["claim"]
    if matter in ("misleading", "promised_return", "surrender_amount", "signature", "agent_surrender", "cooling_off"):
        return DECISIONS["sales"]
    return DECISIONS["service"]


# --- the year's volume -----------------------------------------------------------------------------------
# Besides the stories above (the last half year, every state), the branches receive a steady flow of ordinary
# complaints, all handled and closed: a few hundred a year, as a mid-sized life insurer receives.
#
# Proportions follow the regulator's quarterly figures for life insurers (国家金融监督管理总局《关于2023年第一季度
# 保险消费投诉情况的通报》, 银保监消保发〔2023〕6号): of the complaints it received and forwarded about 人身保险公司,
# 销售纠纷 53.2 % and 退保纠纷 26.3 %, the rest mostly 理赔; the median 亿元保费投诉量 was 1.00 件/亿元 a quarter,
# which for the demo company's 56.32 亿元 of premium is about 56 forwarded complaints a quarter across the
# industry's channels. Complaints made to the company directly (hotline, counters, online) lean more to claims
# and service than the forwarded ones, so the mix below gives sales and surrender together about two thirds
# and claims a quarter; regulator (12378) and 银保信 platform transfers about a quarter of the volume.

VOLUME_PER_MONTH = 20  # about 240 a year
MATTER_WEIGHTS = {  # 销售 ≈ 40 %, 退保 ≈ 23 %, 理赔 ≈ 25 %, 保全与服务 ≈ 12 %
    "misleading": 15,
    "promised_return": 9,
    "signature": 5,
    "cooling_off": 6,
    "underwriting": 5,
    "surrender_amount": 14,
    "agent_surrender": 9,
    "claim_slow": 8,
    "claim_amount": 7,
    "claim_denied": 5,
    "exclusion": 3,
    "car_claim": 2,
    "service_change": 4,
    "renewal_debit": 3,
    "attitude": 2,
    "harassment": 2,
    "privacy": 1,
}
CHANNEL_WEIGHTS = {
    CH.HOTLINE: 33,
    CH.REGULATOR: 17,
    CH.PLATFORM: 8,
    CH.APP: 9,
    CH.WECHAT: 9,
    CH.COUNTER: 10,
    CH.CHATBOT: 7,
    CH.VIDEO: 3,
    CH.LETTER: 2,
    CH.IN_PERSON: 2,
}
# each branch's part of the business (as the indicators demo splits it: 北京 33 %, 天津 42 %, 河北 25 %), then
# its units — the branch's own office takes the larger share
UNIT_WEIGHTS = {
    "BJ": 14,
    "BJ-CY": 11,
    "BJ-HD": 8,
    "TJ": 13,
    "TJ-BH": 12,
    "TJ-BH-TG": 6,
    "TJ-HP": 11,
    "HB": 6,
    "HB-SJZ": 5,
    "HB-SJZ-ZD": 2,
    "HB-TS": 4,
    "HB-TS-QA": 2,
    "HB-BD": 3,
    "HB-LF": 3,
}
FIRST_VOLUME_INDEX = 1000  # the volume's complaints are numbered after the stories (idempotency keys, phones)


def _pick(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def volume(rng: random.Random, start: date, end: date, *, per_month: float, calendar_days: bool = True) -> list[Spec]:
    """Ordinary complaints received between `start` and `end` (inclusive), all closed: most decided within 3-14
    days, a few late (supervised first), some extended once (or twice, rarely), a few 核查 asked for, a few
    withdrawn. Deterministic for a given `rng` state."""
    specs: list[Spec] = []
    days = (end - start).days + 1
    if days <= 0:
        return specs
    count = round(per_month * days / 30.4)
    for i in range(count):
        received = start + timedelta(days=(i * days) // count + rng.randrange(0, max(days // count, 1)))
        received = min(received, end)
        channel = _pick(rng, CHANNEL_WEIGHTS)
        unit = _pick(rng, UNIT_WEIGHTS)
        roll = rng.random()
        options: dict = {"d": rng.choice([2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14])}
        if roll < 0.03:
            options["d"] = rng.choice([16, 17, 19])  # late: supervised (督办) on the day the deadline passed
        elif roll < 0.09:
            options.update(d=rng.choice([18, 22, 26, 28]), ext=1)
        elif roll < 0.10:
            options.update(d=rng.choice([40, 48]), ext=2)
        elif roll < 0.12 and "-" not in unit:
            # 第二十条: 核查 of a branch's decision, by head office (the demo's 核查 are head office's)
            options["reexamine"] = True
        path = "closed"
        if 0.12 <= roll < 0.14:
            path, options = "withdrawn", {"withdraw": rng.choice([2, 3, 5])}
        hour = (
            rng.choice([9, 10, 10, 11, 14, 15, 16])
            if channel not in (CH.APP, CH.CHATBOT, CH.WECHAT)
            else (rng.choice([9, 12, 20, 21]))
        )
        specs.append(
            Spec(
                unit,
                channel,
                0,
                _pick(rng, MATTER_WEIGHTS),
                path,
                hour=hour,
                received_on=received,
                **options,
            )
        )
    return specs
