"""Encrypted personal-data fields: ciphertext at rest, blind-index lookups, key rotation."""

from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings

from xiaobao.core import crypto, selectors, services
from xiaobao.core.models import AuditEntry, User

pytestmark = pytest.mark.django_db

MOBILE = "13812345678"
KEY_A = Fernet.generate_key().decode()
KEY_B = Fernet.generate_key().decode()


def stored_mobile(user) -> str:
    """The column as the database holds it, read around the ORM."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT mobile FROM {User._meta.db_table} WHERE id = %s", [user.pk])
        return cursor.fetchone()[0]


def rotate() -> str:
    out = StringIO()
    call_command("rotate_field_keys", "--batch-size", "1", stdout=out)
    return out.getvalue()


def test_database_holds_ciphertext_not_the_mobile(cast):
    services.user_set_mobile(user=cast.officer_a, actor=cast.hq_admin, mobile=MOBILE)
    raw = stored_mobile(cast.officer_a)
    assert MOBILE not in raw
    assert crypto.decrypt(raw) == MOBILE
    assert User.objects.get(pk=cast.officer_a.pk).mobile == MOBILE


def test_same_value_encrypts_differently_each_time():
    assert crypto.encrypt(MOBILE) != crypto.encrypt(MOBILE)


def test_tampered_ciphertext_is_refused_without_echoing_it():
    token = crypto.encrypt(MOBILE)
    forged = token[:-6] + ("AAAAAA" if not token.endswith("AAAAAA") else "BBBBBB")
    with pytest.raises(ValueError) as excinfo:
        crypto.decrypt(forged)
    assert forged not in str(excinfo.value)


def test_blind_index_ignores_spaces_dashes_and_case():
    assert crypto.blind_index("138 1234-5678") == crypto.blind_index(MOBILE)
    assert crypto.blind_index("11010119900307123x") == crypto.blind_index("11010119900307123X")


def test_blind_index_is_keyed_not_a_plain_hash():
    before = crypto.blind_index(MOBILE)
    with override_settings(BLIND_INDEX_KEY="another-deployment"):
        assert crypto.blind_index(MOBILE) != before


# --- lookups -------------------------------------------------------------------------------


@pytest.fixture
def mobiles(cast):
    services.user_set_mobile(user=cast.officer_a, actor=cast.hq_admin, mobile=MOBILE)
    services.user_set_mobile(user=cast.officer_b, actor=cast.hq_admin, mobile="13987654321")
    return cast


def test_lookup_by_mobile_finds_the_exact_user(mobiles):
    assert list(selectors.users_by_mobile(mobiles.hq_admin, "138-1234-5678")) == [mobiles.officer_a]


def test_lookup_by_mobile_finds_nothing_for_another_number(mobiles):
    assert not selectors.users_by_mobile(mobiles.hq_admin, "13812345679").exists()


def test_lookup_by_mobile_is_scoped_to_the_callers_org_units(mobiles):
    assert list(selectors.users_by_mobile(mobiles.officer_a, MOBILE)) == [mobiles.officer_a]
    assert not selectors.users_by_mobile(mobiles.officer_b, MOBILE).exists()
    assert not selectors.users_by_mobile(mobiles.outsider, MOBILE).exists()


# --- key rotation ----------------------------------------------------------------------------


@pytest.fixture
def under_key_a(cast):
    with override_settings(FIELD_ENCRYPTION_KEYS=[KEY_A]):
        services.user_set_mobile(user=cast.officer_a, actor=cast.hq_admin, mobile=MOBILE)
        services.user_set_mobile(user=cast.officer_b, actor=cast.hq_admin, mobile="13987654321")
    return cast


def test_rotation_re_encrypts_under_the_newest_key(under_key_a):
    cast = under_key_a
    token_before = stored_mobile(cast.officer_a)
    index_before = User.objects.filter(pk=cast.officer_a.pk).values_list("mobile_index", flat=True).get()
    with override_settings(FIELD_ENCRYPTION_KEYS=[KEY_B, KEY_A]):
        output = rotate()
    assert "core.User.mobile: 2 re-encrypted, 0 already under the newest key" in output
    assert stored_mobile(cast.officer_a) != token_before
    with override_settings(FIELD_ENCRYPTION_KEYS=[KEY_B]):
        assert User.objects.get(pk=cast.officer_a.pk).mobile == MOBILE
        assert User.objects.get(pk=cast.officer_b.pk).mobile == "13987654321"
        # The blind index is untouched, so lookups still work under the new key alone.
        assert User.objects.get(pk=cast.officer_a.pk).mobile_index == index_before
        assert list(selectors.users_by_mobile(cast.hq_admin, MOBILE)) == [cast.officer_a]


def test_old_key_alone_no_longer_decrypts_after_rotation(under_key_a):
    with override_settings(FIELD_ENCRYPTION_KEYS=[KEY_B, KEY_A]):
        rotate()
    with override_settings(FIELD_ENCRYPTION_KEYS=[KEY_A]), pytest.raises(ValueError):
        User.objects.get(pk=under_key_a.officer_a.pk)


def test_rotation_is_idempotent(under_key_a):
    with override_settings(FIELD_ENCRYPTION_KEYS=[KEY_B, KEY_A]):
        rotate()
        token = stored_mobile(under_key_a.officer_a)
        output = rotate()
    assert "core.User.mobile: 0 re-encrypted, 2 already under the newest key" in output
    assert stored_mobile(under_key_a.officer_a) == token


def test_rotation_writes_one_summary_audit_row(under_key_a):
    before = AuditEntry.objects.filter(action="crypto.rotate_field_keys").count()
    with override_settings(FIELD_ENCRYPTION_KEYS=[KEY_B, KEY_A]):
        rotate()
    rows = AuditEntry.objects.filter(action="crypto.rotate_field_keys")
    assert rows.count() == before + 1
    summary = rows.first().changes
    assert summary["columns"]["core.User.mobile"] == {"rotated": 2, "current": 0}
    assert MOBILE not in str(summary)


def test_rotation_fails_loudly_on_values_no_key_decrypts_and_leaves_them_alone(under_key_a):
    cast = under_key_a
    token_b = stored_mobile(cast.officer_b)
    # This run knows only key B, so officer_b's value (under A) cannot be rotated.
    with override_settings(FIELD_ENCRYPTION_KEYS=[KEY_B]):
        services.user_set_mobile(user=cast.officer_a, actor=cast.hq_admin, mobile=MOBILE)
        with pytest.raises(CommandError, match="1 values could not be decrypted"):
            rotate()
    assert stored_mobile(cast.officer_b) == token_b
    with override_settings(FIELD_ENCRYPTION_KEYS=[KEY_A]):
        assert User.objects.get(pk=cast.officer_b.pk).mobile == "13987654321"
