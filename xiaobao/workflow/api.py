"""Workflow API: the inbox, task actions, process definitions and instance timelines.

Reads go through `workflow.selectors` (scoped to the caller: outside scope is 404), writes through
`workflow.services`. A service refusal is a WorkflowError — a BusinessRuleError — so the project's
exception handler already answers it as {"error", "detail", "fields"} with its own status
(400 refusal, 403 NotAllowed, 409 WorkflowConflict).
"""

from __future__ import annotations

from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from xiaobao.core import selectors as core_selectors
from xiaobao.core.api import HasModelPermission, answered_in_transaction
from xiaobao.workflow import error_codes as codes
from xiaobao.workflow import forms, labels, selectors, services
from xiaobao.workflow.exceptions import WorkflowError

# The API speaks of the "candidate" box; the selector calls it "group".
BOX_ALIASES = {"candidate": "group"}
BOX_CHOICES = ["mine", "candidate", "group", "overdue", "done", "all"]

REFUSALS = {
    400: OpenApiResponse(description="A refusal: {error, detail, fields}"),
    403: OpenApiResponse(description="The caller may not do this to the task"),
    404: OpenApiResponse(description="No such task in the caller's scope"),
    409: OpenApiResponse(description="workflow.task_closed / workflow.stale_version / workflow.already_claimed"),
}


class LocalDateTime(serializers.DateTimeField):
    """A moment in the server's local time to the second, as people read it (no microseconds, no UTC offsets
    that differ between rows)."""

    def to_representation(self, value):
        if value is None:
            return None
        return timezone.localtime(value).replace(microsecond=0).isoformat()


class FieldOutput(serializers.Serializer):
    """A process variable as a business field: `text` is what a person reads (names, local times, 是/否)."""

    name = serializers.CharField()
    label = serializers.CharField()
    text = serializers.CharField()


