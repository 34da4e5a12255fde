"""Knowledge use cases. This increment: `document_create` (how the demo corpus and tests write documents),
which publishes the first version and puts it in the search index in the same transaction.

Editing, approval of internal policies and archiving come with the pages and the API in a later increment;
whatever publishes or supersedes a version calls `search.index_version` / `search.unindex_document` as here.
"""

from __future__ import annotations

from datetime import date, datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xiaobao.core import audit
from xiaobao.core.api_errors import BusinessRuleError
from xiaobao.core.models import OrgUnit
from xiaobao.knowledge import error_codes as codes
from xiaobao.knowledge import search
from xiaobao.knowledge.models import Category, Document, DocumentVersion

__all__ = ["document_create"]


def _refuse(code: str, detail: str, field: str) -> BusinessRuleError:
    return BusinessRuleError(code, detail, fields={field: [code]})


@transaction.atomic
def document_create(
    *,
    actor,
    kind: str,
    title: str,
    body: str = "",
    question: str = "",
    answer: str = "",
    alternatives=(),
    org_unit: OrgUnit,
    category: Category | None = None,
    tags=(),
    number: str = "",
    issuing_department: str = "",
    issuer: str = "",
    effective_from: date | None = None,
    policy_status: str = "",
    visible_roles=(),
    publish: bool = True,
    now: datetime | None = None,
) -> Document:
    """Create a document with its first version; with `publish` (the default) the version is published,
    becomes current and is indexed for search. Without it the version stays a draft, unsearchable.

    Refuses, writing nothing: INVALID (unknown kind or policy status, blank or too long title),
    FAQ_NEEDS_QUESTION (an FAQ without question or answer). No permission check: the callers are the
    demo corpus loader and other services, which check their own.
    """
    now = now or timezone.now()
    title = (title or "").strip()
    if kind not in Document.Kind.values:
        raise _refuse(codes.INVALID, _("未知的文档类型。"), "kind")
    if not title or len(title) > 300:
        raise _refuse(codes.INVALID, _("标题不能为空，且不超过300字。"), "title")
    if policy_status and policy_status not in Document.PolicyStatus.values:
        raise _refuse(codes.INVALID, _("未知的制度状态。"), "policy_status")
    if kind == Document.Kind.FAQ and not (question.strip() and answer.strip()):
        raise _refuse(codes.FAQ_NEEDS_QUESTION, _("FAQ 需要问题和答案。"), "question")
    document = Document.objects.create(
        kind=kind,
        title=title,
        number=number,
        issuing_department=issuing_department,
        issuer=issuer,
        effective_from=effective_from,
        policy_status=policy_status,
        category=category,
        tags=list(tags),
        org_unit=org_unit,
        owner=actor if getattr(actor, "is_authenticated", False) else None,
        created_at=now,
        updated_at=now,
    )
    if visible_roles:
        document.visible_roles.set(visible_roles)
    version = DocumentVersion.objects.create(
        document=document,
        number=1,
        title=title,
        body=body,
        question=question.strip(),
        answer=answer.strip(),
        alternatives=[a.strip() for a in alternatives if a and a.strip()],
        status=DocumentVersion.Status.PUBLISHED if publish else DocumentVersion.Status.DRAFT,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        created_at=now,
        published_at=now if publish else None,
    )
    if publish:
        document.current_version = version
        document.save(update_fields=["current_version"])
        search.index_version(version)
    audit.record(
        actor=actor,
        action="knowledge.document_create",
        obj=document,
        changes={"kind": kind, "title": title, "published": publish},
        at=now,
    )
    return document
