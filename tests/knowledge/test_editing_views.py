"""Writing pages: new, edit, archive, versions, one version, diff, approval — who may see and do what, the
journey edit → pending → approve, refusals shown with their status and nothing written."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from xiaobao.knowledge import services
from xiaobao.knowledge.models import Document, DocumentVersion

from .conftest import create

READ_PAGES = ["knowledge:versions", "knowledge:diff"]
WRITE_PAGES = ["knowledge:edit"]


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def policy(cast, terms):
    return create(
        cast, title="投诉处理管理办法", body="第一条 投诉应当在十五日内办结。", number="XB-7", policy_status="current"
    )


@pytest.fixture
def branch_doc(cast, terms):
    return create(cast, org_unit=cast.branch_b, kind=Document.Kind.SCRIPT, title="河北话术", body="河北分公司话术")


def edit_data(document, **changes) -> dict:
    version = document.versions.order_by("-number").first()
    data = {
        "title": version.title,
        "body": version.body,
        "question": version.question,
        "answer": version.answer,
        "alternatives": "\n".join(version.alternatives),
        "change_note": "",
        "number": document.number,
        "policy_status": document.policy_status,
        "tags": ", ".join(document.tags),
        "base_version": version.number,
    }
    return {**data, **changes}


def test_anonymous_visitors_are_sent_to_login(client, policy):
    response = client.get(reverse("knowledge:versions", args=[policy.pk]))
    assert response.status_code == 302 and "login" in response["Location"]


@pytest.mark.parametrize("name", READ_PAGES + WRITE_PAGES + ["knowledge:approve"])
def test_outsiders_get_404_on_every_page(cast, branch_doc, name):
    # officer_a (branch A) cannot read branch B's document; outsider has no role at all
    for person in (cast.officer_a, cast.outsider):
        assert client_for(person).get(reverse(name, args=[branch_doc.pk])).status_code == 404
    assert client_for(cast.officer_a).get(reverse("knowledge:version", args=[branch_doc.pk, 1])).status_code == 404


def test_readers_see_history_but_get_403_on_write_pages(cast, policy):
    officer = client_for(cast.officer_a)
    assert officer.get(reverse("knowledge:versions", args=[policy.pk])).status_code == 200
    assert officer.get(reverse("knowledge:edit", args=[policy.pk])).status_code == 403
    assert officer.post(reverse("knowledge:archive", args=[policy.pk])).status_code == 403
    assert client_for(cast.manager).get(reverse("knowledge:new")).status_code == 403
    assert (
        client_for(cast.manager).post(reverse("knowledge:edit", args=[policy.pk]), edit_data(policy)).status_code == 403
    )
    assert policy.versions.count() == 1


def test_archive_by_get_writes_nothing_and_leads_to_the_button(cast, policy):
    response = client_for(cast.hq_admin).get(reverse("knowledge:archive", args=[policy.pk]))
    assert response.status_code == 302 and response["Location"].endswith("/versions/#archive-form")
    policy.refresh_from_db()
    assert not policy.is_archived
    assert client_for(cast.hq_admin).put(reverse("knowledge:archive", args=[policy.pk])).status_code == 405


def test_editing_a_policy_sends_the_version_to_approval_and_the_approver_publishes_it(cast, policy):
    admin = client_for(cast.hq_admin)
    page = admin.get(reverse("knowledge:edit", args=[policy.pk]))
    assert page.status_code == 200 and 'data-testid="policy-notice"' in page.content.decode()
    response = admin.post(
        reverse("knowledge:edit", args=[policy.pk]),
        edit_data(policy, body="第一条 投诉应当建立台账。", change_note="增加台账"),
    )
    assert response.status_code == 302 and response["Location"] == reverse("knowledge:versions", args=[policy.pk])
    pending = policy.versions.get(number=2)
    assert pending.status == DocumentVersion.Status.PENDING
    # readers see the published history only; the approver sees the pending version and the diff
    officer_page = client_for(cast.officer_a).get(reverse("knowledge:versions", args=[policy.pk])).content.decode()
    assert 'data-number="2"' not in officer_page
    assert client_for(cast.officer_a).get(reverse("knowledge:version", args=[policy.pk, 2])).status_code == 404
    approve_page = admin.get(reverse("knowledge:approve", args=[policy.pk]))
    assert approve_page.status_code == 200 and "<ins>" in approve_page.content.decode()
    response = admin.post(reverse("knowledge:approve", args=[policy.pk]), {"decision": "approve", "comment": "同意"})
    assert response.status_code == 302
    policy.refresh_from_db()
    assert policy.current_version.number == 2


def test_a_reader_cannot_open_the_approval(cast, policy):
    services.document_edit(document=policy, actor=cast.hq_admin, title=policy.title, body="新正文")
    response = client_for(cast.officer_a).post(reverse("knowledge:approve", args=[policy.pk]), {"decision": "approve"})
    assert response.status_code == 403
    assert services.pending_version(policy) is not None


def test_rejecting_without_a_reason_is_shown_on_the_form(cast, policy):
    services.document_edit(document=policy, actor=cast.hq_admin, title=policy.title, body="新正文")
    response = client_for(cast.hq_admin).post(
        reverse("knowledge:approve", args=[policy.pk]), {"decision": "reject", "comment": ""}
    )
    assert response.status_code == 400 and 'data-testid="error-comment"' in response.content.decode()
    assert services.pending_version(policy).status == DocumentVersion.Status.PENDING
    response = client_for(cast.hq_admin).post(
        reverse("knowledge:approve", args=[policy.pk]), {"decision": "reject", "comment": "依据已废止"}
    )
    assert response.status_code == 302
    page = client_for(cast.hq_admin).get(reverse("knowledge:versions", args=[policy.pk])).content.decode()
    assert "依据已废止" in page


def test_a_second_text_edit_while_pending_is_refused_with_409(cast, policy):
    services.document_edit(document=policy, actor=cast.hq_admin, title=policy.title, body="第二版")
    response = client_for(cast.hq_admin).post(
        reverse("knowledge:edit", args=[policy.pk]), edit_data(policy, body="第三版")
    )
    assert response.status_code == 409 and 'data-testid="form-errors"' in response.content.decode()
    assert policy.versions.count() == 2


def test_a_stale_form_is_refused_with_409(cast, branch_doc):
    admin = client_for(cast.hq_admin)
    stale = edit_data(branch_doc, body="甲")
    services.document_edit(document=branch_doc, actor=cast.hq_admin, title=branch_doc.title, body="乙")
    assert admin.post(reverse("knowledge:edit", args=[branch_doc.pk]), stale).status_code == 409
    assert branch_doc.versions.count() == 2


def test_a_blank_title_is_a_400_and_writes_nothing(cast, branch_doc):
    response = client_for(cast.hq_admin).post(
        reverse("knowledge:edit", args=[branch_doc.pk]), edit_data(branch_doc, title="")
    )
    assert response.status_code == 400 and branch_doc.versions.count() == 1


def test_new_script_is_published_and_new_policy_waits(cast, terms):
    admin = client_for(cast.hq_admin)
    assert admin.get(reverse("knowledge:new")).status_code == 200
    base = {"org_unit": cast.hq.pk, "body": "正文", "tags": "知情权"}
    response = admin.post(reverse("knowledge:new"), {**base, "kind": "script", "title": "新话术"})
    script = Document.objects.get(title="新话术")
    assert response.status_code == 302 and script.current_version is not None
    admin.post(reverse("knowledge:new"), {**base, "kind": "policy", "title": "新制度"})
    policy = Document.objects.get(title="新制度")
    assert policy.current_version is None and services.pending_version(policy) is not None


def test_new_faq_without_answer_is_refused_on_the_form(cast, terms):
    response = client_for(cast.hq_admin).post(
        reverse("knowledge:new"), {"org_unit": cast.hq.pk, "kind": "faq", "title": "问", "question": "问？"}
    )
    assert response.status_code == 400 and not Document.objects.filter(title="问").exists()


def test_diff_page_shows_the_two_versions_escaped(cast, branch_doc):
    services.document_edit(document=branch_doc, actor=cast.hq_admin, title=branch_doc.title, body="<b>河北</b>话术")
    page = client_for(cast.hq_admin).get(reverse("knowledge:diff", args=[branch_doc.pk]) + "?a=1&b=2")
    html = page.content.decode()
    assert page.status_code == 200 and 'data-kind="change"' in html
    assert "&lt;b&gt;" in html.replace("<ins>", "").replace("</ins>", "") and "<b>河北" not in html


def test_diff_with_an_unknown_version_is_404(cast, branch_doc):
    admin = client_for(cast.hq_admin)
    assert admin.get(reverse("knowledge:diff", args=[branch_doc.pk]) + "?a=1&b=9").status_code == 404
    assert admin.get(reverse("knowledge:diff", args=[branch_doc.pk]) + "?a=x").status_code == 404


def test_archive_from_the_versions_page(cast, branch_doc):
    response = client_for(cast.hq_admin).post(reverse("knowledge:archive", args=[branch_doc.pk]))
    assert response.status_code == 302
    branch_doc.refresh_from_db()
    assert branch_doc.is_archived


def test_admin_lists_documents_read_only_and_rebuilds_the_index(admin_client, policy):
    assert admin_client.get(reverse("admin:knowledge_document_changelist")).status_code == 200
    page = admin_client.get(reverse("admin:knowledge_document_change", args=[policy.pk]))
    assert page.status_code == 200 and "投诉处理管理办法" in page.content.decode()
    assert admin_client.get(reverse("admin:knowledge_document_add")).status_code == 403
    term = policy.__class__._meta.apps.get_model("knowledge", "Term").objects.first()
    response = admin_client.post(
        reverse("admin:knowledge_term_changelist"),
        {"action": "rebuild_index", "_selected_action": [term.pk]},
        follow=True,
    )
    assert response.status_code == 200 and "已重建检索索引" in response.content.decode()


def test_the_history_page_costs_the_same_queries_however_many_versions(cast, branch_doc):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    admin = client_for(cast.hq_admin)
    url = reverse("knowledge:versions", args=[branch_doc.pk])
    admin.get(url)  # warm caches (session, permissions)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert admin.get(url).status_code == 200
        return len(queries)

    before = count()
    for n in range(5):
        services.document_edit(document=branch_doc, actor=cast.hq_admin, title=branch_doc.title, body=f"第{n}稿")
    assert count() == before


# --- where the action sits (issue 21): the decision and the archive button come before the read-only parts ----


def comes_before(html: str, action: str, *read_only: str) -> bool:
    assert action in html, action
    return all(html.index(action) < html.index(part) for part in read_only)


def test_the_approval_decision_comes_before_the_long_diff(cast, policy):
    admin = client_for(cast.hq_admin)
    admin.post(reverse("knowledge:edit", args=[policy.pk]), edit_data(policy, body="第一条 投诉应当建立台账。"))
    html = admin.get(reverse("knowledge:approve", args=[policy.pk])).content.decode()
    assert comes_before(html, 'data-testid="approval-facts"', 'data-testid="decision-form"')
    assert comes_before(html, 'data-testid="decision-form"', 'data-testid="diff-summary"', "<ins>")
    assert 'class="form card kn-approve-side"' in html  # the side panel that stays in view on a wide screen


def test_the_archive_button_comes_before_the_version_table(cast, policy):
    html = client_for(cast.hq_admin).get(reverse("knowledge:versions", args=[policy.pk])).content.decode()
    assert comes_before(html, 'data-testid="archive-form"', 'data-testid="versions-table"')


def test_the_document_page_offers_edit_and_archive_above_the_text(cast, policy):
    html = client_for(cast.hq_admin).get(reverse("knowledge:document", args=[policy.pk])).content.decode()
    assert comes_before(html, 'data-testid="knowledge-edit-link"', 'data-testid="knowledge-body"')
    assert comes_before(html, 'data-testid="knowledge-archive-link"', 'data-testid="knowledge-body"')
