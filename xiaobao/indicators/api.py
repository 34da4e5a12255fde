"""Indicator API (/api/v1/indicators/): definitions, values (filtered by indicator, unit and period), the cockpit,
entering a collected value, and report jobs (create, status, download).

Reads go through `indicators.selectors` (scoped to the caller: a unit or job outside scope is 404), writes
through `indicators.services` / `indicators.reports`, the same functions the pages call. A refusal is a
BusinessRuleError answered {"error", "detail", "fields"} by the project's exception handler (400 a rule, 403
"you may not").
"""

from __future__ import annotations

from django.http import Http404
from django.urls import path, reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from xiaobao.core import queueing
from xiaobao.core.api import HasModelPermission, answered_in_transaction
from xiaobao.core.views import serve_attachment
from xiaobao.indicators import periods, reports, selectors, services
from xiaobao.indicators.models import ReportJob

VIEW_VALUE = "indicators.view_indicatorvalue"
ADD_VALUE = "indicators.add_indicatorvalue"
VIEW_JOB = "indicators.view_reportjob"

REFUSALS = {
    400: OpenApiResponse(description="A refusal: {error, detail, fields}; `error` is an indicators.* code"),
    403: OpenApiResponse(description="permission_denied or indicators.not_allowed / indicators.out_of_scope"),
    404: OpenApiResponse(description="No such indicator, unit or job in the caller's scope"),
}


def _period(value) -> periods.Period:
    try:
        return periods.parse(value)
    except ValueError as exc:
        raise serializers.ValidationError({"period": ["2024 | 2024-Q1 | 2024-03"]}) from exc


