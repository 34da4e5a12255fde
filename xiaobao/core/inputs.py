"""What every text and number a person types must satisfy before any app sees it (issue 14: no input reaches a 500).

Two holes are closed here once, for every form and serializer of every app, present and future, rather than
field by field:

- **Integers out of the database's range.** DRF's and Django's IntegerField take any Python int; the database
  does not (2**63 - 1 at most: beyond it SQLite raises OverflowError, PostgreSQL a DataError — a 500 with a
  traceback). Every IntegerField without tighter bounds of its own gets the database's, so an id too large in a
  filter, an id list or a nested id is a 400 naming the field.
- **Control characters in text** (and in the text inside free-form JSON values: a task's data, a review's
  form data). C0 control characters (NUL, BEL, ESC, … — tab, line feed and carriage return
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


def contains_control_characters(value) -> bool:
    """Whether a text, or any key or text anywhere inside a JSON value (objects, arrays), holds a C0 control."""
    if isinstance(value, str):
        return bool(CONTROL_CHARACTERS.search(value))
    if isinstance(value, dict):
        return any(contains_control_characters(k) or contains_control_characters(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(contains_control_characters(v) for v in value)
    return False


def refuse_control_characters_in(value):
    """A free-form JSON value (a workflow task's data, a review's form data) as given, or a field error: text
    inside it reaches pages, exports and documents as any other text does."""
    if contains_control_characters(value):
        raise serializers.ValidationError(ProhibitControlCharactersValidator.message, code=CONTROL_CHARACTERS_CODE)
    return value


def _json_checked(to_internal_value):
    def checked(self, data):
        return refuse_control_characters_in(to_internal_value(self, data))

    checked.__wrapped__ = to_internal_value
    return checked


def _form_json_checked(to_python):
    def checked(self, value):
        converted = to_python(self, value)
        if contains_control_characters(converted):
            raise ValidationError(ProhibitControlCharactersValidator.message, code=CONTROL_CHARACTERS_CODE)
        return converted

    checked.__wrapped__ = to_python
    return checked


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
    """Bound every IntegerField to the database's range and make every CharField — and every free-form JSON or
    dict field, at any depth — refuse control characters (DRF serializers and Django forms). Idempotent."""
    for cls in (serializers.IntegerField, forms.IntegerField):
        if not hasattr(cls.__init__, "__wrapped__"):
            cls.__init__ = _bounded(cls.__init__)
    for cls in (serializers.CharField, forms.CharField):
        if not hasattr(cls.__init__, "__wrapped__"):
            cls.__init__ = _text_checked(cls.__init__)
    for cls in (serializers.JSONField, serializers.DictField):
        if not hasattr(cls.to_internal_value, "__wrapped__"):
            cls.to_internal_value = _json_checked(cls.to_internal_value)
    if not hasattr(forms.JSONField.to_python, "__wrapped__"):
        forms.JSONField.to_python = _form_json_checked(forms.JSONField.to_python)
