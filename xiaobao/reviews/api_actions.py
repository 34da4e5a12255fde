"""Review API: every action of the loop (assign, return, resubmit, withdraw, the checklist, opinions, issue,
respond, the verification check, re-review and the committee's decision), each answering the review as its
detail; and the JSON-object field the filing endpoint uses too.

The shape of an action is ui.api_actions': find the review in scope (else 404), validate, call one
`reviews.services` function; a refusal answers {"error", "detail", "fields"} with its own status.
"""

from __future__ import annotations

import json

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from xiaobao.core.api_errors import BusinessRuleError
from xiaobao.core.inputs import refuse_control_characters_in
from xiaobao.reviews import error_codes as codes
from xiaobao.reviews import selectors, services
from xiaobao.reviews.api_outputs import REFUSALS, ReviewDetailOutput, detail_response, reviewers_for
from xiaobao.reviews.models import Objection, Opinion, Review
from xiaobao.reviews.rules import may_take
from xiaobao.ui.api_actions import ObjectActionApi, VersionInput, action_schema


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
        return refuse_control_characters_in(data)

    def to_representation(self, value):
        return value


def _review(request, pk: int) -> Review:
    return selectors.get_review_for_user(request.user, pk)


# --- the loop's actions ---------------------------------------------------------------------------


