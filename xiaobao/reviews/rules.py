"""What a review's inputs must satisfy before anything is written: the form data against its form
version's fields, checklist results against its checklist, opinion fields, due days. Each refusal
carries a code from error_codes.py and names the field it is about.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from xiaobao.core.api_errors import BusinessRuleError, refusal
from xiaobao.core.models import Role, RoleAssignment
from xiaobao.reviews import error_codes as codes
from xiaobao.reviews.models import ConsumerRight, FormVersion, Opinion

MAX_DUE_DAYS = 60  # working days a review may be given
CHECKLIST_RESULTS = ("pass", "issue", "na")  # 符合 / 存在问题 / 不适用
FIELD_TYPES = ("text", "textarea", "date", "number", "choice", "boolean")

SUBMITTER_ROLE = "dept_clerk"  # 业务部门经办
REVIEWER_ROLE = "reviewer"  # 审查员
LEAD_ROLE = "hq_admin"  # 总公司消保管理员 (消保部): assigns, and acts as review lead (审查负责人) for re-reviews
COMMITTEE_ROLE = "committee_member"  # 消保委员会委员
SEE_ALL_ROLES = ("hq_admin", "management")  # 消保部, and the read-only management role


def role_codes(user) -> frozenset[str]:
    """The role codes a user holds (by group or by RoleAssignment), cached on the user object."""
    if user is None or not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = user.__dict__.get("_xiaobao_review_roles")
    if cached is None:
        held = set(Role.objects.filter(group__user=user).values_list("code", flat=True))
        held |= set(RoleAssignment.objects.filter(user=user).values_list("role__code", flat=True))
        cached = user.__dict__["_xiaobao_review_roles"] = frozenset(held)
    return cached


def is_lead(user) -> bool:
    """The 消保部 (hq_admin) — who assigns reviewers and re-reviews disputed opinions — or a superuser."""
    return bool(getattr(user, "is_superuser", False)) or LEAD_ROLE in role_codes(user)


def may_take(user, review, action: str) -> bool:
    """Whether the user is among those who ever take `action` (a name of api_outputs.ACTIONS) on this review,
    whatever its step now. Checked before the input and the step, so that anyone else hears 403, not a field
    error or "wrong step" (permission before state); the services decide again who holds the step now."""
    roles = role_codes(user)
    lead = is_lead(user)
    if action in ("assign", "rereview"):
        return lead
    if action == "return":  # 消保部 before assigning, the reviewer while reviewing
        return lead or REVIEWER_ROLE in roles
    if action in ("checklist", "opinions", "issue"):
        return REVIEWER_ROLE in roles and review.reviewer_id in (None, user.pk)
    if action == "committee":
        return COMMITTEE_ROLE in roles
    if action in ("resubmit", "respond"):  # the submitting department's clerks
        return review.submitter_id == user.pk or (SUBMITTER_ROLE in roles and user.department == review.department)
    if action == "withdraw":
        return review.submitter_id == user.pk or lead
    if action == "refresh":
        return lead or user.pk in (review.submitter_id, review.reviewer_id)
    raise ValueError(f"unknown review action {action!r}")


def clean_form_data(version: FormVersion, data: dict | None) -> dict:
    """`data` checked against the version's fields and normalised to JSON values.

    Refuses INVALID with a per-field list: an unknown field, a required field left empty, a value of
    the wrong type (a date not YYYY-MM-DD, a number that is not one, a choice not offered).
    """
    data = dict(data or {})
    problems: dict[str, list[str]] = {}
    known = {f["id"]: f for f in version.fields}
    for key in data:
        if key not in known:
            problems[key] = [codes.INVALID]
    cleaned: dict = {}
    for field_id, spec in known.items():
        value = data.get(field_id)
        if isinstance(value, str):
            value = value.strip()
        if value in (None, "", []) or (spec.get("type") == "boolean" and value is None):
            if spec.get("required") and spec.get("type") != "boolean":
                problems[field_id] = [codes.INVALID]
            continue
        try:
            cleaned[field_id] = _field_value(spec, value)
        except (TypeError, ValueError, InvalidOperation):
            problems[field_id] = [codes.INVALID]
    if problems:
        raise BusinessRuleError(codes.INVALID, _("请检查标红的表单字段。"), fields=problems)
    return cleaned


def _field_value(spec: dict, value):
    kind = spec.get("type", "text")
    if kind in ("text", "textarea"):
        text = str(value)
        if len(text) > (200 if kind == "text" else 5000):
            raise ValueError("too long")
        return text
    if kind == "date":
        if isinstance(value, datetime):
            value = value.date()
        return (value if isinstance(value, date) else date.fromisoformat(str(value))).isoformat()
    if kind == "number":
        if isinstance(value, bool):
            raise TypeError("a boolean is not a number")
        number = Decimal(str(value))
        if not number.is_finite():
            raise ValueError("not finite")
        return int(number) if number == number.to_integral_value() else float(number)
    if kind == "choice":
        if str(value) not in [str(c) for c in spec.get("choices", [])]:
            raise ValueError("not offered")
        return str(value)
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        if str(value).lower() in ("true", "1", "on", "yes"):
            return True
        if str(value).lower() in ("false", "0", "off", "no"):
            return False
        raise ValueError("not a boolean")
    raise ValueError(f"unknown field type {kind}")


def clean_checklist_results(version: FormVersion, results: dict | None) -> dict:
    """{item id: {"result": pass|issue|na, "note": str}} for items of the review's own checklist."""
    items = {item["id"] for item in version.checklist}
    problems: dict[str, list[str]] = {}
    cleaned: dict = {}
    for item_id, entry in (results or {}).items():
        entry = entry if isinstance(entry, dict) else {"result": entry}
        result, note = entry.get("result") or "", str(entry.get("note") or "").strip()
        if item_id not in items or (result and result not in CHECKLIST_RESULTS) or len(note) > 2000:
            problems[str(item_id)] = [codes.INVALID]
            continue
        if result or note:
            cleaned[item_id] = {"result": result, "note": note}
    if problems:
        raise BusinessRuleError(codes.INVALID, _("审查要点结果有误。"), fields=problems)
    return cleaned


