"""Training indicators read the training app (sessions' sign-ins, exam sittings, coverage of the roster).

培训人次 was counted from training-plan activities in `plans` before the training app existed; it now counts
sign-ins (a person once per session). Its definition is repointed only while it still has the shipped query,
so an admin's own choice stands.
"""

from decimal import Decimal

from django.db import migrations

# code, name, unit, direction, frequency, query, rollup, scale, decimals, is_key, description
DEFINITIONS = [
    (
        "training_exam_sittings",
        "考试人次",
        "人次",
        "higher",
        "quarter",
        "training.exam_sittings",
        "sum",
        1,
        0,
        False,
        "期间内交卷（含超时自动交卷、线下成绩导入）的考试人次，补考另计一次；按考生所在机构统计。",
    ),
    (
        "training_pass_rate",
        "考试通过率",
        "%",
        "higher",
        "quarter",
        "training.pass_rate",
        "ratio",
        100,
        2,
        True,
        "期间内参加考试的人（每场考试每人计一次）中最终及格者的比例：及格人数 / 参考人数。",
    ),
    (
        "training_coverage_rate",
        "培训覆盖率",
        "%",
        "higher",
        "quarter",
        "training.coverage_rate",
        "ratio",
        100,
        2,
        True,
        "截至期末，当年完成本人适用的全部必修课程（参训且有考试的课程考试合格）的在职员工 / 在职员工人数。"
        "没有必修课程的员工不计为已覆盖；离职员工不计入。",
    ),
]


def seed(apps, schema_editor):
    IndicatorDefinition = apps.get_model("indicators", "IndicatorDefinition")
    last = IndicatorDefinition.objects.order_by("-sort").values_list("sort", flat=True).first() or 0
    for offset, row in enumerate(DEFINITIONS, 1):
        code, name, unit, direction, frequency, query, rollup, scale, decimals, is_key, description = row
        IndicatorDefinition.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "unit": unit,
                "direction": direction,
                "frequency": frequency,
                "source": "computed",
                "query": query,
                "formula": "",
                "rollup": rollup,
                "scale": Decimal(scale),
                "decimals": decimals,
                "category": "training",
                "is_key": is_key,
                "description": description,
                "sort": last + offset * 10,
            },
        )
    IndicatorDefinition.objects.filter(code="training_person_times", query="plans.training_person_times").update(
        query="training.person_times",
        description="期间内培训场次的签到人次（同一人在同一场次只计一次），按参训人员所在机构统计。",
    )


def unseed(apps, schema_editor):
    IndicatorDefinition = apps.get_model("indicators", "IndicatorDefinition")
    IndicatorDefinition.objects.filter(
        code__in=[row[0] for row in DEFINITIONS], values__isnull=True, alerts__isnull=True
    ).delete()
    IndicatorDefinition.objects.filter(code="training_person_times", query="training.person_times").update(
        query="plans.training_person_times", description="培训计划类方案下登记的活动参加人次。"
    )


class Migration(migrations.Migration):
    dependencies = [("indicators", "0003_source_state")]

    operations = [migrations.RunPython(seed, unseed)]
