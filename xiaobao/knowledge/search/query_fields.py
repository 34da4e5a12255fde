"""The query box as pages and API read it: longer text is cut to `MAX_QUERY_CHARS` and NUL is removed, as
the docs say — never a validation error for a pasted paragraph or a stray control character. The engine cuts
again on its side (`segmenter.MAX_QUERY_CHARS`), so a caller that skips these fields gets the same words.
"""

from __future__ import annotations

from django import forms
from rest_framework import serializers

from xiaobao.knowledge.search.segmenter import MAX_QUERY_CHARS


def clean_query(value) -> str:
    """The query text kept: NUL removed, then at most MAX_QUERY_CHARS characters."""
    return ("" if value is None else str(value)).replace("\x00", "")[:MAX_QUERY_CHARS]


class QueryFormField(forms.CharField):
    """A search box for Django forms; the browser also stops typing at the limit (maxlength)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.widget.attrs["maxlength"] = str(MAX_QUERY_CHARS)

    def to_python(self, value):
        return super().to_python(clean_query(value))


class QuerySerializerField(serializers.CharField):
    """A query parameter for the API: cut and cleaned the same way."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_blank", True)
        kwargs.setdefault("default", "")
        kwargs.setdefault("trim_whitespace", True)
        kwargs.setdefault("help_text", f"Text; cut to {MAX_QUERY_CHARS} characters, NUL removed")
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, str):
            data = clean_query(data)
        return super().to_internal_value(data)
