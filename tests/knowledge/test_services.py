"""Writing documents: new documents, edits (every text edit a version), metadata edits, archiving — and the
refusals, each leaving nothing written."""

from __future__ import annotations

from datetime import date

import pytest

from xiaobao.core.api_errors import BusinessRuleError
from xiaobao.core.models import AuditEntry
from xiaobao.core.roles import role_group
from xiaobao.knowledge import error_codes as codes
from xiaobao.knowledge import search, services
from xiaobao.knowledge.models import Document, DocumentVersion

from .conftest import create


def titles(page) -> list[str]:
    return [hit.title for hit in page.hits]


@pytest.fixture
def script(cast, terms):
    return create(cast, kind=Document.Kind.SCRIPT, title="退保沟通话术", body="先了解客户退保原因。")


def test_edit_of_a_script_publishes_a_new_version_at_once(cast, script):
    old = script.current_version
    version = services.document_edit(
        document=script, actor=cast.hq_admin, title="退保挽留话术", body="先倾听，再说明犹豫期。", change_note="改标题"
    )
    script.refresh_from_db()
    old.refresh_from_db()
    assert (version.number, version.status) == (2, DocumentVersion.Status.PUBLISHED)
    assert script.current_version == version and script.title == "退保挽留话术"
    assert old.status == DocumentVersion.Status.SUPERSEDED
    assert version.created_by == cast.hq_admin and version.change_note == "改标题"
    assert titles(search.search(cast.hq_admin, "挽留")) == ["退保挽留话术"]
    assert AuditEntry.objects.filter(action="knowledge.document_edit", object_id=str(script.pk)).exists()


def test_every_text_edit_adds_one_version(cast, script):
    for n in range(3):
        services.document_edit(document=script, actor=cast.hq_admin, title=f"话术{n}", body="正文")
    assert list(script.versions.values_list("number", flat=True).order_by("number")) == [1, 2, 3, 4]


def test_a_metadata_edit_without_new_text_makes_no_version(cast, script):
    version = services.document_edit(
        document=script,
        actor=cast.hq_admin,
        title=script.title,
        body=script.current_version.body,
        tags=["知情权", "退保"],
    )
    script.refresh_from_db()
    assert version == script.current_version and script.versions.count() == 1
    assert script.tags == ["知情权", "退保"]
    assert AuditEntry.objects.filter(action="knowledge.document_update", object_id=str(script.pk)).exists()


def test_document_update_changes_metadata_and_the_index_follows(cast, kb):
    services.document_update(
        document=kb.hq_refund, actor=cast.hq_admin, policy_status=Document.PolicyStatus.REPEALED, number="XB-9"
    )
    kb.hq_refund.refresh_from_db()
    assert kb.hq_refund.policy_status == Document.PolicyStatus.REPEALED and kb.hq_refund.versions.count() == 1
    found = search.search(cast.hq_admin, "犹豫期退保管理办法", filters={"policy_status": "repealed"})
    assert kb.hq_refund.pk in [hit.document_id for hit in found.hits]


def test_edit_with_an_older_base_version_is_refused(cast, script):
    services.document_edit(document=script, actor=cast.hq_admin, title="第二版", body="x", base_version=1)
    with pytest.raises(BusinessRuleError) as refused:
        services.document_edit(document=script, actor=cast.hq_admin, title="第三版", body="y", base_version=1)
    assert refused.value.error_code == services.STALE_VERSION and refused.value.status_code == 409
    assert script.versions.count() == 2


def test_a_reader_without_write_permission_may_not_edit(cast, script):
    with pytest.raises(BusinessRuleError) as refused:
        services.document_edit(document=script, actor=cast.officer_a, title="改", body="改")
    assert refused.value.error_code == services.NOT_ALLOWED and refused.value.status_code == 403
    assert script.versions.count() == 1


def test_read_only_management_may_not_edit(cast, script):
    with pytest.raises(BusinessRuleError) as refused:
        services.document_edit(document=script, actor=cast.manager, title="改", body="改")
    assert refused.value.error_code == services.NOT_ALLOWED


