"""Correct the article numbers on the seeded rule rows and add the internal decision target.

Checked against 《银行业保险业消费投诉处理管理办法》(原银保监会令2020年第3号): the decision deadline and both
extensions are Art. 18 (not 20), 核查 is Art. 20, and Art. 43 makes every 日 a calendar day. A row whose
citation a compliance officer already changed is left as they wrote it.

The internal target (decide within 10 days) is the institution's own goal, stricter than the law, in its
own row beside the statutory deadline — the statutory row itself keeps the text's 15 days.
"""

from django.db import migrations

M = "《银行业保险业消费投诉处理管理办法》"
OLD_INITIAL = f"{M}第二十条：自收到消费投诉之日起15日内作出处理决定并告知投诉人"
CORRECTIONS = {
    "deadline.initial": (
        OLD_INITIAL,
        f"{M}第十八条：自收到消费投诉之日起15日内作出处理决定并告知投诉人",
    ),
    "deadline.complex": (f"{M}第二十条：情况复杂的可以延长至30日", f"{M}第十八条：情况复杂的可以延长至30日"),
    "deadline.special": (
        f"{M}第二十条：经其上级机构或者总行、总公司高级管理人员审批并告知投诉人，可以再延长30日",
        f"{M}第十八条：经其上级机构或者总行、总公司高级管理人员审批并告知投诉人，可以再延长30日",
    ),
    "reexamine.apply": (
        f"{M}核查条款（条号与期限待法务核实）",
        f"{M}第二十条：可以自收到处理决定之日起30日内向其上级机构书面申请核查",
    ),
    "reexamine.deadline": (
        f"{M}核查条款（条号与期限待法务核实）",
        f"{M}第二十条：核查机构应当自收到核查申请之日起30日内作出核查决定并告知投诉人",
    ),
}
OLD_NOTE = "“日”按自然日计（办法未写工作日）；"
NEW_NOTE = "“日”为自然日（第四十三条）；"
TARGET = {
    "code": "target.decide",
    "name": "内部目标：处理决定时限",
    "value": {"days": 10, "unit": "calendar"},
    "article": f"本公司内部目标，严于{M}第十八条的法定15日",
    "note": "仅作内部提示，与法定期限并列显示；按时办结率等统计一律按法定期限计算。须短于法定期限。",
}


def forward(apps, schema_editor):
    ComplaintRule = apps.get_model("complaints", "ComplaintRule")
    for code, (old, new) in CORRECTIONS.items():
        ComplaintRule.objects.filter(code=code, article=old).update(article=new)
    for row in ComplaintRule.objects.filter(code="deadline.initial", note__startswith=OLD_NOTE):
        row.note = NEW_NOTE + row.note[len(OLD_NOTE) :]
        row.save(update_fields=["note"])
    ComplaintRule.objects.get_or_create(code=TARGET["code"], defaults={k: v for k, v in TARGET.items() if k != "code"})


def backward(apps, schema_editor):
    ComplaintRule = apps.get_model("complaints", "ComplaintRule")
    ComplaintRule.objects.filter(code=TARGET["code"]).delete()


class Migration(migrations.Migration):
    dependencies = [("complaints", "0002_taxonomy_and_rules")]

    operations = [migrations.RunPython(forward, backward)]
