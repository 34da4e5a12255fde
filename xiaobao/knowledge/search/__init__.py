"""Knowledge search: jieba segmentation with the domain dictionary and synonyms, BM25-ranked full text on
SQLite FTS5 or PostgreSQL tsvector/GIN behind one interface, visibility in SQL, escaped highlights.

    segment(text) / expand(tokens)                      the words, and their synonyms
    index_version(version) / unindex_document(document) / rebuild(progress=None)
    search(user, query, *, filters=None, limit=10, offset=0, include_history=False) -> SearchPage
    answer(user, question, *, limit=3) -> list[Answer]   FAQ only
"""

from xiaobao.knowledge.search.engine import Answer, AnswerPage, Hit, SearchPage, answer, search
from xiaobao.knowledge.search.index import index_version, rebuild, refresh_document, unindex_document
from xiaobao.knowledge.search.segmenter import expand, reload, segment, segment_query

__all__ = [
    "Answer",
    "AnswerPage",
    "Hit",
    "SearchPage",
    "answer",
    "expand",
    "index_version",
    "rebuild",
    "refresh_document",
    "reload",
    "search",
    "segment",
    "segment_query",
    "unindex_document",
]
