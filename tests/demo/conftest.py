"""The whole demo (`manage.py load_demo`, as `make demo` runs it), loaded once for every module in this package.

Loading it is the most expensive set-up in the suite, so the modules that check the full demo share one load:
it runs inside a transaction rolled back when the package's last test has run (pytest runs a package's modules
together), and each test runs in its own savepoint inside it, so a test's writes never reach the next one.
"""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings


@pytest.fixture(scope="package")
def demo_output(django_db_setup, django_db_blocker, tmp_path_factory) -> str:
    media = tmp_path_factory.mktemp("media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media), transaction.atomic():
        output = io.StringIO()
        call_command("load_demo", stdout=output, verbosity=2)
        yield output.getvalue()
        transaction.set_rollback(True)
