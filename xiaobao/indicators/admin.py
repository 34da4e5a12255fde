"""Indicators admin. Definitions and targets are data admins edit (checked on save: a computed indicator
names a registered query; a formula parses, names defined codes only and adds only like units). Values and
alerts are view only: values change through `services` (compute, collect, import), which keep the history."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from xiaobao.core.admin import AuditedAdminMixin
from xiaobao.indicators import registry
from xiaobao.indicators.collect import check_thresholds
from xiaobao.indicators.models import Alert, IndicatorDefinition, IndicatorValue, ReportJob, Target


class ViewOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class DefinitionForm(forms.ModelForm):
    query = forms.ChoiceField(label=_("计算口径"), required=False)

    class Meta:
        model = IndicatorDefinition
        fields = (
            "code",
            "name",
            "unit",
            "direction",
            "frequency",
            "source",
            "query",
            "formula",
            "rollup",
            "scale",
            "decimals",
            "category",
            "description",
            "is_key",
            "sort",
            "is_active",
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["query"].choices = [("", "—"), *((k, f"{k} {label}") for k, label in registry.choices())]


@admin.register(IndicatorDefinition)
class IndicatorDefinitionAdmin(AuditedAdminMixin, admin.ModelAdmin):
    form = DefinitionForm
    list_display = (
        "code",
        "name",
        "unit",
        "category",
        "source",
        "frequency",
        "direction",
        "rollup",
        "is_key",
        "is_active",
    )
    list_filter = ("category", "source", "frequency", "is_key", "is_active")
    search_fields = ("code", "name")
    ordering = ("sort", "code")

    def has_delete_permission(self, request, obj=None) -> bool:
        # a definition with values is history: switch it off instead
        return False


class TargetForm(forms.ModelForm):
    class Meta:
        model = Target
        fields = ("definition", "org_unit", "year", "target", "amber", "red", "note")

    def clean(self):
        data = super().clean()
        definition = data.get("definition")
        if definition and all(data.get(k) is not None for k in ("target", "amber", "red")):
            try:
                check_thresholds(definition, data["target"], data["amber"], data["red"])
            except Exception as exc:  # BusinessRuleError: shown on the form
                raise forms.ValidationError(str(getattr(exc, "detail", exc))) from exc
        return data


@admin.register(Target)
class TargetAdmin(AuditedAdminMixin, admin.ModelAdmin):
    form = TargetForm
    list_display = ("definition", "org_unit", "year", "target", "amber", "red")
    list_filter = ("year", "definition__category")
    raw_id_fields = ("org_unit",)


@admin.register(IndicatorValue)
class IndicatorValueAdmin(ViewOnlyAdmin):
    list_display = ("definition", "org_unit", "period", "value", "source", "is_current", "computed_at")
    list_filter = ("is_current", "source", "definition__category")
    search_fields = ("definition__code", "org_unit__name", "period")
    list_select_related = ("definition", "org_unit")


@admin.register(Alert)
class AlertAdmin(ViewOnlyAdmin):
    list_display = ("definition", "org_unit", "period", "level", "value", "threshold", "raised_at", "cleared_at")
    list_filter = ("level", "cleared_at")
    list_select_related = ("definition", "org_unit")


@admin.register(ReportJob)
class ReportJobAdmin(ViewOnlyAdmin):
    list_display = ("kind", "year", "status", "progress", "created_by", "created_at", "finished_at")
    list_filter = ("kind", "status")
