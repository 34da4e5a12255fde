"""Knowledge use cases: creating documents, editing them (every text edit is a new version), publishing an
internal policy's new version through approval (`knowledge_policy_publish`, processes/policy_publish.bpmn),
metadata edits and archiving. Periodic-review reminders are in `reminders`.

Every function is one transaction: the document and version rows, the search index entries (same database),
the workflow step and the audit row commit together or not at all. Whatever publishes or supersedes a version
calls `search.index_version`; whatever hides a document calls `search.unindex_document`. Input checks (text,
metadata) and the refusal codes are in `rules`.

Who may write: `knowledge.add_document` / `knowledge.change_document` AND the document's unit inside the
writer's write scope. Who may approve: whoever may do the open approval task (the BPMN's candidate role,
head office's 消保管理员); the process is completeOn=object, so approval goes through these services.
"""

from __future__ import annotations

from datetime import date, datetime

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from xiaobao.core import audit
from xiaobao.core import services as core_services
from xiaobao.core.models import OrgUnit, User
from xiaobao.core.scope import scope_for
from xiaobao.knowledge import error_codes as codes
from xiaobao.knowledge import rules, search
from xiaobao.knowledge.error_codes import (  # the codes, importable from here as the services' refusals
    ARCHIVED,
    NOT_ALLOWED,
    NOT_PENDING,
    PENDING_EXISTS,
    REASON_REQUIRED,
    STALE_VERSION,
)
from xiaobao.knowledge.models import Category, Document, DocumentVersion
from xiaobao.knowledge.selectors import CHANGE_PERMISSION
from xiaobao.workflow import selectors as workflow_selectors
from xiaobao.workflow import services as workflow
from xiaobao.workflow.objects import ProcessObject

__all__ = [
    "document_archive",
    "document_create",
    "document_edit",
    "document_new",
    "document_update",
    "version_approve",
    "version_reject",
    "version_submit",
]

PROCESS_KEY = "knowledge_policy_publish"
APPROVE_TASK = "approve"
#: the approve task's candidate role in processes/policy_publish.bpmn: who ever decides a policy version
APPROVER_ROLE = "hq_admin"
ADD_PERMISSION = "knowledge.add_document"


def _user(actor) -> User | None:
    return actor if getattr(actor, "is_authenticated", False) else None


def may_write(user, org_unit: OrgUnit, *, action: str = "change") -> bool:
    """Whether `user` may create (action="add") or edit ("change") documents owned by `org_unit`."""
    permission = ADD_PERMISSION if action == "add" else CHANGE_PERMISSION
    if not (user and getattr(user, "is_authenticated", False) and user.is_active and user.has_perm(permission)):
        return False
    return scope_for(user, action).covers(org_unit.path)


def _check_writer(actor, org_unit: OrgUnit, *, action: str = "change") -> None:
    if not may_write(actor, org_unit, action=action):
        raise rules.refuse(NOT_ALLOWED, _("您没有编辑该机构知识文档的权限。"), status=403)


# The document as a business object running its publishing process; its services look the approval task up
# themselves (a version not pending is NOT_PENDING, a task the actor may not do is NOT_ALLOWED).
DOCUMENT = ProcessObject(Document, process_key=PROCESS_KEY, related=("org_unit",))


def _latest(document: Document) -> DocumentVersion | None:
    return document.versions.order_by("-number").first()


def pending_version(document: Document) -> DocumentVersion | None:
    return document.versions.filter(status=DocumentVersion.Status.PENDING).order_by("-number").first()


def _same_text(version: DocumentVersion | None, text: dict, body: str) -> bool:
    if version is None:
        return False
    return (
        version.title == text["title"]
        and version.body == body
        and version.question == text["question"]
        and version.answer == text["answer"]
        and list(version.alternatives or []) == text["alternatives"]
    )


def _publish(document: Document, version: DocumentVersion, now: datetime) -> None:
    """The version becomes the document's current one; the old current is kept as searchable history."""
    if document.current_version_id and document.current_version_id != version.pk:
        DocumentVersion.objects.filter(pk=document.current_version_id).update(status=DocumentVersion.Status.SUPERSEDED)
    version.status = DocumentVersion.Status.PUBLISHED
    version.published_at = now
    version.save(update_fields=["status", "published_at"])
    document.current_version = version
    document.title = version.title
    document.updated_at = now
    document.save(update_fields=["current_version", "title", "updated_at"])
    search.index_version(version)


