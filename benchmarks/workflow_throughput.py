"""Workflow throughput: stored transitions per second through workflow.services vs the raw write limit.

Run: `.venv/bin/python benchmarks/workflow_throughput.py [--instances N]` (SQLite in a temp dir), or with
DATABASE_URL=postgres://... for PostgreSQL (a throwaway test database is created and dropped).
Prints JSON: services_tps (start + 6 completes of a 6-user-task process, each a stored transition),
raw_tps (the same rows per transition written with the DB driver directly, one transaction each),
and ratio = services_tps / raw_tps.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("XIAOBAO_TESTING", "1")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xiaobao.settings")
if "DATABASE_URL" not in os.environ:
    os.environ["XIAOBAO_VAR_DIR"] = tempfile.mkdtemp(prefix="xiaobao-bench-")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import setup_databases, teardown_databases  # noqa: E402
from django.utils import timezone  # noqa: E402

STEPS = 6


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


def through_services(instances: int):
    from tests.helpers import make_unit, make_user
    from xiaobao.core.models import OrgUnit
    from xiaobao.workflow import services
    from xiaobao.workflow.models import HumanTask, ProcessInstance

    hq = make_unit("BENCH", "基准总公司", OrgUnit.Level.HEAD_OFFICE)
    officer = make_user("bench_officer", hq, "branch_officer")
    services.deploy(content=six_step_bpmn(), source="benchmark")
    transitions = 0
    started = time.perf_counter()
    for _ in range(instances):
        instance = services.start(process_key="bench_six_step", business_object=officer, actor=officer)
        transitions += 1
        for _ in range(STEPS):
            # what an inbox click loads: the task id, its instance and the version the user saw
            task = HumanTask.objects.only("id", "instance_id", "version").get(instance=instance, status="open")
            services.complete(task=task, user=officer, data={"ok": True})
            transitions += 1
    elapsed = time.perf_counter() - started
    sample = ProcessInstance.objects.filter(pk=instance.pk).values_list("state", flat=True).get()
    return transitions / elapsed, transitions, sample, instance.pk, officer.pk, hq.pk


def through_driver(transitions: int, state: str, instance_id: int, user_id: int, org_id: int) -> float:
    """The same rows per transition — task update, next task insert, instance update, history, audit — raw."""
    vendor = connection.vendor
    p = "%s" if vendor == "postgresql" else "?"
    lock = " FOR UPDATE" if vendor == "postgresql" else ""
    connection.ensure_connection()
    raw = connection.connection
    cursor = raw.cursor()
    cursor.execute(f"SELECT id FROM workflow_humantask WHERE instance_id = {p} LIMIT 1", [instance_id])
    task_id = cursor.fetchone()[0]
    raw.commit()
    if vendor == "sqlite":
        raw.isolation_level = None  # explicit BEGIN IMMEDIATE / COMMIT, as Django does for this database
    started = time.perf_counter()
    for n in range(transitions):
        now = timezone.now()
        if vendor == "sqlite":
            cursor.execute("BEGIN IMMEDIATE")
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
            [state, instance_id],
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
        cursor.execute(f"SELECT last_hash FROM core_auditchainhead WHERE id = 1{lock}")
        previous = cursor.fetchone()[0]
        digest = hashlib.sha256(f"{previous}{n}".encode()).hexdigest()
        cursor.execute(
            "INSERT INTO core_auditentry (at, actor_id, actor_name, action, object_type, object_id, object_repr, changes, reason, prev_hash, hash) "
            f"VALUES ({p}, {p}, {p}, {p}, {p}, {p}, {p}, {p}, {p}, {p}, {p})",
            [
                now,
                user_id,
                "bench",
                "workflow.complete",
                "core.user",
                str(user_id),
                "bench",
                "{}",
                "",
                previous,
                digest,
            ],
        )
        cursor.execute(f"UPDATE core_auditchainhead SET last_hash = {p}, length = length + 1 WHERE id = 1", [digest])
        if vendor == "sqlite":
            cursor.execute("COMMIT")
        else:
            raw.commit()
    return transitions / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--instances", type=int, default=150)
    args = parser.parse_args()
    if connection.vendor == "postgresql":
        old = setup_databases(verbosity=0, interactive=False)
    else:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        old = None
    try:
        services_tps, transitions, state, instance_id, user_id, org_id = through_services(args.instances)
        raw_tps = through_driver(transitions, state, instance_id, user_id, org_id)
    finally:
        if old is not None:
            connection.close()
            teardown_databases(old, verbosity=0)
    print(
        json.dumps(
            {
                "benchmark": "workflow_throughput",
                "database": connection.vendor,
                "process": f"{STEPS} user tasks, start + {STEPS} completes per instance",
                "transitions": transitions,
                "services_tps": round(services_tps, 1),
                "raw_tps": round(raw_tps, 1),
                "ratio": round(services_tps / raw_tps, 3),
                "state_bytes": len(state),
                "floor_ratio_sqlite": 0.10,
                "goal_ratio": 0.25,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
