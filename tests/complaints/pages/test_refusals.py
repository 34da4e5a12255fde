"""Complaint pages: refusals shown on the page and writing nothing — bad input, scope, missing
remedies, an unclassified close, the person complained about as handler, stale and passed steps.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.complaints.pages.conftest import S, accepted, handling, options, page_of, register_data, version_on
from xiaobao.complaints import selectors
from xiaobao.complaints.models import Complaint
from xiaobao.core.models import Attachment, AuditEntry
from xiaobao.workflow import services as workflow
from xiaobao.workflow.messages import conflict_message

# --- refusals on the page: a clear error, nothing written --------------------------------------------


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"complainant_name": ""}, "complainant_name"),
        ({"subject": ""}, "subject"),
        ({"content": ""}, "content"),
        ({"org_unit": ""}, "org_unit"),
        ({"relation": "agent", "consumer_name": ""}, "consumer_name"),
        ({"complainant_count": "0"}, "complainant_count"),
        ({"received_at": "2099-01-01T09:00"}, "received_at"),
        (
            {"files": [SimpleUploadedFile("材料.pdf", b"MZ\x90\x00" + b"\x00" * 64, content_type="application/pdf")]},
            "files",
        ),
    ],
    ids=["no-name", "no-subject", "no-content", "no-unit", "agent-without-consumer", "zero-people", "future", "exe"],
)
def test_bad_input_on_the_register_page_shows_the_error_and_writes_nothing(cast, agent, as_user, overrides, field):
    response = as_user(agent).post("/complaints/new/", register_data(cast, **overrides))
    assert response.status_code == 400
    html = response.content.decode()
    assert f'data-testid="error-{field}"' in html
    assert 'data-testid="form-errors"' in html
    assert (Complaint.objects.count(), Attachment.objects.count()) == (0, 0)


def test_a_branch_officer_may_only_register_for_its_own_subtree(cast, as_user):
    client = as_user(cast.officer_a)
    units = options(client.get("/complaints/new/").content.decode(), "org_unit")
    assert units == {str(cast.branch_a.pk), str(cast.sub_a.pk)}
    response = client.post("/complaints/new/", register_data(cast, org_unit=cast.branch_b.pk))
    assert response.status_code == 400
    assert not Complaint.objects.exists()


def test_a_decision_without_the_remedies_is_refused_on_the_field(cast, as_user, complaint_a):
    a = as_user(cast.officer_a)
    handling(a, complaint_a, cast.officer_a)
    html = page_of(a, complaint_a)
    response = a.post(
        f"/complaints/{complaint_a.pk}/decide/",
        {"version": version_on(html, "decide"), "decision": "同意退保", "reply_method": "电话"},
    )
    assert response.status_code == 400
    assert 'data-testid="error-remedies_told"' in response.content.decode()
    complaint_a.refresh_from_db()
    assert (complaint_a.status, complaint_a.decision, complaint_a.decided_at) == (S.HANDLING, "", None)


def test_closing_an_unclassified_complaint_is_refused_at_the_top(cast, as_user, complaint_a, taxonomy):
    a = as_user(cast.officer_a)
    handling(a, complaint_a, cast.officer_a)
    html = page_of(a, complaint_a)
    a.post(
        f"/complaints/{complaint_a.pk}/decide/",
        {"version": version_on(html, "decide"), "decision": "同意", "reply_method": "电话", "remedies_told": "on"},
    )
    a.post(f"/complaints/{complaint_a.pk}/response/", {"satisfied": "1"})
    a.post(f"/complaints/{complaint_a.pk}/revisit/", {"result": "满意"})
    before = AuditEntry.objects.count()
    response = a.post(f"/complaints/{complaint_a.pk}/close/", {"root_cause": taxonomy["root_cause"].pk})
    assert response.status_code == 400
    assert 'data-testid="action-error"' in response.content.decode()
    complaint_a.refresh_from_db()
    assert (complaint_a.status, complaint_a.root_cause, complaint_a.closed_at) == (S.REVISITING, None, None)
    assert AuditEntry.objects.count() == before


def test_the_person_complained_about_is_not_offered_as_handler_and_is_refused(cast, as_user, register):
    complaint = register(respondent_staff=cast.officer_a)
    hq = as_user(cast.hq_admin)
    accepted(as_user(cast.officer_a), complaint)
    html = page_of(as_user(cast.officer_a), complaint)
    assert str(cast.officer_a.pk) not in options(html, "handler")
    response = as_user(cast.officer_a).post(
        f"/complaints/{complaint.pk}/assign/", {"version": version_on(html, "assign"), "handler": cast.officer_a.pk}
    )
    assert response.status_code == 400
    complaint.refresh_from_db()
    assert (complaint.status, complaint.handler) == (S.ACCEPTED, None)
    assert hq.get(complaint.get_absolute_url()).status_code == 200


def test_a_stale_task_version_is_a_409_with_a_message(cast, as_user, complaint_a):
    client = as_user(cast.officer_a)
    stale = version_on(page_of(client, complaint_a), "accept")
    workflow.claim(task=selectors.open_task(complaint_a, "accept"), user=cast.officer_a)  # the task changes meanwhile
    response = client.post(f"/complaints/{complaint_a.pk}/accept/", {"version": stale})
    assert response.status_code == 409
    assert conflict_message() in response.content.decode()
    complaint_a.refresh_from_db()
    assert complaint_a.status == S.REGISTERED


def test_acting_at_a_step_already_passed_is_a_409_and_changes_nothing(cast, as_user, complaint_a):
    first, second = as_user(cast.officer_a), as_user(cast.officer_a)
    version = version_on(page_of(second, complaint_a), "accept")
    assert first.post(f"/complaints/{complaint_a.pk}/accept/", {"version": version}).status_code == 302
    response = second.post(f"/complaints/{complaint_a.pk}/accept/", {"version": version})
    assert response.status_code == 409
    assert 'data-testid="action-error"' in response.content.decode()
    complaint_a.refresh_from_db()
    assert complaint_a.status == S.ACCEPTED
