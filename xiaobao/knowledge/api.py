"""/api/v1/knowledge/: search, FAQ answers and documents (here), writing and versions (editing_api.py),
imports (import_api.py).

Reads go through `knowledge.search` (visibility and the view permission in its SQL) and
`knowledge.selectors` (a document outside the caller's reach is 404), the functions the pages call.
"""

from __future__ import annotations

from django.urls import path, reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from xiaobao.core.api import HasModelPermission
from xiaobao.knowledge import editing_api, import_api, search, selectors
from xiaobao.knowledge.models import Document
from xiaobao.knowledge.search.engine import MAX_OFFSET
from xiaobao.knowledge.search.query_fields import QuerySerializerField

READ_REFUSALS = {
    400: OpenApiResponse(description="invalid: a parameter failed validation ({error, detail, fields})"),
    403: OpenApiResponse(description="permission_denied: no knowledge.view_document"),
}


class _Reader:
    permission_classes = [IsAuthenticated, HasModelPermission]
    required_permission = selectors.VIEW_PERMISSION


class SearchApi(_Reader, APIView):
    """Full-text search over the current versions (history too if asked) the caller may read, best first.

    `mode`: "and" every hit has every word; "or" none has them all; "filled" the first `and_total` hits have
    them all, the rest only some. `capped`: a broad query on PostgreSQL ranked only its first rows found, and
    `count` is "at least". Any `q` is safe: nothing matching is an empty page, never an error.
    """

    class FilterSerializer(serializers.Serializer):
        q = QuerySerializerField()
        kind = serializers.MultipleChoiceField(choices=Document.Kind.choices, required=False)
        policy_status = serializers.MultipleChoiceField(choices=Document.PolicyStatus.choices, required=False)
        category = serializers.IntegerField(required=False, min_value=1, help_text="A category and its subtree")
        date_from = serializers.DateField(required=False, help_text="Effective on or after")
        date_to = serializers.DateField(required=False, help_text="Effective on or before")
        include_history = serializers.BooleanField(required=False, default=False)
        page = serializers.IntegerField(required=False, min_value=1, default=1)
        page_size = serializers.IntegerField(required=False, min_value=1, max_value=50, default=10)

        def validate(self, attrs):
            if (attrs["page"] - 1) * attrs["page_size"] > MAX_OFFSET:
                raise serializers.ValidationError({"page": [_("页码超出范围。")]})
            return attrs

    class HitOutput(serializers.Serializer):
        document_id = serializers.IntegerField()
        version_id = serializers.IntegerField()
        title = serializers.CharField()
        kind = serializers.CharField()
        score = serializers.FloatField()
        title_html = serializers.CharField(help_text="Escaped title, matched words in <mark>")
        snippet_html = serializers.CharField(help_text="Escaped excerpt, matched words in <mark>")
        category = serializers.CharField(allow_null=True)
        effective_from = serializers.DateField(allow_null=True)
        policy_status = serializers.CharField()
        is_current = serializers.BooleanField()
        passage_label = serializers.CharField(help_text='The matched article or section ("第十六条"), or empty')
        passage_anchor = serializers.CharField(help_text='Its anchor on the document page ("art-16"), or empty')
        url = serializers.CharField(help_text="The document page, at the matched article when there is one")

    class OutputSerializer(serializers.Serializer):
        count = serializers.IntegerField()
        page = serializers.IntegerField()
        page_size = serializers.IntegerField()
        mode = serializers.ChoiceField(choices=["and", "or", "filled"])
        and_total = serializers.IntegerField()
        capped = serializers.BooleanField(help_text="A broad query: `count` is a lower bound, only that many ranked")
        words = serializers.ListField(child=serializers.CharField())
        results = serializers.ListField()

    @extend_schema(
        operation_id="knowledge_search",
        parameters=[FilterSerializer],
        responses={200: OutputSerializer, **READ_REFUSALS},
    )
    def get(self, request):
        return self._search(request, request.query_params)

    @extend_schema(
        operation_id="knowledge_search_post",
        request=FilterSerializer,
        responses={200: OutputSerializer, **READ_REFUSALS},
        description="The same search with the parameters in the body, for a question too long for a URL.",
    )
    def post(self, request):
        return self._search(request, request.data)

    def _search(self, request, source):
        params = self.FilterSerializer(data=source)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        filters = {k: sorted(v) if isinstance(v, set) else v for k, v in data.items()}
        page = search.search(
            request.user,
            data["q"],
            filters={k: filters[k] for k in ("kind", "policy_status", "category", "date_from", "date_to") if k in data},
            limit=data["page_size"],
            offset=(data["page"] - 1) * data["page_size"],
            include_history=data["include_history"],
        )
        return Response(
            {
                "count": page.total,
                "page": data["page"],
                "page_size": data["page_size"],
                "mode": page.mode,
                "and_total": page.and_total,
                "capped": page.capped,
                "words": list(page.words),
                "results": self.HitOutput(page.hits, many=True).data,
            }
        )


