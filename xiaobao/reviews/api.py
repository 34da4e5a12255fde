"""Review API (消保审查): list and search, file a review, the form types with their current version, one
review with its checklist, opinions and objections, every action of the loop, the objections list and
file downloads.

Reads go through `reviews.selectors` (scoped to the caller: a review outside scope is 404), writes
through `reviews.services`, the same functions the pages call. A refusal is a BusinessRuleError
(workflow refusals are its WorkflowError subclass), so the project's exception handler answers
{"error", "detail", "fields"} with the refusal's own status: 400 a rule, 403 "you may not", 409 the
review moved on (reviews.wrong_step) or someone acted first (workflow.stale_version).
"""

from __future__ import annotations

from django.urls import path, reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from xiaobao.core.api import HasModelPermission, answered_in_transaction
from xiaobao.core.views import serve_attachment
from xiaobao.reviews import selectors, services
from xiaobao.reviews.api_actions import (
    AssignApi,
    ChecklistApi,
    CommitteeApi,
    IssueApi,
    JsonObjectField,
    OpinionAddApi,
    OpinionDeleteApi,
    OpinionUpdateApi,
    RefreshVerificationApi,
    RereviewApi,
    RespondApi,
    ResubmitApi,
    ReturnApi,
    WithdrawApi,
)
from xiaobao.reviews.api_outputs import (
    REFUSALS,
    ReviewDetailOutput,
    ReviewFormTypeOutput,
    ReviewObjectionListOutput,
    ReviewOutput,
    attachment_for_user,
    detail_response,
    form_types,
)
from xiaobao.reviews.models import FormVersion, Objection, Review

VIEW_PERMISSION = selectors.VIEW_PERMISSION


def _review(request, pk: int) -> Review:
    return selectors.get_review_for_user(request.user, pk)


class _ViewPermission:
    permission_classes = [IsAuthenticated, HasModelPermission]
    required_permission = VIEW_PERMISSION


# --- list, submit, form types, objections ---------------------------------------------------------


class ReviewListApi(GenericAPIView):
    """GET: the reviews the caller may see, newest first, paginated and searchable. POST: file a review.

    box: todo (waiting on the caller), mine (filed by or assigned to the caller), all (default).
    """

    class FilterSerializer(serializers.Serializer):
        box = serializers.ChoiceField(choices=list(selectors.BOXES), required=False, default="all")
        status = serializers.ChoiceField(choices=Review.Status.choices, required=False)
        form_type = serializers.CharField(required=False, max_length=40, help_text="A form type's code")
        department = serializers.CharField(required=False, max_length=50, help_text="The submitting department")
        reviewer = serializers.IntegerField(required=False, min_value=1, help_text="Assigned to this user id")
        q = serializers.CharField(required=False, max_length=100, help_text="Part of the product name, title or number")
        submitted_from = serializers.DateField(required=False)
        submitted_to = serializers.DateField(required=False, help_text="Inclusive")

    class InputSerializer(serializers.Serializer):
        form_type = serializers.CharField(max_length=40, help_text="The form type's code (see form-types/)")
        title = serializers.CharField(max_length=200)
        product_name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
        planned_launch = serializers.DateField(required=False, allow_null=True, default=None)
        urgency = serializers.ChoiceField(choices=Review.Urgency.choices, default=Review.Urgency.NORMAL)
        data = JsonObjectField(
            required=False,
            default=dict,
            help_text="The form's fields by id (see the type's current version); a JSON string in multipart",
        )
        files = serializers.ListField(
            child=serializers.FileField(),
            required=False,
            default=list,
            help_text="Material to review (multipart only); checked by content, not by name",
        )

    serializer_class = ReviewOutput
    permission_classes = [IsAuthenticated, HasModelPermission]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @property
    def required_permission(self) -> str:
        return services.SUBMIT_PERMISSION if self.request.method == "POST" else VIEW_PERMISSION

    @extend_schema(parameters=[FilterSerializer], responses={200: ReviewOutput(many=True), 403: REFUSALS[403]})
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        page = self.paginate_queryset(selectors.reviews_visible_to(request.user, filters.validated_data))
        return self.get_paginated_response(ReviewOutput(page, many=True, context={"now": timezone.now()}).data)

    @extend_schema(
        request=InputSerializer,
        responses={201: ReviewDetailOutput, 400: REFUSALS[400], 403: REFUSALS[403]},
        description="JSON, or multipart/form-data with `files` (then `data` is a JSON string). The data is checked "
        "against the current version of the form type; the review keeps that version.",
    )
    @answered_in_transaction
    def post(self, request):
        given = self.InputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        review = services.review_submit(
            actor=request.user,
            form_type=data["form_type"],
            title=data["title"],
            product_name=data["product_name"],
            planned_launch=data["planned_launch"],
            data=data["data"],
            files=data["files"],
            urgency=data["urgency"],
        )
        response = detail_response(request, _review(request, review.pk), status_code=status.HTTP_201_CREATED)
        response["Location"] = reverse("api-reviews-detail", args=[review.pk])
        return response


