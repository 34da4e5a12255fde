"""The scanner: every rule checked in one pass over each transcript.

All phrases of all published rules go into one Aho-Corasick automaton (pyahocorasick when installed; a
pure-Python automaton with the same interface otherwise, so a node without the C extension still
scans, only slower). A transcript's turns are joined with a separator no phrase contains and walked
once; each match carries the rules and roles it serves (a forbidden phrase, the first or second term of a
proximity rule, an item of a required disclosure, an exception). The rules are then decided from those
matches alone — no per-rule regular expressions and no second pass over the text.

This module is pure: no database. `services`/`scanning` compile the published versions into a RuleSet
and write the hits as findings.
"""

from __future__ import annotations

import hashlib
import json
from bisect import bisect_right
from collections import deque
from dataclasses import dataclass, field
from itertools import accumulate, count
from operator import add, itemgetter

from xiaobao.inspection.definitions import DEFAULT_NEGATORS

try:  # the C extension (requirements/base.in); the fallback keeps scanning possible without it
    import ahocorasick as _ahocorasick
except ImportError:  # pragma: no cover - depends on the installation
    _ahocorasick = None

SEPARATOR = "\x00"
# "不是保本", "不会稳赚", "不能保证": a negator may stand one linking verb before the hit.
LINKS = frozenset("是会能要用必得可")

PHRASE, FIRST, SECOND, REQUIRED, EXCEPTION = "p", "a", "b", "r", "x"
_text_of = itemgetter("text")


class PurePythonAutomaton:
    """The part of `ahocorasick.Automaton` the scanner uses (add_word, make_automaton, iter), in Python."""

    def __init__(self):
        self._goto: list[dict[str, int]] = [{}]
        self._fail: list[int] = [0]
        self._out: list[list] = [[]]

    def add_word(self, key: str, value) -> None:
        node = 0
        for ch in key:
            nxt = self._goto[node].get(ch)
            if nxt is None:
                nxt = len(self._goto)
                self._goto[node][ch] = nxt
                self._goto.append({})
                self._fail.append(0)
                self._out.append([])
            node = nxt
        self._out[node] = [value]

    def make_automaton(self) -> None:
        queue = deque(self._goto[0].values())
        while queue:
            node = queue.popleft()
            for ch, child in self._goto[node].items():
                queue.append(child)
                fail = self._fail[node]
                while fail and ch not in self._goto[fail]:
                    fail = self._fail[fail]
                target = self._goto[fail].get(ch, 0)
                self._fail[child] = target if target != child else 0
                self._out[child] = self._out[child] + self._out[self._fail[child]]

    def iter(self, text: str):
        node = 0
        goto, fail, out = self._goto, self._fail, self._out
        for i, ch in enumerate(text):
            while node and ch not in goto[node]:
                node = fail[node]
            node = goto[node].get(ch, 0)
            for value in out[node]:
                yield i, value


def new_automaton():
    if _ahocorasick is not None:
        return _ahocorasick.Automaton()
    return PurePythonAutomaton()


def engine_name() -> str:
    return "pyahocorasick" if _ahocorasick is not None else "python"


@dataclass(frozen=True)
class CompiledRule:
    rule_id: int
    version_id: int
    code: str
    kind: str
    severity: int
    definition: dict


@dataclass(slots=True)
class Hit:
    """One decided hit: `turn` -1 means the whole interaction (`detail` names what is missing)."""

    rule: CompiledRule
    turn: int
    start: int
    end: int
    speaker: str = ""
    at: float | None = None
    detail: str = ""


@dataclass(slots=True)
class _Collected:
    phrases: list = field(default_factory=list)  # (turn, start, end)
    first: list = field(default_factory=list)
    second: list = field(default_factory=list)
    exceptions: list = field(default_factory=list)
    required: set = field(default_factory=set)


_SLOT = {PHRASE: 0, FIRST: 1, SECOND: 2, EXCEPTION: 3, REQUIRED: 4}
_NOTHING: list = [(), (), (), (), frozenset()]
_UNPLANNED = object()


@dataclass(frozen=True)
class _Plan:
    rules: frozenset[int]
    disclosures: tuple[int, ...]
    disclosure_set: frozenset[int]
    # per phrase id: (its length, ((rule index, slot, required item, speaker), …)) for the applicable rules,
    # or None when the phrase serves none of them
    entries: list[tuple | None]


