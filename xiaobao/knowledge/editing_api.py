"""Knowledge writing API: create a document, edit it (a new version), the version history, one version, the
diff of two versions, the approval decision on a pending internal-policy version, archive.

Reads go through `knowledge.selectors` (a document the caller may not read is 404, whatever the route);
writes through `knowledge.services`, the functions the pages call. A refusal answers {"error", "detail",
"fields"} with its status: 400 a rule, 403 "you may not" (readable but not writable, not the approver),
409 the document moved on (a pending version exists, a newer version was saved, already decided).
"""

from __future__ import annotations

from django.http import Http404
from django.urls import path, reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from xiaobao.core import selectors as core_selectors
from xiaobao.core.api import HasModelPermission, answered_in_transaction
from xiaobao.core.api_errors import BusinessRuleError
from xiaobao.core.models import Role
from xiaobao.knowledge import error_codes as codes
from xiaobao.knowledge import selectors, services, versions
from xiaobao.knowledge.models import Category, Document, DocumentVersion
from xiaobao.workflow import selectors as workflow_selectors

REFUSALS = {
    400: OpenApiResponse(description="A refusal: {error, detail, fields}; `error` is a knowledge.* code"),
    403: OpenApiResponse(description="knowledge.not_allowed: readable but not writable, or not the approver"),
    404: OpenApiResponse(description="No such document (or version) the caller may read"),
    409: OpenApiResponse(
        description="knowledge.pending_exists, knowledge.stale_version, knowledge.not_pending, knowledge.archived"
    ),
}


# --- output shapes --------------------------------------------------------------------------------


class VersionOutput(serializers.Serializer):
    number = serializers.IntegerField()
    title = serializers.CharField()
    status = serializers.CharField()
    status_display = serializers.CharField(source="get_status_display")
    is_current = serializers.SerializerMethodField()
    change_note = serializers.CharField()
    source_name = serializers.CharField()
    created_by = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    published_at = serializers.DateTimeField(allow_null=True)
    decision = serializers.SerializerMethodField()

    def get_is_current(self, version) -> bool:
        return version.pk == self.context["document"].current_version_id

    def get_created_by(self, version) -> str:
        return str(version.created_by) if version.created_by_id else ""

    def get_decision(self, version) -> dict | None:
        found = self.context.get("decisions", {}).get(version.number)
        if found is None:
            return None
        return {"approved": found.approved, "by": found.actor, "at": found.at, "comment": found.comment}


class VersionDetailOutput(VersionOutput):
    body = serializers.CharField()
    question = serializers.CharField()
    answer = serializers.CharField()
    alternatives = serializers.ListField(child=serializers.CharField())


class WrittenDocumentOutput(serializers.Serializer):
    """The document after a write: which version readers see, and which one waits for approval."""

    id = serializers.IntegerField()
    kind = serializers.CharField()
    title = serializers.CharField()
    org_unit = serializers.CharField(source="org_unit.name")
    current_version = serializers.IntegerField(source="current_version.number", allow_null=True, default=None)
    pending_version = serializers.SerializerMethodField()
    is_archived = serializers.BooleanField()
    versions_url = serializers.SerializerMethodField()

    def get_pending_version(self, document) -> int | None:
        pending = services.pending_version(document)
        return pending.number if pending else None

    def get_versions_url(self, document) -> str:
        return reverse("api-knowledge-versions", args=[document.pk])


class DiffRowOutput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["equal", "change", "delete", "insert"])
    left_no = serializers.IntegerField(allow_null=True)
    right_no = serializers.IntegerField(allow_null=True)
    left = serializers.CharField(help_text="HTML-escaped text with <del> marks")
    right = serializers.CharField(help_text="HTML-escaped text with <ins> marks")


class DiffOutput(serializers.Serializer):
    a = serializers.IntegerField()
    b = serializers.IntegerField()
    changed = serializers.IntegerField()
    deleted = serializers.IntegerField()
    inserted = serializers.IntegerField()
    rows = DiffRowOutput(many=True)


# --- input ----------------------------------------------------------------------------------------


