"""Load the demo data of every module, in layer order. Safe to run twice."""

import inspect
import time

from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.module_loading import import_string

from xiaobao.demo.core import demo_clock, reference_moment

# Layer order (DESIGN.md): each module's demo builds on the ones below it. Named by dotted path, as
# urls.py includes the apps' URLconfs, so this command does not import the apps (nor their engine).
LOADERS = [
    ("core", "xiaobao.demo.core.load"),
    ("workflow", "xiaobao.demo.workflow.load"),
    ("workorders", "xiaobao.demo.workorders.load"),
    ("complaints", "xiaobao.demo.complaints.load"),
    ("reviews", "xiaobao.demo.reviews.load"),
    ("plans", "xiaobao.demo.plans.load"),
    ("knowledge", "xiaobao.demo.knowledge.load"),
    ("inspection", "xiaobao.demo.inspection.load"),
    # the complaints inspection found, handled at their own times; its sweeps fire what fell due since
    ("complaints found by inspection", "xiaobao.demo.complaints.settle_found"),
    ("outbound", "xiaobao.demo.inspection_outbound.load"),
    ("training", "xiaobao.demo.training.load"),
    ("indicators", "xiaobao.demo.indicators.load"),
]


class Command(BaseCommand):
    help = "Load realistic demo data (org tree, one user per role, and each module's records)."

    def handle(self, *args, **options):
        # One moment for the whole story (the start of today): every module dates its data up to it, and
        # whatever a module stamps without a time of its own gets it too, never the time of the load.
        reference = reference_moment()
        loading, started_at, cpu_at = time.monotonic(), timezone.now(), time.process_time()
        if options["verbosity"] > 1:
            self.stdout.write(f"reference time: {reference.isoformat()}")
        for name, dotted_path in LOADERS:
            started, cpu = time.monotonic(), time.process_time()
            self.stdout.write(f"loading demo data: {name}")
            loader = import_string(dotted_path)
            kwargs = {"now": reference} if "now" in inspect.signature(loader).parameters else {}
            with demo_clock(reference):
                loader(**kwargs)
            if options["verbosity"] > 1:
                self.stdout.write(f"  {name}: {time.monotonic() - started:.1f}s ({time.process_time() - cpu:.1f}s CPU)")
        if options["verbosity"] > 1:
            self.stdout.write(f"  total: {time.monotonic() - loading:.1f}s ({time.process_time() - cpu_at:.1f}s CPU)")
            # the wall-clock window of the load: no row the demo wrote may carry a time inside it
            self.stdout.write(f"load window: {started_at.isoformat()} {timezone.now().isoformat()}")
        self.stdout.write(self.style.SUCCESS("demo data loaded"))
