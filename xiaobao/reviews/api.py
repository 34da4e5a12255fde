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

import json

from django.http import Http404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from xiaobao.core.api import HasModelPermission
from xiaobao.core.api_errors import BusinessRuleError
from xiaobao.core.views import serve_attachment
from xiaobao.reviews import error_codes as codes
from xiaobao.reviews import selectors, services
from xiaobao.reviews.api_outputs import (
    ReviewDetailOutput,
    ReviewFormTypeOutput,
    ReviewObjectionListOutput,
    ReviewOutput,
    actions_for,
    attachment_for_user,
    form_types,
    reviewers_for,
)
from xiaobao.reviews.models import FormVersion, Objection, Opinion, Review
from xiaobao.workflow import selectors as workflow_selectors

VIEW_PERMISSION = selectors.VIEW_PERMISSION

REFUSALS = {
    400: OpenApiResponse(
        description="A refusal: {error, detail, fields}; `error` is a reviews.* or core.upload_* code"
    ),
    403: OpenApiResponse(
        description="permission_denied (no model permission), reviews.not_allowed (not who holds this step), "
        "or a workflow refusal"
    ),
    404: OpenApiResponse(description="No such review (or opinion, objection, file) in the caller's scope"),
    409: OpenApiResponse(
        description="reviews.wrong_step (the review is not at this step), workflow.stale_version (`version` is "
        "not the task's current one), workflow.task_closed"
    ),
}


@extend_schema_field(OpenApiTypes.OBJECT)
class JsonObjectField(serializers.Field):
    """A JSON object, given as one (JSON bodies) or as a JSON string (a multipart field beside files)."""

    default_error_messages = {"invalid": _("须为 JSON 对象。")}

    def to_internal_value(self, data):
        if isinstance(data, str | bytes):
            try:
                data = json.loads(data or "{}")
            except ValueError:
                self.fail("invalid")
        if not isinstance(data, dict):
            self.fail("invalid")
        return data

    def to_representation(self, value):
        return value


def _review(request, pk: int) -> Review:
    return selectors.get_review_for_user(request.user, pk)


class _ViewPermission:
    permission_classes = [IsAuthenticated, HasModelPermission]
    required_permission = VIEW_PERMISSION


def _detail(request, review: Review, *, status_code: int = status.HTTP_200_OK) -> Response:
    task = selectors.open_task(review)
    context = {
        "request": request,
        "now": timezone.now(),
        "review": review,
        "task": task,
        "actions": actions_for(request.user, review, task),
        "opinions": list(selectors.opinions(review)),
        "attachments": selectors.attachments(review),
        "timeline": workflow_selectors.timeline_for_object(request.user, review),
    }
    return Response(ReviewDetailOutput(review, context=context).data, status=status_code)


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
        response = _detail(request, _review(request, review.pk), status_code=status.HTTP_201_CREATED)
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
        return _detail(request, _review(request, pk))


# --- the loop's actions ---------------------------------------------------------------------------


class VersionInput(serializers.Serializer):
    version = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        help_text="The step's task version the caller saw (detail `step.version`); a stale one is a 409",
    )


