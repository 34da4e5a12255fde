"""workflow.labels: how process variables read — declared labels, ids resolved to names in one query,
local times without microseconds, engine bookkeeping hidden; undeclared processes fall back to their forms."""

from __future__ import annotations

import pytest

from xiaobao.workflow import labels
from xiaobao.workflow.labels import DATETIME, HIDDEN, USER, Variable


@pytest.fixture
def declared():
    key = "test_labels_process"
    labels.register(
        key,
        {
            "object_id": HIDDEN,
            "holder_id": Variable("办理人", USER),
            "due": Variable("期限", DATETIME),
            "level": Variable("等级", choices={"red": "红色"}),
        },
    )
    yield key
    labels._REGISTRY.pop(key, None)


def test_an_iso_moment_reads_in_local_time_without_fractions():
    assert labels.format_value("2025-03-03T02:00:00.123456+00:00") == "2025-03-03 10:00"
    assert labels.format_value("2025-03-03") == "2025-03-03"
    assert labels.format_value(True) == "是" and labels.format_value(None) == "—"


def test_a_declared_process_shows_its_fields_and_hides_the_rest(cast, declared, django_assert_max_num_queries):
    data = {
        "object_id": 5,
        "holder_id": cast.officer_a.pk,
        "due": "2025-03-03T02:00:00.5+00:00",
        "level": "red",
        "internal_flag": True,
    }
    with django_assert_max_num_queries(1):
        fields = labels.present(declared, data)
    assert [(f.label, f.text) for f in fields] == [
        ("办理人", str(cast.officer_a)),
        ("期限", "2025-03-03 10:00"),
        ("等级", "红色"),
    ]


def test_an_id_that_no_longer_resolves_is_not_shown_as_a_number(db, declared):
    (field,) = labels.present(declared, {"holder_id": 987654})
    assert "987654" not in field.text


def test_a_form_field_of_a_declared_process_keeps_its_form_label(declared):
    form = [{"id": "remark", "label": "备注", "type": "string"}]
    assert [(f.label, f.text) for f in labels.present(declared, {"remark": "ok"}, form=form)] == [("备注", "ok")]


def test_an_undeclared_process_uses_its_form_labels_and_choice_labels():
    form = [{"id": "decision", "label": "审批结论", "type": "enum", "choices": [["yes", "同意"], ["no", "不同意"]]}]
    fields = labels.present("uploaded_by_an_admin", {"decision": "yes", "extra": 1}, form=form)
    assert [(f.label, f.text) for f in fields] == [("审批结论", "同意"), ("extra", "1")]


def test_changes_read_before_and_after(cast, declared):
    changes = {"holder_id": {"before": None, "after": cast.officer_b.pk}, "object_id": {"before": 1, "after": 2}}
    (change,) = labels.present_changes(declared, changes)
    assert (change.label, change.before, change.after) == ("办理人", "—", str(cast.officer_b))


def test_free_text_a_step_recorded_shows_personal_data_masked():
    note = "已联系客户13812345678，身份证110101199003071234，保单P2026000123456"
    shown = labels.format_value(note)
    assert "13812345678" not in shown and "110101199003071234" not in shown
    assert "138****5678" in shown
    assert "P2026000123456" in shown  # business numbers stay readable
    assert labels.format_value({"备注": "电话13812345678"}) == "备注：电话138****5678"