def test_a_writer_outside_the_owning_unit_may_not_edit(cast, kb):
    # a branch officer given knowledge write rights reaches their own branch only
    group = role_group("branch_officer")
    from django.contrib.auth.models import Permission

    group.permissions.add(*Permission.objects.filter(codename__in=["add_document", "change_document"]))
    cast.officer_a = type(cast.officer_a).objects.get(pk=cast.officer_a.pk)  # fresh permission cache
    services.document_edit(document=kb.branch_a_rule, actor=cast.officer_a, title="北京细则（修订）", body="新")
    with pytest.raises(BusinessRuleError) as refused:
        services.document_edit(document=kb.branch_b_rule, actor=cast.officer_a, title="河北细则（改）", body="新")
    assert refused.value.error_code == services.NOT_ALLOWED
    assert kb.branch_b_rule.versions.count() == 1


def test_blank_title_and_faq_without_answer_are_refused(cast, kb):
    with pytest.raises(BusinessRuleError) as refused:
        services.document_edit(document=kb.script, actor=cast.hq_admin, title="  ", body="x")
    assert refused.value.error_code == codes.INVALID and "title" in refused.value.fields
    with pytest.raises(BusinessRuleError) as refused:
        services.document_edit(document=kb.faq, actor=cast.hq_admin, title="问", question="问？", answer="")
    assert refused.value.error_code == codes.FAQ_NEEDS_QUESTION
    assert kb.faq.versions.count() == 1 and kb.script.versions.count() == 1


def test_unknown_or_bad_metadata_is_refused_naming_the_field(cast, script):
    with pytest.raises(BusinessRuleError) as refused:
        services.document_edit(document=script, actor=cast.hq_admin, title="x", body="y", kind="faq")
    assert refused.value.fields == {"kind": [codes.INVALID]}
    with pytest.raises(BusinessRuleError) as refused:
        services.document_update(
            document=script, actor=cast.hq_admin, effective_from=date(2024, 2, 1), repealed_on=date(2024, 1, 1)
        )
    assert "repealed_on" in refused.value.fields
    script.refresh_from_db()
    assert script.effective_from is None and script.versions.count() == 1


def test_faq_edit_keeps_question_answer_and_alternatives(cast, kb):
    version = services.document_edit(
        document=kb.faq,
        actor=cast.hq_admin,
        title="犹豫期退保退多少",
        question="犹豫期退保退多少钱？",
        answer="退还全部保费，扣除不超过10元工本费。",
        alternatives="冷静期退保退全款吗\n  \n犹豫期内解约怎么退",
    )
    assert version.alternatives == ["冷静期退保退全款吗", "犹豫期内解约怎么退"]
    assert [a.question for a in search.answer(cast.hq_admin, "犹豫期内解约怎么退")][:1] == ["犹豫期退保退多少钱？"]


def test_document_new_publishes_a_script_and_checks_the_writer(cast, terms):
    document = services.document_new(
        actor=cast.hq_admin,
        org_unit=cast.hq,
        kind=Document.Kind.SCRIPT,
        title="双录告知话术",
        body="请告知客户本次销售过程将被录音录像。",
        tags="双录, 知情权",
    )
    assert document.current_version.status == DocumentVersion.Status.PUBLISHED
    assert document.tags == ["双录", "知情权"] and document.owner == cast.hq_admin
    with pytest.raises(BusinessRuleError) as refused:
        services.document_new(actor=cast.officer_a, org_unit=cast.branch_a, kind="script", title="x", body="y")
    assert refused.value.error_code == services.NOT_ALLOWED
    assert not Document.objects.filter(title="x").exists()


def test_archive_hides_the_document_from_search_and_refuses_edits(cast, kb):
    services.document_archive(document=kb.script, actor=cast.hq_admin)
    kb.script.refresh_from_db()
    assert kb.script.is_archived
    assert kb.script.pk not in [hit.document_id for hit in search.search(cast.hq_admin, "沟通话术").hits]
    with pytest.raises(BusinessRuleError) as refused:
        services.document_edit(document=kb.script, actor=cast.hq_admin, title="再改", body="x")
    assert refused.value.error_code == services.ARCHIVED
    with pytest.raises(BusinessRuleError) as refused:
        services.document_archive(document=kb.script, actor=cast.hq_admin)
    assert refused.value.error_code == services.ARCHIVED


def test_archive_needs_write_rights(cast, kb):
    with pytest.raises(BusinessRuleError) as refused:
        services.document_archive(document=kb.script, actor=cast.officer_a)
    assert refused.value.error_code == services.NOT_ALLOWED
    kb.script.refresh_from_db()
    assert not kb.script.is_archived
