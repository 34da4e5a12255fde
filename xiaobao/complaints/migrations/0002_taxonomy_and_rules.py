"""Seed the current complaint taxonomy (code tables) and the handling rules (data, editable in admin).

Sources (see docs/complaints.md for what was verified and what is this project's own):
- Business/product types and the top-level dispute types follow the groupings the regulator's
  quarterly insurance-complaint reports use (人身险/财产险 companies; 销售纠纷, 理赔纠纷, 退保纠纷…;
  lines such as 普通人寿保险, 疾病保险, 机动车辆保险). The national standard for insurance complaint
  handling is GB/T 43568-2023《保险消费投诉处理规范》(in force 2024-04-01); its appendix codes were not
  available to check, so the codes below are this project's own, ready to be replaced by a new version.
- Rules cite 《银行业保险业消费投诉处理管理办法》(原银保监会令2020年第3号, "办法").
"""

from datetime import date

from django.db import migrations

VERSION = {
    "code": "XB-INS-2024",
    "name": "保险消费投诉分类（2024版）",
    "source": "GB/T 43568-2023《保险消费投诉处理规范》；监管保险消费投诉通报的纠纷类型与险种口径（代码为本系统自编）",
    "effective_from": date(2024, 4, 1),
}

# (code, name, children) — children as (code, name[, systemic])
BUSINESS = [
    (
        "L",
        "人身保险",
        [
            ("L01", "普通人寿保险"),
            ("L02", "分红型人寿保险"),
            ("L03", "万能型人寿保险"),
            ("L04", "投资连结保险"),
            ("L05", "年金保险"),
            ("L06", "疾病保险"),
            ("L07", "医疗保险"),
            ("L08", "意外伤害保险"),
            ("L09", "护理保险"),
            ("L99", "其他人身保险"),
        ],
    ),
    (
        "P",
        "财产保险",
        [
            ("P01", "机动车辆保险"),
            ("P02", "企业财产保险"),
            ("P03", "家庭财产保险"),
            ("P04", "责任保险"),
            ("P05", "信用保证保险"),
            ("P06", "农业保险"),
            ("P07", "短期健康保险"),
            ("P08", "意外伤害保险"),
            ("P09", "货物运输保险"),
            ("P99", "其他财产保险"),
        ],
    ),
]
CAUSE = [
    (
        "C01",
        "销售纠纷",
        [
            ("C0101", "销售误导"),
            ("C0102", "未充分说明免责条款"),
            ("C0103", "代签名、代投保"),
            ("C0104", "夸大收益或承诺收益"),
            ("C0105", "捆绑搭售"),
        ],
    ),
    (
        "C02",
        "理赔纠纷",
        [
            ("C0201", "理赔时效"),
            ("C0202", "理赔金额争议"),
            ("C0203", "拒赔争议"),
            ("C0204", "理赔材料要求"),
        ],
    ),
    ("C03", "退保纠纷", [("C0301", "退保金额争议"), ("C0302", "犹豫期退保"), ("C0303", "退保手续办理")]),
    ("C04", "保全服务", [("C0401", "保全时效"), ("C0402", "保全变更争议"), ("C0403", "续期缴费与扣费")]),
    ("C05", "承保纠纷", [("C0501", "核保争议"), ("C0502", "续保争议")]),
    ("C06", "服务态度与服务质量", []),
    ("C07", "电话骚扰", []),
    ("C08", "信息安全", []),
    ("C99", "其他", []),
]
DEMAND = [
    ("D01", "退保", []),
    ("D02", "理赔", []),
    ("D03", "赔偿损失", []),
    ("D04", "道歉", []),
    ("D05", "解释说明", []),
    ("D06", "办理保全或变更", []),
    ("D07", "停止骚扰", []),
    ("D08", "追究相关人员责任", []),
    ("D09", "退还费用", []),
    ("D99", "其他", []),
]
# (code, name, systemic): a systemic root cause opens a rectification work order on its own.
ROOT_CAUSE = [
    ("R01", "销售行为不规范", False),
    ("R02", "产品设计或条款表述不清", True),
    ("R03", "业务流程或制度缺陷", True),
    ("R04", "信息系统缺陷", True),
    ("R05", "人员服务态度或能力不足", False),
    ("R06", "理赔或保全时效管理不足", False),
    ("R07", "第三方合作机构问题", False),
    ("R08", "消费者误解或诉求不合理", False),
    ("R09", "代理退保等外部因素", False),
    ("R99", "其他", False),
]

