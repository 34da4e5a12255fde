"""What a document's inputs must satisfy before anything is written — its text (title, FAQ question and
answer, alternative phrasings) and its metadata (METADATA_FIELDS) — and how metadata changes are applied.
Each refusal carries a code and names the field it is about. The services (`knowledge.services`) call these.
"""

from __future__ import annotations

from datetime import date, datetime

from django.utils.translation import gettext as _

from xiaobao.core.api_errors import BusinessRuleError
from xiaobao.core.models import Role, User
from xiaobao.knowledge import error_codes as codes
from xiaobao.knowledge.models import Category, Document

METADATA_FIELDS = (
    "number",
    "issuing_department",
    "issuer",
    "effective_from",
    "repealed_on",
    "policy_status",
    "category",
    "tags",
    "visible_roles",
    "owner",
    "review_due_on",
)
TEXT_LIMITS = {"number": 60, "issuing_department": 100, "issuer": 100}
MAX_TAGS, MAX_TAG_LENGTH = 20, 30
MAX_ALTERNATIVES = 30


def refuse(code: str, detail: str, field: str = "", *, status: int = 400) -> BusinessRuleError:
    return BusinessRuleError(code, detail, fields={field: [code]} if field else None, status_code=status)


def clean_text(*, kind: str, title: str, question: str, answer: str, alternatives) -> dict:
    title = (title or "").strip()
    if not title or len(title) > 300:
        raise refuse(codes.INVALID, _("标题不能为空，且不超过300字。"), "title")
    question, answer = (question or "").strip(), (answer or "").strip()
    if kind == Document.Kind.FAQ and not (question and answer):
        raise refuse(codes.FAQ_NEEDS_QUESTION, _("FAQ 需要问题和答案。"), "question")
    if isinstance(alternatives, str):
        alternatives = alternatives.splitlines()
    cleaned = [a.strip() for a in alternatives or () if isinstance(a, str) and a.strip()]
    if len(cleaned) > MAX_ALTERNATIVES:
        raise refuse(codes.INVALID, _("相似问法最多%(n)s条。") % {"n": MAX_ALTERNATIVES}, "alternatives")
    return {"title": title, "question": question, "answer": answer, "alternatives": list(dict.fromkeys(cleaned))}


def clean_metadata(metadata: dict) -> dict:
    """Metadata checked and normalised; refuses INVALID naming the field (unknown names too)."""
    unknown = sorted(set(metadata) - set(METADATA_FIELDS))
    if unknown:
        raise refuse(codes.INVALID, _("未知的字段：%(names)s") % {"names": ", ".join(unknown)}, unknown[0])
    cleaned: dict = {}
    for field, value in metadata.items():
        if field in TEXT_LIMITS:
            value = (value or "").strip()
            if len(value) > TEXT_LIMITS[field]:
                raise refuse(codes.INVALID, _("内容过长。"), field)
        elif field in ("effective_from", "repealed_on", "review_due_on"):
            if value in ("", None):
                value = None
            elif isinstance(value, datetime) or not isinstance(value, date):
                raise refuse(codes.INVALID, _("日期格式有误。"), field)
        elif field == "policy_status":
            value = value or ""
            if value and value not in Document.PolicyStatus.values:
                raise refuse(codes.INVALID, _("未知的制度状态。"), field)
        elif field == "category":
            if value is not None and not isinstance(value, Category):
                raise refuse(codes.INVALID, _("未知的分类。"), field)
        elif field == "tags":
            if isinstance(value, str):
                value = value.replace("，", ",").split(",")
            value = list(dict.fromkeys(t.strip() for t in value or () if isinstance(t, str) and t.strip()))
            if len(value) > MAX_TAGS or any(len(t) > MAX_TAG_LENGTH for t in value):
                raise refuse(codes.INVALID, _("标签最多20个，每个不超过30字。"), field)
        elif field == "visible_roles":
            value = list(value or ())
            if any(not isinstance(r, Role) for r in value):
                raise refuse(codes.INVALID, _("未知的角色。"), field)
        elif field == "owner" and value is not None and (not isinstance(value, User) or not value.is_active):
            raise refuse(codes.INVALID, _("负责人不存在或已停用。"), field)
        cleaned[field] = value
    effective, repealed = cleaned.get("effective_from"), cleaned.get("repealed_on")
    if effective and repealed and repealed < effective:
        raise refuse(codes.INVALID, _("废止日期不能早于生效日期。"), "repealed_on")
    return cleaned


def apply_metadata(document: Document, metadata: dict) -> dict:
    """Write the changed metadata; returns {field: {"before", "after"}} (empty when nothing changed)."""
    changes: dict = {}
    fields = []
    for field, value in metadata.items():
        if field == "visible_roles":
            before = sorted(document.visible_roles.values_list("pk", flat=True))
            after = sorted(r.pk for r in value)
            if before != after:
                document.visible_roles.set(value)
                changes[field] = {"before": before, "after": after}
            continue
        before = getattr(document, field)
        if before != value:
            setattr(document, field, value)
            fields.append(field)
            changes[field] = {"before": _plain(before), "after": _plain(value)}
    if fields:
        document.save(update_fields=fields)
    return changes


def _plain(value):
    if isinstance(value, (Category, User)):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value