class TextInput(serializers.Serializer):
    title = serializers.CharField(max_length=300, allow_blank=True)
    body = serializers.CharField(required=False, allow_blank=True, default="", trim_whitespace=False)
    question = serializers.CharField(required=False, allow_blank=True, default="")
    answer = serializers.CharField(required=False, allow_blank=True, default="")
    alternatives = serializers.ListField(
        child=serializers.CharField(max_length=300), required=False, default=list, max_length=100
    )
    change_note = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)
    # metadata: only the keys sent are changed
    number = serializers.CharField(required=False, allow_blank=True, max_length=60)
    issuing_department = serializers.CharField(required=False, allow_blank=True, max_length=100)
    issuer = serializers.CharField(required=False, allow_blank=True, max_length=100)
    effective_from = serializers.DateField(required=False, allow_null=True)
    repealed_on = serializers.DateField(required=False, allow_null=True)
    review_due_on = serializers.DateField(required=False, allow_null=True)
    policy_status = serializers.ChoiceField(
        choices=[("", "—"), *Document.PolicyStatus.choices], required=False, allow_blank=True
    )
    category = serializers.IntegerField(required=False, allow_null=True, min_value=1, help_text="Category id")
    tags = serializers.ListField(child=serializers.CharField(max_length=30), required=False, max_length=20)
    visible_roles = serializers.ListField(
        child=serializers.CharField(max_length=50), required=False, help_text="Role codes; empty = no restriction"
    )

    TEXT = ("title", "body", "question", "answer", "alternatives", "change_note")

    def split(self) -> tuple[dict, dict]:
        """(text, metadata) for the services, with ids resolved to rows (an unknown one is refused)."""
        given = dict(self.validated_data)
        text = {k: given.pop(k) for k in self.TEXT if k in given}
        given.pop("base_version", None)
        given.pop("kind", None)
        given.pop("org_unit", None)
        if given.get("category") is not None:
            found = Category.objects.filter(pk=given["category"]).first()
            if found is None:
                raise BusinessRuleError(codes.INVALID, _("未知的分类。"), fields={"category": [codes.INVALID]})
            given["category"] = found
        if "visible_roles" in given:
            wanted = set(given["visible_roles"])
            roles = list(Role.objects.filter(code__in=wanted))
            if len(roles) != len(wanted):
                raise BusinessRuleError(codes.INVALID, _("未知的角色。"), fields={"visible_roles": [codes.INVALID]})
            given["visible_roles"] = roles
        return text, given


def _document(request, pk, *, for_write: bool = False) -> Document:
    return selectors.get_document_for_user(request.user, pk, for_write=for_write)


def _full_history(user, document: Document) -> bool:
    task = services.approval_task(document)
    return selectors.may_change(user, document) or (task is not None and workflow_selectors.may_act(user, task))


def _versions(user, document: Document):
    return selectors.versions_of(document, readable_only=not _full_history(user, document))


def _version(user, document: Document, number) -> DocumentVersion:
    found = _versions(user, document).filter(number=number).first()
    if found is None:
        raise Http404
    return found


def _written(document: Document, *, status_code: int) -> Response:
    document = Document.objects.select_related("org_unit", "current_version").get(pk=document.pk)
    return Response(WrittenDocumentOutput(document).data, status=status_code)


# --- views ----------------------------------------------------------------------------------------


class DocumentCreateApi(APIView):
    """POST: a new document in a unit of the caller's write scope. Kinds other than 内部制度 are published at
    once; an internal policy's first version waits for approval (201 either way: see current/pending)."""

    class InputSerializer(TextInput):
        kind = serializers.ChoiceField(choices=Document.Kind.choices)
        org_unit = serializers.IntegerField(min_value=1, help_text="Owning org unit id (in the caller's scope)")

    permission_classes = [IsAuthenticated, HasModelPermission]
    required_permission = services.ADD_PERMISSION

    @extend_schema(
        request=InputSerializer,
        responses={201: WrittenDocumentOutput, 400: REFUSALS[400], 403: REFUSALS[403]},
    )
    @answered_in_transaction
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        unit = (
            core_selectors.org_units_visible_to(request.user, action="add")
            .filter(pk=data.validated_data["org_unit"])
            .first()
        )
        if unit is None:
            raise BusinessRuleError(
                codes.INVALID, _("找不到该机构，或不在您的范围内。"), fields={"org_unit": [codes.INVALID]}
            )
        text, metadata = data.split()
        document = services.document_new(
            actor=request.user, org_unit=unit, kind=data.validated_data["kind"], **text, **metadata
        )
        return _written(document, status_code=status.HTTP_201_CREATED)


