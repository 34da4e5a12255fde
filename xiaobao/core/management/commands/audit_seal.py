"""Seal the audit rows written since the worker last did (the worker runs the same every few seconds)."""

from django.core.management.base import BaseCommand

from xiaobao.core.audit import seal


class Command(BaseCommand):
    help = "Hash-chain every unsealed audit row, oldest first, in short batches; print how many were sealed."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500, help="rows sealed per transaction")

    def handle(self, *args, batch_size: int, **options):
        sealed = seal(batch_size=batch_size)
        self.stdout.write(self.style.SUCCESS(f"sealed {sealed} audit rows"))