class ChangeOutput(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    before = serializers.CharField()
    after = serializers.CharField()


class TaskOutput(serializers.Serializer):
    """One inbox row: every field comes from the inbox selector's joins (no query per row)."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    element_id = serializers.CharField()
    status = serializers.CharField()
    version = serializers.IntegerField()
    process_key = serializers.CharField(source="instance.definition.key")
    process_name = serializers.CharField(source="instance.definition.name")
    instance = serializers.IntegerField(source="instance_id")
    object_repr = serializers.CharField(source="instance.object_repr")
    org_unit = serializers.IntegerField(source="org_unit_id")
    org_unit_name = serializers.CharField(source="org_unit.name")
    candidate_role = serializers.CharField(source="candidate_role.code", default=None)
    assignee = serializers.IntegerField(source="assignee_id", allow_null=True)
    assignee_name = serializers.SerializerMethodField()
    created_at = LocalDateTime()
    due_at = LocalDateTime(allow_null=True)
    due_provisional = serializers.BooleanField()
    overdue = serializers.SerializerMethodField()
    completed_at = LocalDateTime(allow_null=True)

    def get_assignee_name(self, task) -> str | None:
        return str(task.assignee) if task.assignee_id else None

    def get_overdue(self, task) -> bool:
        return task.status == "open" and task.due_at is not None and task.due_at < timezone.now()


class FormFieldOutput(serializers.Serializer):
    id = serializers.CharField()
    label = serializers.CharField()
    type = serializers.ChoiceField(choices=["boolean", "string", "text", "long", "date", "enum"])
    required = serializers.BooleanField()
    choices = serializers.ListField(child=serializers.ListField(child=serializers.CharField()))


class TransitionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    at = LocalDateTime()
    action = serializers.CharField()
    action_display = serializers.CharField(source="get_action_display")
    actor = serializers.IntegerField(source="actor_id", allow_null=True)
    actor_name = serializers.CharField()
    task = serializers.IntegerField(source="task_id", allow_null=True)
    element_id = serializers.CharField()
    element_name = serializers.CharField()
    changes = serializers.JSONField()
    labelled_changes = serializers.SerializerMethodField(help_text="The changes as labelled business fields.")
    comment = serializers.CharField()

    @extend_schema_field(ChangeOutput(many=True))
    def get_labelled_changes(self, row) -> list[dict]:
        if not row.changes:
            return []
        key = self.context.get("process_key") or row.instance.definition.key
        form = row.task.form if row.task_id else None
        return ChangeOutput(labels.present_changes(key, row.changes, form=form), many=True).data


def _task(request, pk: int):
    return selectors.get_task_for_user(request.user, pk)


class InboxApi(GenericAPIView):
    """My tasks. box: mine (held by me), candidate (my role + org unit may claim), overdue, done, all."""

    class FilterSerializer(serializers.Serializer):
        box = serializers.ChoiceField(choices=BOX_CHOICES, required=False, default="all")
        process = serializers.CharField(required=False)

    serializer_class = TaskOutput

    @extend_schema(parameters=[FilterSerializer], responses={200: TaskOutput(many=True)})
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        wanted = dict(filters.validated_data)
        wanted["box"] = BOX_ALIASES.get(wanted["box"], wanted["box"])
        page = self.paginate_queryset(selectors.inbox(request.user, wanted))
        return self.get_paginated_response(TaskOutput(page, many=True).data)


class TaskDetailApi(APIView):
    class OutputSerializer(TaskOutput):
        form = FormFieldOutput(many=True)
        data = serializers.JSONField(
            help_text="The raw process variables, for programs; people read `business_fields`."
        )
        business_fields = serializers.SerializerMethodField()
        delegated_by = serializers.IntegerField(source="delegated_by_id", allow_null=True)
        completed_by = serializers.IntegerField(source="completed_by_id", allow_null=True)

        @extend_schema_field(FieldOutput(many=True))
        def get_business_fields(self, task) -> list[dict]:
            return FieldOutput(labels.present(task.instance.definition.key, task.data, form=task.form), many=True).data

    serializer_class = OutputSerializer

    @extend_schema(responses={200: OutputSerializer, 404: REFUSALS[404]})
    def get(self, request, pk: int):
        return Response(self.OutputSerializer(_task(request, pk)).data)


class _TaskActionApi(APIView):
    """Shared shape of claim/release: an optional expected version, the task back."""

    class InputSerializer(serializers.Serializer):
        version = serializers.IntegerField(
            required=False, min_value=1, help_text="The task version the caller saw; a stale one is a 409."
        )

    serializer_class = InputSerializer

    def act(self, request, task, data):  # pragma: no cover - each action overrides
        raise NotImplementedError

    @answered_in_transaction
    def post(self, request, pk: int):
        task = _task(request, pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        row = self.act(request, task, data.validated_data)
        # the service returns the locked row; reread through the selector for the joined fields
        return Response(TaskOutput(_task(request, row.pk)).data)


class ClaimApi(_TaskActionApi):
    """Take an unassigned task from the candidate group."""

    @extend_schema(request=_TaskActionApi.InputSerializer, responses={200: TaskOutput, **REFUSALS})
    def post(self, request, pk: int):
        return super().post(request, pk)

    def act(self, request, task, data):
        return services.claim(task=task, user=request.user, expected_version=data.get("version"))


class ReleaseApi(_TaskActionApi):
    """Give a claimed task back to its candidate group."""

    @extend_schema(request=_TaskActionApi.InputSerializer, responses={200: TaskOutput, **REFUSALS})
    def post(self, request, pk: int):
        return super().post(request, pk)

    def act(self, request, task, data):
        return services.release(task=task, user=request.user, expected_version=data.get("version"))


class CompleteApi(APIView):
    """Do the task with its form data; `version` is required so a stale page cannot overwrite."""

    class InputSerializer(serializers.Serializer):
        version = serializers.IntegerField(min_value=1)
        data = serializers.DictField(required=False, default=dict)
        comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)

    serializer_class = InputSerializer

    @extend_schema(request=InputSerializer, responses={200: TaskOutput, **REFUSALS})
    @answered_in_transaction
    def post(self, request, pk: int):
        task = _task(request, pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        row = services.complete(
            task=task,
            user=request.user,
            data=data.validated_data["data"],
            expected_version=data.validated_data["version"],
            comment=data.validated_data["comment"],
        )
        return Response(TaskOutput(_task(request, row.pk)).data)


class _HandOverApi(APIView):
    class InputSerializer(serializers.Serializer):
        to_user = serializers.IntegerField()
        version = serializers.IntegerField(required=False, min_value=1)
        comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)

    serializer_class = InputSerializer
    service = None

    @answered_in_transaction
    def post(self, request, pk: int):
        task = _task(request, pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        # the new holder must be someone the caller can see; the service checks they may act
        to_user = core_selectors.users_visible_to(request.user).filter(pk=data.validated_data["to_user"]).first()
        if to_user is None:
            raise WorkflowError(
                codes.TARGET_NOT_ELIGIBLE, _("您的范围内没有该用户。"), fields={"to_user": ["not_found"]}
            )
        row = type(self).service(
            task=task,
            actor=request.user,
            to_user=to_user,
            comment=data.validated_data["comment"],
            expected_version=data.validated_data.get("version"),
        )
        return Response(TaskOutput(_task(request, row.pk)).data)


class ReassignApi(_HandOverApi):
    """A supervisor (workflow.change_processinstance over the task's org unit) gives the task to someone."""

    service = staticmethod(services.reassign)

    @extend_schema(request=_HandOverApi.InputSerializer, responses={200: TaskOutput, **REFUSALS})
    def post(self, request, pk: int):
        return super().post(request, pk)


class DelegateApi(_HandOverApi):
    """The holder hands the task to a colleague who may act in its org unit."""

    service = staticmethod(services.delegate)

    @extend_schema(request=_HandOverApi.InputSerializer, responses={200: TaskOutput, **REFUSALS})
    def post(self, request, pk: int):
        return super().post(request, pk)


class DefinitionVersionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    version = serializers.CharField()
    is_current = serializers.BooleanField()
    deployed_at = serializers.DateTimeField()
    source = serializers.CharField()
    running = serializers.IntegerField(help_text="Running instances on this version")


class DeployOutput(DefinitionVersionOutput):
    outcome = serializers.ChoiceField(
        choices=["deployed", "made_current", "unchanged"],
        help_text="deployed: new version (201); made_current / unchanged: identical content, nothing stored (200)",
    )


class DefinitionListApi(APIView):
    """GET: deployed processes with their versions. POST: upload a BPMN file (multipart, field `file`)."""

    class OutputSerializer(serializers.Serializer):
        key = serializers.CharField()
        name = serializers.CharField()
        running = serializers.IntegerField(help_text="Running instances over all versions")
        versions = DefinitionVersionOutput(many=True)

    class UploadSerializer(serializers.Serializer):
        file = serializers.FileField()

    serializer_class = OutputSerializer
    permission_classes = [IsAuthenticated, HasModelPermission]

    @property
    def required_permission(self) -> str:
        return "workflow.add_processdefinition" if self.request.method == "POST" else "workflow.view_processdefinition"

    def get_parsers(self):
        if getattr(self, "request", None) is not None and self.request.method == "POST":
            return [MultiPartParser()]
        return super().get_parsers()

    @extend_schema(responses={200: OutputSerializer(many=True), 403: REFUSALS[403]})
    def get(self, request):
        return Response(self.OutputSerializer(selectors.definition_groups(request.user), many=True).data)

    @extend_schema(
        request={"multipart/form-data": UploadSerializer},
        responses={
            201: OpenApiResponse(DeployOutput, description="New content: a new version, now current"),
            200: OpenApiResponse(
                DeployOutput,
                description="Identical content (a no-op): outcome `unchanged`, or `made_current` when it was an "
                "older version's",
            ),
            400: OpenApiResponse(description="Refused model: fields.element_id names the element"),
            403: REFUSALS[403],
        },
    )
    def post(self, request):
        upload = self.UploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        content = forms.read_upload(upload.validated_data["file"])
        definition = services.deploy(
            content=content, actor=request.user, source=f"upload:{upload.validated_data['file'].name}"
        )
        row = selectors.get_definition_for_user(request.user, definition.pk)
        body = {**DefinitionVersionOutput(row).data, "outcome": definition.deploy_outcome}
        # Identical content is the documented no-op: 200 with the version that has it, not a second 201.
        created = definition.deploy_outcome == services.DEPLOYED
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class InstanceHistoryApi(GenericAPIView):
    """The timeline of one process instance, oldest first (scope: the instance's org unit or a task of mine)."""

    serializer_class = TransitionOutput
    pagination_class = None

    @extend_schema(responses={200: TransitionOutput(many=True), 404: REFUSALS[404]})
    def get(self, request, pk: int):
        instance = selectors.get_instance_for_user(request.user, pk)
        rows = selectors.history(request.user, instance)
        context = {"process_key": instance.definition.key}
        return Response(TransitionOutput(rows, many=True, context=context).data)


class DiagramApi(APIView):
    """The BPMN XML of an instance's version and which elements are completed / current."""

    class OutputSerializer(serializers.Serializer):
        xml = serializers.CharField()
        completed = serializers.ListField(child=serializers.CharField())
        current = serializers.ListField(child=serializers.CharField())

    serializer_class = OutputSerializer

    @extend_schema(responses={200: OutputSerializer, 404: REFUSALS[404]})
    def get(self, request, pk: int):
        instance = selectors.get_instance_for_user(request.user, pk)
        states = selectors.diagram_states(instance)
        return Response(self.OutputSerializer({"xml": selectors.definition_xml(instance), **states}).data)


urlpatterns = [
    path("tasks/", InboxApi.as_view(), name="api-workflow-inbox"),
    path("tasks/<int:pk>/", TaskDetailApi.as_view(), name="api-workflow-task"),
    path("tasks/<int:pk>/claim/", ClaimApi.as_view(), name="api-workflow-claim"),
    path("tasks/<int:pk>/release/", ReleaseApi.as_view(), name="api-workflow-release"),
    path("tasks/<int:pk>/complete/", CompleteApi.as_view(), name="api-workflow-complete"),
    path("tasks/<int:pk>/reassign/", ReassignApi.as_view(), name="api-workflow-reassign"),
    path("tasks/<int:pk>/delegate/", DelegateApi.as_view(), name="api-workflow-delegate"),
    path("definitions/", DefinitionListApi.as_view(), name="api-workflow-definitions"),
    path("instances/<int:pk>/history/", InstanceHistoryApi.as_view(), name="api-workflow-history"),
    path("instances/<int:pk>/diagram/", DiagramApi.as_view(), name="api-workflow-diagram"),
]
