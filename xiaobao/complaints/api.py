"""Complaint API (消费投诉): register (for the CC system and the platform feeds, with Idempotency-Key), list,
detail, the reveal of personal data, and the handling loop's actions.

Reads go through `complaints.selectors` (scoped to the caller: a complaint outside scope is 404), writes
through `complaints.services`, the same functions the pages call. A refusal is a BusinessRuleError (workflow
refusals are its WorkflowError subclass), so the project's exception handler answers {"error", "detail",
"fields"} with the refusal's own status: 400 a rule, 403 "you may not", 409 the complaint moved on
(complaints.wrong_step, complaints.closed) or someone acted first (workflow.stale_version).

Personal data leaves masked (PIPL). The clear value of one field comes only from POST …/reveal/ with a
reason, which core audits.

Idempotency (POST /api/v1/complaints/): a client may send `Idempotency-Key` (1–100 visible ASCII characters,
e.g. a UUID). Keys are the caller's own: the same key from the same account with the same body registers one
complaint — 201 the first time, then 200 with that complaint and `Idempotent-Replayed: true`. The same key
with a different body (another channel, receipt time, unit, subject, complainant or external reference) is
refused with 422 complaints.idempotency_key_reused (the IETF httpapi Idempotency-Key draft's answer) and
writes nothing. A retry racing the first request still finds one complaint (the service relies on the key's
unique index), answered 201 or 200.
"""

from __future__ import annotations

from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from xiaobao.complaints import error_codes as codes
from xiaobao.complaints import selectors, services
from xiaobao.complaints.models import Category, Complaint, Extension
from xiaobao.core import selectors as core_selectors
from xiaobao.core.api import HasModelPermission
from xiaobao.core.api_errors import BusinessRuleError
from xiaobao.core.masking import mask_field_value, mask_id_number, mask_name, mask_phone, mask_text
from xiaobao.core.models import User
from xiaobao.workflow import selectors as workflow_selectors
from xiaobao.workflow.api import TransitionOutput

VIEW_PERMISSION = "complaints.view_complaint"
ADD_PERMISSION = "complaints.add_complaint"
IDEMPOTENCY_KEY_MAX = 100
# What must match for a repeated key to be the same request (compared with the stored complaint).
IDEMPOTENT_FIELDS = ("channel", "received_at", "org_unit", "subject", "complainant_name", "external_ref")

REFUSALS = {
    400: OpenApiResponse(
        description="A refusal: {error, detail, fields}; `error` is a complaints.*, core.upload_* or reveal_* code"
    ),
    403: OpenApiResponse(
        description="permission_denied (no model permission), complaints.not_allowed, complaints.out_of_scope, "
        "complaints.conflict_of_interest (回避), or a workflow refusal (not the holder / not a candidate)"
    ),
    404: OpenApiResponse(description="No such complaint in the caller's scope"),
    409: OpenApiResponse(
        description="complaints.wrong_step (not at this step), complaints.closed (closed or withdrawn), "
        "workflow.stale_version (`version` is not the task's current one), workflow.task_closed"
    ),
}
ACTIONS = [
    "accept",
    "assign",
    "classify",
    "extend",
    "decide",
    "response",
    "reexamine",
    "revisit",
    "close",
    "withdraw",
]
MASKS = {
    "complainant_name": mask_name,
    "consumer_name": mask_name,
    "complainant_id_number": mask_id_number,
    "complainant_phone": mask_phone,
}
PERSONAL_FIELDS = [
    "complainant_name",
    "complainant_id_number",
    "complainant_phone",
    "complainant_address",
    "consumer_name",
]


def masked(field: str, value: str) -> str:
    return MASKS.get(field, lambda v: mask_field_value(field, v))(value) if value else ""


def _complaint(request, pk: int) -> Complaint:
    return selectors.get_complaint_for_user(request.user, pk)


class _ViewPermission:
    permission_classes = [IsAuthenticated, HasModelPermission]
    required_permission = VIEW_PERMISSION


