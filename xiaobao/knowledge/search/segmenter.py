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
import re
import threading
import time

import jieba
from django.db.models.signals import post_delete, post_save

from xiaobao.knowledge.models import Term
from xiaobao.knowledge.search import tolerance

logger = logging.getLogger(__name__)
jieba.setLogLevel(logging.WARNING)

RECHECK_SECONDS = 60
MAX_QUERY_CHARS = 500  # agents paste sentences, not essays; the rest of a longer query is ignored
MAX_QUERY_TOKENS = 24

# Function words and question words an agent's question carries but a document does not.
_STOPWORDS = (
    "的 了 吗 呢 吧 啊 呀 么 是 在 有 和 与 及 或 并 而 也 就 都 还 又 被 把 对 给 从 向 让 这 那 这个 那个 这样 "
    "我 我们 你 您 他 她 它 他们 自己 请问 请 怎么 怎么办 怎样 如何 什么 哪些 哪个 哪里 为什么 为何 多少 几 "
    "吗 能 能否 可以 可否 是否 需要 要 应该 会 该 时 时候 后 之后 以后 一下 一个 a an the of and or to in is "
    # colloquial question words agents type for the customer (啥 = 什么, 咋 = 怎么)
    "啥 咋 咋办 咋样 干嘛 怎么样 哪儿 呗 嘛 哦 呀 能不能 可不可以 会不会 是不是 有没有 要不要 "
    # single characters that only bind a sentence (里 in 保险法里, 没 in 没交): as search words they match
    # nearly everything
    "里 过 没 不 跟 着 到 上 下 中 内 等 算 就是 还是 已经 一直 现在 以前 "
    # words that ask for the rule rather than name its subject (they mark a rule question, `RULE_MARKERS`)
    "法律 法规 规定 怎么规定 违法 合法 第几条 哪条 几条 依据 法律依据 条文 制度"
)
# A question with one of these (or naming a law, a dictionary word ending in 法) asks what the rule is:
# laws, regulations and policies then rank before answers of equal coverage (rerank.RULE_BOOST).
RULE_MARKERS = ("法律", "法规", "规定", "违法", "合法", "第几条", "哪条", "依据", "条文", "制度")
STOPWORDS = frozenset(_STOPWORDS.split())
# A question about what the institution must, may or may not do ("保险公司收到申请后多少天要核定", "公司还能解除
# 合同吗") asks for a duty: the law or policy that sets it is the answer's source.
DUTY_QUESTION = re.compile(
    r"(保险公司|保险人|公司|经营者|商家|银行|处理者)[^，。？！,.?!]{0,12}(要|应当|应该|必须|得|能|可以|有权|不能|不得)"
)

# A question asking what a word means or covers ("什么是现金价值", "哪些属于敏感个人信息", "投保人是指谁"): the
# article that defines the word is its answer (rerank.DEFINITION_BOOST).
DEFINITION_QUESTION = re.compile(
    r"什么是|是什么|什么叫|啥是|是啥|是指|指什么|指的是|哪些属于|属于哪些|属于什么|怎么定义|定义|含义|概念"
)

_lock = threading.Lock()
_state: dict = {"tokenizer": None, "terms": None, "groups": {}, "checked": 0.0, "sounds": {}, "dictionary": frozenset()}


def _clean(text: str) -> str:
    """Text safe for any database and jieba: no NUL, no lone surrogates, no zero-width characters, NFKC
    (full-width letters → ASCII), traditional characters folded to simplified (`tolerance.fold`)."""
    text = (text or "").replace("\x00", " ")
    text = text.encode("utf-8", "ignore").decode("utf-8")
    return tolerance.fold(text)


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
                words = frozenset(tolerance.fold(w).strip().lower() for _k, t, syn, _w in terms for w in (t, *syn))
                _state["dictionary"] = words
                _state["sounds"] = tolerance.pinyin_index(sorted(words))
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


def dictionary() -> tuple[frozenset[str], dict[tuple[str, ...], str]]:
    """The dictionary's words (folded, lower-cased) and their toneless pinyin (for `tolerance.correct`)."""
    _ensure()
    return _state["dictionary"], _state["sounds"]


def prepare_query(text: str) -> str:
    """A query's text before segmentation: cleaned and folded, cut to MAX_QUERY_CHARS, A不A forms tidied."""
    return tolerance.tidy_question(_clean(text if isinstance(text, str) else "")[:MAX_QUERY_CHARS].lower())


def is_rule_question(text: str) -> bool:
    """Whether the question asks for a rule: a rule word, a question about the institution's duty
    (`DUTY_QUESTION`), or a law's name from the dictionary."""
    prepared = prepare_query(text)
    if any(marker in prepared for marker in RULE_MARKERS) or DUTY_QUESTION.search(prepared):
        return True
    tokenizer, _ = _ensure()
    words = _state["dictionary"]
    return any(len(t) >= 2 and t.endswith("法") and t in words for t in tokenizer.cut(prepared, HMM=False))


def is_definition_question(text: str) -> bool:
    """Whether the question asks what a word means or what it covers (`DEFINITION_QUESTION`)."""
    return bool(DEFINITION_QUESTION.search(prepare_query(text)))


def segment_query(text: str) -> list[str]:
    """The distinct words of a query, as typed: stopwords dropped (unless nothing else is left), capped."""
    tokenizer, _ = _ensure()
    words = [t for t in (w.strip() for w in tokenizer.cut(prepare_query(text), HMM=False)) if _is_word(t)]
    kept = [w for w in words if w not in STOPWORDS] or words
    return list(dict.fromkeys(kept))[:MAX_QUERY_TOKENS]


def expand(tokens: list[str]) -> list[tuple[str, ...]]:
    """For each token, the words that may stand for it: itself first, then its synonym group."""
    _, groups = _ensure()
    return [(token, *(w for w in groups.get(token, ()) if w != token)) for token in tokens]


def joined(text: str) -> str:
    """The segmented form stored in the index: tokens separated by single spaces."""
    return " ".join(segment(text))
