"""Work order pages: bad input on the issue page shows a clear error and writes nothing; stale pages are
a 409.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests.workorders.pages.conftest import EXE, PDF, issue_data, version_on
from xiaobao.core.models import Attachment
from xiaobao.workflow import services as workflow
from xiaobao.workflow.messages import conflict_message
from xiaobao.workorders import selectors
from xiaobao.workorders.models import WorkOrder

# --- bad input on the issue page: a clear error, nothing written ------------------------------------


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"recipient_units": []}, "recipient_units"),
        ({"due_days": ""}, "due_days"),
        ({"due_days": "", "due_date": "2020-01-01"}, "due_date"),
        ({"due_days": "0"}, "due_days"),
        ({"title": ""}, "title"),
        ({"files": [SimpleUploadedFile("通知.pdf", EXE, content_type="application/pdf")]}, "files"),
        ({"recipient_units": [999999]}, "recipient_units"),
    ],
    ids=["no-recipients", "no-due", "due-in-past", "zero-days", "no-title", "exe-named-pdf", "unknown-unit"],
)
def test_bad_input_on_the_issue_page_shows_the_error_and_writes_nothing(cast, as_user, overrides, field):
    before = (WorkOrder.objects.count(), Attachment.objects.count())
    response = as_user(cast.hq_admin).post("/workorders/new/", issue_data(cast, **overrides))
    assert response.status_code == 400
    html = response.content.decode()
    assert f'data-testid="error-{field}"' in html
    assert 'data-testid="form-errors"' in html
    assert (WorkOrder.objects.count(), Attachment.objects.count()) == before


def test_a_batch_with_one_bad_file_writes_no_order_at_all(cast, as_user):
    files = [
        SimpleUploadedFile("清单.pdf", PDF, content_type="application/pdf"),
        SimpleUploadedFile("附件.pdf", EXE, content_type="application/pdf"),
    ]
    data = issue_data(cast, recipient_units=[cast.branch_a.pk, cast.branch_b.pk], files=files)
    response = as_user(cast.hq_admin).post("/workorders/new/", data)
    assert response.status_code == 400
    assert "附件.pdf" in response.content.decode()
    assert not WorkOrder.objects.exists()
    assert not Attachment.objects.exists()


def test_a_file_over_the_configured_size_is_refused(cast, as_user, settings):
    settings.UPLOAD_MAX_BYTES = 1024
    big = SimpleUploadedFile("大文件.pdf", PDF + b"0" * 2048, content_type="application/pdf")
    response = as_user(cast.hq_admin).post("/workorders/new/", issue_data(cast, files=[big]))
    assert response.status_code == 400
    assert 'data-testid="error-files"' in response.content.decode()
    assert not WorkOrder.objects.exists()


def test_a_bad_post_keeps_what_was_ticked_on_the_tree(cast, as_user):
    data = issue_data(cast, recipient_units=[cast.branch_b.pk], due_days="")
    html = as_user(cast.hq_admin).post("/workorders/new/", data).content.decode()
    ticked = re.findall(r'name="recipient_units" value="(\d+)"[^>]*checked', html)
    assert ticked == [str(cast.branch_b.pk)]


def test_a_branch_officer_may_only_pick_units_of_its_own_subtree(cast, as_user):
    client = as_user(cast.officer_a)
    form = client.get("/workorders/new/").content.decode()
    assert f'value="{cast.sub_a.pk}"' in form
    assert f'value="{cast.branch_b.pk}"' not in form
    response = client.post("/workorders/new/", issue_data(cast, recipient_units=[cast.branch_b.pk]))
    assert response.status_code == 400
    assert not WorkOrder.objects.exists()


def test_a_single_order_issued_on_the_page_lands_on_its_detail(cast, as_user):
    due = timezone.localdate() + timedelta(days=20)
    response = as_user(cast.hq_admin).post(
        "/workorders/new/", issue_data(cast, due_days="", due_date=due.isoformat(), priority="urgent")
    )
    order = WorkOrder.objects.get()
    assert response.status_code == 302
    assert response["Location"] == order.get_absolute_url()
    assert (order.is_batch, order.org_unit, order.priority) == (False, cast.branch_a, "urgent")
    assert timezone.localtime(order.due_at).date() == due


# --- stale pages -----------------------------------------------------------------------------------


def test_a_stale_task_version_is_a_409_with_a_message(cast, as_user, order_a):
    client = as_user(cast.officer_a)
    page = client.get(order_a.get_absolute_url()).content.decode()
    stale = version_on(page, "accept")
    workflow.claim(task=selectors.open_task(order_a, "accept"), user=cast.officer_a)  # the task changes meanwhile
    response = client.post(f"/workorders/{order_a.pk}/accept/", {"version": stale})
    assert response.status_code == 409
    assert conflict_message() in response.content.decode()
    order_a.refresh_from_db()
    assert order_a.status == WorkOrder.Status.PENDING_ACCEPT


def test_acting_from_a_second_tab_after_the_first_is_a_409_and_changes_nothing(cast, as_user, order_a):
    first, second = as_user(cast.officer_a), as_user(cast.officer_a)
    page = second.get(order_a.get_absolute_url()).content.decode()
    version = version_on(page, "refuse")
    assert first.post(f"/workorders/{order_a.pk}/accept/", {"version": version}).status_code == 302
    response = second.post(f"/workorders/{order_a.pk}/refuse/", {"version": version, "reason": "非本机构"})
    assert response.status_code == 409
    assert 'data-testid="action-error"' in response.content.decode()
    order_a.refresh_from_db()
    assert (order_a.status, order_a.refuse_reason) == (WorkOrder.Status.IN_PROGRESS, "")