def _submit(document: Document, version: DocumentVersion, actor, now: datetime) -> None:
    """An internal policy's version waits for approval: PENDING, and the approval process starts."""
    version.status = DocumentVersion.Status.PENDING
    version.save(update_fields=["status"])
    workflow.start(
        process_key=PROCESS_KEY,
        business_object=document,
        actor=actor,
        data={
            "document_id": document.pk,
            "version_id": version.pk,
            "version_number": version.number,
            "approved": False,
        },
        now=now,
    )
    audit.record(
        actor=actor,
        action="knowledge.version_submit",
        obj=document,
        changes={"version": version.number},
        at=now,
    )


def version_submit(*, document: Document, version: DocumentVersion, actor, now: datetime | None = None) -> None:
    """Send an internal policy's draft version to publishing approval (the import does, for a policy file
    it is asked to publish). Runs in the caller's transaction; the caller has checked the writer."""
    _submit(document, version, actor, now or timezone.now())


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
    source_name: str = "",
    owner=None,
    review_due_on: date | None = None,
    repealed_on: date | None = None,
    change_note: str = "",
) -> Document:
    """Create a document with its first version; with `publish` (the default) the version is published,
    becomes current and is indexed for search. Without it the version stays a draft, unsearchable.

    Refuses, writing nothing: INVALID (unknown kind or policy status, blank or too long title),
    FAQ_NEEDS_QUESTION (an FAQ without question or answer). No permission check: the callers are the
    demo corpus loader, the importer and `document_new`, which check their own.
    """
    now = now or timezone.now()
    if kind not in Document.Kind.values:
        raise rules.refuse(codes.INVALID, _("未知的文档类型。"), "kind")
    text = rules.clean_text(kind=kind, title=title, question=question, answer=answer, alternatives=alternatives)
    if policy_status and policy_status not in Document.PolicyStatus.values:
        raise rules.refuse(codes.INVALID, _("未知的制度状态。"), "policy_status")
    document = Document.objects.create(
        kind=kind,
        title=text["title"],
        number=number,
        issuing_department=issuing_department,
        issuer=issuer,
        effective_from=effective_from,
        repealed_on=repealed_on,
        policy_status=policy_status,
        category=category,
        tags=list(tags),
        org_unit=org_unit,
        owner=owner if owner is not None else _user(actor),
        review_due_on=review_due_on,
        created_at=now,
        updated_at=now,
    )
    if visible_roles:
        document.visible_roles.set(visible_roles)
    version = DocumentVersion.objects.create(
        document=document,
        number=1,
        body=body or "",
        **text,
        source_name=(source_name or "")[:200],
        change_note=(change_note or "").strip()[:300],
        status=DocumentVersion.Status.PUBLISHED if publish else DocumentVersion.Status.DRAFT,
        created_by=_user(actor),
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
        changes={"kind": kind, "title": text["title"], "published": publish},
        at=now,
    )
    return document


@transaction.atomic
def document_new(
    *,
    actor,
    org_unit: OrgUnit,
    kind: str,
    title: str,
    body: str = "",
    question: str = "",
    answer: str = "",
    alternatives=(),
    change_note: str = "",
    now: datetime | None = None,
    **metadata,
) -> Document:
    """A person writes a new document (pages and API). Kinds other than 内部制度 are published at once; a new
    internal policy's first version waits for approval like any later one (nobody reads it before then).

    Refuses, writing nothing: NOT_ALLOWED (403: without knowledge.add_document, or `org_unit` outside the
    actor's write scope), INVALID (kind, title, metadata; the field is named), FAQ_NEEDS_QUESTION.
    """
    now = now or timezone.now()
    _check_writer(actor, org_unit, action="add")
    cleaned = rules.clean_metadata(metadata)
    roles = cleaned.pop("visible_roles", ())
    is_policy = kind == Document.Kind.POLICY
    document = document_create(
        actor=actor,
        kind=kind,
        title=title,
        body=body,
        question=question,
        answer=answer,
        alternatives=alternatives,
        org_unit=org_unit,
        visible_roles=roles,
        publish=not is_policy,
        change_note=change_note,
        now=now,
        **{"tags": (), **cleaned},
    )
    if is_policy:
        _submit(document, document.versions.get(number=1), actor, now)
    return document


