"""Plan API (方案管理 and 宣教): plans list / create / detail, the lifecycle actions, task progress, activities
list / create / detail, and the roll-up.

Reads go through `plans.selectors` (scoped to the caller: a plan or activity outside scope is 404), writes
through `plans.services`, the same functions the pages call. A refusal is a BusinessRuleError, answered as
{"error", "detail", "fields"} with its own status: 400 a rule, 403 "you may not" (plans.not_allowed,
plans.not_own_unit, plans.unit_out_of_scope), 409 the plan moved on (plans.wrong_status) or someone acted
first (workflow.stale_version).
"""

from __future__ import annotations

from django.db import transaction
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from xiaobao.core import selectors as core_selectors
from xiaobao.core.api import HasModelPermission, answered_in_transaction
from xiaobao.core.api_errors import BusinessRuleError
from xiaobao.plans import error_codes as codes
from xiaobao.plans import selectors, services
from xiaobao.plans.api_outputs import (
    ActivityOutput,
    PlanDetailOutput,
    PlanOutput,
    RollupOutput,
    TaskProgressOutput,
)
from xiaobao.plans.exports import report_data
from xiaobao.plans.models import Activity, Plan, PlanTask
from xiaobao.workflow import selectors as workflow_selectors

VIEW_PLAN, ADD_PLAN = "plans.view_plan", "plans.add_plan"
VIEW_ACTIVITY, ADD_ACTIVITY = "plans.view_activity", "plans.add_activity"

REFUSALS = {
    400: OpenApiResponse(description="A refusal: {error, detail, fields}; `error` is a plans.* or core.upload_* code"),
    403: OpenApiResponse(
        description="permission_denied (no model permission or read-only), plans.not_allowed, plans.not_own_unit, "
        "plans.unit_out_of_scope"
    ),
    404: OpenApiResponse(description="No such plan (or activity) in the caller's scope"),
    409: OpenApiResponse(description="plans.wrong_status, plans.plan_not_running, workflow.stale_version"),
}


class _Permission:
    permission_classes = [IsAuthenticated, HasModelPermission]
    required_permission = VIEW_PLAN


def _resolve(visible, ids: list[int], *, field: str) -> list:
    """The rows for `ids` among those the caller may see; an id not found is refused (400, naming the
    field), so an id outside the caller's scope reveals nothing."""
    wanted = list(dict.fromkeys(ids))
    found = {row.pk: row for row in visible.filter(pk__in=wanted)} if wanted else {}
    missing = [str(pk) for pk in wanted if pk not in found]
    if missing:
        raise BusinessRuleError(
            codes.INVALID,
            _("找不到这些对象，或不在您的范围内：%(ids)s") % {"ids": "、".join(missing)},
            fields={field: [codes.INVALID]},
        )
    return [found[pk] for pk in wanted]


def _actions(user, plan: Plan, step) -> list[str]:
    owner = selectors.may_change_plan(user, plan)
    found = []
    if owner and plan.is_editable:
        found += ["edit", "submit"]
    if step is not None and workflow_selectors.may_act(user, step):
        found += ["approve", "reject"]
    if owner and plan.status == Plan.Status.APPROVED:
        found.append("issue")
    if owner and plan.status in (Plan.Status.IN_PROGRESS, Plan.Status.SUMMARY):
        found.append("summarize")
    if owner and plan.status == Plan.Status.SUMMARY:
        found.append("close")
    return found


def _detail(request, plan: Plan, *, status_code: int = status.HTTP_200_OK) -> Response:
    step = selectors.approval_task(plan)
    context = {
        "request": request,
        "participating": selectors.participating_units(plan),
        "goals": selectors.goals(plan),
        "tasks": selectors.tasks_progress(request.user, plan),
        "step": step,
        "actions": _actions(request.user, plan, step),
        "timeline": workflow_selectors.timeline_for_object(request.user, plan),
        "progress": selectors.plan_progress_for_many([plan]),
    }
    return Response(PlanDetailOutput(plan, context=context).data, status=status_code)


def _plan(request, pk: int) -> Plan:
    return selectors.get_plan_for_user(request.user, pk)


# --- plans ---------------------------------------------------------------------------------------


class GoalInput(serializers.Serializer):
    description = serializers.CharField(max_length=300)
    indicator_code = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    target_value = serializers.DecimalField(max_digits=16, decimal_places=4, required=False, allow_null=True)
    unit = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")


