from django.core.management.base import BaseCommand

from xiaobao.demo.core import DEMO_PASSWORD, DEMO_USERS


class Command(BaseCommand):
    help = "Print the demo URL and logins."

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8000/")

    def handle(self, *args, **options):
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"XiaoBao 消保 is running at {options['url']}"))
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for username, full_name, role, org, department, _mobile in DEMO_USERS:
            self.stdout.write(f"  {username:<14} {full_name:<4} {role:<17} {org:<6} {department}")
        self.stdout.write("Press Ctrl+C to stop.\n")
