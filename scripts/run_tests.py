"""Run the whole suite: lint, layering contracts, a check for missing migrations, then pytest on SQLite and,
side by side, on PostgreSQL.

Throwaway PostgreSQL and Redis servers are started on loopback when their binaries exist
(Debian's packages, installed by .ci/run), and removed afterwards. Without them the
PostgreSQL pass is skipped with a notice and Redis-marked tests skip themselves.
Extra arguments go to pytest (e.g. `make test ARGS="-k audit"`).

What runs where: the SQLite pass runs everything, browser tests included. The PostgreSQL pass runs every test
that reaches the database — through pytest-django's `db`, `transactional_db` or `django_db_setup` fixtures (or a
fixture built on them) or a `django_db` mark: everything touching SQL, selectors, imports, the workflow runtime,
statistics, search and locking. A test that reaches none of them cannot reach the database at all (pytest-django
blocks it), so its outcome cannot differ by database: it runs once, in the SQLite pass (tests/conftest.py leaves it
out when DATABASE_URL names PostgreSQL). Browser tests (`e2e`) run once, on SQLite, and so does tests/demo, which
checks the demo where `make demo` runs it (SQLite only); the services it drives are tested on both databases.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def find_binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


def _as_postgres_user(cmd: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root; CI runs as root, so drop to the postgres account.
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


@contextlib.contextmanager
def postgres_server():
    initdb, pg_ctl = find_binary("initdb"), find_binary("pg_ctl")
    if not (initdb and pg_ctl):
        yield None
        return
    if os.geteuid() == 0:
        try:
            pw = pwd.getpwnam("postgres")
        except KeyError:
            yield None
            return
    data = tempfile.mkdtemp(prefix="xiaobao-pg-")
    if os.geteuid() == 0:
        os.chown(data, pw.pw_uid, pw.pw_gid)
    port = free_port()
    log = os.path.join(data, "server.log")
    subprocess.run(
        _as_postgres_user([initdb, "-D", data, "-U", "xiaobao", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"]),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    opts = f"-p {port} -k {data} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100"
    subprocess.run(
        _as_postgres_user([pg_ctl, "-D", data, "-l", log, "-o", opts, "-w", "start"]),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    try:
        yield f"postgres://xiaobao@127.0.0.1:{port}/xiaobao"
    finally:
        subprocess.run(
            _as_postgres_user([pg_ctl, "-D", data, "-m", "immediate", "stop"]),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        shutil.rmtree(data, ignore_errors=True)


@contextlib.contextmanager
def redis_server():
    binary = shutil.which("redis-server")
    if not binary:
        yield None
        return
    port = free_port()
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 10
    while time.time() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
            break
        time.sleep(0.1)
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def run(cmd: list[str], env: dict | None = None) -> int:
    print("+", " ".join(cmd), flush=True)
    return subprocess.call(cmd, cwd=ROOT, env=env)


def main(argv: list[str]) -> int:
    base_env = {**os.environ, "XIAOBAO_TESTING": "1"}
    base_env.pop("DATABASE_URL", None)
    base_env.pop("REDIS_URL", None)
    status = run([PY, "-m", "ruff", "check", "."])
    status |= run([PY, "-m", "ruff", "format", "--check", "."])
    status |= run([os.path.join(os.path.dirname(PY), "lint-imports")], env=base_env)
    with (
        tempfile.TemporaryDirectory(prefix="xiaobao-test-var-") as var,
        tempfile.TemporaryDirectory(prefix="xiaobao-test-var-pg-") as pg_var,
        redis_server() as redis_url,
        postgres_server() as pg_url,
    ):
        env = {**base_env, "XIAOBAO_VAR_DIR": var}
        # A model change without its migration would pass every test (pytest-django builds the tables from the
        # migrations) and then fail on the first deployment; refuse it here.
        status |= run([PY, "manage.py", "makemigrations", "--check", "--dry-run"], env=env)
        if redis_url:
            env["TEST_REDIS_URL"] = redis_url
        # The two passes run side by side (the suite is CPU-bound and single-threaded; a CI machine has two
        # cores or more), each with its own files and Redis database; the PostgreSQL pass's output is printed
        # when it ends, so neither log is interleaved with the other.
        pg = None
        if pg_url is None:
            print("== PostgreSQL binaries not found: PostgreSQL pass skipped", flush=True)
        else:
            pg_env = {**env, "DATABASE_URL": pg_url, "XIAOBAO_VAR_DIR": pg_var}
            if redis_url:
                pg_env["TEST_REDIS_URL"] = redis_url.rsplit("/", 1)[0] + "/1"
            pg_log = open(os.path.join(pg_var, "pytest-postgresql.log"), "w+", encoding="utf-8")  # noqa: SIM115
            cmd = [PY, "-m", "pytest", "-m", "not e2e", *argv]
            pg = subprocess.Popen(cmd, cwd=ROOT, env=pg_env, stdout=pg_log, stderr=subprocess.STDOUT)
        print("== pytest on SQLite", flush=True)
        status |= run([PY, "-m", "pytest", *argv], env=env)
        if pg is not None:
            pg_status = pg.wait()
            pg_log.seek(0)
            print("== pytest on PostgreSQL (browser tests run once, on SQLite)", flush=True)
            print("+", " ".join(cmd), flush=True)
            sys.stdout.write(pg_log.read())
            sys.stdout.flush()
            pg_log.close()
            status |= pg_status
    return 1 if status else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
