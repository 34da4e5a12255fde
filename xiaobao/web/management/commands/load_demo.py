"""Load the demo data of every module, in layer order. Safe to run twice."""

from django.core.management.base import BaseCommand

from xiaobao.core import demo as core_demo


class Command(BaseCommand):
    help = "Load realistic demo data (org tree, one user per role, and each module's records)."

    def handle(self, *args, **options):
        loaders = [("core", core_demo.load)]
        for name, loader in loaders:
            self.stdout.write(f"loading demo data: {name}")
            loader()
        self.stdout.write(self.style.SUCCESS("demo data loaded"))
