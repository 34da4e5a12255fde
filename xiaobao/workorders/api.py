"""Work order API (工单): list, issue, detail, the loop's actions, the supervision board, file downloads.

Reads go through `workorders.selectors` (scoped to the caller: an order outside scope is 404), writes
through `workorders.services`, the same functions the pages call. A refusal is a BusinessRuleError
(workflow refusals are its WorkflowError subclass), so the project's exception handler answers
{"error", "detail", "fields"} with the refusal's own status: 400 a rule, 403 "you may not",
409 the order moved on (workorders.wrong_step) or someone acted first (workflow.stale_version).
"""

from __future__ import annotations

from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
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
from xiaobao.core.views import serve_attachment
from xiaobao.ui.api_actions import ObjectActionApi, VersionInput, action_schema
from xiaobao.workflow import selectors as workflow_selectors
from xiaobao.workorders import error_codes as codes
from xiaobao.workorders import selectors, services
from xiaobao.workorders.api_outputs import STEP_ACTIONS, UnitRefOutput, WorkOrderDetailOutput, WorkOrderOutput
from xiaobao.workorders.models import WorkOrder

VIEW_PERMISSION = selectors.VIEW_PERMISSION

REFUSALS = {
    400: OpenApiResponse(
        description="A refusal: {error, detail, fields}; `error` is a workorders.* or core.upload_* code"
    ),
    403: OpenApiResponse(
        description="permission_denied (no model permission), workorders.not_allowed, "
        "workorders.recipient_out_of_scope, or a workflow refusal (not the holder / not a candidate)"
    ),
    404: OpenApiResponse(description="No such order in the caller's scope"),
    409: OpenApiResponse(
        description="workorders.wrong_step (the order is not at this step), workflow.stale_version "
        "(`version` is not the task's current one), workflow.task_closed"
    ),
}


def _order(request, pk: int) -> WorkOrder:
    return selectors.get_work_order_for_user(request.user, pk)


class _ViewPermission:
    permission_classes = [IsAuthenticated, HasModelPermission]
    required_permission = VIEW_PERMISSION


# --- output shapes --------------------------------------------------------------------------------


def _actions(user, order: WorkOrder, task) -> list[str]:
    found = []
    if task is not None and workflow_selectors.may_act(user, task):
        found += STEP_ACTIONS.get(task.element_id, [])
    if order.is_open and services.may_cancel(user, order):
        found.append("cancel")
    return found


def _detail(request, order: WorkOrder, *, status_code: int = status.HTTP_200_OK) -> Response:
    now = timezone.now()
    task = None if order.is_batch else selectors.open_task(order)
    context = {
        "request": request,
        "now": now,
        "order": order,
        "task": task,
        "actions": _actions(request.user, order, task),
        "feedbacks": selectors.feedbacks(order),
        "attachments": selectors.attachments(order),
        "timeline": workflow_selectors.timeline_for_object(request.user, order),
    }
    if order.is_batch:
        context["progress"] = selectors.progress(request.user, order, now=now)
        context["children"] = selectors.children_of(request.user, order)
    return Response(WorkOrderDetailOutput(order, context=context).data, status=status_code)


# --- list and issue -------------------------------------------------------------------------------


