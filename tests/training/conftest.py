"""Training fixtures: a roster over the cast's org tree, a small question bank, a published exam.

NOW is 2025-06-02 09:00 (a Monday); the exam's window is June 2025.
"""

from __future__ import annotations

import io
from datetime import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests.helpers import make_user
from xiaobao.training import services
from xiaobao.training.models import AudienceGroup, Exam, Question, SalesChannel, StaffMember


def at(*args) -> datetime:
    return timezone.make_aware(datetime(*args))


NOW = at(2025, 6, 2, 9, 0)


def xlsx(rows: list[list], name: str = "upload.xlsx", sheet: str = "Sheet1") -> SimpleUploadedFile:
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = sheet
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def add_staff(unit, employee_no: str, name: str, group=AudienceGroup.OPERATIONS, channel="", user=None):
    return StaffMember.objects.create(
        org_unit=unit, employee_no=employee_no, name=name, group=group, channel=channel, user=user, updated_at=NOW
    )


@pytest.fixture
def roster(cast):
    """An employee with an account in sub-branch A1 (`emp_a`), one in B (`emp_b`), a sales person in A."""
    emp_a_user = make_user("emp_a", cast.sub_a, "employee", "陈静")
    emp_b_user = make_user("emp_b", cast.branch_b, "employee", "赵磊")
    return {
        "emp_a": add_staff(cast.sub_a, "A0001", "陈静", user=emp_a_user),
        "emp_b": add_staff(cast.branch_b, "B0001", "赵磊", user=emp_b_user),
        "sales_a": add_staff(cast.branch_a, "A0002", "孙丽", AudienceGroup.SALES, SalesChannel.AGENCY),
        "officer_a": add_staff(cast.branch_a, "A0003", "张伟", AudienceGroup.MANAGEMENT, user=cast.officer_a),
    }


@pytest.fixture
def bank(cast):
    """Eight questions by HQ admin: 3 single, 2 multiple, 2 true/false, 1 fill-in; topics 投诉处理 / 销售行为."""
    made = []
    for i in range(3):
        made.append(
            services.question_create(
                actor=cast.hq_admin,
                kind=Question.Kind.SINGLE,
                stem=f"单选题{i}：投诉处理时限是？",
                options=[{"key": "A", "text": "7日"}, {"key": "B", "text": "15日"}, {"key": "C", "text": "30日"}],
                answer=["B"],
                explanation="第十八条",
                topic="投诉处理",
                now=NOW,
            )
        )
    for i in range(2):
        made.append(
            services.question_create(
                actor=cast.hq_admin,
                kind=Question.Kind.MULTIPLE,
                stem=f"多选题{i}：以下哪些属于消费者权利？",
                options=[
                    {"key": k, "text": t}
                    for k, t in zip("ABCD", ["知情权", "受尊重权", "垄断权", "依法求偿权"], strict=True)
                ],
                answer=["A", "B", "D"],
                topic="销售行为",
                now=NOW,
            )
        )
    for i in range(2):
        made.append(
            services.question_create(
                actor=cast.hq_admin,
                kind=Question.Kind.TRUE_FALSE,
                stem=f"判断题{i}：犹豫期内退保应全额退还保费。",
                answer=["T"],
                topic="销售行为",
                now=NOW,
            )
        )
    made.append(
        services.question_create(
            actor=cast.hq_admin,
            kind=Question.Kind.FILL,
            stem="投诉处理一般时限为____日。",
            answer=[["15", "十五"]],
            topic="投诉处理",
            now=NOW,
        )
    )
    return made


@pytest.fixture
def exam(cast, bank):
    """A fixed 8-question paper, 2 points each (16), pass mark 12, 30 minutes, 2 attempts, all of June."""
    return services.exam_create(
        actor=cast.hq_admin,
        data={
            "title": "2025年消保知识全员考试",
            "time_limit_minutes": 30,
            "attempts_allowed": 2,
            "opens_at": at(2025, 6, 1),
            "closes_at": at(2025, 7, 1),
            "results": Exam.Results.AFTER_WINDOW,
        },
        items=[(q.current, Decimal("2")) for q in bank],
        pass_mark=12,
        org_unit=cast.hq,
        publish=True,
        now=NOW,
    )


def right_answers(attempt) -> dict:
    from xiaobao.training.models import QuestionVersion

    versions = QuestionVersion.objects.filter(pk__in=[p["v"] for p in attempt.paper]).select_related("question")
    found = {}
    for v in versions:
        if v.question.kind == "fill":
            found[str(v.pk)] = [accepted[0] for accepted in v.answer]
        elif v.question.kind == "multiple":
            found[str(v.pk)] = v.answer
        else:
            found[str(v.pk)] = v.answer[0]
    return found
