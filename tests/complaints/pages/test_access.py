"""Complaint pages: who sees which page and who may act, and personal data masked until revealed with a
reason.
"""

# Who reaches each of this app's object routes — another branch or department, no role, anonymous — and that a
# refusal writes nothing, is the permission matrix's (tests/access_matrix/table.py); the copies once here are
# gone. What stays asserts more than a status: lists that leak nothing, writes not done, actors the matrix lacks.

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tests.complaints.pages.conftest import (
    ACTIONS,
    ADDRESS,
    ID_NUMBER,
    NAME,
    PDF,
    PHONE,
    S,
    handling,
    page_of,
    register_data,
    version_on,
)
from xiaobao.complaints.models import Complaint
from xiaobao.core.models import Attachment, AuditEntry

# --- who sees which page ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "user, url",
    [
        ("officer_a", "/complaints/"),
        ("officer_a", "/complaints/?box=all"),
        ("officer_a", "/complaints/?box=overdue"),
        ("officer_a", "/complaints/new/"),
        ("hq_admin", "/complaints/?box=all&status=registered&channel=hotline&q=退保&overdue=1&is_repeat=1&is_major=1"),
        ("hq_admin", "/complaints/new/"),
        ("manager", "/complaints/?box=all"),
        ("agent", "/complaints/"),
        ("agent", "/complaints/new/"),
    ],
)
def test_each_page_renders_for_a_user_who_may_see_it(cast, agent, as_user, complaint_a, user, url):
    person = agent if user == "agent" else getattr(cast, user)
    response = as_user(person).get(url)
    assert response.status_code == 200
    assert "<html" in response.content.decode()


@pytest.mark.parametrize("path", ["/complaints/", "/complaints/new/"])
def test_anonymous_visitors_are_sent_to_sign_in(db, path):
    response = Client().get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("user", ["officer_a", "hq_admin", "manager"])
def test_the_detail_page_renders_for_the_unit_head_office_and_the_manager(cast, as_user, complaint_a, user):
    html = page_of(as_user(getattr(cast, user)), complaint_a)
    assert complaint_a.number in html
    assert 'data-testid="timeline"' in html
    assert 'data-testid="diagram-link"' in html
    assert 'data-testid="due-countdown"' in html


def test_the_agent_who_registered_it_sees_it_without_the_process_and_may_not_handle_it(agent, as_user, complaint_a):
    html = page_of(as_user(agent), complaint_a)
    assert complaint_a.number in html and 'data-testid="due-countdown"' in html
    assert 'data-testid="accept-form"' not in html


def test_only_the_unit_is_offered_accept_and_the_manager_no_action(cast, as_user, complaint_a):
    assert 'data-testid="accept-form"' in page_of(as_user(cast.officer_a), complaint_a)
    assert 'data-testid="actions"' not in page_of(as_user(cast.manager), complaint_a)


def test_a_user_without_a_role_is_refused_the_list_as_by_the_api_and_gets_404_on_one(cast, as_user, complaint_a):
    client = as_user(cast.outsider)
    response = client.get("/complaints/?box=all")
    assert response.status_code == 403  # as the API's list: a refusal, not an empty page
    assert complaint_a.number not in response.content.decode()
    assert client.get(f"/complaints/{complaint_a.pk}/").status_code == 404


def test_branch_b_gets_404_on_branch_a_s_file_and_branch_a_downloads_it(cast, as_user, register):
    complaint = register(files=[SimpleUploadedFile("保单.pdf", PDF, content_type="application/pdf")])
    attachment = Attachment.objects.get()
    url = f"/complaints/{complaint.pk}/files/{attachment.pk}/"
    assert as_user(cast.officer_b).get(url).status_code == 404
    response = as_user(cast.officer_a).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert "保单.pdf" in page_of(as_user(cast.officer_a), complaint)


@pytest.mark.parametrize("action", list(ACTIONS))
def test_get_on_an_action_is_405(cast, as_user, complaint_a, action):
    assert as_user(cast.officer_a).get(reverse(f"complaints:{action}", args=[complaint_a.pk])).status_code == 405


