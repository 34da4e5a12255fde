"""Load the demo data of every module, in layer order. Safe to run twice."""

import time

from django.core.management.base import BaseCommand
from django.utils.module_loading import import_string

# Layer order (DESIGN.md): each module's demo builds on the ones below it. Named by dotted path, as
# urls.py includes the apps' URLconfs, so this command does not import the apps (nor their engine).
LOADERS = [
    ("core", "xiaobao.core.demo.load"),
    ("workflow", "xiaobao.workflow.demo.load"),
    ("workorders", "xiaobao.workorders.demo.load"),
    ("complaints", "xiaobao.complaints.demo.load"),
    ("reviews", "xiaobao.reviews.demo.load"),
    ("plans", "xiaobao.plans.demo.load"),
    ("knowledge", "xiaobao.knowledge.demo.load"),
    ("inspection", "xiaobao.inspection.demo.load"),
    ("training", "xiaobao.training.demo.load"),
    ("indicators", "xiaobao.indicators.demo.load"),
]


class Command(BaseCommand):
    help = "Load realistic demo data (org tree, one user per role, and each module's records)."

    def handle(self, *args, **options):
        for name, dotted_path in LOADERS:
            started = time.monotonic()
            self.stdout.write(f"loading demo data: {name}")
            import_string(dotted_path)()
            if options["verbosity"] > 1:
                self.stdout.write(f"  {name}: {time.monotonic() - started:.1f}s")
        self.stdout.write(self.style.SUCCESS("demo data loaded"))
