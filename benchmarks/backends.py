"""Run one benchmark on SQLite and on a throwaway PostgreSQL, side by side in one report.

A benchmark that measures a ratio (ours vs a hand-written peer) calls `side_by_side(__file__)` when it was given
no database: it runs itself twice as a child process — once on SQLite in a temp dir, once with DATABASE_URL on
a PostgreSQL server started on loopback the way scripts/run_tests.py starts one (initdb in a temp dir, fsync
off, removed afterwards) — and prints {"sqlite": <its JSON>, "postgresql": <its JSON>}. Without PostgreSQL's
binaries the second entry says why it is missing. The children run one after the other, never at once, so
neither measures the other's load. `--one-backend` runs the benchmark on one database only (SQLite in a temp
dir, or the one named): what the children are given, and what a quick smoke run uses.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ONE = "--one-backend"


def wanted(argv: list[str]) -> bool:
    """Whether this run should fan out: no database named on the command line or in the environment."""
    named = any(a == "--database-url" or a.startswith("--database-url=") for a in argv)
    return ONE not in argv and not named and "DATABASE_URL" not in os.environ


def strip(argv: list[str]) -> list[str]:
    """The arguments a child's own parser should see (the fan-out marker removed)."""
    return [a for a in argv if a != ONE]


def _child(script: str, argv: list[str], env: dict) -> dict:
    done = subprocess.run(
        [sys.executable, script, ONE, *argv], env=env, capture_output=True, text=True, check=False, cwd=ROOT
    )
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-5:]}
    return json.loads(done.stdout)


def side_by_side(script: str, argv: list[str]) -> dict:
    sys.path.insert(0, str(ROOT / "scripts"))
    from run_tests import postgres_server

    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    report = {"sqlite": _child(script, argv, env)}
    with postgres_server() as url:
        if url is None:
            report["postgresql"] = {"skipped": "no PostgreSQL binaries (initdb, pg_ctl) on this machine"}
        else:
            report["postgresql"] = _child(script, [*argv, "--database-url", url], env)
    return report
