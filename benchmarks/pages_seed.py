"""The rows `benchmarks/pages.py` measures its pages over, written in bulk with the driver (see that module's
docstring): a branch tree of 40 units and its users, complaints spread over it and over a year with a copy of a real
process instance and open task for each open one, knowledge documents through the service and this year's and
quarter's indicator values computed by the engine. Runs with Django set up on the benchmark's database; also used by
tests/web/test_pages_benchmark.py."""

from __future__ import annotations

import json
import random
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

PASSWORD = "Bench-Pass-2026!"
CHUNK = 5000
# how the complaints spread over statuses: most closed, about one in five open with a running process
STATUS_WEIGHTS = {"closed": 76, "withdrawn": 4, "registered": 5, "handling": 15}
SUBJECTS = ["理赔时效慢", "销售误导", "退保金额争议", "保全变更办理慢", "服务态度差", "续期扣费争议"]


@dataclass
class Site:
    units: list
    branch: object
    officer: object
    handlers: list
    detail_pk: int = 0
    counts: dict = field(default_factory=dict)


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
