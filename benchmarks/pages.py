"""Whole pages through gunicorn, each against a bare view under the same middleware, in the same run.

Run: `.venv/bin/python benchmarks/pages.py [--quick] [--rows N] [--database sqlite|postgres]`
(or DATABASE_URL=postgres://… for a server of your own; the database named must exist and be empty).
- SQLite: a new file in a temp dir. `--database postgres`: a throwaway server on loopback (Debian's binaries,
  as scripts/run_tests.py starts one), removed afterwards.
- The rows (default 200,000 complaints; `--rows 1000000`; `--quick` 20,000) are written in bulk with the driver:
  a branch tree of 40 units, the complaints spread over it and over a year, the open ones (about one in five) each
  with its process instance and open task copied from complaints registered through the services (so the
  engine state is real), plus knowledge documents through the service (indexed) and the indicator values of
  this year and quarter computed by the engine over those rows. Personal data is encrypted once and reused.
- gunicorn (2 sync workers, the project's gunicorn.conf.py) serves `benchmarks.pages_settings`: the project's
  settings and URLs plus a bare view (`/bench/bare/`) that reads the signed-in user and returns a few bytes.
- CLIENTS threads, each with its own http.client connection and its own session (signed in through the login
  form as a 分支机构消保专员 of the first branch, whose subtree holds a third of the rows), request one path as fast
  as they can for SECONDS; the bare view and each page alternate in ROUNDS rounds, so a change in the machine's
  load hits both sides alike.
Prints JSON: per page requests/s, p50/p95 ms, queries are not counted here (tests pin them), and
`ratio` = the page's requests/s over the bare view's in the same rounds (goal >= 0.25, floor 0.15); `worst`.
The machine may be shared: absolute figures are pessimistic, the ratios are what count.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import random
import re
import shutil
import socket
import statistics as stats
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = "benchmarks.pages_settings"
PASSWORD = "Bench-Pass-2026!"
CHUNK = 5000
GOAL, FLOOR = 0.25, 0.15
# how the complaints spread over statuses: most closed, about one in five open with a running process
STATUS_WEIGHTS = {"closed": 76, "withdrawn": 4, "registered": 5, "handling": 15}
SUBJECTS = ["理赔时效慢", "销售误导", "退保金额争议", "保全变更办理慢", "服务态度差", "续期扣费争议"]
SEARCH = "理赔材料"


@dataclass
class Site:
    units: list
    branch: object
    officer: object
    handlers: list
    detail_pk: int = 0
    counts: dict = field(default_factory=dict)


# --- seeding (runs with Django set up on the benchmark's database) -----------------------------------------------


def make_site():
    """HQ, three branches, four central sub-branches each, two sub-branches under each of those (40 units); the
    measured officer in the first branch, six handlers spread over the branches."""
    from xiaobao.core.models import OrgUnit, User
    from xiaobao.core.roles import role_group

    def unit(code, name, level, parent=None):
        made = OrgUnit(code=code, name=name, level=level, parent=parent)
        made.save()
        return made

    def user(username, at, name):
        made = User.objects.create_user(username=username, password=PASSWORD, org_unit=at, full_name=name)
        made.groups.add(role_group("branch_officer"))
        return made

    L = OrgUnit.Level
    hq = unit("PB", "基准人寿总公司", L.HEAD_OFFICE)
    units, branches = [hq], []
    for b in range(3):
        branch = unit(f"PB{b}", f"第{b + 1}分公司", L.BRANCH, hq)
        branches.append(branch)
        units.append(branch)
        for c in range(4):
            central = unit(f"PB{b}C{c}", f"第{b + 1}分公司第{c + 1}中支", L.CENTRAL_SUB_BRANCH, branch)
            units.append(central)
            for s in range(2):
                units.append(unit(f"PB{b}C{c}S{s}", f"第{b + 1}-{c + 1}-{s + 1}支公司", L.SUB_BRANCH, central))
    officer = user("bench_officer", branches[0], "张伟")
    handlers = [user(f"bench_handler{i}", branches[i % 3], f"处理人{i}") for i in range(6)]
    return Site(units=units, branch=branches[0], officer=officer, handlers=handlers)


def _templates(site: Site, now):
    """Two complaints through the services, whose process rows the bulk rows copy: one registered (its 受理
    task open) and one being handled by the officer (its 调查处理 task open)."""
    from xiaobao.complaints import services
    from xiaobao.complaints.registration import complaint_register

    unit = next(u for u in site.units if u.path.startswith(site.branch.path) and u.level >= 3)

    def register(n):
        return complaint_register(
            actor=site.officer,
            channel="hotline",
            received_at=now - timedelta(hours=2),
            complainant_name="王秀兰",
            complainant_phone="13900001234",
            subject=SUBJECTS[n],
            content="投诉人反映：" + SUBJECTS[n],
            org_unit=unit,
            now=now - timedelta(hours=1),
        )

    registered = register(0)
    handling = register(1)
    services.complaint_accept(complaint=handling, actor=site.officer, now=now - timedelta(minutes=30))
    handling = services.complaint_assign(complaint=handling.pk, actor=site.officer, now=now - timedelta(minutes=20))
    return registered, handling


def _prepared(obj, connection) -> dict:
    """{attname: the value the driver stores} for every concrete column of a model instance."""
    return {f.attname: f.get_db_prep_save(getattr(obj, f.attname), connection) for f in obj._meta.concrete_fields}


def _insert_sql(model, names, connection) -> str:
    meta = model._meta
    columns = ", ".join(connection.ops.quote_name(meta.get_field(n).column) for n in names)
    return (
        f"INSERT INTO {connection.ops.quote_name(meta.db_table)} ({columns}) VALUES ({', '.join(['%s'] * len(names))})"
    )


def _next_id(model, connection) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {connection.ops.quote_name(model._meta.db_table)}")
        return cursor.fetchone()[0] + 1


def generate(site: Site, rows: int, now, *, seed: int = 20261207) -> dict:
    """Insert `rows` complaints with the driver (CHUNK rows per executemany, explicit ids), each open one with a
    copy of its template's process instance and open task. Returns what was written."""
    from django.core.management.color import no_style
    from django.db import connection, transaction

    from xiaobao.complaints.models import Complaint
    from xiaobao.core import crypto
    from xiaobao.workflow.models import HumanTask, ProcessInstance

    templates = _templates(site, now)
    process = {}
    for complaint in templates:
        instance = ProcessInstance.objects.get(
            object_id=str(complaint.pk), definition__key="complaint", status=ProcessInstance.Status.RUNNING
        )
        task = instance.tasks.get(status=HumanTask.Status.OPEN)
        process[complaint.status] = (_prepared(instance, connection), _prepared(task, connection))

    complaint_row = _prepared(Complaint.objects.get(pk=templates[0].pk), connection)
    cipher = {"name": crypto.encrypt("王秀兰"), "phone": crypto.encrypt("13900001234")}
    complaint_row.update(
        complainant_name=cipher["name"], complainant_phone=cipher["phone"], idempotency_key=None, idempotency_digest=""
    )
    c_names = list(complaint_row)
    i_names = list(process["registered"][0])
    t_names = list(process["registered"][1])
    c_sql = _insert_sql(Complaint, c_names, connection)
    i_sql = _insert_sql(ProcessInstance, i_names, connection)
    t_sql = _insert_sql(HumanTask, t_names, connection)
    moment = Complaint._meta.get_field("due_at")
    uid = ProcessInstance._meta.get_field("uid")

    def at(value):
        return moment.get_db_prep_save(value, connection)

    rng = random.Random(seed)
    statuses, weights = list(STATUS_WEIGHTS), list(STATUS_WEIGHTS.values())
    channels = list(Complaint.Channel.values)
    leaves = [u for u in site.units if u.level >= 3]
    by_branch = {f"PB{b}": site.handlers[b::3] for b in range(3)}
    next_c, next_i, next_t = (_next_id(m, connection) for m in (Complaint, ProcessInstance, HumanTask))
    written = {"complaints": 0, "instances": 0, "tasks": 0}
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for start in range(0, rows, CHUNK):
            c_batch, i_batch, t_batch = [], [], []
            for n in range(start, min(rows, start + CHUNK)):
                status = rng.choices(statuses, weights)[0]
                unit = rng.choice(leaves)
                open_ = status in ("registered", "handling")
                received = now - timedelta(days=rng.uniform(0, 14) if open_ else rng.uniform(15, 365))
                due = received + timedelta(days=15)
                closed = received + timedelta(days=rng.uniform(2, 14)) if status == "closed" else None
                local = by_branch[unit.code[:3]]  # the handlers of the row's own branch
                handler = rng.choice(local) if status != "registered" else None
                subject = rng.choice(SUBJECTS)
                row = dict(complaint_row)
                row.update(
                    id=next_c,
                    org_unit_id=unit.pk,
                    number=f"PB{n:010d}",
                    channel=rng.choice(channels),
                    subject=subject,
                    content="投诉人反映：" + subject,
                    status=status,
                    handler_id=handler.pk if handler else None,
                    # registered by a handler of the row's branch side, not by the measured officer (whose scope
                    # would otherwise take in every row: registered_by is part of it)
                    registered_by_id=rng.choice(local).pk,
                    received_at=at(received),
                    registered_at=at(received),
                    accepted_at=at(received + timedelta(hours=3)) if status != "registered" else None,
                    due_at=at(due),
                    closed_at=at(closed),
                    decided_at=at(closed),
                    withdrawn_at=at(received + timedelta(days=1)) if status == "withdrawn" else None,
                    is_repeat=rng.random() < 0.05,
                )
                c_batch.append([row.get(name) for name in c_names])
                if open_:
                    instance, task = process[status]
                    i_row = dict(instance)
                    i_row.update(id=next_i, object_id=str(next_c), org_unit_id=unit.pk, started_at=at(received))
                    i_row["object_repr"] = f"PB{n:010d}"
                    i_row["uid"] = uid.get_db_prep_save(uuid.UUID(int=rng.getrandbits(128), version=4), connection)
                    i_batch.append([i_row[name] for name in i_names])
                    t_row = dict(task)
                    t_row.update(id=next_t, instance_id=next_i, org_unit_id=unit.pk, created_at=at(received))
                    t_row.update(due_at=at(due), remind_at=None)
                    if status == "handling":
                        t_row["assignee_id"] = handler.pk
                    t_batch.append([t_row[name] for name in t_names])
                    next_i += 1
                    next_t += 1
                next_c += 1
            with transaction.atomic():
                cursor.executemany(c_sql, c_batch)
                if i_batch:
                    cursor.executemany(i_sql, i_batch)
                    cursor.executemany(t_sql, t_batch)
            written["complaints"] += len(c_batch)
            written["instances"] += len(i_batch)
            written["tasks"] += len(t_batch)
        if connection.vendor == "postgresql":
            for statement in connection.ops.sequence_reset_sql(no_style(), [Complaint, ProcessInstance, HumanTask]):
                cursor.execute(statement)
        cursor.execute("ANALYZE")
    written["seconds"] = round(time.perf_counter() - started, 1)
    # the detail page measured: a complaint the officer handles, in his subtree, with its open task
    site.detail_pk = templates[1].pk
    return written


