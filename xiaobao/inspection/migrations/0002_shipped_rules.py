"""Seed data: the shipped rule set and score sheet (fixtures/rules.json), each rule as published version 1."""

import json
from pathlib import Path

from django.db import migrations
from django.utils import timezone

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "rules.json"


def load(apps, schema_editor):
    Rule = apps.get_model("inspection", "Rule")
    RuleVersion = apps.get_model("inspection", "RuleVersion")
    ScoreSheet = apps.get_model("inspection", "ScoreSheet")
    data = json.loads(FIXTURE.read_text(encoding="utf-8"))
    now = timezone.now()
    for item in data["rules"]:
        if Rule.objects.filter(code=item["code"]).exists():
            continue
        rule = Rule.objects.create(
            code=item["code"],
            name=item["name"],
            kind=item["kind"],
            severity=item["severity"],
            consumer_right=item["consumer_right"],
            regulatory_basis=item["regulatory_basis"],
            description=item.get("description", ""),
        )
        version = RuleVersion.objects.create(
            rule=rule,
            number=1,
            definition=item["definition"],
            status="published",
            note="随系统发布",
            created_at=now,
            published_at=now,
        )
        rule.current = version
        rule.save(update_fields=["current"])
    for sheet in data["score_sheets"]:
        ScoreSheet.objects.get_or_create(
            code=sheet["code"],
            version=sheet["version"],
            defaults={"name": sheet["name"], "kinds": sheet["kinds"], "items": sheet["items"]},
        )


class Migration(migrations.Migration):
    dependencies = [("inspection", "0001_interactions_rules_findings")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