class VersionListApi(APIView):
    """GET: the versions the caller may see, newest first (readers: published ones; writers and the approver:
    all). POST: edit — a changed text is a new version (201), published at once or, for an internal policy,
    sent for approval; the same text with metadata changes makes no version (200)."""

    class InputSerializer(TextInput):
        base_version = serializers.IntegerField(
            required=False, allow_null=True, help_text="The version number the edit started from (409 if stale)"
        )

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: VersionOutput(many=True), 404: REFUSALS[404]})
    def get(self, request, pk: int):
        document = _document(request, pk)
        context = {"document": document, "decisions": versions.decisions(request.user, document)}
        return Response(VersionOutput(_versions(request.user, document), many=True, context=context).data)

    @extend_schema(
        request=InputSerializer,
        responses={
            200: VersionDetailOutput,
            201: VersionDetailOutput,
            400: REFUSALS[400],
            403: REFUSALS[403],
            404: REFUSALS[404],
            409: REFUSALS[409],
        },
    )
    @answered_in_transaction
    def post(self, request, pk: int):
        document = _document(request, pk, for_write=True)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        before = document.versions.count()
        text, metadata = data.split()
        version = services.document_edit(
            document=document,
            actor=request.user,
            base_version=data.validated_data.get("base_version"),
            **text,
            **metadata,
        )
        document.refresh_from_db()
        created = document.versions.count() > before
        return Response(
            VersionDetailOutput(version, context={"document": document}).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class VersionDetailApi(APIView):
    """GET: one version's text."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: VersionDetailOutput, 404: REFUSALS[404]})
    def get(self, request, pk: int, number: int):
        document = _document(request, pk)
        version = _version(request.user, document, number)
        context = {"document": document, "decisions": versions.decisions(request.user, document)}
        return Response(VersionDetailOutput(version, context=context).data)


class DiffApi(APIView):
    """GET ?a=<number>&b=<number>: side-by-side rows from version a to version b (defaults: the newest
    version against the one before it)."""

    class FilterSerializer(serializers.Serializer):
        a = serializers.IntegerField(required=False, min_value=1)
        b = serializers.IntegerField(required=False, min_value=1)

    permission_classes = [IsAuthenticated]

    @extend_schema(parameters=[FilterSerializer], responses={200: DiffOutput, 400: REFUSALS[400], 404: REFUSALS[404]})
    def get(self, request, pk: int):
        document = _document(request, pk)
        query = self.FilterSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        available = list(_versions(request.user, document))
        if not available:
            return Response(status=status.HTTP_404_NOT_FOUND)
        given = query.validated_data
        b = _version(request.user, document, given["b"]) if "b" in given else available[0]
        if "a" in given:
            a = _version(request.user, document, given["a"])
        else:
            a = next((v for v in available if v.number < b.number), b)
        rows = versions.diff(a, b)
        counts = versions.summary(rows)
        data = {
            "a": a.number,
            "b": b.number,
            "changed": counts.changed,
            "deleted": counts.deleted,
            "inserted": counts.inserted,
            "rows": [vars(row) for row in rows],
        }
        return Response(DiffOutput(data).data)


class ApprovalApi(APIView):
    """POST: decide the pending internal-policy version — approve (it is published) or reject (a reason is
    required). `version` is the number the approver looked at: a different pending version is a 409."""

    class InputSerializer(serializers.Serializer):
        decision = serializers.ChoiceField(choices=["approve", "reject"])
        version = serializers.IntegerField(min_value=1)
        comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=1000)

    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=InputSerializer,
        responses={
            200: VersionDetailOutput,
            400: REFUSALS[400],
            403: REFUSALS[403],
            404: REFUSALS[404],
            409: REFUSALS[409],
        },
    )
    @answered_in_transaction
    def post(self, request, pk: int):
        document = _document(request, pk)
        if not services.may_ever_decide(request.user):  # permission before the body and the version's state
            raise BusinessRuleError(codes.NOT_ALLOWED, _("您不能审批该版本。"), status_code=403)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        given = data.validated_data
        version = document.versions.filter(number=given["version"]).first()
        if version is None:
            raise Http404
        if given["decision"] == "approve":
            version = services.version_approve(version=version, actor=request.user, comment=given["comment"])
        else:
            version = services.version_reject(version=version, actor=request.user, reason=given["comment"])
        document.refresh_from_db()
        context = {"document": document, "decisions": versions.decisions(request.user, document)}
        return Response(VersionDetailOutput(version, context=context).data)


class ArchiveApi(APIView):
    """POST: archive the document (out of search and lists; the history stays)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=None,
        responses={200: WrittenDocumentOutput, 403: REFUSALS[403], 404: REFUSALS[404], 409: REFUSALS[409]},
    )
    @answered_in_transaction
    def post(self, request, pk: int):
        document = _document(request, pk, for_write=True)
        services.document_archive(document=document, actor=request.user)
        return _written(document, status_code=status.HTTP_200_OK)


ROUTES = [
    path("documents/", DocumentCreateApi.as_view(), name="api-knowledge-document-create"),
    path("documents/<int:pk>/versions/", VersionListApi.as_view(), name="api-knowledge-versions"),
    path("documents/<int:pk>/versions/<int:number>/", VersionDetailApi.as_view(), name="api-knowledge-version"),
    path("documents/<int:pk>/diff/", DiffApi.as_view(), name="api-knowledge-diff"),
    path("documents/<int:pk>/approval/", ApprovalApi.as_view(), name="api-knowledge-approval"),
    path("documents/<int:pk>/archive/", ArchiveApi.as_view(), name="api-knowledge-archive"),
]