# --- output shapes --------------------------------------------------------------------------------


class ComplaintUnitRefOutput(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


class ComplaintUserRefOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="__str__")


class ComplaintCategoryRefOutput(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


class ComplaintOutput(serializers.Serializer):
    """One complaint as a list row: personal data masked, free text with ID numbers and phones masked."""

    id = serializers.IntegerField()
    number = serializers.CharField(allow_null=True)
    channel = serializers.CharField(help_text="hotline | chatbot | video | counter | wechat | app | letter | …")
    channel_display = serializers.CharField(source="get_channel_display")
    external_ref = serializers.CharField(help_text="The source system's own number, if any")
    received_at = serializers.DateTimeField(help_text="When it was received: the statutory clock runs from here")
    registered_at = serializers.DateTimeField()
    complainant_name = serializers.SerializerMethodField(help_text="Masked (张**); POST reveal/ for the clear value")
    complainant_phone = serializers.SerializerMethodField(help_text="Masked (138****5678)")
    subject = serializers.SerializerMethodField()
    status = serializers.CharField(help_text="registered | accepted | handling | replied | reexamining | …")
    status_display = serializers.CharField(source="get_status_display")
    org_unit = ComplaintUnitRefOutput(help_text="The responsible unit")
    handler = ComplaintUserRefOutput(allow_null=True)
    due_at = serializers.DateTimeField(help_text="Decision deadline (Art. 20), extensions included")
    due_provisional = serializers.BooleanField(help_text="The deadline reaches a year with no holiday data yet")
    overdue = serializers.SerializerMethodField()
    extension_level = serializers.IntegerField(help_text="0 none, 1 extended to 30 days, 2 a further 30 days")
    is_repeat = serializers.BooleanField()
    is_major = serializers.BooleanField(help_text="Major or collective (重大/群体性): escalated to head office")
    media_attention = serializers.BooleanField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)

    def get_complainant_name(self, complaint) -> str:
        return masked("complainant_name", complaint.complainant_name)

    def get_complainant_phone(self, complaint) -> str:
        return masked("complainant_phone", complaint.complainant_phone)

    def get_subject(self, complaint) -> str:
        return mask_text(complaint.subject)

    def get_overdue(self, complaint) -> bool:
        """Past the deadline while the decision is not yet told."""
        now = self.context.get("now") or timezone.now()
        return complaint.status in Complaint.CLOCK_STATUSES and complaint.due_at < now


class ComplaintExtensionOutput(serializers.Serializer):
    level = serializers.IntegerField(help_text="1 complex (to 30 days), 2 especially complex (a further 30)")
    level_display = serializers.CharField(source="get_level_display")
    reason = serializers.CharField()
    requested_by = ComplaintUserRefOutput()
    approved_by = ComplaintUserRefOutput()
    approved_at = serializers.DateTimeField()
    notice_method = serializers.CharField(help_text="How the complainant was told")
    noticed_at = serializers.DateTimeField()
    previous_due_at = serializers.DateTimeField()
    new_due_at = serializers.DateTimeField()


class ComplaintStepOutput(serializers.Serializer):
    """The workflow task the complaint waits at. Send its `version` with the action to guard against a stale page."""

    task = serializers.IntegerField(source="pk")
    element_id = serializers.CharField(help_text="accept | assign | handle | response | reexamine_* | revisit | close")
    name = serializers.CharField()
    version = serializers.IntegerField()
    assignee = ComplaintUserRefOutput(allow_null=True)
    candidate_role = serializers.CharField(source="candidate_role.code", default=None, allow_null=True)
    due_at = serializers.DateTimeField(allow_null=True)
    due_provisional = serializers.BooleanField()


