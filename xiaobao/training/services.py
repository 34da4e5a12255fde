"""Training use cases, the one module callers use. Each area has its own module (the seams are real):
the roster import (`roster`), the question bank (`bank`), exams and attempts (`exams`), sessions and
attendance (`sessions`), the contest (`contest`), targeted assignments (`assignments`).

Every write is one transaction with its audit row; imports read and check the whole file before their
write transaction opens, and write nothing if any row fails.
"""

from __future__ import annotations

from xiaobao.training.assignments import assign_targeted_training, assignments_refresh, coverage_chase
from xiaobao.training.bank import (
    question_create,
    question_revise,
    question_set_active,
    questions_import,
    questions_template,
    questions_workbook,
)
from xiaobao.training.contest import award_give, contest_create, round_add, team_create, team_score_set
from xiaobao.training.exams import (
    attempt_save,
    attempt_start,
    attempt_submit,
    attempts_expire,
    exam_create,
    exam_publish,
    remaining_seconds,
    results_import,
    results_record,
)
from xiaobao.training.roster import staff_import, staff_template
from xiaobao.training.sessions import (
    attendance_add,
    attendance_import,
    check_in,
    course_add_material,
    course_create,
    programme_create,
    session_create,
    session_dispatch,
    session_link_workorder,
    session_set_check_in,
)

__all__ = [
    "assign_targeted_training",
    "assignments_refresh",
    "attempt_save",
    "attempt_start",
    "attempt_submit",
    "attempts_expire",
    "attendance_add",
    "attendance_import",
    "award_give",
    "check_in",
    "contest_create",
    "course_add_material",
    "course_create",
    "coverage_chase",
    "exam_create",
    "exam_publish",
    "programme_create",
    "question_create",
    "question_revise",
    "question_set_active",
    "questions_import",
    "questions_template",
    "questions_workbook",
    "remaining_seconds",
    "results_import",
    "results_record",
    "round_add",
    "session_create",
    "session_dispatch",
    "session_link_workorder",
    "session_set_check_in",
    "staff_import",
    "staff_template",
    "team_create",
    "team_score_set",
]
