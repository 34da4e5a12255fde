"""Seed data: the eight review form types (审查表单类型), each with its first version — the fields a
business department fills and the checklist (审查要点) the reviewer works through, every item tagged with
the consumer right it protects.

Basis: 《银行保险机构消费者权益保护管理办法》(原银保监会令2022年第9号) Art. 9 (review of products and
services at design and development, pricing, agreement drafting and marketing; on launch and on a major
change of terms affecting consumers), Art. 10 (disclosure: true, accurate, complete, timely; before,
during and after sale), Art. 11 (suitability: product risk grading, customer risk assessment), Art. 12
(recorded, traceable sales); the eight rights of financial consumers. Details in docs/reviews.md.
Admins edit these in admin; a used version is never changed in place (a new version is made).
"""

from django.db import migrations
from django.utils import timezone

P, INF, C, F, R, E, S, D = (
    "property_safety",
    "information",
    "choice",
    "fair_dealing",
    "redress",
    "education",
    "respect",
    "data_security",
)


def _f(fid, label, kind="text", required=False, choices=None):
    spec = {"id": fid, "label": label, "type": kind, "required": required}
    if choices:
        spec["choices"] = choices
    return spec


def _items(prefix, rows):
    return [{"id": f"{prefix}{n:02d}", "text": text, "right": right} for n, (text, right) in enumerate(rows, 1)]


COMMON = [
    _f("background", "背景与目的", "textarea", True),
    _f("target_customers", "目标客户群体", "textarea", True),
    _f("channels", "销售/服务渠道", "text", True),
]