class RuleSet:
    """Compiled rules; `scan` is safe to call from many threads (the automaton is only read)."""

    def __init__(self, rules: list[CompiledRule]):
        self.rules = list(rules)
        self.signature = hashlib.sha256(
            json.dumps([(r.code, r.version_id, r.definition) for r in self.rules], sort_keys=True).encode()
        ).hexdigest()[:16]
        terms: dict[str, list] = {}
        for index, rule in enumerate(self.rules):
            d = rule.definition
            for role, key in ((PHRASE, "phrases"), (FIRST, "first"), (SECOND, "second"), (EXCEPTION, "exceptions")):
                for phrase in d.get(key, ()):
                    terms.setdefault(phrase, []).append((index, role, 0, len(phrase)))
            for item_index, item in enumerate(d.get("required", ())):
                for phrase in item["any"]:
                    terms.setdefault(phrase, []).append((index, REQUIRED, item_index, len(phrase)))
        # The automaton's value for a phrase is a small int; what it serves is looked up in `_entries`, so the
        # pass over the text and the first sorting of matches work on ints, not on nested tuples.
        self.automaton = new_automaton()
        self._entries: list[tuple] = []
        for phrase, entries in terms.items():
            self.automaton.add_word(phrase, len(self._entries))
            self._entries.append(tuple(entries))
        self.has_terms = bool(terms)
        if terms:
            self.automaton.make_automaton()
        self._disclosures = [i for i, r in enumerate(self.rules) if r.definition.get("required")]
        self._speakers = [r.definition["speaker"] for r in self.rules]
        self._items = [len(r.definition.get("required", ())) for r in self.rules]
        self._plans: dict[tuple[str, str], _Plan | None] = {}

    def applicable(self, kind: str, purpose: str) -> tuple[frozenset[int], tuple[int, ...]]:
        """The rules that apply to an interaction of this kind and purpose, and which of them are disclosures
        (those must be decided even when nothing matched: silence is the violation)."""
        plan = self._plan(kind, purpose)
        return (plan.rules, plan.disclosures) if plan is not None else (frozenset(), ())

    def _plan(self, kind: str, purpose: str) -> _Plan | None:
        """What a scan of this kind and purpose needs, worked out once: the applicable rules, and for each
        phrase only its entries for those rules (so the pass over the matches never looks at a rule that
        does not apply). None when no rule applies."""
        key = (kind, purpose)
        if key in self._plans:
            return self._plans[key]
        rules = frozenset(
            i
            for i, r in enumerate(self.rules)
            if (not r.definition.get("kinds") or kind in r.definition["kinds"])
            and (not r.definition.get("purposes") or purpose in r.definition["purposes"])
        )
        plan = None
        if rules:
            # A phrase's entries share its length, so a match is placed in its turn once, whatever it serves.
            entries: list[tuple | None] = []
            for served in self._entries:
                targets = tuple(
                    (index, _SLOT[role], item, self._speakers[index])
                    for index, role, item, _length in served
                    if index in rules
                )
                entries.append((served[0][3], targets) if targets else None)
            disclosures = tuple(i for i in self._disclosures if i in rules)
            plan = _Plan(rules, disclosures, frozenset(disclosures), entries)
        self._plans[key] = plan
        return plan

    def scan(self, turns: list[dict], *, kind: str = "", purpose: str = "", has_complaint: bool = False) -> list[Hit]:
        """The hits of every applicable rule in one interaction's turns ({speaker, start, text}).

        One automaton pass over the joined text; then one walk over its (few) matches, each placed in its
        turn and kept for the applicable rules whose speaker it fits; then each rule that has what it needs
        is decided. Turns, speakers and decisions cost nothing for the matches of rules that do not apply,
        so a clean transcript costs little more than the automaton walk itself."""
        plan = self._plans.get((kind, purpose), _UNPLANNED)
        if plan is _UNPLANNED:
            plan = self._plan(kind, purpose)
        if plan is None:
            return []
        try:
            texts = list(map(_text_of, turns))
            joined = SEPARATOR.join(texts)
        except (KeyError, TypeError):  # a turn without text (or not text): scanned as empty
            texts = [t.get("text") or "" for t in turns]
            texts = [t if isinstance(t, str) else str(t) for t in texts]
            joined = SEPARATOR.join(texts)
        disclosures = plan.disclosures
        entries_of = plan.entries
        # rule index -> [phrases, first, second, exceptions, required items] in (turn, start, end) places
        found: dict[int, list] = {}
        starts = None
        for end_index, phrase_id in self.automaton.iter(joined) if self.has_terms else ():
            served = entries_of[phrase_id]
            if served is None:
                continue
            if starts is None:  # offset of each turn in the joined text (+1 for each separator)
                starts = list(map(add, accumulate(map(len, texts), initial=0), count()))
            length, targets = served
            start = end_index - length + 1
            turn = bisect_right(starts, start) - 1
            speaker = turns[turn].get("speaker")
            place = None
            for index, slot, item, wanted in targets:
                if wanted != "any" and speaker != wanted:
                    continue
                collected = found.get(index)
                if collected is None:
                    collected = found[index] = [[], [], [], [], set()]
                if slot == 4:  # an item of a disclosure: said is all that counts, not where
                    collected[4].add(item)
                    continue
                if place is None:
                    local = start - starts[turn]
                    place = (turn, local, local + length)
                collected[slot].append(place)
        if not found:
            if not disclosures:
                return []
            candidates = disclosures
        else:
            candidates = sorted(found.keys() | plan.disclosure_set) if disclosures else sorted(found)
        hits: list[Hit] = []
        rules = self.rules
        for index in candidates:
            collected = found.get(index)
            if collected is None:
                collected = _NOTHING  # a disclosure nothing of which was said
            elif index in plan.disclosure_set:
                if len(collected[4]) == self._items[index]:
                    continue  # every item of the disclosure was said: nothing to decide (the usual case)
            elif not (collected[0] or (collected[1] and collected[2])):
                continue  # a request word with nothing sensitive near it, an exception alone: nothing to decide
            rule = rules[index]
            if rule.kind == "complaint_intent" and has_complaint:
                continue
            hits.extend(
                self._decide(
                    rule,
                    _Collected(collected[0], collected[1], collected[2], collected[3], collected[4]),
                    texts,
                    turns,
                )
            )
        return hits

    def _decide(self, rule: CompiledRule, bucket: _Collected, texts, turns) -> list[Hit]:
        d = rule.definition
        if "required" in d:
            missing = [item["label"] for i, item in enumerate(d["required"]) if i not in bucket.required]
            return [Hit(rule, -1, 0, 0, d["speaker"], None, "、".join(missing))] if missing else []
        if not (bucket.phrases or bucket.first):
            return []
        if "first" in d:
            if bucket.exceptions:  # "保证金" is not "保证": an excepted term pairs with nothing
                bucket.first = [p for p in bucket.first if not _excepted(p, bucket.exceptions)]
                bucket.second = [p for p in bucket.second if not _excepted(p, bucket.exceptions)]
            places = _pairs(bucket, d["window"], texts)
            if d.get("negation"):
                places = [p for p in places if not _negated(texts[p[0]], p[3])]
            places = [p[:3] for p in places]
        else:
            places = bucket.phrases
            if d.get("negation"):
                places = [p for p in places if not _negated(texts[p[0]], p[1])]
        places = [p for p in places if not _excepted(p, bucket.exceptions)]
        hits = []
        for turn, start, end in _distinct(places):
            hits.append(Hit(rule, turn, start, end, str(turns[turn].get("speaker") or ""), _at(turns[turn])))
            if rule.kind == "complaint_intent":
                break  # one unlogged complaint per interaction, at its first sign
        return hits