class TaskInput(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    expected_output = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    due_on = serializers.DateField(required=False, allow_null=True)
    units = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, default=list, help_text="Owner unit ids"
    )


class PlanListApi(GenericAPIView):
    """GET: the plans the caller may see, newest period first, paginated. POST: a draft plan in the caller's
    unit, with its goals and tasks (all or nothing)."""

    class FilterSerializer(serializers.Serializer):
        kind = serializers.ChoiceField(choices=Plan.Kind.choices, required=False)
        status = serializers.ChoiceField(choices=Plan.Status.choices, required=False)
        year = serializers.IntegerField(required=False, min_value=2000, max_value=2100, help_text="Period overlaps it")
        q = serializers.CharField(required=False, max_length=100, help_text="Part of the name")

    class InputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=200)
        kind = serializers.ChoiceField(choices=Plan.Kind.choices)
        period_start = serializers.DateField()
        period_end = serializers.DateField()
        description = serializers.CharField()
        budget = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, allow_null=True)
        participating_units = serializers.ListField(
            child=serializers.IntegerField(min_value=1), required=False, default=list
        )
        goals = GoalInput(many=True, required=False, default=list)
        tasks = TaskInput(many=True, required=False, default=list)

    serializer_class = PlanOutput
    permission_classes = [IsAuthenticated, HasModelPermission]
    parser_classes = [JSONParser]

    @property
    def required_permission(self) -> str:
        return ADD_PLAN if self.request.method == "POST" else VIEW_PLAN

    @extend_schema(parameters=[FilterSerializer], responses={200: PlanOutput(many=True), 403: REFUSALS[403]})
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        page = self.paginate_queryset(selectors.plans_for(request.user, filters.validated_data))
        progress = selectors.plan_progress_for_many(page)
        return self.get_paginated_response(PlanOutput(page, many=True, context={"progress": progress}).data)

    @extend_schema(
        request=InputSerializer,
        responses={201: PlanDetailOutput, 400: REFUSALS[400], 403: REFUSALS[403]},
    )
    @answered_in_transaction
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        given = data.validated_data
        units = core_selectors.org_units_visible_to(request.user)
        with transaction.atomic():  # the plan, its goals and its tasks together, or nothing
            plan = services.plan_create(
                actor=request.user,
                name=given["name"],
                kind=given["kind"],
                period_start=given["period_start"],
                period_end=given["period_end"],
                description=given["description"],
                budget=given.get("budget"),
                participating_units=_resolve(units, given["participating_units"], field="participating_units"),
            )
            for goal in given["goals"]:
                services.goal_add(actor=request.user, plan=plan, data=goal)
            for task in given["tasks"]:
                task = dict(task)
                owners = _resolve(units, task.pop("units"), field="tasks")
                services.task_add(actor=request.user, plan=plan, data=task, units=owners)
        response = _detail(request, _plan(request, plan.pk), status_code=status.HTTP_201_CREATED)
        response["Location"] = reverse("api-plans-detail", args=[plan.pk])
        return response


class PlanDetailApi(_Permission, APIView):
    """One plan: goals, tasks with their work-order progress, the approval step, what the caller may do,
    and the timeline."""

    serializer_class = PlanDetailOutput

    @extend_schema(responses={200: PlanDetailOutput, 404: REFUSALS[404]})
    def get(self, request, pk: int):
        return _detail(request, _plan(request, pk))


class PlanTasksProgressApi(_Permission, APIView):
    """Per task of the plan: n/m closed, overdue, supervised, and per unit its work order (as the caller sees)."""

    serializer_class = TaskProgressOutput

    @extend_schema(responses={200: TaskProgressOutput(many=True), 404: REFUSALS[404]})
    def get(self, request, pk: int):
        return Response(TaskProgressOutput(selectors.tasks_progress(request.user, _plan(request, pk)), many=True).data)


class EmptyInput(serializers.Serializer):
    """No fields: the action needs only the plan."""


