"""The demo reviews' content (消保审查): the seed year's numbers, the departments' clerks and products, the
opinion texts, and the year's plan (which review is filed when, of which type, with which opinions).
demo.py walks the plan through the services.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date

from xiaobao.core.workdays import Calendar
from xiaobao.demo.core import COMPLETE_YEAR

YEAR = COMPLETE_YEAR  # the last complete year: the published figures (DOMAIN.md) re-enacted as its year
REVIEWS = 153
SUBSTANTIVE = 50
LEAD = "xiaobao"  # 李晓梅, 消保部: assigns, re-reviews, accepts verification reports
REVIEWER = "reviewer"  # 赵磊
COMMITTEE = "committee"  # 孙丽华
ATTENDEES = ["孙丽华（主任委员）", "李晓梅", "郑志强", "王建国", "吴刚"]

# (username, full name, department): head office's business departments; product_clerk is core's demo user
CLERKS = [
    ("product_clerk", "陈静", "个人业务部"),
    ("group_clerk", "王芳", "团体业务部"),
    ("banca_clerk", "刘畅", "银行保险部"),
    ("online_clerk", "郑凯", "互联网业务部"),
    ("brand_clerk", "周婷", "品牌宣传部"),
    ("ops_clerk", "孙悦", "运营管理部"),
    ("service_clerk", "吴昊", "客户服务部"),
]

PRODUCTS = [
    "津冀福寿终身寿险",
    "津彩人生增额终身寿险",
    "安康如意重大疾病保险",
    "鑫享年年年金保险",
    "金佑两全保险（分红型）",
    "乐享百万医疗保险",
    "银发安享养老年金保险",
    "少儿成长教育年金保险",
    "爱无忧防癌医疗保险",
    "长护安心护理保险",
    "附加住院津贴医疗保险",
    f"京津冀惠民保（{YEAR}版）",
]
GROUP_PRODUCTS = ["团体补充医疗保险", "团体意外伤害保险", "团体定期寿险", "企业年金配套团体养老保险"]
PARTNERS = ["某商业银行", "某农村商业银行", "某互联网保险平台", "某健康管理公司", "某第三方理赔服务公司"]

# form type name → (departments that file it, titles); {p} a product, {g} a group product, {b} a partner
TYPES = {
    "产品类": (
        ["个人业务部", "个人业务部", "团体业务部", "银行保险部", "互联网业务部"],
        ["{p}产品条款及费率", "{p}新产品开发", "{g}产品条款", "{p}产品说明书", "{p}（互联网专属）产品条款"],
    ),
    "服务类": (
        ["运营管理部", "客户服务部"],
        [
            "理赔服务流程优化方案",
            "保全业务线上化服务方案",
            "老年客户适老化服务方案",
            "视频客服服务规范",
            "官方APP关怀版上线方案",
            "400热线智能语音导航调整",
            "小额理赔快速赔付服务承诺",
        ],
    ),
    "营销宣传类": (
        ["品牌宣传部", "个人业务部", "银行保险部", "互联网业务部"],
        [
            "3·15宣传海报",
            "{p}产品宣传折页",
            "{p}短视频宣传脚本",
            "官方微信推文《{p}十问十答》",
            "7·8保险公众宣传日系列海报",
            "金融知识普及月宣传手册",
            "{p}银保渠道宣传单页",
            "{p}直播带货话术脚本",
        ],
    ),
    "合同与格式条款类": (
        ["个人业务部", "团体业务部", "运营管理部"],
        [
            "{p}投保单及保险合同格式条款",
            "{p}免除保险人责任条款提示书",
            "电子投保确认书格式条款修订",
            "{g}团体保险合同",
            "保单借款协议格式条款",
        ],
    ),
    "收费定价类": (
        ["个人业务部", "团体业务部", "运营管理部"],
        ["{p}费率调整", "保单贷款利率调整方案", "退保手续费标准调整", "万能账户结算利率公告", "{g}费率浮动方案"],
    ),
    "制度流程类": (
        ["运营管理部", "客户服务部", "个人业务部"],
        [
            "消费投诉处理管理办法修订",
            "客户个人信息保护管理办法",
            "销售行为可回溯管理实施细则",
            "犹豫期回访管理规定",
            "理赔争议调解工作规程",
            "特殊客户群体服务管理办法",
        ],
    ),
    "业务活动方案类": (
        ["客户服务部", "品牌宣传部", "个人业务部"],
        [
            f"{YEAR}年客户节活动方案",
            "“守护钱袋子”进社区活动方案",
            "开门红客户答谢会方案",
            "老年客户健康讲座活动方案",
            "“五进入”金融知识宣讲活动方案",
        ],
    ),
    "第三方合作类": (
        ["互联网业务部", "银行保险部", "运营管理部"],
        [
            "第三方互联网平台合作协议",
            "{b}代理销售保险合作协议",
            "健康管理服务供应商合作协议",
            "短信服务外包合作协议",
            "理赔查勘第三方服务协议",
        ],
    ),
}
# how many of the 153 each type gets (the two new forms from July only)
COUNTS = {
    "产品类": 32,
    "服务类": 18,
    "营销宣传类": 36,
    "合同与格式条款类": 17,
    "收费定价类": 10,
    "制度流程类": 14,
    "业务活动方案类": 13,
    "第三方合作类": 13,
}
NEW_TYPES = ("业务活动方案类", "第三方合作类")

# (location, risk, suggestion, right): substantive opinions
SUBSTANTIVE_TEXTS = [
    (
        "保险责任第2.4条",
        "等待期设置为180天，长于同类产品，且未在投保提示中突出说明，可能损害消费者知情权。",
        "将等待期调整为90天，或在投保提示书和产品说明书首页以加粗字体突出提示。",
        "information",
    ),
    (
        "责任免除第2.6条",
        "免责条款未采用足以引起投保人注意的文字、字体或符号作出提示，格式条款效力存在争议风险。",
        "对全部免责条款加粗加黑，并在投保流程中单独设置免责条款确认页。",
        "fair_dealing",
    ),
    (
        "产品说明书“利益演示”部分",
        "利益演示仅列示高档收益，未同时展示低、中档演示及“不保证”提示，存在夸大收益的误导风险。",
        "按监管规定同时列示低、中、高三档利益演示，并标注红利或收益不确定。",
        "information",
    ),
    (
        "费率表及现金价值表",
        "前五个保单年度退保的现金价值明显偏低，未向投保人充分揭示退保损失。",
        "在投保提示书中增加退保损失示例，并在犹豫期回访中专项提示。",
        "property_safety",
    ),
    (
        "宣传材料主标题",
        "使用“稳赚不赔”“保本保息”等表述，与产品实际收益不确定的属性不符，构成误导宣传。",
        "删除相关表述，改为客观描述产品保障功能，并增加风险提示语。",
        "information",
    ),
    (
        "合作协议第7条（客户信息）",
        "未约定合作方对客户个人信息的使用范围、保存期限和安全保护义务，存在信息泄露风险。",
        "补充个人信息保护条款：限定使用目的、禁止转委托、约定删除时限和违约责任。",
        "data_security",
    ),
    (
        "投保流程第3步（健康告知）",
        "健康告知问题采用兜底式询问（“其他任何疾病”），超出保险人应询问的范围。",
        "删除兜底式询问，将健康告知限定为与承保风险相关的具体事项。",
        "fair_dealing",
    ),
    (
        "收费标准第2条",
        "退保手续费调整未设置过渡期，对存量客户适用新标准缺乏依据。",
        "明确新标准仅适用于调整后新承保保单，存量保单沿用原标准。",
        "fair_dealing",
    ),
    (
        "服务方案第4节（线上办理）",
        "理赔、保全仅保留线上渠道办理，未保留柜面等传统服务渠道，影响老年客户自主选择。",
        "保留柜面和电话办理渠道，并为老年客户提供专人协助服务。",
        "choice",
    ),
    (
        "活动方案“赠品”部分",
        "以赠送礼品为条件诱导客户投保，可能构成给予保险合同约定以外的利益。",
        "取消与投保挂钩的赠品安排，活动仅提供与保险知识宣传相关的纪念品。",
        "fair_dealing",
    ),
    (
        "制度第12条（投诉处理时限）",
        "投诉处理时限规定为“30个工作日”，超出监管规定的15日处理时限。",
        "按《银行业保险业消费投诉处理管理办法》规定修改为15日，复杂情形可延长至30日并告知投诉人。",
        "redress",
    ),
    (
        "合作协议第5条（营销行为）",
        "未约定合作方销售人员的资质要求和销售行为可回溯义务，存在销售误导风险。",
        "补充销售人员资质、双录及销售行为可回溯管理条款，明确违约责任。",
        "information",
    ),
]
# (location, risk, suggestion, right): general opinions
GENERAL_TEXTS = [
    ("封面及页眉", "未标注产品备案编号及版本日期。", "补充备案编号和版本日期，便于消费者核对。", "information"),
    ("第3页客服热线", "客服热线未注明服务时间。", "补充“7×24小时”或具体服务时间。", "information"),
    ("释义部分", "“意外伤害”释义表述与行业示范条款略有差异。", "建议参照行业示范条款统一表述。", "information"),
    ("海报右下角", "风险提示语字号过小，不易辨识。", "将风险提示语字号调整至不小于正文字号。", "information"),
    ("第5页示例", "示例客户年龄与产品投保年龄上限不一致。", "调整示例客户年龄或说明适用范围。", "information"),
    ("服务流程图", "流程图未标明各环节的办理时限。", "在流程图中标注各环节时限和咨询渠道。", "information"),
    ("推文结尾", "缺少投诉渠道和官方联系方式。", "在结尾补充投诉渠道和官方客服电话。", "redress"),
    ("协议附件2", "服务质量考核指标未包含客户投诉率。", "建议将客户投诉率纳入合作方考核指标。", "respect"),
    ("适老化服务措施", "未说明关怀版页面的字体和对比度标准。", "补充关怀版界面的字号、行距和对比度要求。", "respect"),
    (
        "制度附则",
        "未明确制度的解释部门和生效日期。",
        "补充解释部门和生效日期，并废止原相关制度。",
        "information",
    ),
    ("视频脚本第2幕", "主持人口播语速过快，关键信息停留时间不足。", "关键条款字幕停留不少于3秒。", "education"),
    (
        "活动报名表",
        "报名表收集客户身份证号，超出活动所需。",
        "删除身份证号字段，仅收集姓名和联系电话。",
        "data_security",
    ),
]
CONCLUSIONS = {
    "none": "经审查，该事项符合消费者权益保护相关要求，未发现问题，同意按报审方案实施。",
    "general": "经审查，该事项总体符合消费者权益保护要求，提出一般性修改意见，请参考完善后实施。",
    "substantive": "经审查，该事项存在影响消费者权益的问题，提出实质性意见，请逐条修改并反馈，整改经验证后方可上线。",
}

# the files' bodies: (heading, text)
DOCUMENTS = {
    "material": ("消保审查报审材料", "报审材料：产品条款（方案、协议、宣传材料）报审稿，附相关部门会签意见。"),
    "supplement": ("补充材料", "已补充产品说明书（方案）终稿及相关部门会签意见。"),
    "revised": ("修改稿", "已按审查意见逐条修改，修改处已用修订模式标注，修改说明附后。"),
    "final": ("定稿", "按审查意见修改后的定稿，修改处已标注，请验证。"),
}


@dataclass
class Plan:
    """One review of the year: who files what, when, and how it goes."""

    type_name: str
    department: str
    title: str
    product: str
    day: date
    urgent: bool = False
    substantive: int = 0
    general: int = 0
    returned: bool = False
    withdrawn: bool = False
    objection: str = ""  # "" | "rereview" (a general opinion disputed, withdrawn on re-review) | "committee"
    verify: list[bool] = field(default_factory=list)  # per substantive opinion: requires a change


def _working_days(calendar: Calendar, start: date, end: date) -> list[date]:
    days, day = [], start
    while day <= end:
        if calendar.is_working_day(day):
            days.append(day)
        day = date.fromordinal(day.toordinal() + 1)
    return days


def plan_year(calendar: Calendar) -> list[Plan]:
    """The year's 153 reviews, deterministic (a seeded shuffle), dated on working days from January to
    early December so each is settled (and verified) within the year."""
    rng = random.Random(YEAR)  # noqa: S311 - demo data, not security
    types = [name for name, n in COUNTS.items() for _ in range(n)]
    assert len(types) == REVIEWS
    early = [name for name in types if name not in NEW_TYPES]
    late = [name for name in types if name in NEW_TYPES]
    rng.shuffle(early)
    days = _working_days(calendar, date(YEAR, 1, 3), date(YEAR, 11, 29))
    # the first half of the year only has the six old forms; the new ones mix into the second half
    first_half = [d for d in days if d < date(YEAR, 7, 1)]
    second_half = [d for d in days if d >= date(YEAR, 7, 1)]
    n_first = round(REVIEWS * 0.48)
    first_types, rest = early[:n_first], early[n_first:] + late
    rng.shuffle(rest)
    dated = [(t, first_half[i * len(first_half) // len(first_types)]) for i, t in enumerate(first_types)]
    dated += [(t, second_half[i * len(second_half) // len(rest)]) for i, t in enumerate(rest)]
    plans = []
    for index, (type_name, day) in enumerate(dated):
        departments, titles = TYPES[type_name]
        template = titles[index % len(titles)]
        group = GROUP_PRODUCTS[index % len(GROUP_PRODUCTS)]
        title = template.format(p=PRODUCTS[index % len(PRODUCTS)], g=group, b=PARTNERS[index % len(PARTNERS)])
        product = group if "{g}" in template else PRODUCTS[index % len(PRODUCTS)] if "{p}" in template else title
        department = "团体业务部" if "{g}" in template else departments[index % len(departments)]
        plans.append(Plan(type_name, department, title, product, day, urgent=rng.random() < 0.12))
    _opinions(plans, rng)
    return plans


def _opinions(plans: list[Plan], rng: random.Random) -> None:
    """50 substantive opinions (weighted to products, contracts, pricing, partners), general ones on most
    reviews, some reviews with none; then the exceptions: returned, withdrawn, the objections."""
    weight = {"产品类": 4, "合同与格式条款类": 4, "收费定价类": 3, "第三方合作类": 3, "营销宣传类": 2}
    pool = [i for i, plan in enumerate(plans) for _ in range(weight.get(plan.type_name, 1))]
    chosen: dict[int, int] = {}
    while sum(chosen.values()) < SUBSTANTIVE:
        index = rng.choice(pool)
        if chosen.get(index, 0) < 2:
            chosen[index] = chosen.get(index, 0) + 1
    for index, plan in enumerate(plans):
        plan.substantive = chosen.get(index, 0)
        plan.verify = [rng.random() < 0.8 for _ in range(plan.substantive)]
        plan.general = rng.choice([0, 0, 1, 1, 1, 2, 2, 3])
    without = [i for i, plan in enumerate(plans) if not plan.substantive]
    # returned for missing material and resubmitted; one withdrawn (never reviewed)
    for index in without[5:60:14]:
        plans[index].returned = True
    withdrawn = plans[without[-3]]
    withdrawn.withdrawn, withdrawn.general, withdrawn.returned = True, 0, False
    # four objections settled by re-review (general opinions), one by the committee (a substantive one)
    candidates = [i for i in without if plans[i].general and not plans[i].returned and not plans[i].withdrawn]
    for index in candidates[3:60:15][:4]:
        plans[index].objection = "rereview"
    committee = next(i for i, plan in enumerate(plans) if plan.substantive == 1 and plan.day.month in (6, 7, 8))
    plans[committee].objection = "committee"
    plans[committee].verify = [True]


def form_data(version, plan: Plan) -> dict:
    """Plausible values for the version's own fields (whatever an admin defined), by type and label."""
    data = {}
    for spec in version.fields:
        kind, label = spec.get("type", "text"), spec.get("label", "")
        if kind == "date":
            value = date.fromordinal(plan.day.toordinal() + 30).isoformat()
        elif kind == "number":
            value = 1
        elif kind == "choice":
            choices = spec.get("choices") or []
            first = choices[0] if choices else ""
            value = (
                first[0]
                if isinstance(first, list | tuple)
                else first.get("value")
                if isinstance(first, dict)
                else first
            )
        elif kind == "boolean":
            value = True
        elif kind == "textarea":
            value = f"{plan.title}：{plan.department}拟于{plan.day.year}年推出/实施，报请消保审查。材料见附件。"
        elif "名称" in label:
            value = plan.product
        else:
            value = plan.department if "部门" in label else plan.title
        if value in ("", None) and not spec.get("required"):
            continue
        data[spec["id"]] = value
    return data