def seed_documents(site: Site, count: int, now) -> int:
    """`count` FAQ documents through the service (published and indexed), drawn from the shipped corpus's FAQ."""
    from xiaobao.demo.knowledge_corpus import __file__ as corpus_init
    from xiaobao.knowledge import services

    corpus = Path(corpus_init).parent
    items = []
    for name in ("faq_claims.json", "faq_complaints.json", "faq_service.json", "faq_policy.json"):
        for group in json.loads((corpus / name).read_text(encoding="utf-8")):
            items += group["items"]
    units = [site.units[0], *[u for u in site.units if u.level == 2]]
    author = site.officer
    for n in range(count):
        question, answer, alternatives = items[n % len(items)]
        suffix = "" if n < len(items) else f"（{n // len(items) + 1}）"
        services.document_create(
            actor=author,
            kind="faq",
            title=question + suffix,
            question=question + suffix,
            answer=answer,
            alternatives=alternatives,
            org_unit=units[n % len(units)],
            now=now,
        )
    return count


def compute_indicators(now) -> list[str]:
    """This year's and this quarter's values, computed by the engine over the rows (what the cockpit shows)."""
    from django.utils import timezone

    from xiaobao.indicators import periods, services

    today = timezone.localdate(now)
    done = []
    for kind in (periods.YEAR, periods.QUARTER):
        period = periods.containing(today, kind)
        services.indicator_compute(period=period, now=now)
        done.append(period.code)
    return done