class FormTypeListApi(_ViewPermission, APIView):
    """The active form types (the eight, and any an admin added), each with its current version: the fields
    a submitter fills in and the checklist (审查要点) tagged by the consumer right each item protects."""

    serializer_class = ReviewFormTypeOutput

    @extend_schema(responses={200: ReviewFormTypeOutput(many=True)})
    def get(self, request):
        versions = {v.form_type_id: v for v in FormVersion.objects.filter(is_current=True, form_type__is_active=True)}
        return Response(ReviewFormTypeOutput(form_types(), many=True, context={"versions": versions}).data)


class ObjectionListApi(_ViewPermission, GenericAPIView):
    """异议: the objections the caller may see, newest first (a committee member: those referred to the
    committee). stage: rereview | committee | decided."""

    class FilterSerializer(serializers.Serializer):
        stage = serializers.ChoiceField(choices=Objection.Stage.choices, required=False)

    serializer_class = ReviewObjectionListOutput

    @extend_schema(parameters=[FilterSerializer], responses={200: ReviewObjectionListOutput(many=True)})
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        page = self.paginate_queryset(selectors.objections_visible_to(request.user, filters.validated_data))
        return self.get_paginated_response(ReviewObjectionListOutput(page, many=True).data)


class ReviewDetailApi(_ViewPermission, APIView):
    """One review: facts, form data, its step and task version, what the caller may do, the checklist of its
    own form version with the results, opinions with answers and objections, files, timeline."""

    serializer_class = ReviewDetailOutput

    @extend_schema(responses={200: ReviewDetailOutput, 404: REFUSALS[404]})
    def get(self, request, pk: int):
        return detail_response(request, _review(request, pk))


class AttachmentDownloadApi(_ViewPermission, APIView):
    """One of the review's files, as a download (the detected type, never rendered inline)."""

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
        return serve_attachment(attachment_for_user(request.user, pk, attachment_pk))


urlpatterns = [
    path("", ReviewListApi.as_view(), name="api-reviews-list"),
    path("form-types/", FormTypeListApi.as_view(), name="api-reviews-form-types"),
    path("objections/", ObjectionListApi.as_view(), name="api-reviews-objections"),
    path("<int:pk>/", ReviewDetailApi.as_view(), name="api-reviews-detail"),
    path("<int:pk>/assign/", AssignApi.as_view(), name="api-reviews-assign"),
    path("<int:pk>/return/", ReturnApi.as_view(), name="api-reviews-return"),
    path("<int:pk>/resubmit/", ResubmitApi.as_view(), name="api-reviews-resubmit"),
    path("<int:pk>/withdraw/", WithdrawApi.as_view(), name="api-reviews-withdraw"),
    path("<int:pk>/checklist/", ChecklistApi.as_view(), name="api-reviews-checklist"),
    path("<int:pk>/opinions/", OpinionAddApi.as_view(), name="api-reviews-opinions"),
    path("<int:pk>/opinions/<int:opinion_pk>/", OpinionUpdateApi.as_view(), name="api-reviews-opinion"),
    path("<int:pk>/opinions/<int:opinion_pk>/delete/", OpinionDeleteApi.as_view(), name="api-reviews-opinion-delete"),
    path("<int:pk>/issue/", IssueApi.as_view(), name="api-reviews-issue"),
    path("<int:pk>/respond/", RespondApi.as_view(), name="api-reviews-respond"),
    path("<int:pk>/verification/", RefreshVerificationApi.as_view(), name="api-reviews-verification"),
    path("<int:pk>/objections/<int:objection_pk>/rereview/", RereviewApi.as_view(), name="api-reviews-rereview"),
    path("<int:pk>/objections/<int:objection_pk>/committee/", CommitteeApi.as_view(), name="api-reviews-committee"),
    path("<int:pk>/files/<int:attachment_pk>/", AttachmentDownloadApi.as_view(), name="api-reviews-download"),
]
