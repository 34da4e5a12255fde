"""Chinese word segmentation for the index and for queries: jieba with the Term table as user dictionary.

One `jieba.Tokenizer` per process carries the active Term words (and every word of a synonym group, so a
synonym is one token on both sides). It is rebuilt when the terms change: at once in this process (signals
on Term), and within `RECHECK_SECONDS` in the others, which compare the table with what they loaded.

Documents are segmented with `cut_for_search` (a long word and its dictionary sub-words, for recall),
queries with the exact `cut` (the words as typed). HMM is off on both sides so an unknown word is split the
same way wherever it occurs. Tokens without a letter or digit (punctuation, spaces) are dropped.
"""

from __future__ import annotations

import logging
import threading
import time
import unicodedata

import jieba
from django.db.models.signals import post_delete, post_save

from xiaobao.knowledge.models import Term

logger = logging.getLogger(__name__)
jieba.setLogLevel(logging.WARNING)

RECHECK_SECONDS = 60
MAX_QUERY_CHARS = 500  # agents paste sentences, not essays; the rest of a longer query is ignored
MAX_QUERY_TOKENS = 24

# Function words and question words an agent's question carries but a document does not.
_STOPWORDS = (
    "的 了 吗 呢 吧 啊 呀 么 是 在 有 和 与 及 或 并 而 也 就 都 还 又 被 把 对 给 从 向 让 这 那 这个 那个 这样 "
    "我 我们 你 您 他 她 它 他们 自己 请问 请 怎么 怎么办 怎样 如何 什么 哪些 哪个 哪里 为什么 为何 多少 几 "
    "吗 能 能否 可以 可否 是否 需要 要 应该 会 该 时 时候 后 之后 以后 一下 一个 a an the of and or to in is"
)
STOPWORDS = frozenset(_STOPWORDS.split())

_lock = threading.Lock()
_state: dict = {"tokenizer": None, "terms": None, "groups": {}, "checked": 0.0}


def _clean(text: str) -> str:
    """Text safe for any database and jieba: no NUL, no lone surrogates, NFKC (full-width letters → ASCII)."""
    text = (text or "").replace("\x00", " ")
    text = text.encode("utf-8", "ignore").decode("utf-8")
    return unicodedata.normalize("NFKC", text)


def _is_word(token: str) -> bool:
    return any(ch.isalnum() for ch in token)


def _load_terms() -> tuple:
    rows = (
        Term.objects.filter(is_active=True).order_by("kind", "text").values_list("kind", "text", "synonyms", "weight")
    )
    return tuple(
        (kind, text, tuple(s for s in (synonyms or []) if isinstance(s, str)), weight)
        for kind, text, synonyms, weight in rows
    )


def _build(terms: tuple) -> tuple[jieba.Tokenizer, dict[str, tuple[str, ...]]]:
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    groups: dict[str, set[str]] = {}
    for kind, text, synonyms, weight in terms:
        words = [w.strip().lower() for w in (text, *synonyms) if w and w.strip()]
        for word in words:
            tokenizer.add_word(word, freq=max(int(weight or 1), 1))
        if kind == Term.Kind.SYNONYM and len(words) > 1:
            merged = set(words)
            for word in words:
                merged |= groups.get(word, set())
            for word in merged:
                groups[word] = merged
    return tokenizer, {word: tuple(sorted(group)) for word, group in groups.items()}


def _ensure() -> tuple[jieba.Tokenizer, dict[str, tuple[str, ...]]]:
    now = time.monotonic()
    if _state["tokenizer"] is not None and now - _state["checked"] < RECHECK_SECONDS:
        return _state["tokenizer"], _state["groups"]
    with _lock:
        if _state["tokenizer"] is None or now - _state["checked"] >= RECHECK_SECONDS:
            terms = _load_terms()
            if terms != _state["terms"] or _state["tokenizer"] is None:
                _state["tokenizer"], _state["groups"] = _build(terms)
                _state["terms"] = terms
            _state["checked"] = time.monotonic()
    return _state["tokenizer"], _state["groups"]


def reload() -> None:
    """Forget the loaded dictionary; the next segmentation reads the Term table again."""
    with _lock:
        _state["checked"] = 0.0
        _state["terms"] = None


def _on_term_change(**kwargs) -> None:
    reload()


post_save.connect(_on_term_change, sender=Term, dispatch_uid="knowledge_search_term_saved")
post_delete.connect(_on_term_change, sender=Term, dispatch_uid="knowledge_search_term_deleted")


def segment(text: str) -> list[str]:
    """The words of `text` for the index: lower-cased, dictionary sub-words included, punctuation dropped."""
    tokenizer, _ = _ensure()
    return [t for t in (w.strip() for w in tokenizer.cut_for_search(_clean(text).lower(), HMM=False)) if _is_word(t)]


def segment_query(text: str) -> list[str]:
    """The distinct words of a query, as typed: stopwords dropped (unless nothing else is left), capped."""
    tokenizer, _ = _ensure()
    words = [
        t for t in (w.strip() for w in tokenizer.cut(_clean(text)[:MAX_QUERY_CHARS].lower(), HMM=False)) if _is_word(t)
    ]
    kept = [w for w in words if w not in STOPWORDS] or words
    return list(dict.fromkeys(kept))[:MAX_QUERY_TOKENS]


def expand(tokens: list[str]) -> list[tuple[str, ...]]:
    """For each token, the words that may stand for it: itself first, then its synonym group."""
    _, groups = _ensure()
    return [(token, *(w for w in groups.get(token, ()) if w != token)) for token in tokens]


def joined(text: str) -> str:
    """The segmented form stored in the index: tokens separated by single spaces."""
    return " ".join(segment(text))