class WorkOrderListApi(GenericAPIView):
    """GET: the orders the caller may see, newest first, paginated. POST: issue an order (one unit or a batch).

    box: todo (an open step is mine or my group's), issued (issued by me; batches as one row),
    supervising (under 督办, in units I oversee), all (default).
    """

    class FilterSerializer(serializers.Serializer):
        box = serializers.ChoiceField(choices=list(selectors.BOXES), required=False, default="all")
        status = serializers.ChoiceField(choices=WorkOrder.Status.choices, required=False)
        kind = serializers.ChoiceField(choices=WorkOrder.Kind.choices, required=False)
        q = serializers.CharField(required=False, max_length=100, help_text="Part of the title or the number")
        overdue = serializers.BooleanField(required=False, default=False, help_text="Only orders past due")
        parent = serializers.IntegerField(required=False, min_value=1, help_text="The children of this batch")
        org_unit = serializers.IntegerField(required=False, min_value=1, help_text="Recipient unit and its subtree")
        batch = serializers.BooleanField(
            required=False, default=False, help_text="Include batch parents (box=issued always does)"
        )

    class InputSerializer(serializers.Serializer):
        title = serializers.CharField(max_length=200)
        kind = serializers.ChoiceField(choices=WorkOrder.Kind.choices)
        content = serializers.CharField()
        priority = serializers.ChoiceField(choices=WorkOrder.Priority.choices, default=WorkOrder.Priority.NORMAL)
        recipient_units = serializers.ListField(
            child=serializers.IntegerField(min_value=1),
            required=False,
            default=list,
            max_length=1000,
            help_text="Org unit ids (each must be in the caller's scope); more than one recipient makes a batch",
        )
        recipient_users = serializers.ListField(
            child=serializers.IntegerField(min_value=1),
            required=False,
            default=list,
            max_length=1000,
            help_text="User ids of named recipients; naming a person of a chosen unit narrows that unit to them",
        )
        due_days = serializers.IntegerField(
            required=False, allow_null=True, help_text="Days to handle it (1..365); or give due_date"
        )
        day_unit = serializers.ChoiceField(
            choices=WorkOrder.DayUnit.choices, default=WorkOrder.DayUnit.WORKING, help_text="How due_days count"
        )
        due_date = serializers.DateField(required=False, allow_null=True, help_text="Due at the end of this day")
        files = serializers.ListField(
            child=serializers.FileField(),
            required=False,
            default=list,
            help_text="Material for the recipients (multipart only); checked by content, not by name",
        )

    serializer_class = WorkOrderOutput
    permission_classes = [IsAuthenticated, HasModelPermission]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @property
    def required_permission(self) -> str:
        return services.ADD_PERMISSION if self.request.method == "POST" else VIEW_PERMISSION

    @extend_schema(parameters=[FilterSerializer], responses={200: WorkOrderOutput(many=True), 403: REFUSALS[403]})
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        now = timezone.now()
        page = self.paginate_queryset(
            selectors.work_orders_visible_to(request.user, {**filters.validated_data, "now": now})
        )
        progress = selectors.progress_for_many(page, now=now)
        return self.get_paginated_response(
            WorkOrderOutput(page, many=True, context={"now": now, "progress": progress}).data
        )

    @extend_schema(
        request=InputSerializer,
        responses={
            201: OpenApiResponse(
                WorkOrderDetailOutput,
                description="The order; for several recipients the batch parent, with `children` and `progress`",
            ),
            400: REFUSALS[400],
            403: REFUSALS[403],
        },
    )
    @answered_in_transaction
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        given = data.validated_data
        units = _resolve(
            core_selectors.org_units_visible_to(request.user), given["recipient_units"], field="recipient_units"
        )
        users = _resolve(
            core_selectors.users_visible_to(request.user), given["recipient_users"], field="recipient_users"
        )
        order = services.workorder_issue(
            actor=request.user,
            title=given["title"],
            kind=given["kind"],
            content=given["content"],
            priority=given["priority"],
            recipient_units=units,
            recipient_users=users,
            due_days=given.get("due_days"),
            day_unit=given["day_unit"],
            due_date=given.get("due_date"),
            files=given["files"],
        )
        response = _detail(request, _order(request, order.pk), status_code=status.HTTP_201_CREATED)
        response["Location"] = reverse("api-workorders-detail", args=[order.pk])
        return response


def _resolve(visible, ids: list[int], *, field: str) -> list:
    """The rows for `ids` among those the caller may see, in the order given; an id not found is refused
    (400, naming the field) so an id outside the caller's scope reveals nothing."""
    wanted = list(dict.fromkeys(ids))
    found = {row.pk: row for row in visible.filter(pk__in=wanted)} if wanted else {}
    missing = [str(pk) for pk in wanted if pk not in found]
    if missing:
        raise BusinessRuleError(
            codes.INVALID,
            _("找不到这些接收对象，或不在您的范围内：%(ids)s") % {"ids": "、".join(missing)},
            fields={field: [codes.INVALID]},
        )
    return [found[pk] for pk in wanted]


class WorkOrderDetailApi(_ViewPermission, APIView):
    """One order: its step and task version, what the caller may do, reports, files, batch progress, timeline."""

    serializer_class = WorkOrderDetailOutput

    @extend_schema(responses={200: WorkOrderDetailOutput, 404: REFUSALS[404]})
    def get(self, request, pk: int):
        return _detail(request, _order(request, pk))


# --- the loop's actions ---------------------------------------------------------------------------


class _ActionApi(ObjectActionApi):
    """Shared shape of the actions: find the order in scope (else 404), validate, call one service, answer
    the order as its detail. `InputSerializer` and `act` are each action's own."""

    required_permission = VIEW_PERMISSION
    detail_output = WorkOrderDetailOutput
    refusals = REFUSALS

    def find(self, request, pk: int) -> WorkOrder:
        return _order(request, pk)

    def answer(self, request, order: WorkOrder) -> Response:
        return _detail(request, order)


@action_schema("Accept the order (recipient)", "The caller then holds its handling step.")
class AcceptApi(_ActionApi):
    def act(self, request, order, data):
        services.workorder_accept(order=order, actor=request.user, expected_version=data.get("version"))


@action_schema(
    "Refuse the order (recipient)", "Back to the issuer with a reason; an empty reason is workorders.reason_required."
)
class RefuseApi(_ActionApi):
    class InputSerializer(VersionInput):
        reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)

    def act(self, request, order, data):
        services.workorder_refuse(
            order=order, actor=request.user, reason=data["reason"], expected_version=data.get("version")
        )


