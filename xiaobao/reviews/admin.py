"""Reviews admin. Form types and their versions (fields and checklist, 审查要点) are data admins edit
without code: a version that reviews already use is never changed in place — saving it makes a new
current version, and the reviews keep theirs. Reviews, opinions and objections are view only: they move
only through `services` (which run the process, write the audit rows and tell the people)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xiaobao.core.admin import AuditedAdminMixin
from xiaobao.reviews import selectors
from xiaobao.reviews.models import ConsumerRight, FormType, FormVersion, Objection, Opinion, Review
from xiaobao.reviews.rules import FIELD_TYPES


class ViewOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


def check_fields(value) -> list:
    """The submitter's form: [{"id", "label", "type", "required", "choices"}], ids unique."""
    if not isinstance(value, list):
        raise forms.ValidationError(gettext_lazy("表单字段须为列表。"))
    seen = set()
    for spec in value:
        if not isinstance(spec, dict) or not spec.get("id") or not spec.get("label"):
            raise forms.ValidationError(gettext_lazy("每个字段须有 id 和 label。"))
        if spec.get("type", "text") not in FIELD_TYPES:
            raise forms.ValidationError(_("字段 %(id)s 的类型无效。") % {"id": spec["id"]})
        if spec.get("type") == "choice" and not spec.get("choices"):
            raise forms.ValidationError(_("选择字段 %(id)s 须有选项。") % {"id": spec["id"]})
        if spec["id"] in seen:
            raise forms.ValidationError(_("字段 id 重复：%(id)s") % {"id": spec["id"]})
        seen.add(spec["id"])
    return value


def check_checklist(value) -> list:
    """The checklist: [{"id", "text", "right"}], ids unique, each tagged with a consumer right."""
    if not isinstance(value, list) or not value:
        raise forms.ValidationError(gettext_lazy("审查要点须为非空列表。"))
    seen = set()
    for item in value:
        if not isinstance(item, dict) or not item.get("id") or not item.get("text"):
            raise forms.ValidationError(gettext_lazy("每个审查要点须有 id 和 text。"))
        if item.get("right") not in ConsumerRight.values:
            raise forms.ValidationError(
                _("审查要点 %(id)s 须标注所保护的消费者权利（%(rights)s）。")
                % {"id": item["id"], "rights": ", ".join(ConsumerRight.values)}
            )
        if item["id"] in seen:
            raise forms.ValidationError(_("审查要点 id 重复：%(id)s") % {"id": item["id"]})
        seen.add(item["id"])
    return value


class FormVersionForm(forms.ModelForm):
    class Meta:
        model = FormVersion
        fields = ["form_type", "fields", "checklist"]

    def clean_fields(self):
        return check_fields(self.cleaned_data.get("fields"))

    def clean_checklist(self):
        return check_checklist(self.cleaned_data.get("checklist"))


class FormVersionInline(admin.TabularInline):
    model = FormVersion
    extra = 0
    fields = ["number", "is_current", "created_at", "created_by", "review_count"]
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=gettext_lazy("使用该版本的审查"))
    def review_count(self, obj):
        return obj.reviews.count()


@admin.register(FormType)
class FormTypeAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "code", "sort", "is_active", "current_version"]
    list_editable = ["sort", "is_active"]
    search_fields = ["name", "code"]
    inlines = [FormVersionInline]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # retire a type with is_active; its reviews keep pointing at it

    @admin.display(description=gettext_lazy("现行版本"))
    def current_version(self, obj):
        version = obj.versions.filter(is_current=True).first()
        return f"v{version.number}" if version else "—"


@admin.register(FormVersion)
class FormVersionAdmin(AuditedAdminMixin, admin.ModelAdmin):
    form = FormVersionForm
    list_display = ["form_type", "number", "is_current", "created_at", "created_by"]
    list_filter = ["form_type", "is_current"]
    list_select_related = ["form_type", "created_by"]
    readonly_fields = ["number", "is_current", "created_at", "created_by"]

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "form_type"] if obj else self.readonly_fields

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change):
        """A new version becomes current; a used version is copied to a new one, never edited in place."""
        with transaction.atomic():
            used = change and Review.objects.filter(form_version_id=obj.pk).exists()
            if used:
                previous = FormVersion.objects.get(pk=obj.pk)
                obj.pk = obj.id = None
                obj._state.adding = True
            if used or not change:
                FormType.objects.select_for_update().filter(pk=obj.form_type_id).first()  # one numbering at a time
                top = FormVersion.objects.filter(form_type=obj.form_type_id).aggregate(n=Max("number"))["n"] or 0
                obj.number, obj.created_at, obj.created_by = top + 1, timezone.now(), request.user
                FormVersion.objects.filter(form_type=obj.form_type_id, is_current=True).update(is_current=False)
                obj.is_current = True
            super().save_model(request, obj, form, change and not used)
            if used:
                self._audit(
                    request,
                    obj,
                    "new_version",
                    {"form_type": str(obj.form_type), "from": previous.number, "to": obj.number},
                )
                self.message_user(
                    request,
                    _("v%(old)s 已被审查使用，未修改；已保存为新的现行版本 v%(new)s。")
                    % {"old": previous.number, "new": obj.number},
                    messages.WARNING,
                )


class OpinionInline(admin.TabularInline):
    model = Opinion
    extra = 0
    fields = ["seq", "kind", "right", "location", "requires_change", "response", "final_adopted", "verified_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Review)
class ReviewAdmin(ViewOnlyAdmin):
    list_display = ["number", "title", "form_version", "department", "reviewer", "status", "submitted_at"]
    list_filter = ["status", "urgency", "form_version__form_type"]
    search_fields = ["number", "title", "product_name"]
    date_hierarchy = "submitted_at"
    list_select_related = ["form_version__form_type", "reviewer"]
    inlines = [OpinionInline]

    def get_queryset(self, request):
        return selectors.reviews_visible_to(request.user)


@admin.register(Objection)
class ObjectionAdmin(ViewOnlyAdmin):
    list_display = ["opinion", "stage", "outcome", "raised_at", "decided_at"]
    list_filter = ["stage", "outcome"]

    def get_queryset(self, request):
        return selectors.objections_visible_to(request.user)
