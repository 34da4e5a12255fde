"""What every text and number a person types must satisfy before any app sees it (issue 14: no input reaches a 500).

Two holes are closed here once, for every form and serializer of every app, present and future, rather than
field by field:

- **Integers out of the database's range.** DRF's and Django's IntegerField take any Python int; the database
  does not (2**63 - 1 at most: beyond it SQLite raises OverflowError, PostgreSQL a DataError — a 500 with a
  traceback). Every IntegerField without tighter bounds of its own gets the database's, so an id too large in a
  filter, an id list or a nested id is a 400 naming the field.
- **Control characters in text.** C0 control characters (NUL, BEL, ESC, … — tab, line feed and carriage return
  aside) have no place in a title or a comment; one of them in a work order's title made the Excel export fail
  for everyone who could see the order. Text fields refuse them with a message in the user's language (Django's
  own NUL refusal reads 「不允许是用空字符串」 in Chinese — "empty string not allowed" — which misleads).
  Exports strip them as well (core/xlsx.py), for data that arrived before this rule.

`install()` runs once from CoreConfig.ready().
"""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

DB_INT_MAX = 2**63 - 1  # the largest value an integer column holds (SQLite INTEGER, PostgreSQL bigint)
DB_INT_MIN = -(2**63)
# C0 controls except tab (\x09), line feed (\x0a) and carriage return (\x0d); NUL included. Also what
# openpyxl refuses in a cell (its ILLEGAL_CHARACTERS_RE).
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
CONTROL_CHARACTERS_CODE = "control_characters"


def strip_control_characters(value):
    """`value` without C0 control characters (tab and line breaks kept); non-text values unchanged."""
    return CONTROL_CHARACTERS.sub("", value) if isinstance(value, str) else value


@deconstructible
class ProhibitControlCharactersValidator:
    message = _("不能包含控制字符（如空字符 NUL、响铃、退格、转义）；制表符和换行除外。")
    code = CONTROL_CHARACTERS_CODE

    def __call__(self, value):
        if isinstance(value, str) and CONTROL_CHARACTERS.search(value):
            raise ValidationError(self.message, code=self.code)

    def __eq__(self, other):
        return isinstance(other, ProhibitControlCharactersValidator)


def _without_nul_validator(validators: list) -> list:
    kept = [v for v in validators if not isinstance(v, ProhibitNullCharactersValidator)]
    return [*kept, ProhibitControlCharactersValidator()]


def _bounded(init):
    def __init__(self, *args, **kwargs):
        if kwargs.get("max_value") is None:
            kwargs["max_value"] = DB_INT_MAX
        if kwargs.get("min_value") is None:
            kwargs["min_value"] = DB_INT_MIN
        init(self, *args, **kwargs)

    __init__.__wrapped__ = init
    return __init__


def _text_checked(init):
    def __init__(self, *args, **kwargs):
        init(self, *args, **kwargs)
        self.validators = _without_nul_validator(self.validators)

    __init__.__wrapped__ = init
    return __init__


def install() -> None:
    """Bound every IntegerField to the database's range and make every CharField refuse control characters
    (DRF serializers and Django forms). Idempotent."""
    for cls in (serializers.IntegerField, forms.IntegerField):
        if not hasattr(cls.__init__, "__wrapped__"):
            cls.__init__ = _bounded(cls.__init__)
    for cls in (serializers.CharField, forms.CharField):
        if not hasattr(cls.__init__, "__wrapped__"):
            cls.__init__ = _text_checked(cls.__init__)
