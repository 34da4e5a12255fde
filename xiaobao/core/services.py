"""Core write use cases. Every service writes its audit row in the same transaction."""

from __future__ import annotations

from typing import Any

from django.db import models, transaction

from xiaobao.core import audit, crypto
from xiaobao.core.models import User


def model_update(*, instance: models.Model, fields: list[str], data: dict[str, Any]) -> tuple[models.Model, bool, dict]:
    """Set only the listed fields present in `data`, validate, save those columns.

    Returns (instance, changed, diff) so callers can skip audit rows for edits that change nothing.
    """
    before = {f: getattr(instance, f) for f in fields if f in data}
    changed_fields = [f for f in before if before[f] != data[f]]
    for field in changed_fields:
        setattr(instance, field, data[field])
    if not changed_fields:
        return instance, False, {}
    instance.full_clean()
    instance.save(update_fields=changed_fields)
    return instance, True, {f: {"before": before[f], "after": data[f]} for f in changed_fields}


@transaction.atomic
def user_set_preferences(
    *, user: User, actor: User, care_mode: bool | None = None, language: str | None = None
) -> User:
    """Remember a user's care mode and interface language. Refuses a language not offered."""
    from django.conf import settings
    from django.core.exceptions import ValidationError

    data: dict[str, Any] = {}
    if care_mode is not None:
        data["care_mode"] = bool(care_mode)
    if language is not None:
        if language not in dict(settings.LANGUAGES):
            raise ValidationError({"language": "unsupported"}, code="unsupported_language")
        data["language"] = language
    user, changed, changes = model_update(instance=user, fields=["care_mode", "language"], data=data)
    if changed:
        audit.record(actor=actor, action="user.preferences", obj=user, changes=changes, org_unit=user.org_unit)
    return user


@transaction.atomic
def user_set_mobile(*, user: User, actor: User, mobile: str) -> User:
    """Store a user's mobile number encrypted with its blind index; the audit row holds it masked."""
    from xiaobao.core.masking import mask_phone

    user.mobile = mobile
    user.mobile_index = crypto.blind_index(mobile) if mobile else ""
    user.save(update_fields=["mobile", "mobile_index"])
    audit.record(
        actor=actor, action="user.mobile", obj=user, changes={"mobile": mask_phone(mobile)}, org_unit=user.org_unit
    )
    return user


@transaction.atomic
def personal_data_reveal(
    *, actor: User, obj: models.Model, field: str, reason: str, ip_address: str | None = None
) -> str:
    """Return the plaintext of one encrypted personal-data field and log the reveal (PIPL).

    Writes an audit row "personal_data.reveal" with the reason, the field name and the masked
    value, in the same transaction as the read. Refuses (BusinessRuleError, code from
    core.error_codes): a field that is not an encrypted personal-data field of the object
    (REVEAL_FIELD_NOT_PERSONAL); an object outside the actor's view scope, unless it is the
    actor's own record (REVEAL_NOT_ALLOWED, 403); a blank reason (REVEAL_REASON_REQUIRED) or one
    longer than 500 characters (REVEAL_REASON_TOO_LONG).
    """
    from xiaobao.core import error_codes as codes
    from xiaobao.core.api_errors import BusinessRuleError
    from xiaobao.core.fields import encrypted_fields
    from xiaobao.core.masking import mask_field_value
    from xiaobao.core.scope import scope_for

    if field not in {f.name for f in encrypted_fields(type(obj))}:
        raise BusinessRuleError(codes.REVEAL_FIELD_NOT_PERSONAL, f"{field} is not a personal-data field")
    is_self = isinstance(obj, User) and obj.pk == getattr(actor, "pk", None)
    org_unit = getattr(obj, "org_unit", None)
    scope = scope_for(actor, "view")
    in_scope = scope.everything or (org_unit is not None and scope.covers(org_unit.path))
    if not (is_self or in_scope):
        raise BusinessRuleError(codes.REVEAL_NOT_ALLOWED, "outside your data scope", status_code=403)
    reason = (reason or "").strip()
    if not reason:
        raise BusinessRuleError(codes.REVEAL_REASON_REQUIRED, "a reason is required to reveal personal data")
    if len(reason) > 500:
        raise BusinessRuleError(codes.REVEAL_REASON_TOO_LONG, "the reason is limited to 500 characters")
    # Reveal what is stored, not whatever the caller's instance holds in memory.
    value = type(obj)._base_manager.filter(pk=obj.pk).values_list(field, flat=True).first() or ""
    audit.record(
        actor=actor,
        action="personal_data.reveal",
        obj=obj,
        reason=reason,
        changes={"field": field, "value": mask_field_value(field, value)},
        ip_address=ip_address,
    )
    return value
