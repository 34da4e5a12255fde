"""One world and one OpenAPI schema for the package: the permission matrix, the schemathesis run and the
permission-before-state checks all ask the same objects (tests/access_matrix/world.py), so the world is built
once (pytest runs a package's modules together), inside a transaction rolled back when the package's last test
has run; each test runs in its own savepoint inside it, so a test's writes never reach the next one.
"""

from __future__ import annotations

import pytest
from django.test import Client

from tests.access_matrix.world import sign_in_everyone, world_for_module


@pytest.fixture(scope="package")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    with world_for_module(django_db_blocker, str(tmp_path_factory.mktemp("matrix-media"))) as built:
        sign_in_everyone(built)
        yield built


@pytest.fixture(scope="package")
def openapi(django_db_setup, django_db_blocker) -> dict:
    """The OpenAPI document the API serves (what integrators read), generated once for the package."""
    with django_db_blocker.unblock():
        response = Client().get("/api/schema/?format=json")
    assert response.status_code == 200, response.status_code
    return response.json()
