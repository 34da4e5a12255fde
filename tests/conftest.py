import os

import pytest
from django.db import connection

from tests.api_helpers import token_client_fixture  # noqa: F401  (the shared `token_client` fixture)
from tests.helpers import build_cast


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts and ends in the site's language: a request made in English leaves English active in the
    thread, and a later test building a document (a board report) would otherwise be written in it."""
    from django.utils import translation

    translation.activate("zh-hans")
    yield
    translation.activate("zh-hans")


@pytest.fixture
def no_2026(db):
    """2026 as it was before its holiday notice: no schedule, so deadlines into it count weekends only (the
    calendar-publish tests of complaints, work orders and the workflow's own deadlines)."""
    from xiaobao.core import calendar_cache
    from xiaobao.core.models import CalendarDay, CalendarYear

    CalendarDay.objects.filter(date__year=2026).delete()
    CalendarYear.objects.filter(year=2026).delete()
    calendar_cache.forget()
    yield
    calendar_cache.forget()


@pytest.fixture
def cast(db):
    return build_cast()


# pytest-django's ways into the suite's database: a test that asks for none of them cannot reach it (pytest-django
# blocks every query outside them), so its outcome cannot depend on which database the suite runs on. (Every test
# holds django_db_blocker, an autouse fixture's; unblocking it without django_db_setup reaches no test database.)
DATABASE_FIXTURES = frozenset(
    {
        "db",
        "transactional_db",
        "django_db_setup",
        "live_server",
        "django_db_reset_sequences",
        "django_db_serialized_rollback",
    }
)


def touches_the_database(item) -> bool:
    return bool(DATABASE_FIXTURES & set(getattr(item, "fixturenames", ()))) or bool(
        item.get_closest_marker("django_db")
    )


#: Checked where it runs: `make demo` loads the demo on SQLite only (it has no PostgreSQL mode), so the package that
#: checks the whole demo (its one load is the suite's most expensive set-up) runs in the SQLite pass only. The
#: services the demo drives are tested on both databases in their own packages.
SQLITE_ONLY = ("tests/demo/",)


def runs_on_postgresql(item) -> bool:
    return touches_the_database(item) and not item.nodeid.startswith(SQLITE_ONLY)


def pytest_collection_modifyitems(config, items):
    """postgres-marked tests skip on SQLite; redis-marked ones skip without a test server. On PostgreSQL
    (`make test`'s second pass, DATABASE_URL set) the tests that never reach the database are left out: they
    ran, identically, in the SQLite pass (scripts/run_tests.py); so is the whole-demo package (SQLITE_ONLY)."""
    redis_url = os.environ.get("TEST_REDIS_URL")
    for item in items:
        if "redis" in item.keywords and not redis_url:
            item.add_marker(pytest.mark.skip(reason="no Redis server (TEST_REDIS_URL unset)"))
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        left_out = [item for item in items if not runs_on_postgresql(item)]
        if left_out:
            config.hook.pytest_deselected(items=left_out)
            items[:] = [item for item in items if runs_on_postgresql(item)]


@pytest.fixture
def postgres_only(db):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (run through `make test`, which starts one)")
