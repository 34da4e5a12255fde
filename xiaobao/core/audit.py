"""The audit chain: append-only, hash-chained rows for every write and every reveal.

`record()` is called inside the caller's transaction, so the audit row commits or rolls
back with the write it describes. The chain head row is locked while appending
(`select_for_update`), so concurrent writers on PostgreSQL extend the chain one at a time.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache

from django.db import connection, transaction
from django.utils import timezone

from xiaobao.core.masking import mask_text
from xiaobao.core.models import AuditChainHead, AuditEntry, OrgUnit

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
    """Append one audit row. `changes` is a before/after summary; never put personal data in it unmasked.

    As a second line of defence, ID numbers, bank cards and mobiles found in `changes`,
    `reason` and `object_repr` are masked before the row is hashed and stored.
    """
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:200]
        if org_unit is None:
            # An org unit is scoped by itself, so the audit selector shows its rows to the right people.
            org_unit = obj if isinstance(obj, OrgUnit) else getattr(obj, "org_unit", None)
    actor_obj = actor if getattr(actor, "is_authenticated", False) else None
    entry = AuditEntry(
        at=at or timezone.now(),
        actor=actor_obj,
        actor_name=str(actor_obj) if actor_obj else (str(actor) if actor else "system"),
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=mask_text(object_repr),
        org_unit=org_unit if getattr(org_unit, "pk", None) else None,
        # The JSON round trip makes the hashed value equal what the database gives back.
        changes=_mask_leaves(json.loads(json.dumps(changes or {}, default=str, ensure_ascii=False))),
        reason=mask_text(reason),
        ip_address=_canonical_ip(ip_address),
    )
    # No savepoint: record() runs inside its caller's transaction, and a failure here must undo the
    # caller's write anyway; outside one, this opens the transaction.
    with transaction.atomic(savepoint=False):
        _append(entry)
    return entry


@cache
def _statements(vendor: str) -> tuple[str, str, str, list]:
    """The three statements of an append, built once: every workflow step and audited write runs them,
    so the ORM's per-call query building was a third of a workflow step's time (benchmarks/)."""
    qn = connection.ops.quote_name
    head, table = qn(AuditChainHead._meta.db_table), qn(AuditEntry._meta.db_table)
    fields = [f for f in AuditEntry._meta.concrete_fields if not f.primary_key]
    # SQLite transactions here start IMMEDIATE (settings), which already serialises writers.
    lock = " FOR UPDATE" if vendor == "postgresql" else ""
    select = f"SELECT last_hash, length FROM {head} WHERE id = 1{lock}"  # noqa: S608 (model metadata only)
    # identifiers come from model metadata; values are always parameters
    columns, marks = ", ".join(qn(f.column) for f in fields), ", ".join(["%s"] * len(fields))
    insert = f"INSERT INTO {table} ({columns}) VALUES ({marks}) RETURNING {qn('id')}"  # noqa: S608
    update = f"UPDATE {head} SET last_hash = %s, length = length + 1 WHERE id = 1"  # noqa: S608
    return select, insert, update, fields


def _append(entry: AuditEntry) -> None:
    """Lock the chain head, chain the row to it, insert the row and advance the head."""
    select, insert, update, fields = _statements(connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(select)
        row = cursor.fetchone()
        if row is None:  # the first row ever: create the head, then lock it as usual
            AuditChainHead.objects.get_or_create(id=1)
            cursor.execute(select)
            row = cursor.fetchone()
        entry.prev_hash = row[0]
        entry.hash = compute_hash(entry.prev_hash, entry)
        cursor.execute(insert, [f.get_db_prep_save(f.value_from_object(entry), connection) for f in fields])
        entry.pk = cursor.fetchone()[0]
        entry._state.adding = False
        entry._state.db = connection.alias
        cursor.execute(update, [entry.hash])


_DIGEST = re.compile(r"[0-9a-f]{32,128}")


def _mask_leaves(value):
    if isinstance(value, str):
        # a hex digest (a file's sha256) is not personal data, though a run of its digits can look like a mobile
        return value if _DIGEST.fullmatch(value) else mask_text(value)
    if isinstance(value, dict):
        return {k: _mask_leaves(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask_leaves(v) for v in value]
    return value


def _canonical_ip(value: str | None) -> str | None:
    # PostgreSQL's inet gives addresses back in canonical form; hash that form, or the row would not verify.
    if not value:
        return None
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return value


def diff(before: dict, after: dict) -> dict:
    """A compact before/after summary of the fields that changed."""
    return {k: {"before": before.get(k), "after": after.get(k)} for k in after if before.get(k) != after.get(k)}


@dataclass
class ChainReport:
    """What `verify_chain` found: `ok`, the rows read, and the first broken row with the reason."""

    ok: bool
    rows: int
    last_hash: str
    broken_id: int | None = None
    problem: str = ""


def _head() -> tuple[int, str]:
    head = AuditChainHead.objects.filter(id=1).values_list("length", "last_hash").first()
    return head or (0, GENESIS)


def verify_chain(*, chunk_size: int = 2000) -> ChainReport:
    """Recompute the chain in id order, streaming, and report the first row that does not fit.

    Catches an edited row (its hash no longer matches its content), a deleted row (the next
    row's prev_hash points at nothing), rows deleted from the end, and rows inserted out of
    chain (by comparing with the chain head that `record()` advances in the same transaction).
    Rows appended while this runs are not mistaken for forgeries: the head is read before
    and after the scan.
    """
    length_before, hash_before = _head()
    prev_hash, rows, prev_id = GENESIS, 0, None
    for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=chunk_size):
        if entry.prev_hash != prev_hash:
            after = f"row {prev_id}" if prev_id is not None else "the start of the chain"
            return ChainReport(
                False,
                rows,
                prev_hash,
                entry.id,
                f"prev_hash does not continue from {after} (a row before it was deleted or altered, "
                "or this row was inserted out of chain)",
            )
        if compute_hash(entry.prev_hash, entry) != entry.hash:
            return ChainReport(False, rows, prev_hash, entry.id, "content does not match its hash (row edited)")
        prev_hash, prev_id = entry.hash, entry.id
        rows += 1
        if rows == length_before and prev_hash != hash_before:
            return ChainReport(False, rows, prev_hash, entry.id, "the chain head ends elsewhere (rows replaced)")
    if rows < length_before:
        return ChainReport(
            False,
            rows,
            prev_hash,
            prev_id,
            f"the chain head records {length_before} rows but {rows} remain: rows after this one were deleted",
        )
    length_after, hash_after = _head()
    if rows > length_after:
        first_extra = AuditEntry.objects.order_by("id").values_list("id", flat=True)[length_after]
        return ChainReport(False, rows, prev_hash, first_extra, "row is not in the chain head (inserted out of chain)")
    if rows == length_after and prev_hash != hash_after:
        return ChainReport(False, rows, prev_hash, prev_id, "the chain head ends elsewhere (rows replaced)")
    return ChainReport(True, rows, prev_hash)