class ComplaintDetailOutput(ComplaintOutput):
    """One complaint with everything its page shows (personal data masked)."""

    complainant_id_number = serializers.SerializerMethodField(help_text="Masked (110***********1234)")
    complainant_address = serializers.SerializerMethodField(help_text="Masked")
    consumer_name = serializers.SerializerMethodField(help_text="Masked; set when an agent or heir complains")
    relation = serializers.CharField(help_text="self | agent | heir | guardian (Art. 14)")
    complainant_count = serializers.IntegerField()
    policy_number = serializers.CharField()
    product_name = serializers.CharField()
    content = serializers.SerializerMethodField()
    demand_text = serializers.SerializerMethodField()
    respondent_staff = ComplaintUserRefOutput(allow_null=True, help_text="The staff member complained about (回避)")
    respondent_text = serializers.CharField()
    business_category = ComplaintCategoryRefOutput(allow_null=True)
    cause_category = ComplaintCategoryRefOutput(allow_null=True)
    demand_category = ComplaintCategoryRefOutput(allow_null=True)
    complexity = serializers.CharField(help_text="simple | complex | special")
    accepted_at = serializers.DateTimeField(allow_null=True)
    decision = serializers.CharField()
    decided_at = serializers.DateTimeField(allow_null=True, help_text="When the decision was told")
    reply_method = serializers.CharField()
    remedies_told = serializers.BooleanField(help_text="The decision told the remedies (核查, mediation, …)")
    satisfied = serializers.BooleanField(allow_null=True)
    reexamine_requested_at = serializers.DateTimeField(allow_null=True)
    reexamine_due_at = serializers.DateTimeField(allow_null=True)
    reexamine_conclusion = serializers.CharField()
    revisit_at = serializers.DateTimeField(allow_null=True)
    revisit_result = serializers.CharField()
    closed_at = serializers.DateTimeField(allow_null=True)
    withdrawn_at = serializers.DateTimeField(allow_null=True)
    withdraw_reason = serializers.CharField()
    root_cause = ComplaintCategoryRefOutput(allow_null=True)
    root_cause_note = serializers.CharField()
    rectification_order_id = serializers.IntegerField(allow_null=True, help_text="The rectification work order")
    repeat_of = serializers.IntegerField(source="repeat_of_id", allow_null=True)
    major_reasons = serializers.ListField(child=serializers.CharField())
    supervised_at = serializers.DateTimeField(allow_null=True)
    extensions = serializers.SerializerMethodField()
    step = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField()
    timeline = serializers.SerializerMethodField()

    def get_complainant_id_number(self, complaint) -> str:
        return masked("complainant_id_number", complaint.complainant_id_number)

    def get_complainant_address(self, complaint) -> str:
        return masked("complainant_address", complaint.complainant_address)

    def get_consumer_name(self, complaint) -> str:
        return masked("consumer_name", complaint.consumer_name)

    def get_content(self, complaint) -> str:
        return mask_text(complaint.content)

    def get_demand_text(self, complaint) -> str:
        return mask_text(complaint.demand_text)

    @extend_schema_field(ComplaintExtensionOutput(many=True))
    def get_extensions(self, complaint):
        return ComplaintExtensionOutput(self.context.get("extensions", []), many=True).data

    @extend_schema_field(ComplaintStepOutput(allow_null=True))
    def get_step(self, complaint):
        task = self.context.get("task")
        return ComplaintStepOutput(task).data if task else None

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_actions(self, complaint):
        """The action endpoints the caller may use now (the services decide again when called)."""
        return self.context.get("actions", [])

    @extend_schema_field(TransitionOutput(many=True))
    def get_timeline(self, complaint):
        return TransitionOutput(self.context.get("timeline", []), many=True).data


def _may_write(user, complaint: Complaint) -> bool:
    from xiaobao.core.scope import scope_for

    return user.has_perm("complaints.change_complaint") and scope_for(user, "change").covers(complaint.org_unit.path)


# Which action endpoint belongs to which user task of processes/complaint.bpmn.
STEP_ACTIONS = {
    "accept": "accept",
    "assign": "assign",
    "handle": "decide",
    "response": "response",
    "reexamine_hq": "reexamine",
    "reexamine_branch": "reexamine",
    "revisit": "revisit",
    "close": "close",
}


