"""Highlights: the matched words wrapped in <mark>, everything else HTML-escaped.

The words are found in the original text (case-insensitive), then each piece is escaped on its own, so
neither the document's markup nor the query can put HTML on the page, and a word can never match inside
an entity the escaping produced.
"""

from __future__ import annotations

import re
from functools import lru_cache
from html import escape

from django.utils.safestring import SafeString, mark_safe

SNIPPET_CHARS = 120


def _pattern(words) -> re.Pattern | None:
    return _compiled(tuple(sorted({w for w in words if w}, key=lambda w: (-len(w), w))))


@lru_cache(maxsize=256)
def _compiled(words: tuple[str, ...]) -> re.Pattern | None:
    if not words:
        return None
    return re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)


def _render(text: str, pattern: re.Pattern | None) -> SafeString:
    if pattern is None:
        return mark_safe(escape(text))  # noqa: S308 — escaped just now
    out, last = [], 0
    for m in pattern.finditer(text):
        out.append(escape(text[last : m.start()]))
        out.append(f"<mark>{escape(m.group(0))}</mark>")
        last = m.end()
    out.append(escape(text[last:]))
    return mark_safe("".join(out))  # noqa: S308 — every piece escaped above


def highlight(text: str, words) -> SafeString:
    """The whole text, escaped, with the words marked."""
    return _render(text or "", _pattern(words))


def snippet(texts, words, *, size: int = SNIPPET_CHARS) -> SafeString:
    """About `size` characters around the first match in the first text that has one (else the start of the
    first non-empty text), escaped and marked, with … where it was cut."""
    pattern = _pattern(words)
    texts = [" ".join((t or "").split()) for t in texts]
    source, start = next((t for t in texts if t), ""), 0
    if pattern is not None:
        for text in texts:
            m = pattern.search(text)
            if m:
                source, start = text, max(0, m.start() - size // 4)
                break
    piece = source[start : start + size]
    rendered = _render(piece, pattern)
    prefix = "…" if start > 0 else ""
    suffix = "…" if start + size < len(source) else ""
    return mark_safe(prefix + rendered + suffix)  # noqa: S308 — rendered is escaped
