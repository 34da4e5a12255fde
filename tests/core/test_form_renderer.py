"""The project's form renderer names what to choose in every select's empty entry (issue 21 point 7)."""

from __future__ import annotations

from types import SimpleNamespace

from django import forms
from django.utils import translation

from xiaobao.core.models import OrgUnit
from xiaobao.workflow.forms import TaskForm


class UnitForm(forms.ModelForm):
    class Meta:
        model = OrgUnit
        fields = ["parent", "level"]


class Filter(forms.Form):
    state = forms.ChoiceField(required=False, choices=[("", "---------"), ("a", "甲")], label="状态")
    kind = forms.ChoiceField(required=False, choices=[("", "全部类型"), ("a", "甲")], label="类型")


def test_a_model_forms_foreign_key_names_what_to_choose(db):
    form = UnitForm()
    html = str(form)
    assert "---------" not in html
    for name in ("parent", "level"):  # a foreign key, and a model field's own choices
        assert f"请选择{form[name].label}" in html


def test_a_plain_choice_field_with_dashes_is_renamed_and_an_own_empty_label_kept(db):
    html = str(Filter())
    assert "---------" not in html and "请选择状态" in html and "全部类型" in html


def test_the_empty_entry_is_translated_with_the_label(db):
    with translation.override("en"):
        html = str(Filter())
    assert "---------" not in html and "状态" in html  # the label given here is not translated, the phrase is
    assert "请选择" not in html


def test_a_task_forms_enum_says_what_to_choose_and_is_required_in_the_browser(db):
    task = SimpleNamespace(
        form=[
            {"id": "outcome", "label": "审批结论", "required": True, "type": "enum", "choices": [["ok", "同意"]]},
            {"id": "level", "label": "等级", "required": False, "type": "enum", "choices": [["1", "一级"]]},
        ],
        data={},
        version=1,
    )
    html = str(TaskForm(task=task))
    assert "---------" not in html
    assert '<option value="" selected>请选择审批结论</option>' in html and "请选择等级" in html
    assert 'name="outcome" required' in html