def _actions(user, complaint: Complaint, task) -> list[str]:
    """What the caller may try now: the step's own action if the task is theirs, and the step-free ones."""
    write = complaint.is_open and _may_write(user, complaint)
    found = []
    if task is not None and task.element_id in STEP_ACTIONS and workflow_selectors.may_act(user, task):
        found.append(STEP_ACTIONS[task.element_id])
    if write and complaint.status != Complaint.Status.REGISTERED:
        found.append("classify")
    if write and complaint.status in Complaint.CLOCK_STATUSES and complaint.extension_level < 2:
        found.append("extend")
    if write:
        found.append("withdraw")
    return sorted(found, key=ACTIONS.index)


def _detail(request, complaint: Complaint, *, status_code: int = status.HTTP_200_OK) -> Response:
    task = selectors.open_task(complaint)
    context = {
        "request": request,
        "now": timezone.now(),
        "task": task,
        "actions": _actions(request.user, complaint, task),
        "extensions": selectors.extensions(complaint),
        "timeline": selectors.timeline(request.user, complaint),
    }
    return Response(ComplaintDetailOutput(complaint, context=context).data, status=status_code)


def _refused(code: str, field: str, message: str) -> BusinessRuleError:
    return BusinessRuleError(code, message, fields={field: [code]})


def _unit(user, pk: int | None, *, action: str, field: str = "org_unit"):
    """A unit in the caller's scope for `action`; an id outside it is unknown (400), so nothing is revealed."""
    if pk is None:
        return None
    found = core_selectors.org_units_visible_to(user, action=action).filter(pk=pk).first()
    if found is None:
        raise _refused(codes.INVALID, field, _("找不到该机构，或不在您的范围内。"))
    return found


def _person(user, pk: int | None, *, field: str):
    if pk is None:
        return None
    found = core_selectors.users_visible_to(user).filter(pk=pk).first()
    if found is None:
        raise _refused(codes.INVALID, field, _("找不到该人员，或不在您的范围内。"))
    return found


def _category(pk: int | None, *, field: str):
    """A code-table entry by id; whether it is current, active and of the right dimension is the service's rule."""
    if pk is None:
        return None
    found = Category.objects.filter(pk=pk).first()
    if found is None:
        raise _refused(codes.BAD_CATEGORY, field, _("找不到该分类代码。"))
    return found


# --- list and register ----------------------------------------------------------------------------


def _idempotency_key(request) -> str | None:
    raw = request.headers.get("Idempotency-Key")
    if raw is None:
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


def _same_request(complaint: Complaint, given: dict, org_unit) -> bool:
    theirs = {
        "channel": complaint.channel,
        "received_at": complaint.received_at,
        "org_unit": complaint.org_unit_id,
        "subject": complaint.subject.strip(),
        "complainant_name": (complaint.complainant_name or "").strip(),
        "external_ref": complaint.external_ref.strip(),
    }
    ours = {
        "channel": given["channel"],
        "received_at": given["received_at"],
        "org_unit": org_unit.pk,
        "subject": given["subject"].strip(),
        "complainant_name": given["complainant_name"].strip(),
        "external_ref": given["external_ref"].strip()[:64],
    }
    return all(theirs[name] == ours[name] for name in IDEMPOTENT_FIELDS)


