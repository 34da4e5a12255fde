"""The faults, one after another, each noting when it began, when a server was really down (5xx then are expected) and
when the site had recovered.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time

from drill import IMPORT_ROWS, PASSWORD
from drill.client import Load, call, upload_import
from drill.stack import Stack, gunicorn_workers, sql_all, sql_one


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

    def settle(self, limit: float) -> float | None:
        """After the load: wait for every job left open (an import resumed after the faults) to end; the seconds
        it took, or None if some job was still open after `limit` (then it counts as stuck)."""
        start = self.now()
        while self.now() < start + limit:
            if not open_jobs(self.stack):
                return round(self.now() - start, 1)
            time.sleep(2)
        return None

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


OPEN_JOBS = (
    ("complaints_importjob", ("queued", "checking", "importing")),
    ("knowledge_importbatch", ("queued", "running")),
    ("indicators_reportjob", ("queued", "running")),
)


def open_jobs(stack: Stack) -> list[str]:
    """Every background job not finished, as `table#id (status)`."""
    found = []
    for table, states in OPEN_JOBS:
        with contextlib.suppress(Exception):  # a table another installation may not have
            rows = sql_all(stack, f"SELECT id, status FROM {table} WHERE status = ANY(%s)", list(states))  # noqa: S608
            found += [f"{table}#{pk} ({status})" for pk, status in rows]
    return found
