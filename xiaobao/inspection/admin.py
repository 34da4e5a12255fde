"""Admin: rules, versions, findings and interactions are read here; they change through the pages and services
(published versions, decisions and intake are audited there). Score sheets are code tables edited here."""

from django.contrib import admin

from xiaobao.core.admin import AuditedAdminMixin
from xiaobao.inspection.models import (
    Finding,
    IntakeBatch,
    Interaction,
    ManualReview,
    Rule,
    RuleVersion,
    ScanJob,
    ScoreSheet,
)


class ViewOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Rule)
class RuleAdmin(ViewOnlyAdmin):
    list_display = ["code", "name", "kind", "severity", "consumer_right", "current", "owner", "is_active"]
    list_filter = ["kind", "severity", "consumer_right"]


@admin.register(RuleVersion)
class RuleVersionAdmin(ViewOnlyAdmin):
    list_display = ["rule", "number", "status", "published_at", "published_by"]
    list_filter = ["status"]


@admin.register(Finding)
class FindingAdmin(ViewOnlyAdmin):
    list_display = ["rule", "severity", "status", "org_unit", "agent", "created_at"]
    list_filter = ["status", "severity"]
    raw_id_fields = ["interaction"]


@admin.register(Interaction)
class InteractionAdmin(ViewOnlyAdmin):
    # the encrypted turns and the customer's name are not listed; pages show the masked copy only
    list_display = ["source_system", "source_id", "kind", "channel", "org_unit", "started_at", "finding_count"]
    list_filter = ["kind", "channel"]
    exclude = ["turns", "customer_name"]


@admin.register(IntakeBatch)
class IntakeBatchAdmin(ViewOnlyAdmin):
    list_display = ["__str__", "source", "created_by", "created_at", "created", "duplicates", "errors"]


@admin.register(ScanJob)
class ScanJobAdmin(ViewOnlyAdmin):
    list_display = ["__str__", "status", "processed", "total", "findings", "created_at"]


@admin.register(ManualReview)
class ManualReviewAdmin(ViewOnlyAdmin):
    list_display = ["interaction", "period", "agent", "status", "total"]


@admin.register(ScoreSheet)
class ScoreSheetAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["code", "version", "name", "is_active"]