def _registered_with(key: str) -> Complaint | None:
    """The complaint this caller already registered under `key` (the key is namespaced by the caller, so this
    finds only their own; what they may see of it now is still decided by the selector)."""
    return Complaint.objects.filter(idempotency_key=key).first()


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
        is_major = serializers.BooleanField(required=False, default=False, help_text="Only major ones")

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
        org_unit = serializers.IntegerField(min_value=1, help_text="The responsible unit (in the caller's scope)")
        respondent_staff = serializers.IntegerField(min_value=1, required=False, allow_null=True, default=None)
        respondent_text = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
        business_category = serializers.IntegerField(min_value=1, required=False, allow_null=True, default=None)
        cause_category = serializers.IntegerField(min_value=1, required=False, allow_null=True, default=None)
        demand_category = serializers.IntegerField(min_value=1, required=False, allow_null=True, default=None)
        external_ref = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
        files = serializers.ListField(
            child=serializers.FileField(),
            required=False,
            default=list,
            help_text="Material (multipart only); checked by content, not by name",
        )

    serializer_class = ComplaintOutput
    permission_classes = [IsAuthenticated, HasModelPermission]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @property
    def required_permission(self) -> str:
        return ADD_PERMISSION if self.request.method == "POST" else VIEW_PERMISSION

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
                description="Optional; 1–100 visible ASCII characters (a UUID). The same key with the same body "
                "registers one complaint: 201 first, then 200 with it (header Idempotent-Replayed: true). "
                "The same key with a different body: 422 complaints.idempotency_key_reused.",
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
    def post(self, request):
        key = _idempotency_key(request)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        given = data.validated_data
        org_unit = _unit(request.user, given["org_unit"], action="add")
        if key:
            existing = _registered_with(key)
            if existing is not None:
                return self._replay(request, existing, given, org_unit)
        complaint = services.complaint_register(
            actor=request.user,
            channel=given["channel"],
            received_at=given["received_at"],
            complainant_name=given["complainant_name"],
            complainant_id_number=given["complainant_id_number"],
            complainant_phone=given["complainant_phone"],
            complainant_address=given["complainant_address"],
            relation=given["relation"],
            consumer_name=given["consumer_name"],
            complainant_count=given["complainant_count"],
            policy_number=given["policy_number"],
            product_name=given["product_name"],
            subject=given["subject"],
            content=given["content"],
            demand_text=given["demand_text"],
            amount=given["amount"],
            media_attention=given["media_attention"],
            org_unit=org_unit,
            respondent_staff=_person(request.user, given["respondent_staff"], field="respondent_staff"),
            respondent_text=given["respondent_text"],
            business_category=_category(given["business_category"], field="business_category"),
            cause_category=_category(given["cause_category"], field="cause_category"),
            demand_category=_category(given["demand_category"], field="demand_category"),
            external_ref=given["external_ref"],
            idempotency_key=key,
            files=given["files"],
        )
        if key and not _same_request(complaint, given, org_unit):
            # A request with this key and another body won the race: that one stands, this one is refused.
            raise self._reused()
        response = _detail(request, _complaint(request, complaint.pk), status_code=status.HTTP_201_CREATED)
        response["Location"] = reverse("api-complaints-detail", args=[complaint.pk])
        return response

    def _replay(self, request, existing: Complaint, given: dict, org_unit) -> Response:
        if not _same_request(existing, given, org_unit):
            raise self._reused()
        response = _detail(request, _complaint(request, existing.pk))
        response["Location"] = reverse("api-complaints-detail", args=[existing.pk])
        response["Idempotent-Replayed"] = "true"
        return response

    @staticmethod
    def _reused() -> BusinessRuleError:
        return BusinessRuleError(
            codes.IDEMPOTENCY_KEY_REUSED,
            _("该 Idempotency-Key 已用于另一份不同内容的投诉登记，请使用新的 Key。"),
            fields={"Idempotency-Key": [codes.IDEMPOTENCY_KEY_REUSED]},
            status_code=422,
        )


class ComplaintDetailApi(_ViewPermission, APIView):
    """One complaint: masked personal data, extensions, its step and task version, what the caller may do,
    and the timeline."""

    serializer_class = ComplaintDetailOutput

    @extend_schema(responses={200: ComplaintDetailOutput, 404: REFUSALS[404]})
    def get(self, request, pk: int):
        return _detail(request, _complaint(request, pk))


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


# --- the loop's actions ---------------------------------------------------------------------------


class ComplaintVersionInput(serializers.Serializer):
    version = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        help_text="The step's task version the caller saw (detail `step.version`); a stale one is a 409",
    )


