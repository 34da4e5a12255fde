"""Complaint list: the first page of a handler's list through the selector vs the hand-written SQL of that page.

Run: `.venv/bin/python benchmarks/complaint_list.py [--rows N]`: on SQLite in a temp dir and on a throwaway
PostgreSQL server (benchmarks/backends.py), one after the other, printed side by side. With
`--database-url postgres://...` (or DATABASE_URL) only that PostgreSQL: a test database is created and dropped.
The rows are written in bulk with the driver (personal data encrypted once, the ciphertext reused): volume, not
the services, is what this measures. The handler is a branch officer (分支机构消保专员) whose branch subtree holds
about a third of the rows; each page is the first PAGE rows, soonest due first, with the columns the list shows.
Prints JSON: per page (open complaints; overdue ones) p50/p95 in ms of the selector (queryset built, evaluated,
rows as model instances with their related unit and handler) and of the raw SQL (same scope: the org path
prefix or registered / handled by the user; same status rule, order and limit, fetched with the driver's
cursor), the ratio of the p95s (goal <= 2) and of the medians, and both statements' query plans.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics as stats
import sys
import tempfile
import time
from datetime import timedelta
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
from django.db import connection, transaction  # noqa: E402
from django.test.utils import setup_databases, teardown_databases  # noqa: E402
from django.utils import timezone  # noqa: E402

PAGE = 20
ROUNDS = 10
CHUNK = 5000
# how the rows spread over statuses (closed and withdrawn ones make the open rows a minority, as in life)
STATUS_WEIGHTS = {
    "closed": 70,
    "withdrawn": 4,
    "registered": 3,
    "accepted": 4,
    "handling": 10,
    "replied": 4,
    "reexamining": 1,
    "revisiting": 4,
}


def make_tree():
    """HQ, three branches, four central sub-branches each, two sub-branches under each of those (40 units)."""
    from tests.helpers import make_unit, make_user
    from xiaobao.core.models import OrgUnit

    L = OrgUnit.Level
    hq = make_unit("BENCH", "基准总公司", L.HEAD_OFFICE)
    units = [hq]
    branches = []
    for b in range(3):
        branch = make_unit(f"B{b}", f"第{b + 1}分公司", L.BRANCH, hq)
        branches.append(branch)
        units.append(branch)
        for c in range(4):
            central = make_unit(f"B{b}C{c}", f"第{b + 1}分公司第{c + 1}中支", L.CENTRAL_SUB_BRANCH, branch)
            units.append(central)
            for s in range(2):
                units.append(make_unit(f"B{b}C{c}S{s}", f"第{b + 1}-{c + 1}-{s + 1}支公司", L.SUB_BRANCH, central))
    officer = make_user("bench_officer", branches[0], "branch_officer", "张伟")
    handlers = [make_user(f"bench_handler{i}", branches[i % 3], "branch_officer", f"处理人{i}") for i in range(6)]
    return units, branches[0], officer, handlers


def generate(rows: int, units, handlers, now) -> float:
    """Insert `rows` complaints with the driver, CHUNK rows per executemany; returns the seconds it took."""
    from xiaobao.complaints.models import Complaint
    from xiaobao.core import crypto

    started = time.perf_counter()
    fields = [f for f in Complaint._meta.concrete_fields if not f.primary_key]
    template = Complaint(
        org_unit=units[0],
        channel="hotline",
        received_at=now,
        registered_at=now,
        complainant_name="测试",
        subject="",
        content="",
        due_at=now,
    )
    # one prepared row: every column's stored value (personal data as one ciphertext reused for every row)
    base = {f.attname: f.get_db_prep_save(getattr(template, f.attname), connection) for f in fields}
    cipher = {name: crypto.encrypt(text) for name, text in (("name", "王秀兰"), ("phone", "13900001234"))}
    base.update(complainant_name=cipher["name"], complainant_phone=cipher["phone"], idempotency_key=None, number=None)
    columns = [f.column for f in fields]
    names = [f.attname for f in fields]
    p = "%s"
    sql = (
        f"INSERT INTO {connection.ops.quote_name(Complaint._meta.db_table)} "
        f"({', '.join(connection.ops.quote_name(c) for c in columns)}) VALUES ({', '.join([p] * len(columns))})"
    )
    dt = Complaint._meta.get_field("due_at")
    rng = random.Random(20260301)
    statuses = list(STATUS_WEIGHTS)
    weights = list(STATUS_WEIGHTS.values())
    channels = list(Complaint.Channel.values)
    subjects = ["理赔时效慢", "销售误导", "退保金额争议", "保全变更办理慢", "服务态度差", "续期扣费争议"]
    leaf_units = [u for u in units if u.level >= 3]
    with connection.cursor() as cursor:
        for start in range(0, rows, CHUNK):
            batch = []
            for n in range(start, min(rows, start + CHUNK)):
                status = rng.choices(statuses, weights)[0]
                unit = rng.choice(leaf_units)
                received = now - timedelta(days=rng.uniform(0, 400 if status in ("closed", "withdrawn") else 40))
                due = received + timedelta(days=15)
                closed = received + timedelta(days=rng.uniform(2, 20)) if status == "closed" else None
                row = dict(base)
                row.update(
                    org_unit_id=unit.pk,
                    number=f"TS{n:010d}",
                    channel=rng.choice(channels),
                    subject=rng.choice(subjects),
                    content="投诉人反映：" + rng.choice(subjects),
                    status=status,
                    handler_id=rng.choice(handlers).pk if status != "registered" else None,
                    received_at=dt.get_db_prep_save(received, connection),
                    registered_at=dt.get_db_prep_save(received, connection),
                    due_at=dt.get_db_prep_save(due, connection),
                    closed_at=dt.get_db_prep_save(closed, connection),
                    decided_at=dt.get_db_prep_save(closed, connection),
                    is_repeat=rng.random() < 0.05,
                )
                batch.append([row[name] for name in names])
            with transaction.atomic():
                cursor.executemany(sql, batch)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {Complaint._meta.db_table}")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return time.perf_counter() - started


PAGES = {
    # the handler's working list: the complaints being handled in the subtree, soonest due first
    "handling": {"status": "handling"},
    # the overdue view: the clock still running past the deadline
    "overdue": {"overdue": True},
}


CACHES = ("_xiaobao_scope_cache", "_perm_cache", "_user_perm_cache", "_group_perm_cache")


def through_selector(user, name: str, now, *, cold: bool):
    """The page through the selector. cold: as a new request, whose user (loaded by the auth middleware,
    outside the timing) has no permission or scope cache yet; warm: both already known."""
    from xiaobao.complaints.selectors import complaint_list_rows

    filters = {"box": "all", **PAGES[name], "now": now}

    def page() -> list:
        if cold:
            for cache in CACHES:
                user.__dict__.pop(cache, None)
        # the list page's selector: the columns the page shows, as model instances
        rows = list(complaint_list_rows(user, filters).order_by("due_at", "id")[:PAGE])
        # what the list template reads of each row (the complainant's name is decrypted, then masked)
        return [
            (row.number, row.subject, row.complainant_name, row.org_unit.name, row.handler and row.handler.full_name)
            for row in rows
        ]

    return page


def raw_statement(name: str):
    """The page by hand, with everything the selector's rows obey: the data scope (the user's subtree, or
    registered or handled by the user), staged import rows left out (the model's default manager), the page's
    status rule (overdue: a running clock past its deadline, a paused one excluded), the same order and limit."""
    from xiaobao.complaints.models import Complaint

    p = "%s"
    statuses = Complaint.CLOCK_STATUSES if name == "overdue" else [Complaint.Status.HANDLING]
    marks = ", ".join([p] * len(statuses))
    where = f"c.status IN ({marks})"
    if name == "overdue":
        where += f" AND c.due_at < {p} AND c.clock_paused_since IS NULL"
    return (
        "SELECT c.number, c.subject, c.complainant_name, c.id, c.channel, c.status, c.received_at, c.due_at, "
        "c.is_repeat, c.is_major, c.extension_level, c.supervised_at, c.org_unit_id, u.name, u.short_name, "
        "c.handler_id, h.full_name "
        "FROM complaints_complaint c JOIN core_orgunit u ON u.id = c.org_unit_id "
        "LEFT JOIN core_user h ON h.id = c.handler_id "
        f"WHERE (u.path LIKE {p} OR c.registered_by_id = {p} OR c.handler_id = {p}) "
        f"AND c.import_state <> 'staged' AND {where} ORDER BY c.due_at, c.id LIMIT {PAGE}"
    ), [str(s) for s in statuses]


# The scope by hand: the user's roles that carry complaints.view_complaint, and their unit's path.
SCOPE_SQL = (
    "SELECT r.scope, u.path FROM core_user x JOIN core_orgunit u ON u.id = x.org_unit_id "
    "JOIN core_user_groups ug ON ug.user_id = x.id JOIN core_role r ON r.group_id = ug.group_id "
    "JOIN auth_group_permissions gp ON gp.group_id = ug.group_id JOIN auth_permission p ON p.id = gp.permission_id "
    "JOIN django_content_type ct ON ct.id = p.content_type_id "
    "WHERE x.id = %s AND x.is_active AND ct.app_label = 'complaints' AND p.codename = 'view_complaint'"
)


def through_driver(user, name: str, now, *, cold: bool):
    """The same page with the driver. cold: the permission and scope looked up first (one statement)."""
    from xiaobao.core import crypto

    sql, params = raw_statement(name)
    prefix = user.org_unit.path + "%"
    due = stored_moment(now) if name == "overdue" else None

    def page() -> list:
        with connection.cursor() as cursor:
            if cold:
                cursor.execute(SCOPE_SQL, [user.pk])
                cursor.fetchall()
            cursor.execute(sql, [prefix, user.pk, user.pk, *params, *([due] if due is not None else [])])
            # the page shows the complainant's name (masked): it is decrypted on this side too
            return [(row[0], row[1], crypto.decrypt(row[2]), *row[3:]) for row in cursor.fetchall()]

    return page


def stored_moment(now):
    """`now` as the due_at column stores it (the raw side compares like with like)."""
    from xiaobao.complaints.models import Complaint

    return Complaint._meta.get_field("due_at").get_db_prep_save(now, connection)


def timed(page, repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        page()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def plan(officer, name: str, now) -> list[str]:
    """The query plan of the selector's page statement (EXPLAIN QUERY PLAN on SQLite, EXPLAIN on PostgreSQL)."""
    from xiaobao.complaints.selectors import complaint_list_rows
    from xiaobao.core.models import User

    user = User.objects.select_related("org_unit").get(pk=officer.pk)
    rows = complaint_list_rows(user, {"box": "all", **PAGES[name], "now": now}).order_by("due_at", "id")[:PAGE]
    return rows.explain().splitlines()


def raw_plan(user, name: str, now) -> list[str]:
    """The hand-written statement's plan, beside the selector's."""
    sql, params = raw_statement(name)
    values = [user.org_unit.path + "%", user.pk, user.pk, *params, *([stored_moment(now)] if name == "overdue" else [])]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + sql, values)
            return [str(row[-1]) for row in cursor.fetchall()]
        cursor.execute("EXPLAIN " + sql, values)
        return [row[0] for row in cursor.fetchall()]