def clean_opinion(
    version: FormVersion,
    *,
    kind: str,
    location: str,
    risk: str,
    suggestion: str,
    right: str,
    checklist_item: str,
    requires_change: bool,
) -> dict:
    """An opinion's fields, checked; its right defaults to the checklist item's."""
    values = {
        "kind": kind,
        "location": (location or "").strip(),
        "risk": (risk or "").strip(),
        "suggestion": (suggestion or "").strip(),
        "right": (right or "").strip(),
        "checklist_item": (checklist_item or "").strip(),
        "requires_change": bool(requires_change),
    }
    items = {item["id"]: item for item in version.checklist}
    problems: dict[str, list[str]] = {}
    if kind not in Opinion.Kind.values:
        problems["kind"] = [codes.INVALID]
    for name, limit in (("location", 200), ("risk", 5000), ("suggestion", 5000)):
        if not values[name] or len(values[name]) > limit:
            problems[name] = [codes.INVALID]
    if values["checklist_item"] and values["checklist_item"] not in items:
        problems["checklist_item"] = [codes.INVALID]
    if values["right"] and values["right"] not in ConsumerRight.values:
        problems["right"] = [codes.INVALID]
    # a general opinion is advice; only a substantive one binds a change that is verified before launch
    if values["requires_change"] and kind != Opinion.Kind.SUBSTANTIVE:
        problems["requires_change"] = [codes.INVALID]
    if problems:
        raise BusinessRuleError(codes.INVALID, _("请检查标红的意见字段。"), fields=problems)
    if not values["right"] and values["checklist_item"]:
        values["right"] = items[values["checklist_item"]].get("right", "")
    return values


def check_due_days(due_days) -> int:
    try:
        days = int(due_days)
    except (TypeError, ValueError):
        raise refusal(codes.BAD_DUE_DAYS, _("审查时限须为整数个工作日。"), field="due_days") from None
    if (isinstance(due_days, float) and days != due_days) or not 1 <= days <= MAX_DUE_DAYS:
        raise refusal(
            codes.BAD_DUE_DAYS,
            _("审查时限须在 1 到 %(max)s 个工作日之间。") % {"max": MAX_DUE_DAYS},
            field="due_days",
        )
    return days
