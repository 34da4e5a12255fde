"""Settings read from the environment: LOG_LEVEL in any case, a typo refused at start with the accepted names."""

import os
import runpy
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from xiaobao.settings import env_bool, env_log_level

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("given", "level"),
    [("debug", "DEBUG"), ("Info", "INFO"), (" WARNING ", "WARNING"), ("warn", "WARNING"), ("error", "ERROR")],
)
def test_log_level_is_read_in_any_case(monkeypatch, given, level):
    monkeypatch.setenv("LOG_LEVEL", given)
    assert env_log_level() == level


def test_an_unset_log_level_is_info(monkeypatch):
    monkeypatch.delenv("LOG_LEVEL", raising=False)
    assert env_log_level() == "INFO"


def test_an_unknown_log_level_is_refused_naming_the_accepted_ones(monkeypatch):
    monkeypatch.setenv("LOG_LEVEL", "verbose")
    with pytest.raises(ImproperlyConfigured) as refused:
        env_log_level()
    assert "verbose" in str(refused.value)
    assert all(name in str(refused.value) for name in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"))


def test_the_server_does_not_start_with_an_unknown_log_level():
    env = {**os.environ, "XIAOBAO_TESTING": "1", "LOG_LEVEL": "loud", "DJANGO_SETTINGS_MODULE": "xiaobao.settings"}
    done = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode != 0
    assert 'LOG_LEVEL="loud" is not a log level' in done.stderr


def test_a_lower_case_log_level_starts_the_server():
    env = {**os.environ, "XIAOBAO_TESTING": "1", "LOG_LEVEL": "debug", "DJANGO_SETTINGS_MODULE": "xiaobao.settings"}
    done = subprocess.run(
        [sys.executable, "-c", "import django, logging; django.setup(); print(logging.getLogger().level)"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(10)


def test_gunicorn_reads_the_same_names_and_refuses_a_typo(monkeypatch):
    monkeypatch.setenv("LOG_LEVEL", "Warning")
    assert runpy.run_path(str(ROOT / "gunicorn.conf.py"))["loglevel"] == "warning"
    monkeypatch.setenv("LOG_LEVEL", "chatty")
    with pytest.raises(SystemExit, match="chatty"):
        runpy.run_path(str(ROOT / "gunicorn.conf.py"))


@pytest.mark.parametrize(
    ("given", "value"),
    [
        ("1", True),
        ("True", True),
        (" yes ", True),
        ("ON", True),
        ("0", False),
        ("false", False),
        ("No", False),
        ("off", False),
    ],
)
def test_a_switch_reads_the_yes_and_no_words_in_any_case(monkeypatch, given, value):
    monkeypatch.setenv("XIAOBAO_PROBE_SWITCH", given)
    assert env_bool("XIAOBAO_PROBE_SWITCH") is value
    assert env_bool("XIAOBAO_PROBE_SWITCH", default=not value) is value


@pytest.mark.parametrize("given", [None, "", "  "])
def test_an_unset_or_empty_switch_is_its_default(monkeypatch, given):
    if given is None:
        monkeypatch.delenv("XIAOBAO_PROBE_SWITCH", raising=False)
    else:
        monkeypatch.setenv("XIAOBAO_PROBE_SWITCH", given)
    assert env_bool("XIAOBAO_PROBE_SWITCH") is False
    assert env_bool("XIAOBAO_PROBE_SWITCH", default=True) is True


@pytest.mark.parametrize("given", ["ture", "enabled", "2", "y es"])
def test_an_unrecognised_switch_is_refused_naming_the_variable_and_the_words(monkeypatch, given):
    monkeypatch.setenv("XIAOBAO_PROBE_SWITCH", given)
    with pytest.raises(ImproperlyConfigured) as refused:
        env_bool("XIAOBAO_PROBE_SWITCH", default=True)
    message = str(refused.value)
    assert f'XIAOBAO_PROBE_SWITCH="{given}"' in message
    assert all(word in message for word in ("true", "yes", "on", "false", "no", "off"))


def test_the_server_does_not_start_with_a_misspelt_switch():
    env = {**os.environ, "XIAOBAO_TESTING": "1", "SECURE_COOKIES": "ture", "DJANGO_SETTINGS_MODULE": "xiaobao.settings"}
    done = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode != 0
    assert 'SECURE_COOKIES="ture" is not a yes/no value' in done.stderr