FORMS = [
    (
        "product",
        "产品类",
        "新产品开发、现有产品涉及消费者利益的条款重大变更（办法第九条：设计开发环节）。",
        [
            _f(
                "product_category",
                "产品类别",
                "choice",
                True,
                ["人身保险", "财产保险", "存款", "贷款", "理财", "信用卡", "其他"],
            ),
            *COMMON,
            _f("risk_level", "产品风险等级", "choice", True, ["R1", "R2", "R3", "R4", "R5"]),
            _f("change_type", "申请类型", "choice", True, ["新产品", "条款重大变更"]),
            _f("cooling_off_days", "犹豫期/冷静期（天）", "number"),
            _f("key_terms", "主要权利义务及责任免除摘要", "textarea", True),
            _f("involves_elderly", "是否面向老年客户", "boolean"),
        ],
        _items(
            "PRD",
            [
                ("产品设计与目标客户的需求和风险承受能力相匹配，已完成产品风险评级（适当性）", C),
                ("产品说明书、条款对保障范围、收益、风险和费用的表述真实、准确、完整", INF),
                ("责任免除、减轻责任等与消费者有重大利害关系的内容以显著方式提示并说明", INF),
                ("犹豫期/冷静期及退保、提前支取等解除方式和损失明确告知", INF),
                ("不存在强制搭售、捆绑销售或默认勾选", C),
                ("不存在排除或限制消费者权利、加重消费者责任的不公平条款", F),
                ("费率、价格与保障/服务相称，不存在明显不公平的定价", F),
                ("资金划转、账户安全、保单/资产权属等财产安全措施充分", P),
                ("收集使用个人信息符合最小必要原则，已取得明示同意", D),
                ("投诉、理赔/争议解决途径和时限明确告知", R),
                ("面向老年人、残障人士等特殊群体的适老化与无障碍安排", S),
                ("配套的金融知识和风险提示材料通俗易懂", E),
            ],
        ),
    ),
    (
        "service",
        "服务类",
        "新服务、服务流程或服务标准变更（柜面、热线、线上渠道、增值服务）。",
        [
            _f("service_name", "服务名称", "text", True),
            *COMMON,
            _f("service_standard", "服务标准与时效", "textarea", True),
            _f("is_charged", "是否收费", "boolean"),
            _f("online", "是否线上服务（APP/微信/网站）", "boolean"),
        ],
        _items(
            "SRV",
            [
                ("服务内容、办理条件、时效和所需材料清晰公示", INF),
                ("不设置不合理的前置条件或限制消费者选择其他服务方式", C),
                ("收费服务已明码标价，免费服务不变相收费", F),
                ("服务过程中的身份核验、资金安全保障到位", P),
                ("客户信息采集、查询、留存符合最小必要与授权要求", D),
                ("保留人工服务或线下渠道，兼顾老年人等特殊群体（适老化）", S),
                ("服务用语规范，尊重消费者人格尊严和民族风俗", S),
                ("投诉受理渠道、处理时限在服务触点明示", R),
                ("线上服务页面无诱导点击、强制授权、弹窗干扰", C),
                ("服务变更或终止提前告知消费者并给予合理过渡", INF),
            ],
        ),
    ),
    (
        "marketing",
        "营销宣传类",
        "广告、宣传折页、海报、短视频、直播脚本、新媒体推文、营销话术（办法第九条：营销宣传环节）。",
        [
            _f("material_type", "材料形式", "choice", True, ["海报/折页", "短视频", "直播", "推文/H5", "话术", "其他"]),
            _f("products_promoted", "宣传涉及的产品/服务", "text", True),
            _f("channels", "投放渠道", "text", True),
            _f("period_from", "投放开始日期", "date", True),
            _f("period_to", "投放结束日期", "date"),
            _f("third_party_platform", "是否通过第三方平台投放", "boolean"),
        ],
        _items(
            "MKT",
            [
                ("宣传内容与产品条款、合同一致，真实准确，无虚假、欺诈、误导性表述", INF),
                ("未承诺保本保收益、未夸大收益或以历史业绩预示未来", INF),
                ("风险提示与收益宣传同等显著，字体、时长、位置符合要求", INF),
                ("未使用“最高”“稳赚”“零风险”等绝对化或引人误解用语", F),
                ("未进行不当比较、贬低同业或其他产品", F),
                ("未以赠品、抽奖等诱导消费者非理性购买", C),
                ("销售主体、产品提供方和合作机构身份清晰标明", INF),
                ("未冒用监管机构或政府名义，未使用未经授权的肖像、名称", S),
                ("营销对象选择不侵扰消费者，尊重消费者拒绝营销的意愿", S),
                ("营销中收集的个人信息经授权，未超范围使用", D),
                ("直播、短视频等可回溯保存", R),
                ("包含适当的金融知识普及与风险教育内容", E),
            ],
        ),
    ),
    (
        "contract",
        "合同与格式条款类",
        "保险条款、合同文本、协议、投保单/申请书、声明与授权书等格式条款（办法第九条：协议制定环节）。",
        [
            _f("document_name", "文本名称", "text", True),
            _f(
                "document_type", "文本类型", "choice", True, ["保险条款", "服务协议", "申请书/投保单", "授权书", "其他"]
            ),
            _f("is_new", "新制定（否则为修订）", "boolean"),
            _f("changed_clauses", "修订条款及修订说明", "textarea"),
            _f("related_product", "关联产品", "text"),
        ],
        _items(
            "CTR",
            [
                ("不存在免除自身责任、加重消费者责任、排除消费者主要权利的条款", F),
                ("责任免除、违约责任等条款采用足以引起注意的方式提示并说明", INF),
                ("合同用语通俗易懂，专业术语有解释，字体字号符合要求", INF),
                ("未单方面保留变更、解除合同或调整费率的不合理权利", F),
                ("争议解决方式未限制消费者诉讼、投诉、调解等权利", R),
                ("未设置不合理的管辖约定或举证责任", R),
                ("消费者解除合同、退保的条件和损失清晰", C),
                ("个人信息授权条款单独列示，不以概括授权取代明示同意", D),
                ("未要求消费者放弃法定权利或作出不合理声明", F),
                ("资金账户、扣款授权条款明确，防范擅自扣划", P),
                ("合同文本与销售材料、产品说明书内容一致", INF),
            ],
        ),
    ),
    (
        "pricing",
        "收费定价类",
        "产品定价、收费项目与标准的新设或调整（办法第九条：定价管理环节）。",
        [
            _f("fee_items", "收费项目", "textarea", True),
            _f("fee_standard", "收费标准/费率", "textarea", True),
            _f("change_type", "类型", "choice", True, ["新设", "上调", "下调", "取消"]),
            _f("pricing_basis", "定价依据与成本测算", "textarea", True),
            _f("effective_date", "拟生效日期", "date", True),
        ],
        _items(
            "PRC",
            [
                ("收费项目有合法依据，不属于监管明令禁止或应免费的项目", F),
                ("定价与成本、服务质量相匹配，遵循公开、公平、诚实信用原则", F),
                ("收费项目、标准、依据和适用范围在营业场所及线上渠道公示", INF),
                ("新设或上调收费在生效前按规定期限提前公告", INF),
                ("不存在只收费不服务、少服务多收费或重复收费", F),
                ("未将应由机构承担的成本转嫁给消费者", F),
                ("消费者可选择是否接受收费服务，未强制收费", C),
                ("扣费前有提醒，扣费方式安全可控", P),
                ("对老年人、低收入群体等有必要的减免或提示安排", S),
                ("收费争议的退费与投诉处理机制明确", R),
            ],
        ),
    ),
    (
        "policy",
        "制度流程类",
        "涉及消费者权益的制度、办法、操作规程和业务流程的制定与修订。",
        [
            _f("policy_name", "制度/流程名称", "text", True),
            _f("policy_level", "制度层级", "choice", True, ["基本制度", "管理办法", "实施细则", "操作规程"]),
            _f("is_new", "新制定（否则为修订）", "boolean"),
            _f("main_changes", "主要内容或修订要点", "textarea", True),
            _f("affected_process", "涉及的业务环节", "text", True),
        ],
        _items(
            "POL",
            [
                ("制度已将消费者权益保护要求嵌入业务全流程（售前、售中、售后）", INF),
                ("适当性管理要求明确：产品风险分级、客户风险测评与匹配", C),
                ("销售行为可回溯（录音录像）要求明确", R),
                ("信息披露的内容、方式和时限规定完整", INF),
                ("个人信息收集、使用、存储、销毁和授权管理规定完整", D),
                ("投诉处理、溯源整改和责任追究衔接", R),
                ("对特殊群体的服务保障与适老化安排", S),
                ("资金与账户安全、反欺诈的控制措施", P),
                ("员工行为规范与考核不诱导违规销售", F),
                ("消费者教育宣传职责与安排", E),
            ],
        ),
    ),
    (
        "campaign",
        "业务活动方案类",
        "营销活动、客户回馈、权益兑换、促销及宣教活动方案。",
        [
            _f("campaign_name", "活动名称", "text", True),
            _f("period_from", "活动开始日期", "date", True),
            _f("period_to", "活动结束日期", "date", True),
            _f("participants", "参与对象与条件", "textarea", True),
            _f("rewards", "奖励/权益内容", "textarea"),
            _f("budget", "预算（元）", "number"),
        ],
        _items(
            "CMP",
            [
                ("活动规则、参与条件、奖励内容及兑现方式完整公示", INF),
                ("活动规则不存在模糊表述或机构单方最终解释权等不公平约定", F),
                ("奖励、赠品不违规（如保险业务的给予保险合同约定以外的利益）", F),
                ("活动不以搭售、捆绑为参与条件", C),
                ("活动中收集个人信息经授权且最小必要", D),
                ("活动终止、变更的告知安排和已获权益的保障", P),
                ("活动宣传符合营销宣传要求，风险提示充分", INF),
                ("活动对老年人等特殊群体友好，不设歧视性条件", S),
                ("活动投诉与争议处理渠道明确", R),
                ("融入金融知识普及和风险教育内容", E),
            ],
        ),
    ),
    (
        "third_party",
        "第三方合作类",
        "与第三方机构合作销售、引流、获客、数据处理、外包服务等合作项目及协议。",
        [
            _f("partner_name", "合作机构名称", "text", True),
            _f(
                "partner_type",
                "合作类型",
                "choice",
                True,
                ["渠道/代理销售", "互联网平台引流", "外包服务", "数据服务", "增值服务", "其他"],
            ),
            _f("cooperation_scope", "合作内容与范围", "textarea", True),
            _f("shares_customer_data", "是否涉及向第三方提供客户信息", "boolean"),
            _f("agreement_term", "协议期限", "text"),
        ],
        _items(
            "TPC",
            [
                ("合作机构已纳入名单管理，资质、经营和消保状况经过尽职调查", P),
                ("合作协议明确双方消费者权益保护责任与义务", F),
                ("合作机构的营销宣传受本机构审核，不误导消费者", INF),
                ("消费者能清楚识别产品和服务的实际提供方", INF),
                ("向合作机构提供个人信息取得消费者单独同意，数据安全有约定和措施", D),
                ("合作机构不得截留、挪用消费者资金", P),
                ("合作机构收费项目与标准经审核并向消费者披露", F),
                ("不因合作而限制消费者选择其他机构或服务", C),
                ("投诉处理责任划分清晰，消费者可直接向本机构投诉", R),
                ("合作机构员工服务规范，尊重消费者", S),
                ("合作退出与客户权益保障安排", P),
            ],
        ),
    ),
]


def seed(apps, schema_editor):
    FormType = apps.get_model("reviews", "FormType")
    FormVersion = apps.get_model("reviews", "FormVersion")
    now = timezone.now()
    for sort, (code, name, description, fields, checklist) in enumerate(FORMS, 1):
        form_type, _created = FormType.objects.get_or_create(
            code=code, defaults={"name": name, "description": description, "sort": sort * 10}
        )
        if not form_type.versions.exists():
            FormVersion.objects.create(
                form_type=form_type, number=1, fields=fields, checklist=checklist, is_current=True, created_at=now
            )


def unseed(apps, schema_editor):
    FormType = apps.get_model("reviews", "FormType")
    FormVersion = apps.get_model("reviews", "FormVersion")
    codes = [row[0] for row in FORMS]
    FormVersion.objects.filter(form_type__code__in=codes, number=1, reviews__isnull=True).delete()
    FormType.objects.filter(code__in=codes, versions__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("reviews", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
