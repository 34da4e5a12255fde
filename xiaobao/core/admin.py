from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from xiaobao.core import audit
from xiaobao.core.masking import mask_phone
from xiaobao.core.models import (
    AuditEntry,
    CalendarDay,
    CalendarYear,
    Notification,
    OrgUnit,
    Role,
    RoleAssignment,
    User,
)

# Form fields whose values never reach the audit row, even masked.
SECRET_FIELDS = {"password", "password1", "password2"}


def _summary(form, names) -> dict:
    def show(value):
        if hasattr(value, "all") and callable(value.all):  # m2m: a queryset of chosen rows
            return sorted(str(v) for v in value.all())
        return value if isinstance(value, bool | int | float | type(None)) else str(value)

    return {
        name: {
            "before": "***" if name in SECRET_FIELDS else show(form.initial.get(name)),
            "after": "***" if name in SECRET_FIELDS else show(form.cleaned_data.get(name)),
        }
        for name in names
    }


class AuditedAdminMixin:
    """Every add, change and delete made in admin leaves an audit row, in the admin's own transaction.

    Admin writes are writes like any other (issue 2: "an audit log of every write"); the view
    already runs in a transaction, so the row commits or rolls back with the change.
    """

    def _audit(self, request, obj, action: str, changes: dict) -> None:
        audit.record(
            actor=request.user,
            action=f"admin.{action}",
            obj=obj,
            changes=changes,
            ip_address=request.META.get("REMOTE_ADDR"),
        )

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        names = form.changed_data if change else list(form.changed_data or form.fields)
        if names or not change:
            self._audit(request, obj, "change" if change else "add", _summary(form, names))

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        # Inline rows (e.g. a user's extra role assignments) are writes of their own.
        for obj in formset.new_objects:
            self._audit(request, obj, "add", {"parent": str(form.instance)})
        for obj, names in formset.changed_objects:
            self._audit(request, obj, "change", {"parent": str(form.instance), "fields": list(names)})
        for obj in formset.deleted_objects:
            self._audit(request, obj, "delete", {"parent": str(form.instance)})

    def delete_model(self, request, obj):
        self._audit(request, obj, "delete", {})
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self._audit(request, obj, "delete", {})
        super().delete_queryset(request, queryset)


@admin.register(OrgUnit)
class OrgUnitAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["indented_name", "code", "level", "region", "is_active"]
    list_filter = ["level", "is_active"]
    search_fields = ["name", "code"]
    readonly_fields = ["path"]

    @admin.display(description=_("机构名称"), ordering="path")
    def indented_name(self, obj):
        return "　" * (obj.depth - 1) + obj.name


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    extra = 0


@admin.register(User)
class UserAdmin(AuditedAdminMixin, BaseUserAdmin):
    list_display = ["username", "full_name", "org_unit", "masked_mobile", "is_active"]
    list_filter = ["org_unit__level", "groups", "is_active"]
    search_fields = ["username", "full_name"]
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("消保"), {"fields": ("full_name", "org_unit", "department", "care_mode", "language")}),
    )
    inlines = [RoleAssignmentInline]

    def user_change_password(self, request, id, form_url=""):
        # Django's password view saves outside save_model; audit it here, in one transaction with the save.
        with transaction.atomic():
            response = super().user_change_password(request, id, form_url)
            if request.method == "POST" and response.status_code == 302:
                user = self.get_object(request, id)
                self._audit(request, user, "password_change", {"password": "***"})
        return response

    @admin.display(description=_("手机号"))
    def masked_mobile(self, obj):
        return mask_phone(obj.mobile)


@admin.register(Role)
class RoleAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "code", "scope", "read_only"]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the chain is append-only; nobody edits or deletes rows, superusers included."""

    list_display = ["id", "at", "actor_name", "action", "object_type", "object_repr", "org_unit"]
    list_filter = ["action", "object_type"]
    search_fields = ["actor_name", "object_repr", "object_id"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CalendarDay)
class CalendarDayAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["date", "kind", "name"]
    list_filter = ["kind"]
    date_hierarchy = "date"


@admin.register(CalendarYear)
class CalendarYearAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["year", "complete", "source"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """Read-only: notifications are written by the services that raise them."""

    list_display = ["created_at", "recipient", "kind", "level", "title", "read_at"]
    list_filter = ["kind", "level"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