class _ActionApi(_ViewPermission, APIView):
    """Shared shape of the actions: find the complaint in scope (else 404), validate, call one service, answer
    the complaint as its detail. `InputSerializer` and `act` are each action's own."""

    InputSerializer = ComplaintVersionInput
    serializer_class = ComplaintVersionInput

    def act(self, request, complaint: Complaint, data: dict) -> None:  # pragma: no cover - each action overrides
        raise NotImplementedError

    def post(self, request, pk: int):
        complaint = _complaint(request, pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        self.act(request, complaint, data.validated_data)
        return _detail(request, _complaint(request, pk))


def _action_schema(input_serializer, summary: str, description: str = ""):
    return extend_schema(
        request=input_serializer,
        responses={200: ComplaintDetailOutput, **REFUSALS},
        summary=summary,
        description=description,
    )


class ComplaintAcceptApi(_ActionApi):
    @_action_schema(ComplaintVersionInput, "Accept the complaint (受理)", "The responsible unit's officer.")
    def post(self, request, pk: int):
        return super().post(request, pk)

    def act(self, request, complaint, data):
        services.complaint_accept(complaint=complaint, actor=request.user, expected_version=data.get("version"))


class ComplaintAssignApi(_ActionApi):
    class InputSerializer(ComplaintVersionInput):
        org_unit = serializers.IntegerField(
            min_value=1, required=False, allow_null=True, default=None, help_text="Move it to this unit"
        )
        handler = serializers.IntegerField(
            min_value=1, required=False, allow_null=True, default=None, help_text="The person who handles it"
        )

    serializer_class = InputSerializer

    @_action_schema(
        InputSerializer,
        "Assign the handler (分派)",
        "The person complained about may not handle it (回避: complaints.conflict_of_interest).",
    )
    def post(self, request, pk: int):
        return super().post(request, pk)

    def act(self, request, complaint, data):
        services.complaint_assign(
            complaint=complaint,
            actor=request.user,
            org_unit=_unit(request.user, data["org_unit"], action="change"),
            handler=_person(request.user, data["handler"], field="handler"),
            expected_version=data.get("version"),
        )


class ComplaintClassifyApi(_ActionApi):
    class InputSerializer(serializers.Serializer):
        business_category = serializers.IntegerField(min_value=1, help_text="业务/产品类别 (current code table)")
        cause_category = serializers.IntegerField(min_value=1, help_text="投诉原因")
        demand_category = serializers.IntegerField(min_value=1, help_text="投诉诉求")

    serializer_class = InputSerializer

    @_action_schema(InputSerializer, "Classify on the current code table (分类)")
    def post(self, request, pk: int):
        return super().post(request, pk)

    def act(self, request, complaint, data):
        services.complaint_classify(
            complaint=complaint,
            actor=request.user,
            business_category=_category(data["business_category"], field="business_category"),
            cause_category=_category(data["cause_category"], field="cause_category"),
            demand_category=_category(data["demand_category"], field="demand_category"),
        )


class ComplaintExtendApi(_ActionApi):
    class InputSerializer(serializers.Serializer):
        level = serializers.ChoiceField(
            choices=Extension.Level.choices, help_text="1: to 30 days; 2: a further 30 days (approved higher up)"
        )
        reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
        approver = serializers.IntegerField(min_value=1, required=False, allow_null=True, default=None)
        notice_method = serializers.CharField(
            required=False, allow_blank=True, default="", max_length=50, help_text="How the complainant was told"
        )

    serializer_class = InputSerializer

    @_action_schema(
        InputSerializer,
        "Extend the decision deadline (延期, Art. 20)",
        "Level 2 needs the approval of the higher-level unit or head-office senior management.",
    )
    def post(self, request, pk: int):
        return super().post(request, pk)

    def act(self, request, complaint, data):
        approver = None
        if data["approver"] is not None:
            # Level 2 is approved above the caller's reach; whether this person may approve is the service's rule.
            approver = User.objects.filter(pk=data["approver"], is_active=True).first()
            if approver is None:
                raise _refused(codes.APPROVER_REQUIRED, "approver", _("找不到该审批人。"))
        services.complaint_extend(
            complaint=complaint,
            actor=request.user,
            level=int(data["level"]),
            reason=data["reason"],
            approver=approver,
            notice_method=data["notice_method"],
        )


class ComplaintDecideApi(_ActionApi):
    class InputSerializer(ComplaintVersionInput):
        decision = serializers.CharField(required=False, allow_blank=True, default="", max_length=20000)
        reply_method = serializers.CharField(required=False, allow_blank=True, default="", max_length=50)
        remedies_told = serializers.BooleanField(
            default=False, help_text="The complainant was told of 核查, mediation, arbitration and litigation"
        )

    serializer_class = InputSerializer

    @_action_schema(InputSerializer, "Record the decision told to the complainant (处理决定)")
    def post(self, request, pk: int):
        return super().post(request, pk)

    def act(self, request, complaint, data):
        services.complaint_decide(
            complaint=complaint,
            actor=request.user,
            decision=data["decision"],
            reply_method=data["reply_method"],
            remedies_told=data["remedies_told"],
            expected_version=data.get("version"),
        )


class ComplaintResponseApi(_ActionApi):
    class InputSerializer(serializers.Serializer):
        satisfied = serializers.BooleanField()
        reexamine = serializers.BooleanField(default=False, help_text="The complainant asks for 核查")
        note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)

    serializer_class = InputSerializer

    @_action_schema(InputSerializer, "Record the complainant's response to the decision")
    def post(self, request, pk: int):
        return super().post(request, pk)

    def act(self, request, complaint, data):
        services.complaint_record_response(
            complaint=complaint,
            actor=request.user,
            satisfied=data["satisfied"],
            reexamine=data["reexamine"],
            note=data["note"],
        )


