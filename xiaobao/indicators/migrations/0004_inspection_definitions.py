"""Seed data: the quality-inspection indicators (质检覆盖率, 违规率), computed from the inspection app's
figures (registry: source "inspection"). Their definitions match the inspection statistics page."""

from decimal import Decimal

from django.db import migrations

DEFINITIONS = [
    (
        "inspection_coverage",
        "质检覆盖率",
        "%",
        "higher",
        "quarter",
        "computed",
        "inspection.coverage",
        "ratio",
        100,
        2,
        "service",
        True,
        "期间内开始的服务交互（通话、在线会话、视频服务、双录）中，已由质检规则全量质检的比例：已质检交互数 ÷ 接入交互数。"
        "按交互开始时间统计，含下级机构；汇总时按分子分母重算。",
    ),
    (
        "inspection_violation_rate",
        "违规率",
        "%",
        "lower",
        "quarter",
        "computed",
        "inspection.violation_rate",
        "ratio",
        100,
        2,
        "service",
        True,
        "期间内已质检的服务交互中，存在有效质检发现的比例：有效发现是未被质检员认定为误报（须留存理由）、"
        "未因规则更新撤销的发现，待复核的发现计入，因此不复核不会降低违规率。按交互开始时间统计，含下级机构。",
    ),
]


def seed(apps, schema_editor):
    IndicatorDefinition = apps.get_model("indicators", "IndicatorDefinition")
    last = IndicatorDefinition.objects.order_by("-sort").values_list("sort", flat=True).first() or 0
    for offset, row in enumerate(DEFINITIONS, 1):
        code, name, unit, direction, frequency, source, query, rollup, scale, decimals, category, is_key, text = row
        IndicatorDefinition.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "unit": unit,
                "direction": direction,
                "frequency": frequency,
                "source": source,
                "query": query,
                "rollup": rollup,
                "scale": Decimal(scale),
                "decimals": decimals,
                "category": category,
                "is_key": is_key,
                "description": text,
                "sort": last + offset * 10,
            },
        )


def unseed(apps, schema_editor):
    IndicatorDefinition = apps.get_model("indicators", "IndicatorDefinition")
    codes = [row[0] for row in DEFINITIONS]
    IndicatorDefinition.objects.filter(code__in=codes, values__isnull=True, alerts__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("indicators", "0003_source_state")]

    operations = [migrations.RunPython(seed, unseed)]