class ReasonInput(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class _ActionApi(ObjectActionApi):
    """Shared shape of the actions: find the review in scope (else 404), validate, call one service, answer
    the review as its detail. `InputSerializer` and `act` are each action's own."""

    required_permission = selectors.VIEW_PERMISSION
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    detail_output = ReviewDetailOutput
    refusals = REFUSALS

    #: the action's name (api_outputs.ACTIONS): who ever takes it is checked before the body and the step
    action = ""

    def find(self, request, pk: int) -> Review:
        return _review(request, pk)

    def check_may_act(self, request, review: Review) -> None:
        if not may_take(request.user, review, self.action):
            raise BusinessRuleError(codes.NOT_ALLOWED, _("您不能办理这一步。"), status_code=403)

    def answer(self, request, review: Review) -> Response:
        return detail_response(request, review)


@action_schema("Assign a reviewer (消保部)", "Urgent or normal, with the period in working days.")
class AssignApi(_ActionApi):
    action = "assign"

    class InputSerializer(VersionInput):
        reviewer = serializers.IntegerField(min_value=1, help_text="The user id of a reviewer (审查员)")
        urgency = serializers.ChoiceField(choices=Review.Urgency.choices, default=Review.Urgency.NORMAL)
        due_days = serializers.IntegerField(help_text="The review period in working days (1..60)")

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


@action_schema(
    "Return for missing material (消保部 before assigning, the reviewer while reviewing)",
    "An empty reason is reviews.reason_required.",
)
class ReturnApi(_ActionApi):
    action = "return"

    InputSerializer = ReasonInput

    def act(self, request, review, data):
        services.review_return(review=review, actor=request.user, reason=data["reason"])


@action_schema("Resubmit a returned review with the missing material (submitter)")
class ResubmitApi(_ActionApi):
    action = "resubmit"

    class InputSerializer(serializers.Serializer):
        data = JsonObjectField(
            required=False, allow_null=True, default=None, help_text="Corrected form data (all of it), if any"
        )
        files = serializers.ListField(child=serializers.FileField(), required=False, default=list)

    def act(self, request, review, data):
        services.review_resubmit(review=review, actor=request.user, data=data["data"], files=data["files"])


@action_schema("Withdraw a review before its opinions are answered (submitter or 消保部)")
class WithdrawApi(_ActionApi):
    action = "withdraw"

    InputSerializer = ReasonInput

    def act(self, request, review, data):
        services.review_withdraw(review=review, actor=request.user, reason=data["reason"])


@action_schema("Save checklist results (the assigned reviewer; a draft, no step change)")
class ChecklistApi(_ActionApi):
    action = "checklist"

    class InputSerializer(serializers.Serializer):
        results = JsonObjectField(
            help_text='{item id: {"result": "pass" | "issue" | "na", "note": "..."}}; items not given are kept, '
            "an item given with neither result nor note is cleared"
        )

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


@action_schema("Add an opinion (the assigned reviewer, while reviewing)")
class OpinionAddApi(_ActionApi):
    action = "opinions"

    InputSerializer = OpinionInput

    def act(self, request, review, data):
        services.opinion_add(review=review, actor=request.user, **data)


def _opinion(review: Review, opinion_pk: int) -> Opinion:
    found = selectors.opinions(review).filter(pk=opinion_pk).first()
    if found is None:
        raise Http404
    return found


class OpinionUpdateApi(_ActionApi):
    action = "opinions"

    """POST or PATCH: change an opinion (fields not given are kept); DELETE: remove it. While reviewing only."""

    InputSerializer = OpinionInput
    partial = True

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
        return detail_response(request, _review(request, pk))

    def act(self, request, review, data, opinion_pk: int):
        services.opinion_update(opinion=_opinion(review, opinion_pk), actor=request.user, **data)


@action_schema("Delete an opinion (the assigned reviewer, while reviewing)", request=None)
class OpinionDeleteApi(_ActionApi):
    action = "opinions"

    InputSerializer = serializers.Serializer

    def act(self, request, review, data, opinion_pk: int):
        services.opinion_delete(opinion=_opinion(review, opinion_pk), actor=request.user)


@action_schema(
    "Issue the opinions with a conclusion (the assigned reviewer)",
    "Every checklist item needs a result first (reviews.checklist_incomplete names the others). A review "
    "with no opinion closes.",
)
class IssueApi(_ActionApi):
    action = "issue"

    class InputSerializer(VersionInput):
        conclusion = serializers.CharField(max_length=20000, allow_blank=True)

    def act(self, request, review, data):
        services.review_issue_opinions(
            review=review, actor=request.user, conclusion=data["conclusion"], expected_version=data.get("version")
        )


@action_schema(
    "Answer every opinion (submitter)",
    "部分采纳 or 不采纳 needs a reason and starts the objection procedure; an adopted substantive opinion "
    "that requires a change opens a verification work order.",
)
class RespondApi(_ActionApi):
    action = "respond"

    class InputSerializer(VersionInput):
        responses = JsonObjectField(
            help_text='{opinion id: {"response": "adopted" | "partial" | "rejected", "reason": "..."}} for every '
            "opinion; a JSON string in multipart"
        )
        files = serializers.ListField(
            child=serializers.FileField(), required=False, default=list, help_text="Evidence of the changes"
        )

    def act(self, request, review, data):
        services.review_respond(
            review=review,
            actor=request.user,
            responses=data["responses"],
            files=data["files"],
            expected_version=data.get("version"),
        )


@action_schema(
    "Check the verification work orders now (the periodic sweep does the same)",
    "Closes the review once none of its verification orders is open; changes nothing otherwise.",
    request=None,
)
class RefreshVerificationApi(_ActionApi):
    action = "refresh"

    InputSerializer = serializers.Serializer

    def act(self, request, review, data):
        if review.status != Review.Status.VERIFYING:
            raise BusinessRuleError(codes.WRONG_STEP, _("该审查不在整改验证阶段。"), status_code=409)
        services.review_refresh_verification(review=review)


def _objection(request, review: Review, objection_pk: int) -> Objection:
    found = selectors.objections_visible_to(request.user).filter(pk=objection_pk, opinion__review=review).first()
    if found is None:
        raise Http404
    return found


@action_schema("Re-review a disputed opinion (review lead: 消保部)")
class RereviewApi(_ActionApi):
    action = "rereview"

    class InputSerializer(serializers.Serializer):
        upheld = serializers.BooleanField(help_text="true: uphold the opinion (to the committee); false: withdraw it")
        note = serializers.CharField(max_length=5000, allow_blank=True)

    def act(self, request, review, data, objection_pk: int):
        services.objection_rereview(
            objection=_objection(request, review, objection_pk),
            actor=request.user,
            upheld=data["upheld"],
            note=data["note"],
        )


@action_schema("Record the committee's binding decision (消保委员会)")
class CommitteeApi(_ActionApi):
    action = "committee"

    class InputSerializer(serializers.Serializer):
        outcome = serializers.ChoiceField(choices=Objection.Outcome.choices)
        decision = serializers.CharField(max_length=20000, allow_blank=True)
        attendees = serializers.ListField(
            child=serializers.CharField(max_length=50), max_length=50, help_text="The members present"
        )

    def act(self, request, review, data, objection_pk: int):
        services.objection_committee_decide(
            objection=_objection(request, review, objection_pk),
            actor=request.user,
            outcome=data["outcome"],
            decision=data["decision"],
            attendees=data["attendees"],
        )
