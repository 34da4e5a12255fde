"""Field encryption and blind indexes for personal data (PIPL).

Values are encrypted with Fernet (AES-128-CBC + HMAC-SHA256, authenticated) under
MultiFernet: the first key in FIELD_ENCRYPTION_KEY encrypts, every listed key decrypts,
so keys rotate without downtime (`manage.py rotate_field_keys` re-encrypts old rows).
Exact lookups go through a keyed HMAC-SHA256 "blind index" of the normalized value,
never through the plaintext.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


def _fernet_key(raw: str) -> bytes:
    """Accept a Fernet key or any base64 32-byte secret; both become a valid Fernet key."""
    data = base64.urlsafe_b64decode(raw.encode() + b"=" * (-len(raw) % 4))
    if len(data) != 32:
        raise ValueError("FIELD_ENCRYPTION_KEY entries must be 32 bytes, base64-encoded")
    return base64.urlsafe_b64encode(data)


@lru_cache(maxsize=4)
def _cipher(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(_fernet_key(k)) for k in keys])


@lru_cache(maxsize=4)
def _newest(keys: tuple[str, ...]) -> Fernet:
    return Fernet(_fernet_key(keys[0]))


def cipher() -> MultiFernet:
    return _cipher(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(value: str) -> str:
    return cipher().encrypt(value.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return cipher().decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken as exc:  # wrong key or tampered value: never echo the token
        raise ValueError("personal data could not be decrypted with the configured keys") from exc


def rotate(token: str) -> str:
    """Re-encrypt a token under the newest key (no-op in meaning, new ciphertext)."""
    try:
        return cipher().rotate(token.encode("ascii")).decode("ascii")
    except InvalidToken as exc:
        raise ValueError("personal data could not be decrypted with the configured keys") from exc


def is_current(token: str) -> bool:
    """True if the newest key encrypted `token`: Fernet's HMAC verifies only under its own key."""
    try:
        _newest(tuple(settings.FIELD_ENCRYPTION_KEYS)).decrypt(token.encode("ascii"))
    except InvalidToken:
        return False
    return True


def rotate_if_stale(token: str) -> str | None:
    """The token re-encrypted under the newest key, or None if it already is (rotation stays idempotent)."""
    return None if is_current(token) else rotate(token)


def normalize(value: str) -> str:
    """Lookups ignore spaces, dashes and letter case (ID numbers end in X or x)."""
    return "".join(ch for ch in value if ch not in " -\t").upper()


def blind_index(value: str) -> str:
    key = hashlib.sha256(("xiaobao-blind-index:" + settings.BLIND_INDEX_KEY).encode()).digest()
    return hmac.new(key, normalize(value).encode("utf-8"), hashlib.sha256).hexdigest()
