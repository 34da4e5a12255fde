"""Passages: a long document cut along its own structure, so search can match one article of a law rather than
the whole law, name it ("中华人民共和国保险法 第十六条") and link to it.

- Legal texts (laws, regulations, and internal policies written the same way): each 条 is a passage, its
  chapter (章) and section (节) headings kept as its context. A line starting 第…条 begins an article; the
  article runs to the next article, chapter or section heading.
- Other long texts: each heading is a passage — Markdown headings (`#`…), or lines like "一、…" / "（一）…"
  standing alone on their line (at most HEADING_CHARS long).
- A document shorter than MIN_CHARS, or with fewer than MIN_PASSAGES pieces, stays whole: cutting a page
  into pieces would only lose context. The text before the first piece (a law's adoption history, a
  policy's preamble) stays with the document's own entry.

Passages are computed from the version's text wherever they are needed (index, document page, snippets), so
they never disagree with it, and nothing is stored but offsets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MIN_CHARS = 1500
MIN_PASSAGES = 3
HEADING_CHARS = 40
MAX_PASSAGES = 2000  # a pathological text (every line "第一条") is not cut into more index rows than this

_NUM = "〇零一二三四五六七八九十百千两0-9０-９"
_ARTICLE = re.compile(rf"^[ \t\u3000]*(第[{_NUM}]+条)(?:之[{_NUM}]+)?(?=[ \t\u3000]|$|[^\n{_NUM}])", re.M)
_CHAPTER = re.compile(rf"^[ \t\u3000]*(第[{_NUM}]+[编章])[ \t\u3000]*([^\n]{{0,{HEADING_CHARS}}})$", re.M)
_SECTION = re.compile(rf"^[ \t\u3000]*(第[{_NUM}]+节)[ \t\u3000]*([^\n]{{0,{HEADING_CHARS}}})$", re.M)
_HEADING = re.compile(
    rf"^(?:#{{1,6}}[ \t]+([^\n]{{1,{HEADING_CHARS}}})|[ \t\u3000]*((?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）)"
    rf"[^\n。；]{{1,{HEADING_CHARS}}}))[ \t]*$",
    re.M,
)
_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}
_UNITS = {"十": 10, "百": 100, "千": 1000}


@dataclass(frozen=True)
class Passage:
    anchor: str  # the id of its place on the document page: "art-16", "sec-3"
    label: str  # what a result calls it: "第十六条", or the heading
    context: str  # the headings above it: "第二章 保险合同 第一节 一般规定"
    start: int  # offsets of its text in the body
    end: int


def chinese_number(text: str) -> int | None:
    """十六 → 16, 一百一十六 → 116, 二十 → 20, 16 → 16; None when it is not a number."""
    text = text.translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    if text.isdigit():
        return int(text)
    total, digit = 0, None
    for ch in text:
        if ch in _DIGITS:
            digit = _DIGITS[ch]
        elif ch in _UNITS:
            total += (1 if digit is None else digit) * _UNITS[ch]
            digit = None
        else:
            return None
    return total + (digit or 0)


def _legal(body: str) -> list[Passage]:
    heads = sorted(
        [(m.start(), "chapter", f"{m.group(1)} {m.group(2).strip()}".strip()) for m in _CHAPTER.finditer(body)]
        + [(m.start(), "section", f"{m.group(1)} {m.group(2).strip()}".strip()) for m in _SECTION.finditer(body)]
        + [(m.start(), "article", m.group(0).strip()) for m in _ARTICLE.finditer(body)]
    )
    passages: list[Passage] = []
    chapter = section = ""
    seen: set[str] = set()
    for i, (start, what, text) in enumerate(heads):
        if what == "chapter":
            chapter, section = text, ""
            continue
        if what == "section":
            section = text
            continue
        end = next((s for s, _w, _t in heads[i + 1 :]), len(body))
        number = chinese_number(text[1:].split("条")[0])
        anchor = f"art-{number}" if number is not None else f"art-p{len(passages) + 1}"
        if anchor in seen:  # an article number repeated (two texts in one file): keep anchors unique
            anchor = f"{anchor}-{len(passages) + 1}"
        seen.add(anchor)
        context = " ".join(x for x in (chapter, section) if x)
        passages.append(Passage(anchor, text, context, start, end))
    return passages


def _headed(body: str) -> list[Passage]:
    found = list(_HEADING.finditer(body))
    passages = []
    for i, m in enumerate(found):
        end = found[i + 1].start() if i + 1 < len(found) else len(body)
        label = (m.group(1) or m.group(2)).strip()
        passages.append(Passage(f"sec-{i + 1}", label, "", m.start(), end))
    return passages


def split(body: str) -> list[Passage]:
    """The passages of a long structured text, in order; [] when the text stays whole."""
    if not body or len(body) < MIN_CHARS:
        return []
    for cut in (_legal, _headed):
        passages = cut(body)
        if len(passages) >= MIN_PASSAGES:
            return passages[:MAX_PASSAGES]
    return []


def preamble_end(body: str, passages: list[Passage]) -> int:
    """Where the text before the first passage ends (it stays with the document's own entry)."""
    return passages[0].start if passages else len(body or "")


def find(body: str, anchor: str) -> Passage | None:
    return next((p for p in split(body) if p.anchor == anchor), None)
