"""The second look at the first candidates: the full-text rank (BM25 / cover density) scores every word the
same, synonyms too, and counts repetitions. Agents' questions need three more things, applied here to the
first `WINDOW` candidates of a query (later pages keep the database's order; the set of candidates on the
first pages does not change, only their order):

- coverage: how much of the question an entry answers, each word group weighted by its rarity (IDF): a
  word as typed counts fully, a synonym (`SYNONYM_WEIGHT`) or a spelling correction (`CORRECTION_WEIGHT`)
  less, and each group counts once however often it occurs — so one synonym group matched many times
  cannot outscore a document with the words the agent typed. A word found in the title or question counts
  fully, in the body only `BODY_WEIGHT`. The final score is coverage times the normalised full-text score
  (`RANK_SHARE` of it), so the database's rank still orders entries of equal coverage.
- status: a repealed (已废止) document never ranks above a current one among the candidates.
- rule questions ("保险法怎么规定", "公司制度", "违法吗"): laws, regulations and policies weigh
  `RULE_BOOST` more, so the rule itself comes before answers about it.
- sources beside answers: when the first `SOURCE_SLOT` results are all FAQ, scripts or cases, the best
  law, regulation or policy among the candidates that covers the question nearly as well
  (`SOURCE_MIN_SHARE` of the best coverage) is moved up to that slot, so an agent sees the rule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

WINDOW = 30
# Passages beyond a document's first few (engine.CANDIDATE_PASSAGES_PER_DOCUMENT) that join the window: at
# most this many, so a question costs at most WINDOW + EXTRA_PASSAGES candidates
EXTRA_PASSAGES = 20
SYNONYM_WEIGHT = 0.6
CORRECTION_WEIGHT = 0.8
BODY_WEIGHT = 0.7
RANK_SHARE = 0.5
SOURCE_SLOT = 3
SOURCE_MIN_SHARE = 0.6
SOURCE_KINDS = frozenset({"law", "regulation", "policy"})
# The answers' coverage weighs each word by IDF to this power: the rare words of a question decide whether an
# FAQ answers it. Chosen with the threshold on the first relevance set (1.0 and 2.0 separated worse there).
KEY_POWER = 1.5
RULE_BOOST = 1.5  # a rule question (segmenter.is_rule_question): sources' scores times this
REPEALED = "repealed"
# A definition question (segmenter.is_definition_question): an article that defines one of its words ("敏感个人
# 信息是…", "投保人是指…", "本法所称…") scores its coverage times this, whatever its full-text rank — a law's
# definition is where such a question is answered, and it shares its words with every article that uses the
# term, most of them shorter.
DEFINITION_BOOST = 1.5
# a definition stands at an article's start, or early in it (第十条: 保险合同是…投保人是指…)
DEFINITION_HEAD_CHARS = 200
# A question naming a law ("消法怎么规定", "保险法里…", "个保法"): that law's articles score this much more than
# other sources — an agent who names the law wants its text, not a regulation that shares its words.
NAMED_LAW_BOOST = 1.5
# A single Chinese character left standing in a question (钱, 说, 拿, 存, 赔) is a fragment the segmenter
# found no word for. Its document frequency counts only the documents where it also stands alone, not the
# words it is part of (钱 in 价钱, 赔 in 赔付), so its IDF says "rare" of a common sign: it weighs this share
# of that IDF.
SINGLE_CHARACTER_SHARE = 0.4


def is_single_character(word: str) -> bool:
    return len(word) == 1 and "\u3400" <= word <= "\u9fff"


@dataclass(frozen=True)
class Group:
    """One word of the question with the words that may stand for it."""

    typed: str
    synonyms: tuple[str, ...] = ()
    weight: float = 1.0  # CORRECTION_WEIGHT when `typed` is a spelling correction of what was typed
    idf: float = 1.0


@dataclass
class Candidate:
    row: tuple
    kind: str
    policy_status: str
    title_words: frozenset
    body_words: frozenset
    rank: float  # the database's score
    passage: bool = False  # one article or section: its text is the unit itself, not a body around it
    head: str = ""  # a passage's first DEFINITION_HEAD_CHARS characters, as written (definitions)
    coverage: float = 0.0
    key_coverage: float = 0.0  # coverage with the rarest words weighing most (IDF ** KEY_POWER): answers' test
    score: float = 0.0


def coverage(
    groups: list[Group], title_words: frozenset, body_words: frozenset, *, passage: bool = False, power: float = 1.0
) -> float:
    """The IDF-weighted share of the question's word groups an entry has (0..1). A passage's text counts
    fully: it is as focused as a title (an article, not a long body that mentions the word somewhere)."""
    body_weight = 1.0 if passage else BODY_WEIGHT
    total = sum(g.idf**power for g in groups) or 1.0
    got = 0.0
    for g in groups:
        for words, field in ((title_words, 1.0), (body_words, body_weight)):
            if g.typed in words:
                value = g.weight * field
            elif any(s in words for s in g.synonyms):
                value = SYNONYM_WEIGHT * g.weight * field
            else:
                continue
            got += g.idf**power * value
            break
    return got / total


def names_law(groups: list[Group], title_words: frozenset) -> bool:
    """Whether a word of the question, or a name it stands for (消法 → 消费者权益保护法), is a law's name
    (a word ending in 法, three characters or more) in this entry's title."""
    return any(
        len(word) >= 3 and word.endswith("法") and word in title_words
        for g in groups
        for word in (g.typed, *g.synonyms)
    )


