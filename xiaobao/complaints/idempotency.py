"""Idempotency keys on complaint registration (the CC system and the platform feeds retry on timeouts).

A key is remembered with the digest of everything the request asked for — every field as given and the bytes
of every file — so a retry with the same key is recognised as the same request, and the same key with any
other content (a changed text, phone number or amount as much as another subject) is refused instead of being
silently answered with the first complaint. The digest is taken over the parsed request, not its raw bytes:
a JSON client may reorder keys and a multipart client picks a new boundary on each retry, and neither makes
it another request.

The decision is the service's (complaint_register), so every caller gets the same rule: a key seen before
with the same digest is a replay (the complaint comes back marked `replayed`), with another digest it is
IDEMPOTENCY_KEY_REUSED (422). Two requests racing with one key meet at the key's unique index: the loser
reads the winner's row and is judged the same way. Keys stored before digests were kept (blank digest) are
compared by key alone.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from decimal import Decimal

from django.db.models import Model
from django.utils.translation import gettext as _

from xiaobao.complaints import error_codes as codes
from xiaobao.complaints.models import Complaint
from xiaobao.complaints.rules import refusal

FIELD = "Idempotency-Key"


def _plain(value):
    if isinstance(value, Model):
        return value.pk
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return value


def _file_digest(upload) -> list:
    sha = hashlib.sha256()
    if hasattr(upload, "seek"):
        upload.seek(0)
    for chunk in upload.chunks() if hasattr(upload, "chunks") else [upload.read()]:
        sha.update(chunk)
    if hasattr(upload, "seek"):
        upload.seek(0)  # the attachment check reads it again
    return [getattr(upload, "name", "") or "", sha.hexdigest()]


def request_digest(fields: dict, files=()) -> str:
    """SHA-256 over every field of the registration as given (models by id, times in ISO form) and every
    file's name and bytes, in a canonical order."""
    canonical = {name: _plain(value) for name, value in sorted(fields.items())}
    canonical["files"] = [_file_digest(f) for f in files]
    encoded = json.dumps(canonical, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


def registered_with(key: str) -> Complaint | None:
    """The complaint already registered under this (caller-namespaced) key, if any."""
    # the id first: nearly every key is new, and the query for a whole row costs several times the lookup
    found = Complaint.objects.filter(idempotency_key=key).values_list("pk", flat=True).first()
    return Complaint.objects.get(pk=found) if found is not None else None


def reused() -> Exception:
    return refusal(
        codes.IDEMPOTENCY_KEY_REUSED,
        _("该 Idempotency-Key 已用于另一份不同内容的投诉登记，请使用新的 Key。"),
        field=FIELD,
        status=422,
    )


def replay(found: Complaint, digest: str) -> Complaint:
    """The complaint registered under this key, if the request is the same one; else refused (422)."""
    if found.idempotency_digest and found.idempotency_digest != digest:
        raise reused()
    found.replayed = True
    return found