class ReasonInput(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class _ActionApi(_ViewPermission, APIView):
    """Shared shape of the actions: find the review in scope (else 404), validate, call one service, answer
    the review as its detail. `InputSerializer` and `act` are each action's own."""

    InputSerializer = VersionInput
    serializer_class = VersionInput
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def act(self, request, review: Review, data: dict, **kwargs) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def run(self, request, pk: int, **kwargs):
        review = _review(request, pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        self.act(request, review, data.validated_data, **kwargs)
        return _detail(request, _review(request, pk))

    def post(self, request, pk: int, **kwargs):
        return self.run(request, pk, **kwargs)


def _action_schema(input_serializer, summary: str, description: str = ""):
    return extend_schema(
        request=input_serializer,
        responses={200: ReviewDetailOutput, **REFUSALS},
        summary=summary,
        description=description,
    )


class AssignApi(_ActionApi):
    class InputSerializer(VersionInput):
        reviewer = serializers.IntegerField(min_value=1, help_text="The user id of a reviewer (审查员)")
        urgency = serializers.ChoiceField(choices=Review.Urgency.choices, default=Review.Urgency.NORMAL)
        due_days = serializers.IntegerField(help_text="The review period in working days (1..60)")

    serializer_class = InputSerializer

    @_action_schema(InputSerializer, "Assign a reviewer (消保部)", "Urgent or normal, with the period in working days.")
    def post(self, request, pk: int):
        return self.run(request, pk)

    def act(self, request, review, data):
        reviewer = reviewers_for(request.user).filter(pk=data["reviewer"]).first()
        if reviewer is None:
            raise BusinessRuleError(
                codes.REVIEWER_INVALID,
                _("所选人员不是在岗的审查员。"),
                fields={"reviewer": [codes.REVIEWER_INVALID]},
            )
        services.review_assign(
            review=review,
            actor=request.user,
            reviewer=reviewer,
            urgency=data["urgency"],
            due_days=data["due_days"],
            expected_version=data.get("version"),
        )


class ReturnApi(_ActionApi):
    InputSerializer = ReasonInput
    serializer_class = ReasonInput

    @_action_schema(
        ReasonInput,
        "Return for missing material (消保部 before assigning, the reviewer while reviewing)",
        "An empty reason is reviews.reason_required.",
    )
    def post(self, request, pk: int):
        return self.run(request, pk)

    def act(self, request, review, data):
        services.review_return(review=review, actor=request.user, reason=data["reason"])


class ResubmitApi(_ActionApi):
    class InputSerializer(serializers.Serializer):
        data = JsonObjectField(
            required=False, allow_null=True, default=None, help_text="Corrected form data (all of it), if any"
        )
        files = serializers.ListField(child=serializers.FileField(), required=False, default=list)

    serializer_class = InputSerializer

    @_action_schema(InputSerializer, "Resubmit a returned review with the missing material (submitter)")
    def post(self, request, pk: int):
        return self.run(request, pk)

    def act(self, request, review, data):
        services.review_resubmit(review=review, actor=request.user, data=data["data"], files=data["files"])


class WithdrawApi(_ActionApi):
    InputSerializer = ReasonInput
    serializer_class = ReasonInput

    @_action_schema(ReasonInput, "Withdraw a review before its opinions are answered (submitter or 消保部)")
    def post(self, request, pk: int):
        return self.run(request, pk)

    def act(self, request, review, data):
        services.review_withdraw(review=review, actor=request.user, reason=data["reason"])


class ChecklistApi(_ActionApi):
    class InputSerializer(serializers.Serializer):
        results = JsonObjectField(
            help_text='{item id: {"result": "pass" | "issue" | "na", "note": "..."}}; items not given are kept, '
            "an item given with neither result nor note is cleared"
        )

    serializer_class = InputSerializer

    @_action_schema(InputSerializer, "Save checklist results (the assigned reviewer; a draft, no step change)")
    def post(self, request, pk: int):
        return self.run(request, pk)

    def act(self, request, review, data):
        services.review_record_checklist(review=review, actor=request.user, results=data["results"])


# A pattern, not an enum: another app's `kind` enum would otherwise collide with it in the schema's names.
@extend_schema_field(
    {"type": "string", "pattern": "^(general|substantive)$", "description": "general (一般) | substantive (实质性)"}
)
class OpinionKindField(serializers.ChoiceField):
    """An opinion's kind; described inline, so its enum does not collide with other apps' `kind` enums."""

    def __init__(self, **kwargs):
        super().__init__(choices=Opinion.Kind.choices, **kwargs)


class OpinionInput(serializers.Serializer):
    kind = OpinionKindField()
    location = serializers.CharField(max_length=200, help_text="The clause or place the opinion concerns")
    risk = serializers.CharField(max_length=5000)
    suggestion = serializers.CharField(max_length=5000)
    right = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="ConsumerRight value; default: the checklist item's"
    )
    checklist_item = serializers.CharField(required=False, allow_blank=True, default="", max_length=40)
    requires_change = serializers.BooleanField(
        required=False, default=False, help_text="Substantive only: verify the change before launch"
    )


class OpinionAddApi(_ActionApi):
    InputSerializer = OpinionInput
    serializer_class = OpinionInput

    @_action_schema(OpinionInput, "Add an opinion (the assigned reviewer, while reviewing)")
    def post(self, request, pk: int):
        return self.run(request, pk)

    def act(self, request, review, data):
        services.opinion_add(review=review, actor=request.user, **data)


def _opinion(review: Review, opinion_pk: int) -> Opinion:
    found = selectors.opinions(review).filter(pk=opinion_pk).first()
    if found is None:
        raise Http404
    return found


class OpinionUpdateApi(_ActionApi):
    """POST or PATCH: change an opinion (fields not given are kept); DELETE: remove it. While reviewing only."""

    InputSerializer = OpinionInput
    serializer_class = OpinionInput

    @extend_schema(
        request=OpinionInput(partial=True),
        responses={200: ReviewDetailOutput, **REFUSALS},
        summary="Change an opinion (the assigned reviewer; fields not given are kept)",
        operation_id="v1_reviews_opinion_update",
    )
    def post(self, request, pk: int, opinion_pk: int):
        return self.run(request, pk, opinion_pk=opinion_pk)

    @extend_schema(
        request=OpinionInput(partial=True),
        responses={200: ReviewDetailOutput, **REFUSALS},
        summary="Change an opinion (the assigned reviewer; fields not given are kept)",
        operation_id="v1_reviews_opinion_partial_update",
    )
    def patch(self, request, pk: int, opinion_pk: int):
        return self.run(request, pk, opinion_pk=opinion_pk)

    @extend_schema(
        request=None,
        responses={200: ReviewDetailOutput, **REFUSALS},
        summary="Delete an opinion (the assigned reviewer)",
        operation_id="v1_reviews_opinion_destroy",
    )
    def delete(self, request, pk: int, opinion_pk: int):
        review = _review(request, pk)
        services.opinion_delete(opinion=_opinion(review, opinion_pk), actor=request.user)
        return _detail(request, _review(request, pk))

    def run(self, request, pk: int, **kwargs):
        review = _review(request, pk)
        data = OpinionInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        self.act(request, review, data.validated_data, **kwargs)
        return _detail(request, _review(request, pk))

    def act(self, request, review, data, opinion_pk: int):
        services.opinion_update(opinion=_opinion(review, opinion_pk), actor=request.user, **data)


class OpinionDeleteApi(_ActionApi):
    InputSerializer = serializers.Serializer
    serializer_class = serializers.Serializer

    @_action_schema(None, "Delete an opinion (the assigned reviewer, while reviewing)")
    def post(self, request, pk: int, opinion_pk: int):
        return self.run(request, pk, opinion_pk=opinion_pk)

    def act(self, request, review, data, opinion_pk: int):
        services.opinion_delete(opinion=_opinion(review, opinion_pk), actor=request.user)


class IssueApi(_ActionApi):
    class InputSerializer(VersionInput):
        conclusion = serializers.CharField(max_length=20000, allow_blank=True)

    serializer_class = InputSerializer

    @_action_schema(
        InputSerializer,
        "Issue the opinions with a conclusion (the assigned reviewer)",
        "Every checklist item needs a result first (reviews.checklist_incomplete names the others). A review "
        "with no opinion closes.",
    )
    def post(self, request, pk: int):
        return self.run(request, pk)

    def act(self, request, review, data):
        services.review_issue_opinions(
            review=review, actor=request.user, conclusion=data["conclusion"], expected_version=data.get("version")
        )


class RespondApi(_ActionApi):
    class InputSerializer(VersionInput):
        responses = JsonObjectField(
            help_text='{opinion id: {"response": "adopted" | "partial" | "rejected", "reason": "..."}} for every '
            "opinion; a JSON string in multipart"
        )
        files = serializers.ListField(
            child=serializers.FileField(), required=False, default=list, help_text="Evidence of the changes"
        )

    serializer_class = InputSerializer

    @_action_schema(
        InputSerializer,
        "Answer every opinion (submitter)",
        "部分采纳 or 不采纳 needs a reason and starts the objection procedure; an adopted substantive opinion "
        "that requires a change opens a verification work order.",
    )
    def post(self, request, pk: int):
        return self.run(request, pk)

    def act(self, request, review, data):
        services.review_respond(
            review=review,
            actor=request.user,
            responses=data["responses"],
            files=data["files"],
            expected_version=data.get("version"),
        )


class RefreshVerificationApi(_ActionApi):
    InputSerializer = serializers.Serializer
    serializer_class = serializers.Serializer

    @_action_schema(
        None,
        "Check the verification work orders now (the periodic sweep does the same)",
        "Closes the review once none of its verification orders is open; changes nothing otherwise.",
    )
    def post(self, request, pk: int):
        return self.run(request, pk)

    def act(self, request, review, data):
        if "refresh" not in actions_for(request.user, review, None):
            raise BusinessRuleError(codes.NOT_ALLOWED, _("您不能办理这一步。"), status_code=403)
        services.review_refresh_verification(review=review)


def _objection(request, review: Review, objection_pk: int) -> Objection:
    found = selectors.objections_visible_to(request.user).filter(pk=objection_pk, opinion__review=review).first()
    if found is None:
        raise Http404
    return found


class RereviewApi(_ActionApi):
    class InputSerializer(serializers.Serializer):
        upheld = serializers.BooleanField(help_text="true: uphold the opinion (to the committee); false: withdraw it")
        note = serializers.CharField(max_length=5000, allow_blank=True)

    serializer_class = InputSerializer

    @_action_schema(InputSerializer, "Re-review a disputed opinion (review lead: 消保部)")
    def post(self, request, pk: int, objection_pk: int):
        return self.run(request, pk, objection_pk=objection_pk)

    def act(self, request, review, data, objection_pk: int):
        services.objection_rereview(
            objection=_objection(request, review, objection_pk),
            actor=request.user,
            upheld=data["upheld"],
            note=data["note"],
        )


class CommitteeApi(_ActionApi):
    class InputSerializer(serializers.Serializer):
        outcome = serializers.ChoiceField(choices=Objection.Outcome.choices)
        decision = serializers.CharField(max_length=20000, allow_blank=True)
        attendees = serializers.ListField(
            child=serializers.CharField(max_length=50), max_length=50, help_text="The members present"
        )

    serializer_class = InputSerializer

    @_action_schema(InputSerializer, "Record the committee's binding decision (消保委员会)")
    def post(self, request, pk: int, objection_pk: int):
        return self.run(request, pk, objection_pk=objection_pk)

    def act(self, request, review, data, objection_pk: int):
        services.objection_committee_decide(
            objection=_objection(request, review, objection_pk),
            actor=request.user,
            outcome=data["outcome"],
            decision=data["decision"],
            attendees=data["attendees"],
        )


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
