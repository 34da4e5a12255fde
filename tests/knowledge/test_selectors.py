"""selectors: who reads and who writes which document, versions, categories."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404

from tests.knowledge.conftest import create
from xiaobao.core.models import RoleAssignment
from xiaobao.core.roles import role_group
from xiaobao.knowledge import selectors
from xiaobao.knowledge.models import Category, DocumentVersion

pytestmark = pytest.mark.django_db


def readable(user) -> set[int]:
    return set(selectors.documents_for(user).values_list("pk", flat=True))


def test_a_branch_reads_head_office_its_own_and_below_but_not_another_branch(cast, kb):
    sub = create(cast, org_unit=cast.sub_a, title="朝阳支公司双录操作指引")
    seen = readable(cast.officer_a)
    assert {kb.hq_refund.pk, kb.branch_a_rule.pk, sub.pk} <= seen
    assert kb.branch_b_rule.pk not in seen
    assert sub.pk not in readable(cast.officer_b)


def test_a_role_assignment_extends_reading(cast, kb):
    RoleAssignment.objects.create(user=cast.officer_a, role=role_group("branch_officer").role, org_unit=cast.branch_b)
    assert kb.branch_b_rule.pk in readable(cast.officer_a)


def test_visible_roles_narrow_readers(cast, kb):
    assert kb.restricted.pk in readable(cast.hq_admin)
    assert kb.restricted.pk not in readable(cast.manager)
    assert kb.restricted.pk not in readable(cast.officer_a)


def test_company_wide_scope_reads_every_branch(cast, kb):
    assert {kb.branch_a_rule.pk, kb.branch_b_rule.pk} <= readable(cast.manager)


def test_no_permission_or_not_signed_in_reads_nothing(cast, kb):
    assert readable(cast.outsider) == set()
    assert readable(AnonymousUser()) == set()
    assert readable(None) == set()


def test_archived_and_unpublished_documents_are_hidden_from_readers(cast, kb):
    draft = create(cast, title="草稿", publish=False)
    kb.script.is_archived = True
    kb.script.save(update_fields=["is_archived"])
    assert not {draft.pk, kb.script.pk} & readable(cast.officer_a)
    # the people who may change them still reach them
    assert selectors.get_document_for_user(cast.hq_admin, draft.pk, for_write=True) == draft
    assert selectors.get_document_for_user(cast.hq_admin, kb.script.pk) == kb.script
    with pytest.raises(Http404):
        selectors.get_document_for_user(cast.officer_a, draft.pk)


def test_change_scope(cast, kb):
    writable = set(selectors.documents_for(cast.hq_admin, action="change").values_list("pk", flat=True))
    assert {kb.hq_refund.pk, kb.branch_b_rule.pk, kb.restricted.pk} <= writable
    assert not selectors.documents_for(cast.manager, action="change").exists()  # read-only role
    assert not selectors.documents_for(cast.officer_a, action="change").exists()  # no change permission
    assert selectors.may_change(cast.hq_admin, kb.hq_refund)
    assert not selectors.may_change(cast.manager, kb.hq_refund)
    with pytest.raises(ValueError):
        selectors.documents_for(cast.hq_admin, action="delete")


def test_get_document_for_user_404_outside_reach_403_when_read_only(cast, kb):
    assert selectors.get_document_for_user(cast.officer_a, kb.branch_a_rule.pk) == kb.branch_a_rule
    for pk in (kb.branch_b_rule.pk, 10**9, "abc", None):
        with pytest.raises(Http404):
            selectors.get_document_for_user(cast.officer_a, pk)
    with pytest.raises(Http404):
        selectors.get_document_for_user(cast.outsider, kb.hq_refund.pk)
    with pytest.raises(PermissionDenied):
        selectors.get_document_for_user(cast.manager, kb.hq_refund.pk, for_write=True)
    assert selectors.get_document_for_user(cast.hq_admin, kb.hq_refund.pk, for_write=True) == kb.hq_refund


def test_versions_newest_first_and_get_version(cast, kb):
    document = kb.branch_a_rule
    first = document.current_version
    first.status = DocumentVersion.Status.SUPERSEDED
    first.save(update_fields=["status"])
    second = DocumentVersion.objects.create(
        document=document, number=2, title="新", status=DocumentVersion.Status.PUBLISHED, created_at=first.created_at
    )
    pending = DocumentVersion.objects.create(
        document=document, number=3, title="审批中", status=DocumentVersion.Status.PENDING, created_at=first.created_at
    )
    assert list(selectors.versions_of(document)) == [pending, second, first]
    assert list(selectors.versions_of(document, readable_only=True)) == [second, first]
    assert selectors.get_version(document, 2) == second
    assert selectors.get_version(document, "1") == first
    assert selectors.get_version(document, second.pk, by_pk=True) == second
    for bad in (9, "x", kb.hq_refund.current_version.number + 10):
        with pytest.raises(Http404):
            selectors.get_version(document, bad)
    with pytest.raises(Http404):  # another document's version
        selectors.get_version(document, kb.hq_refund.current_version.pk, by_pk=True)


def test_category_choices_in_tree_order(kb):
    Category.objects.create(name="子分类", parent=kb.complaints_cat)
    labels = [label for _pk, label in selectors.category_choices()]
    assert labels.index("监管制度") < labels.index("— 投诉处理") < labels.index("— — 子分类")
    assert "常见问题" in labels
