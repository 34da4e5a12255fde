"""Knowledge writing API: create, edit (versions), history, one version, diff, approval, archive — the
error shape, permissions (403), scope (404 for every route outside the reader's reach), conflicts (409)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from xiaobao.knowledge import services
from xiaobao.knowledge.models import Document, DocumentVersion

from .conftest import create

BASE = "/api/v1/knowledge/documents/"


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def policy(cast, terms):
    return create(cast, title="投诉处理管理办法", body="第一条 十五日内办结。", number="XB-7", policy_status="current")


@pytest.fixture
def branch_doc(cast, terms):
    return create(cast, org_unit=cast.branch_b, kind=Document.Kind.SCRIPT, title="河北话术", body="河北分公司话术")


def test_create_a_script_publishes_it(cast, terms):
    response = api(cast.hq_admin).post(
        BASE,
        {"kind": "script", "org_unit": cast.hq.pk, "title": "双录话术", "body": "请告知录音录像。", "tags": ["双录"]},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["current_version"] == 1 and body["pending_version"] is None
    assert Document.objects.get(pk=body["id"]).tags == ["双录"]


def test_create_a_policy_waits_for_approval(cast, terms):
    response = api(cast.hq_admin).post(
        BASE, {"kind": "policy", "org_unit": cast.hq.pk, "title": "新制度", "body": "正文"}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["current_version"] is None and response.json()["pending_version"] == 1


def test_create_needs_the_add_permission(cast, terms):
    for person in (cast.officer_a, cast.manager, cast.outsider):
        response = api(person).post(
            BASE, {"kind": "script", "org_unit": cast.branch_a.pk, "title": "x", "body": "y"}, format="json"
        )
        assert response.status_code == 403
    assert not Document.objects.filter(title="x").exists()


def test_create_refusals_use_the_error_shape(cast, terms):
    response = api(cast.hq_admin).post(
        BASE, {"kind": "faq", "org_unit": cast.hq.pk, "title": "问", "question": "问？"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"] == "knowledge.faq_needs_question" and "question" in response.json()["fields"]
    response = api(cast.hq_admin).post(
        BASE, {"kind": "script", "org_unit": cast.hq.pk, "title": "x", "category": 999999}, format="json"
    )
    assert response.status_code == 400 and response.json()["fields"] == {"category": ["knowledge.invalid"]}


def test_edit_makes_a_version_and_metadata_only_makes_none(cast, branch_doc):
    url = f"{BASE}{branch_doc.pk}/versions/"
    response = api(cast.hq_admin).post(url, {"title": "河北话术", "body": "新话术", "base_version": 1}, format="json")
    assert response.status_code == 201 and response.json()["number"] == 2 and response.json()["is_current"]
    response = api(cast.hq_admin).post(url, {"title": "河北话术", "body": "新话术", "tags": ["知情权"]}, format="json")
    assert response.status_code == 200 and response.json()["number"] == 2
    branch_doc.refresh_from_db()
    assert branch_doc.tags == ["知情权"] and branch_doc.versions.count() == 2


def test_edit_conflicts_are_409(cast, policy):
    url = f"{BASE}{policy.pk}/versions/"
    assert api(cast.hq_admin).post(url, {"title": policy.title, "body": "二"}, format="json").status_code == 201
    response = api(cast.hq_admin).post(url, {"title": policy.title, "body": "三"}, format="json")
    assert response.status_code == 409 and response.json()["error"] == services.PENDING_EXISTS
    response = api(cast.hq_admin).post(url, {"title": policy.title, "body": "三", "base_version": 1}, format="json")
    assert response.status_code == 409 and response.json()["error"] == services.STALE_VERSION
    assert policy.versions.count() == 2


def test_a_reader_gets_403_on_writes_and_an_outsider_404_everywhere(cast, branch_doc):
    officer_b = api(cast.officer_b)  # reads branch B's document, may not write it
    assert officer_b.get(f"{BASE}{branch_doc.pk}/versions/").status_code == 200
    assert officer_b.post(f"{BASE}{branch_doc.pk}/versions/", {"title": "x"}, format="json").status_code == 403
    assert officer_b.post(f"{BASE}{branch_doc.pk}/archive/").status_code == 403
    for person in (cast.officer_a, cast.outsider):
        client = api(person)
        for route in ("versions/", "versions/1/", "diff/"):
            assert client.get(f"{BASE}{branch_doc.pk}/{route}").status_code == 404, route
        assert client.post(f"{BASE}{branch_doc.pk}/versions/", {"title": "x"}, format="json").status_code == 404
        assert client.post(f"{BASE}{branch_doc.pk}/archive/").status_code == 404
        response = client.post(f"{BASE}{branch_doc.pk}/approval/", {"decision": "approve", "version": 1})
        assert response.status_code == 404
    assert branch_doc.versions.count() == 1


def test_anonymous_callers_are_refused(client, branch_doc):
    assert APIClient().get(f"{BASE}{branch_doc.pk}/versions/").status_code in (401, 403)


def test_readers_see_published_versions_only(cast, policy):
    services.document_edit(document=policy, actor=cast.hq_admin, title=policy.title, body="待审批的正文")
    officer = [v["number"] for v in api(cast.officer_a).get(f"{BASE}{policy.pk}/versions/").json()]
    admin = [v["number"] for v in api(cast.hq_admin).get(f"{BASE}{policy.pk}/versions/").json()]
    assert officer == [1] and admin == [2, 1]
    assert api(cast.officer_a).get(f"{BASE}{policy.pk}/versions/2/").status_code == 404


def test_diff_returns_marked_rows(cast, branch_doc):
    services.document_edit(document=branch_doc, actor=cast.hq_admin, title=branch_doc.title, body="河北分公司新话术")
    response = api(cast.officer_b).get(f"{BASE}{branch_doc.pk}/diff/", {"a": 1, "b": 2})
    assert response.status_code == 200
    body = response.json()
    assert (body["a"], body["b"], body["changed"]) == (1, 2, 1)
    assert [r["right"] for r in body["rows"] if r["kind"] == "change"] == ["河北分公司<ins>新</ins>话术"]
    assert api(cast.officer_b).get(f"{BASE}{branch_doc.pk}/diff/", {"a": "x"}).status_code == 400


def test_approval_through_the_api(cast, policy):
    services.document_edit(document=policy, actor=cast.hq_admin, title=policy.title, body="新正文")
    url = f"{BASE}{policy.pk}/approval/"
    response = api(cast.officer_a).post(url, {"decision": "approve", "version": 2}, format="json")
    assert response.status_code == 403 and response.json()["error"] == services.NOT_ALLOWED
    response = api(cast.hq_admin).post(url, {"decision": "reject", "version": 2}, format="json")
    assert response.status_code == 400 and response.json()["error"] == services.REASON_REQUIRED
    response = api(cast.hq_admin).post(url, {"decision": "approve", "version": 2, "comment": "同意"}, format="json")
    assert response.status_code == 200 and response.json()["is_current"]
    assert response.json()["decision"]["approved"] is True
    response = api(cast.hq_admin).post(url, {"decision": "approve", "version": 2}, format="json")
    assert response.status_code == 409 and response.json()["error"] == services.NOT_PENDING
    assert policy.versions.get(number=2).status == DocumentVersion.Status.PUBLISHED


def test_archive_through_the_api(cast, branch_doc):
    response = api(cast.hq_admin).post(f"{BASE}{branch_doc.pk}/archive/")
    assert response.status_code == 200 and response.json()["is_archived"]
    response = api(cast.hq_admin).post(f"{BASE}{branch_doc.pk}/archive/")
    assert response.status_code == 409 and response.json()["error"] == services.ARCHIVED
