"""Unrelated writes while a complaint import runs: does another user's import make them wait?

Run: `.venv/bin/python benchmarks/write_under_import.py [--rows N] [--databases sqlite,postgresql]`.
SQLite runs on a file in a temporary directory (WAL, as deployed). PostgreSQL runs on DATABASE_URL when given
(a throwaway database is created on that server and dropped), else on a throwaway server started on a free
loopback port the way scripts/run_tests.py does (skipped, and said so, when no PostgreSQL binaries exist).

In one run per database: a writer process (a branch-B officer registering complaints one after another: an
audited write that also starts a process) is timed alone, then again while a second process imports an N-row
workbook for branch A (check, stage in short batches, publish, start the processes). Separate processes, so
neither waits on the other's interpreter. Prints JSON: per database the writes' p50/p95/max in ms without and
with the import running, the p95 ratio (goal <= 1.5), the import's own duration and rows, and
`audit_verify` after sealing (the audit chain must stay intact under the load).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics as stats
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
PAUSE = 0.05  # between two writes: a user clicking, not a flood
WARM_UP = 3  # untimed writes first, in both phases alike


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _summary(values: list[float]) -> dict:
    return {
        "writes": len(values),
        "p50_ms": round(stats.median(values) * 1000, 1),
        "p95_ms": round(_percentile(values, 0.95) * 1000, 1),
        "max_ms": round(max(values) * 1000, 1),
    }


# --- the roles (each a process of its own, with Django set up on the chosen database) ---------------------


def _django():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xiaobao.settings")
    import django

    django.setup()


def role_setup(rows: int) -> None:
    """Units, the two officers, and the import job (queued, its workbook stored) for branch A."""
    _django()
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.complaints.test_import import row, xlsx
    from tests.helpers import build_cast
    from xiaobao.complaints import imports

    cast = build_cast()
    content = xlsx([row(i, 外部编号=f"BENCH{i:06d}", 联系电话=f"137{i:08d}") for i in range(rows)])
    job = imports.import_job_create(
        actor=cast.officer_a, upload=SimpleUploadedFile("bench.xlsx", content, content_type="application/octet-stream")
    )
    print(json.dumps({"job": job.pk, "writer": cast.officer_b.pk, "unit": cast.branch_b.pk}))


def role_writer(writer: int, unit: int, count: int, until: str, start: int) -> None:
    """Register complaints as the branch-B officer; print each write's seconds. With `until`, write until that
    file exists (the import has finished), else `count` writes."""
    _django()
    from datetime import datetime

    from django.utils import timezone

    from xiaobao.complaints import services
    from xiaobao.core.models import OrgUnit, User

    actor, org_unit = User.objects.get(pk=writer), OrgUnit.objects.get(pk=unit)
    received = timezone.make_aware(datetime(2025, 3, 3, 9, 0))
    n = start

    def write() -> float:
        nonlocal n
        n += 1
        began = time.perf_counter()
        services.complaint_register(
            actor=actor,
            channel="hotline",
            received_at=received,
            complainant_name=f"基准客户{n}",
            complainant_phone=f"136{n:08d}",
            subject="基准写入",
            content="另一位用户在导入进行时登记的投诉。",
            org_unit=org_unit,
        )
        return time.perf_counter() - began

    for _warm_up in range(WARM_UP):  # the process's first writes load the process definition and caches
        write()
    took = []
    while (not os.path.exists(until)) if until else len(took) < count:
        took.append(write())
        time.sleep(PAUSE)
    print(json.dumps(took))


def role_import(job: int, done: str) -> None:
    _django()
    from xiaobao.complaints import imports

    began = time.perf_counter()
    finished = imports.import_job_run(job_id=job)
    Path(done).write_text("done")
    print(
        json.dumps({"status": finished.status, "imported": finished.imported, "seconds": time.perf_counter() - began})
    )


def role_verify() -> None:
    _django()
    from xiaobao.core import audit

    audit.seal()
    report = audit.verify_chain()
    print(json.dumps({"ok": report.ok, "rows": report.rows, "unsealed": report.unsealed, "problem": report.problem}))


# --- the run ----------------------------------------------------------------------------------------------


def _role(env: dict, *args: str, background: bool = False):
    command = [PY, __file__, "--role", *args]
    if background:
        return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True)
    done = subprocess.run(command, env=env, stdout=subprocess.PIPE, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(env: dict, rows: int, baseline_writes: int) -> dict:
    subprocess.run(
        [PY, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
    )
    made = _role(env, "setup", str(rows))
    writer = [str(made["writer"]), str(made["unit"])]
    alone = _role(env, "writer", *writer, str(baseline_writes), "", "0")
    flag = os.path.join(env["XIAOBAO_VAR_DIR"], "import-done")
    importer = _role(env, "import", str(made["job"]), flag, background=True)
    during = _role(env, "writer", *writer, "0", flag, "100000")
    imported = json.loads(importer.communicate()[0].strip().splitlines()[-1])
    without, with_import = _summary(alone), _summary(during)
    return {
        "without_import": without,
        "while_importing": with_import,
        "p95_ratio": round(with_import["p95_ms"] / without["p95_ms"], 2),
        "goal_p95_ratio": 1.5,
        "import": {k: round(v, 1) if isinstance(v, float) else v for k, v in imported.items()},
        "audit_verify": _role(env, "verify"),
    }


@contextlib.contextmanager
def _postgres(given: str | None):
    """A throwaway database: on the given server, or on a throwaway server."""
    if given:
        import psycopg

        name = f"xiaobao_bench_{os.getpid()}"
        with psycopg.connect(given, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield given.rsplit("/", 1)[0] + "/" + name
        finally:
            with psycopg.connect(given, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        return
    sys.path.insert(0, str(ROOT / "scripts"))
    from run_tests import postgres_server

    with postgres_server() as url:
        yield url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=300, help="rows in the imported workbook")
    parser.add_argument("--baseline-writes", type=int, default=60, help="writes timed without the import")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--role", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.role:
        name, *rest = args.role
        {
            "setup": lambda: role_setup(int(rest[0])),
            "writer": lambda: role_writer(int(rest[0]), int(rest[1]), int(rest[2]), rest[3], int(rest[4])),
            "import": lambda: role_import(int(rest[0]), rest[1]),
            "verify": role_verify,
        }[name]()
        return

    result = {"rows": args.rows, "databases": {}}
    base = {**os.environ, "XIAOBAO_TESTING": "1"}
    for database in args.databases.split(","):
        with tempfile.TemporaryDirectory(prefix="xiaobao-bench-") as var:
            env = {**base, "XIAOBAO_VAR_DIR": var, "MEDIA_ROOT": os.path.join(var, "media")}
            if database == "sqlite":
                env.pop("DATABASE_URL", None)
                result["databases"]["sqlite"] = measure(env, args.rows, args.baseline_writes)
                continue
            with _postgres(os.environ.get("DATABASE_URL")) as url:
                if url is None:
                    result["databases"]["postgresql"] = {"skipped": "no PostgreSQL server or binaries"}
                    continue
                result["databases"]["postgresql"] = measure(
                    {**env, "DATABASE_URL": url}, args.rows, args.baseline_writes
                )
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
