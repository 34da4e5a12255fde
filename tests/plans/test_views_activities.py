"""Activity pages (宣教活动): list and totals, record / edit / delete with photos, the Excel import with its
row errors, and the rule that a unit records only for itself — each with outsider 404 and read-only 403.

Fixtures: tests/plans/conftest.py (running_plan: HQ's 2025 3·15 campaign, one task to branches A and B).
"""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from xiaobao.core.models import Attachment
from xiaobao.plans import services
from xiaobao.plans.imports import COLUMNS
from xiaobao.plans.models import Activity

from .test_views_helpers import png_bytes


@pytest.fixture
def as_user():
    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def task(running_plan):
    return running_plan.tasks.get()


def activity_data(cast, task, **overrides) -> dict:
    data = {
        "task": task.pk,
        "org_unit": cast.branch_a.pk,
        "held_on": "2025-03-15",
        "title": "3·15进社区宣传",
        "form": Activity.Form.OFFLINE,
        "target": Activity.Target.COMMUNITY,
        "place": "八里庄社区",
        "participants": "120",
        "reach": "800",
        "articles": "0",
        "videos": "0",
        "reposts": "2",
        "media_stories": "1",
        "description": "发放折页300份。",
    }
    data.update(overrides)
    return data


@pytest.fixture
def activity_a(cast, task):
    return services.activity_record(
        actor=cast.officer_a,
        task=task,
        held_on=date(2025, 3, 10),
        title="北京分公司进校园",
        form=Activity.Form.OFFLINE,
        target=Activity.Target.SCHOOL,
        participants=200,
        reach=1500,
    )


def workbook(rows: list[list]) -> SimpleUploadedFile:
    book = Workbook()
    sheet = book.active
    sheet.title = "宣教活动"
    sheet.append([title for _name, title, _w, _e in COLUMNS])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile("活动.xlsx", buffer.getvalue())


GOOD_ROW = [date(2025, 3, 12), "线上答题", "线上·互动游戏", "", "", 0, 5000, 1, 0, 3, 0, ""]


# --- list and detail ------------------------------------------------------------------------------


def test_list_shows_own_unit_activities_with_totals(cast, as_user, activity_a):
    html = as_user(cast.officer_a).get(reverse("plans:activities")).content.decode()
    assert f'data-activity-id="{activity_a.pk}"' in html
    assert 'data-testid="total-reach" data-value="1500"' in html
    assert '<span class="wo-total-n">1,500</span>' in html


def test_other_branch_does_not_see_the_activity(cast, as_user, activity_a):
    client = as_user(cast.officer_b)
    assert f'data-activity-id="{activity_a.pk}"' not in client.get(reverse("plans:activities")).content.decode()
    for name in ("plans:activity", "plans:activity-edit"):
        assert client.get(reverse(name, args=[activity_a.pk])).status_code == 404
    assert client.post(reverse("plans:activity-delete", args=[activity_a.pk])).status_code == 404
    assert Activity.objects.filter(pk=activity_a.pk).exists()


def test_list_filters_by_form_and_target(cast, as_user, activity_a):
    client = as_user(cast.hq_admin)
    assert (
        f'data-activity-id="{activity_a.pk}"'
        in client.get(reverse("plans:activities"), {"target": "school"}).content.decode()
    )
    html = client.get(reverse("plans:activities"), {"form": "article"}).content.decode()
    assert 'data-testid="activity-empty"' in html


def test_detail_shows_the_record(cast, as_user, activity_a):
    html = as_user(cast.manager).get(reverse("plans:activity", args=[activity_a.pk])).content.decode()
    assert "北京分公司进校园" in html and 'data-testid="edit-activity"' not in html


# --- record ---------------------------------------------------------------------------------------


def test_officer_records_an_activity_with_a_photo(cast, as_user, task):
    data = activity_data(cast, task, photos=SimpleUploadedFile("现场.png", png_bytes()))
    response = as_user(cast.officer_a).post(reverse("plans:activity-new"), data)
    activity = Activity.objects.get()
    assert response.status_code == 302 and response["Location"] == activity.get_absolute_url()
    assert activity.org_unit == cast.branch_a and activity.reach == 800 and activity.task == task
    photo = Attachment.objects.get(object_id=str(activity.pk))
    assert photo.purpose == "photo"
    url = reverse("plans:activity-photo", args=[activity.pk, photo.pk])
    assert as_user(cast.officer_a).get(url).status_code == 200
    assert as_user(cast.officer_b).get(url).status_code == 404


def test_a_branch_records_only_for_itself(cast, as_user, task):
    # branch A's officer names branch B: the form offers only A, the service refuses anything else
    response = as_user(cast.officer_a).post(
        reverse("plans:activity-new"), activity_data(cast, task, org_unit=cast.branch_b.pk)
    )
    assert response.status_code == 400
    assert not Activity.objects.exists()


def test_head_office_may_record_for_a_branch(cast, as_user, task):
    response = as_user(cast.hq_admin).post(
        reverse("plans:activity-new"), activity_data(cast, task, org_unit=cast.branch_b.pk)
    )
    assert response.status_code == 302
    assert Activity.objects.get().org_unit == cast.branch_b