def seed(rows: int, *, documents: int) -> Site:
    from django.utils import timezone

    now = timezone.now()
    site = make_site()
    site.counts = generate(site, rows, now)
    started = time.perf_counter()
    site.counts["documents"] = seed_documents(site, documents, now)
    site.counts["indicator_periods"] = compute_indicators(now)
    site.counts["documents_and_indicators_seconds"] = round(time.perf_counter() - started, 1)
    return site


def paths(site: Site) -> dict:
    """The pages measured, as the officer opens them."""
    return {
        "complaint_list": "/complaints/",
        "complaint_detail": f"/complaints/{site.detail_pk}/",
        "inbox": "/workflow/",
        "cockpit": "/indicators/",
        "knowledge_search": "/knowledge/?" + urlencode({"q": SEARCH}),
        "complaint_list_api": "/api/v1/complaints/",
    }


# --- the clients ---------------------------------------------------------------------------------------------------


class Client:
    """One signed-in browser: its own connection (gunicorn's sync workers close it after each answer; http.client
    opens the next) and its own session cookie."""

    def __init__(self, host: str, port: int, username: str, password: str = PASSWORD):
        self.host, self.port = host, port
        self.conn = http.client.HTTPConnection(host, port, timeout=60)
        self.cookies: dict[str, str] = {}
        self.login(username, password)

    def request(self, method: str, path: str, body: str | None = None, headers: dict | None = None):
        sent = {"Host": f"{self.host}:{self.port}", "Accept-Language": "zh-hans", **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            self.conn.request(method, path, body=body, headers=sent)
            response = self.conn.getresponse()
        except (http.client.HTTPException, OSError):
            self.conn.close()
            self.conn.request(method, path, body=body, headers=sent)
            response = self.conn.getresponse()
        data = response.read()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key.strip()] = rest.split(";", 1)[0]
        if response.getheader("Connection", "").lower() == "close":
            self.conn.close()
        return response.status, data

    def login(self, username: str, password: str) -> None:
        status, page = self.request("GET", "/accounts/login/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if status != 200 or not token:
            raise RuntimeError(f"login page: {status}")
        body = urlencode({"csrfmiddlewaretoken": token.group(1).decode(), "username": username, "password": password})
        status, _ = self.request(
            "POST",
            "/accounts/login/",
            body,
            {"Content-Type": "application/x-www-form-urlencoded", "Referer": f"http://{self.host}:{self.port}/"},
        )
        if status != 302 or "sessionid" not in self.cookies:
            raise RuntimeError(f"login refused: {status}")


def hammer(clients: list[Client], path: str, seconds: float) -> dict:
    """Every client requests `path` back to back for `seconds`; latencies (ms) and non-200 answers collected."""
    latencies: list[list[float]] = [[] for _ in clients]
    failures: list[int] = [0 for _ in clients]
    deadline = time.perf_counter() + seconds

    def run(index: int) -> None:
        client = clients[index]
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            status, _ = client.request("GET", path)
            latencies[index].append((time.perf_counter() - started) * 1000)
            if status != 200:
                failures[index] += 1

    started = time.perf_counter()
    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return {"latencies": [x for row in latencies for x in row], "failures": sum(failures), "elapsed": elapsed}


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _summary(runs: list[dict]) -> dict:
    latencies = [x for run in runs for x in run["latencies"]]
    elapsed = sum(run["elapsed"] for run in runs)
    return {
        "requests": len(latencies),
        "failures": sum(run["failures"] for run in runs),
        "rps": round(len(latencies) / elapsed, 2) if elapsed else 0.0,
        "p50_ms": round(stats.median(latencies), 1) if latencies else None,
        "p95_ms": round(p95(latencies), 1) if latencies else None,
    }


def measure(host: str, port: int, bare: str, pages: dict, *, clients: int, seconds: float, rounds: int) -> dict:
    """Each page against the bare view: ROUNDS alternating rounds of `seconds` each side, after a warm-up."""
    from benchmarks.pages_urls import BARE_PATH

    bare = bare or BARE_PATH
    sessions = [Client(host, port, "bench_officer") for _ in range(clients)]
    results = {}
    for name, path in pages.items():
        hammer(sessions, bare, min(seconds, 1.0))  # warm-up: workers' caches, the first page's templates
        hammer(sessions, path, min(seconds, 1.0))
        bare_runs, page_runs = [], []
        for _ in range(rounds):
            bare_runs.append(hammer(sessions, bare, seconds))
            page_runs.append(hammer(sessions, path, seconds))
        base, page = _summary(bare_runs), _summary(page_runs)
        results[name] = {
            "path": path,
            "page": page,
            "bare": base,
            "ratio": round(page["rps"] / base["rps"], 3) if base["rps"] else None,
        }
    return results


# --- the run -------------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.3):
            return True
        time.sleep(0.2)
    return False


@contextlib.contextmanager
def gunicorn(env: dict, workers: int, log: Path):
    port = free_port()
    env = {**env, "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": str(workers), "LOG_LEVEL": "warning"}
    binary = Path(sys.executable).parent / "gunicorn"
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            [str(binary), "xiaobao.wsgi", "--access-logfile", "/dev/null"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        if not wait_port(port, 60):
            raise RuntimeError(f"gunicorn did not start; see {log}")
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


@contextlib.contextmanager
def database(kind: str):
    """The database URL for the run (None: SQLite in XIAOBAO_VAR_DIR)."""
    if os.environ.get("DATABASE_URL"):
        yield os.environ["DATABASE_URL"]
    elif kind == "postgres":
        sys.path.insert(0, str(ROOT / "scripts"))
        from run_tests import postgres_server

        with postgres_server() as url:
            if url is None:
                raise SystemExit("PostgreSQL binaries not found (initdb, pg_ctl)")
            import psycopg

            with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
                conn.execute("CREATE DATABASE xiaobao")
            yield url
    else:
        yield None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rows", type=int, help="complaints (default 200,000; --quick 20,000)")
    parser.add_argument("--documents", type=int, help="knowledge documents (default 500; --quick 100)")
    parser.add_argument("--quick", action="store_true", help="fewer rows, shorter rounds")
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--clients", type=int, default=4, help="concurrent signed-in clients")
    parser.add_argument("--seconds", type=float, help="seconds per side per round (default 5; --quick 2)")
    parser.add_argument("--rounds", type=int, help="alternating rounds per page (default 3; --quick 2)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--only", help="comma-separated page names to measure (default: all)")
    args = parser.parse_args()
    rows = args.rows or (20_000 if args.quick else 200_000)
    documents = args.documents if args.documents is not None else (100 if args.quick else 500)
    seconds = args.seconds or (2.0 if args.quick else 5.0)
    rounds = args.rounds or (2 if args.quick else 3)

    sys.path.insert(0, str(ROOT))
    var = tempfile.mkdtemp(prefix="xiaobao-bench-pages-")
    with contextlib.ExitStack() as stack:
        stack.callback(shutil.rmtree, var, ignore_errors=True)  # the database file runs to gigabytes at 1M rows
        url = stack.enter_context(database(args.database))
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "GUNICORN_"))}
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": SETTINGS,
                # development keys, loopback hosts, plain HTTP, unhashed static names and a fast password hash
                # (sign-in only): the settings use the flag for nothing a measured page does
                "XIAOBAO_TESTING": "1",
                "XIAOBAO_VAR_DIR": var,
                "PYTHONPATH": str(ROOT),
            }
        )
        env.pop("DATABASE_URL", None)
        if url:
            env["DATABASE_URL"] = url
        os.environ.update(env)
        if not url:
            os.environ.pop("DATABASE_URL", None)
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        migrate_seconds = round(time.perf_counter() - started, 1)
        site = seed(rows, documents=documents)
        vendor = connection.vendor
        connection.close()
        pages = paths(site)
        if args.only:
            pages = {k: v for k, v in pages.items() if k in args.only.split(",")}
        with gunicorn(env, args.workers, Path(var) / "gunicorn.log") as port:
            results = measure("127.0.0.1", port, "", pages, clients=args.clients, seconds=seconds, rounds=rounds)
    ratios = {name: r["ratio"] for name, r in results.items()}
    worst = min(ratios.values()) if ratios else None
    print(
        json.dumps(
            {
                "benchmark": "pages",
                "backend": vendor,
                "rows": rows,
                "seeded": site.counts,
                "migrate_seconds": migrate_seconds,
                "gunicorn_workers": args.workers,
                "clients": args.clients,
                "seconds_per_side_per_round": seconds,
                "rounds": rounds,
                "load_average": os.getloadavg(),
                "pages": results,
                "ratios": ratios,
                "worst": worst,
                "goal_ratio": GOAL,
                "floor_ratio": FLOOR,
                "note": (
                    "rps = answered requests per second with all clients busy on one path; ratio = the page's rps "
                    "over the bare view's (same middleware, reads the signed-in user) in alternating rounds of the "
                    "same run. Every request is a signed-in GET by the branch officer; failures count non-200s."
                ),
            },
            indent=2,
            ensure_ascii=False,
            default=str,
        )
    )


if __name__ == "__main__":
    main()
