"""The audit chain: append-only rows for every write and every reveal, hash-chained afterwards by one sealer.

`record()` is called inside the caller's transaction, so the audit row commits or rolls back with the write
it describes. It is a plain INSERT: no row is shared between writers, so one user's long transaction never
makes another user's write wait (a single locked "chain head" serialised every write of the system).

`seal()` gives committed rows their place in the chain afterwards, in order of id, in short batches: each
sealed row gets `seq` (1, 2, 3…), `prev_hash` (the previous sealed row's hash) and its own `hash`. Only the
sealer locks the chain head, so sealers take turns and writers never wait for them. The worker runs it every
few seconds (`tasks.seal_audit`); `manage.py audit_seal` runs it on demand. `verify_chain()` checks the
sealed chain end to end and reports the not-yet-sealed tail separately.
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
    _append(entry)
    return entry


@cache
def _insert_statement() -> tuple[str, list]:
    """The append, built once: every workflow step and audited write runs it, and the ORM's per-call query
    building was a third of a workflow step's time (benchmarks/)."""
    qn = connection.ops.quote_name
    table = qn(AuditEntry._meta.db_table)
    # seq and hash go in as NULL and prev_hash as "": the sealer fills them
    fields = [f for f in AuditEntry._meta.concrete_fields if not f.primary_key]
    # identifiers come from model metadata; values are always parameters
    columns, marks = ", ".join(qn(f.column) for f in fields), ", ".join(["%s"] * len(fields))
    return f"INSERT INTO {table} ({columns}) VALUES ({marks}) RETURNING {qn('id')}", fields  # noqa: S608


def _append(entry: AuditEntry) -> None:
    """Insert the row unsealed, in the caller's transaction (an autocommit statement outside one)."""
    insert, fields = _insert_statement()
    with connection.cursor() as cursor:
        cursor.execute(insert, [f.get_db_prep_save(f.value_from_object(entry), connection) for f in fields])
        entry.pk = cursor.fetchone()[0]
    entry._state.adding = False
    entry._state.db = connection.alias


# --- sealing --------------------------------------------------------------------------------------

SEAL_BATCH = 500


def _lock_head() -> tuple[int, str]:
    """The chain head, locked for this transaction (PostgreSQL; SQLite's IMMEDIATE transaction already is)."""
    AuditChainHead.objects.get_or_create(id=1)
    head = AuditChainHead.objects.select_for_update().get(id=1)
    return head.length, head.last_hash


def seal(*, batch_size: int = SEAL_BATCH, max_rows: int | None = None) -> int:
    """Chain every committed unsealed row, oldest id first, in transactions of `batch_size` rows; returns
    how many were sealed. Safe to run beside writers and beside another sealer (they take turns on the head).

    A row that carries a hash without a place in the chain was not written by `record()` (raw SQL around it):
    it is left alone, and `verify_chain` reports it.
    """
    qn = connection.ops.quote_name
    table = qn(AuditEntry._meta.db_table)
    update = (
        f"UPDATE {table} SET {qn('seq')} = %s, {qn('prev_hash')} = %s, {qn('hash')} = %s "  # noqa: S608
        f"WHERE {qn('id')} = %s AND {qn('seq')} IS NULL"
    )
    sealed = 0
    while max_rows is None or sealed < max_rows:
        size = batch_size if max_rows is None else min(batch_size, max_rows - sealed)
        with transaction.atomic():
            length, last_hash = _lock_head()
            batch = list(AuditEntry.objects.filter(seq__isnull=True, hash__isnull=True).order_by("id")[:size])
            if not batch:
                break
            params = []
            for entry in batch:
                length += 1
                entry.seq, entry.prev_hash = length, last_hash
                entry.hash = last_hash = compute_hash(entry.prev_hash, entry)
                params.append([entry.seq, entry.prev_hash, entry.hash, entry.pk])
            with connection.cursor() as cursor:
                cursor.executemany(update, params)
            AuditChainHead.objects.filter(id=1).update(length=length, last_hash=last_hash)
        sealed += len(batch)
        if len(batch) < size:
            break
    return sealed


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
    """What `verify_chain` found: `ok`, the sealed rows read, and the first broken row with the reason;
    `unsealed` rows (not yet chained, so not yet tamper-evident) and the oldest one's time, separately."""

    ok: bool
    rows: int
    last_hash: str
    broken_id: int | None = None
    problem: str = ""
    unsealed: int = 0
    oldest_unsealed_at: datetime | None = None


