"""Publishing an internal policy's new version: PENDING, an approval process (knowledge_policy_publish) for
head office's 消保管理员, readers and search on the old version until approval; approve or reject."""

from __future__ import annotations

import pytest

from xiaobao.core.api_errors import BusinessRuleError
from xiaobao.core.models import Notification
from xiaobao.knowledge import search, selectors, services, versions
from xiaobao.knowledge.models import Document, DocumentVersion
from xiaobao.workflow import selectors as workflow_selectors
from xiaobao.workflow import services as workflow
from xiaobao.workflow.exceptions import WorkflowError

from .conftest import create


@pytest.fixture
def policy(cast, terms):
    return create(
        cast,
        title="投诉处理管理办法",
        body="第一条 投诉应当在十五日内办结。",
        number="XB-2024-007",
        policy_status=Document.PolicyStatus.CURRENT,
    )


def edit(policy, actor, body="第一条 投诉应当建立台账，逐件登记。", **kwargs):
    return services.document_edit(document=policy, actor=actor, title=policy.title, body=body, **kwargs)


def ids(user, query) -> list[int]:
    return [hit.version_id for hit in search.search(user, query).hits]


def test_a_policy_edit_waits_for_approval_and_readers_keep_the_old_version(cast, policy):
    current = policy.current_version
    version = edit(policy, cast.hq_admin)
    policy.refresh_from_db()
    assert version.status == DocumentVersion.Status.PENDING
    assert policy.current_version == current
    assert ids(cast.officer_a, "十五日内办结") == [current.pk]
    assert ids(cast.officer_a, "台账") == []
    instance = workflow_selectors.running_instances_for_object(policy, process_key=services.PROCESS_KEY).get()
    task = services.approval_task(policy)
    assert task.instance_id == instance.pk and task.candidate_role.code == "hq_admin"
    assert task.org_unit == cast.hq and task.due_at is not None
    assert [t.pk for t in workflow_selectors.inbox(cast.hq_admin)] == [task.pk]


def test_only_one_version_may_wait_for_approval(cast, policy):
    edit(policy, cast.hq_admin)
    with pytest.raises(BusinessRuleError) as refused:
        edit(policy, cast.hq_admin, body="第一条 投诉应当在五日内办结。")
    assert refused.value.error_code == services.PENDING_EXISTS and refused.value.status_code == 409
    assert policy.versions.count() == 2


def test_approval_publishes_the_version_and_search_follows(cast, policy):
    old = policy.current_version
    version = edit(policy, cast.hq_admin, change_note="缩短时限")
    services.version_approve(version=version, actor=cast.hq_admin, comment="同意")
    policy.refresh_from_db()
    version.refresh_from_db()
    old.refresh_from_db()
    assert policy.current_version == version and version.status == DocumentVersion.Status.PUBLISHED
    assert version.published_at is not None and old.status == DocumentVersion.Status.SUPERSEDED
    assert ids(cast.officer_a, "台账") == [version.pk]
    assert ids(cast.officer_a, "十五日内办结") == []
    assert services.approval_task(policy) is None
    assert not workflow_selectors.running_instances_for_object(policy).exists()
    decided = versions.decisions(cast.hq_admin, policy)[2]
    assert decided.approved and decided.comment == "同意"
    # a new version may be edited once the pending one is decided
    assert edit(policy, cast.hq_admin, body="第一条 投诉应当在七日内办结。").number == 3


def test_rejection_keeps_the_current_version_and_records_the_reason(cast, policy):
    current = policy.current_version
    version = edit(policy, cast.hq_admin)
    services.version_reject(version=version, actor=cast.hq_admin, reason="与监管时限不一致")
    policy.refresh_from_db()
    version.refresh_from_db()
    assert version.status == DocumentVersion.Status.REJECTED and policy.current_version == current
    assert ids(cast.officer_a, "台账") == []
    decided = versions.decisions(cast.hq_admin, policy)[2]
    assert not decided.approved and decided.comment == "与监管时限不一致"
    assert Notification.objects.filter(recipient=cast.hq_admin, kind="knowledge.rejected").exists()