@transaction.atomic
def document_edit(
    *,
    document: Document,
    actor,
    title: str,
    body: str = "",
    question: str = "",
    answer: str = "",
    alternatives=(),
    change_note: str = "",
    base_version: int | None = None,
    now: datetime | None = None,
    **metadata,
) -> DocumentVersion:
    """Edit a document: a changed text makes a new version (number + 1); metadata (METADATA_FIELDS) is
    written on the document itself. Other kinds: the new version is published at once (the old current one
    is superseded, kept as history). 内部制度: the new version is PENDING and the approval process starts;
    readers and search keep the current version until it is approved. The same text with new metadata makes
    no version and returns the latest one. `base_version` (the number the editor started from) guards
    against overwriting someone else's edit.

    Refuses, writing nothing: NOT_ALLOWED (403), ARCHIVED (409), STALE_VERSION (409: a newer version exists
    than `base_version`), PENDING_EXISTS (409: an internal policy already has a version waiting for approval),
    INVALID (title, alternatives, metadata), FAQ_NEEDS_QUESTION.
    """
    now = now or timezone.now()
    document = DOCUMENT.lock(document)
    _check_writer(actor, document.org_unit)
    if document.is_archived:
        raise rules.refuse(ARCHIVED, _("文档已归档，不能编辑。"), status=409)
    text = rules.clean_text(
        kind=document.kind, title=title, question=question, answer=answer, alternatives=alternatives
    )
    body = (body or "").replace("\r\n", "\n")
    cleaned = rules.clean_metadata(metadata)
    latest = _latest(document)
    if base_version is not None and latest is not None and latest.number != int(base_version):
        raise rules.refuse(
            STALE_VERSION,
            _("该文档在您打开后已保存了新版本（第%(n)s版），请刷新后再改。") % {"n": latest.number},
            status=409,
        )
    # after a rejection the text to compare with is what readers have, not the refused draft: saving the
    # refused text again (perhaps with the approver's point answered elsewhere) is a new request
    reference = latest
    if latest is not None and latest.status == DocumentVersion.Status.REJECTED:
        reference = document.current_version
    text_changed = not _same_text(reference, text, body)
    if text_changed and pending_version(document) is not None:
        raise rules.refuse(PENDING_EXISTS, _("已有新版本在审批中，审批完成后才能再修改正文。"), status=409)
    changes = rules.apply_metadata(document, cleaned)
    if not text_changed:
        if changes:
            document.updated_at = now
            document.save(update_fields=["updated_at"])
            search.refresh_document(document)
            audit.record(actor=actor, action="knowledge.document_update", obj=document, changes=changes, at=now)
        return latest
    version = DocumentVersion.objects.create(
        document=document,
        number=(document.versions.aggregate(n=Max("number"))["n"] or 0) + 1,
        body=body,
        **text,
        change_note=(change_note or "").strip()[:300],
        status=DocumentVersion.Status.DRAFT,
        created_by=_user(actor),
        created_at=now,
    )
    if changes:
        search.refresh_document(document)
    if document.kind == Document.Kind.POLICY:
        document.updated_at = now
        document.save(update_fields=["updated_at"])
        _submit(document, version, actor, now)
    else:
        _publish(document, version, now)
    audit.record(
        actor=actor,
        action="knowledge.document_edit",
        obj=document,
        changes={**changes, "version": version.number, "status": version.status},
        at=now,
    )
    return version


@transaction.atomic
def document_update(*, document: Document, actor, now: datetime | None = None, **metadata) -> Document:
    """Change a document's metadata (METADATA_FIELDS) without touching its text: no new version.

    Refuses, writing nothing: NOT_ALLOWED (403), ARCHIVED (409), INVALID (the field is named).
    """
    now = now or timezone.now()
    document = DOCUMENT.lock(document)
    _check_writer(actor, document.org_unit)
    if document.is_archived:
        raise rules.refuse(ARCHIVED, _("文档已归档，不能编辑。"), status=409)
    changes = rules.apply_metadata(document, rules.clean_metadata(metadata))
    if changes:
        document.updated_at = now
        document.save(update_fields=["updated_at"])
        search.refresh_document(document)
        audit.record(actor=actor, action="knowledge.document_update", obj=document, changes=changes, at=now)
    return document


# --- approval ------------------------------------------------------------------------------------------


def approval_task(document: Document):
    """The open approval task of the document's pending version, or None."""
    return workflow_selectors.open_tasks_for_object(document, APPROVE_TASK, process_key=PROCESS_KEY).first()


def may_ever_decide(actor) -> bool:
    """Whether the actor is among those who decide policy versions (the approve task's candidate role), whatever
    a version's status: anyone else hears 403 before the version's state or the request's fields are checked."""
    from xiaobao.core.models import Role

    if actor is None or not actor.is_authenticated:
        return False
    return actor.is_superuser or Role.objects.filter(code=APPROVER_ROLE, group__user=actor).exists()


