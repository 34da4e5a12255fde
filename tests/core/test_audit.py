"""The audit chain: appended without a shared lock, sealed in order afterwards, refused to the ORM and admin,
verified by `audit_verify`."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse

from xiaobao.core import audit, services
from xiaobao.core.models import AuditChainHead, AuditEntry, AuditLogImmutableError, User

pytestmark = pytest.mark.django_db

TABLE = AuditEntry._meta.db_table
COLUMNS = (
    "at, actor_id, actor_name, action, object_type, object_id, object_repr, org_unit_id, changes, reason, ip_address"
)


@pytest.fixture
def rows(cast):
    """Five sealed rows, oldest first (after any rows the migrations and the cast wrote)."""
    written = [
        audit.record(actor=cast.hq_admin, action=f"test.step{i}", obj=cast.officer_a, changes={"n": {"after": i}})
        for i in range(5)
    ]
    audit.seal()
    return list(AuditEntry.objects.filter(pk__in=[r.pk for r in written]).order_by("seq"))


def sql(statement, params=()):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def verify():
    out = StringIO()
    call_command("audit_verify", "--chunk-size", "2", stdout=out)
    return out.getvalue()


def broken_id():
    with pytest.raises(CommandError) as excinfo:
        verify()
    assert excinfo.value.returncode == 1  # manage.py exits with this status
    return int(str(excinfo.value).split("row id ")[1].split(":")[0])


# --- the chain -------------------------------------------------------------------------


def test_a_write_appends_its_row_unsealed_without_touching_the_chain_head(cast):
    audit.seal()
    head_before = AuditChainHead.objects.values_list("length", "last_hash").get()
    entry = audit.record(actor=cast.hq_admin, action="test.step")
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert (stored.seq, stored.hash, stored.prev_hash) == (None, None, "")
    # no row shared by every writer: the head is the sealer's alone
    assert AuditChainHead.objects.values_list("length", "last_hash").get() == head_before


def test_the_sealer_chains_rows_in_order_and_each_extends_the_previous_one(cast):
    audit.seal()
    length, head_before = AuditChainHead.objects.values_list("length", "last_hash").get()
    written = [audit.record(actor=cast.hq_admin, action=f"test.step{i}") for i in range(3)]
    assert audit.seal(batch_size=2) == 3  # two transactions, one chain
    rows = list(AuditEntry.objects.filter(pk__in=[r.pk for r in written]).order_by("seq"))
    assert [r.pk for r in rows] == [r.pk for r in written]
    assert [r.seq for r in rows] == [length + 1, length + 2, length + 3]
    assert rows[0].prev_hash == head_before
    assert [r.prev_hash for r in rows[1:]] == [r.hash for r in rows[:-1]]
    assert all(r.hash == audit.compute_hash(r.prev_hash, r) for r in rows)
    assert AuditChainHead.objects.get().last_hash == rows[-1].hash


def test_sealing_again_seals_nothing_more(rows):
    head = AuditChainHead.objects.values_list("length", "last_hash").get()
    assert audit.seal() == 0
    assert AuditChainHead.objects.values_list("length", "last_hash").get() == head


def test_a_rolled_back_write_leaves_no_row_to_seal(cast):
    from django.db import transaction

    audit.seal()
    with pytest.raises(RuntimeError), transaction.atomic():
        audit.record(actor=cast.hq_admin, action="test.undone")
        raise RuntimeError("the write failed")
    assert audit.seal() == 0
    assert not AuditEntry.objects.filter(action="test.undone").exists()


def test_row_records_actor_object_action_and_changes(cast, rows):
    row = AuditEntry.objects.get(pk=rows[2].pk)
    assert (row.actor, row.actor_name, row.action) == (cast.hq_admin, "李晓梅", "test.step2")
    assert (row.object_type, row.object_id, row.org_unit) == ("core.user", str(cast.officer_a.pk), cast.branch_a)
    assert row.changes == {"n": {"after": 2}}


def test_record_masks_personal_data_that_slips_into_changes(cast):
    entry = audit.record(actor=cast.hq_admin, action="test.leak", changes={"note": "客户手机13812345678"})
    assert AuditEntry.objects.get(pk=entry.pk).changes == {"note": "客户手机138****5678"}


def test_a_file_digest_is_kept_whole_though_its_digits_look_like_a_mobile(cast):
    digest = "c99e8dd2fee2ab13799396666a" + "0" * 38  # a sha256 with "13799396666" inside
    entry = audit.record(actor=cast.hq_admin, action="test.file", changes={"sha256": digest, "note": "a13799396666b"})
    stored = AuditEntry.objects.get(pk=entry.pk).changes
    assert stored["sha256"] == digest
    assert stored["note"] == "a137****6666b"  # any other text is still masked


def test_user_set_mobile_audits_the_mobile_only_masked(cast):
    services.user_set_mobile(user=cast.officer_a, actor=cast.hq_admin, mobile="13812345678")
    row = AuditEntry.objects.get(action="user.mobile")
    assert row.changes == {"mobile": "138****5678"}
    stored = json.dumps(list(AuditEntry.objects.values()), default=str, ensure_ascii=False)
    assert "13812345678" not in stored


# --- the ORM refuses to rewrite history --------------------------------------------------


def test_saving_an_existing_row_is_refused(rows):
    row = AuditEntry.objects.get(pk=rows[0].pk)
    row.action = "rewritten"
    with pytest.raises(AuditLogImmutableError):
        row.save()
    assert AuditEntry.objects.get(pk=rows[0].pk).action == "test.step0"


def test_deleting_a_row_is_refused(rows):
    with pytest.raises(AuditLogImmutableError):
        rows[0].delete()
    assert AuditEntry.objects.filter(pk=rows[0].pk).exists()


def test_queryset_update_is_refused(rows):
    with pytest.raises(AuditLogImmutableError):
        AuditEntry.objects.filter(pk=rows[0].pk).update(action="rewritten")
    assert AuditEntry.objects.filter(action="rewritten").count() == 0


def test_queryset_delete_is_refused(rows):
    count = AuditEntry.objects.count()
    with pytest.raises(AuditLogImmutableError):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.count() == count


def test_bulk_update_is_refused(rows):
    rows[0].action = "rewritten"
    with pytest.raises(AuditLogImmutableError):
        AuditEntry.objects.bulk_update([rows[0]], ["action"])


def test_rows_outside_the_chain_cannot_be_created(rows):
    with pytest.raises(AuditLogImmutableError):
        AuditEntry.objects.create(at=rows[0].at, action="forged")
    with pytest.raises(AuditLogImmutableError):
        AuditEntry.objects.bulk_create([AuditEntry(at=rows[0].at, action="forged", prev_hash="0", hash="1")])
    assert verify().startswith("OK")


# --- the admin is read-only, superusers included --------------------------------------------


@pytest.fixture
def superuser_client(client, cast):
    root = User.objects.create_superuser(username="root", password="Root-Passw0rd!", org_unit=cast.hq)
    client.force_login(root)
    return client


def test_superuser_may_view_an_audit_row_in_admin(superuser_client, rows):
    response = superuser_client.get(reverse("admin:core_auditentry_change", args=[rows[0].pk]))
    assert response.status_code == 200


def test_superuser_change_post_is_refused(superuser_client, rows):
    url = reverse("admin:core_auditentry_change", args=[rows[0].pk])
    response = superuser_client.post(url, {"action": "rewritten", "actor_name": "x"})
    assert response.status_code == 403
    assert AuditEntry.objects.get(pk=rows[0].pk).action == "test.step0"


@pytest.mark.parametrize("method", ["get", "post"])
def test_superuser_delete_view_is_refused(superuser_client, rows, method):
    url = reverse("admin:core_auditentry_delete", args=[rows[0].pk])
    response = getattr(superuser_client, method)(url, {"post": "yes"})
    assert response.status_code == 403
    assert AuditEntry.objects.filter(pk=rows[0].pk).exists()


def test_superuser_bulk_delete_action_does_nothing(superuser_client, rows):
    url = reverse("admin:core_auditentry_changelist")
    superuser_client.post(url, {"action": "delete_selected", "_selected_action": [r.pk for r in rows], "post": "yes"})
    assert AuditEntry.objects.filter(pk__in=[r.pk for r in rows]).count() == 5


def test_superuser_add_is_refused(superuser_client, rows):
    assert superuser_client.get(reverse("admin:core_auditentry_add")).status_code == 403


# --- audit_verify -------------------------------------------------------------------------


def test_verify_reports_ok_with_row_count(rows):
    output = verify()
    assert output.startswith("OK") and f"{AuditEntry.objects.count()} rows" in output
    assert "unsealed tail: 0 rows" in output


def test_verify_reports_the_unsealed_tail_apart(rows, cast):
    for i in range(2):
        audit.record(actor=cast.officer_a, action=f"test.later{i}")
    output = verify()
    assert output.startswith("OK") and f"{AuditEntry.objects.count() - 2} rows" in output
    assert "unsealed tail: 2 rows" in output
    report = audit.verify_chain()
    assert report.ok and report.unsealed == 2


def test_verify_finds_a_seq_moved_to_close_a_gap(rows):
    # The forger deletes a row and renumbers the one after it: its prev_hash still points at the deleted row.
    sql(f"DELETE FROM {TABLE} WHERE id = %s", [rows[2].pk])
    sql(f"UPDATE {TABLE} SET seq = %s WHERE id = %s", [rows[2].seq, rows[3].pk])
    assert broken_id() == rows[3].pk


def test_verify_finds_a_sealed_row_made_unsealed(rows):
    # Taking a row out of the chain leaves a gap in seq where it was.
    sql(f"UPDATE {TABLE} SET seq = NULL WHERE id = %s", [rows[1].pk])
    assert broken_id() == rows[2].pk


def test_verify_of_an_empty_log_is_ok(db):
    sql(f"DELETE FROM {TABLE}")
    sql(f"DELETE FROM {AuditChainHead._meta.db_table}")
    assert "0 rows" in verify()


def test_verify_finds_a_row_edited_with_raw_sql(rows):
    sql(f"UPDATE {TABLE} SET action = %s WHERE id = %s", ["test.forged", rows[2].pk])
    assert broken_id() == rows[2].pk


def test_verify_finds_edited_changes(rows):
    sql(f"UPDATE {TABLE} SET changes = %s WHERE id = %s", ['{"n": {"after": 99}}', rows[1].pk])
    assert broken_id() == rows[1].pk


def test_verify_finds_a_row_edited_and_rehashed(rows):
    # The forger recomputes the edited row's own hash; the next row no longer links to it.
    forged = AuditEntry.objects.get(pk=rows[2].pk)
    forged.action = "test.forged"
    sql(
        f"UPDATE {TABLE} SET action = %s, hash = %s WHERE id = %s",
        ["test.forged", audit.compute_hash(forged.prev_hash, forged), rows[2].pk],
    )
    assert broken_id() == rows[3].pk


def test_verify_finds_a_deleted_row(rows):
    sql(f"DELETE FROM {TABLE} WHERE id = %s", [rows[2].pk])
    assert broken_id() == rows[3].pk


def test_verify_finds_the_first_of_several_rows_deleted(rows):
    sql(f"DELETE FROM {TABLE} WHERE id = %s", [rows[0].pk])
    assert broken_id() == rows[1].pk


def test_verify_finds_the_last_row_deleted(rows):
    sql(f"DELETE FROM {TABLE} WHERE id = %s", [rows[4].pk])
    assert broken_id() == rows[3].pk


def test_verify_finds_a_row_inserted_out_of_chain(rows):
    sql(
        f"INSERT INTO {TABLE} ({COLUMNS}, prev_hash, hash) SELECT {COLUMNS}, prev_hash, %s FROM {TABLE} WHERE id = %s",
        ["f" * 64, rows[4].pk],
    )
    forged_id = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first()
    assert broken_id() == forged_id
    # and the sealer does not launder it into the chain
    assert audit.seal() == 0
    assert broken_id() == forged_id


def test_verify_finds_a_row_inserted_into_the_middle_of_the_chain(rows):
    # A copy of row 2 given row 3's place, with row 3 onwards moved up one: the chain no longer links.
    for row in reversed(rows[2:]):
        sql(f"UPDATE {TABLE} SET seq = seq + 1 WHERE id = %s", [row.pk])
    sql(
        f"INSERT INTO {TABLE} ({COLUMNS}, seq, prev_hash, hash) "
        f"SELECT {COLUMNS}, %s, %s, %s FROM {TABLE} WHERE id = %s",
        [rows[2].seq, rows[2].hash, "e" * 64, rows[1].pk],
    )
    forged_id = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first()
    assert broken_id() == forged_id


def test_verify_finds_a_well_linked_row_the_chain_head_never_saw(rows):
    # Correct seq, prev_hash and hash, but written around the sealer: the head was not advanced.
    last = AuditEntry.objects.get(pk=rows[4].pk)
    sql(
        f"INSERT INTO {TABLE} ({COLUMNS}, seq, prev_hash, hash) SELECT {COLUMNS}, %s, %s, %s FROM {TABLE} WHERE id = %s",
        [last.seq + 1, last.hash, audit.compute_hash(last.hash, last), last.pk],
    )
    forged_id = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first()
    assert broken_id() == forged_id


def test_rows_recorded_after_a_verify_still_verify_once_sealed(rows, cast):
    verify()
    audit.record(actor=cast.officer_a, action="test.later", ip_address="2001:DB8::1")
    assert audit.seal() == 1
    assert f"{AuditEntry.objects.count()} rows" in verify()
