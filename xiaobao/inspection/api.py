"""Inspection API: the contact-centre system's batch intake (idempotent by its own ids), findings and their
decisions, rules with the test box, and statistics.

Reads go through `inspection.selectors` (scoped: outside scope is 404; an agent sees only their own
findings), writes through `inspection.services`, the functions the pages call. Refusals answer
{"error", "detail", "fields"} with the refusal's status (400 a rule, 403 "you may not", 409 decided).
Transcripts leave the API masked only.
"""

from __future__ import annotations

from functools import partial

from django.db import transaction
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from xiaobao.core.api import HasModelPermission, answered_in_transaction
from xiaobao.inspection import intake, outbound, outbound_policies, selectors, services, stats, tasks
from xiaobao.inspection.models import Finding, Interaction, Rule, ScanJob


class InteractionRefOutput(serializers.ModelSerializer):
    class Meta:
        model = Interaction
        fields = ["id", "source_system", "source_id", "kind", "channel", "purpose", "started_at", "org_unit"]


class FindingOutput(serializers.ModelSerializer):
    rule = serializers.CharField(source="rule.code")
    rule_name = serializers.CharField(source="rule.name")
    interaction = InteractionRefOutput()
    agent = serializers.CharField(source="agent.username", default=None)

    class Meta:
        model = Finding
        fields = [
            "id",
            "rule",
            "rule_name",
            "severity",
            "status",
            "interaction",
            "agent",
            "turn",
            "start",
            "end",
            "speaker",
            "at_seconds",
            "evidence",
            "reason",
            "contest_reason",
            "workorder_id",
            "training",
            "created_at",
            "decided_at",
            "closed_at",
        ]


class FindingDetailOutput(FindingOutput):
    transcript = serializers.SerializerMethodField(help_text="The masked turns ({speaker, start, end, text})")

    class Meta(FindingOutput.Meta):
        fields = [*FindingOutput.Meta.fields, "transcript"]

    def get_transcript(self, finding) -> list:
        return finding.interaction.masked_turns


class IntakeApi(APIView):
    """POST a batch of interactions (the CC system's export). A record already received (same source_system
    and source_id) is reported as a duplicate and not stored again, so a retried batch is harmless."""

    class InputSerializer(serializers.Serializer):
        interactions = serializers.ListField(
            child=serializers.DictField(),
            max_length=intake.MAX_RECORDS,
            allow_empty=False,
            help_text="Records: source_system, source_id, kind, channel, purpose, agent (login), org_unit (code), "
            "product_code, product_name, customer_name, customer_ref, complaint_number, policy_number, started_at, "
            "duration_seconds, turns [{speaker, start, end, text}]",
        )

    permission_classes = [IsAuthenticated, HasModelPermission]
    required_permission = services.INGEST_PERMISSION

    @extend_schema(request=InputSerializer, responses={201: None})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        batch = services.interactions_ingest(actor=request.user, records=data.validated_data["interactions"])
        for job_id in ScanJob.objects.filter(batch=batch).values_list("pk", flat=True):
            transaction.on_commit(partial(tasks.run_scan.delay, job_id))
        return Response(
            {
                "batch": batch.pk,
                "created": batch.created,
                "duplicates": batch.duplicates,
                "errors": batch.errors,
                "report": batch.report,
            },
            status=status.HTTP_201_CREATED,
        )


class FindingListApi(GenericAPIView):
    """GET the findings the caller may see, most severe first (an agent: their own)."""

    class FilterSerializer(serializers.Serializer):
        status = serializers.ChoiceField(choices=[("undecided", "undecided"), *Finding.Status.choices], required=False)
        severity = serializers.ChoiceField(choices=Rule.Severity.choices, required=False)
        rule = serializers.IntegerField(required=False, min_value=1)
        channel = serializers.ChoiceField(choices=Interaction.Channel.choices, required=False)
        org_unit = serializers.IntegerField(required=False, min_value=1)
        date_from = serializers.DateField(required=False)
        date_to = serializers.DateField(required=False)

    serializer_class = FindingOutput
    permission_classes = [IsAuthenticated]

    @extend_schema(parameters=[FilterSerializer], responses={200: FindingOutput(many=True)})
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        page = self.paginate_queryset(selectors.findings_visible_to(request.user, filters.validated_data))
        return self.get_paginated_response(FindingOutput(page, many=True).data)


class FindingDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: FindingDetailOutput})
    def get(self, request, pk: int):
        return Response(FindingDetailOutput(selectors.get_finding_for_user(request.user, pk)).data)


class _FindingAction(APIView):
    """POST a decision on one finding; answers the finding as it now stands."""

    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")
        training = serializers.BooleanField(required=False, default=True)

    def act(self, request, pk: int, data: dict) -> Finding:
        raise NotImplementedError

    @extend_schema(request=InputSerializer, responses={200: FindingOutput})
    def post(self, request, pk: int):
        selectors.get_finding_for_user(request.user, pk)  # 404 outside scope first
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        found = self.act(request, pk, data.validated_data)
        return Response(FindingOutput(selectors.get_finding_for_user(request.user, found.pk)).data)


class ConfirmApi(_FindingAction):
    """Confirm: opens the rectification work order (and asks for training / a complaint draft)."""

    def act(self, request, pk, data):
        return services.finding_confirm(
            finding=pk, actor=request.user, comment=data["reason"], training=data["training"]
        )


class DismissApi(_FindingAction):
    """Dismiss as a false positive; `reason` is required and kept."""

    def act(self, request, pk, data):
        return services.finding_dismiss(finding=pk, actor=request.user, reason=data["reason"])