class ComplaintReexamineApi(_ActionApi):
    class InputSerializer(serializers.Serializer):
        conclusion = serializers.CharField(required=False, allow_blank=True, default="", max_length=20000)
        upheld = serializers.BooleanField(help_text="The decision is upheld")

    serializer_class = InputSerializer

    @_action_schema(InputSerializer, "Record the 核查 conclusion (the higher-level unit)")
    def post(self, request, pk: int):
        return super().post(request, pk)

    def act(self, request, complaint, data):
        services.complaint_reexamine(
            complaint=complaint, actor=request.user, conclusion=data["conclusion"], upheld=data["upheld"]
        )


class ComplaintRevisitApi(_ActionApi):
    class InputSerializer(serializers.Serializer):
        result = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)

    serializer_class = InputSerializer

    @_action_schema(InputSerializer, "Record the 回访 (revisit) result")
    def post(self, request, pk: int):
        return super().post(request, pk)

    def act(self, request, complaint, data):
        services.complaint_revisit(complaint=complaint, actor=request.user, result=data["result"])


class ComplaintCloseApi(_ActionApi):
    class InputSerializer(serializers.Serializer):
        root_cause = serializers.IntegerField(min_value=1, required=False, allow_null=True, default=None)
        root_cause_note = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)

    serializer_class = InputSerializer

    @_action_schema(
        InputSerializer,
        "Close with the root cause (办结, 溯源整改)",
        "Refused unless classified (complaints.not_classified) and with a root cause.",
    )
    def post(self, request, pk: int):
        return super().post(request, pk)

    def act(self, request, complaint, data):
        services.complaint_close(
            complaint=complaint,
            actor=request.user,
            root_cause=_category(data["root_cause"], field="root_cause"),
            root_cause_note=data["root_cause_note"],
        )


class ComplaintWithdrawApi(_ActionApi):
    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)

    serializer_class = InputSerializer

    @_action_schema(
        InputSerializer, "Record the complainant's withdrawal (撤回, Art. 15)", "Handling ends the day it arrives."
    )
    def post(self, request, pk: int):
        return super().post(request, pk)

    def act(self, request, complaint, data):
        services.complaint_withdraw(complaint=complaint, actor=request.user, reason=data["reason"])


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
]