def defines(head: str, groups: list[Group]) -> bool:
    """Whether a passage's first words define a word of the question (as typed or a synonym): "X是…" at its
    start (after the article's number), "X是指" / "X，是指" or "所称X" in its head."""
    if not head:
        return False
    body = re.sub(r"^\s*第[^条]{1,8}条\s*", "", head)
    for g in groups:
        for word in (g.typed, *g.synonyms):
            if len(word) < 2:
                continue
            if (
                body.startswith(word + "是")
                or f"{word}是指" in body
                or f"{word}，是指" in body
                or f"所称{word}" in body
            ):
                return True
    return False


def rerank(
    groups: list[Group], candidates: list[Candidate], *, rule_question: bool = False, definition_question: bool = False
) -> list[Candidate]:
    """The candidates in their new order, each with its coverage and final score."""
    if not candidates:
        return candidates
    # the full-text rank weighs a word in a title ten times one in a body (backends.BM25_WEIGHTS); an
    # article's words are all in its body column, so its rank is only comparable with other articles'
    top = {
        passage: max((c.rank for c in candidates if c.passage == passage), default=0.0) or 1.0
        for passage in (True, False)
    }
    for c in candidates:
        c.coverage = coverage(groups, c.title_words, c.body_words, passage=c.passage)
        c.key_coverage = coverage(groups, c.title_words, c.body_words, passage=c.passage, power=KEY_POWER)
        if definition_question and c.passage and defines(c.head, groups):
            # its rank does not matter: a definition is often a long article that says the word once
            c.score = c.coverage * DEFINITION_BOOST
        else:
            c.score = c.coverage * ((1 - RANK_SHARE) + RANK_SHARE * max(c.rank, 0.0) / top[c.passage])
        if rule_question and c.kind in SOURCE_KINDS:
            c.score *= RULE_BOOST
        if c.kind in SOURCE_KINDS and names_law(groups, c.title_words):
            c.score *= NAMED_LAW_BOOST
    ordered = sorted(candidates, key=lambda c: (c.policy_status == REPEALED, -c.score))
    head = ordered[:SOURCE_SLOT]
    if len(ordered) > SOURCE_SLOT and head and not any(c.kind in SOURCE_KINDS for c in head):
        best = max(c.coverage for c in ordered)
        source = next(
            (
                c
                for c in ordered[SOURCE_SLOT:]
                if c.kind in SOURCE_KINDS and c.policy_status != REPEALED and c.coverage >= SOURCE_MIN_SHARE * best
            ),
            None,
        )
        if source is not None:
            ordered.remove(source)
            ordered.insert(SOURCE_SLOT - 1, source)
    return ordered