def test_post_on_the_list_is_405(cast, as_user):
    assert as_user(cast.hq_admin).post("/complaints/").status_code == 405


def test_the_read_only_manager_may_not_register_or_act(cast, as_user, complaint_a):
    client = as_user(cast.manager)
    assert 'data-testid="register-button"' not in client.get("/complaints/?box=all").content.decode()
    assert client.get("/complaints/new/").status_code == 403
    assert client.post("/complaints/new/", register_data(cast)).status_code == 403
    response = client.post(f"/complaints/{complaint_a.pk}/withdraw/", {"reason": "测试"})
    assert response.status_code == 403
    assert Complaint.objects.count() == 1
    complaint_a.refresh_from_db()
    assert complaint_a.status == S.REGISTERED


# --- personal data: masked until revealed with a reason ----------------------------------------------


def assert_masked(html: str) -> None:
    for clear in (NAME, ID_NUMBER, PHONE, ADDRESS):
        assert clear not in html, clear


def test_personal_data_is_masked_on_the_list_and_the_detail(cast, as_user, register):
    complaint = register(content=f"投诉人{NAME}留下手机{PHONE}，身份证{ID_NUMBER}。")
    for user in (cast.officer_a, cast.hq_admin, cast.manager):
        client = as_user(user)
        listed = client.get("/complaints/?box=all").content.decode()
        assert complaint.number in listed and "王**" in listed
        assert_masked(listed)
        html = page_of(client, complaint)
        assert "139****5678" in html and "110***********1234" in html
        assert PHONE not in html and ID_NUMBER not in html


def test_a_note_with_the_phone_number_shows_masked_in_the_history(cast, as_user, complaint_a):
    a = as_user(cast.officer_a)
    handling(a, complaint_a, cast.officer_a)
    html = page_of(a, complaint_a)
    a.post(
        f"/complaints/{complaint_a.pk}/decide/",
        {"version": version_on(html, "decide"), "decision": "同意", "reply_method": "电话", "remedies_told": "on"},
    )
    a.post(f"/complaints/{complaint_a.pk}/response/", {"satisfied": "1", "note": f"投诉人来电{PHONE}表示满意"})
    html = page_of(a, complaint_a)
    assert "投诉人来电139****5678表示满意" in html
    assert_masked(html)


def test_revealing_needs_a_reason_and_shows_the_value_once_audited(cast, as_user, complaint_a):
    client = as_user(cast.officer_a)
    url = f"/complaints/{complaint_a.pk}/reveal/"
    response = client.post(url, {"field": "complainant_phone", "reason": ""})
    assert response.status_code == 400
    assert 'data-testid="error-reason"' in response.content.decode()
    assert_masked(response.content.decode())
    assert not AuditEntry.objects.filter(action="personal_data.reveal").exists()

    response = client.post(url, {"field": "complainant_phone", "reason": "回电核实投诉诉求"})
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(rf'data-testid="revealed-complainant_phone">{PHONE}<', html)
    assert ID_NUMBER not in html and ADDRESS not in html  # only the field asked for
    assert response["Cache-Control"] == "no-store"
    entry = AuditEntry.objects.get(action="personal_data.reveal")
    assert (entry.actor, entry.reason, entry.ip_address) == (cast.officer_a, "回电核实投诉诉求", "127.0.0.1")
    assert PHONE not in str(entry.changes)
    assert_masked(page_of(client, complaint_a))  # the next page is masked again


def test_an_unknown_field_cannot_be_revealed(cast, as_user, complaint_a):
    response = as_user(cast.officer_a).post(
        f"/complaints/{complaint_a.pk}/reveal/", {"field": "subject", "reason": "看看"}
    )
    assert response.status_code == 400
    assert 'data-testid="action-error"' in response.content.decode()
    assert not AuditEntry.objects.filter(action="personal_data.reveal").exists()