class _Unit(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


class IndicatorDefinitionListApi(GenericAPIView):
    """GET: the active indicator definitions, in display order."""

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        code = serializers.CharField()
        name = serializers.CharField()
        unit = serializers.CharField()
        direction = serializers.CharField(help_text="higher | lower (which way is better)")
        frequency = serializers.CharField(help_text="month | quarter | year")
        source = serializers.CharField(help_text="computed | collected | formula")
        query = serializers.CharField(help_text="The registered query of a computed indicator")
        formula = serializers.CharField(help_text="e.g. complaints_count / premium_income_100m")
        rollup = serializers.CharField(help_text="sum | ratio | formula | none")
        scale = serializers.DecimalField(max_digits=12, decimal_places=4)
        decimals = serializers.IntegerField()
        category = serializers.CharField()
        is_key = serializers.BooleanField()
        description = serializers.CharField()

    permission_classes = [IsAuthenticated, HasModelPermission]
    required_permission = VIEW_VALUE
    serializer_class = OutputSerializer

    @extend_schema(responses={200: OutputSerializer(many=True), 403: REFUSALS[403]})
    def get(self, request):
        page = self.paginate_queryset(selectors.definitions(request.user))
        return self.get_paginated_response(self.OutputSerializer(page, many=True).data)


class ValueOutput(serializers.Serializer):
    id = serializers.IntegerField()
    indicator = serializers.CharField(source="definition.code")
    org_unit = _Unit()
    period = serializers.CharField()
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    value = serializers.DecimalField(max_digits=20, decimal_places=6, allow_null=True, help_text="Null: not computable")
    numerator = serializers.DecimalField(max_digits=20, decimal_places=6, allow_null=True)
    denominator = serializers.DecimalField(max_digits=20, decimal_places=6, allow_null=True)
    source = serializers.CharField(help_text="computed | collected | formula | rollup")
    computed_at = serializers.DateTimeField()


class IndicatorValueListApi(GenericAPIView):
    """GET: current values in the caller's scope (a unit's value is its subtree's figure).
    POST: enter a collected indicator's value for a unit and period (supersedes the current one)."""

    class FilterSerializer(serializers.Serializer):
        indicator = serializers.CharField(required=False, max_length=40, help_text="An indicator code")
        unit = serializers.IntegerField(required=False, min_value=1, help_text="An org unit id")
        period = serializers.CharField(required=False, max_length=10, help_text="2024 | 2024-Q1 | 2024-03")

    class InputSerializer(serializers.Serializer):
        indicator = serializers.CharField(max_length=40, help_text="A collected indicator's code")
        unit = serializers.IntegerField(min_value=1)
        period = serializers.CharField(max_length=10)
        value = serializers.DecimalField(max_digits=20, decimal_places=6, required=False, allow_null=True, default=None)
        numerator = serializers.DecimalField(
            max_digits=20, decimal_places=6, required=False, allow_null=True, default=None
        )
        denominator = serializers.DecimalField(
            max_digits=20, decimal_places=6, required=False, allow_null=True, default=None
        )

    permission_classes = [IsAuthenticated, HasModelPermission]
    serializer_class = ValueOutput

    @property
    def required_permission(self) -> str:
        return ADD_VALUE if self.request.method == "POST" else VIEW_VALUE

    @extend_schema(parameters=[FilterSerializer], responses={200: ValueOutput(many=True), 403: REFUSALS[403]})
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        given = filters.validated_data
        definition = (
            selectors.get_definition_for_user(request.user, given["indicator"]) if given.get("indicator") else None
        )
        units = [selectors.get_unit_for_user(request.user, given["unit"])] if given.get("unit") else None
        period = _period(given["period"]).code if given.get("period") else None
        rows = selectors.values_for(request.user, definition=definition, period=period, units=units)
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(ValueOutput(page, many=True).data)

    @extend_schema(request=InputSerializer, responses={201: ValueOutput, **REFUSALS})
    @answered_in_transaction
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        given = data.validated_data
        definition = selectors.get_definition_for_user(request.user, given["indicator"])
        unit = selectors.get_unit_for_user(request.user, given["unit"])  # 404 outside the read scope
        row = services.value_collect(
            actor=request.user,
            definition=definition,
            org_unit=unit,
            period=given["period"],
            value=given["value"],
            numerator=given["numerator"],
            denominator=given["denominator"],
        )
        return Response(ValueOutput(row).data, status=status.HTTP_201_CREATED)


class IndicatorCockpitApi(APIView):
    """GET: the key indicators of a unit (default: the caller's home unit) for a period (default: the last
    finished quarter), with target, status (green | amber | red | null) and the trend."""

    class FilterSerializer(serializers.Serializer):
        period = serializers.CharField(required=False, max_length=10)
        unit = serializers.IntegerField(required=False, min_value=1)

    class OutputSerializer(serializers.Serializer):
        class TileOutput(serializers.Serializer):
            class PointOutput(serializers.Serializer):
                period = serializers.CharField()
                value = serializers.DecimalField(max_digits=20, decimal_places=6, allow_null=True)

            indicator = serializers.CharField(source="definition.code")
            name = serializers.CharField(source="definition.name")
            unit = serializers.CharField(source="definition.unit")
            value = serializers.DecimalField(max_digits=20, decimal_places=6, allow_null=True)
            display = serializers.CharField()
            target = serializers.DecimalField(max_digits=20, decimal_places=6, allow_null=True)
            status = serializers.CharField(allow_null=True)
            previous = serializers.DecimalField(max_digits=20, decimal_places=6, allow_null=True)
            trend = PointOutput(many=True)

        unit = _Unit(allow_null=True)
        period = serializers.CharField(source="period.code")
        tiles = TileOutput(many=True)

    permission_classes = [IsAuthenticated, HasModelPermission]
    required_permission = VIEW_VALUE

    @extend_schema(parameters=[FilterSerializer], responses={200: OutputSerializer, **REFUSALS})
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        given = filters.validated_data
        unit = selectors.get_unit_for_user(request.user, given["unit"]) if given.get("unit") else None
        # as the page: without a period asked for, one that has data for the unit
        period = _period(given.get("period") or selectors.opening_period(request.user, unit).code)
        return Response(self.OutputSerializer(selectors.cockpit(request.user, period, unit)).data)


class ReportJobOutput(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField(help_text="board_report | indicator_workbook")
    year = serializers.IntegerField()
    org_unit = _Unit()
    status = serializers.CharField(help_text="queued | running | done | failed")
    progress = serializers.IntegerField(help_text="0–100")
    step = serializers.CharField()
    message = serializers.CharField()
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    download_url = serializers.SerializerMethodField()

    def get_download_url(self, job) -> str | None:
        if job.status != ReportJob.Status.DONE:
            return None
        url = reverse("api-indicators-report-download", args=[job.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


class ReportJobListApi(GenericAPIView):
    """GET: report jobs in the caller's scope, newest first. POST: queue a report (built by the worker)."""

    class InputSerializer(serializers.Serializer):
        kind = serializers.ChoiceField(choices=ReportJob.Kind.choices)
        year = serializers.IntegerField()

    permission_classes = [IsAuthenticated, HasModelPermission]
    serializer_class = ReportJobOutput

    @property
    def required_permission(self) -> str:
        return reports.ADD_PERMISSION if self.request.method == "POST" else VIEW_JOB

    @extend_schema(responses={200: ReportJobOutput(many=True), 403: REFUSALS[403]})
    def get(self, request):
        page = self.paginate_queryset(reports.report_jobs_visible_to(request.user))
        return self.get_paginated_response(ReportJobOutput(page, many=True, context={"request": request}).data)

    @extend_schema(request=InputSerializer, responses={202: ReportJobOutput, **REFUSALS})
    @answered_in_transaction
    def post(self, request):
        from xiaobao.indicators import tasks

        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        job = reports.report_job_create(actor=request.user, **data.validated_data)
        queueing.enqueue(tasks.run_report, job.pk)  # a broker down: the sweep sends it, still 202
        return Response(ReportJobOutput(job, context={"request": request}).data, status=status.HTTP_202_ACCEPTED)


class ReportJobDetailApi(APIView):
    """GET: one report job's status and progress (poll until done or failed)."""

    permission_classes = [IsAuthenticated, HasModelPermission]
    required_permission = VIEW_JOB

    @extend_schema(responses={200: ReportJobOutput, 403: REFUSALS[403], 404: REFUSALS[404]})
    def get(self, request, pk: int):
        job = reports.get_report_job_for_user(request.user, pk)
        return Response(ReportJobOutput(job, context={"request": request}).data)


class ReportJobDownloadApi(APIView):
    """GET: the finished document (.docx or .xlsx); 404 until it exists."""

    permission_classes = [IsAuthenticated, HasModelPermission]
    required_permission = VIEW_JOB

    @extend_schema(responses={(200, "application/octet-stream"): bytes, 403: REFUSALS[403], 404: REFUSALS[404]})
    def get(self, request, pk: int):
        found = reports.job_output(reports.get_report_job_for_user(request.user, pk))
        if found is None:
            raise Http404
        return serve_attachment(found)


urlpatterns = [
    path("definitions/", IndicatorDefinitionListApi.as_view(), name="api-indicators-definitions"),
    path("values/", IndicatorValueListApi.as_view(), name="api-indicators-values"),
    path("cockpit/", IndicatorCockpitApi.as_view(), name="api-indicators-cockpit"),
    path("reports/", ReportJobListApi.as_view(), name="api-indicators-reports"),
    path("reports/<int:pk>/", ReportJobDetailApi.as_view(), name="api-indicators-report"),
    path("reports/<int:pk>/download/", ReportJobDownloadApi.as_view(), name="api-indicators-report-download"),
]