@action_schema("Answer a refusal (issuer)", "Resend the order (perhaps clarified) or withdraw it.")
class ResolveRefusalApi(_ActionApi):
    class InputSerializer(VersionInput):
        resend = serializers.BooleanField(help_text="true: send it again; false: withdraw it (needs a comment)")
        comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
        due_days = serializers.IntegerField(
            required=False, allow_null=True, help_text="A new deadline when resending (needed if the old one passed)"
        )
        day_unit = serializers.ChoiceField(
            choices=WorkOrder.DayUnit.choices, required=False, allow_null=True, help_text="How due_days count"
        )
        due_date = serializers.DateField(required=False, allow_null=True, help_text="Or: due at the end of this day")

    def act(self, request, order, data):
        services.workorder_resolve_refusal(
            order=order,
            actor=request.user,
            resend=data["resend"],
            comment=data["comment"],
            due_days=data.get("due_days"),
            day_unit=data.get("day_unit"),
            due_date=data.get("due_date"),
            expected_version=data.get("version"),
        )


@action_schema(
    "Report back with evidence (handler)",
    "multipart/form-data with `text` and any number of `files`; the issuer then reviews it.",
)
class FeedbackApi(_ActionApi):
    class InputSerializer(VersionInput):
        text = serializers.CharField(required=False, allow_blank=True, default="", max_length=20000)
        files = serializers.ListField(
            child=serializers.FileField(),
            required=False,
            default=list,
            help_text="Evidence (multipart); each file is checked by its bytes: PDF, Office, images, text, MP4",
        )

    parser_classes = [MultiPartParser, FormParser, JSONParser]

    def act(self, request, order, data):
        services.workorder_submit_feedback(
            order=order,
            actor=request.user,
            text=data["text"],
            files=data["files"],
            expected_version=data.get("version"),
        )


@action_schema("Accept or return the report (issuer)")
class ReviewApi(_ActionApi):
    class InputSerializer(VersionInput):
        approved = serializers.BooleanField(help_text="true: accept the report (closes the order); false: return it")
        comment = serializers.CharField(
            required=False, allow_blank=True, default="", max_length=2000, help_text="Required when returning"
        )

    def act(self, request, order, data):
        services.workorder_review(
            order=order,
            actor=request.user,
            approved=data["approved"],
            comment=data["comment"],
            expected_version=data.get("version"),
        )


@action_schema(
    "Withdraw an open order (issuer or company-wide admin)",
    "A batch parent withdraws every open child. Not tied to a step, so it takes no version.",
)
class CancelApi(_ActionApi):
    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)

    def act(self, request, order, data):
        services.workorder_cancel(order=order, actor=request.user, reason=data["reason"])


# --- board and files ------------------------------------------------------------------------------


class BoardUnitOutput(serializers.Serializer):
    unit = UnitRefOutput()
    path = serializers.CharField(source="unit.path", help_text="The unit's place in the org tree")
    statuses = serializers.DictField(child=serializers.IntegerField(), help_text="Orders per status code")
    total = serializers.IntegerField()
    overdue = serializers.IntegerField()
    supervised = serializers.IntegerField(help_text="Open orders under 督办")
    escalated = serializers.IntegerField(help_text="Open orders escalated to head office")


class BoardApi(_ViewPermission, APIView):
    """督办看板: per recipient unit and status, with overdue, supervised and escalated counts, over the
    per-unit orders the caller may see."""

    class OutputSerializer(serializers.Serializer):
        units = BoardUnitOutput(many=True)
        totals = serializers.DictField(child=serializers.IntegerField(), help_text="Orders per status code")
        overdue = serializers.IntegerField()
        supervised = serializers.IntegerField()
        escalated = serializers.IntegerField()

    serializer_class = OutputSerializer

    @extend_schema(responses={200: OutputSerializer, 403: REFUSALS[403]})
    def get(self, request):
        return Response(self.OutputSerializer(selectors.board(request.user)).data)


class AttachmentDownloadApi(_ViewPermission, APIView):
    """One of the order's files, as a download (the detected type, never rendered inline)."""

    def perform_content_negotiation(self, request, force=False):
        # The body is the file whatever the client accepts; errors still answer in JSON.
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(
        responses={
            (200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY, description="The file"),
            404: REFUSALS[404],
        }
    )
    def get(self, request, pk: int, attachment_pk: int):
        return serve_attachment(selectors.get_attachment_for_user(request.user, pk, attachment_pk))


urlpatterns = [
    path("", WorkOrderListApi.as_view(), name="api-workorders-list"),
    path("board/", BoardApi.as_view(), name="api-workorders-board"),
    path("<int:pk>/", WorkOrderDetailApi.as_view(), name="api-workorders-detail"),
    path("<int:pk>/accept/", AcceptApi.as_view(), name="api-workorders-accept"),
    path("<int:pk>/refuse/", RefuseApi.as_view(), name="api-workorders-refuse"),
    path("<int:pk>/refusal/", ResolveRefusalApi.as_view(), name="api-workorders-refusal"),
    path("<int:pk>/feedback/", FeedbackApi.as_view(), name="api-workorders-feedback"),
    path("<int:pk>/review/", ReviewApi.as_view(), name="api-workorders-review"),
    path("<int:pk>/cancel/", CancelApi.as_view(), name="api-workorders-cancel"),
    path("<int:pk>/files/<int:attachment_pk>/", AttachmentDownloadApi.as_view(), name="api-workorders-download"),
]
