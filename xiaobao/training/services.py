"""Training use cases, the one module callers use. Each area has its own module (the seams are real):
the roster import (`roster`), the question bank (`bank`), exams and attempts (`exams`), sessions and
attendance (`sessions`), the contest (`contest`), targeted assignments (`assignments`).

Every write is one transaction with its audit row; imports read and check the whole file before their
write transaction opens, and write nothing if any row fails.
"""

from __future__ import annotations

from xiaobao.training.bank import (
    question_create,
    question_revise,
    question_set_active,
    questions_import,
    questions_template,
    questions_workbook,
)
from xiaobao.training.exams import (
    attempt_save,
    attempt_start,
    attempt_submit,
    attempts_expire,
    exam_create,
    exam_publish,
    remaining_seconds,
)
from xiaobao.training.roster import staff_import, staff_template

__all__ = [
    "attempt_save",
    "attempt_start",
    "attempt_submit",
    "attempts_expire",
    "exam_create",
    "exam_publish",
    "question_create",
    "question_revise",
    "question_set_active",
    "questions_import",
    "questions_template",
    "questions_workbook",
    "remaining_seconds",
    "staff_import",
    "staff_template",
]
