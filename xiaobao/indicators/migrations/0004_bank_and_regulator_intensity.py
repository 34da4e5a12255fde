"""Banks as well as insurers, and the regulator's own numerator.

The regulator's quarterly complaint reports (e.g. 银保监消保发〔2022〕8号, 〔2023〕4号) count the complaints it
received and forwarded (接收并转送) and set them against business volume: for insurers 亿元保费投诉量
(件/亿元), 万张保单投诉量 (件/万张) and, for life insurers, 万人次投诉量 (件/万人次); the banking reports use
complaints per thousand outlets (每千个营业网点) and per ten million personal customers (每千万个人客户). So:
- 监管转办投诉量 (computed: complaints whose channel is 监管转办), and each intensity figure twice — on all
  complaints received (the institution's own view) and on 监管转办 only (comparable with the regulator's
  report, which the institution cannot flatter by what it registers itself);
- the denominators as collected figures, described with the regulator's wording; how the regulator composes
  保单件数 and 承保人次 (new in the period and/or in force at its end) was not found in the reports' text:
  the description says so, and the institution states the composition it reports;
- frequency: 监管转办投诉量 is quarterly (so per quarter and per year); the denominators and ratios are yearly
  like the shipped premium and policy rows (quarterly denominators not yet wired: the value pages expect a
  quarter to hold no collected figures).
"""

from decimal import Decimal

from django.db import migrations

U = "（分母口径与向监管报送的业务数据一致；保单件数/承保人次是否含期内新增，以监管报送口径为准，需核实后填报）"
# code, name, unit, direction, source, query, formula, rollup, scale, decimals, category, is_key, description
DEFINITIONS = [
    (
        "complaints_forwarded",
        "监管转办投诉量",
        "件",
        "lower",
        "computed",
        "complaints.forwarded",
        "",
        "sum",
        1,
        0,
        "complaints",
        True,
        "期间内收到的、由监管部门接收并转送（监管转办）的投诉件数，按收到日期，含下级机构；"
        "监管季度投诉通报即按此口径计数。不含银保信平台转来的投诉。",
    ),
    (
        "insured_person_times",
        "承保人次",
        "人次",
        "higher",
        "collected",
        "",
        "",
        "sum",
        1,
        0,
        "business",
        False,
        "人身保险公司的承保人次，用于万人次投诉量。" + U,
    ),
    (
        "complaints_per_10k_persons",
        "万人次投诉量",
        "件/万人次",
        "lower",
        "formula",
        "",
        "complaints_count / insured_person_times * 10000",
        "formula",
        1,
        2,
        "complaints",
        False,
        "投诉量 / 承保人次 × 10000（人身保险公司）。",
    ),
    (
        "fwd_complaints_per_100m_premium",
        "亿元保费投诉量（监管转办口径）",
        "件/亿元",
        "lower",
        "formula",
        "",
        "complaints_forwarded / premium_income_100m",
        "formula",
        1,
        2,
        "complaints",
        True,
        "监管转办投诉量 / 保费收入（亿元），与监管季度通报口径一致。",
    ),
    (
        "fwd_complaints_per_10k_policies",
        "万张保单投诉量（监管转办口径）",
        "件/万张",
        "lower",
        "formula",
        "",
        "complaints_forwarded / policies_in_force * 10000",
        "formula",
        1,
        2,
        "complaints",
        False,
        "监管转办投诉量 / 保单件数 × 10000，与监管季度通报口径一致。" + U,
    ),
    (
        "fwd_complaints_per_10k_persons",
        "万人次投诉量（监管转办口径）",
        "件/万人次",
        "lower",
        "formula",
        "",
        "complaints_forwarded / insured_person_times * 10000",
        "formula",
        1,
        2,
        "complaints",
        False,
        "监管转办投诉量 / 承保人次 × 10000（人身保险公司），与监管季度通报口径一致。" + U,
    ),
    (
        "outlets_count",
        "营业网点数",
        "个",
        "higher",
        "collected",
        "",
        "",
        "sum",
        1,
        0,
        "business",
        False,
        "银行业金融机构期末营业网点数，用于每千个营业网点投诉量。",
    ),
    (
        "personal_customers",
        "个人客户数",
        "户",
        "higher",
        "collected",
        "",
        "",
        "sum",
        1,
        0,
        "business",
        False,
        "银行业金融机构期末个人客户数（户），用于每千万个人客户投诉量。",
    ),
    (
        "complaints_per_1k_outlets",
        "每千个营业网点投诉量",
        "件/千个",
        "lower",
        "formula",
        "",
        "complaints_count / outlets_count * 1000",
        "formula",
        1,
        2,
        "complaints",
        False,
        "投诉量 / 营业网点数 × 1000（银行业金融机构）。",
    ),
    (
        "complaints_per_10m_customers",
        "每千万个人客户投诉量",
        "件/千万户",
        "lower",
        "formula",
        "",
        "complaints_count / personal_customers * 10000000",
        "formula",
        1,
        2,
        "complaints",
        False,
        "投诉量 / 个人客户数 × 10000000（银行业金融机构）。",
    ),
    (
        "fwd_complaints_per_1k_outlets",
        "每千个营业网点投诉量（监管转办口径）",
        "件/千个",
        "lower",
        "formula",
        "",
        "complaints_forwarded / outlets_count * 1000",
        "formula",
        1,
        2,
        "complaints",
        False,
        "监管转办投诉量 / 营业网点数 × 1000，与监管银行业投诉通报口径一致。",
    ),
    (
        "fwd_complaints_per_10m_customers",
        "每千万个人客户投诉量（监管转办口径）",
        "件/千万户",
        "lower",
        "formula",
        "",
        "complaints_forwarded / personal_customers * 10000000",
        "formula",
        1,
        2,
        "complaints",
        False,
        "监管转办投诉量 / 个人客户数 × 10000000，与监管银行业投诉通报口径一致。",
    ),
]


def seed(apps, schema_editor):
    IndicatorDefinition = apps.get_model("indicators", "IndicatorDefinition")
    start = (IndicatorDefinition.objects.order_by("-sort").values_list("sort", flat=True).first() or 0) + 10
    for n, row in enumerate(DEFINITIONS):
        code, name, unit, direction, source, query, formula, rollup, scale, decimals, category, is_key, text = row
        IndicatorDefinition.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "unit": unit,
                "direction": direction,
                "frequency": "quarter" if source == "computed" else "year",
                "source": source,
                "query": query,
                "formula": formula,
                "rollup": rollup,
                "scale": Decimal(scale),
                "decimals": decimals,
                "category": category,
                "is_key": is_key,
                "description": text,
                "sort": start + n * 10,
            },
        )


def unseed(apps, schema_editor):
    IndicatorDefinition = apps.get_model("indicators", "IndicatorDefinition")
    codes = [row[0] for row in DEFINITIONS]
    IndicatorDefinition.objects.filter(code__in=codes, values__isnull=True, alerts__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("indicators", "0003_source_state")]

    operations = [migrations.RunPython(seed, unseed)]
