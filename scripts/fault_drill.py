"""Fault drill: a small multi-node XiaoBao under write load, with processes killed and servers restarted.

Run by hand (not part of `make test`; it needs Debian's `postgresql` and `redis-server`, like `make test`'s
PostgreSQL pass, and takes a few minutes):

    .venv/bin/python scripts/fault_drill.py            # prints one JSON document
    .venv/bin/python scripts/fault_drill.py --keep     # leave the throwaway directories for a look

On loopback, in throwaway directories, on free ports: PostgreSQL, Redis, two gunicorn instances ("web1",
"web2", two sync workers each), two Celery workers (`w1@drill`, `w2@drill`, solo pool) and one beat. A few
client threads register complaints over the API with Idempotency-Keys and take each through a workflow step
(受理), retrying a failed call with the same key, the way an integration should: on a refused connection the
next instance is tried, as a load balancer would. Meanwhile, one after another:

1. a gunicorn worker of web1 is killed (SIGKILL);
2. the whole web2 instance is killed, and started again 8 s later;
3. a 1,200-row complaint import is uploaded and the Celery worker running it is killed half-way (the other
   worker is paused until then, so the one killed is the one importing); a new worker takes its place;
4. PostgreSQL is restarted (`pg_ctl restart -m fast`);
5. Redis is stopped for 20 s (a new API token is asked for while it is down).

Then it checks what the clients were told against the database and prints JSON: acknowledged writes, lost
ones (acknowledged but not in the database), duplicated ones, stuck jobs, 5xx and refused connections per
fault, seconds to recover, the slowest writes while the import ran, and `audit_verify`. Goals (issue 15): lost
0, duplicated 0, stuck 0, no write blocked longer than 2 s by another user's import, 5xx only while a server
is actually down.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import http.client
import io
import itertools
import json
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run_tests import _as_postgres_user, find_binary, free_port

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PASSWORD = "Drill-Passw0rd!"  # noqa: S105 — a throwaway account on a throwaway database
IMPORT_ROWS = 1200
CLIENT_THREADS = 3  # default; --threads
PAUSE_BETWEEN_CALLS = 0.15  # seconds: bounded load, the drill measures faults, not throughput
WRITE_DEADLINE = 60  # a logical write retried longer than this counts as not acknowledged
BLOCKED = 2.0  # seconds: the bound for a write waiting on another user's import


def log(message: str) -> None:
    print(f"[drill {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- the servers ----------------------------------------------------------------------------------------------


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
            "-c fsync=off -c synchronous_commit=on"
        )
        self._pg("-l", str(self.pg_data / "server.log"), "-o", opts, "-w", "start")

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


# --- HTTP -------------------------------------------------------------------------------------------------------


@dataclass
class Answer:
    status: int  # 0: no answer (refused, reset, timed out)
    body: bytes = b""
    headers: dict = field(default_factory=dict)
    error: str = ""

    def json(self):
        try:
            return json.loads(self.body or b"null")
        except ValueError:
            return None


def call(port: int, method: str, path: str, *, body=None, headers=None, timeout: float = 35) -> Answer:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        data = body
        sent = dict(headers or {})
        if isinstance(body, (dict, list)):
            data = json.dumps(body, ensure_ascii=False).encode()
            sent["Content-Type"] = "application/json"
        connection.request(method, path, body=data, headers=sent)
        response = connection.getresponse()
        return Answer(response.status, response.read(), {k.lower(): v for k, v in response.getheaders()})
    except (OSError, http.client.HTTPException) as exc:
        return Answer(0, error=exc.__class__.__name__)
    finally:
        connection.close()


def multipart(fields: dict, files: dict) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    out = io.BytesIO()
    for name, value in fields.items():
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, (filename, content) in files.items():
        out.write(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n".encode()
        )
        out.write(content + b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


# --- the load ---------------------------------------------------------------------------------------------------


@dataclass
class Attempt:
    kind: str  # register | accept
    started: float
    ended: float
    status: int
    port: int
    error: str = ""


class Load:
    """Client threads: register a complaint (Idempotency-Key), then accept it (受理); retry until answered."""

    def __init__(self, stack: Stack, tokens: dict, org_unit: int, threads: int = CLIENT_THREADS):
        self.stack = stack
        self.tokens = tokens
        self.org_unit = org_unit
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.attempts: list[Attempt] = []
        self.registered: dict[str, int] = {}  # key -> complaint id, as acknowledged
        self.accepted: set[int] = set()
        self.given_up: list[str] = []
        self.replays = 0
        self.threads = [threading.Thread(target=self._run, args=(i,), daemon=True) for i in range(threads)]

    def ports(self) -> list[int]:
        return [proc.port for proc in self.stack.web.values()]

    def _send(self, kind: str, method: str, path: str, token: str, body, key: str = "", turn: int = 0) -> Answer:
        ports = self.ports()
        headers = {"Authorization": f"Token {token}"}
        if key:
            headers["Idempotency-Key"] = key
        answer = Answer(0)
        for offset in range(len(ports)):  # a refused connection goes to the next instance, as a balancer would
            port = ports[(turn + offset) % len(ports)]
            started = time.monotonic()
            answer = call(port, method, path, body=body, headers=headers)
            with self.lock:
                self.attempts.append(Attempt(kind, started, time.monotonic(), answer.status, port, answer.error))
            if answer.status:
                break
        return answer

    def _until_answered(self, kind: str, method: str, path: str, token: str, body, key: str, turn: int) -> Answer:
        deadline = time.monotonic() + WRITE_DEADLINE
        pause = 0.2
        while time.monotonic() < deadline:
            answer = self._send(kind, method, path, token, body, key, turn)
            if answer.status and answer.status < 500 and answer.status != 429:
                return answer
            time.sleep(pause)  # no answer, 5xx or 429: the same request again, the same key
            pause = min(pause * 2, 2.0)
            turn += 1
        return Answer(0, error="deadline")

    def _run(self, index: int) -> None:
        n = 0
        while not self.stop.is_set():
            n += 1
            key = f"drill-{index}-{n}-{uuid.uuid4().hex[:8]}"
            received = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
            body = {
                "channel": "hotline",
                "received_at": received,
                "complainant_name": "演练用户",
                "complainant_phone": f"139{index:02d}{n:06d}"[:11],
                "subject": f"故障演练投诉 {index}-{n}",
                "content": "故障演练：登记后受理，验证不丢不重。",
                "amount": f"{n}.50",
                "org_unit": self.org_unit,
                "external_ref": key,
            }
            answer = self._until_answered("register", "POST", "/api/v1/complaints/", self.tokens["agent"], body, key, n)
            if answer.status not in (200, 201):
                with self.lock:
                    self.given_up.append(key)
                continue
            complaint = answer.json()["id"]
            with self.lock:
                self.registered[key] = complaint
                self.replays += answer.headers.get("idempotent-replayed") == "true"
            accept = self._until_answered(
                "accept", "POST", f"/api/v1/complaints/{complaint}/accept/", self.tokens["officer"], {}, "", n
            )
            # 200: accepted now; 409: a retry after a lost answer found it accepted already
            if accept.status == 200 or (accept.status == 409 and self._is_accepted(complaint)):
                with self.lock:
                    self.accepted.add(complaint)
            time.sleep(PAUSE_BETWEEN_CALLS)

    def _is_accepted(self, complaint: int) -> bool:
        answer = self._send("read", "GET", f"/api/v1/complaints/{complaint}/", self.tokens["officer"], None)
        return answer.status == 200 and answer.json().get("status") != "registered"

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def finish(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=WRITE_DEADLINE + 10)


# --- the drill --------------------------------------------------------------------------------------------------

SEED = """
import json
from rest_framework.authtoken.models import Token
from xiaobao.core.models import OrgUnit, User
from xiaobao.core.roles import role_group

