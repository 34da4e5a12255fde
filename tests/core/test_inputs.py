"""Input every app shares (issue 14 §4, core/inputs.py): integers within the database's range, text without
control characters (refused at input with a message in the user's language), and exports that strip them from
data that got in before."""

from __future__ import annotations

import io

import pytest
from django import forms
from django.test import Client
from django.utils import translation
from openpyxl import load_workbook
from rest_framework import serializers
from rest_framework.test import APIClient

from xiaobao.core.inputs import DB_INT_MAX
from xiaobao.workorders import services
from xiaobao.workorders.models import WorkOrder


class Sample(serializers.Serializer):
    number = serializers.IntegerField(required=False)
    small = serializers.IntegerField(required=False, max_value=10)
    text = serializers.CharField(required=False)


class SampleForm(forms.Form):
    number = forms.IntegerField(required=False)
    text = forms.CharField(required=False)


def errors(data) -> dict:
    sample = Sample(data=data)
    sample.is_valid()
    return sample.errors


@pytest.mark.parametrize("value", [DB_INT_MAX + 1, -(DB_INT_MAX + 2), 2**64])
def test_an_integer_outside_the_database_range_is_refused_by_name(value):
    assert "number" in errors({"number": value})
    assert "number" in SampleForm({"number": str(value)}).errors


def test_integers_within_range_and_own_bounds_stand():
    assert errors({"number": DB_INT_MAX, "small": 10}) == {}
    assert "small" in errors({"small": 11})  # a field's own tighter bound still rules


@pytest.mark.parametrize("text", ["标题\x00", "a\x07b", "\x1b[31m红色", "x\x0by", "x\x1fy"])
def test_control_characters_are_refused_in_text(text):
    assert errors({"text": text})["text"][0].code == "control_characters"
    assert "text" in SampleForm({"text": text}).errors


def test_tab_and_line_breaks_are_text():
    assert errors({"text": "第一行\r\n第二行\t备注"}) == {}
    assert SampleForm({"text": "第一行\r\n第二行\t备注"}).is_valid()


def test_the_nul_refusal_reads_right_in_both_languages():
    with translation.override("zh-hans"):
        chinese = str(errors({"text": "a\x00"})["text"][0])
    with translation.override("en"):
        english = str(errors({"text": "a\x00"})["text"][0])
    assert "控制字符" in chinese and "空字符串" not in chinese  # Django's own says "empty string"
    assert "control character" in english.lower()


def test_the_api_refuses_a_control_character_in_a_work_order_title(cast):
    api = APIClient()
    api.force_authenticate(cast.hq_admin)
    body = {"title": "自查\x07", "kind": "self_check", "content": "请自查。", "due_days": 5}
    response = api.post("/api/v1/workorders/", {**body, "recipient_units": [cast.branch_a.pk]}, format="json")
    assert response.status_code == 400
    assert "title" in response.json()["fields"]
    assert not WorkOrder.objects.exists()


def test_the_export_strips_control_characters_that_got_in_before(cast):
    order = services.workorder_issue(
        actor=cast.hq_admin,
        title="自查",
        kind=WorkOrder.Kind.SELF_CHECK,
        content="请自查。",
        recipient_units=[cast.branch_a],
        due_days=5,
    )
    WorkOrder.objects.filter(pk=order.pk).update(
        title="自查\x07\x01报告\x1b"
    )  # as if imported before the rule (\x01, not NUL: PostgreSQL stores no NUL at all)
    client = Client()
    client.force_login(cast.hq_admin)
    response = client.get("/workorders/export.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    titles = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert "自查报告" in titles
