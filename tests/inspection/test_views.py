"""Inspection pages and API: happy path, outsider, agent (own findings only), read-only, wrong method."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.inspection.conftest import record
from xiaobao.inspection.models import Finding
from xiaobao.workorders.models import WorkOrder

PROMISE = [("customer", "收益怎么样？"), ("agent", "放心，这款稳赚不赔，您的卡号6222021234567890123我记下了。")]


@pytest.fixture
def finding(ingest, agent_a, agent_b):
    ingest(record("S1", PROMISE), record("S2", PROMISE, agent="agent_b"))
    return Finding.objects.get(interaction__source_id="S1")


def login(client, user):
    client.force_login(user)
    return client


def test_the_workbench_lists_findings_with_the_hit_masked(client, inspector, finding):
    page = login(client, inspector).get(reverse("inspection:list"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "稳赚不赔" in html and "6222021234567890123" not in html


def test_the_finding_page_highlights_the_hit_with_speaker_and_time(client, inspector, finding):
    html = login(client, inspector).get(reverse("inspection:finding", args=[finding.pk])).content.decode()
    assert f'<mark class="hit" data-testid="hit" data-findings="{finding.pk}">稳赚不赔</mark>' in html
    assert "5.0s" in html  # the agent's turn starts at 5 s
    assert "6222021234567890123" not in html and "6222***********0123" in html


def test_an_agent_sees_only_their_own_findings(client, agent_a, finding):
    other = Finding.objects.get(interaction__source_id="S2")
    login(client, agent_a)
    html = client.get(reverse("inspection:list")).content.decode()
    assert f'data-finding-id="{finding.pk}"' in html and f'data-finding-id="{other.pk}"' not in html
    assert client.get(reverse("inspection:finding", args=[other.pk])).status_code == 404
    assert client.get(reverse("inspection:rules")).status_code == 403


def test_an_agent_contests_on_the_page(client, agent_a, finding):
    login(client, agent_a)
    response = client.post(reverse("inspection:contest", args=[finding.pk]), {"reason": "客户先提到的"})
    assert response.status_code == 302
    finding.refresh_from_db()
    assert finding.status == Finding.Status.CONTESTED


def test_an_agent_cannot_confirm(client, agent_a, finding):
    login(client, agent_a)
    assert client.post(reverse("inspection:confirm", args=[finding.pk])).status_code == 403
    finding.refresh_from_db()
    assert finding.status == Finding.Status.OPEN


def test_confirming_on_the_page_opens_a_work_order(client, inspector, finding):
    login(client, inspector)
    response = client.post(reverse("inspection:confirm", args=[finding.pk]), {"training": "on"})
    assert response.status_code == 302
    finding.refresh_from_db()
    assert WorkOrder.objects.filter(pk=finding.workorder_id, kind="rectification").exists()


def test_the_outsider_gets_nothing(client, cast, finding):
    login(client, cast.outsider)
    assert client.get(reverse("inspection:list")).status_code == 403
    assert client.get(reverse("inspection:finding", args=[finding.pk])).status_code == 404


def test_read_only_management_sees_but_cannot_decide(client, cast, finding):
    login(client, cast.manager)
    assert client.get(reverse("inspection:finding", args=[finding.pk])).status_code == 200
    assert client.post(reverse("inspection:dismiss", args=[finding.pk]), {"reason": "x"}).status_code == 403


def test_decisions_need_post(client, inspector, finding):
    login(client, inspector)
    assert client.get(reverse("inspection:confirm", args=[finding.pk])).status_code == 405


def test_a_branch_officer_sees_their_branch_only(client, cast, finding):
    other = Finding.objects.get(interaction__source_id="S2")
    login(client, cast.officer_a)
    assert client.get(reverse("inspection:finding", args=[finding.pk])).status_code == 200
    assert client.get(reverse("inspection:finding", args=[other.pk])).status_code == 404


def test_the_rule_test_box_previews_without_publishing(client, inspector, finding):
    from xiaobao.inspection.models import Rule, RuleVersion

    rule = Rule.objects.get(code="SALES-GUARANTEE")
    login(client, inspector)
    response = client.post(
        reverse("inspection:rule", args=[rule.pk]),
        {"definition": '{"phrases": ["稳赚"]}', "sample": "坐席：稳赚的\n客户：稳赚吗", "preview": "1"},
    )
    assert response.status_code == 200
    assert 'data-testid="preview-result"' in response.content.decode()
    assert not RuleVersion.objects.filter(rule=rule, status="draft").exists()


def test_statistics_page_and_export(client, inspector, finding):
    login(client, inspector)
    page = client.get(reverse("inspection:statistics"), {"date_from": "2025-01-01"})
    assert page.status_code == 200
    assert page.context["stats"]["totals"]["coverage"] == 100.0
    export = client.get(reverse("inspection:statistics-export"), {"date_from": "2025-01-01"})
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")


def test_the_intake_page_reports_rows(client, inspector, agent_a):
    import json

    from django.core.files.uploadedfile import SimpleUploadedFile

    login(client, inspector)
    lines = [json.dumps(record("J1", PROMISE), ensure_ascii=False), "{not json", json.dumps(record("J1", PROMISE))]
    upload = SimpleUploadedFile("calls.jsonl", "\n".join(lines).encode(), content_type="application/json")
    response = client.post(reverse("inspection:intake"), {"file": upload})
    assert response.status_code == 302
    batch = client.get(response["Location"]).context["batch"]
    assert [line["status"] for line in batch.report] == ["created", "error", "duplicate"]


# --- API ------------------------------------------------------------------------------------------


def test_api_batch_intake_is_idempotent(client, inspector, agent_a):
    login(client, inspector)
    body = {"interactions": [record("A1", PROMISE), record("A2", PROMISE)]}
    first = client.post(reverse("api-inspection-intake"), body, content_type="application/json")
    again = client.post(reverse("api-inspection-intake"), body, content_type="application/json")
    assert first.status_code == 201 and first.json()["created"] == 2
    assert again.json()["duplicates"] == 2 and again.json()["created"] == 0


def test_api_intake_needs_the_permission(client, cast):
    login(client, cast.officer_a)
    response = client.post(reverse("api-inspection-intake"), {"interactions": [{}]}, content_type="application/json")
    assert response.status_code == 403


def test_api_findings_are_scoped_and_masked(client, agent_a, finding):
    login(client, agent_a)
    rows = client.get(reverse("api-inspection-findings")).json()["results"]
    assert {r["id"] for r in rows} == {finding.pk}
    detail = client.get(reverse("api-inspection-finding", args=[finding.pk])).json()
    assert "6222021234567890123" not in str(detail)


def test_api_dismiss_needs_a_reason_and_answers_the_code(client, inspector, finding):
    login(client, inspector)
    response = client.post(reverse("api-inspection-dismiss", args=[finding.pk]), {}, content_type="application/json")
    assert response.status_code == 400 and response.json()["error"] == "inspection.reason_required"
    ok = client.post(
        reverse("api-inspection-dismiss", args=[finding.pk]), {"reason": "客户转述"}, content_type="application/json"
    )
    assert ok.json()["status"] == "dismissed"
    again = client.post(reverse("api-inspection-confirm", args=[finding.pk]), {}, content_type="application/json")
    assert again.status_code == 409 and again.json()["error"] == "inspection.not_open"


def test_the_decision_forms_come_before_the_transcript(client, inspector, agent_a, finding):
    # issue 21: the inspector's decision (and the agent's appeal) under the facts card, above the transcript
    html = login(client, inspector).get(reverse("inspection:finding", args=[finding.pk])).content.decode()
    assert html.index('data-testid="finding-summary"') < html.index('data-testid="review-actions"')
    assert html.index('data-testid="confirm-button"') < html.index('data-testid="hit"')
    client.logout()
    html = login(client, agent_a).get(reverse("inspection:finding", args=[finding.pk])).content.decode()
    assert html.index('data-testid="contest-actions"') < html.index('data-testid="hit"')
