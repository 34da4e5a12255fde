"""Comparing two versions side by side, and each version's approval outcome.

`diff(old, new)` lays both texts out as lines — the title, an FAQ's question, answer and other phrasings,
then the body cut into lines and, inside a long line, into sentences (Chinese paragraphs are long; a changed
word should not mark a whole paragraph) — matches them with difflib, and for a changed pair marks the
changed characters. Every piece of text is HTML-escaped before <del>/<ins> marks are added, so a version's
text can never inject markup into the page.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from xiaobao.knowledge.models import DocumentVersion
from xiaobao.workflow import selectors as workflow_selectors

PROCESS_KEY = "knowledge_policy_publish"
# a line longer than this is cut after each sentence end so the match works on sentences
LONG_LINE = 60
SENTENCE_END = re.compile(r"(?<=[。！？；!?;])")


@dataclass(frozen=True)
class Row:
    """One row of the side-by-side view. kind: equal | change | delete | insert. Line numbers are 1-based
    positions in each side's laid-out text (None where the side has no line)."""

    kind: str
    left_no: int | None
    right_no: int | None
    left: SafeString
    right: SafeString


@dataclass(frozen=True)
class Summary:
    changed: int
    deleted: int
    inserted: int

    @property
    def identical(self) -> bool:
        return not (self.changed or self.deleted or self.inserted)


def lines_of(version: DocumentVersion) -> list[str]:
    """The version's text as the lines the comparison works on."""
    lines = [_("标题：%(title)s") % {"title": version.title}]
    if version.question:
        lines.append(_("问题：%(text)s") % {"text": version.question})
    if version.answer:
        lines.append(_("答案：%(text)s") % {"text": version.answer})
    lines += [_("相似问法：%(text)s") % {"text": a} for a in version.alternatives or [] if isinstance(a, str)]
    for line in (version.body or "").replace("\r\n", "\n").split("\n"):
        line = line.rstrip()
        if len(line) <= LONG_LINE:
            lines.append(line)
        else:
            lines += [part for part in SENTENCE_END.split(line) if part]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def _marked(a: str, b: str) -> tuple[SafeString, SafeString]:
    """Both strings escaped, with the changed characters wrapped in <del> (left) and <ins> (right)."""
    left: list[str] = []
    right: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        old, new = escape(a[i1:i2]), escape(b[j1:j2])
        if op == "equal":
            left.append(old)
            right.append(new)
            continue
        if old:
            left.append(f"<del>{old}</del>")
        if new:
            right.append(f"<ins>{new}</ins>")
    return mark_safe("".join(left)), mark_safe("".join(right))  # noqa: S308 - every piece escaped above


def diff(old: DocumentVersion, new: DocumentVersion) -> list[Row]:
    """Side-by-side rows from `old` (left) to `new` (right)."""
    a, b = lines_of(old), lines_of(new)
    rows: list[Row] = []
    empty = mark_safe("")
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            rows += [Row("equal", i1 + k + 1, j1 + k + 1, escape(a[i1 + k]), escape(b[j1 + k])) for k in range(i2 - i1)]
            continue
        paired = min(i2 - i1, j2 - j1) if op == "replace" else 0
        for k in range(paired):
            left, right = _marked(a[i1 + k], b[j1 + k])
            rows.append(Row("change", i1 + k + 1, j1 + k + 1, left, right))
        for i in range(i1 + paired, i2):
            rows.append(Row("delete", i + 1, None, mark_safe(f"<del>{escape(a[i])}</del>"), empty))  # noqa: S308
        for j in range(j1 + paired, j2):
            rows.append(Row("insert", None, j + 1, empty, mark_safe(f"<ins>{escape(b[j])}</ins>")))  # noqa: S308
    return rows


def summary(rows: list[Row]) -> Summary:
    kinds = [r.kind for r in rows]
    return Summary(changed=kinds.count("change"), deleted=kinds.count("delete"), inserted=kinds.count("insert"))


@dataclass(frozen=True)
class Decision:
    """How an approval ended: approved or not, by whom, when, with what comment (a rejection's reason)."""

    approved: bool
    actor: str
    at: object
    comment: str


def decisions(user, document) -> dict[int, Decision]:
    """{version number: Decision} for the document's decided approvals, from the process history the user
    may see (workflow scope). A version's number is the `version_number` its approval process started with."""
    started: dict[int, int] = {}
    found: dict[int, Decision] = {}
    for row in workflow_selectors.timeline_for_object(user, document).filter(instance__definition__key=PROCESS_KEY):
        if row.action == "start":
            number = (row.changes or {}).get("version_number", {}).get("after")
            if number is not None:
                started[row.instance_id] = int(number)
        elif row.action == "complete" and row.instance_id in started and row.task is not None:
            data = row.task.data or {}
            found[started[row.instance_id]] = Decision(
                approved=bool(data.get("approved")),
                actor=row.actor_name or (str(row.actor) if row.actor_id else ""),
                at=row.at,
                comment=row.comment or data.get("comment", ""),
            )
    return found
