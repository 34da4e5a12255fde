"""组卷 support for the exam form: what a paper being composed adds up to, read-only.

The exam form keeps its two inputs (question numbers for a fixed paper, drawing rules); this says, as the
author types or picks from the bank, how many questions of each kind the fixed part holds, what it is worth,
what each drawing rule adds and whether the bank has enough questions for it — the same reading of the
inputs `exam_create` applies when the form is saved, so the preview and the saved exam cannot differ.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from xiaobao.training import selectors
from xiaobao.training.models import Question


def split_codes(text: str) -> list[str]:
    """Question numbers from the form's box: commas (half or full width), spaces or new lines."""
    cleaned = (text or "").replace("，", ",").replace("\n", ",").replace(" ", ",")
    return [c.strip() for c in cleaned.split(",") if c.strip()]


@dataclass
class PaperSummary:
    kinds: list[tuple[str, int]] = field(default_factory=list)  # (kind label, count) of the fixed items
    fixed_count: int = 0
    fixed_total: Decimal = Decimal(0)
    missing: list[str] = field(default_factory=list)  # numbers not in the author's bank (or inactive)
    repeated: list[str] = field(default_factory=list)
    rules: list[dict] = field(default_factory=list)  # each rule with `available` in the bank and `short`
    rules_total: Decimal = Decimal(0)
    error: str = ""

    @property
    def total(self) -> Decimal:
        return self.fixed_total + self.rules_total

    @property
    def question_count(self) -> int:
        return self.fixed_count + sum(r["count"] for r in self.rules)


def paper_summary(user, *, codes: str, points: str, rules: list[dict]) -> PaperSummary:
    """The summary of a paper being composed by `user` (their bank, as the form's save reads it)."""
    summary = PaperSummary()
    wanted = split_codes(codes)
    seen: set[str] = set()
    for code in wanted:
        if code in seen and code not in summary.repeated:
            summary.repeated.append(code)
        seen.add(code)
    found = selectors.questions_for(user).filter(code__in=seen, current__isnull=False)
    kinds = dict(found.values_list("code", "kind"))
    summary.missing = [c for c in dict.fromkeys(wanted) if c not in kinds]
    try:
        each = Decimal(points or "1")
    except InvalidOperation:
        each, summary.error = Decimal(0), "points"
    counted = [kinds[c] for c in wanted if c in kinds]
    summary.kinds = [(label, counted.count(value)) for value, label in Question.Kind.choices]
    summary.fixed_count = len(counted)
    summary.fixed_total = each * len(counted)
    for rule in rules:
        available = selectors.drawable(topic=rule["topic"], difficulty=rule["difficulty"]).count()
        worth = rule["points"] * rule["count"]
        summary.rules.append({**rule, "available": available, "short": available < rule["count"], "worth": worth})
        summary.rules_total += worth
    return summary
