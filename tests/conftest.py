import os

import pytest
from django.db import connection

from tests.api_helpers import token_client_fixture  # noqa: F401  (the shared `token_client` fixture)
from tests.helpers import build_cast


@pytest.fixture
def cast(db):
    return build_cast()


def pytest_collection_modifyitems(config, items):
    """postgres-marked tests skip on SQLite; redis-marked ones skip without a test server."""
    redis_url = os.environ.get("TEST_REDIS_URL")
    for item in items:
        if "redis" in item.keywords and not redis_url:
            item.add_marker(pytest.mark.skip(reason="no Redis server (TEST_REDIS_URL unset)"))


@pytest.fixture
def postgres_only(db):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (run through `make test`, which starts one)")