class AnswerApi(_Reader, APIView):
    """The best FAQ answers for a question in plain Chinese (the online bot and agents), with scores and the
    FAQ each came from. An empty or unmatched question gives an empty list."""

    class InputSerializer(serializers.Serializer):
        q = QuerySerializerField()
        limit = serializers.IntegerField(required=False, min_value=1, max_value=10, default=3)

    class AnswerOutput(serializers.Serializer):
        document_id = serializers.IntegerField()
        question = serializers.CharField()
        answer = serializers.CharField()
        score = serializers.FloatField()
        source_title = serializers.CharField()
        source_url = serializers.SerializerMethodField()

        def get_source_url(self, item) -> str:
            return reverse("knowledge:document", args=[item.document_id])

    class OutputSerializer(serializers.Serializer):
        question = serializers.CharField()
        no_answer = serializers.BooleanField(help_text="No FAQ covers the question: hand over to a person")
        reason = serializers.CharField(
            help_text="Why no answer: no_match, low_coverage, outside_domain (empty when answered)"
        )
        coverage = serializers.FloatField(help_text="How much of the question the best FAQ covers (0-1)")
        results = serializers.ListField()

    @extend_schema(
        operation_id="knowledge_answer",
        parameters=[InputSerializer],
        responses={200: OutputSerializer, **READ_REFUSALS},
    )
    def get(self, request):
        return self._answer(request, request.query_params)

    @extend_schema(
        operation_id="knowledge_answer_post",
        request=InputSerializer,
        responses={200: OutputSerializer, **READ_REFUSALS},
        description="The same answers with the question in the body, for a question too long for a URL.",
    )
    def post(self, request):
        return self._answer(request, request.data)

    def _answer(self, request, source):
        params = self.InputSerializer(data=source)
        params.is_valid(raise_exception=True)
        question = params.validated_data["q"]
        if not question.strip():
            return Response(
                {"question": question, "no_answer": True, "reason": "empty", "coverage": 0.0, "results": []}
            )
        page = search.answer(request.user, question, limit=params.validated_data["limit"])
        return Response(
            {
                "question": question,
                "no_answer": page.no_answer,
                "reason": page.reason,
                "coverage": page.coverage,
                "results": self.AnswerOutput(page.results, many=True).data,
            }
        )


class DocumentApi(_Reader, APIView):
    """One document the caller may read, with its current version's text (404 outside their reach)."""

    class VersionOutput(serializers.Serializer):
        id = serializers.IntegerField()
        number = serializers.IntegerField()
        title = serializers.CharField()
        body = serializers.CharField()
        question = serializers.CharField()
        answer = serializers.CharField()
        alternatives = serializers.ListField(child=serializers.CharField())
        source_name = serializers.CharField()
        status = serializers.CharField()
        published_at = serializers.DateTimeField(allow_null=True)

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        kind = serializers.CharField()
        title = serializers.CharField()
        number = serializers.CharField()
        issuer = serializers.CharField()
        issuing_department = serializers.CharField()
        effective_from = serializers.DateField(allow_null=True)
        repealed_on = serializers.DateField(allow_null=True)
        policy_status = serializers.CharField()
        category = serializers.SerializerMethodField()
        tags = serializers.ListField(child=serializers.CharField())
        org_unit = serializers.SerializerMethodField()
        is_archived = serializers.BooleanField()
        updated_at = serializers.DateTimeField()
        current_version = serializers.SerializerMethodField()
        url = serializers.SerializerMethodField()

        def get_category(self, document) -> dict | None:
            category = document.category
            return {"id": category.pk, "name": category.name} if category else None

        def get_org_unit(self, document) -> dict:
            return {"id": document.org_unit_id, "code": document.org_unit.code, "name": document.org_unit.name}

        def get_current_version(self, document) -> dict | None:
            version = document.current_version
            return DocumentApi.VersionOutput(version).data if version else None

        def get_url(self, document) -> str:
            return document.get_absolute_url()

    @extend_schema(
        operation_id="knowledge_document",
        responses={200: OutputSerializer, 404: OpenApiResponse(description="Not within the caller's reach")},
    )
    def get(self, request, pk: int):
        document = selectors.get_document_for_user(request.user, pk)
        return Response(self.OutputSerializer(document).data)


ROUTES = [
    path("search", SearchApi.as_view(), name="api-knowledge-search"),
    path("answer", AnswerApi.as_view(), name="api-knowledge-answer"),
    path("documents/<int:pk>/", DocumentApi.as_view(), name="api-knowledge-document"),
]

urlpatterns = [*ROUTES, *editing_api.ROUTES, *import_api.ROUTES]
