"""Whole pages through gunicorn, each against a bare view under the same middleware, in the same run.

Run: `.venv/bin/python benchmarks/pages.py [--quick] [--rows N] [--database sqlite|postgres]`
(or DATABASE_URL=postgres://… for a server of your own; the database named must exist and be empty).
- SQLite: a new file in a temp dir. `--database postgres`: a throwaway server on loopback (Debian's binaries,
  as scripts/run_tests.py starts one), removed afterwards.
- The rows (default 200,000 complaints; `--rows 1000000`; `--quick` 20,000) are written in bulk with the driver
  (benchmarks/pages_seed.py): a branch tree of 40 units, the complaints spread over it and over a year, the open
  ones (about one in five) each with its process instance and open task copied from complaints registered through
  the services (so the engine state is real), plus knowledge documents through the service (indexed) and the
  indicator values of this year and quarter computed by the engine over those rows. Personal data is encrypted
  once and reused.
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
import re
import shutil
import socket
import statistics as stats
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: the seeding module is imported from the project root
    sys.path.insert(0, str(ROOT))

from benchmarks.pages_seed import PASSWORD, Site, seed  # noqa: E402 — after the path above

SETTINGS = "benchmarks.pages_settings"
GOAL, FLOOR = 0.25, 0.15
SEARCH = "理赔材料"
__all__ = ["Site", "measure", "paths", "seed"]  # what tests/web/test_pages_benchmark.py uses


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
