"""manage.py set_institution_type insurer|bank: make the taxonomy edition of that institution type current.

Run at setup (or after changing XIAOBAO_INSTITUTION_TYPE). Complaints already classified keep the edition
they were classified on; new classifications use the current one. Audited.
"""

from django.core.management.base import BaseCommand, CommandError

from xiaobao.complaints import editions


class Command(BaseCommand):
    help = "Make the complaint taxonomy edition for an insurer or a bank current."

    def add_arguments(self, parser):
        parser.add_argument("institution_type", choices=["insurer", "bank"])

    def handle(self, *args, institution_type, **options):
        try:
            version = editions.taxonomy_select_edition(institution_type=institution_type, actor=None)
        except LookupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"current taxonomy: {version.code} ({version.name})")
