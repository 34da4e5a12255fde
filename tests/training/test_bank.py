"""The question bank: content rules, versions that never change a drawn paper, the Excel round trip."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.training.conftest import NOW, xlsx
from xiaobao.core.api_errors import BusinessRuleError
from xiaobao.training import error_codes as codes
from xiaobao.training import services
from xiaobao.training.bank import COLUMNS, grade_values
from xiaobao.training.models import Question, QuestionVersion


@pytest.mark.parametrize(
    ("kind", "options", "answer"),
    [
        ("single", [{"key": "A", "text": "x"}], ["A"]),  # one option only
        ("single", [{"key": "A", "text": "x"}, {"key": "B", "text": "y"}], ["A", "B"]),  # two keys for single
        ("multiple", [{"key": "A", "text": "x"}, {"key": "B", "text": "y"}], ["A"]),  # one key for multiple
        ("single", [{"key": "A", "text": "x"}, {"key": "B", "text": "y"}], ["C"]),  # key not an option
        ("fill", [], [[]]),  # a blank without an accepted text
        ("true_false", [], ["X"]),
    ],
)
def test_malformed_questions_are_refused(cast, kind, options, answer):
    with pytest.raises(BusinessRuleError) as refused:
        services.question_create(
            actor=cast.hq_admin, kind=kind, stem="题干", options=options, answer=answer, topic="t", now=NOW
        )
    assert refused.value.error_code == codes.INVALID
    assert not Question.objects.exists()


def test_grading_rules():
    assert grade_values("multiple", ["A", "B", "D"], ["D", "A", "B"])
    assert not grade_values("multiple", ["A", "B", "D"], ["A", "B"])  # no credit for part of a set
    assert grade_values("fill", [["15", "十五"]], ["１５ "])  # full-width digits and spaces
    assert not grade_values("fill", [["15"]], ["15", "extra"])
    assert not grade_values("single", ["B"], None)


def test_an_edit_is_a_new_version_and_the_old_one_is_untouched(cast, bank):
    question = bank[0]
    first = question.current
    question, changed = services.question_revise(
        actor=cast.hq_admin, question=question, data={"answer": ["C"], "explanation": "改"}, now=NOW
    )
    assert changed and question.current.number == 2
    first.refresh_from_db()
    assert first.answer == ["B"] and QuestionVersion.objects.filter(question=question).count() == 2
    _same, changed_again = services.question_revise(actor=cast.hq_admin, question=question, data={}, now=NOW)
    assert not changed_again


def test_a_branch_cannot_edit_head_office_questions(cast, bank):
    with pytest.raises(BusinessRuleError) as refused:
        services.question_revise(actor=cast.officer_a, question=bank[0], data={"stem": "改"}, now=NOW)
    assert refused.value.status_code == 403


def test_the_export_reads_back_unchanged_and_an_edited_row_makes_a_version(cast, bank):
    workbook = services.questions_workbook(Question.objects.select_related("current").order_by("code"))
    result = services.questions_import(actor=cast.hq_admin, upload=SimpleUploadedFile("b.xlsx", workbook), now=NOW)
    assert result.ok and (result.created, result.updated) == (0, 0)
    from openpyxl import load_workbook

    book = load_workbook(__import__("io").BytesIO(workbook))
    sheet = book["题库"]
    stem_column = [c.title for c in COLUMNS].index("题干") + 1
    sheet.cell(row=2, column=stem_column).value = "修改后的题干"
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    result = services.questions_import(actor=cast.hq_admin, upload=xlsx(rows, sheet="题库"), now=NOW)
    assert result.ok and result.updated == 1
    assert Question.objects.get(code=rows[1][0]).current.stem == "修改后的题干"


def test_a_bad_row_in_the_bank_import_writes_nothing(cast):
    header = [c.title for c in COLUMNS]
    good = ["", "单选题", "投诉处理", "", "中等", "题干", "甲", "乙", "", "", "", "", "A", "", ""]
    bad = ["", "多选题", "投诉处理", "", "中等", "题干", "甲", "乙", "", "", "", "", "A", "", ""]
    unknown = ["NOPE", "判断题", "投诉处理", "", "中等", "题干", "", "", "", "", "", "", "正确", "", ""]
    result = services.questions_import(actor=cast.hq_admin, upload=xlsx([header, good, bad, unknown]), now=NOW)
    assert not result.ok and [e[0] for e in result.errors] == [3, 4]
    assert not Question.objects.exists()
