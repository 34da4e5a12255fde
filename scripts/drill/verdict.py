"""The verdict: what the clients were told against the rows in the database (lost, duplicated), jobs left open, 5xx per
fault, writes slowed by the import, and audit_verify.
"""

from __future__ import annotations

import itertools
import statistics
import time

from drill import BLOCKED, IMPORT_ROWS
from drill.client import Attempt, Load
from drill.faults import Drill, open_jobs
from drill.stack import Stack, sql_all, sql_one


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
    # stuck: any job still open once the drill has waited for the open ones to end
    stuck = open_jobs(stack)
    start, end = drill.notes.get("import_window", (None, None))
    during = [a.ended - a.started for a in writes if start and end and start <= a.started <= end and a.status]
    first_fault = drill.faults[0]["start"] if drill.faults else started
    before = [a.ended - a.started for a in writes if a.ended < first_fault and a.status]  # no fault yet
    waits = stack.lock_waits_ms()
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
        "seconds_for_open_jobs_to_end_after_the_load": drill.notes.get("settled_after_s"),
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
            "baseline_count": len(before),
        },
        # a write blocked by another user's transaction waits on a lock: PostgreSQL logs each wait past 1 s
        "lock_waits": {
            "over_1s": len(waits),
            f"over_{BLOCKED:g}s": sum(1 for ms in waits if ms > BLOCKED * 1000),
            "max_s": round(max(waits) / 1000, 3) if waits else 0,
        },
        "faults": faults,
        "token_while_redis_down": drill.notes.get("token_while_redis_down"),
        "readyz_while_redis_down": drill.notes.get("readyz_while_redis_down"),
        "gunicorn_414_json": drill.notes.get("gunicorn_414_json"),
        "audit_verify": {"exit": verify.returncode, "output": (verify.stdout + verify.stderr).strip()[-600:]},
        "seconds": round(time.monotonic() - started, 1),
    }
