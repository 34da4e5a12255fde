"""Workflow admin: everything read-only. A definition is added only by uploading a BPMN file, which
goes through `services.deploy` (validation, versioning, audit) — never by editing rows."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from xiaobao.ui.messages import refusal_message
from xiaobao.workflow import services
from xiaobao.workflow.exceptions import WorkflowError
from xiaobao.workflow.forms import read_upload
from xiaobao.workflow.models import HumanTask, ProcessDefinition, ProcessInstance, Timer, Transition


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class DefinitionUploadForm(forms.ModelForm):
    file = forms.FileField(label=_("BPMN 文件"))

    class Meta:
        model = ProcessDefinition
        fields: list[str] = []

    def __init__(self, *args, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("file")
        if upload is not None:
            try:
                # deployed here so a refusal shows on the form; the admin's add view is one transaction
                self.instance = services.deploy(
                    content=read_upload(upload), actor=self.actor, source=f"admin:{upload.name}"
                )
            except WorkflowError as refusal:
                raise ValidationError(refusal_message(refusal)) from refusal
        return cleaned


@admin.register(ProcessDefinition)
class ProcessDefinitionAdmin(ReadOnlyAdmin):
    audited_through_services = True  # an upload deploys through services.deploy, which writes the audit row

    list_display = ["key", "name", "short_version", "is_current", "deployed_at", "source"]
    list_filter = ["is_current"]
    search_fields = ["key", "name"]
    readonly_fields = ["key", "name", "version", "is_current", "deployed_at", "deployed_by", "source", "meta", "xml"]

    @admin.display(description=_("版本"))
    def short_version(self, obj) -> str:
        return obj.version[:8]

    def has_add_permission(self, request) -> bool:
        return request.user.has_perm("workflow.add_processdefinition")

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is not None:
            return super().get_form(request, obj, change=change, **kwargs)
        actor = request.user

        class Upload(DefinitionUploadForm):
            def __init__(self, *args, **kw):
                super().__init__(*args, actor=actor, **kw)

        return Upload

    def get_fields(self, request, obj=None):
        return ["file"] if obj is None else self.readonly_fields

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def save_model(self, request, obj, form, change) -> None:
        """Nothing to save: the upload form deployed the definition through the service."""


@admin.register(ProcessInstance)
class ProcessInstanceAdmin(ReadOnlyAdmin):
    list_display = ["id", "definition", "object_repr", "org_unit", "status", "started_at", "ended_at"]
    list_filter = ["status"]
    list_select_related = ["definition", "org_unit"]
    search_fields = ["object_repr"]
    exclude = ["state"]


@admin.register(HumanTask)
class HumanTaskAdmin(ReadOnlyAdmin):
    list_display = ["id", "name", "instance", "org_unit", "candidate_role", "assignee", "status", "due_at"]
    list_filter = ["status"]
    list_select_related = ["instance__definition", "org_unit", "candidate_role", "assignee"]
    search_fields = ["name", "element_id"]


@admin.register(Timer)
class TimerAdmin(ReadOnlyAdmin):
    list_display = ["id", "instance", "element_id", "fire_at", "status"]
    list_select_related = ["instance__definition"]
    list_filter = ["status"]


@admin.register(Transition)
class TransitionAdmin(ReadOnlyAdmin):
    list_display = ["at", "instance", "action", "element_name", "actor_name"]
    list_filter = ["action"]
    list_select_related = ["instance__definition"]
