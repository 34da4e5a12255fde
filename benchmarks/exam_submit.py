"""Exam hand-in at the contest's scale: N examinees (default 600) each handing in a 50-question paper through
`services.attempt_submit` vs the raw insert of the same rows.

Run: `.venv/bin/python benchmarks/exam_submit.py [--examinees N] [--questions Q]` (SQLite in a temp dir), or
with `--database-url postgres://...` (or DATABASE_URL) for PostgreSQL: a throwaway test database is created
and dropped.

Set-up (not timed): a question bank of Q questions of all four kinds, two identical published exams of Q
questions (one for each side), N people on the roster, and each person's attempt at both exams started
(paper drawn and shuffled), as they would be when the round's hand-in bell rings.

Timed, interleaved person by person so both sides see the same machine: the service hands in the person's
answers (save, then grade every question, write Q graded answer rows and the attempt's score in one
transaction); the raw side writes the same Q answer rows with `executemany` and the same attempt UPDATE in one
transaction with the driver, its grading done beforehand (outside the clock). Prints JSON: p50/p95 of one
hand-in per side (ms), the total time to grade all N through the service (s), and the ratio raw/service of the
totals (goal >= 0.25: the service costs at most four times the bare writes).
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
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
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

from django.db import connection, transaction  # noqa: E402
from django.test.utils import setup_databases, teardown_databases  # noqa: E402
from django.utils import timezone  # noqa: E402

GOAL = 0.25


def build(examinees: int, questions: int):
    from datetime import timedelta

    from tests.helpers import make_unit, make_user
    from xiaobao.core.models import OrgUnit
    from xiaobao.training import services
    from xiaobao.training.models import Question, StaffMember

    now = timezone.now()
    hq = make_unit("BENCH", "基准总公司", OrgUnit.Level.HEAD_OFFICE)
    branch = make_unit("BENCH-A", "基准分公司", OrgUnit.Level.BRANCH, hq)
    admin = make_user("bench_admin", hq, "hq_admin")
    kinds = [Question.Kind.SINGLE, Question.Kind.MULTIPLE, Question.Kind.TRUE_FALSE, Question.Kind.FILL]
    options = [{"key": k, "text": f"选项{k}"} for k in "ABCD"]
    answers = {
        Question.Kind.SINGLE: ["B"],
        Question.Kind.MULTIPLE: ["A", "C", "D"],
        Question.Kind.TRUE_FALSE: ["T"],
        Question.Kind.FILL: [["十五", "15"]],
    }
    versions = []
    for i in range(questions):
        kind = kinds[i % len(kinds)]
        question = services.question_create(
            actor=admin,
            kind=kind,
            stem=f"第{i + 1}题：消费投诉处理的相关规定是什么？",
            options=options,
            answer=answers[kind],
            explanation="依据《银行业保险业消费投诉处理管理办法》。",
            topic="投诉处理",
            now=now,
        )
        versions.append(question.current)
    exams = [
        services.exam_create(
            actor=admin,
            data={
                "title": f"消保之星初赛（{side}）",
                "time_limit_minutes": 60,
                "opens_at": now - timedelta(minutes=5),
                "closes_at": now + timedelta(hours=3),
            },
            items=[(v, Decimal("2")) for v in versions],
            pass_mark=60,
            org_unit=hq,
            publish=True,
            now=now,
        )
        for side in ("service", "raw")
    ]
    StaffMember.objects.bulk_create(
        [
            StaffMember(org_unit=branch, employee_no=f"E{i:05d}", name=f"员工{i}", group="operations", updated_at=now)
            for i in range(examinees)
        ]
    )
    people = list(StaffMember.objects.order_by("pk"))
    attempts = {side: [] for side in ("service", "raw")}
    for person in people:
        for side, exam in zip(("service", "raw"), exams, strict=True):
            attempts[side].append(services.attempt_start(staff=person, exam=exam, now=now))
    return versions, attempts


def responses(versions, attempt, rng) -> dict:
    """What a person hands in: about 80% right, the rest wrong or blank, in every kind."""
    by_pk = {v.pk: v for v in versions}
    found = {}
    for entry in attempt.paper:
        version = by_pk[entry["v"]]
        kind = version.question.kind
        right = rng.random() < 0.8
        if kind == "fill":
            found[str(version.pk)] = [version.answer[0][0] if right else "三十"]
        elif kind == "multiple":
            found[str(version.pk)] = version.answer if right else ["A"]
        else:
            found[str(version.pk)] = version.answer[0] if right else "A"
    return found


def raw_rows(versions, attempt, answers) -> tuple[list[tuple], Decimal]:
    """The same answer rows the service writes, graded outside the clock."""
    from xiaobao.training.bank import grade_values

    by_pk = {v.pk: v for v in versions}
    rows, score = [], Decimal(0)
    for position, entry in enumerate(attempt.paper, 1):
        version = by_pk[entry["v"]]
        response = answers.get(str(version.pk))
        correct = grade_values(version.question.kind, version.answer, response)
        points = Decimal(entry["points"]) if correct else Decimal(0)
        score += points
        rows.append((attempt.pk, version.pk, position, json.dumps(response, ensure_ascii=False), correct, str(points)))
    return rows, score


def raw_submit(attempt, rows, score, now) -> None:
    placeholder = "%s"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO training_attemptanswer (attempt_id, version_id, position, response, correct, points) "
            f"VALUES ({', '.join([placeholder] * 6)})",
            rows,
        )
        cursor.execute(
            "UPDATE training_attempt SET status = %s, submitted_at = %s, score = %s, passed = %s, seconds_used = %s "
            "WHERE id = %s",
            ["submitted", now, str(score), score >= 60, 1, attempt.pk],
        )


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--examinees", type=int, default=600)
    parser.add_argument("--questions", type=int, default=50)
    parser.add_argument("--database-url", help="postgres://... (default: DATABASE_URL, else SQLite in a temp dir)")
    args = parser.parse_args()
    if connection.vendor == "postgresql":
        old = setup_databases(verbosity=0, interactive=False)
    else:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        old = None
    try:
        from xiaobao.training import services
        from xiaobao.training.models import Attempt, AttemptAnswer, QuestionVersion

        started = time.perf_counter()
        versions, attempts = build(args.examinees, args.questions)
        versions = list(QuestionVersion.objects.filter(pk__in=[v.pk for v in versions]).select_related("question"))
        setup_seconds = time.perf_counter() - started
        rng = random.Random(19)
        service_times, raw_times = [], []
        for service_attempt, raw_attempt in zip(attempts["service"], attempts["raw"], strict=True):
            answers = responses(versions, service_attempt, rng)
            rows, score = raw_rows(versions, raw_attempt, responses(versions, raw_attempt, rng))
            t0 = time.perf_counter()
            services.attempt_submit(attempt=service_attempt, answers=answers)
            t1 = time.perf_counter()
            raw_submit(raw_attempt, rows, score, timezone.now())
            t2 = time.perf_counter()
            service_times.append(t1 - t0)
            raw_times.append(t2 - t1)
        graded = Attempt.objects.filter(status="submitted", exam=attempts["service"][0].exam).count()
        answer_rows = AttemptAnswer.objects.count()
    finally:
        if old is not None:
            teardown_databases(old, verbosity=0)
    service_total, raw_total = sum(service_times), sum(raw_times)
    ratio = raw_total / service_total if service_total else None
    print(
        json.dumps(
            {
                "benchmark": "exam_submit",
                "backend": connection.vendor,
                "examinees": args.examinees,
                "questions": args.questions,
                "setup_seconds": round(setup_seconds, 1),
                "graded_through_service": graded,
                "answer_rows_written": answer_rows,
                "service_ms": {
                    "p50": round(1000 * stats.median(service_times), 2),
                    "p95": round(1000 * percentile(service_times, 0.95), 2),
                },
                "raw_ms": {
                    "p50": round(1000 * stats.median(raw_times), 2),
                    "p95": round(1000 * percentile(raw_times, 0.95), 2),
                },
                "service_total_seconds": round(service_total, 2),
                "raw_total_seconds": round(raw_total, 2),
                "ratio": round(ratio, 3) if ratio else None,
                "goal": GOAL,
                "meets_goal": bool(ratio and ratio >= GOAL),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
