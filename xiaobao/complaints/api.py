"""Complaint API (消费投诉): register (for the CC system and the platform feeds, with Idempotency-Key), list,
detail, the reveal of personal data; the handling loop's actions are in api_actions.py, the output shapes in
api_outputs.py, and routed here.

Reads go through `complaints.selectors` (scoped to the caller: a complaint outside scope is 404), writes
through `complaints.services`, the same functions the pages call. A refusal is a BusinessRuleError (workflow
refusals are its WorkflowError subclass), so the project's exception handler answers {"error", "detail",
"fields"} with the refusal's own status: 400 a rule, 403 "you may not", 409 the complaint moved on
(complaints.wrong_step, complaints.closed) or someone acted first (workflow.stale_version).

Personal data leaves masked (PIPL). The clear value of one field comes only from POST …/reveal/ with a
reason, which core audits.

Idempotency (POST /api/v1/complaints/): `Idempotency-Key` (1–100 visible ASCII characters, e.g. a UUID) binds
one registration to one complaint. Machine clients (token authentication: the CC system, the platform feeds)
must send one — without it a retried timeout would register the complaint twice — and are refused with 400
complaints.idempotency_key_required; people registering through the pages' session may leave it out. Keys are
the caller's own: the same key from the same account with the same request registers one complaint — 201 the
first time, then 200 with that complaint and `Idempotent-Replayed: true`, also for requests that raced the
first one. "The same request" is every field and every file's bytes (complaints/idempotency.py): the same key
with anything different is refused with 422 complaints.idempotency_key_reused (the IETF httpapi
Idempotency-Key draft's answer) and writes nothing. The answer is built in the registration's transaction, so
a registration that committed is never answered with an error.
"""

from __future__ import annotations

from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from xiaobao.complaints import error_codes as codes
from xiaobao.complaints import rules, selectors, services
from xiaobao.complaints.api_actions import (
    ComplaintAcceptApi,
    ComplaintAssignApi,
    ComplaintClassifyApi,
    ComplaintCloseApi,
    ComplaintDecideApi,
    ComplaintExtendApi,
    ComplaintReexamineApi,
    ComplaintResponseApi,
    ComplaintRevisitApi,
    ComplaintWithdrawApi,
    category_by_id,
    person_in_scope,
    unit_in_scope,
)
from xiaobao.complaints.api_clock import ROUTES as CLOCK_ROUTES
from xiaobao.complaints.api_outputs import ACTIONS as ACTIONS  # the action endpoints routed below, in order
from xiaobao.complaints.api_outputs import (
    REFUSALS,
    VIEW_PERMISSION,
    ComplaintDetailOutput,
    ComplaintOutput,
    detail_response,
)
from xiaobao.complaints.models import Complaint
from xiaobao.core.api import HasModelPermission, answered_in_transaction
from xiaobao.core.api_errors import BusinessRuleError
from xiaobao.core.authentication import TokenAuthentication
from xiaobao.core.pagination import IdsFirstPagination

IDEMPOTENCY_KEY_MAX = 100
PERSONAL_FIELDS = [
    "complainant_name",
    "complainant_id_number",
    "complainant_phone",
    "complainant_address",
    "consumer_name",
]


def _complaint(request, pk: int) -> Complaint:
    return selectors.get_complaint_for_user(request.user, pk)


class _ViewPermission:
    permission_classes = [IsAuthenticated, HasModelPermission]
    required_permission = VIEW_PERMISSION


# --- list and register ----------------------------------------------------------------------------


def _idempotency_key(request) -> str | None:
    raw = request.headers.get("Idempotency-Key")
    if raw is None:
        if isinstance(request.successful_authenticator, TokenAuthentication):
            raise BusinessRuleError(
                codes.IDEMPOTENCY_KEY_REQUIRED,
                _("接口调用登记投诉须带 Idempotency-Key 请求头（例如一个 UUID），以免超时重试时重复登记。"),
                fields={"Idempotency-Key": [codes.IDEMPOTENCY_KEY_REQUIRED]},
            )
        return None
    key = raw.strip()
    if not key or len(key) > IDEMPOTENCY_KEY_MAX or not all(33 <= ord(ch) <= 126 for ch in key):
        raise BusinessRuleError(
            codes.IDEMPOTENCY_KEY_INVALID,
            _("Idempotency-Key 须为 1 至 %(n)s 个可见 ASCII 字符。") % {"n": IDEMPOTENCY_KEY_MAX},
            fields={"Idempotency-Key": [codes.IDEMPOTENCY_KEY_INVALID]},
        )
    # The caller's own namespace: another account's key can never return (or reveal) someone else's complaint.
    return f"api:{request.user.pk}:{key}"


