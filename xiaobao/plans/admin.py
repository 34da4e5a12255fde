"""Plans admin: view only. A plan is approved, issued and closed, and an activity recorded, only through
`services` (which run the approval process, dispatch the work orders and write the audit rows) — never by
editing rows here. What an admin user sees is what the selectors let them see."""

from __future__ import annotations

from django.contrib import admin

from xiaobao.plans import selectors
from xiaobao.plans.models import Activity, Plan, PlanGoal, PlanTask


class ReadOnlyMixin:
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class GoalInline(ReadOnlyMixin, admin.TabularInline):
    model = PlanGoal
    extra = 0
    fields = ["sort", "description", "indicator_code", "target_value", "unit"]
    readonly_fields = fields


class TaskInline(ReadOnlyMixin, admin.TabularInline):
    model = PlanTask
    extra = 0
    fields = ["sort", "title", "expected_output", "due_on", "workorder_id"]
    readonly_fields = fields


@admin.register(Plan)
class PlanAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["name", "kind", "org_unit", "period_start", "period_end", "status"]
    list_filter = ["kind", "status"]
    search_fields = ["name"]
    date_hierarchy = "period_start"
    list_select_related = ["org_unit"]
    inlines = [GoalInline, TaskInline]

    def get_queryset(self, request):
        return selectors.plans_for(request.user)


@admin.register(Activity)
class ActivityAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["held_on", "title", "org_unit", "form", "target", "participants", "reach"]
    list_filter = ["form", "target"]
    search_fields = ["title", "place"]
    date_hierarchy = "held_on"
    list_select_related = ["org_unit"]

    def get_queryset(self, request):
        return selectors.activities_for(request.user)