def _head() -> tuple[int, str]:
    head = AuditChainHead.objects.filter(id=1).values_list("length", "last_hash").first()
    return head or (0, GENESIS)


def _tail(report: ChainReport) -> ChainReport:
    """Add the unsealed tail to a report; a row with a hash but no place in the chain breaks it."""
    unsealed = AuditEntry.objects.filter(seq__isnull=True)
    foreign = unsealed.filter(hash__isnull=False).order_by("id").values_list("id", flat=True).first()
    if foreign is None:
        foreign = unsealed.exclude(prev_hash="").order_by("id").values_list("id", flat=True).first()
    if report.ok and foreign is not None:
        report.ok, report.broken_id = False, foreign
        report.problem = "row carries a hash but no place in the chain (written around audit.record())"
    report.unsealed = unsealed.count()
    report.oldest_unsealed_at = unsealed.order_by("id").values_list("at", flat=True).first()
    return report


def verify_chain(*, chunk_size: int = 2000) -> ChainReport:
    """Recompute the sealed chain in `seq` order, streaming, and report the first row that does not fit.

    Catches an edited row (its hash no longer matches its content), a deleted row (a gap in `seq`, or the
    next row's prev_hash points at nothing), rows deleted from the end, and rows inserted into the chain
    (by comparing with the chain head that `seal()` advances in the same transaction). Rows sealed while
    this runs are not mistaken for forgeries: the head is read before and after the scan. Unsealed rows are
    counted apart (`unsealed`); one that carries a hash was not written by `record()` and is reported.
    """
    length_before, hash_before = _head()
    prev_hash, rows, prev_id = GENESIS, 0, None
    sealed = AuditEntry.objects.filter(seq__isnull=False).order_by("seq")
    for entry in sealed.iterator(chunk_size=chunk_size):
        after = f"row {prev_id}" if prev_id is not None else "the start of the chain"
        if entry.seq != rows + 1:
            return _tail(
                ChainReport(
                    False,
                    rows,
                    prev_hash,
                    entry.id,
                    f"seq {entry.seq} does not follow {after} (seq {rows}): rows between them were deleted",
                )
            )
        if entry.prev_hash != prev_hash:
            return _tail(
                ChainReport(
                    False,
                    rows,
                    prev_hash,
                    entry.id,
                    f"prev_hash does not continue from {after} (a row before it was deleted or altered, "
                    "or this row was inserted out of chain)",
                )
            )
        if compute_hash(entry.prev_hash, entry) != entry.hash:
            return _tail(ChainReport(False, rows, prev_hash, entry.id, "content does not match its hash (row edited)"))
        prev_hash, prev_id = entry.hash, entry.id
        rows += 1
        if rows == length_before and prev_hash != hash_before:
            return _tail(ChainReport(False, rows, prev_hash, entry.id, "the chain head ends elsewhere (rows replaced)"))
    if rows < length_before:
        return _tail(
            ChainReport(
                False,
                rows,
                prev_hash,
                prev_id,
                f"the chain head records {length_before} rows but {rows} remain: rows after this one were deleted",
            )
        )
    length_after, hash_after = _head()
    if rows > length_after:
        first_extra = sealed.values_list("id", flat=True)[length_after]
        return _tail(
            ChainReport(False, rows, prev_hash, first_extra, "row is not in the chain head (inserted out of chain)")
        )
    if rows == length_after and prev_hash != hash_after:
        return _tail(ChainReport(False, rows, prev_hash, prev_id, "the chain head ends elsewhere (rows replaced)"))
    return _tail(ChainReport(True, rows, prev_hash))