class ComplaintListApi(GenericAPIView):
    """GET: the complaints the caller may see, soonest due first, paginated; personal data masked.
    POST: register a complaint (agents, the CC system, the regulator and 银保信 platform feeds).

    box: todo (an open step is mine or my group's), all (default).
    """

    class FilterSerializer(serializers.Serializer):
        box = serializers.ChoiceField(choices=list(selectors.BOXES), required=False, default="all")
        status = serializers.ChoiceField(choices=Complaint.Status.choices, required=False)
        channel = serializers.ChoiceField(choices=Complaint.Channel.choices, required=False)
        org_unit = serializers.IntegerField(required=False, min_value=1, help_text="Responsible unit and its subtree")
        q = serializers.CharField(required=False, max_length=100, help_text="Part of the subject or the number")
        overdue = serializers.BooleanField(required=False, default=False, help_text="Only complaints past due")
        due_before = serializers.DateTimeField(required=False)
        received_from = serializers.DateField(required=False)
        received_to = serializers.DateField(required=False)
        business_category = serializers.IntegerField(required=False, min_value=1)
        cause_category = serializers.IntegerField(required=False, min_value=1)
        demand_category = serializers.IntegerField(required=False, min_value=1)
        root_cause = serializers.IntegerField(required=False, min_value=1)
        is_repeat = serializers.BooleanField(required=False, default=False, help_text="Only repeat complaints")
        is_major = serializers.BooleanField(
            required=False, default=False, help_text="Only 重大消费投诉 (Art. 29 of the Measures)"
        )
        is_group = serializers.BooleanField(
            required=False, default=False, help_text="Only the internal group / attention flag (not Art. 29)"
        )

    class InputSerializer(serializers.Serializer):
        channel = serializers.ChoiceField(choices=Complaint.Channel.choices)
        received_at = serializers.DateTimeField(help_text="When the complaint was received (the clock starts here)")
        complainant_name = serializers.CharField(max_length=100)
        complainant_id_number = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
        complainant_phone = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
        complainant_address = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
        relation = serializers.ChoiceField(choices=Complaint.Relation.choices, default=Complaint.Relation.SELF)
        consumer_name = serializers.CharField(
            max_length=100, required=False, allow_blank=True, default="", help_text="Required unless relation=self"
        )
        complainant_count = serializers.IntegerField(min_value=1, default=1)
        policy_number = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
        product_name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
        subject = serializers.CharField(max_length=200)
        content = serializers.CharField(max_length=20000)
        demand_text = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
        amount = serializers.DecimalField(
            max_digits=14, decimal_places=2, min_value=0, required=False, allow_null=True, default=None
        )
        media_attention = serializers.BooleanField(default=False)
        major_event = serializers.ChoiceField(
            choices=[("", "—"), *((k, str(v)) for k, v in rules.MAJOR_EVENTS.items())],
            required=False,
            default="",
            help_text="Art. 29 (1): arising from a major natural disaster, accident or public-health event",
        )
        org_unit = serializers.IntegerField(min_value=1, help_text="The responsible unit (in the caller's scope)")
        respondent_staff = serializers.IntegerField(min_value=1, required=False, allow_null=True, default=None)
        respondent_text = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
        business_category = serializers.IntegerField(min_value=1, required=False, allow_null=True, default=None)
        cause_category = serializers.IntegerField(min_value=1, required=False, allow_null=True, default=None)
        demand_category = serializers.IntegerField(min_value=1, required=False, allow_null=True, default=None)
        external_ref = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
        recording_ref = serializers.CharField(
            max_length=100, required=False, allow_blank=True, default="", help_text="面谈: the recording (Art. 7)"
        )
        files = serializers.ListField(
            child=serializers.FileField(),
            required=False,
            default=list,
            help_text="Material (multipart only); checked by content, not by name",
        )

    serializer_class = ComplaintOutput
    permission_classes = [IsAuthenticated, HasModelPermission]
    # the page's ids from the list index, then its rows (core/pagination.py): the same rows as a plain slice
    pagination_class = IdsFirstPagination
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @property
    def required_permission(self) -> str:
        return rules.ADD_PERMISSION if self.request.method == "POST" else VIEW_PERMISSION

    @extend_schema(parameters=[FilterSerializer], responses={200: ComplaintOutput(many=True), 403: REFUSALS[403]})
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        wanted = {k: v for k, v in filters.validated_data.items() if v not in (None, "", False)}
        now = timezone.now()
        page = self.paginate_queryset(selectors.complaints_visible_to(request.user, {**wanted, "now": now}))
        return self.get_paginated_response(ComplaintOutput(page, many=True, context={"now": now}).data)

    @extend_schema(
        request=InputSerializer,
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                required=False,
                description="1–100 visible ASCII characters (a UUID); required with token authentication "
                "(400 complaints.idempotency_key_required without it). The same key with the same body (every "
                "field and file) registers one complaint: 201 first, then 200 with it (header "
                "Idempotent-Replayed: true), racing requests included. The same key with any other body: 422 "
                "complaints.idempotency_key_reused.",
            )
        ],
        responses={
            201: ComplaintDetailOutput,
            200: OpenApiResponse(ComplaintDetailOutput, description="A repeated Idempotency-Key: the same complaint"),
            400: REFUSALS[400],
            403: REFUSALS[403],
            422: OpenApiResponse(description="complaints.idempotency_key_reused: the key came with another body"),
        },
    )
    @answered_in_transaction
    def post(self, request):
        key = _idempotency_key(request)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        given = data.validated_data
        complaint = services.register_from(
            given,
            actor=request.user,
            idempotency_key=key,
            # ids resolved in the caller's scope: another unit's person or a retired category is refused here
            org_unit=unit_in_scope(request.user, given["org_unit"], action="add"),
            respondent_staff=person_in_scope(request.user, given["respondent_staff"], field="respondent_staff"),
            business_category=category_by_id(given["business_category"], field="business_category"),
            cause_category=category_by_id(given["cause_category"], field="cause_category"),
            demand_category=category_by_id(given["demand_category"], field="demand_category"),
        )
        replayed = getattr(complaint, "replayed", False)
        response = detail_response(
            request,
            _complaint(request, complaint.pk),
            status_code=status.HTTP_200_OK if replayed else status.HTTP_201_CREATED,
        )
        response["Location"] = reverse("api-complaints-detail", args=[complaint.pk])
        if replayed:
            response["Idempotent-Replayed"] = "true"
        return response


