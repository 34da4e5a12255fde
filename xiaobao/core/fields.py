"""Model fields for personal data: stored encrypted, read back as plaintext in Python.

Use with a separate `*_index` CharField filled by `blind_index()` for exact lookups.
Templates, logs and exports must show `masking.mask_*` of the value, never the value.
"""

from django.db import models

from xiaobao.core import crypto


class EncryptedTextField(models.TextField):
    description = "Text encrypted at rest (Fernet)"

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return crypto.decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return crypto.encrypt(value)


def encrypted_fields(model) -> list[EncryptedTextField]:
    """The model's own encrypted columns (what key rotation and reveal work on)."""
    return [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
