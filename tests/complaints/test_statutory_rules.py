"""The statutory rule rows cannot be made non-compliant (Art. 18, Art. 20, Art. 43 of the Measures), from
admin or any other save; an internal target stricter than the law is a row of its own, shown beside the
statutory deadline and never used for it."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from tests.complaints.conftest import NOW, at
from xiaobao.complaints import rules
from xiaobao.complaints.models import ComplaintRule
from xiaobao.core.models import AuditEntry, User


def _set(code: str, value) -> ComplaintRule:
    row = ComplaintRule.objects.get(code=code)
    row.value = value
    row.save()
    return row


@pytest.mark.parametrize("code", ["deadline.initial", "deadline.complex", "deadline.special", "reexamine.deadline"])
def test_a_statutory_deadline_cannot_be_made_longer_than_the_text(db, code):
    limit = {"deadline.initial": 15}.get(code, 30)
    with pytest.raises(ValidationError) as refused:
        _set(code, {"days": limit + 1, "unit": "calendar"})
    message = " ".join(refused.value.message_dict["value"])
    assert ("第十八条" if code.startswith("deadline") else "第二十条") in message
    assert ComplaintRule.objects.get(code=code).value["days"] == limit


def test_a_statutory_deadline_may_be_shorter_than_the_text(db):
    assert _set("deadline.initial", {"days": 12, "unit": "calendar"}).value["days"] == 12


@pytest.mark.parametrize("unit", ["working", "hours", ""])
def test_a_statutory_step_counts_calendar_days_only(db, unit):
    with pytest.raises(ValidationError) as refused:
        _set("deadline.initial", {"days": 10, "unit": unit})
    assert "第四十三条" in " ".join(refused.value.message_dict["value"])


@pytest.mark.parametrize("days", [0, -3, "15天", 15.5, True, None])
def test_a_statutory_length_must_be_a_positive_whole_number(db, days):
    with pytest.raises(ValidationError):
        _set("deadline.complex", {"days": days, "unit": "calendar"})


def test_the_complainants_window_to_ask_for_reexamination_cannot_be_shortened(db):
    with pytest.raises(ValidationError) as refused:
        _set("reexamine.apply", {"days": 20, "unit": "calendar"})
    assert "第二十条" in " ".join(refused.value.message_dict["value"])
    assert _set("reexamine.apply", {"days": 45, "unit": "calendar"}).value["days"] == 45


def test_the_projects_own_rules_stay_free_to_change(db):
    assert _set("revisit.deadline", {"days": 20, "unit": "working"}).value["days"] == 20


def test_an_internal_target_must_be_stricter_than_the_statutory_deadline(db):
    for value in ({"days": 15, "unit": "calendar"}, {"days": 11, "unit": "working"}):
        with pytest.raises(ValidationError):
            _set("target.decide", value)
    assert _set("target.decide", {"days": 7, "unit": "working"}).value["unit"] == "working"


def test_the_seeded_rows_cite_the_right_articles(db):
    articles = dict(ComplaintRule.objects.values_list("code", "article"))
    for code in ("deadline.initial", "deadline.complex", "deadline.special"):
        assert "第十八条" in articles[code]
    for code in ("reexamine.apply", "reexamine.deadline"):
        assert "第二十条" in articles[code]
    assert "第二十条" not in "".join(articles[c] for c in ("deadline.initial", "deadline.complex"))
    assert "内部目标" in articles["target.decide"]


@pytest.fixture
def root_client(cast):
    root = User.objects.create_superuser("root", password="Root-Passw0rd!", org_unit=cast.hq)
    client = Client()
    client.force_login(root)
    return client


def test_admin_refuses_a_longer_statutory_deadline_with_the_article_and_saves_nothing(root_client):
    row = ComplaintRule.objects.get(code="deadline.initial")
    response = root_client.post(
        f"/admin/complaints/complaintrule/{row.pk}/change/",
        {"name": row.name, "value": json.dumps({"days": 20, "unit": "calendar"}), "article": row.article, "note": ""},
    )
    assert response.status_code == 200
    assert "第十八条" in response.content.decode()
    row.refresh_from_db()
    assert row.value["days"] == 15
    assert not AuditEntry.objects.filter(action="admin.change", object_type="complaints.complaintrule").exists()


def test_admin_refuses_working_days_on_a_statutory_row(root_client):
    row = ComplaintRule.objects.get(code="deadline.complex")
    response = root_client.post(
        f"/admin/complaints/complaintrule/{row.pk}/change/",
        {"name": row.name, "value": json.dumps({"days": 20, "unit": "working"}), "article": row.article, "note": ""},
    )
    assert response.status_code == 200
    assert "第四十三条" in response.content.decode()
    row.refresh_from_db()
    assert row.value == {"days": 30, "unit": "calendar"}


def test_the_internal_target_is_shown_beside_the_statutory_deadline_and_not_instead(register, people):
    complaint = register(received_at=at(2025, 9, 26, 10, 0), now=at(2025, 9, 26, 11, 0))
    target = rules.internal_target(complaint)
    # 10 days from 2025-09-26 is 10-06, inside the National Day holiday: the Civil Code moves it to 10-09;
    # the statutory 15 days end 10-11 (a 调休 Saturday, a working day).
    assert target["at"].date().isoformat() == "2025-10-09"
    assert complaint.due_at.date().isoformat() == "2025-10-11"
    client = Client()
    client.force_login(people.officer_a)
    page = client.get(f"/complaints/{complaint.pk}/").content.decode()
    assert 'data-testid="internal-target"' in page and "2025-10-09" in page
    assert "2025-10-11" in page


def test_the_internal_target_never_shows_later_than_the_deadline_in_force(register):
    _set("target.decide", {"days": 10, "unit": "working"})
    complaint = register(received_at=at(2025, 9, 26, 10, 0), now=NOW.replace(year=2025, month=9, day=26))
    assert rules.internal_target(complaint)["at"] <= complaint.due_at
