"""Form pieces every app shares: a choice list whose empty entry says what to choose."""

from __future__ import annotations

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _


def choose(label) -> object:
    """The empty entry of a choice list: "请选择审查员" / "Choose: Reviewer" — never a row of dashes."""
    return format_lazy(_("请选择{}"), label) if label else _("请选择…")


class ChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField whose empty entry names what to choose (unless a caller sets empty_label itself)."""

    def __init__(self, *args, **kwargs):
        if "empty_label" not in kwargs:
            kwargs["empty_label"] = choose(kwargs.get("label"))
        super().__init__(*args, **kwargs)
