"""The unmasked transcript only for an inspector in scope, with a reason, audited; pages otherwise show it masked."""

from __future__ import annotations

import pytest

from tests.inspection.conftest import record
from xiaobao.core import error_codes as core_codes
from xiaobao.core.api_errors import BusinessRuleError
from xiaobao.core.models import AuditEntry
from xiaobao.inspection import error_codes, services
from xiaobao.inspection.models import Interaction

CARD = "6222021234567890123"
TURNS = [("customer", f"我的卡号是{CARD}，帮我查一下。"), ("agent", "好的，请稍等。")]


@pytest.fixture
def interaction(ingest, agent_a):
    ingest(record("R1", TURNS))
    return Interaction.objects.get(source_id="R1")


def test_an_inspector_sees_the_clear_transcript_for_a_reason_and_the_reveal_is_audited(interaction, inspector):
    turns = services.interaction_reveal(interaction=interaction, actor=inspector, reason="核实客户卡号是否被索要")
    assert CARD in turns[0]["text"]
    entry = AuditEntry.objects.get(action="personal_data.reveal", object_id=str(interaction.pk))
    assert entry.reason == "核实客户卡号是否被索要" and CARD not in str(entry.changes)


def test_no_reason_no_reveal(interaction, inspector):
    with pytest.raises(BusinessRuleError) as refused:
        services.interaction_reveal(interaction=interaction, actor=inspector, reason="  ")
    assert refused.value.error_code == core_codes.REVEAL_REASON_REQUIRED
    assert not AuditEntry.objects.filter(action="personal_data.reveal").exists()


def test_the_agent_and_an_outsider_may_not_reveal(interaction, agent_a, cast):
    for person in (agent_a, cast.outsider, cast.officer_b):
        with pytest.raises(BusinessRuleError) as refused:
            services.interaction_reveal(interaction=interaction, actor=person, reason="看看")
        assert refused.value.error_code == error_codes.NOT_ALLOWED


def test_the_page_shows_the_masked_copy_and_the_clear_one_only_on_the_audited_post(client, interaction, inspector):
    client.force_login(inspector)
    page = client.get(f"/inspection/interactions/{interaction.pk}/").content.decode()
    assert CARD not in page and "reveal-form" in page
    revealed = client.post(f"/inspection/interactions/{interaction.pk}/reveal/", {"reason": "核实"})
    assert revealed.status_code == 200 and CARD in revealed.content.decode()
    assert revealed["Cache-Control"] == "no-store"
    assert client.get(f"/inspection/interactions/{interaction.pk}/reveal/").status_code == 405
