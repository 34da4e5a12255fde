"""Workflow throughput: stored transitions per second through workflow.services vs the raw write limit.

Run: `.venv/bin/python benchmarks/workflow_throughput.py [--instances N]` (SQLite in a temp dir), or with
`--database-url postgres://...` (or DATABASE_URL) for PostgreSQL: a throwaway test database is created and dropped.
Prints JSON: services_tps (start + 6 completes of a 6-user-task process, each a stored transition),
raw_tps (the same lifecycles with the DB driver directly: the same rows, and the reads a correct transition
must make — the instance lock, the check of the task, the inbox lookup the services side is timed with —
one transaction each), and ratio = services_tps / raw_tps. Until stop 29 the peer wrote the rows alone (no
read, no lock, no start) while the services side was timed with its lookup; that figure is still printed
(raw_writes_only_tps, ratio_to_writes_only). The audit row is appended unsealed in the transition's own transaction on
both sides, as core.audit.record does (no shared chain head is locked by a writer); the chain is sealed
afterwards by the sealer, timed on its own (seal_rows_per_second, over both sides' rows) since the worker runs
it beside the writers, not inside them.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
if __name__ == "__main__":
    import backends

    if backends.wanted(sys.argv[1:]):
        # no database named: this run on SQLite and on a throwaway PostgreSQL, printed side by side
        print(json.dumps(backends.side_by_side(__file__, sys.argv[1:]), indent=2, ensure_ascii=False))
        sys.exit(0)
# the database is chosen before Django reads its settings
for i, arg in enumerate(sys.argv):
    if arg == "--database-url" and i + 1 < len(sys.argv):
        os.environ["DATABASE_URL"] = sys.argv[i + 1]
    elif arg.startswith("--database-url="):
        os.environ["DATABASE_URL"] = arg.split("=", 1)[1]
os.environ.setdefault("XIAOBAO_TESTING", "1")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xiaobao.settings")
if "DATABASE_URL" not in os.environ:
    os.environ["XIAOBAO_VAR_DIR"] = tempfile.mkdtemp(prefix="xiaobao-bench-")

import django  # noqa: E402

django.setup()

import backends  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_databases, teardown_databases  # noqa: E402
from django.utils import timezone  # noqa: E402

from xiaobao.core import audit  # noqa: E402

STEPS = 6
ROUNDS = 5


def six_step_bpmn() -> bytes:
    tasks, flows, previous = [], [], "start"
    for i in range(1, STEPS + 1):
        tasks.append(
            f'<bpmn:userTask id="step{i}" name="第{i}步"><bpmn:extensionElements><xiaobao:properties>'
            f'<xiaobao:property name="role" value="branch_officer"/></xiaobao:properties></bpmn:extensionElements></bpmn:userTask>'
        )
        flows.append(f'<bpmn:sequenceFlow id="f{i}" sourceRef="{previous}" targetRef="step{i}"/>')
        previous = f"step{i}"
    flows.append(f'<bpmn:sequenceFlow id="f_end" sourceRef="{previous}" targetRef="end"/>')
    return (
        '<?xml version="1.0" encoding="UTF-8"?><bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        'xmlns:xiaobao="urn:xiaobao:bpmn:1.0" id="bench" targetNamespace="bench"><bpmn:process id="bench_six_step" '
        f'isExecutable="true"><bpmn:startEvent id="start"/>{"".join(tasks)}<bpmn:endEvent id="end"/>{"".join(flows)}'
        "</bpmn:process></bpmn:definitions>"
    ).encode()


def prepare():
    """Deploy the process, make its user; returns the lifecycle to time and what one lifecycle stores."""
    from tests.helpers import make_unit, make_user
    from xiaobao.core.models import OrgUnit
    from xiaobao.workflow import services
    from xiaobao.workflow.models import HumanTask, ProcessInstance

    hq = make_unit("BENCH", "基准总公司", OrgUnit.Level.HEAD_OFFICE)
    officer = make_user("bench_officer", hq, "branch_officer")
    services.deploy(content=six_step_bpmn(), source="benchmark")

    def lifecycle(states: list | None = None) -> int:
        instance = services.start(process_key="bench_six_step", business_object=officer, actor=officer)
        if states is not None:
            states.append(ProcessInstance.objects.values_list("state", flat=True).get(pk=instance.pk))
        for _ in range(STEPS):
            # what an inbox click loads: the task id, its instance and the version the user saw
            task = HumanTask.objects.only("id", "instance_id", "version").get(instance=instance, status="open")
            services.complete(task=task, user=officer, data={"ok": True})
            if states is not None:
                states.append(ProcessInstance.objects.values_list("state", flat=True).get(pk=instance.pk))
        return instance.pk

    # outside the timing: the statements one lifecycle sends and the state stored at each transition
    states: list[str] = []
    lifecycle()  # warms the per-process caches (parsed spec, content types, compiled statements)
    with CaptureQueriesContext(connection) as captured:
        instance_id = lifecycle()
    statements = len(captured.captured_queries) / (STEPS + 1)
    lifecycle(states)
    return lifecycle, states, statements, instance_id, officer.pk, hq.pk


def through_services(lifecycle, instances: int) -> float:
    started = time.perf_counter()
    for _ in range(instances):
        lifecycle()
    return time.perf_counter() - started


def through_driver_writes_only(
    transitions: int, states: list[str], instance_id: int, user_id: int, org_id: int
) -> float:
    """The writes alone, as this benchmark measured its peer until stop 29 (printed beside, for comparison).

    Per transition a task update, a task insert, an instance update, a history row and an audit row on one
    instance, with no read at all: no lock of the instance, no check of the task, no inbox lookup (which the
    services side has always been timed with) and no start. Each transition writes the engine state the services path stored at the same point of the lifecycle
    (same sizes), and appends its audit row unsealed (seq and hash NULL, prev_hash empty) as audit.record
    does: a plain INSERT, no shared row locked; the sealer chains the rows afterwards.
    """
    vendor = connection.vendor
    p = "%s" if vendor == "postgresql" else "?"
    begin = "BEGIN IMMEDIATE" if vendor == "sqlite" else "BEGIN"
    connection.ensure_connection()
    raw = connection.connection
    cursor = raw.cursor()
    cursor.execute(f"SELECT id FROM workflow_humantask WHERE instance_id = {p} LIMIT 1", [instance_id])
    task_id = cursor.fetchone()[0]
    raw.commit()
    # Django keeps both drivers in autocommit mode, where each statement would be its own transaction:
    # explicit BEGIN / COMMIT make each transition one transaction (BEGIN IMMEDIATE as Django does on SQLite).
    started = time.perf_counter()
    for n in range(transitions):
        now = timezone.now()
        cursor.execute(begin)
        cursor.execute(
            f"UPDATE workflow_humantask SET status = {p}, completed_at = {p}, completed_by_id = {p}, data = {p}, version = version + 1 WHERE id = {p}",
            ["completed", now, user_id, '{"ok": true}', task_id],
        )
        cursor.execute(
            "INSERT INTO workflow_humantask (instance_id, engine_task_id, element_id, name, org_unit_id, status, version, form, data, created_at, due_provisional) "
            f"VALUES ({p}, {p}, {p}, {p}, {p}, {p}, {p}, {p}, {p}, {p}, {p})",
            [instance_id, f"raw-{n}", "step", "步骤", org_id, "open", 1, "[]", "{}", now, False],
        )
        cursor.execute(
            f"UPDATE workflow_processinstance SET state = {p}, version = version + 1 WHERE id = {p}",
            [states[n % len(states)], instance_id],
        )
        cursor.execute(
            "INSERT INTO workflow_transition (instance_id, at, actor_id, actor_name, action, element_id, element_name, changes, comment) "
            f"VALUES ({p}, {p}, {p}, {p}, {p}, {p}, {p}, {p}, {p})",
            [
                instance_id,
                now,
                user_id,
                "bench",
                "complete",
                "step",
                "步骤",
                '{"ok": {"before": null, "after": true}}',
                "",
            ],
        )
        cursor.execute(
            "INSERT INTO core_auditentry (at, actor_id, actor_name, action, object_type, object_id, object_repr, changes, reason, prev_hash) "
            f"VALUES ({p}, {p}, {p}, {p}, {p}, {p}, {p}, {p}, {p}, {p})",
            [now, user_id, "bench", "workflow.complete", "core.user", str(user_id), "bench", "{}", "", ""],
        )
        cursor.execute("COMMIT")
    return time.perf_counter() - started


def through_driver(instances: int, states: list[str], instance_id: int, user_id: int, org_id: int) -> float:
    """The same lifecycles as the services side, with the DB driver: the peer a transition is measured against.

    Per instance, like `lifecycle()`: a start (find the current definition; insert the instance, its first
    task, a history row and an audit row) and 6 completes, each preceded by the same inbox lookup of the open
    task and made of what a correct transition must do in one transaction: lock the instance row first (FOR
    UPDATE on PostgreSQL; on SQLite BEGIN IMMEDIATE has locked the database), read the task it completes (its
    status and version, and the org unit path the candidate check needs), close that task, insert the next
    one (none after the last step), store the engine state the services path stored at the same point of the
    lifecycle (same sizes) with the version bumped, and append the history and audit rows (plus the end rows
    after the last step). Audit rows go in unsealed (seq and hash NULL, prev_hash empty) as audit.record
    appends them: a plain INSERT, no shared row locked; the sealer chains the rows afterwards.
    """
    vendor = connection.vendor
    p = "%s" if vendor == "postgresql" else "?"
    begin = "BEGIN IMMEDIATE" if vendor == "sqlite" else "BEGIN"
    lock = " FOR UPDATE" if vendor == "postgresql" else ""
    connection.ensure_connection()
    raw = connection.connection
    cursor = raw.cursor()
    cursor.execute(
        f"SELECT definition_id, content_type_id, object_id FROM workflow_processinstance WHERE id = {p}", [instance_id]
    )
    definition_id, content_type_id, object_id = cursor.fetchone()
    raw.commit()

    def new_task(instance: int, n: int, now) -> None:
        cursor.execute(
            "INSERT INTO workflow_humantask (instance_id, engine_task_id, element_id, name, org_unit_id, status, "
            f"version, form, data, created_at, due_provisional) VALUES ({p}, {p}, {p}, {p}, {p}, {p}, {p}, {p}, {p}, "
            f"{p}, {p})",
            [instance, f"raw-{n}", f"step{n}", "步骤", org_id, "open", 1, "[]", "{}", now, False],
        )

    def history(instance: int, task: int | None, action: str, now, changes: str) -> None:
        cursor.execute(
            "INSERT INTO workflow_transition (instance_id, task_id, at, actor_id, actor_name, action, element_id, "
            f"element_name, changes, comment) VALUES ({p}, {p}, {p}, {p}, {p}, {p}, {p}, {p}, {p}, {p})",
            [instance, task, now, user_id, "bench", action, "step", "步骤", changes, ""],
        )
        cursor.execute(
            "INSERT INTO core_auditentry (at, actor_id, actor_name, action, object_type, object_id, object_repr, "
            f"org_unit_id, changes, reason, prev_hash) VALUES ({p}, {p}, {p}, {p}, {p}, {p}, {p}, {p}, {p}, {p}, {p})",
            [now, user_id, "bench", f"workflow.{action}", "core.user", str(user_id), "bench", org_id, "{}", "", ""],
        )

    # Django keeps both drivers in autocommit mode, where each statement would be its own transaction:
    # explicit BEGIN / COMMIT make each transition one transaction (BEGIN IMMEDIATE as Django does on SQLite).
    started = time.perf_counter()
    for _ in range(instances):
        now = timezone.now()
        uid = uuid.uuid4() if vendor == "postgresql" else uuid.uuid4().hex  # Django stores hex text on SQLite
        cursor.execute(begin)
        cursor.execute(
            f"SELECT id FROM workflow_processdefinition WHERE key = {p} AND is_current ORDER BY id LIMIT 1",
            ["bench_six_step"],
        )
        cursor.fetchone()
        cursor.execute(
            "INSERT INTO workflow_processinstance (org_unit_id, uid, definition_id, content_type_id, object_id, "
            f"object_repr, status, state, version, started_by_id, started_at) VALUES ({p}, {p}, {p}, {p}, {p}, {p}, "
            f"{p}, {p}, {p}, {p}, {p}) RETURNING id",
            [org_id, uid, definition_id, content_type_id, object_id, "bench", "running", states[0], 1, user_id, now],
        )
        instance = cursor.fetchone()[0]
        new_task(instance, 1, now)
        history(instance, None, "start", now, "{}")
        cursor.execute("COMMIT")
        for step in range(1, STEPS + 1):
            now = timezone.now()
            last = step == STEPS
            # the inbox lookup the services side makes before each complete
            cursor.execute(
                f"SELECT id, instance_id, version FROM workflow_humantask WHERE instance_id = {p} AND status = 'open'",
                [instance],
            )
            task_id, _, version = cursor.fetchone()
            cursor.execute(begin)
            cursor.execute(f"SELECT id, status, version FROM workflow_processinstance WHERE id = {p}{lock}", [instance])
            cursor.fetchone()
            cursor.execute(
                "SELECT t.status, t.version, t.assignee_id, t.candidate_role_id, o.path FROM workflow_humantask t "
                f"JOIN core_orgunit o ON o.id = t.org_unit_id WHERE t.id = {p}" + (" FOR UPDATE OF t" if lock else ""),
                [task_id],
            )
            cursor.fetchone()
            cursor.execute(
                f"UPDATE workflow_humantask SET assignee_id = {p}, status = {p}, completed_at = {p}, "
                f"completed_by_id = {p}, data = {p}, version = {p} WHERE id = {p}",
                [user_id, "completed", now, user_id, '{"ok": true}', version + 1, task_id],
            )
            if not last:
                new_task(instance, step + 1, now)
            cursor.execute(
                f"UPDATE workflow_processinstance SET state = {p}, version = {p}, status = {p}, ended_at = {p} "
                f"WHERE id = {p}",
                [states[step], step + 1, "completed" if last else "running", now if last else None, instance],
            )
            history(instance, task_id, "complete", now, '{"ok": {"before": null, "after": true}}')
            if last:
                history(instance, None, "end", now, "{}")
            cursor.execute("COMMIT")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--instances", type=int, default=150)
    parser.add_argument("--database-url", help="postgres://... (default: DATABASE_URL, else SQLite in a temp dir)")
    args = parser.parse_args(backends.strip(sys.argv[1:]))
    if connection.vendor == "postgresql":
        old = setup_databases(verbosity=0, interactive=False)
    else:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        old = None
    try:
        lifecycle, states, statements, instance_id, user_id, org_id = prepare()
        # alternating rounds, so a change in machine load hits both sides alike
        services_time = raw_time = writes_only_time = seal_time = 0.0
        sealed = 0
        rounds = max(1, min(ROUNDS, args.instances))
        for r in range(rounds):
            batch = args.instances // rounds + (1 if r < args.instances % rounds else 0)
            services_time += through_services(lifecycle, batch)
            raw_time += through_driver(batch, states, instance_id, user_id, org_id)
            writes_only_time += through_driver_writes_only(batch * (STEPS + 1), states, instance_id, user_id, org_id)
            began = time.perf_counter()
            sealed += audit.seal()  # what the worker's sealer does after the writers, in its own transactions
            seal_time += time.perf_counter() - began
        report = audit.verify_chain()
        transitions = args.instances * (STEPS + 1)
        services_tps, raw_tps = transitions / services_time, transitions / raw_time
        writes_only_tps = transitions / writes_only_time
    finally:
        if old is not None:
            connection.close()
            teardown_databases(old, verbosity=0)
    print(
        json.dumps(
            {
                "benchmark": "workflow_throughput",
                "backend": connection.vendor,
                "instances": args.instances,
                "transitions": transitions,
                "services_tps": round(services_tps, 1),
                "raw_tps": round(raw_tps, 1),
                "ratio": round(services_tps / raw_tps, 3),
                "raw_writes_only_tps": round(writes_only_tps, 1),
                "ratio_to_writes_only": round(services_tps / writes_only_tps, 3),
                "statements_per_transition": round(statements, 2),
                "seal_rows_per_second": round(sealed / seal_time, 1) if seal_time else None,
                "audit_verify": {"ok": report.ok, "rows": report.rows, "unsealed": report.unsealed},
                "state_bytes_per_instance": {"first": len(states[0]), "last": len(states[-1])},
                "floor_ratio_sqlite": 0.10,
                "goal_ratio": 0.25,
                "note": (
                    f"services: start + {STEPS} completes of a {STEPS}-user-task process per instance, each a stored "
                    "transition, plus the inbox lookup of the open task before each complete; statements include "
                    "BEGIN/COMMIT and that lookup. raw: the same lifecycles with the driver's cursor: the start "
                    "(definition read, instance, task, history and audit inserts) and per complete the same "
                    "lookup, then in one transaction the instance lock (FOR UPDATE on PostgreSQL), the task "
                    "read, the task update, the next task insert, the instance state update (the same state "
                    "sizes), one history row and one unsealed audit row (plus the end rows), as audit.record "
                    "appends them; raw_writes_only: the writes of a transition alone (the peer before stop 29); "
                    "the sealer chains both sides' rows between rounds, timed apart (seal_rows_per_second)."
                ),
            },
            indent=2,
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
