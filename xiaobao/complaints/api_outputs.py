"""Complaint API output shapes (personal data masked, PIPL), what the caller may do now, the detail answer and
the refusals the endpoints document: shared by the list and detail endpoints (api.py), the actions
(api_actions.py) and, for the masking, the pages.
"""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response

from xiaobao.complaints import selectors
from xiaobao.complaints.models import Complaint
from xiaobao.complaints.rules import CHANGE_PERMISSION
from xiaobao.core.masking import mask_field_value, mask_id_number, mask_name, mask_phone, mask_text
from xiaobao.core.scope import scope_for
from xiaobao.workflow import selectors as workflow_selectors
from xiaobao.workflow.api import TransitionOutput

VIEW_PERMISSION = selectors.VIEW_PERMISSION

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
    # the clock (第十八条, 第二十三条) and the regulator's 重大 designation (第二十九条): api_clock.py
    "clock-stop",
    "clock-resume",
    "new-facts",
    "decline",
    "designate-major",
]
MASKS = {
    "complainant_name": mask_name,
    "consumer_name": mask_name,
    "complainant_id_number": mask_id_number,
    "complainant_phone": mask_phone,
}


def masked(field: str, value: str) -> str:
    """A personal-data value as the API and every page show it until revealed."""
    return MASKS.get(field, lambda v: mask_field_value(field, v))(value) if value else ""


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


class ChoiceLabel(serializers.CharField):
    """A choice field's label (read-only), as get_<field>_display gives it, for a value of `choices`. Django's
    get_<field>_display translates every choice of the field on each call (it hashes the lazy labels): 1,100
    translations for a page of 50 complaints; this looks one label up."""

    def __init__(self, choices, **kwargs):
        super().__init__(read_only=True, **kwargs)
        self.labels = dict(choices)

    def to_representation(self, value):
        return str(self.labels.get(value, value))


class ComplaintOutput(serializers.Serializer):
    """One complaint as a list row: personal data masked, free text with ID numbers and phones masked."""

    id = serializers.IntegerField()
    number = serializers.CharField(allow_null=True)
    channel = serializers.CharField(help_text="hotline | chatbot | video | counter | wechat | app | letter | …")
    channel_display = ChoiceLabel(Complaint.Channel.choices, source="channel")
    external_ref = serializers.CharField(help_text="The source system's own number, if any")
    received_at = serializers.DateTimeField(help_text="When it was received: the statutory clock runs from here")
    registered_at = serializers.DateTimeField()
    complainant_name = serializers.SerializerMethodField(help_text="Masked (张**); POST reveal/ for the clear value")
    complainant_phone = serializers.SerializerMethodField(help_text="Masked (138****5678)")
    subject = serializers.SerializerMethodField()
    status = serializers.CharField(help_text="registered | accepted | handling | replied | reexamining | …")
    status_display = ChoiceLabel(Complaint.Status.choices, source="status")
    org_unit = ComplaintUnitRefOutput(help_text="The responsible unit")
    handler = ComplaintUserRefOutput(allow_null=True)
    due_at = serializers.DateTimeField(help_text="Decision deadline (Art. 18), extensions included")
    due_provisional = serializers.BooleanField(help_text="The deadline reaches a year with no holiday data yet")
    overdue = serializers.SerializerMethodField()
    extension_level = serializers.IntegerField(help_text="0 none, 1 extended to 30 days, 2 a further 30 days")
    is_repeat = serializers.BooleanField()
    is_major = serializers.BooleanField(help_text="重大消费投诉 (Art. 29): reported to head office at once")
    is_group = serializers.BooleanField(help_text="The internal group / attention flag (5+ complainants…), not Art. 29")
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


class ComplaintClockEventOutput(serializers.Serializer):
    """One stop, restart or 不予办理 of the statutory clock (第十八条, 第二十三条), as the page's timeline shows it."""

    id = serializers.IntegerField()
    kind = serializers.CharField(help_text="mediation | appraisal | new_facts | declined")
    kind_display = serializers.CharField(source="get_kind_display")
    started_at = serializers.DateTimeField(help_text="When it happened or arrived (not when it was entered)")
    ended_at = serializers.DateTimeField(allow_null=True, help_text="A stop's end; null while the clock stands still")
    reason = serializers.CharField()
    evidence = serializers.CharField()
    notice_method = serializers.CharField(help_text="How the complainant was told")
    recorded_by = ComplaintUserRefOutput()
    recorded_at = serializers.DateTimeField()
    ended_by = ComplaintUserRefOutput(allow_null=True)
    end_recorded_at = serializers.DateTimeField(allow_null=True)
    end_evidence = serializers.CharField()
    due_before = serializers.DateTimeField(help_text="The deadline in force before the event")
    due_after = serializers.DateTimeField(allow_null=True, help_text="After it; null while the clock stands still")


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
    clock_paused_since = serializers.DateTimeField(
        allow_null=True, help_text="The clock stands still since (mediation, outside appraisal); due_at waits"
    )
    extensions = serializers.SerializerMethodField()
    clock_events = serializers.SerializerMethodField()
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

    @extend_schema_field(ComplaintClockEventOutput(many=True))
    def get_clock_events(self, complaint):
        return ComplaintClockEventOutput(self.context.get("clock_events", []), many=True).data

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


def may_write(user, complaint: Complaint) -> bool:
    """Whether the user works on this complaint's unit at all (the services decide each action again)."""
    return user.has_perm(CHANGE_PERMISSION) and scope_for(user, "change").covers(complaint.org_unit.path)


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


def actions_for(user, complaint: Complaint, task) -> list[str]:
    """What the caller may try now: the step's own action if the task is theirs, and the step-free ones."""
    write = complaint.is_open and may_write(user, complaint)
    found = []
    if task is not None and task.element_id in STEP_ACTIONS and workflow_selectors.may_act(user, task):
        found.append(STEP_ACTIONS[task.element_id])
    if write and complaint.status != Complaint.Status.REGISTERED:
        found.append("classify")
    if write and complaint.status in Complaint.CLOCK_STATUSES and complaint.extension_level < 2:
        found.append("extend")
    if write:
        found.append("withdraw")
    if write and complaint.status in Complaint.CLOCK_STATUSES:
        found += ["clock-stop", "new-facts", "decline"]
        if complaint.clock_paused_since is not None:
            found.append("clock-resume")
    if write and not complaint.is_major:
        found.append("designate-major")
    return sorted(found, key=ACTIONS.index)


def detail_response(request, complaint: Complaint, *, status_code: int = status.HTTP_200_OK) -> Response:
    """The complaint as its detail (personal data masked), with what the caller may do now."""
    task = selectors.open_task(complaint)
    context = {
        "request": request,
        "now": timezone.now(),
        "task": task,
        "actions": actions_for(request.user, complaint, task),
        "extensions": selectors.extensions(complaint),
        "clock_events": selectors.clock_events(complaint),
        "timeline": selectors.timeline(request.user, complaint),
    }
    return Response(ComplaintDetailOutput(complaint, context=context).data, status=status_code)
