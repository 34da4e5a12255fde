"""Workflow pages: inbox, task detail and its htmx actions, definitions and upload, instance diagram."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.helpers import make_user
from tests.workflow.conftest import at
from xiaobao.workflow import services
from xiaobao.workflow.models import HumanTask, ProcessDefinition, Transition

MONDAY = at(2025, 3, 3, 10, 0)
CONFLICT = "该任务已被他人处理或已变更，请刷新后重试"
HTMX = {"HTTP_HX_REQUEST": "true"}


def open_task(instance, element_id):
    return HumanTask.objects.get(instance=instance, element_id=element_id, status=HumanTask.Status.OPEN)


@pytest.fixture
def approval(cast, deploy, applicant):
    deploy("approval_xiaobao.bpmn")
    return services.start(process_key="test_approval", business_object=applicant, actor=cast.officer_a, now=MONDAY)


@pytest.fixture
def review(cast, approval):
    """The branch review in 北京分公司 (A): unassigned, claimable by officer_a, overdue (due in 2025)."""
    services.complete(task=open_task(approval, "submit"), user=cast.officer_a, now=MONDAY)
    return open_task(approval, "review")


@pytest.fixture
def login():
    def make(user):
        client = Client()
        client.force_login(user)
        return client

    return make


def task_url(task, action=""):
    return f"/workflow/tasks/{task.pk}/" + (f"{action}/" if action else "")


# --- inbox ------------------------------------------------------------------------------


def test_the_nav_names_resolve():
    from django.urls import reverse

    assert reverse("workflow:inbox") == "/workflow/"
    assert reverse("workflow:definitions") == "/workflow/definitions/"


def test_the_candidate_tab_lists_the_review_with_an_overdue_badge(cast, review, login):
    response = login(cast.officer_a).get("/workflow/", {"box": "group"})
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-task-id="{review.pk}"' in html
    assert 'data-testid="overdue-badge"' in html


def test_a_task_due_later_shows_a_countdown(cast, review, login):
    HumanTask.objects.filter(pk=review.pk).update(due_at=at(2999, 1, 1, 0, 0))
    html = login(cast.officer_a).get("/workflow/", {"box": "group"}).content.decode()
    assert 'data-testid="due-countdown"' in html
    assert 'data-testid="overdue-badge"' not in html


def test_the_mine_tab_is_the_default_and_empty_until_claimed(cast, review, login):
    client = login(cast.officer_a)
    assert f'data-task-id="{review.pk}"' not in client.get("/workflow/").content.decode()
    services.claim(task=review, user=cast.officer_a)
    assert f'data-task-id="{review.pk}"' in client.get("/workflow/").content.decode()


def test_the_done_tab_lists_completed_tasks(cast, approval, review, login):
    submit = HumanTask.objects.get(instance=approval, element_id="submit")
    html = login(cast.officer_a).get("/workflow/", {"box": "done"}).content.decode()
    assert f'data-task-id="{submit.pk}"' in html
    assert f'data-task-id="{review.pk}"' not in html


def test_another_branch_sees_nothing(cast, review, login):
    client = login(cast.officer_b)
    for box in ("mine", "group", "overdue", "done"):
        assert 'data-testid="inbox-row"' not in client.get("/workflow/", {"box": box}).content.decode(), box


def test_the_inbox_query_count_does_not_grow_with_rows(cast, deploy, applicant, login, django_assert_max_num_queries):
    deploy("approval_xiaobao.bpmn")
    client = login(cast.officer_a)
    client.get("/workflow/", {"box": "group"})  # warm: the content types of the rules load once per process
    counts = []
    for rows in (1, 6):
        while HumanTask.objects.filter(element_id="review", status="open").count() < rows:
            instance = services.start(process_key="test_approval", business_object=applicant, actor=cast.officer_a)
            services.complete(task=open_task(instance, "submit"), user=cast.officer_a)
        # 16 before issue 14, plus the business objects' own rules (workflow/access.py): content types once per
        # process, the org scope (2), work-order roles (1), and the knowledge rule's role check — fixed, not per row
        with CaptureQueriesContext(connection) as captured, django_assert_max_num_queries(21):
            response = client.get("/workflow/", {"box": "group"})
        assert response.content.decode().count('data-testid="inbox-row"') == rows
        counts.append(len(captured))
    print(f"inbox page: {counts[0]} queries with 1 task, {counts[1]} with 6")
    assert counts[0] == counts[1]


def test_the_inbox_redirects_anonymous_visitors(db):
    response = Client().get("/workflow/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_inbox_refuses_post(cast, login):
    assert login(cast.officer_a).post("/workflow/").status_code == 405


# --- task detail ------------------------------------------------------------------------


def test_task_detail_shows_object_form_and_history(cast, review, login, applicant):
    response = login(cast.officer_a).get(task_url(review))
    assert response.status_code == 200
    html = response.content.decode()
    assert str(applicant) in html
    assert 'name="approved"' in html and 'name="comment"' in html  # the task's own form
    assert 'data-testid="timeline"' in html
    assert 'data-testid="claim"' in html


def test_task_detail_outside_scope_is_404(cast, review, login):
    assert login(cast.officer_b).get(task_url(review)).status_code == 404


def test_the_read_only_manager_sees_no_action_buttons(cast, review, login):
    html = login(cast.manager).get(task_url(review)).content.decode()
    assert 'data-testid="claim"' not in html
    assert 'data-testid="complete-form"' not in html


def test_task_detail_redirects_anonymous_visitors(cast, review):
    assert Client().get(task_url(review)).status_code == 302


# --- actions ----------------------------------------------------------------------------


def test_claim_by_htmx_returns_the_panel(cast, review, login):
    response = login(cast.officer_a).post(task_url(review, "claim"), {"version": review.version}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<section class="card task-panel"')
    assert "<html" not in html
    review.refresh_from_db()
    assert review.assignee == cast.officer_a


def test_claim_by_a_normal_post_redirects_with_a_message(cast, review, login):
    client = login(cast.officer_a)
    response = client.post(task_url(review, "claim"), {"version": review.version})
    assert response.status_code == 302
    assert response["Location"] == task_url(review)
    assert "已认领" in client.get(response["Location"]).content.decode()


def test_claim_refuses_get(cast, review, login):
    assert login(cast.officer_a).get(task_url(review, "claim")).status_code == 405


def test_claim_outside_scope_is_404(cast, review, login):
    assert login(cast.officer_b).post(task_url(review, "claim"), **HTMX).status_code == 404
    review.refresh_from_db()
    assert review.assignee is None


def test_the_read_only_manager_may_not_claim(cast, review, login):
    assert login(cast.manager).post(task_url(review, "claim"), **HTMX).status_code == 403
    review.refresh_from_db()
    assert review.assignee is None


def test_anonymous_claim_redirects_to_login(cast, review):
    response = Client().post(task_url(review, "claim"))
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.assignee is None


def test_release_gives_the_task_back(cast, review, login):
    services.claim(task=review, user=cast.officer_a)
    response = login(cast.officer_a).post(task_url(review, "release"), **HTMX)
    assert response.status_code == 200
    review.refresh_from_db()
    assert review.assignee is None


def test_complete_by_htmx_advances_the_process(cast, approval, review, login):
    data = {"version": review.version, "approved": "on", "comment": "同意", "_comment": "ignored: form has comment"}
    response = login(cast.officer_a).post(task_url(review, "complete"), data, **HTMX)
    assert response.status_code == 200, response.content
    html = response.content.decode()
    assert "已办理完成" in html
    # the timeline beside the panel is refreshed out-of-band with the new step
    history = html[html.index('id="task-history" hx-swap-oob="true"') :]
    assert history.count("timeline-item") == 3
    review.refresh_from_db()
    assert review.status == HumanTask.Status.COMPLETED
    assert review.data == {"approved": True, "comment": "同意"}
    assert Transition.objects.filter(task=review, action="complete", comment="同意").exists()
    assert open_task(approval, "final")


def test_complete_with_a_stale_version_shows_the_conflict_message(cast, review, login):
    client = login(cast.officer_a)
    page_version = review.version
    services.claim(task=review, user=cast.officer_a)  # someone acted after the page was loaded
    response = client.post(task_url(review, "complete"), {"version": page_version, "approved": "on"}, **HTMX)
    assert response.status_code == 200
    assert CONFLICT in response.content.decode()
    review.refresh_from_db()
    assert review.status == HumanTask.Status.OPEN


def test_a_conflict_on_a_normal_post_redirects_with_the_message(cast, review, login):
    client = login(cast.officer_a)
    services.complete(task=review, user=cast.officer_a, data={"approved": False})
    response = client.post(task_url(review, "complete"), {"version": review.version}, follow=True)
    assert response.status_code == 200
    assert CONFLICT in response.content.decode()


def test_a_post_without_its_version_is_treated_as_stale(cast, review, login):
    response = login(cast.officer_a).post(task_url(review, "complete"), {"version": "x"}, **HTMX)
    assert CONFLICT in response.content.decode()
    review.refresh_from_db()
    assert review.status == HumanTask.Status.OPEN


AMOUNT = (
    '<?xml version="1.0" encoding="UTF-8"?><bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:xiaobao="urn:xiaobao:bpmn:1.0" id="d" targetNamespace="t"><bpmn:process id="amount" isExecutable="true">'
    '<bpmn:startEvent id="s"/><bpmn:userTask id="fill" name="填写金额"><bpmn:extensionElements><xiaobao:properties>'
    '<xiaobao:property name="role" value="branch_officer"/><xiaobao:property name="assignee" value="starter"/>'
    '<xiaobao:property name="form" value="amount:long:金额!;due:date:日期"/></xiaobao:properties>'
    '</bpmn:extensionElements></bpmn:userTask><bpmn:endEvent id="e"/>'
    '<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="fill"/><bpmn:sequenceFlow id="f2" sourceRef="fill" targetRef="e"/>'
    "</bpmn:process></bpmn:definitions>"
).encode()


@pytest.fixture
def fill(cast, applicant):
    services.deploy(content=AMOUNT)
    instance = services.start(process_key="amount", business_object=applicant, actor=cast.officer_a)
    return open_task(instance, "fill")


def test_the_task_form_renders_typed_inputs(cast, fill, login):
    html = login(cast.officer_a).get(task_url(fill)).content.decode()
    assert 'type="number" name="amount"' in html
    assert 'type="date" name="due"' in html
    assert 'name="_comment"' in html  # the history remark, as the form has no "comment" of its own


def test_an_invalid_form_shows_field_errors_and_changes_nothing(cast, fill, login):
    response = login(cast.officer_a).post(
        task_url(fill, "complete"), {"version": fill.version, "amount": "abc"}, **HTMX
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="task-error"' in html
    assert 'class="errors"' in html
    fill.refresh_from_db()
    assert fill.status == HumanTask.Status.OPEN


def test_typed_form_data_reaches_the_task(cast, fill, login):
    data = {"version": fill.version, "amount": "42", "due": "2025-03-05", "_comment": "已核"}
    response = login(cast.officer_a).post(task_url(fill, "complete"), data, **HTMX)
    assert response.status_code == 200, response.content
    fill.refresh_from_db()
    assert fill.data == {"amount": 42, "due": "2025-03-05"}
    assert Transition.objects.filter(task=fill, action="complete", comment="已核").exists()


def test_the_read_only_manager_may_not_complete(cast, review, login):
    response = login(cast.manager).post(task_url(review, "complete"), {"version": review.version}, **HTMX)
    assert response.status_code == 403
    review.refresh_from_db()
    assert review.status == HumanTask.Status.OPEN


def test_complete_outside_scope_is_404(cast, review, login):
    response = login(cast.officer_b).post(task_url(review, "complete"), {"version": review.version}, **HTMX)
    assert response.status_code == 404


def test_the_hq_admin_reassigns(cast, review, login):
    colleague = make_user("officer_a2", cast.branch_a, "branch_officer")
    response = login(cast.hq_admin).post(
        task_url(review, "reassign"), {"username": colleague.username, "comment": "休假"}, **HTMX
    )
    assert response.status_code == 200
    review.refresh_from_db()
    assert review.assignee == colleague


def test_an_officer_may_not_reassign(cast, review, login):
    colleague = make_user("officer_a2", cast.branch_a, "branch_officer")
    response = login(cast.officer_a).post(task_url(review, "reassign"), {"username": colleague.username}, **HTMX)
    assert response.status_code == 403


def test_reassigning_to_an_unknown_user_shows_a_message(cast, review, login):
    response = login(cast.hq_admin).post(task_url(review, "reassign"), {"username": "nobody"}, **HTMX)
    assert response.status_code == 200
    assert 'data-testid="task-error"' in response.content.decode()
    review.refresh_from_db()
    assert review.assignee is None


def test_the_holder_delegates(cast, review, login):
    colleague = make_user("officer_a2", cast.branch_a, "branch_officer")
    services.claim(task=review, user=cast.officer_a)
    response = login(cast.officer_a).post(task_url(review, "delegate"), {"username": colleague.username}, **HTMX)
    assert response.status_code == 200
    review.refresh_from_db()
    assert (review.assignee, review.delegated_by) == (colleague, cast.officer_a)


# --- definitions ------------------------------------------------------------------------

VALID = (
    b'<?xml version="1.0" encoding="UTF-8"?><bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    b'xmlns:xiaobao="urn:xiaobao:bpmn:1.0" id="d" targetNamespace="t"><bpmn:process id="uploaded" isExecutable="true">'
    b'<bpmn:startEvent id="s"/><bpmn:userTask id="nobody" name="x"/></bpmn:process></bpmn:definitions>'
)


def test_definitions_list_running_counts(cast, approval, login):
    response = login(cast.officer_a).get("/workflow/definitions/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-key="test_approval"' in html
    assert 'data-testid="upload-form"' not in html  # officers may view, not deploy


def test_definitions_need_the_view_permission(cast, login):
    assert login(cast.outsider).get("/workflow/definitions/").status_code == 403


def test_the_hq_admin_sees_the_upload_form(cast, login):
    assert 'data-testid="upload-form"' in login(cast.hq_admin).get("/workflow/definitions/").content.decode()


def test_an_upload_deploys(cast, login):
    content = VALID.replace(
        b'<bpmn:userTask id="nobody" name="x"/>',
        b'<bpmn:userTask id="t" name="x"><bpmn:extensionElements><xiaobao:properties>'
        b'<xiaobao:property name="role" value="branch_officer"/></xiaobao:properties></bpmn:extensionElements></bpmn:userTask>',
    )
    client = login(cast.hq_admin)
    response = client.post("/workflow/definitions/upload/", {"file": SimpleUploadedFile("p.bpmn", content)})
    assert response.status_code == 302
    assert ProcessDefinition.objects.filter(key="uploaded", is_current=True).exists()


def test_a_refused_upload_names_the_element(cast, login):
    response = login(cast.hq_admin).post("/workflow/definitions/upload/", {"file": SimpleUploadedFile("p.bpmn", VALID)})
    assert response.status_code == 400
    assert "nobody" in response.content.decode()
    assert not ProcessDefinition.objects.filter(key="uploaded").exists()


def test_upload_needs_the_add_permission(cast, login):
    response = login(cast.officer_a).post(
        "/workflow/definitions/upload/", {"file": SimpleUploadedFile("p.bpmn", VALID)}
    )
    assert response.status_code == 403


def test_upload_refuses_get(cast, login):
    assert login(cast.hq_admin).get("/workflow/definitions/upload/").status_code == 405


# --- instance and diagram ---------------------------------------------------------------


def test_the_instance_page_carries_the_diagram_states(cast, approval, review, login):
    response = login(cast.officer_a).get(f"/workflow/instances/{approval.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "vendor/bpmn-js/bpmn-navigated-viewer.production.min.js" in html
    assert f'data-xml-url="/workflow/instances/{approval.pk}/diagram.bpmn"' in html
    assert response.context["states"]["current"] == ["review", "review_overdue"]
    assert "submit" in response.context["states"]["completed"]


def test_the_diagram_xml_is_served_in_scope(cast, approval, login):
    response = login(cast.officer_a).get(f"/workflow/instances/{approval.pk}/diagram.bpmn")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    assert b'id="test_approval"' in response.content


def test_the_diagram_and_instance_outside_scope_are_404(cast, approval, login):
    client = login(cast.officer_b)
    assert client.get(f"/workflow/instances/{approval.pk}/diagram.bpmn").status_code == 404
    assert client.get(f"/workflow/instances/{approval.pk}/").status_code == 404


def test_the_diagram_redirects_anonymous_visitors(cast, approval):
    assert Client().get(f"/workflow/instances/{approval.pk}/diagram.bpmn").status_code == 302


# --- admin ------------------------------------------------------------------------------


@pytest.fixture
def admin_client(cast):
    from xiaobao.core.models import User

    user = User.objects.create_superuser(username="root", password="x-Passw0rd!", org_unit=cast.hq)
    client = Client()
    client.force_login(user)
    return client


def test_admin_adds_a_definition_only_by_upload(admin_client):
    page = admin_client.get("/admin/workflow/processdefinition/add/")
    assert page.status_code == 200
    assert 'type="file"' in page.content.decode()
    content = VALID.replace(
        b'<bpmn:userTask id="nobody" name="x"/>',
        b'<bpmn:userTask id="t" name="x"><bpmn:extensionElements><xiaobao:properties>'
        b'<xiaobao:property name="role" value="branch_officer"/></xiaobao:properties></bpmn:extensionElements></bpmn:userTask>',
    )
    response = admin_client.post(
        "/admin/workflow/processdefinition/add/", {"file": SimpleUploadedFile("p.bpmn", content)}
    )
    assert response.status_code == 302
    definition = ProcessDefinition.objects.get(key="uploaded")
    assert definition.source == "admin:p.bpmn"


def test_admin_shows_a_refused_upload_on_the_form(admin_client):
    response = admin_client.post(
        "/admin/workflow/processdefinition/add/", {"file": SimpleUploadedFile("p.bpmn", VALID)}
    )
    assert response.status_code == 200
    assert "nobody" in response.content.decode()
    assert not ProcessDefinition.objects.filter(key="uploaded").exists()


def test_admin_instances_and_tasks_are_read_only(admin_client, approval):
    task = HumanTask.objects.filter(instance=approval).first()
    assert admin_client.get("/admin/workflow/processinstance/").status_code == 200
    assert admin_client.get("/admin/workflow/humantask/").status_code == 200
    assert admin_client.get("/admin/workflow/humantask/add/").status_code == 403
    assert admin_client.post(f"/admin/workflow/humantask/{task.pk}/change/", {"name": "改"}).status_code == 403
    task.refresh_from_db()
    assert task.name == "经办提交"


def test_a_tab_badge_past_the_cap_says_so_and_counts_exactly_below_it(cast, deploy, applicant, login, monkeypatch):
    """The tab badges stop counting past TAB_COUNT_CAP (a badge says "a lot"); below it they are exact."""
    from xiaobao.workflow import selectors

    deploy("approval_xiaobao.bpmn")
    for _ in range(3):
        instance = services.start(process_key="test_approval", business_object=applicant, actor=cast.officer_a)
        services.complete(task=open_task(instance, "submit"), user=cast.officer_a)
    assert selectors.inbox_counts(cast.officer_a)["group"] == 3
    assert selectors.inbox_counts(cast.officer_a, cap=2)["group"] == 3  # cap + 1: "more than 2"
    assert selectors.inbox_counts(cast.officer_a, cap=None)["group"] == 3
    client = login(cast.officer_a)
    monkeypatch.setattr(selectors, "TAB_COUNT_CAP", 2)
    html = client.get("/workflow/", {"box": "group"}).content.decode()
    assert re.search(r'data-testid="tab-group">[^<]*<span class="badge">2\+</span>', html)
    assert html.count('data-testid="inbox-row"') == 3  # the list itself is whole
    monkeypatch.setattr(selectors, "TAB_COUNT_CAP", 3)
    html = client.get("/workflow/", {"box": "group"}).content.decode()
    assert re.search(r'data-testid="tab-group">[^<]*<span class="badge">3</span>', html)