class EscalateApi(_FindingAction):
    def act(self, request, pk, data):
        return services.finding_escalate(finding=pk, actor=request.user, reason=data["reason"])


class ContestApi(_FindingAction):
    """The agent the finding is about objects to it; `reason` is required."""

    def act(self, request, pk, data):
        return services.finding_contest(finding=pk, actor=request.user, reason=data["reason"])


class CallNumberApi(APIView):
    """The outbound robot's dialler: the number behind a listed call id, at dialling time. Needs
    inspection.manage_outbound; every answer is audited as a personal-data reveal."""

    class InputSerializer(serializers.Serializer):
        call_id = serializers.CharField(max_length=32)

    permission_classes = [IsAuthenticated]

    @extend_schema(request=InputSerializer, responses={200: None})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        phone = outbound.call_number(
            actor=request.user, call_id=data.validated_data["call_id"], ip_address=request.META.get("REMOTE_ADDR")
        )
        return Response({"call_id": data.validated_data["call_id"], "phone": phone})


class PolicyRevisitsApi(APIView):
    """New policies for 新契约回访 (the policy system's batch). Every record is checked first: a batch with any
    bad record is refused (400, `fields.rows` names each by its place, 1 = the first) and nothing is written;
    a policy already known is reported as a duplicate and left as it is, so a retried batch is harmless.
    Needs inspection.manage_outbound; the name and number are stored encrypted and never answered back."""

    class PolicyInput(serializers.Serializer):
        policy_number = serializers.CharField(max_length=64)
        customer_name = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
        phone = serializers.CharField(max_length=20)
        org_unit = serializers.CharField(max_length=32, help_text="The org unit's code")
        product_name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
        due_on = serializers.DateField(required=False, allow_null=True, default=None)

    class InputSerializer(serializers.Serializer):
        policies = serializers.ListField(
            child=serializers.DictField(), allow_empty=False, max_length=outbound_policies.MAX_POLICY_ROWS
        )

    class OutputSerializer(serializers.Serializer):
        batch = serializers.IntegerField()
        added = serializers.IntegerField()
        duplicates = serializers.IntegerField()
        report = serializers.ListField(child=serializers.DictField(), help_text="[{row, call_id (保单号), status}]")

    permission_classes = [IsAuthenticated, HasModelPermission]
    required_permission = outbound.MANAGE_PERMISSION

    @extend_schema(request=InputSerializer, responses={201: OutputSerializer})
    @answered_in_transaction
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        records, problems = [], {}
        for n, raw in enumerate(data.validated_data["policies"], start=1):
            one = self.PolicyInput(data=raw)
            if one.is_valid():
                records.append(one.validated_data)
            else:
                problems[str(n)] = one.errors
        if problems:
            raise serializers.ValidationError({"policies": problems})
        batch = outbound_policies.policy_revisits_record(actor=request.user, records=records, name="API")
        answer = {
            "batch": batch.pk,
            "added": batch.applied,
            "duplicates": batch.total - batch.applied,
            "report": batch.report,
        }
        return Response(self.OutputSerializer(answer).data, status=status.HTTP_201_CREATED)


class RulePreviewApi(APIView):
    """The test box: what a definition hits in sample text (lines may start 坐席：/客户：). Writes nothing."""

    class InputSerializer(serializers.Serializer):
        kind = serializers.ChoiceField(choices=Rule.Kind.choices)
        definition = serializers.DictField()
        text = serializers.CharField(max_length=20000)

    permission_classes = [IsAuthenticated, HasModelPermission]
    required_permission = services.RULE_PERMISSION

    @extend_schema(request=InputSerializer, responses={200: None})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response({"hits": services.rule_preview(**data.validated_data)})


class StatisticsApi(APIView):
    class FilterSerializer(serializers.Serializer):
        date_from = serializers.DateField(required=False)
        date_to = serializers.DateField(required=False)
        org_unit = serializers.IntegerField(required=False, min_value=1)
        channel = serializers.ChoiceField(choices=Interaction.Channel.choices, required=False)

    permission_classes = [IsAuthenticated, HasModelPermission]
    required_permission = selectors.VIEW_FINDING

    @extend_schema(parameters=[FilterSerializer], responses={200: None})
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        data = stats.statistics(request.user, filters.validated_data)
        data["totals"].pop("close_time", None)
        return Response(data)


urlpatterns = [
    path("interactions/batch/", IntakeApi.as_view(), name="api-inspection-intake"),
    path("findings/", FindingListApi.as_view(), name="api-inspection-findings"),
    path("findings/<int:pk>/", FindingDetailApi.as_view(), name="api-inspection-finding"),
    path("findings/<int:pk>/confirm/", ConfirmApi.as_view(), name="api-inspection-confirm"),
    path("findings/<int:pk>/dismiss/", DismissApi.as_view(), name="api-inspection-dismiss"),
    path("findings/<int:pk>/escalate/", EscalateApi.as_view(), name="api-inspection-escalate"),
    path("findings/<int:pk>/contest/", ContestApi.as_view(), name="api-inspection-contest"),
    path("rules/preview/", RulePreviewApi.as_view(), name="api-inspection-rule-preview"),
    path("policy-revisits/", PolicyRevisitsApi.as_view(), name="api-inspection-policy-revisits"),
    path("calls/number/", CallNumberApi.as_view(), name="api-inspection-call-number"),
    path("statistics/", StatisticsApi.as_view(), name="api-inspection-statistics"),
]
