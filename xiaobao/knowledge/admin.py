"""Knowledge admin. Categories and the search dictionary (专业词, 同义词组) are data admins edit without code:
a saved term reloads the segmenter (search.segmenter listens to Term saves), and the "rebuild the index"
action re-segments every indexed version with the new dictionary. Documents, versions and import batches
are view only: they change only through `services` (versions, approval process, index, audit rows)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xiaobao.core.admin import AuditedAdminMixin
from xiaobao.knowledge import search
from xiaobao.knowledge.models import Category, Document, DocumentVersion, ImportBatch, Term


class ViewOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Category)
class CategoryAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("name", "parent", "sort")
    list_filter = ("parent",)
    search_fields = ("name",)


@admin.action(description=gettext_lazy("按当前词典重建检索索引"))
def rebuild_index(modeladmin, request, queryset):
    count = search.rebuild()
    modeladmin.message_user(request, _("已重建检索索引：%(n)s 条。") % {"n": count}, messages.SUCCESS)


@admin.register(Term)
class TermAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("text", "kind", "synonyms", "weight", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("text",)
    actions = [rebuild_index]


class VersionInline(admin.TabularInline):
    model = DocumentVersion
    fields = ("number", "title", "status", "change_note", "created_by", "created_at", "published_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Document)
class DocumentAdmin(ViewOnlyAdmin):
    list_display = ("title", "kind", "number", "policy_status", "org_unit", "review_due_on", "is_archived")
    list_filter = ("kind", "policy_status", "is_archived")
    search_fields = ("title", "number")
    list_select_related = ("org_unit",)
    inlines = [VersionInline]


@admin.register(DocumentVersion)
class DocumentVersionAdmin(ViewOnlyAdmin):
    list_display = ("document", "number", "status", "created_by", "created_at")
    list_filter = ("status",)
    search_fields = ("title", "document__title")
    list_select_related = ("document", "created_by")


@admin.register(ImportBatch)
class ImportBatchAdmin(ViewOnlyAdmin):
    list_display = ("file_name", "status", "kind", "org_unit", "processed_files", "total_files", "created_at")
    list_filter = ("status", "kind")
    list_select_related = ("org_unit",)
