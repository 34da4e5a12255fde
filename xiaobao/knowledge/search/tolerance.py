"""Forgiving how people type, on both sides of the index where it matters.

- `fold(text)` (index and query): zero-width characters removed, NFKC (full-width letters, digits and
  punctuation become ASCII), and traditional characters folded to simplified with OpenCC's own tables
  (t2s), so 猶豫期 and 犹豫期 are the same word wherever they occur.
- `tidy_question(text)` (query only): the A不A / A没A question forms (能不能, 会不会, 是不是, 有没有,
  可不可以) become the plain verb, so their fragments (不能, 不会, 没有) do not become search words and a
  question is not read as its negation.
- `correct(text, known)` (query only): a typo that sounds like a dictionary word (尤豫期 → 犹豫期, 理陪 → 理赔)
  is replaced by it, by toneless pinyin over the Term dictionary — but only where the typed characters are
  no dictionary word themselves and `known(piece)` says the index has never seen them, so a real word that
  happens to sound the same (保安 vs 报案) is searched as typed whenever the documents use it.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Callable, Iterable

import opencc
from pypinyin import lazy_pinyin

ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e"), None)
_CJK = re.compile(r"[\u3400-\u9fff]")
# 能不能 → 能, 有没有 → 有, 可不可以 → 可以 (可不可 → 可)
_A_NOT_A = re.compile(r"([\u4e00-\u9fff])[不没]\1")
MAX_CORRECTIONS = 4
# Phrasings with words in between that no synonym can reach: "替老人投诉", "帮客户投诉" mean 代为投诉.
COLLOQUIAL = [(re.compile(r"[替帮代][\u4e00-\u9fff]{0,4}?投诉"), "代为投诉")]

_converter_lock = threading.Lock()
_converter: list = []


def _t2s() -> opencc.OpenCC:
    if not _converter:
        with _converter_lock:
            if not _converter:
                _converter.append(opencc.OpenCC("t2s.json"))
    return _converter[0]


def fold(text: str) -> str:
    """Zero-width characters out, NFKC, traditional → simplified."""
    text = unicodedata.normalize("NFKC", (text or "").translate(ZERO_WIDTH))
    return _t2s().convert(text) if _CJK.search(text) else text


def tidy_question(text: str) -> str:
    return _A_NOT_A.sub(r"\1", text)


def rewrite(text: str) -> str:
    """Colloquial phrasings replaced by the words the documents use (`COLLOQUIAL`)."""
    for pattern, words in COLLOQUIAL:
        text = pattern.sub(words, text)
    return text


def pinyin_key(word: str) -> tuple[str, ...]:
    return tuple(lazy_pinyin(word))


def pinyin_index(words: Iterable[str]) -> dict[tuple[str, ...], str]:
    """Toneless pinyin → dictionary word, for words of 2 to 8 Chinese characters; a sound two words share
    is left out (no guessing between them)."""
    index: dict[tuple[str, ...], str] = {}
    clashes: set[tuple[str, ...]] = set()
    for word in words:
        if not 2 <= len(word) <= 8 or not all(_CJK.match(ch) for ch in word):
            continue
        key = pinyin_key(word)
        if key in index and index[key] != word:
            clashes.add(key)
        index[key] = word
    for key in clashes:
        index.pop(key, None)
    return index


def correct(
    text: str, sounds: dict[tuple[str, ...], str], dictionary: frozenset[str], known: Callable[[str], bool]
) -> tuple[str, list[tuple[str, str]]]:
    """The text with sound-alike typos of dictionary words replaced, and the (typed, word) pairs replaced."""
    if not sounds or not _CJK.search(text):
        return text, []
    lengths = sorted({len(key) for key in sounds}, reverse=True)
    readings = [lazy_pinyin(ch)[0] if _CJK.match(ch) else None for ch in text]
    out, fixes, i = [], [], 0
    while i < len(text):
        for length in lengths:
            piece = text[i : i + length]
            if len(piece) < length or None in readings[i : i + length]:
                continue
            word = sounds.get(tuple(readings[i : i + length]))
            fixable = word and word != piece and piece not in dictionary and len(fixes) < MAX_CORRECTIONS
            if fixable and not known(piece):
                out.append(word)
                fixes.append((piece, word))
                i += length
                break
        else:
            out.append(text[i])
            i += 1
    return "".join(out), fixes