def _decide(version: DocumentVersion, actor, *, approved: bool, comment: str, now: datetime):
    if not may_ever_decide(actor):  # permission before state
        raise rules.refuse(NOT_ALLOWED, _("您不能审批该版本。"), status=403)
    document = DOCUMENT.lock(version.document_id)
    version = DocumentVersion.objects.select_for_update().get(pk=version.pk)
    if version.status != DocumentVersion.Status.PENDING:
        raise rules.refuse(
            NOT_PENDING,
            _("该版本不在审批中（%(status)s），请刷新页面。") % {"status": version.get_status_display()},
            status=409,
        )
    task = approval_task(document)
    if task is None or not workflow_selectors.may_act(actor, task):
        raise rules.refuse(NOT_ALLOWED, _("您不能审批该版本。"), status=403)
    DOCUMENT.complete(task, actor=actor, data={"approved": approved, "comment": comment}, comment=comment, now=now)
    return document, version


def _tell_author(version: DocumentVersion, document: Document, *, kind: str, title: str, body: str) -> None:
    if version.created_by_id is None:
        return
    core_services.notify(
        recipients=[version.created_by],
        kind=f"knowledge.{kind}",
        level="info" if kind == "approved" else "warning",
        title=title,
        body=body,
        url=document.get_absolute_url(),
        obj=document,
        email=True,
    )


@transaction.atomic
def version_approve(
    *, version: DocumentVersion, actor, comment: str = "", now: datetime | None = None
) -> DocumentVersion:
    """Approve a pending internal-policy version: it is published, becomes current and is searched; the
    version it replaces is superseded (kept as history). Completes the approval task.

    Refuses, writing nothing: NOT_PENDING (409: not waiting for approval, e.g. already decided),
    NOT_ALLOWED (403: the actor may not do the approval task).
    """
    now = now or timezone.now()
    comment = (comment or "").strip()
    document, version = _decide(version, actor, approved=True, comment=comment, now=now)
    _publish(document, version, now)
    audit.record(
        actor=actor,
        action="knowledge.version_approve",
        obj=document,
        changes={"version": version.number},
        reason=comment,
        at=now,
    )
    _tell_author(
        version,
        document,
        kind="approved",
        title=_("制度新版本已发布：%(title)s") % {"title": document.title[:150]},
        body=_("第%(n)s版已审批通过并发布。") % {"n": version.number},
    )
    return version


@transaction.atomic
def version_reject(*, version: DocumentVersion, actor, reason: str, now: datetime | None = None) -> DocumentVersion:
    """Reject a pending internal-policy version: it becomes REJECTED; the current version stays what readers
    and search see. The reason is the approval task's comment (in the process history) and the audit row.

    Refuses, writing nothing: REASON_REQUIRED, NOT_PENDING (409), NOT_ALLOWED (403).
    """
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise rules.refuse(REASON_REQUIRED, _("请说明退回理由。"), "reason")
    document, version = _decide(version, actor, approved=False, comment=reason, now=now)
    version.status = DocumentVersion.Status.REJECTED
    version.save(update_fields=["status"])
    audit.record(
        actor=actor,
        action="knowledge.version_reject",
        obj=document,
        changes={"version": version.number},
        reason=reason,
        at=now,
    )
    _tell_author(
        version,
        document,
        kind="rejected",
        title=_("制度新版本未通过审批：%(title)s") % {"title": document.title[:150]},
        body=_("第%(n)s版被退回：%(reason)s") % {"n": version.number, "reason": reason[:200]},
    )
    return version


@transaction.atomic
def document_archive(*, document: Document, actor, now: datetime | None = None) -> Document:
    """Archive a document: it leaves search (its index entries go) and the lists; its versions stay. A
    version waiting for approval goes back to draft and its approval process is cancelled.

    Refuses, writing nothing: NOT_ALLOWED (403), ARCHIVED (409: already archived).
    """
    now = now or timezone.now()
    document = DOCUMENT.lock(document)
    _check_writer(actor, document.org_unit)
    if document.is_archived:
        raise rules.refuse(ARCHIVED, _("文档已归档。"), status=409)
    for instance in workflow_selectors.running_instances_for_object(document, process_key=PROCESS_KEY):
        workflow.cancel(instance=instance, actor=actor, reason=_("文档已归档"), now=now, app_checked=True)
    document.versions.filter(status=DocumentVersion.Status.PENDING).update(status=DocumentVersion.Status.DRAFT)
    document.is_archived = True
    document.updated_at = now
    document.save(update_fields=["is_archived", "updated_at"])
    search.unindex_document(document)
    audit.record(actor=actor, action="knowledge.document_archive", obj=document, at=now)
    return document
