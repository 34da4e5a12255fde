"""/api/v1/knowledge/imports/: import one file (201, the document) or a folder as a zip (202, the batch the
worker imports), and read a batch's progress and per-file report. The same service and scope as the pages."""

from __future__ import annotations

from django.urls import path, reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from xiaobao.core import queueing
from xiaobao.core import selectors as core_selectors
from xiaobao.core.api import HasModelPermission
from xiaobao.core.api_errors import BusinessRuleError
from xiaobao.knowledge import error_codes as codes
from xiaobao.knowledge import importing, tasks
from xiaobao.knowledge.models import Category, Document, ImportBatch

REFUSALS = {
    400: OpenApiResponse(
        description="A refusal: {error, detail, fields}; `error` is a knowledge.import_* code (unsupported type, "
        "content mismatch, encrypted or unreadable file, no text, zip bomb, unsafe path, symlink, too many or too "
        "large files, unit outside scope, FAQ kind) or core.upload_* (empty, too large, type refused)"
    ),
    403: OpenApiResponse(description="permission_denied: no knowledge.add_document (or no view permission)"),
    404: OpenApiResponse(description="No such batch in the caller's scope"),
}


def _refused(code: str, field: str, detail: str) -> BusinessRuleError:
    return BusinessRuleError(code, detail, fields={field: [code]})


class BatchOutput(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display")
    org_unit_code = serializers.CharField(source="org_unit.code")
    created_by = serializers.CharField(source="created_by.username")
    percent = serializers.IntegerField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = ImportBatch
        fields = [
            "id",
            "file_name",
            "kind",
            "category",
            "publish",
            "org_unit",
            "org_unit_code",
            "created_by",
            "created_at",
            "status",
            "status_display",
            "total_files",
            "processed_files",
            "imported",
            "failed",
            "percent",
            "message",
            "finished_at",
            "report",
            "url",
        ]

    def get_url(self, batch) -> str:
        return reverse("api-knowledge-import", args=[batch.pk])


class ImportedDocumentOutput(serializers.ModelSerializer):
    version = serializers.IntegerField(source="first_version.number")
    version_status = serializers.CharField(source="first_version.status")
    source_name = serializers.CharField(source="first_version.source_name")
    body_chars = serializers.SerializerMethodField()
    url = serializers.CharField(source="get_absolute_url")

    class Meta:
        model = Document
        fields = [
            "id",
            "kind",
            "title",
            "org_unit",
            "category",
            "version",
            "version_status",
            "source_name",
            "body_chars",
            "url",
        ]

    def get_body_chars(self, document) -> int:
        return len(document.first_version.body)


class ImportListApi(GenericAPIView):
    """GET: the import batches of the caller's scope, newest first. POST (multipart): import a file or a zip."""

    class InputSerializer(serializers.Serializer):
        file = serializers.FileField(help_text="A .docx, .pdf, .txt or .md file (201), or a .zip of them (202)")
        # every kind listed (one shared enum in the schema); the service refuses faq (knowledge.import_kind_refused)
        kind = serializers.ChoiceField(choices=Document.Kind.choices, help_text="Any kind but faq")
        org_unit = serializers.IntegerField(
            min_value=1, required=False, allow_null=True, default=None, help_text="Owning unit; default: the caller's"
        )
        category = serializers.IntegerField(min_value=1, required=False, allow_null=True, default=None)
        publish = serializers.BooleanField(default=True)
        title = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")

    serializer_class = BatchOutput
    permission_classes = [IsAuthenticated, HasModelPermission]
    parser_classes = [MultiPartParser, FormParser]

    @property
    def required_permission(self) -> str:
        return importing.ADD_PERMISSION if self.request.method == "POST" else importing.VIEW_BATCH_PERMISSION

    @extend_schema(responses={200: BatchOutput(many=True), 403: REFUSALS[403]})
    def get(self, request):
        page = self.paginate_queryset(importing.import_batches_for(request.user))
        return self.get_paginated_response(BatchOutput(page, many=True).data)

    @extend_schema(
        request={"multipart/form-data": InputSerializer},
        responses={
            201: OpenApiResponse(ImportedDocumentOutput, description="One file: the document, already created"),
            202: OpenApiResponse(BatchOutput, description="A zip: the queued batch; poll its url for progress"),
            400: REFUSALS[400],
            403: REFUSALS[403],
        },
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        given = data.validated_data
        org_unit = request.user.org_unit
        if given["org_unit"] is not None:
            org_unit = (
                core_selectors.org_units_visible_to(request.user, action="add").filter(pk=given["org_unit"]).first()
            )
            if org_unit is None:
                raise _refused(importing.UNIT_REFUSED, "org_unit", _("找不到该机构，或不在您的范围内。"))
        category = None
        if given["category"] is not None:
            category = Category.objects.filter(pk=given["category"]).first()
            if category is None:
                raise _refused(codes.INVALID, "category", _("找不到该分类。"))
        made = importing.import_upload(
            actor=request.user,
            org_unit=org_unit,
            upload=given["file"],
            kind=given["kind"],
            category=category,
            publish=given["publish"],
            title=given["title"],
        )
        if isinstance(made, ImportBatch):
            queueing.enqueue(tasks.run_import, made.pk)  # a broker down: the sweep sends it, still 202
            return Response(BatchOutput(made).data, status=status.HTTP_202_ACCEPTED)
        made.first_version = made.versions.get(number=1)
        return Response(ImportedDocumentOutput(made).data, status=status.HTTP_201_CREATED)


class ImportDetailApi(APIView):
    """GET: one batch — its status, counters and per-file report (`report`: name, ok, document_id, error, code)."""

    permission_classes = [IsAuthenticated, HasModelPermission]
    required_permission = importing.VIEW_BATCH_PERMISSION

    @extend_schema(responses={200: BatchOutput, 403: REFUSALS[403], 404: REFUSALS[404]})
    def get(self, request, pk: int):
        return Response(BatchOutput(importing.get_import_batch_for_user(request.user, pk)).data)


ROUTES = [
    path("imports/", ImportListApi.as_view(), name="api-knowledge-imports"),
    path("imports/<int:pk>/", ImportDetailApi.as_view(), name="api-knowledge-import"),
]