class _ActionApi(_Permission, APIView):
    """Shared shape of the actions: the plan in scope (else 404), validate, call one service, answer the
    plan's detail. `InputSerializer` and `act` are each action's own."""

    InputSerializer = EmptyInput
    serializer_class = EmptyInput

    def act(self, request, plan: Plan, data: dict) -> None:  # pragma: no cover - each action overrides
        raise NotImplementedError

    @answered_in_transaction
    def post(self, request, pk: int):
        plan = _plan(request, pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        self.act(request, plan, data.validated_data)
        return _detail(request, _plan(request, pk))


def _action_schema(input_serializer, summary: str):
    return extend_schema(request=input_serializer, responses={200: PlanDetailOutput, **REFUSALS}, summary=summary)


class PlanSubmitApi(_ActionApi):
    @_action_schema(None, "Submit a draft (or returned) plan for approval")
    def post(self, request, pk: int):
        return super().post(request, pk)

    def act(self, request, plan, data):
        services.plan_submit(actor=request.user, plan=plan)


class VersionInput(serializers.Serializer):
    version = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, help_text="The approval step's version (detail `step.version`)"
    )


class PlanApproveApi(_ActionApi):
    class InputSerializer(VersionInput):
        comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)

    serializer_class = InputSerializer

    @_action_schema(InputSerializer, "Approve the plan (the approval step's holder or candidate)")
    def post(self, request, pk: int):
        return super().post(request, pk)

    def act(self, request, plan, data):
        services.plan_approve(
            now=timezone.now(),
            actor=request.user,
            plan=plan,
            comment=data["comment"],
            expected_version=data.get("version"),
        )


class PlanRejectApi(_ActionApi):
    class InputSerializer(VersionInput):
        reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)

    serializer_class = InputSerializer

    @_action_schema(InputSerializer, "Return the plan for changes (a reason is required: plans.reason_required)")
    def post(self, request, pk: int):
        return super().post(request, pk)

    def act(self, request, plan, data):
        services.plan_reject(
            actor=request.user,
            plan=plan,
            reason=data["reason"],
            expected_version=data.get("version"),
        )


class PlanIssueApi(_ActionApi):
    @_action_schema(None, "Issue an approved plan: each task goes out as a work order")
    def post(self, request, pk: int):
        return super().post(request, pk)

    def act(self, request, plan, data):
        services.plan_issue(actor=request.user, plan=plan)


class PlanSummarizeApi(_ActionApi):
    class InputSerializer(serializers.Serializer):
        summary = serializers.CharField(required=False, allow_blank=True, default="")

    serializer_class = InputSerializer

    @_action_schema(InputSerializer, "Write the plan's summary (in progress → summary)")
    def post(self, request, pk: int):
        return super().post(request, pk)

    def act(self, request, plan, data):
        services.plan_summarize(actor=request.user, plan=plan, summary=data["summary"])


class PlanCloseApi(_ActionApi):
    @_action_schema(None, "Close a summarised plan")
    def post(self, request, pk: int):
        return super().post(request, pk)

    def act(self, request, plan, data):
        services.plan_close(actor=request.user, plan=plan)


# --- activities -------------------------------------------------------------------------------------


