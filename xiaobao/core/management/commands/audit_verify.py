"""Check the sealed audit chain end to end; exit non-zero at the first row that does not fit.

Rows not yet sealed (the worker seals every few seconds; `audit_seal` does it now) are reported apart:
they are not yet tamper-evident, and a large or old tail means the sealer is not running."""

from django.core.management.base import BaseCommand, CommandError

from xiaobao.core.audit import verify_chain


class Command(BaseCommand):
    help = "Verify the hash-chained audit log; report the first broken row (exit status 1) or an OK summary."

    def add_arguments(self, parser):
        parser.add_argument("--chunk-size", type=int, default=2000, help="rows fetched per database round trip")

    def handle(self, *args, chunk_size: int, **options):
        report = verify_chain(chunk_size=chunk_size)
        if not report.ok:
            # CommandError makes manage.py exit with status 1 and print the message on stderr.
            raise CommandError(
                f"audit chain broken at row id {report.broken_id}: {report.problem} "
                f"({report.rows} rows verified before it; {report.unsealed} rows not yet sealed)"
            )
        self.stdout.write(
            self.style.SUCCESS(f"OK: audit chain intact, {report.rows} rows, last hash {report.last_hash[:12]}")
        )
        if report.unsealed:
            oldest = report.oldest_unsealed_at.isoformat(timespec="seconds") if report.oldest_unsealed_at else "?"
            self.stdout.write(
                self.style.WARNING(
                    f"unsealed tail: {report.unsealed} rows not yet chained (oldest written {oldest}); "
                    "run audit_seal or check that the worker runs"
                )
            )
        else:
            self.stdout.write("unsealed tail: 0 rows")
