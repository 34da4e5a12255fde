"""Work order API output shapes, shared by the list, detail and action endpoints of `api.py`."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from xiaobao.ui.api_outputs import UnitRefOutput, UserRefOutput
from xiaobao.workflow.api import TransitionOutput
from xiaobao.workorders.models import WorkOrder

# Which action endpoints belong to which step of processes/workorder.bpmn.
STEP_ACTIONS = {"accept": ["accept", "refuse"], "refused": ["refusal"], "handle": ["feedback"], "review": ["review"]}
ACTIONS = ["accept", "refuse", "refusal", "feedback", "review", "cancel"]


class BatchProgressOutput(serializers.Serializer):
    """A batch's roll-up over its per-unit orders."""

    total = serializers.IntegerField()
    done = serializers.IntegerField(help_text="Children closed (accepted by the issuer)")
    overdue = serializers.IntegerField(help_text="Children past due and not yet reported back")
    percent = serializers.IntegerField()


class BatchProgressDetailOutput(BatchProgressOutput):
    cancelled = serializers.IntegerField()
    supervised = serializers.IntegerField(help_text="Children under 督办 (supervised or escalated)")
    by_status = serializers.DictField(child=serializers.IntegerField(), help_text="Children per status code")


class WorkOrderOutput(serializers.Serializer):
    """One order as a list row. Every field comes from the list selector's joins (no query per row)."""

    id = serializers.IntegerField()
    number = serializers.CharField(allow_null=True)
    title = serializers.CharField()
    kind = serializers.ChoiceField(choices=WorkOrder.Kind.choices)
    kind_display = serializers.CharField(source="get_kind_display")
    priority = serializers.ChoiceField(choices=WorkOrder.Priority.choices)
    priority_display = serializers.CharField(source="get_priority_display")
    status = serializers.ChoiceField(choices=WorkOrder.Status.choices)
    status_display = serializers.CharField(source="get_status_display")
    is_batch = serializers.BooleanField(help_text="A batch parent: its per-unit orders are its children")
    parent = serializers.IntegerField(source="parent_id", allow_null=True, help_text="The batch this order belongs to")
    org_unit = UnitRefOutput(help_text="The recipient unit (for a batch parent: the issuing unit)")
    issuer = UserRefOutput(allow_null=True)
    issuer_unit = UnitRefOutput()
    recipient_user = UserRefOutput(allow_null=True, help_text="The person it was sent to, if one was named")
    handler = UserRefOutput(allow_null=True, help_text="Who accepted it and handles it")
    due_at = serializers.DateTimeField()
    due_days = serializers.IntegerField(allow_null=True)
    day_unit = serializers.ChoiceField(choices=WorkOrder.DayUnit.choices)
    due_provisional = serializers.BooleanField(help_text="The deadline reaches a year with no holiday data yet")
    overdue = serializers.SerializerMethodField()
    supervision = serializers.ChoiceField(choices=WorkOrder.Supervision.choices)
    supervision_display = serializers.CharField(source="get_supervision_display")
    return_count = serializers.IntegerField(help_text="Times the issuer returned the report")
    created_at = serializers.DateTimeField()
    accepted_at = serializers.DateTimeField(allow_null=True)
    submitted_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    progress = serializers.SerializerMethodField()

    def get_overdue(self, order) -> bool:
        """Past due while the recipient has not reported back."""
        now = self.context.get("now") or timezone.now()
        return order.status in WorkOrder.RECIPIENT_STATUSES and order.due_at < now

    @extend_schema_field(BatchProgressOutput(allow_null=True))
    def get_progress(self, order):
        found = self.context.get("progress", {}).get(order.pk)
        return BatchProgressOutput(found).data if found else None


class FeedbackOutput(serializers.Serializer):
    round = serializers.IntegerField()
    text = serializers.CharField()
    submitted_by = UserRefOutput()
    submitted_at = serializers.DateTimeField()
    reviewed_by = UserRefOutput(allow_null=True)
    reviewed_at = serializers.DateTimeField(allow_null=True)
    approved = serializers.BooleanField(allow_null=True, help_text="null until the issuer reviews this report")
    review_comment = serializers.CharField()


class AttachmentOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField(help_text="What the bytes are (pdf, png, docx…), detected at upload")
    mime = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    purpose = serializers.CharField(help_text="material (the issuer's) or evidence:<round>")
    round = serializers.SerializerMethodField()
    uploaded_by = UserRefOutput(allow_null=True)
    uploaded_at = serializers.DateTimeField()
    download_url = serializers.SerializerMethodField()

    def get_round(self, attachment) -> int | None:
        """The feedback round this file is evidence for, or null for the issuer's material."""
        kind, _sep, number = attachment.purpose.partition(":")
        return int(number) if kind == "evidence" and number.isdigit() else None

    def get_download_url(self, attachment) -> str:
        url = reverse("api-workorders-download", args=[self.context["order"].pk, attachment.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


class StepOutput(serializers.Serializer):
    """The workflow task the order waits at. Send its `version` with the action to guard against a stale page."""

    task = serializers.IntegerField(source="pk")
    element_id = serializers.ChoiceField(choices=list(STEP_ACTIONS), help_text="accept | refused | handle | review")
    name = serializers.CharField()
    version = serializers.IntegerField()
    assignee = UserRefOutput(allow_null=True)
    candidate_role = serializers.CharField(source="candidate_role.code", default=None, allow_null=True)
    due_at = serializers.DateTimeField(allow_null=True)
    due_provisional = serializers.BooleanField()


class WorkOrderDetailOutput(WorkOrderOutput):
    """One order with everything its page shows."""

    content = serializers.CharField()
    refuse_reason = serializers.CharField()
    feedback = serializers.CharField(help_text="The latest report back")
    source_label = serializers.CharField(help_text="What caused this order (a complaint, a review…), if anything")
    source_url = serializers.CharField()
    supervised_at = serializers.DateTimeField(allow_null=True)
    escalated_at = serializers.DateTimeField(allow_null=True)
    step = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField()
    feedbacks = serializers.SerializerMethodField()
    attachments = serializers.SerializerMethodField()
    children = serializers.SerializerMethodField()
    timeline = serializers.SerializerMethodField()

    @extend_schema_field(BatchProgressDetailOutput(allow_null=True))
    def get_progress(self, order):
        found = self.context.get("progress")
        return BatchProgressDetailOutput(found).data if found else None

    @extend_schema_field(StepOutput(allow_null=True))
    def get_step(self, order):
        task = self.context.get("task")
        return StepOutput(task).data if task else None

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=ACTIONS)))
    def get_actions(self, order):
        """The action endpoints the caller may use now (the services decide again when called)."""
        return self.context.get("actions", [])

    @extend_schema_field(FeedbackOutput(many=True))
    def get_feedbacks(self, order):
        return FeedbackOutput(self.context.get("feedbacks", []), many=True).data

    @extend_schema_field(AttachmentOutput(many=True))
    def get_attachments(self, order):
        return AttachmentOutput(self.context.get("attachments", []), many=True, context=self.context).data

    @extend_schema_field(WorkOrderOutput(many=True, allow_null=True))
    def get_children(self, order):
        """A batch's per-unit orders the caller may see; null for a single order."""
        children = self.context.get("children")
        if children is None:
            return None
        return WorkOrderOutput(children, many=True, context={"now": self.context.get("now")}).data

    @extend_schema_field(TransitionOutput(many=True))
    def get_timeline(self, order):
        return TransitionOutput(self.context.get("timeline", []), many=True).data
