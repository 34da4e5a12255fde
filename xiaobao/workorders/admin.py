"""Work-order admin: view only. An order is issued, moved and closed only through `services` (which
run its process, write its audit rows and tell its people) — never by editing rows here. What an
admin user sees is what the selectors let them see."""

from __future__ import annotations

from django.contrib import admin

from xiaobao.workorders import selectors
from xiaobao.workorders.models import Feedback, WorkOrder


class ViewOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class FeedbackInline(admin.TabularInline):
    model = Feedback
    extra = 0
    fields = ["round", "text", "submitted_by", "submitted_at", "approved", "reviewed_by", "reviewed_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(WorkOrder)
class WorkOrderAdmin(ViewOnlyAdmin):
    list_display = ["number", "title", "kind", "org_unit", "issuer_unit", "status", "supervision", "due_at"]
    list_filter = ["status", "kind", "supervision", "priority", "is_batch"]
    search_fields = ["number", "title"]
    date_hierarchy = "created_at"
    list_select_related = ["org_unit", "issuer_unit"]
    inlines = [FeedbackInline]

    def get_queryset(self, request):
        return selectors.work_orders_visible_to(request.user, {"batch": True})


@admin.register(Feedback)
class FeedbackAdmin(ViewOnlyAdmin):
    list_display = ["order", "round", "submitted_by", "submitted_at", "approved", "reviewed_at"]
    list_filter = ["approved"]
    search_fields = ["order__number", "order__title"]
    list_select_related = ["order", "submitted_by"]

    def get_queryset(self, request):
        visible = selectors.work_orders_visible_to(request.user, {"batch": True}).values("pk")
        return super().get_queryset(request).filter(order__in=visible)
