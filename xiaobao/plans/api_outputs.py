"""Plan API output shapes, shared by the list, detail, action, activity and roll-up endpoints of `api.py`."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from xiaobao.plans.models import Activity, Plan
from xiaobao.ui.api_outputs import UnitRefOutput, UserRefOutput
from xiaobao.workflow.api import TransitionOutput

ACTIONS = ["edit", "submit", "approve", "reject", "issue", "summarize", "close"]
FIGURES = ["events", "participants", "reach", "articles", "videos", "reposts", "media_stories"]


class ProgressOutput(serializers.Serializer):
    """Roll-up over the per-unit work orders the plan's tasks were issued as."""

    total = serializers.IntegerField(help_text="Per-unit work orders")
    done = serializers.IntegerField(help_text="Of them closed (accepted by the issuer)")
    overdue = serializers.IntegerField()
    percent = serializers.IntegerField()


class PlanOutput(serializers.Serializer):
    """One plan as a list row."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=Plan.Kind.choices)
    kind_display = serializers.CharField(source="get_kind_display")
    status = serializers.ChoiceField(choices=Plan.Status.choices)
    status_display = serializers.CharField(source="get_status_display")
    org_unit = UnitRefOutput(help_text="The owner unit")
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    budget = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    created_by = UserRefOutput()
    created_at = serializers.DateTimeField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    issued_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    progress = serializers.SerializerMethodField()

    @extend_schema_field(ProgressOutput(allow_null=True))
    def get_progress(self, plan):
        found = self.context.get("progress", {}).get(plan.pk)
        return ProgressOutput(found).data if found and found["total"] else None


class GoalOutput(serializers.Serializer):
    id = serializers.IntegerField()
    description = serializers.CharField()
    indicator_code = serializers.CharField()
    target_value = serializers.DecimalField(max_digits=16, decimal_places=4, allow_null=True)
    unit = serializers.CharField()


class UnitProgressOutput(serializers.Serializer):
    """One owner unit's work order for a task (only the orders the caller may see)."""

    unit = UnitRefOutput()
    order_id = serializers.IntegerField()
    status = serializers.CharField(help_text="The work order's status code")
    due_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField(allow_null=True)
    overdue = serializers.BooleanField()
    supervised = serializers.BooleanField()
    done = serializers.BooleanField()


class TaskProgressOutput(serializers.Serializer):
    id = serializers.IntegerField(source="task.pk")
    title = serializers.CharField(source="task.title")
    description = serializers.CharField(source="task.description")
    expected_output = serializers.CharField(source="task.expected_output")
    due_on = serializers.DateField(allow_null=True)
    units = serializers.SerializerMethodField(help_text="The owner units")
    issued = serializers.BooleanField()
    order_id = serializers.IntegerField(allow_null=True, help_text="The (batch) work order it went out as")
    total = serializers.IntegerField()
    done = serializers.IntegerField()
    overdue = serializers.IntegerField()
    supervised = serializers.IntegerField()
    percent = serializers.IntegerField()
    orders = UnitProgressOutput(many=True, source="units", help_text="Per unit, the work orders the caller sees")

    @extend_schema_field(UnitRefOutput(many=True))
    def get_units(self, row):
        return UnitRefOutput(row["task"].units.all(), many=True).data


class ApprovalStepOutput(serializers.Serializer):
    """The open approval task; send its `version` with approve/reject to guard against a stale page."""

    task = serializers.IntegerField(source="pk")
    element_id = serializers.CharField()
    name = serializers.CharField()
    version = serializers.IntegerField()
    due_at = serializers.DateTimeField(allow_null=True)


class PlanDetailOutput(PlanOutput):
    description = serializers.CharField()
    summary = serializers.CharField()
    participating_units = serializers.SerializerMethodField()
    goals = serializers.SerializerMethodField()
    tasks = serializers.SerializerMethodField()
    step = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField()
    timeline = serializers.SerializerMethodField()

    @extend_schema_field(UnitRefOutput(many=True))
    def get_participating_units(self, plan):
        return UnitRefOutput(self.context.get("participating", []), many=True).data

    @extend_schema_field(GoalOutput(many=True))
    def get_goals(self, plan):
        return GoalOutput(self.context.get("goals", []), many=True).data

    @extend_schema_field(TaskProgressOutput(many=True))
    def get_tasks(self, plan):
        return TaskProgressOutput(self.context.get("tasks", []), many=True).data

    @extend_schema_field(ApprovalStepOutput(allow_null=True))
    def get_step(self, plan):
        task = self.context.get("step")
        return ApprovalStepOutput(task).data if task else None

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=ACTIONS)))
    def get_actions(self, plan):
        """The action endpoints the caller may use now (the services decide again when called)."""
        return self.context.get("actions", [])

    @extend_schema_field(TransitionOutput(many=True))
    def get_timeline(self, plan):
        return TransitionOutput(self.context.get("timeline", []), many=True).data


class TaskRefOutput(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    plan = serializers.IntegerField(source="plan_id")
    plan_name = serializers.CharField(source="plan.name")


class ActivityOutput(serializers.Serializer):
    id = serializers.IntegerField()
    held_on = serializers.DateField()
    title = serializers.CharField()
    org_unit = UnitRefOutput(help_text="The organising unit")
    task = TaskRefOutput(allow_null=True)
    form = serializers.ChoiceField(choices=Activity.Form.choices)
    form_display = serializers.CharField(source="get_form_display")
    target = serializers.CharField(help_text="五进入 (offline only): rural, community, school, enterprise, business")
    target_display = serializers.CharField(source="get_target_display")
    place = serializers.CharField()
    participants = serializers.IntegerField()
    reach = serializers.IntegerField()
    articles = serializers.IntegerField()
    videos = serializers.IntegerField()
    reposts = serializers.IntegerField()
    media_stories = serializers.IntegerField()
    description = serializers.CharField()
    created_by = UserRefOutput()
    created_at = serializers.DateTimeField()


class FiguresOutput(serializers.Serializer):
    events = serializers.IntegerField()
    participants = serializers.IntegerField()
    reach = serializers.IntegerField()
    articles = serializers.IntegerField()
    videos = serializers.IntegerField()
    reposts = serializers.IntegerField()
    media_stories = serializers.IntegerField()


class UnitFiguresOutput(FiguresOutput):
    unit = UnitRefOutput()


class KeyedFiguresOutput(FiguresOutput):
    key = serializers.CharField(help_text="The form, the 五进入 target or the month (YYYY-MM)")
    label = serializers.CharField()


class RollupOutput(serializers.Serializer):
    plan = serializers.IntegerField(allow_null=True)
    year = serializers.IntegerField(allow_null=True)
    units = UnitFiguresOutput(many=True)
    totals = FiguresOutput()
    by_form = KeyedFiguresOutput(many=True)
    by_target = KeyedFiguresOutput(many=True)
    by_month = KeyedFiguresOutput(many=True)