def _at(turn: dict) -> float | None:
    value = turn.get("start")
    return float(value) if isinstance(value, int | float) else None


_NEG1 = frozenset(n for n in DEFAULT_NEGATORS if len(n) == 1)
_NEG2 = frozenset(n for n in DEFAULT_NEGATORS if len(n) == 2)


def _negated(text: str, start: int) -> bool:
    """A negator right before `start`, or one linking verb before it ("不是保本", "不会亏本", "并非稳赚")."""
    if start < 1:
        return False
    if text[start - 1] in _NEG1 or text[max(0, start - 2) : start] in _NEG2:
        return True
    if start >= 2 and text[start - 1] in LINKS:
        return text[start - 2] in _NEG1 or text[max(0, start - 3) : start - 1] in _NEG2
    return False


def _excepted(place, exceptions) -> bool:
    turn, start, end = place
    return any(t == turn and s <= start and e >= end for t, s, e in exceptions)


SENTENCE_ENDS = frozenset("。！？；!?;\n")


def _pairs(bucket: _Collected, window: int, texts: list[str]) -> list[tuple[int, int, int, int]]:
    """(turn, start, end, first's start) for each first term with a second term within `window` characters
    of the same sentence."""
    found = []
    for turn, a_start, a_end in bucket.first:
        best = None
        for t, b_start, b_end in bucket.second:
            if t != turn:
                continue
            gap = max(0, b_start - a_end, a_start - b_end)
            if gap > window or (best is not None and gap >= best[0]):
                continue
            between = texts[turn][min(a_end, b_end) : max(a_start, b_start)]
            if not SENTENCE_ENDS.intersection(between):
                best = (gap, b_start, b_end)
        if best is not None:
            found.append((turn, min(a_start, best[1]), max(a_end, best[2]), a_start))
    return found


def _distinct(places) -> list[tuple[int, int, int]]:
    """Overlapping hits of one rule in one turn count once (the earliest, longest)."""
    kept: list[tuple[int, int, int]] = []
    for turn, start, end in sorted(set(places), key=lambda p: (p[0], p[1], -p[2])):
        if kept and kept[-1][0] == turn and start < kept[-1][2]:
            continue
        kept.append((turn, start, end))
    return kept
