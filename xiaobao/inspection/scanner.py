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

from xiaobao.inspection.definitions import DEFAULT_NEGATORS

try:  # the C extension (requirements/base.in); the fallback keeps scanning possible without it
    import ahocorasick as _ahocorasick
except ImportError:  # pragma: no cover - depends on the installation
    _ahocorasick = None

SEPARATOR = "\x00"
# "不是保本", "不会稳赚", "不能保证": a negator may stand one linking verb before the hit.
LINKS = frozenset("是会能要用必得可")

PHRASE, FIRST, SECOND, REQUIRED, EXCEPTION = "p", "a", "b", "r", "x"


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


@dataclass
class Hit:
    """One decided hit: `turn` -1 means the whole interaction (`detail` names what is missing)."""

    rule: CompiledRule
    turn: int
    start: int
    end: int
    speaker: str = ""
    at: float | None = None
    detail: str = ""


@dataclass
class _Collected:
    phrases: list = field(default_factory=list)  # (turn, start, end)
    first: list = field(default_factory=list)
    second: list = field(default_factory=list)
    exceptions: list = field(default_factory=list)
    required: set = field(default_factory=set)


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
        # the match roles a rule cannot be decided without (a proximity rule needs both of its terms)
        self._needs = [
            frozenset()
            if r.definition.get("required")
            else frozenset((FIRST, SECOND) if "first" in r.definition else (PHRASE,))
            for r in self.rules
        ]
        self._applicable_cache: dict[tuple[str, str], frozenset[int]] = {}

    def applicable(self, kind: str, purpose: str) -> tuple[frozenset[int], tuple[int, ...]]:
        """The rules that apply to an interaction of this kind and purpose, and which of them are disclosures
        (those must be decided even when nothing matched: silence is the violation)."""
        key = (kind, purpose)
        found = self._applicable_cache.get(key)
        if found is None:
            rules = frozenset(
                i
                for i, r in enumerate(self.rules)
                if (not r.definition.get("kinds") or kind in r.definition["kinds"])
                and (not r.definition.get("purposes") or purpose in r.definition["purposes"])
            )
            found = self._applicable_cache[key] = (rules, tuple(i for i in self._disclosures if i in rules))
        return found

    def scan(self, turns: list[dict], *, kind: str = "", purpose: str = "", has_complaint: bool = False) -> list[Hit]:
        """The hits of every applicable rule in one interaction's turns ({speaker, start, text}).

        The pass over the text only collects (rule, match) pairs for applicable rules; turns, speakers and
        the rules' decisions are worked out afterwards for the few rules that matched, so a clean transcript
        costs little more than the automaton walk itself."""
        applicable, disclosures = self.applicable(kind, purpose)
        if not applicable:
            return []
        texts = [t.get("text") or "" for t in turns]
        matches = list(self.automaton.iter(SEPARATOR.join(texts))) if self.has_terms else []
        if not matches and not disclosures:
            return []
        entries_of = self._entries
        roles: dict[int, set] = {}
        for phrase_id in {m[1] for m in matches}:
            for entry in entries_of[phrase_id]:
                if entry[0] in applicable:
                    roles.setdefault(entry[0], set()).add(entry[1])
        # a rule is decided only with the matches it needs (a request word without anything sensitive near
        # it decides nothing); a disclosure is always decided, since silence is what it looks for
        needs = self._needs
        candidates = sorted({i for i, seen in roles.items() if needs[i] <= seen}.union(disclosures))
        if not candidates:
            return []
        starts = []
        offset = 0
        for text in texts:
            starts.append(offset)
            offset += len(text) + 1
        buckets = {index: _Collected() for index in candidates}
        # one more walk over the (few) matches, each placed in its turn once, for the candidate rules only
        for end_index, phrase_id in matches:
            turn = -1
            for index, role, item, length in entries_of[phrase_id]:
                bucket = buckets.get(index)
                if bucket is None:
                    continue
                start = end_index - length + 1
                if turn < 0 or start < starts[turn]:
                    turn = bisect_right(starts, start) - 1
                wanted = self._speakers[index]
                if wanted != "any" and turns[turn].get("speaker") != wanted:
                    continue
                local = start - starts[turn]
                place = (turn, local, local + length)
                if role == PHRASE:
                    bucket.phrases.append(place)
                elif role == FIRST:
                    bucket.first.append(place)
                elif role == SECOND:
                    bucket.second.append(place)
                elif role == EXCEPTION:
                    bucket.exceptions.append(place)
                else:
                    bucket.required.add(item)
        hits: list[Hit] = []
        for index in candidates:
            hits.extend(self._decide(self.rules[index], buckets[index], texts, turns, has_complaint))
        return hits

    def _decide(self, rule: CompiledRule, bucket: _Collected, texts, turns, has_complaint: bool) -> list[Hit]:
        d = rule.definition
        if "required" in d:
            missing = [item["label"] for i, item in enumerate(d["required"]) if i not in bucket.required]
            return [Hit(rule, -1, 0, 0, d["speaker"], None, "、".join(missing))] if missing else []
        if not (bucket.phrases or bucket.first) or (rule.kind == "complaint_intent" and has_complaint):
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
