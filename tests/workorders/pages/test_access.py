"""Work order pages: who sees which page and who may act, and files served only through an order that
holds them.
"""

# Who reaches each of this app's object routes — another branch or department, no role, anonymous — and that a
# refusal writes nothing, is the permission matrix's (tests/access_matrix/table.py); the copies once here are
# gone. What stays asserts more than a status: lists that leak nothing, writes not done, actors the matrix lacks.

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tests.workorders.pages.conftest import ACTIONS, PDF, issue_data
from xiaobao.workorders import selectors
from xiaobao.workorders.models import WorkOrder

# --- who sees which page ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "user, url",
    [
        ("hq_admin", "/workorders/"),
        ("hq_admin", "/workorders/?box=issued"),
        ("hq_admin", "/workorders/?box=supervising"),
        ("hq_admin", "/workorders/?box=all&status=pending_accept&kind=self_check&q=自查&overdue=1"),
        ("hq_admin", "/workorders/new/"),
        ("hq_admin", "/workorders/board/"),
        ("officer_a", "/workorders/"),
        ("officer_a", "/workorders/new/"),
        ("officer_a", "/workorders/board/"),
        ("manager", "/workorders/?box=all"),
        ("manager", "/workorders/board/"),
    ],
)
def test_each_page_renders_for_a_user_who_may_see_it(cast, as_user, order_a, user, url):
    response = as_user(getattr(cast, user)).get(url)
    assert response.status_code == 200
    assert "<html" in response.content.decode()


@pytest.mark.parametrize("path", ["/workorders/", "/workorders/new/", "/workorders/board/", "/workorders/export.xlsx"])
def test_anonymous_visitors_are_sent_to_sign_in(db, path):
    response = Client().get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("user", ["officer_a", "hq_admin", "manager"])
def test_the_detail_page_renders_for_recipient_issuer_and_read_only_manager(cast, as_user, order_a, user):
    response = as_user(getattr(cast, user)).get(f"/workorders/{order_a.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert order_a.number in html
    assert 'data-testid="timeline"' in html
    assert 'data-testid="diagram-link"' in html


def test_only_the_recipient_is_offered_accept_and_the_manager_no_action(cast, as_user, order_a):
    assert 'data-testid="accept-form"' in as_user(cast.officer_a).get(f"/workorders/{order_a.pk}/").content.decode()
    manager_page = as_user(cast.manager).get(f"/workorders/{order_a.pk}/").content.decode()
    assert 'data-testid="actions"' not in manager_page


def test_a_user_without_a_role_is_refused_the_list_as_by_the_api_and_gets_404_on_one(cast, as_user, order_a):
    client = as_user(cast.outsider)
    # the API's list answers 403 to someone without the work-order permission; the pages answer the same
    for url in ("/workorders/?box=all", "/workorders/board/", "/workorders/export.xlsx"):
        response = client.get(url)
        assert response.status_code == 403, url
        assert order_a.number not in response.content.decode()
    assert client.get(f"/workorders/{order_a.pk}/").status_code == 404


# head office's cancel (the branch's own actions are the matrix's, tests/access_matrix, where the peer rule holds)
def test_branch_b_gets_404_on_head_office_s_cancel(cast, as_user, order_a):
    response = as_user(cast.officer_b).post(reverse("workorders:cancel", args=[order_a.pk]), ACTIONS["cancel"])
    assert response.status_code == 404
    order_a.refresh_from_db()
    assert order_a.status == WorkOrder.Status.PENDING_ACCEPT


def test_branch_b_gets_404_on_branch_a_s_file_and_branch_a_downloads_it(cast, as_user, issue):
    order = issue(files=[SimpleUploadedFile("清单.pdf", PDF, content_type="application/pdf")])
    attachment = selectors.attachments(order).get()
    url = f"/workorders/{order.pk}/files/{attachment.pk}/"
    assert as_user(cast.officer_b).get(url).status_code == 404
    response = as_user(cast.officer_a).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert "attachment" in response["Content-Disposition"]


def test_a_file_is_only_served_through_an_order_that_holds_it(cast, as_user, issue):
    holder = issue(files=[SimpleUploadedFile("清单.pdf", PDF, content_type="application/pdf")])
    other = issue(title="另一张工单")
    attachment = selectors.attachments(holder).get()
    assert as_user(cast.officer_a).get(f"/workorders/{other.pk}/files/{attachment.pk}/").status_code == 404


@pytest.mark.parametrize("action", list(ACTIONS))
def test_get_on_an_action_is_405(cast, as_user, order_a, action):
    assert as_user(cast.officer_a).get(reverse(f"workorders:{action}", args=[order_a.pk])).status_code == 405


@pytest.mark.parametrize("path", ["/workorders/", "/workorders/board/", "/workorders/export.xlsx"])
def test_post_on_a_read_only_page_is_405(cast, as_user, path):
    assert as_user(cast.hq_admin).post(path).status_code == 405


def test_the_read_only_manager_sees_lists_but_may_not_issue(cast, as_user, order_a):
    client = as_user(cast.manager)
    page = client.get("/workorders/?box=all")
    assert page.status_code == 200
    assert order_a.number in page.content.decode()
    assert 'data-testid="issue-button"' not in page.content.decode()
    assert client.get("/workorders/new/").status_code == 403
    before = WorkOrder.objects.count()
    assert client.post("/workorders/new/", issue_data(cast)).status_code == 403
    assert WorkOrder.objects.count() == before


def test_the_read_only_manager_may_not_act_on_an_order(cast, as_user, order_a):
    response = as_user(cast.manager).post(f"/workorders/{order_a.pk}/cancel/", {"reason": "测试"})
    assert response.status_code == 403
    order_a.refresh_from_db()
    assert order_a.status == WorkOrder.Status.PENDING_ACCEPT
