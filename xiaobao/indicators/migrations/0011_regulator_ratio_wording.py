"""The complaint-intensity ratios named and measured as the regulator's reports write them (issue 17, point 9).

The banking reports (e.g. 中国银保监会消费者权益保护局关于2020年第二季度/第三季度、2022年第一季度银行业消费投诉情况的
通报) give "平均每千营业网点投诉量" in 件/千营业网点 and "平均每千万个人客户投诉量" in 件/千万个人客户; the insurance
reports give 万张保单投诉量 in 件/万张. The shipped rows said 每千个营业网点投诉量 (件/千个), 每千万个人客户投诉量
(件/千万户) and 件/万件, so a board report set beside the regulator's could read as a different measure. Only a
row that still carries the shipped wording is changed: a name or unit an administrator chose is kept.
"""

from django.db import migrations

# code: ((old name, new name), (old unit, new unit))
WORDING = {
    "complaints_per_1k_outlets": (("每千个营业网点投诉量", "平均每千营业网点投诉量"), ("件/千个", "件/千营业网点")),
    "fwd_complaints_per_1k_outlets": (
        ("每千个营业网点投诉量（监管转办口径）", "平均每千营业网点投诉量（监管转办口径）"),
        ("件/千个", "件/千营业网点"),
    ),
    "complaints_per_10m_customers": (
        ("每千万个人客户投诉量", "平均每千万个人客户投诉量"),
        ("件/千万户", "件/千万个人客户"),
    ),
    "fwd_complaints_per_10m_customers": (
        ("每千万个人客户投诉量（监管转办口径）", "平均每千万个人客户投诉量（监管转办口径）"),
        ("件/千万户", "件/千万个人客户"),
    ),
    "complaints_per_10k_policies": (("万张保单投诉量", "万张保单投诉量"), ("件/万件", "件/万张")),
}


def _apply(apps, *, forward: bool):
    IndicatorDefinition = apps.get_model("indicators", "IndicatorDefinition")
    pick = (lambda pair: pair) if forward else (lambda pair: (pair[1], pair[0]))
    for code, (names, units) in WORDING.items():
        old_name, new_name = pick(names)
        old_unit, new_unit = pick(units)
        IndicatorDefinition.objects.filter(code=code, name=old_name).update(name=new_name)
        IndicatorDefinition.objects.filter(code=code, unit=old_unit).update(unit=new_unit)


def forwards(apps, schema_editor):
    _apply(apps, forward=True)


def backwards(apps, schema_editor):
    _apply(apps, forward=False)


class Migration(migrations.Migration):
    dependencies = [("indicators", "0010_indicatorvalue_staged_import")]

    operations = [migrations.RunPython(forwards, backwards)]