def test_offline_without_target_is_refused_on_the_field(cast, as_user, task):
    response = as_user(cast.officer_a).post(reverse("plans:activity-new"), activity_data(cast, task, target=""))
    assert response.status_code == 400
    assert 'data-testid="error-target"' in response.content.decode()
    assert not Activity.objects.exists()


def test_online_with_target_is_refused(cast, as_user, task):
    response = as_user(cast.officer_a).post(reverse("plans:activity-new"), activity_data(cast, task, form="article"))
    assert response.status_code == 400
    assert not Activity.objects.exists()


def test_negative_count_is_refused(cast, as_user, task):
    response = as_user(cast.officer_a).post(reverse("plans:activity-new"), activity_data(cast, task, reach="-5"))
    assert response.status_code == 400
    assert 'data-testid="error-reach"' in response.content.decode()
    assert not Activity.objects.exists()


def test_date_outside_the_plan_period_is_refused(cast, as_user, task):
    response = as_user(cast.officer_a).post(
        reverse("plans:activity-new"), activity_data(cast, task, held_on="2025-06-01")
    )
    assert response.status_code == 400
    assert 'data-testid="error-held_on"' in response.content.decode()


@pytest.mark.parametrize("user", ["manager", "outsider"])
def test_read_only_and_roleless_cannot_record(cast, as_user, task, user):
    client = as_user(getattr(cast, user))
    assert client.get(reverse("plans:activity-new")).status_code == 403
    assert client.post(reverse("plans:activity-new"), activity_data(cast, task)).status_code == 403
    assert client.get(reverse("plans:activity-import")).status_code == 403
    assert client.get(reverse("plans:activity-import-template")).status_code == 403
    assert not Activity.objects.exists()


def test_manager_cannot_edit_or_delete(cast, as_user, activity_a):
    client = as_user(cast.manager)
    assert client.get(reverse("plans:activity-edit", args=[activity_a.pk])).status_code == 403
    assert client.post(reverse("plans:activity-delete", args=[activity_a.pk])).status_code == 403
    assert Activity.objects.filter(pk=activity_a.pk).exists()


def test_edit_and_delete_own_record(cast, as_user, task, activity_a):
    client = as_user(cast.officer_a)
    response = client.post(
        reverse("plans:activity-edit", args=[activity_a.pk]),
        activity_data(cast, task, title="改名", held_on="2025-03-10", target="school"),
    )
    assert response.status_code == 302
    activity_a.refresh_from_db()
    assert activity_a.title == "改名" and activity_a.reach == 800
    assert client.post(reverse("plans:activity-delete", args=[activity_a.pk])).status_code == 302
    assert not Activity.objects.exists()


# --- import ---------------------------------------------------------------------------------------


def test_template_downloads_with_instructions(cast, as_user):
    response = as_user(cast.officer_a).get(reverse("plans:activity-import-template"))
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert "填写说明" in book.sheetnames


def test_import_writes_every_row(cast, as_user, task):
    upload = workbook([GOOD_ROW, [date(2025, 3, 14), "进企业", "线下活动", "进企业", "某公司", 50, 50, 0, 0, 0, 0, ""]])
    response = as_user(cast.officer_a).post(
        reverse("plans:activity-import"), {"file": upload, "org_unit": cast.branch_a.pk, "task": task.pk}
    )
    assert response.status_code == 302
    assert Activity.objects.filter(org_unit=cast.branch_a, task=task).count() == 2


def test_import_with_a_bad_row_writes_nothing_and_lists_it(cast, as_user, task):
    bad = [date(2025, 3, 14), "进企业", "线下活动", "", "某公司", -1, 50, 0, 0, 0, 0, ""]
    response = as_user(cast.officer_a).post(
        reverse("plans:activity-import"),
        {"file": workbook([GOOD_ROW, bad]), "org_unit": cast.branch_a.pk, "task": task.pk},
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert 'data-row="3" data-field="五进入"' in html and 'data-row="3" data-field="参与人数"' in html
    assert 'data-row="2"' not in html
    assert not Activity.objects.exists()


def test_import_refuses_a_file_that_is_not_a_workbook(cast, as_user, task):
    upload = SimpleUploadedFile("活动.xlsx", b"not a workbook at all")
    response = as_user(cast.officer_a).post(
        reverse("plans:activity-import"), {"file": upload, "org_unit": cast.branch_a.pk}
    )
    assert response.status_code == 400
    assert 'data-testid="form-errors"' in response.content.decode()
    assert not Activity.objects.exists()


def test_import_for_another_unit_is_refused(cast, as_user, task):
    response = as_user(cast.officer_a).post(
        reverse("plans:activity-import"), {"file": workbook([GOOD_ROW]), "org_unit": cast.branch_b.pk}
    )
    assert response.status_code == 400  # not among the choices the form offers branch A
    assert not Activity.objects.exists()


def test_list_needs_a_sign_in(db):
    assert Client().get(reverse("plans:activities")).status_code == 302