M = "《银行业保险业消费投诉处理管理办法》"
RULES = [
    (
        "deadline.initial",
        "处理期限（一般）",
        {"days": 15, "unit": "calendar"},
        f"{M}第十八条：自收到消费投诉之日起15日内作出处理决定并告知投诉人",
        "“日”为自然日（第四十三条）；首日不计入，末日为法定节假日的顺延至其后第一个工作日（民法典第二百零一条、第二百零三条）。",
    ),
    (
        "deadline.complex",
        "处理期限（情况复杂，延长至）",
        {"days": 30, "unit": "calendar"},
        f"{M}第十八条：情况复杂的可以延长至30日",
        "自收到投诉之日起计。",
    ),
    (
        "deadline.special",
        "处理期限（情况特别复杂，再延长）",
        {"days": 30, "unit": "calendar"},
        f"{M}第十八条：经其上级机构或者总行、总公司高级管理人员审批并告知投诉人，可以再延长30日",
        "自收到投诉之日起按30+30日计，最长60日。",
    ),
    ("deadline.accept", "受理时限", {"days": 1, "unit": "working"}, "本公司投诉处理制度", "不晚于法定处理期限。"),
    ("deadline.assign", "分派时限", {"days": 2, "unit": "working"}, "本公司投诉处理制度", "不晚于法定处理期限。"),
    (
        "reexamine.apply",
        "申请核查期限",
        {"days": 30, "unit": "calendar"},
        f"{M}第二十条：可以自收到处理决定之日起30日内向其上级机构书面申请核查",
        "自告知处理决定之日起计；到期未申请即进入回访。",
    ),
    (
        "reexamine.deadline",
        "核查办理期限",
        {"days": 30, "unit": "calendar"},
        f"{M}第二十条：核查机构应当自收到核查申请之日起30日内作出核查决定并告知投诉人",
        "自收到核查申请之日起计。",
    ),
    ("revisit.deadline", "回访时限", {"days": 5, "unit": "working"}, "本公司投诉处理制度", ""),
    (
        "repeat.window_days",
        "重复投诉认定期间",
        {"days": 30},
        "本公司投诉统计口径",
        "同一投诉人（证件号或电话）或同一保单在此期间内再次投诉，关联并标记为重复投诉。",
    ),
    (
        "major.thresholds",
        "重大/群体性投诉标准",
        {"min_complainants": 5, "amount": "500000", "media_attention": True},
        f"本公司重大投诉报告制度；参照{M}第十二条（共同投诉推选代表不超过5名）",
        "满足任一条件即为重大/群体性投诉，立即上报总公司。",
    ),
    (
        "root_cause.threshold",
        "溯源整改触发标准",
        {"count": 3, "period_days": 90},
        f"{M}第九条：及时查找引发投诉事项的原因，健全完善溯源整改机制",
        "同一责任机构同一根因在期间内办结达到件数，或根因标记为系统性问题，即下发整改工单（每期间每根因一次）。",
    ),
    ("rectification.deadline", "整改工单期限", {"days": 30, "unit": "working"}, "本公司投诉处理制度", ""),
    ("supervision.deadline", "督办工单期限", {"days": 3, "unit": "working"}, "本公司投诉处理制度", ""),
]


def _tree(Category, version, dimension, rows):
    sort = 0
    for row in rows:
        code, name, children = row
        sort += 1
        parent = Category.objects.create(version=version, dimension=dimension, code=code, name=name, sort=sort)
        for child in children:
            sort += 1
            Category.objects.create(
                version=version, dimension=dimension, code=child[0], name=child[1], parent=parent, sort=sort
            )


def seed(apps, schema_editor):
    TaxonomyVersion = apps.get_model("complaints", "TaxonomyVersion")
    Category = apps.get_model("complaints", "Category")
    ComplaintRule = apps.get_model("complaints", "ComplaintRule")
    if not TaxonomyVersion.objects.filter(code=VERSION["code"]).exists():
        TaxonomyVersion.objects.filter(is_current=True).update(is_current=False)
        version = TaxonomyVersion.objects.create(is_current=True, **VERSION)
        _tree(Category, version, "business", BUSINESS)
        _tree(Category, version, "cause", CAUSE)
        _tree(Category, version, "demand", DEMAND)
        for sort, (code, name, systemic) in enumerate(ROOT_CAUSE, start=1):
            Category.objects.create(
                version=version, dimension="root_cause", code=code, name=name, systemic=systemic, sort=sort
            )
    for code, name, value, article, note in RULES:
        ComplaintRule.objects.get_or_create(
            code=code, defaults={"name": name, "value": value, "article": article, "note": note}
        )


def unseed(apps, schema_editor):
    TaxonomyVersion = apps.get_model("complaints", "TaxonomyVersion")
    Category = apps.get_model("complaints", "Category")
    ComplaintRule = apps.get_model("complaints", "ComplaintRule")
    # children before parents (PROTECT)
    Category.objects.filter(version__code=VERSION["code"], parent__isnull=False).delete()
    Category.objects.filter(version__code=VERSION["code"]).delete()
    TaxonomyVersion.objects.filter(code=VERSION["code"]).delete()
    ComplaintRule.objects.filter(code__in=[r[0] for r in RULES]).delete()


class Migration(migrations.Migration):
    dependencies = [("complaints", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