def count(officer, name: str, now) -> int:
    from xiaobao.complaints.selectors import complaints_visible_to
    from xiaobao.core.models import User

    user = User.objects.select_related("org_unit").get(pk=officer.pk)
    return complaints_visible_to(user, {"box": "all", **PAGES[name], "now": now}).count()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=30, help="pages timed per side per round")
    parser.add_argument("--rounds", type=int, default=ROUNDS, help="alternating rounds per page and mode")
    parser.add_argument("--database-url", help="postgres://... (default: DATABASE_URL, else SQLite in a temp dir)")
    args = parser.parse_args(backends.strip(sys.argv[1:]))
    if connection.vendor == "postgresql":
        old = setup_databases(verbosity=0, interactive=False)
    else:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        old = None
    try:
        now = timezone.now()
        units, _branch, officer, handlers = make_tree()
        generate_seconds = generate(args.rows, units, handlers, now)
        from xiaobao.core.models import User

        user = User.objects.select_related("org_unit").get(pk=officer.pk)
        pages = {}
        for name in PAGES:
            pages[name] = {
                "matching_rows": count(officer, name, now),
                "selector_plan": plan(officer, name, now),
                "raw_plan": raw_plan(user, name, now),
            }
            for mode in ("cold", "warm"):
                cold = mode == "cold"
                selector = through_selector(user, name, now, cold=cold)
                raw = through_driver(user, name, now, cold=cold)
                assert [r[0] for r in selector()] == [r[0] for r in raw()], f"{name}: the two sides disagree"
                for warm in (selector, raw):
                    timed(warm, 3)
                # alternating rounds, so a change in machine load hits both sides alike
                selector_ms: list[float] = []
                raw_ms: list[float] = []
                for _ in range(args.rounds):
                    selector_ms += timed(selector, args.repeat)
                    raw_ms += timed(raw, args.repeat)
                pages[name][mode] = {
                    "selector_ms": {"p50": round(stats.median(selector_ms), 3), "p95": round(p95(selector_ms), 3)},
                    "raw_ms": {"p50": round(stats.median(raw_ms), 3), "p95": round(p95(raw_ms), 3)},
                    "ratio_p95": round(p95(selector_ms) / p95(raw_ms), 3),
                    "ratio_p50": round(stats.median(selector_ms) / stats.median(raw_ms), 3),
                }
        ratio = max(page["cold"]["ratio_p95"] for page in pages.values())
        ratio_warm = max(page["warm"]["ratio_p95"] for page in pages.values())
    finally:
        if old is not None:
            connection.close()
            teardown_databases(old, verbosity=0)
    print(
        json.dumps(
            {
                "benchmark": "complaint_list",
                "backend": connection.vendor,
                "rows": args.rows,
                "page_size": PAGE,
                "samples_per_side": args.rounds * args.repeat,
                "generate_seconds": round(generate_seconds, 1),
                "pages": pages,
                "ratio": ratio,
                "ratio_warm": ratio_warm,
                "goal_ratio": 2.0,
                "note": (
                    "selector: complaint_list_rows(branch officer, filters) (complaints_visible_to reading the list's "
                    "columns) ordered by due_at, the first page as model instances with their select_related rows, the complainant's name decrypted. raw: one "
                    "SELECT of the columns the list shows, org path prefix (LIKE), status filter, ORDER BY due_at, id "
                    "LIMIT, fetched with the driver, the name decrypted. cold = a new request: the selector computes "
                    "the user's permissions and scope (Django's permission cache, core.scope), the raw side looks "
                    "both up in one statement first; warm = both known, the page query alone. "
                    "ratio = the worse page's cold p95 ratio; ratio_warm the same for warm."
                ),
            },
            indent=2,
            ensure_ascii=False,
            default=str,
        )
    )


if __name__ == "__main__":
    main()
