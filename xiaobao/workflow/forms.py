"""Page forms: a task's own form (built from the runtime's form metadata), hand-over and BPMN upload."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from xiaobao.core.forms import choose
from xiaobao.workflow import error_codes as codes
from xiaobao.workflow.exceptions import WorkflowError

# The history comment of a completion. A task form may itself have a field called "comment"
# (it is task data then), so the page's own remark uses a name no BPMN form field can take.
COMMENT_FIELD = "_comment"


def _field_for(spec: dict) -> forms.Field:
    label, required = spec["label"], spec["required"]
    kind = spec["type"]
    if kind == "boolean":
        # an unticked box is a real answer ("no"), so never required at the HTML level
        return forms.BooleanField(label=label, required=False)
    if kind == "long":
        return forms.IntegerField(label=label, required=required)
    if kind == "date":
        return forms.DateField(label=label, required=required, widget=forms.DateInput(attrs={"type": "date"}))
    if kind == "enum":
        # an empty first entry even when required: the browser then asks for a choice instead of sending the first
        choices = [("", choose(label))]
        return forms.ChoiceField(label=label, required=required, choices=choices + [tuple(c) for c in spec["choices"]])
    if kind == "text":
        return forms.CharField(label=label, required=required, widget=forms.Textarea(attrs={"rows": 3}))
    return forms.CharField(label=label, required=required, max_length=2000)


class TaskForm(forms.Form):
    """The fields the BPMN gives this task (Camunda formData or the compact `form` property)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, task, **kwargs):
        super().__init__(*args, **kwargs)
        self.task = task
        self.task_field_ids = []
        for spec in task.form or []:
            self.fields[spec["id"]] = _field_for(spec)
            self.task_field_ids.append(spec["id"])
        if "comment" not in self.task_field_ids:
            self.fields[COMMENT_FIELD] = forms.CharField(
                label=_("办理意见"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
            )
        self.initial.setdefault("version", task.version)
        for key, value in (task.data or {}).items():
            if key in self.fields:
                self.initial.setdefault(key, value)

    def task_data(self) -> dict:
        # empty inputs are left out rather than sent as "", so the service's "required" check applies
        data = self.cleaned_data
        return {key: data[key] for key in self.task_field_ids if data.get(key) not in (None, "")}

    def comment(self) -> str:
        data = self.cleaned_data
        return str(data.get(COMMENT_FIELD) or data.get("comment") or "")


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)


class ReassignForm(VersionForm):
    username = forms.CharField(label=_("转给（用户名）"), max_length=150)
    comment = forms.CharField(label=_("说明"), required=False, max_length=2000)


class UploadForm(forms.Form):
    file = forms.FileField(label=_("BPMN 文件"), widget=forms.ClearableFileInput(attrs={"accept": ".bpmn,.xml"}))


def read_upload(upload) -> bytes:
    """The bytes of an uploaded BPMN file (page and API), refused early when too large or not XML by content."""
    if upload.size > settings.UPLOAD_MAX_BYTES:
        raise WorkflowError(
            codes.FILE_TOO_LARGE,
            _("文件超过 %(kb)s KB。") % {"kb": settings.UPLOAD_MAX_BYTES // 1024},
            fields={"file": ["too_large"]},
        )
    content = upload.read(settings.UPLOAD_MAX_BYTES + 1)
    # by content, not by name or the browser's content type: XML starts with "<" after an optional BOM
    head = content[:512].lstrip(b"\xef\xbb\xbf").lstrip()
    if not head.startswith(b"<"):
        raise WorkflowError(codes.BPMN_MALFORMED, _("该文件不是 XML。"), fields={"file": ["not_xml"]})
    return content
