"""The audit chain: append-only, hash-chained rows for every write and every reveal.

`record()` is called inside the caller's transaction, so the audit row commits or rolls
back with the write it describes. The chain head row is locked while appending
(`select_for_update`), so concurrent writers on PostgreSQL extend the chain one at a time.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

from django.db import transaction
from django.utils import timezone

from xiaobao.core.models import AuditChainHead, AuditEntry

GENESIS = "0" * 64


def _canonical(entry: AuditEntry) -> str:
    """The hashed content of a row: every field that tells what happened."""
    payload = {
        "at": entry.at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor": entry.actor_id,
        "actor_name": entry.actor_name,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "object_repr": entry.object_repr,
        "org_unit": entry.org_unit_id,
        "changes": entry.changes,
        "reason": entry.reason,
        "ip": entry.ip_address,
    }
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def compute_hash(prev_hash: str, entry: AuditEntry) -> str:
    return hashlib.sha256((prev_hash + _canonical(entry)).encode("utf-8")).hexdigest()


def record(
    *,
    actor,
    action: str,
    obj=None,
    changes: dict | None = None,
    reason: str = "",
    org_unit=None,
    ip_address: str | None = None,
    at: datetime | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
) -> AuditEntry:
    """Append one audit row. `changes` is a before/after summary; never put personal data in it unmasked."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:200]
        if org_unit is None:
            org_unit = getattr(obj, "org_unit", None)
    actor_obj = actor if getattr(actor, "is_authenticated", False) else None
    entry = AuditEntry(
        at=at or timezone.now(),
        actor=actor_obj,
        actor_name=str(actor_obj) if actor_obj else (str(actor) if actor else "system"),
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr,
        org_unit=org_unit if getattr(org_unit, "pk", None) else None,
        changes=json.loads(json.dumps(changes or {}, default=str, ensure_ascii=False)),
        reason=reason,
        ip_address=ip_address,
    )
    with transaction.atomic():
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(id=1)
        entry.prev_hash = head.last_hash
        entry.hash = compute_hash(head.last_hash, entry)
        entry.save(force_insert=True)
        head.last_hash = entry.hash
        head.length += 1
        head.save(update_fields=["last_hash", "length"])
    return entry


def diff(before: dict, after: dict) -> dict:
    """A compact before/after summary of the fields that changed."""
    return {k: {"before": before.get(k), "after": after.get(k)} for k in after if before.get(k) != after.get(k)}
