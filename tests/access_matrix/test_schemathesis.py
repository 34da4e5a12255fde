"""A bounded schemathesis run over the whole API (issue 14, point 5): every operation of the OpenAPI schema,
called with requests generated from the schema, as head office's administrator and as a branch officer, over
a world with an object of every kind. The test is that no answer is a 5xx and every answer conforms to the
schema (a documented status, the documented content type, a body that matches the documented schema).

Bounded to stay within the suite's time budget: a few examples per operation, derandomized (the same
requests on every run, so a failure reproduces), no example database, and no shrinking phase. The world and
the schema are the permission matrix's (tests/access_matrix/conftest.py), built once for the package.
"""

from __future__ import annotations

import os

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, Phase, given, settings

from tests.api_helpers import token_client

try:
    import schemathesis
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )
except ImportError:  # pragma: no cover - `make test` installs requirements/dev.lock, which has it
    if os.environ.get("CI"):
        raise
    pytest.skip("schemathesis is not installed (run `make install-dev`)", allow_module_level=True)

EXAMPLES = 3  # per operation and role: ~110 operations × 2 roles
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
ROLES = ("hq_admin", "officer_a")


@pytest.fixture(scope="module")
def api_schema(openapi):
    """The served OpenAPI document (tests/access_matrix/conftest.py), loaded once for both roles, asked of
    the application in this process."""
    from django.core.wsgi import get_wsgi_application

    loaded = schemathesis.openapi.from_dict(openapi)
    loaded.app = get_wsgi_application()
    loaded.location = "/api/schema/?format=json"
    return loaded


@pytest.fixture
def wsgi_in_the_test_transaction():
    """The WSGI app closes the database connection after each request; the test's transaction must live on
    (Django's test client does the same)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.parametrize("role", ROLES)
def test_the_whole_api_answers_as_its_schema_says(world, api_schema, db, wsgi_in_the_test_transaction, role):
    schema = api_schema
    token = token_client(getattr(world, role))._credentials["HTTP_AUTHORIZATION"]
    headers = {"Authorization": token}
    failures: dict[str, str] = {}
    calls = 0

    def runner(operation):
        label = f"{operation.method.upper()} {operation.path}"

        @settings(
            max_examples=EXAMPLES,
            derandomize=True,
            database=None,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def call(case):
            nonlocal calls
            savepoint = transaction.savepoint()  # each request starts from the same world
            try:
                calls += 1
                response = case.call(headers=headers)
                case.validate_response(response, checks=CHECKS, headers=headers)
            except BaseException as failure:  # schemathesis reports a group of failures
                if isinstance(failure, KeyboardInterrupt):
                    raise
                failures.setdefault(label, f"{type(failure).__name__}: {str(failure)[:800]}")
            finally:
                transaction.savepoint_rollback(savepoint)

        return call

    for result in schema.get_all_operations():
        runner(result.ok())()

    assert calls > 100, f"only {calls} requests: the schema lost its operations?"
    assert not failures, "\n".join(f"{label}: {text}" for label, text in sorted(failures.items()))