class PlanActivityListApi(GenericAPIView):
    """GET: the activities the caller may see, newest first, paginated. POST: record one activity of the
    caller's own unit (head office: any unit) on a task assigned to that unit."""

    class FilterSerializer(serializers.Serializer):
        plan = serializers.IntegerField(required=False, min_value=1)
        task = serializers.IntegerField(required=False, min_value=1)
        org_unit = serializers.IntegerField(required=False, min_value=1, help_text="Organising unit and its subtree")
        form = serializers.ChoiceField(choices=Activity.Form.choices, required=False)
        target = serializers.ChoiceField(choices=Activity.Target.choices, required=False)
        year = serializers.IntegerField(required=False, min_value=2000, max_value=2100)
        date_from = serializers.DateField(required=False)
        date_to = serializers.DateField(required=False)
        q = serializers.CharField(required=False, max_length=100)

    class InputSerializer(serializers.Serializer):
        task = serializers.IntegerField(required=False, allow_null=True, min_value=1, help_text="A plan task id")
        org_unit = serializers.IntegerField(
            required=False, allow_null=True, min_value=1, help_text="Organising unit (default: the caller's)"
        )
        held_on = serializers.DateField()
        title = serializers.CharField(max_length=200)
        form = serializers.ChoiceField(choices=Activity.Form.choices)
        target = serializers.ChoiceField(choices=Activity.Target.choices, required=False, allow_blank=True, default="")
        place = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
        participants = serializers.IntegerField(required=False, default=0)
        reach = serializers.IntegerField(required=False, default=0)
        articles = serializers.IntegerField(required=False, default=0)
        videos = serializers.IntegerField(required=False, default=0)
        reposts = serializers.IntegerField(required=False, default=0)
        media_stories = serializers.IntegerField(required=False, default=0)
        description = serializers.CharField(required=False, allow_blank=True, default="")
        files = serializers.ListField(
            child=serializers.FileField(), required=False, default=list, help_text="Photos (multipart only)"
        )

    serializer_class = ActivityOutput
    permission_classes = [IsAuthenticated, HasModelPermission]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @property
    def required_permission(self) -> str:
        return ADD_ACTIVITY if self.request.method == "POST" else VIEW_ACTIVITY

    @extend_schema(parameters=[FilterSerializer], responses={200: ActivityOutput(many=True), 403: REFUSALS[403]})
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        page = self.paginate_queryset(selectors.activities_for(request.user, filters.validated_data))
        return self.get_paginated_response(ActivityOutput(page, many=True).data)

    @extend_schema(request=InputSerializer, responses={201: ActivityOutput, **REFUSALS})
    @answered_in_transaction
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        given = dict(data.validated_data)
        task_id, unit_id = given.pop("task", None), given.pop("org_unit", None)
        task = None
        if task_id:
            plans = selectors.plans_for(request.user)
            task = _resolve(PlanTask.objects.filter(plan__in=plans).select_related("plan"), [task_id], field="task")[0]
        unit = None
        if unit_id:
            unit = _resolve(core_selectors.org_units_visible_to(request.user), [unit_id], field="org_unit")[0]
        activity = services.activity_record(actor=request.user, task=task, org_unit=unit, **given)
        found = selectors.get_activity_for_user(request.user, activity.pk)
        response = Response(ActivityOutput(found).data, status=status.HTTP_201_CREATED)
        response["Location"] = reverse("api-plans-activity", args=[activity.pk])
        return response


class PlanActivityDetailApi(_Permission, APIView):
    required_permission = VIEW_ACTIVITY
    serializer_class = ActivityOutput

    @extend_schema(responses={200: ActivityOutput, 404: REFUSALS[404]})
    def get(self, request, pk: int):
        return Response(ActivityOutput(selectors.get_activity_for_user(request.user, pk)).data)


class PlanRollupApi(_Permission, APIView):
    """Activity figures for a plan and/or a year (neither: this year), per organising unit, totals, and by
    form, 五进入 target and month — over the activities the caller may see."""

    required_permission = VIEW_ACTIVITY

    class FilterSerializer(serializers.Serializer):
        plan = serializers.IntegerField(required=False, min_value=1)
        year = serializers.IntegerField(required=False, min_value=2000, max_value=2100)

    serializer_class = RollupOutput

    @extend_schema(parameters=[FilterSerializer], responses={200: RollupOutput, 404: REFUSALS[404]})
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        given = filters.validated_data
        plan = _plan(request, given["plan"]) if given.get("plan") else None
        year = given.get("year") or (None if plan else timezone.localdate().year)
        data = report_data(selectors.rollup(request.user, plan=plan, year=year))
        for key in ("by_form", "by_target", "by_month"):
            for row in data[key]:
                row["key"] = str(row["key"] or "")
        return Response(RollupOutput({"plan": plan.pk if plan else None, "year": year, **data}).data)


urlpatterns = [
    path("", PlanListApi.as_view(), name="api-plans-list"),
    path("activities/", PlanActivityListApi.as_view(), name="api-plans-activities"),
    path("activities/<int:pk>/", PlanActivityDetailApi.as_view(), name="api-plans-activity"),
    path("rollup/", PlanRollupApi.as_view(), name="api-plans-rollup"),
    path("<int:pk>/", PlanDetailApi.as_view(), name="api-plans-detail"),
    path("<int:pk>/progress/", PlanTasksProgressApi.as_view(), name="api-plans-progress"),
    path("<int:pk>/submit/", PlanSubmitApi.as_view(), name="api-plans-submit"),
    path("<int:pk>/approve/", PlanApproveApi.as_view(), name="api-plans-approve"),
    path("<int:pk>/reject/", PlanRejectApi.as_view(), name="api-plans-reject"),
    path("<int:pk>/issue/", PlanIssueApi.as_view(), name="api-plans-issue"),
    path("<int:pk>/summarize/", PlanSummarizeApi.as_view(), name="api-plans-summarize"),
    path("<int:pk>/close/", PlanCloseApi.as_view(), name="api-plans-close"),
]
