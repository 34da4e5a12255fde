"""Column sorting for lists: a whitelist of sort keys per list, applied in SQL, with a stable tie-break.

A list's selector names the keys a user may sort by (`{"received_at": ("received_at",), ...}`); the page passes
the `sort` query parameter through (`received_at` ascending, `-received_at` descending). A key not in the
whitelist is ignored and the list keeps its default order — a hand-edited URL never reaches `order_by` with an
arbitrary field name (which would let anyone order by, and so probe, a column the page does not show).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When


def parse_sort(value, allowed: Mapping[str, Sequence[str]]) -> tuple[str, bool] | None:
    """(key, descending) when `value` names a whitelisted key, else None."""
    text = str(value or "").strip()
    descending = text.startswith("-")
    key = text[1:] if descending else text
    return (key, descending) if key in allowed else None


def apply_sort(rows: QuerySet, value, allowed: Mapping[str, Sequence[str]], *, tie_break: str = "id") -> QuerySet:
    """`rows` ordered by the whitelisted key `value` names (nulls last either way), then by `tie_break` so that
    equal keys keep one order across pages; unchanged (the caller's default order) for an unknown key."""
    parsed = parse_sort(value, allowed)
    if parsed is None:
        return rows
    key, descending = parsed
    fields = [F(name).desc(nulls_last=True) if descending else F(name).asc(nulls_last=True) for name in allowed[key]]
    return rows.order_by(*fields, f"-{tie_break}" if descending else tie_break)


def sort_value(value, allowed: Mapping[str, Sequence[str]]) -> str:
    """The sort parameter as the page keeps it in its URL: the value when whitelisted, "" otherwise."""
    parsed = parse_sort(value, allowed)
    if parsed is None:
        return ""
    return f"-{parsed[0]}" if parsed[1] else parsed[0]


def action_first(open_q: Q, *, due: str, recent: str, urgent_q: Q | None = None, tie_break: str = "id") -> list:
    """The default order of a list of work (issue 21): what needs action first. Rows matching `urgent_q` (e.g. a
    running statutory clock), then the other open ones (`open_q`), each by the nearest `due` first (no deadline
    last); then the finished ones, newest `recent` first; `tie_break` keeps pages from overlapping."""
    whens = [When(urgent_q, then=Value(0))] if urgent_q is not None else []
    rank = Case(*whens, When(open_q, then=Value(1)), default=Value(2), output_field=IntegerField())
    open_due = Case(When(open_q, then=F(due)))
    return [rank.asc(), open_due.asc(nulls_last=True), F(recent).desc(nulls_last=True), F(tie_break).desc()]