L = OrgUnit.Level
hq = OrgUnit(code="HQ", name="总公司", level=L.HEAD_OFFICE); hq.save()
branch = OrgUnit(code="A", name="北京分公司", level=L.BRANCH, parent=hq); branch.save()
people = {}
for username, unit, role in (("agent", hq, "agent"), ("officer", branch, "branch_officer")):
    user = User.objects.create_user(username=username, password=%(password)r, org_unit=unit, full_name=username)
    user.groups.add(role_group(role))
    people[username] = Token.objects.create(user=user).key
print(json.dumps({"tokens": people, "org_unit": branch.pk}))
"""


class Drill:
    def __init__(self, stack: Stack):
        self.stack = stack
        self.t0 = 0.0
        self.faults: list[dict] = []
        self.notes: dict = {}

    def now(self) -> float:
        return time.monotonic()

    def fault(self, name, start: float, server_down: tuple | None, recovered: float | None, what: str) -> None:
        """`server_down`: when a server was really down (5xx then are expected); `recovered`: when `what` held."""
        self.faults.append(
            {"name": name, "start": start, "down": server_down, "recovered": recovered, "recovered_means": what}
        )

    def first_write_after(self, load: Load, moment: float, limit: float = 90, started_after=False) -> float | None:
        deadline = moment + limit
        while self.now() < deadline:
            with load.lock:
                done = [
                    a.ended
                    for a in load.attempts
                    if a.kind in ("register", "accept")
                    and a.status in (200, 201)
                    and (a.started >= moment or not started_after)
                ]
            after = [t for t in done if t > moment]
            if after:
                return min(after)
            time.sleep(0.2)
        return None

    def ready(self, port: int, limit: float) -> float | None:
        deadline = self.now() + limit
        while self.now() < deadline:
            if call(port, "GET", "/readyz", timeout=3).status == 200:
                return self.now()
            time.sleep(0.2)
        return None

    # the faults, in order
    def kill_gunicorn_worker(self, load: Load) -> None:
        web1 = self.stack.web["web1"]
        victims = gunicorn_workers(web1.popen.pid)
        start = self.now()
        if victims:
            os.kill(victims[0], signal.SIGKILL)
        self.notes["gunicorn_worker_killed"] = bool(victims)
        recovered = None
        deadline = start + 60
        while self.now() < deadline:  # gunicorn's master replaces the worker
            if len(set(gunicorn_workers(web1.popen.pid)) - set(victims[:1])) >= len(victims):
                recovered = self.now()
                break
            time.sleep(0.2)
        self.fault("gunicorn worker killed (web1)", start, None, recovered, "web1 has all its workers again")

    def kill_gunicorn_instance(self, load: Load) -> None:
        web2 = self.stack.web["web2"]
        start = self.now()
        web2.signal_group(signal.SIGKILL)
        web2.popen.wait(timeout=10)
        time.sleep(8)
        back = self.now()
        self.stack.start_web("web2")
        ready = self.ready(web2.port, 120)
        self.fault(
            "gunicorn instance killed (web2), restarted after 8 s",
            start,
            (start, ready or back),
            ready,
            "web2 ready again",
        )

    def import_with_worker_killed(self, load: Load, session: dict) -> None:
        """Upload the 1,200-row workbook as the officer; kill the Celery worker that runs it half-way."""
        w1, w2 = self.stack.workers["w1"], self.stack.workers["w2"]
        w2.signal_group(signal.SIGSTOP)  # only w1 can take the job: the one killed is the one importing
        start = self.now()
        job = None
        for _attempt in range(3):  # an upload that timed out wrote nothing: send it again
            status = upload_import(self.stack.web["web1"].port, session, IMPORT_ROWS)
            found = sql_one(self.stack, "SELECT max(id) FROM complaints_importjob")
            job = found[0] if found else None
            self.notes["import_upload"] = status
            if job:
                break
        self.notes["import_job"] = job
        killed_at = None
        if job:
            deadline = self.now() + 120
            while self.now() < deadline:
                state = sql_one(self.stack, "SELECT status, processed_rows FROM complaints_importjob WHERE id=%s", job)
                if state and (state[0] == "importing" or (state[1] or 0) > 0):
                    break
                if state and state[0] in ("done", "rejected", "failed"):
                    break
                time.sleep(0.1)
            self.notes["import_state_when_killed"] = list(state) if state else None
            w1.signal_group(signal.SIGKILL)
            w1.popen.wait(timeout=10)
            killed_at = self.now()
        w2.signal_group(signal.SIGCONT)
        time.sleep(2)
        self.stack.start_worker("w1")  # a replacement under the same name, as systemd would restart it
        # a dead worker's job is noticed by its heartbeat (3 minutes) plus a sweep, then retried
        final = self.wait_job(job, 420) if job else {}
        self.notes["import_final"] = final
        ended = self.now() if final.get("status") in ("done", "rejected", "failed") else None
        self.fault("celery worker killed mid-import", killed_at or start, None, ended, "the import job ended")
        self.notes["import_window"] = (start, self.now())

    def wait_job(self, job: int, limit: float) -> dict:
        deadline = self.now() + limit
        state = None
        while self.now() < deadline:
            state = sql_one(
                self.stack,
                "SELECT status, processed_rows, imported, message FROM complaints_importjob WHERE id=%s",
                job,
            )
            if state and state[0] in ("done", "rejected", "failed"):
                break
            time.sleep(1)
        return (
            {"status": state[0], "processed_rows": state[1], "imported": state[2], "message": state[3]} if state else {}
        )

    def restart_postgres(self, load: Load) -> None:
        start = self.now()
        self.stack.restart_postgres()
        up = self.now()
        recovered = self.first_write_after(load, start, started_after=True)
        self.fault(
            "PostgreSQL restarted", start, (start, up), recovered, "a write sent after the restart began succeeded"
        )

    def stop_redis(self, load: Load) -> None:
        start = self.now()
        self.stack.redis.stop()
        time.sleep(2)
        token = call(
            self.stack.web["web1"].port,
            "POST",
            "/api/v1/auth/token/",
            body={"username": "officer", "password": PASSWORD},
        )
        ready = call(self.stack.web["web1"].port, "GET", "/readyz").json() or {}
        self.notes["token_while_redis_down"] = token.status
        self.notes["readyz_while_redis_down"] = ready.get("status")
        time.sleep(max(0.0, 20 - (self.now() - start)))
        self.stack.start_redis()
        ok = None
        deadline = self.now() + 60
        while self.now() < deadline:
            if (call(self.stack.web["web1"].port, "GET", "/readyz").json() or {}).get("status") == "ok":
                ok = self.now()
                break
            time.sleep(0.5)
        self.fault("Redis stopped for 20 s", start, None, ok, "/readyz ok again")


def sql_one(stack: Stack, query: str, *params):
    import psycopg

    with psycopg.connect(stack.env["DATABASE_URL"], connect_timeout=5) as connection:
        return connection.execute(query, params).fetchone()


def sql_all(stack: Stack, query: str, *params):
    import psycopg

    with psycopg.connect(stack.env["DATABASE_URL"], connect_timeout=5) as connection:
        return connection.execute(query, params).fetchall()


def sign_in(port: int, username: str) -> dict:
    """A page session (the import is a page): the login form with its CSRF token, then the session cookie."""
    page = call(port, "GET", "/accounts/login/")
    cookies = dict(re.findall(r"(csrftoken)=([^;]+)", page.headers.get("set-cookie", "")))
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.body).group(1).decode()
    form = f"username={username}&password={PASSWORD}&csrfmiddlewaretoken={token}".encode()
    answer = call(
        port,
        "POST",
        "/accounts/login/",
        body=form,
        headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={cookies['csrftoken']}"},
    )
    cookies.update(dict(re.findall(r"(sessionid|csrftoken)=([^;]+)", answer.headers.get("set-cookie", ""))))
    return cookies


def upload_import(port: int, session: dict, rows: int) -> int:
    from openpyxl import Workbook, load_workbook

    cookie = "; ".join(f"{k}={v}" for k, v in session.items())
    template = call(port, "GET", "/complaints/import/template.xlsx", headers={"Cookie": cookie})
    headers = [c.value for c in next(load_workbook(io.BytesIO(template.body)).active.iter_rows(max_row=1))]
    values = {
        "投诉渠道": "400热线",
        "收到时间": (datetime.now() - timedelta(days=1)).strftime("%Y-%m-%d %H:%M"),
        "投诉人姓名": "导入用户",
        "投诉事由": "批量导入演练",
        "投诉内容": "故障演练中的批量导入。",
        "责任机构代码": "A",
    }
    book = Workbook()
    sheet = book.active
    sheet.append(headers)
    for n in range(rows):
        sheet.append([f"IMP-{n:05d}" if h == "外部编号" else values.get(h, "") for h in headers])
    content = io.BytesIO()
    book.save(content)
    page = call(port, "GET", "/complaints/import/", headers={"Cookie": cookie})
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.body)
    body, content_type = multipart(
        {"csrfmiddlewaretoken": token.group(1).decode() if token else ""}, {"file": ("drill.xlsx", content.getvalue())}
    )
    answer = call(
        port, "POST", "/complaints/import/", body=body, headers={"Content-Type": content_type, "Cookie": cookie}
    )
    if answer.status != 302:
        log(f"import upload answered {answer.status}")
    return answer.status


def summarise(drill: Drill, load: Load, stack: Stack, started: float) -> dict:
    attempts = sorted(load.attempts, key=lambda a: a.started)
    writes = [a for a in attempts if a.kind in ("register", "accept")]

    def rel(t):
        return round(t - started, 1) if t is not None else None

    downs = [f["down"] for f in drill.faults if f["down"]]

    def while_down(a: Attempt) -> bool:  # the call overlapped a moment when a server was really down
        return any(a.started <= end + 1 and a.ended >= begin - 1 for begin, end in downs)

    faults = []
    for index, fault in enumerate(drill.faults):
        end = drill.faults[index + 1]["start"] if index + 1 < len(drill.faults) else attempts[-1].ended + 1
        window = [a for a in writes if fault["start"] <= a.ended < end]  # by when the caller got its answer
        five = [a for a in window if a.status >= 500]
        acknowledged = sorted(a.ended for a in window if a.status in (200, 201))
        marks = [fault["start"], *acknowledged, end]
        faults.append(
            {
                "fault": fault["name"],
                "at_s": rel(fault["start"]),
                "answers": len(window),
                "5xx": len(five),
                "5xx_while_no_server_was_down": sum(1 for a in five if not while_down(a)),
                "no_answer": sum(1 for a in window if a.status == 0),
                "longest_gap_without_an_acknowledged_write_s": round(
                    max(b - a for a, b in itertools.pairwise(marks)), 1
                ),
                "seconds_to_recover": round(fault["recovered"] - fault["start"], 1) if fault["recovered"] else None,
                "recovered_means": fault["recovered_means"],
            }
        )
    # lost and duplicated: what the clients were told against the rows
    refs = sql_all(
        stack,
        "SELECT external_ref, count(*), min(status) FROM complaints_complaint WHERE external_ref LIKE 'drill-%%' GROUP BY 1",
    )
    stored = {ref: (count, status) for ref, count, status in refs}
    lost = [key for key in load.registered if key not in stored]
    duplicated = [ref for ref, (count, _) in stored.items() if count > 1]
    # the import's rows, each with its own external reference: retried after the kill, never imported twice
    imported = sql_all(
        stack, "SELECT external_ref, count(*) FROM complaints_complaint WHERE external_ref LIKE 'IMP-%%' GROUP BY 1"
    )
    duplicated += [ref for ref, count in imported if count > 1]
    ids = {pk for (pk,) in sql_all(stack, "SELECT id FROM complaints_complaint WHERE status <> 'registered'")}
    accept_lost = [pk for pk in load.accepted if pk not in ids]
    # stuck: any job still open at the end
    stuck = []
    for table, open_states in (
        ("complaints_importjob", ("queued", "checking", "importing")),
        ("knowledge_importbatch", ("queued", "running")),
        ("indicators_reportjob", ("queued", "running")),
    ):
        with contextlib.suppress(Exception):
            rows = sql_all(stack, f"SELECT id, status FROM {table} WHERE status = ANY(%s)", list(open_states))  # noqa: S608
            stuck += [f"{table}#{pk} ({status})" for pk, status in rows]
    start, end = drill.notes.get("import_window", (None, None))
    during = [a.ended - a.started for a in writes if start and end and start <= a.started <= end and a.status]
    first_fault = drill.faults[0]["start"] if drill.faults else started
    before = [a.ended - a.started for a in writes if a.ended < first_fault and a.status]  # no fault yet
    verify = stack.manage("audit_verify", timeout=300)
    job = drill.notes.get("import_job")
    final = sql_one(
        stack, "SELECT status, processed_rows, attempts, message FROM complaints_importjob WHERE id=%s", job
    )
    return {
        "acknowledged": len(load.registered),
        "acknowledged_accepts": len(load.accepted),
        "replays_answered": load.replays,
        "not_acknowledged_within_deadline": len(load.given_up),
        "lost": len(lost) + len(accept_lost),
        "lost_registrations": lost[:20],
        "lost_accepts": accept_lost[:20],
        "duplicated": len(duplicated),
        "stuck_jobs": len(stuck),
        "stuck": stuck,
        "import": {
            "rows": IMPORT_ROWS,
            "complaints_in_database": sum(count for _, count in imported),
            "upload_status": drill.notes.get("import_upload"),
            "when_the_wait_ended": drill.notes.get("import_final"),
            "at_the_end": dict(zip(("status", "processed_rows", "attempts", "message"), final, strict=True))
            if final
            else None,
        },
        "import_state_when_worker_killed": drill.notes.get("import_state_when_killed"),
        "writes_during_import": {
            "count": len(during),
            "p95_s": round(statistics.quantiles(during, n=20)[18], 3) if len(during) >= 20 else None,
            "max_s": round(max(during), 3) if during else None,
            f"over_{BLOCKED:g}s": sum(1 for d in during if d > BLOCKED),
            "baseline_max_s": round(max(before), 3) if before else None,
            f"baseline_over_{BLOCKED:g}s": sum(1 for d in before if d > BLOCKED),  # the machine's own noise
            "baseline_median_s": round(statistics.median(before), 3) if before else None,
            "median_s": round(statistics.median(during), 3) if during else None,
        },
        "faults": faults,
        "token_while_redis_down": drill.notes.get("token_while_redis_down"),
        "readyz_while_redis_down": drill.notes.get("readyz_while_redis_down"),
        "gunicorn_414_json": drill.notes.get("gunicorn_414_json"),
        "audit_verify": {"exit": verify.returncode, "output": (verify.stdout + verify.stderr).strip()[-600:]},
        "seconds": round(time.monotonic() - started, 1),
    }


def run(base: Path, threads: int = CLIENT_THREADS) -> dict:
    stack = Stack(base)
    try:
        log(f"throwaway directory {base}")
        stack.start_postgres()
        stack.start_redis()
        migrated = stack.manage("migrate", "--noinput")
        if migrated.returncode:
            raise SystemExit(f"migrate failed:\n{migrated.stdout}\n{migrated.stderr}")
        collected = stack.manage("collectstatic", "--noinput")  # production storage serves hashed names only
        if collected.returncode:
            raise SystemExit(f"collectstatic failed:\n{collected.stderr}")
        seeded = stack.manage("shell", "-c", SEED % {"password": PASSWORD})
        if seeded.returncode:
            raise SystemExit(f"seeding failed:\n{seeded.stderr}")
        seed = json.loads(seeded.stdout.strip().splitlines()[-1])
        for name in ("web1", "web2"):
            stack.start_web(name)
        for name in ("w1", "w2"):
            stack.start_worker(name)
        stack.start_beat()
        drill = Drill(stack)
        for proc in stack.web.values():
            if drill.ready(proc.port, 90) is None:
                raise SystemExit(f"{proc.name} did not become ready; see {stack.logs}")
        long_url = "/api/v1/complaints/?q=" + "x" * 9000  # over gunicorn's largest request line (8190)
        too_long = call(stack.web["web1"].port, "GET", long_url)
        drill.notes["gunicorn_414_json"] = too_long.status == 414 and set(too_long.json() or {}) == {
            "error",
            "detail",
            "fields",
        }
        session = sign_in(stack.web["web1"].port, "officer")
        for proc in stack.web.values():  # warm every worker up, so the baseline is not first-request latency
            for _ in range(4):
                call(
                    proc.port,
                    "GET",
                    "/api/v1/complaints/",
                    headers={"Authorization": f"Token {seed['tokens']['agent']}"},
                )
        load = Load(stack, seed["tokens"], seed["org_unit"], threads)
        started = time.monotonic()
        load.start()
        log("load running: baseline")
        time.sleep(20)
        log("fault: kill a gunicorn worker")
        drill.kill_gunicorn_worker(load)
        time.sleep(6)
        log("fault: kill a gunicorn instance")
        drill.kill_gunicorn_instance(load)
        time.sleep(4)
        log("fault: import, kill the celery worker running it")
        drill.import_with_worker_killed(load, session)
        log("fault: restart PostgreSQL")
        drill.restart_postgres(load)
        time.sleep(6)
        log("fault: stop Redis for 20 s")
        drill.stop_redis(load)
        time.sleep(8)
        log("stopping the load")
        load.finish()
        return summarise(drill, load, stack, started)
    finally:
        stack.stop_all()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", action="store_true", help="keep the throwaway directories")
    parser.add_argument("--threads", type=int, default=CLIENT_THREADS, help="client threads putting load on")
    args = parser.parse_args(argv)
    if not (find_binary("initdb") and find_binary("pg_ctl") and shutil.which("redis-server")):
        print(json.dumps({"skipped": "needs PostgreSQL (initdb, pg_ctl) and redis-server"}))
        return 2
    base = Path(tempfile.mkdtemp(prefix="xiaobao-drill-"))
    if os.geteuid() == 0:
        os.chmod(base, 0o755)  # noqa: S103 — PostgreSQL runs as its own account and keeps its data below
    try:
        result = run(base, args.threads)
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)
    print(json.dumps(result, ensure_ascii=False, indent=2))
    goals = (
        result["lost"] == 0
        and result["duplicated"] == 0
        and result["stuck_jobs"] == 0
        and not result["writes_during_import"][f"over_{BLOCKED:g}s"]
        and all(f["5xx_while_no_server_was_down"] == 0 for f in result["faults"])
    )
    return 0 if goals else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
