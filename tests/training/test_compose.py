"""组卷: the exam form's bank browser (filters, counts per kind, a course's questions) and the paper summary
(questions per kind, total score, rules against the bank) — for those who may compose a paper only."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from tests.training.conftest import NOW
from tests.training.test_views import client_for
from xiaobao.training import services
from xiaobao.training.models import AudienceGroup, Exam, Question

PICKER = "training:exam-bank-picker"
SUMMARY = "training:exam-paper-summary"


def test_the_picker_filters_the_bank_and_counts_each_kind(cast, bank):
    client = client_for(cast.hq_admin)
    page = client.get(reverse(PICKER), {"topic": "销售行为"})
    assert page.status_code == 200
    assert page.context["found"] == 4
    assert dict(page.context["kind_counts"]) == {"单选题": 0, "多选题": 2, "判断题": 2, "填空题": 0}
    chosen = client.get(reverse(PICKER), {"kind": "single", "codes": bank[0].code})
    assert [q.code for q in chosen.context["page"]] == [q.code for q in bank[:3]]
    assert "disabled" in chosen.content.decode()  # the number already on the paper is marked


def test_a_course_finds_the_questions_its_exams_used(cast, bank):
    course = services.course_create(
        actor=cast.hq_admin, title="投诉处理实务", year=2025, audiences=[(AudienceGroup.ALL_STAFF, "", True)]
    )
    services.exam_create(
        actor=cast.hq_admin,
        data={
            "title": "投诉处理测验",
            "time_limit_minutes": 10,
            "opens_at": NOW,
            "closes_at": NOW + timedelta(days=1),
            "results": Exam.Results.HIDDEN,
        },
        items=[(q.current, Decimal("5")) for q in (bank[0], bank[7])],
        pass_mark=6,
        course=course,
        org_unit=cast.hq,
        now=NOW,
    )
    page = client_for(cast.hq_admin).get(reverse(PICKER), {"course": course.pk})
    assert sorted(q.code for q in page.context["page"]) == sorted([bank[0].code, bank[7].code])


def test_the_summary_counts_kinds_and_totals_the_score(cast, bank):
    codes = ", ".join([bank[0].code, bank[1].code, bank[7].code, "NOPE", bank[0].code])
    rules = "销售行为, , 10, 1.5\n投诉处理, 中等, 2, 3"
    page = client_for(cast.hq_admin).get(reverse(SUMMARY), {"codes": codes, "points": "2", "rules": rules})
    summary = page.context["summary"]
    assert dict(summary.kinds)["单选题"] == 3 and dict(summary.kinds)["填空题"] == 1  # the repeat counted, flagged
    assert summary.repeated == [bank[0].code] and summary.missing == ["NOPE"]
    assert summary.fixed_total == Decimal("8")
    assert [(r["available"], r["short"]) for r in summary.rules] == [(4, True), (4, False)]
    assert summary.total == Decimal("8") + Decimal("15") + Decimal("6")
    assert 'data-total="29.0"' in page.content.decode()


@pytest.mark.parametrize("name", [PICKER, SUMMARY])
def test_only_people_who_compose_papers_use_them(cast, bank, name):
    assert client_for(cast.outsider).get(reverse(name)).status_code == 403
    assert client_for(cast.manager).get(reverse(name)).status_code == 403  # reads the bank, composes nothing


def test_a_branch_browses_only_the_bank_in_its_scope(cast, bank):
    own = services.question_create(
        actor=cast.officer_a, kind=Question.Kind.TRUE_FALSE, stem="北京分公司自编题。", answer=["T"], topic="本地"
    )
    seen_b = [q.code for q in client_for(cast.officer_b).get(reverse(PICKER)).context["page"]]
    assert own.code not in seen_b
    assert own.code in [q.code for q in client_for(cast.officer_a).get(reverse(PICKER)).context["page"]]
