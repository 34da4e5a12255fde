"""OpenAPI at /api/schema/ generates without warnings; /api/docs/ loads nothing from outside (closed intranets)."""

import re

import yaml
from django.contrib.staticfiles import finders
from django.core.management import call_command


def test_the_schema_generates_without_warnings(db, tmp_path):
    out = tmp_path / "schema.yml"
    # --fail-on-warn turns every drf-spectacular warning (an unguessable serializer, a bad hint) into an error.
    call_command("spectacular", "--fail-on-warn", "--file", str(out))
    schema = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert {"/api/v1/auth/token/", "/api/v1/core/me/", "/api/v1/core/users/"} <= set(schema["paths"])
    users = schema["components"]["schemas"]["UserListOutput"]["properties"]
    assert "mobile_masked" in users
    assert "mobile" not in users  # the plain number never leaves


def test_the_schema_is_served(db, client):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    assert b"/api/v1/core/org-units/" in response.content


def test_the_docs_page_uses_only_local_assets(db, client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assert not re.search(r"""(?:https?:)?//[\w.-]+\.\w+""", _attribute_urls(html)), "external URL in the docs page"
    static_paths = re.findall(r"""["'](/static/[^"']+)["']""", html)
    assert static_paths, "the docs page should load its scripts from /static/"
    for url in static_paths:
        assert finders.find(url.removeprefix("/static/")), f"{url} is not a vendored static file"


def _attribute_urls(html: str) -> str:
    """Every src/href value and every quoted URL the inline script fetches, one per line."""
    values = re.findall(r"""(?:src|href)\s*=\s*["']([^"']*)["']""", html)
    values += re.findall(r"""["']((?:https?:)?//[^"']+)["']""", html)
    return "\n".join(values)
