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

Then it waits (up to SETTLE_SECONDS) for jobs still open to end, checks what the clients were told against the
database and prints JSON: acknowledged writes, lost ones (acknowledged but not in the database), duplicated
ones, stuck jobs (still open after that wait), 5xx and refused connections per fault, seconds to recover, the
slowest writes while the import ran beside those before any fault, every lock wait PostgreSQL logged past 1 s
(`log_lock_waits`), and `audit_verify`. Goals (issue 15): lost 0, duplicated 0, stuck 0, no write blocked
longer than 2 s by another user's import (no lock wait over 2 s), 5xx only while a server is actually down;
the exit status is 1 when one is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from drill import BLOCKED, CLIENT_THREADS, PASSWORD, log
from drill.client import Load, call, sign_in
from drill.faults import Drill
from drill.stack import Stack
from drill.verdict import summarise
from run_tests import find_binary

#: after the load, how long the drill waits for jobs left open (an import resumed after the faults) to end
SETTLE_SECONDS = 900

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
        log("waiting for the jobs still open to end")
        drill.notes["settled_after_s"] = drill.settle(SETTLE_SECONDS)
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
        and not result["lock_waits"][f"over_{BLOCKED:g}s"]
        and all(f["5xx_while_no_server_was_down"] == 0 for f in result["faults"])
    )
    return 0 if goals else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
