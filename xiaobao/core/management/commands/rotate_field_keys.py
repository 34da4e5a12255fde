"""Re-encrypt every encrypted personal-data column under the newest FIELD_ENCRYPTION_KEY.

Rotation: put the new key first in FIELD_ENCRYPTION_KEY (old keys after it), deploy, run
this command, then drop the old keys. Blind indexes use BLIND_INDEX_KEY and do not change.
"""

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import models, transaction
from django.db.models.functions import Cast

from xiaobao.core import audit, crypto
from xiaobao.core.fields import encrypted_fields


class Command(BaseCommand):
    help = "Re-encrypt every EncryptedTextField value not yet under the newest key; safe to run again."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500, help="rows per transaction")

    def handle(self, *args, batch_size: int, **options):
        summary: dict[str, dict[str, int]] = {}
        failed = 0
        for model in apps.get_models():
            if model._meta.proxy or not model._meta.managed:
                continue
            for field in encrypted_fields(model):
                counts = self._rotate_column(model, field, batch_size)
                failed += counts.pop("failed")
                summary[f"{model._meta.label}.{field.name}"] = counts
                self.stdout.write(
                    f"{model._meta.label}.{field.name}: {counts['rotated']} re-encrypted, "
                    f"{counts['current']} already under the newest key"
                )
        rotated = sum(c["rotated"] for c in summary.values())
        current = sum(c["current"] for c in summary.values())
        audit.record(
            actor=None,
            action="crypto.rotate_field_keys",
            object_repr="field encryption keys",
            changes={"columns": summary, "rotated": rotated, "current": current, "failed": failed},
        )
        if failed:
            raise CommandError(f"{failed} values could not be decrypted with any configured key; they were left as is")
        self.stdout.write(self.style.SUCCESS(f"Done: {rotated} values re-encrypted, {current} already current."))

    def _rotate_column(self, model, field, batch_size: int) -> dict[str, int]:
        counts = {"rotated": 0, "current": 0, "failed": 0}
        pk_name = model._meta.pk.attname
        # Cast to a plain TextField reads the stored token, not the decrypted value.
        rows = (
            model._base_manager.exclude(**{f"{field.attname}__isnull": True})
            .exclude(**{field.attname: ""})
            .annotate(_token=Cast(field.attname, models.TextField()))
            .order_by(pk_name)
        )
        last_pk = None
        while True:
            # Keyset batches, each read and written in one transaction with the rows locked, so a
            # user saving a new value meanwhile is not overwritten by the old one re-encrypted.
            # (A long-lived iterator over the table we are writing would see its own updates on SQLite.)
            with transaction.atomic():
                page = rows if last_pk is None else rows.filter(**{f"{pk_name}__gt": last_pk})
                batch = list(page.select_for_update().values_list(pk_name, "_token")[:batch_size])
                if not batch:
                    return counts
                stale = []
                for pk, token in batch:
                    try:
                        fresh = crypto.rotate_if_stale(token)
                    except ValueError:
                        counts["failed"] += 1
                        continue
                    if fresh is None:
                        counts["current"] += 1
                        continue
                    obj = model(**{pk_name: pk})
                    # A plain-text Value writes the new token as is; the field would encrypt it again.
                    setattr(obj, field.attname, models.Value(fresh, output_field=models.TextField()))
                    stale.append(obj)
                if stale:
                    model._base_manager.bulk_update(stale, [field.name])
                    counts["rotated"] += len(stale)
                last_pk = batch[-1][0]
