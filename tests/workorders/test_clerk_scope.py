"""A business-department clerk is no work-order officer (issue 14 §3): at head office their org subtree is the
whole company, yet they see only the orders addressed to them — named as recipient — and what they issued;
not every order and attachment of the company. Pages and API answer alike."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from rest_framework.test import APIClient

from tests.helpers import make_user
from tests.workflow_access import assert_process_hidden, assert_process_visible, fresh
from xiaobao.workorders import selectors

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _clients(user):
    page, api = Client(), APIClient()
    page.force_login(user)
    api.force_authenticate(fresh(user))
    return page, api


def test_a_head_office_clerk_sees_only_the_orders_addressed_to_them(cast, issue, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    clerk = make_user("clerk", cast.hq, "dept_clerk", "陈静")
    to_branch = issue(title="分公司自查", files=[SimpleUploadedFile("清单.pdf", PDF)])
    to_clerk = issue(title="产品部自查", recipient_units=[], recipient_users=[clerk])

    seen = set(selectors.work_orders_visible_to(fresh(clerk), {"batch": True}).values_list("title", flat=True))
    assert seen == {"产品部自查"}

    page, api = _clients(clerk)
    assert page.get(f"/workorders/{to_branch.pk}/").status_code == 404
    assert api.get(f"/api/v1/workorders/{to_branch.pk}/").status_code == 404
    attachment = selectors.attachments(to_branch).get()
    assert api.get(f"/api/v1/workorders/{to_branch.pk}/files/{attachment.pk}/").status_code == 404
    assert page.get(f"/workorders/{to_branch.pk}/files/{attachment.pk}/").status_code == 404
    listed = {row["title"] for row in api.get("/api/v1/workorders/").json()["results"]}
    assert listed == {"产品部自查"}
    assert page.get(f"/workorders/{to_clerk.pk}/").status_code == 200
    assert api.get(f"/api/v1/workorders/{to_clerk.pk}/").status_code == 200
    assert_process_hidden(clerk, to_branch)
    assert_process_visible(clerk, to_clerk)


def test_branch_officers_and_head_office_still_reach_by_org_unit(cast, issue):
    order = issue()
    for user in (cast.officer_a, cast.hq_admin, cast.manager):
        assert selectors.work_orders_visible_to(fresh(user)).filter(pk=order.pk).exists()
    assert not selectors.work_orders_visible_to(fresh(cast.officer_b)).filter(pk=order.pk).exists()
