"""The plans models and their process: the approval BPMN is deployed at migrate, the admin is view-only."""

from __future__ import annotations

from datetime import date

from django.contrib import admin
from django.test import RequestFactory

from xiaobao.plans import selectors
from xiaobao.plans.models import Activity, Plan
from xiaobao.workflow.models import ProcessDefinition


def test_the_approval_process_is_deployed_with_its_two_approvers(db):
    definition = ProcessDefinition.objects.get(key=selectors.PROCESS_KEY, is_current=True)
    tasks = definition.meta["user_tasks"]
    assert tasks["approve_hq"]["role"] == "hq_admin" and tasks["approve_hq"]["org"] == "head_office"
    assert tasks["approve_parent"]["role"] == "branch_officer" and tasks["approve_parent"]["org"] == "parent"
    assert definition.meta.get("complete_on_object")


def test_plan_states_and_activity_forms():
    plan = Plan(name="方案", status=Plan.Status.REJECTED, period_start=date(2025, 1, 1), period_end=date(2025, 1, 2))
    assert plan.is_editable and str(plan) == "方案"
    plan.status = Plan.Status.APPROVED
    assert not plan.is_editable
    assert Activity(form=Activity.Form.LIVE).is_online
    assert not Activity(form=Activity.Form.OFFLINE).is_online


def test_the_admin_is_view_only_and_scoped(cast, new_plan):
    plan = new_plan()
    model_admin = admin.site._registry[Plan]
    request = RequestFactory().get("/")
    request.user = cast.officer_b
    assert not model_admin.has_change_permission(request, plan)
    assert not model_admin.get_queryset(request).exists()
    request.user = cast.hq_admin
    assert list(model_admin.get_queryset(request)) == [plan]