def test_the_refused_text_saved_again_is_a_new_request_for_approval(cast, policy):
    refused_version = edit(policy, cast.hq_admin)
    services.version_reject(version=refused_version, actor=cast.hq_admin, reason="请补充依据")
    again = edit(policy, cast.hq_admin)  # the same text as the refused version
    assert again.number == refused_version.number + 1 and again.status == DocumentVersion.Status.PENDING
    assert services.approval_task(policy) is not None


def test_rejection_needs_a_reason(cast, policy):
    version = edit(policy, cast.hq_admin)
    with pytest.raises(BusinessRuleError) as refused:
        services.version_reject(version=version, actor=cast.hq_admin, reason="  ")
    assert refused.value.error_code == services.REASON_REQUIRED
    version.refresh_from_db()
    assert version.status == DocumentVersion.Status.PENDING


def test_only_the_approver_role_may_decide(cast, policy):
    version = edit(policy, cast.hq_admin)
    for person in (cast.officer_a, cast.manager, cast.outsider):
        with pytest.raises(BusinessRuleError) as refused:
            services.version_approve(version=version, actor=person)
        assert refused.value.error_code == services.NOT_ALLOWED and refused.value.status_code == 403
    version.refresh_from_db()
    assert version.status == DocumentVersion.Status.PENDING


def test_a_decided_version_cannot_be_decided_again(cast, policy):
    version = edit(policy, cast.hq_admin)
    services.version_approve(version=version, actor=cast.hq_admin)
    with pytest.raises(BusinessRuleError) as refused:
        services.version_reject(version=version, actor=cast.hq_admin, reason="晚了")
    assert refused.value.error_code == services.NOT_PENDING and refused.value.status_code == 409


def test_the_generic_task_page_cannot_complete_the_approval(cast, policy):
    edit(policy, cast.hq_admin)
    with pytest.raises(WorkflowError):
        workflow.complete(task=services.approval_task(policy), user=cast.hq_admin, data={"approved": True})
    assert services.pending_version(policy) is not None


def test_a_new_policy_is_unread_until_its_first_version_is_approved(cast, terms):
    document = services.document_new(
        actor=cast.hq_admin, org_unit=cast.hq, kind=Document.Kind.POLICY, title="适老化服务管理办法", body="老年客户"
    )
    assert document.current_version is None
    assert not selectors.documents_for(cast.officer_a).filter(pk=document.pk).exists()
    services.version_approve(version=document.versions.get(), actor=cast.hq_admin)
    assert selectors.documents_for(cast.officer_a).filter(pk=document.pk).exists()


def test_archiving_cancels_a_pending_approval(cast, policy):
    version = edit(policy, cast.hq_admin)
    services.document_archive(document=policy, actor=cast.hq_admin)
    version.refresh_from_db()
    assert version.status == DocumentVersion.Status.DRAFT
    assert services.approval_task(policy) is None
    assert not workflow_selectors.running_instances_for_object(policy).exists()


def test_the_demo_history_loads_once(db):
    from xiaobao.demo import core as core_demo
    from xiaobao.demo import knowledge as demo
    from xiaobao.demo import knowledge_versions as demo_versions

    core_demo.load()
    first = demo.load()  # the corpus, then demo_versions.load() at its end
    assert first["versions"] == 3 and first["reminders"] == 2
    policies = Document.objects.filter(kind=Document.Kind.POLICY, versions__number=3).distinct()
    assert [p.versions.get(number=3).status for p in policies] == [DocumentVersion.Status.PENDING]
    assert DocumentVersion.objects.filter(status=DocumentVersion.Status.REJECTED).count() == 1
    assert demo_versions.load() == {"versions": 0, "reminders": 0}
