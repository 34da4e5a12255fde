"""A choice list's empty entry says what to choose, in Chinese first and in English."""

from __future__ import annotations

from django.utils import translation

from xiaobao.core.models import User
from xiaobao.reviews.forms import AssignForm


def test_the_empty_entry_names_what_to_choose(db):
    form = AssignForm(reviewers=User.objects.none())
    html = str(form["reviewer"])
    assert "请选择审查员" in html and "---------" not in html
    with translation.override("en"):
        english = str(AssignForm(reviewers=User.objects.none())["reviewer"])
    assert "---------" not in english and "请选择" not in english and "Choose" in english
