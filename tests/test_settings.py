"""Settings come from the environment; production passes Django's deploy check and refuses to start without keys.

These run manage.py in a fresh interpreter, because settings are read once per process.
"""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def production_env(tmp_path) -> dict[str, str]:
    """What an operator sets in production, and nothing from this test run (no DEBUG, demo or testing flags)."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "DJANGO_SETTINGS_MODULE": "xiaobao.settings",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "FIELD_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "ALLOWED_HOSTS": "xiaobao.example.com",
        "XIAOBAO_VAR_DIR": str(tmp_path / "var"),
    }


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_production_settings_pass_the_deploy_check(production_env):
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_deploy_check_catches_debug_left_on(production_env):
    # Proves the check above would notice: the same environment with DEBUG=1 must fail it.
    result = manage("check", "--deploy", "--fail-level", "WARNING", env={**production_env, "DEBUG": "1"})
    assert result.returncode != 0
    assert "security.W018" in result.stdout + result.stderr


@pytest.mark.parametrize("missing", ["SECRET_KEY", "FIELD_ENCRYPTION_KEY"])
def test_production_refuses_to_start_without_a_key(production_env, missing):
    env = {k: v for k, v in production_env.items() if k != missing}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"{missing} must be set" in result.stderr


def test_production_refuses_an_empty_key(production_env):
    result = manage("check", env={**production_env, "SECRET_KEY": ""})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr


def test_production_allows_only_the_configured_hosts(production_env):
    code = "from django.conf import settings; print(settings.ALLOWED_HOSTS, settings.DEBUG, settings.SESSION_COOKIE_SECURE)"
    result = manage("shell", "-c", code, env=production_env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "['xiaobao.example.com'] False True"


def test_gunicorn_reads_bind_and_workers_from_the_environment(production_env):
    env = {**production_env, "GUNICORN_BIND": "0.0.0.0:9100", "GUNICORN_WORKERS": "3"}
    result = subprocess.run(
        [str(Path(sys.executable).with_name("gunicorn")), "--print-config", "xiaobao.wsgi"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    config = dict(re.findall(r"^(\w+)\s*=\s*(.*)$", result.stdout, re.MULTILINE))
    assert config["bind"] == "['0.0.0.0:9100']"
    assert config["workers"] == "3"


def _env_names(path: Path) -> set[str]:
    text = path.read_text(encoding="utf-8")
    pattern = r"""(?:os\.environ\.get|os\.environ\[|env_bool|env_list)\(?\s*["']([A-Z][A-Z0-9_]+)["']"""
    return set(re.findall(pattern, text))


def test_every_environment_variable_is_documented():
    documented = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    names = _env_names(ROOT / "xiaobao" / "settings.py") | _env_names(ROOT / "gunicorn.conf.py")
    assert {"SECRET_KEY", "DATABASE_URL", "GUNICORN_BIND"} <= names  # the scan itself works
    missing = sorted(n for n in names if f"`{n}`" not in documented)
    assert not missing, f"add to docs/configuration.md: {missing}"


def _demo_env(production_env) -> dict[str, str]:
    return {k: v for k, v in production_env.items() if k not in {"SECRET_KEY", "FIELD_ENCRYPTION_KEY"}} | {
        "XIAOBAO_DEMO": "1",
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
    }


DEMO_PROBE = (
    "from django.conf import settings; from django.test import Client; "
    "r = Client().get('/no/such/page/'); "
    "print(settings.DEBUG, r.status_code, 'data-testid=\"error-page\"' in r.content.decode(), "
    "'URLconf' in r.content.decode())"
)


def test_the_demo_shows_the_applications_own_error_pages(production_env):
    # issue 14: a demo is often reachable on an intranet; no debug page with the URL list and a traceback
    result = manage("shell", "-c", DEMO_PROBE, env=_demo_env(production_env))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "False 404 True False"


def test_a_developer_asks_for_debug_pages_with_xiaobao_debug(production_env):
    result = manage("shell", "-c", DEMO_PROBE, env={**_demo_env(production_env), "XIAOBAO_DEBUG": "1"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "True 404 False True"