class ComplaintDetailApi(_ViewPermission, APIView):
    """One complaint: masked personal data, extensions, its step and task version, what the caller may do,
    and the timeline."""

    serializer_class = ComplaintDetailOutput

    @extend_schema(responses={200: ComplaintDetailOutput, 404: REFUSALS[404]})
    def get(self, request, pk: int):
        return detail_response(request, _complaint(request, pk))


class ComplaintRevealApi(_ViewPermission, APIView):
    """查看: the clear value of one personal-data field; the reason and the look are audited (PIPL)."""

    class InputSerializer(serializers.Serializer):
        field = serializers.ChoiceField(choices=PERSONAL_FIELDS)
        reason = serializers.CharField(
            required=False, allow_blank=True, default="", help_text="Why you need it (required; up to 500 characters)"
        )

    class OutputSerializer(serializers.Serializer):
        field = serializers.CharField()
        value = serializers.CharField()

    serializer_class = InputSerializer

    @extend_schema(
        request=InputSerializer,
        responses={
            200: OutputSerializer,
            400: OpenApiResponse(description="reveal_reason_required, reveal_reason_too_long, or an unknown field"),
            403: REFUSALS[403],
            404: REFUSALS[404],
        },
    )
    @answered_in_transaction
    def post(self, request, pk: int):
        complaint = _complaint(request, pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        field = data.validated_data["field"]
        value = services.complaint_reveal(
            complaint=complaint,
            actor=request.user,
            field=field,
            reason=data.validated_data["reason"],
            ip_address=request.META.get("REMOTE_ADDR"),
        )
        response = Response(self.OutputSerializer({"field": field, "value": value}).data)
        response["Cache-Control"] = "no-store"  # the clear value is on this one response: no cache may keep it
        return response


urlpatterns = [
    path("", ComplaintListApi.as_view(), name="api-complaints-list"),
    path("<int:pk>/", ComplaintDetailApi.as_view(), name="api-complaints-detail"),
    path("<int:pk>/reveal/", ComplaintRevealApi.as_view(), name="api-complaints-reveal"),
    path("<int:pk>/accept/", ComplaintAcceptApi.as_view(), name="api-complaints-accept"),
    path("<int:pk>/assign/", ComplaintAssignApi.as_view(), name="api-complaints-assign"),
    path("<int:pk>/classify/", ComplaintClassifyApi.as_view(), name="api-complaints-classify"),
    path("<int:pk>/extend/", ComplaintExtendApi.as_view(), name="api-complaints-extend"),
    path("<int:pk>/decide/", ComplaintDecideApi.as_view(), name="api-complaints-decide"),
    path("<int:pk>/response/", ComplaintResponseApi.as_view(), name="api-complaints-response"),
    path("<int:pk>/reexamine/", ComplaintReexamineApi.as_view(), name="api-complaints-reexamine"),
    path("<int:pk>/revisit/", ComplaintRevisitApi.as_view(), name="api-complaints-revisit"),
    path("<int:pk>/close/", ComplaintCloseApi.as_view(), name="api-complaints-close"),
    path("<int:pk>/withdraw/", ComplaintWithdrawApi.as_view(), name="api-complaints-withdraw"),
    # the clock's actions and the 重大 designation (issue 17): api_clock.py
    *(path(f"<int:pk>/{action}/", view.as_view(), name=name) for action, view, name in CLOCK_ROUTES),
]
