"""The project's form renderer (settings.FORM_RENDERER): every select's empty entry says what to choose.

Django fills an optional choice with a row of dashes ("---------": a model field's BLANK_CHOICE_DASH, a
ModelChoiceField's empty_label). Issue 21 asks that an empty choice name what to choose ("请选择审查员" /
"Choose: Reviewer"), on every page, the admin's included. Rather than touch each form, the renderer gives every
form a BoundField that renames that entry after its field's label when the field is bound to a form, so a form
written later gets it too. A label a form sets itself (e.g. "全部状态" on a filter) is left alone.
"""

from __future__ import annotations

from django import forms
from django.forms.boundfield import BoundField
from django.forms.renderers import DjangoTemplates

from xiaobao.core.forms import choose

DASHES = "---------"


def _is_dashes(label) -> bool:
    return str(label) == DASHES


class ChoosingBoundField(BoundField):
    """A BoundField whose select, if its empty entry is a row of dashes, offers "请选择<label>" instead."""

    def __init__(self, form, field, name):
        super().__init__(form, field, name)
        name_the_empty_choice(field, self.label)


def name_the_empty_choice(field: forms.Field, label) -> None:
    """Rename the dashes of `field`'s empty choice (the form's own copy of the field, so nothing shared)."""
    if isinstance(field, forms.ModelChoiceField):
        # its choices are generated from the queryset on each render; the empty entry comes from empty_label
        if field.empty_label is not None and _is_dashes(field.empty_label):
            field.empty_label = choose(label)
        return
    if not isinstance(field, forms.ChoiceField):
        return
    # a model field's choices come wrapped (BlankChoiceIterator) or from a callable: read them once, for this form
    choices = list(field.choices)
    if not any(_is_empty_dashes(value, text) for value, text in choices):
        return
    field.choices = [(value, choose(label) if _is_empty_dashes(value, text) else text) for value, text in choices]


def _is_empty_dashes(value, text) -> bool:
    return value in ("", None) and not isinstance(text, list | tuple) and _is_dashes(text)


class FormRenderer(DjangoTemplates):
    """Django's own template renderer, with the choosing BoundField for every form."""

    bound_field_class = ChoosingBoundField
