"""The complaint-intensity indicators quarterly as well as yearly, as the regulator reports them (issue 17).

The regulator's complaint reports are quarterly and give each ratio per quarter: e.g. 银保监消保发〔2021〕9号
(2021年第一季度保险消费投诉情况): 财产保险公司亿元保费投诉量中位数 6.14件/亿元, 万张保单投诉量中位数 0.49件/万张;
人身保险公司 1.43件/亿元, 0.26件/万张, 万人次投诉量中位数 0.09件/万人次; the banking reports (2020年第13号,
2022年第一季度) give 平均每千营业网点投诉量 (件/千营业网点) and 平均每千万个人客户投诉量 (件/千万个人客户) per
quarter. So the ratios and their denominators become quarterly: a quarterly indicator is also reported per year
(periods.GRAIN), so a year's figures stay valid, and a quarter's ratio is that quarter's complaints over that
quarter's denominator (a quarter without its denominator entered has no ratio, never a guessed one).

Only rows still on the shipped yearly frequency are moved; a frequency an administrator chose is kept.
"""

from django.db import migrations

DENOMINATORS = ["premium_income_100m", "policies_in_force", "insured_person_times", "outlets_count", "personal_customers"]
RATIOS = [
    "complaints_per_100m_premium",
    "complaints_per_10k_policies",
    "complaints_per_10k_persons",
    "fwd_complaints_per_100m_premium",
    "fwd_complaints_per_10k_policies",
    "fwd_complaints_per_10k_persons",
    "complaints_per_1k_outlets",
    "complaints_per_10m_customers",
    "fwd_complaints_per_1k_outlets",
    "fwd_complaints_per_10m_customers",
]


def to_quarterly(apps, schema_editor):
    IndicatorDefinition = apps.get_model("indicators", "IndicatorDefinition")
    IndicatorDefinition.objects.filter(code__in=DENOMINATORS + RATIOS, frequency="year").update(frequency="quarter")


def to_yearly(apps, schema_editor):
    IndicatorDefinition = apps.get_model("indicators", "IndicatorDefinition")
    IndicatorDefinition.objects.filter(code__in=DENOMINATORS + RATIOS, frequency="quarter").update(frequency="year")


class Migration(migrations.Migration):
    dependencies = [("indicators", "0008_merge_banks_and_clock")]

    operations = [migrations.RunPython(to_quarterly, to_yearly)]
