"""Complaints admin. The code tables (taxonomy versions, categories) and the handling rules are data
a compliance officer edits here (each edit audited); complaints and their extensions are view only — they move only
through `services` (which run the process, write audit rows and tell people)."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext as _

from xiaobao.complaints import selectors, statute
from xiaobao.complaints.models import Category, Complaint, ComplaintRule, Extension, TaxonomyVersion
from xiaobao.core.admin import AuditedAdminMixin


class ViewOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(TaxonomyVersion)
class TaxonomyVersionAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name", "effective_from", "is_current"]
    list_filter = ["is_current"]


@admin.register(Category)
class CategoryAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name", "dimension", "version", "parent", "systemic", "is_active"]
    list_filter = ["version", "dimension", "systemic", "is_active"]
    search_fields = ["code", "name"]
    raw_id_fields = ["parent"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # complaints keep the codes they were classified on: retire a code instead


@admin.register(ComplaintRule)
class ComplaintRuleAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """The statutory rows (Art. 18, Art. 20) refuse a unit other than calendar days and a length beyond the
    text's (the model's `clean`, citing the article); stricter internal targets are rows of their own."""

    list_display = ["code", "name", "value", "statutory_limit", "article"]
    search_fields = ["code", "name", "article"]
    readonly_fields = ["code", "statutory_limit"]

    @admin.display(description=_("法定限度"))
    def statutory_limit(self, obj) -> str:
        limit = statute.STATUTORY.get(obj.code)
        if limit:
            if limit.bound == statute.MAX:
                return _("%(article)s：最长 %(days)s 个自然日") % {"article": limit.article, "days": limit.days}
            return _("%(article)s：不少于 %(days)s 个自然日") % {"article": limit.article, "days": limit.days}
        if obj.code in statute.INTERNAL_TARGETS:
            return _("内部目标，须严于 %(code)s") % {"code": statute.INTERNAL_TARGETS[obj.code]}
        return _("本公司规则")

    def has_add_permission(self, request) -> bool:
        return False  # the code reads the seeded codes; new codes would do nothing

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ExtensionInline(admin.TabularInline):
    model = Extension
    extra = 0
    fields = ["level", "reason", "approved_by", "approved_at", "notice_method", "previous_due_at", "new_due_at"]
    readonly_fields = fields
    can_delete = False


@admin.register(Complaint)
class ComplaintAdmin(ViewOnlyAdmin):
    list_display = ["number", "subject", "channel", "org_unit", "status", "due_at", "is_major", "is_repeat"]
    list_filter = ["status", "channel", "is_major", "is_repeat"]
    search_fields = ["number", "subject", "policy_number"]
    # personal data stays out of the admin: it is encrypted, and revealed only through the audited service
    exclude = [
        "complainant_name",
        "complainant_id_number",
        "complainant_phone",
        "complainant_address",
        "consumer_name",
        "complainant_id_index",
        "complainant_phone_index",
        "idempotency_key",
    ]
    inlines = [ExtensionInline]

    def get_queryset(self, request):
        return selectors.complaints_visible_to(request.user)
