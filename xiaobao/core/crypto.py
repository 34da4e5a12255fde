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
    return cipher().rotate(token.encode("ascii")).decode("ascii")


def normalize(value: str) -> str:
    """Lookups ignore spaces, dashes and letter case (ID numbers end in X or x)."""
    return "".join(ch for ch in value if ch not in " -\t").upper()


def blind_index(value: str) -> str:
    key = hashlib.sha256(("xiaobao-blind-index:" + settings.BLIND_INDEX_KEY).encode()).digest()
    return hmac.new(key, normalize(value).encode("utf-8"), hashlib.sha256).hexdigest()
