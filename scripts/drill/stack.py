"""The processes of the drill's site on loopback: PostgreSQL, Redis, gunicorn instances, Celery workers and beat, each
in a session of its own so it can be killed by its group id; and SQL straight to the database, for the verdict.
"""

from __future__ import annotations

import base64
import contextlib
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from run_tests import _as_postgres_user, find_binary, free_port

from drill import BIN, ROOT


@dataclass
class Proc:
    name: str
    popen: subprocess.Popen
    port: int = 0

    def alive(self) -> bool:
        return self.popen.poll() is None

    def signal_group(self, sig) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, sig)

    def stop(self, timeout: float = 15) -> None:
        if not self.alive():
            return
        self.signal_group(signal.SIGTERM)
        try:
            self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.signal_group(signal.SIGKILL)
            self.popen.wait(timeout=5)


class Stack:
    """Every process of the drill; each is started in its own session so it can be killed by its group id."""

    def __init__(self, base: Path):
        self.base = base
        self.var = base / "var"
        self.media = base / "media"  # shared by web and workers, as docs/deployment.md asks
        self.logs = base / "logs"
        for path in (self.var, self.media, self.logs):
            path.mkdir(parents=True, exist_ok=True)
        self.pg_data = base / "pg"
        self.pg_port = free_port()
        self.redis_port = free_port()
        self.redis: Proc | None = None
        self.web: dict[str, Proc] = {}
        self.workers: dict[str, Proc] = {}
        self.beat: Proc | None = None
        self.env = self._env()

    # environment: production settings (no DEBUG, no testing keys), loopback without TLS
    def _env(self) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("XIAOBAO_", "DJANGO_", "GUNICORN_"))}
        for name in ("DEBUG", "DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "MEDIA_ROOT"):
            env.pop(name, None)
        env.update(
            {
                "XIAOBAO_VAR_DIR": str(self.var),
                "MEDIA_ROOT": str(self.media),
                "DATABASE_URL": f"postgres://xiaobao@127.0.0.1:{self.pg_port}/xiaobao",
                "REDIS_URL": f"redis://127.0.0.1:{self.redis_port}/0",
                "SECRET_KEY": secrets.token_urlsafe(50),
                "FIELD_ENCRYPTION_KEY": base64.urlsafe_b64encode(os.urandom(32)).decode(),
                "BLIND_INDEX_KEY": secrets.token_urlsafe(50),
                "ALLOWED_HOSTS": "127.0.0.1,localhost",
                "SECURE_SSL_REDIRECT": "0",
                "SECURE_COOKIES": "0",
                "SECURE_HSTS_SECONDS": "0",
                "SWEEP_INTERVAL_SECONDS": "5",
                "LOG_LEVEL": "warning",
                "GUNICORN_WORKERS": "2",
                "DATABASE_CONNECT_RETRY_SECONDS": "10",
                "PYTHONUNBUFFERED": "1",
            }
        )
        return env

    def _spawn(self, name: str, cmd: list[str], port: int = 0, env: dict | None = None) -> Proc:
        out = open(self.logs / f"{name}.log", "ab")  # noqa: SIM115 — the child keeps it open
        popen = subprocess.Popen(
            cmd, cwd=ROOT, env=env or self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        return Proc(name, popen, port)

    # PostgreSQL
    def _pg(self, *args: str) -> None:
        pg_ctl = find_binary("pg_ctl")
        subprocess.run(_as_postgres_user([pg_ctl, "-D", str(self.pg_data), *args]), check=True, capture_output=True)

    def start_postgres(self) -> None:
        initdb = find_binary("initdb")
        self.pg_data.mkdir()
        if os.geteuid() == 0:
            import pwd

            account = pwd.getpwnam("postgres")
            os.chown(self.pg_data, account.pw_uid, account.pw_gid)
        subprocess.run(
            _as_postgres_user([initdb, "-D", str(self.pg_data), "-U", "xiaobao", "--auth=trust", "-E", "UTF8"]),
            check=True,
            capture_output=True,
        )
        self._pg_start()
        import psycopg

        admin = self.env["DATABASE_URL"].rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute("CREATE DATABASE xiaobao")

    def _pg_start(self) -> None:
        opts = (
            f"-p {self.pg_port} -k {self.pg_data} -c listen_addresses=127.0.0.1 -c max_connections=100 "
            "-c fsync=off -c synchronous_commit=on "
            # every lock wait past deadlock_timeout is logged, with how long it lasted: the verdict's measure of
            # a write blocked by another user's transaction (an import's), apart from a machine merely busy
            "-c log_lock_waits=on -c deadlock_timeout=1s"
        )
        self._pg("-l", str(self.pg_data / "server.log"), "-o", opts, "-w", "start")

    def lock_waits_ms(self) -> list[float]:
        """How long each statement that waited on a lock past deadlock_timeout waited (from the server's log);
        a wait the log shows begun but never ended (its connection was cut) counts from its last report."""
        waits, open_waits = [], {}
        with contextlib.suppress(OSError):
            for line in (self.pg_data / "server.log").read_text(errors="replace").splitlines():
                found = re.search(r"process (\d+) (still waiting|acquired) .* after ([0-9.]+) ms", line)
                if not found:
                    continue
                pid, what, ms = found.group(1), found.group(2), float(found.group(3))
                if what == "acquired":
                    open_waits.pop(pid, None)
                    waits.append(ms)
                else:
                    open_waits[pid] = ms
        return waits + list(open_waits.values())

    def restart_postgres(self) -> None:
        self._pg("-m", "fast", "-w", "stop")
        self._pg_start()

    def stop_postgres(self) -> None:
        with contextlib.suppress(Exception):
            self._pg("-m", "immediate", "stop")

    # Redis
    def start_redis(self) -> None:
        binary = shutil.which("redis-server")
        cmd = [binary, "--port", str(self.redis_port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.redis = self._spawn("redis", cmd, self.redis_port)
        wait_port(self.redis_port, 10)

    # web, workers, beat
    def start_web(self, name: str) -> Proc:
        port = self.web[name].port if name in self.web else free_port()
        env = {**self.env, "GUNICORN_BIND": f"127.0.0.1:{port}"}
        proc = self._spawn(name, [str(BIN / "gunicorn"), "xiaobao.wsgi"], port, env)
        self.web[name] = proc
        return proc

    def start_worker(self, name: str) -> Proc:
        cmd = [str(BIN / "celery"), "-A", "xiaobao", "worker", "--pool=solo", "-n", f"{name}@drill", "-l", "WARNING"]
        proc = self._spawn(name, cmd)
        self.workers[name] = proc
        return proc

    def start_beat(self) -> None:
        schedule = str(self.var / "celerybeat-schedule")
        self.beat = self._spawn("beat", [str(BIN / "celery"), "-A", "xiaobao", "beat", "-l", "WARNING", "-s", schedule])

    def manage(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def stop_all(self) -> None:
        for proc in [*self.web.values(), *self.workers.values(), self.beat, self.redis]:
            if proc is not None:
                if proc.name in self.workers:
                    proc.signal_group(signal.SIGCONT)
                proc.stop()
        self.stop_postgres()


def wait_port(port: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.3):
            return True
        time.sleep(0.1)
    return False


def gunicorn_workers(master_pid: int) -> list[int]:
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children")
    with contextlib.suppress(OSError):
        return [int(pid) for pid in children.read_text().split()]
    return []


def sql_one(stack: Stack, query: str, *params):
    import psycopg

    with psycopg.connect(stack.env["DATABASE_URL"], connect_timeout=5) as connection:
        return connection.execute(query, params).fetchone()


def sql_all(stack: Stack, query: str, *params):
    import psycopg

    with psycopg.connect(stack.env["DATABASE_URL"], connect_timeout=5) as connection:
        return connection.execute(query, params).fetchall()
