"""投诉按时办结率 counts by the deadline in force, not by receipt among the closed (issue 17): its description,
shown beside the figure on the cockpit and the indicator page, says so. Only a description still reading as
seeded is replaced, so an institution's own wording stays."""

from django.db import migrations

OLD = "期间内收到且已办结的投诉中，在现行期限内告知处理决定的比例（与投诉统计页口径一致，按收到时间统计）。汇总时按分子分母重算。"
NEW = (
    "在期限内告知处理决定的件数 ÷ 应办结件数。应办结件数：现行处理期限（含依规延长、暂停计时与重新计算后的期限）"
    "落在本期内且已届满的全部投诉，不论是否办结；期限届满前已收到撤回申请或已告知不予办理的除外，暂停计时中的除外。"
    "逾期未办结的计为未按时。与投诉统计页、董事会报告口径一致；汇总时按分子分母重算。"
)


def forwards(apps, schema_editor):
    Definition = apps.get_model("indicators", "IndicatorDefinition")
    Definition.objects.filter(code="complaints_on_time_rate", description=OLD).update(description=NEW)


def backwards(apps, schema_editor):
    Definition = apps.get_model("indicators", "IndicatorDefinition")
    Definition.objects.filter(code="complaints_on_time_rate", description=NEW).update(description=OLD)


class Migration(migrations.Migration):
    dependencies = [("indicators", "0003_source_state")]

    operations = [migrations.RunPython(forwards, backwards)]
