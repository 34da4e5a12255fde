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
