"""Review forms: parse and validate input shape; the rules live in services.

A review's own fields come from its FormVersion (`fields` JSON), so the submit form is built per
version: each field id becomes a form field named `data_<id>`, and `form_data()` gives them back
as the `data` dict the service validates again.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from xiaobao.core.forms import ChoiceField
from xiaobao.core.models import User
from xiaobao.reviews.models import ConsumerRight, Objection, Opinion, Review
from xiaobao.ui.forms import Form, MultipleFileField

DATA_PREFIX = "data_"
CHECK_RESULTS = [("pass", _("符合")), ("issue", _("存在问题")), ("na", _("不适用"))]


def _choices(raw) -> list[tuple[str, str]]:
    """A form field's choices as (value, label): given as strings or as [value, label] pairs."""
    found = []
    for item in raw or []:
        if isinstance(item, list | tuple) and len(item) == 2:
            found.append((str(item[0]), str(item[1])))
        elif isinstance(item, dict):
            found.append((str(item.get("value", "")), str(item.get("label", item.get("value", "")))))
        else:
            found.append((str(item), str(item)))
    return found


def build_data_field(spec: dict) -> forms.Field:
    """One FormVersion field spec → a Django form field (unknown types are plain text)."""
    kind = spec.get("type", "text")
    required = bool(spec.get("required"))
    common = {"label": spec.get("label") or spec.get("id"), "required": required, "help_text": spec.get("help", "")}
    if kind == "textarea":
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), max_length=20000, **common)
    if kind == "date":
        return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **common)
    if kind == "number":
        return forms.DecimalField(
            max_digits=18, decimal_places=4, widget=forms.NumberInput(attrs={"step": "any"}), **common
        )
    if kind == "choice":
        # an empty first option even when required: the submitter picks, nothing is chosen for them
        return forms.ChoiceField(choices=[("", _("请选择")), *_choices(spec.get("choices"))], **common)
    if kind == "boolean":
        return forms.TypedChoiceField(
            choices=[("", _("请选择")), ("1", _("是")), ("0", _("否"))],
            coerce=lambda v: v == "1",
            empty_value=None,
            **common,
        )
    return forms.CharField(max_length=2000, **common)


def _plain(value):
    """A cleaned value as JSON can hold it (the service stores `data` as JSON)."""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if value.__class__.__name__ == "Decimal":
        return int(value) if value == value.to_integral_value() else float(value)
    return value


class DataFieldsMixin:
    """Adds the version's own fields (`data_<id>`) and reads them back as `data`."""

    def add_data_fields(self, version_fields: list[dict], initial: dict | None = None) -> None:
        self.data_field_names = []
        for spec in version_fields or []:
            if not spec.get("id"):
                continue
            name = f"{DATA_PREFIX}{spec['id']}"
            self.fields[name] = build_data_field(spec)
            if initial and spec["id"] in initial:
                value = initial[spec["id"]]
                self.fields[name].initial = ("1" if value else "0") if isinstance(value, bool) else value
            self.data_field_names.append(name)

    def form_data(self) -> dict:
        return {
            name[len(DATA_PREFIX) :]: _plain(self.cleaned_data[name])
            for name in self.data_field_names
            if self.cleaned_data.get(name) not in (None, "")
        }

    def data_bound_fields(self):
        return [self[name] for name in self.data_field_names]


class SubmitForm(DataFieldsMixin, Form):
    title = forms.CharField(label=_("审查事项"), max_length=200)
    product_name = forms.CharField(label=_("产品/活动名称"), max_length=200, required=False)
    planned_launch = forms.DateField(
        label=_("计划上线日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    urgency = forms.ChoiceField(label=_("紧急程度"), choices=Review.Urgency.choices, initial=Review.Urgency.NORMAL)
    files = MultipleFileField(label=_("审查材料"), required=False)

    def __init__(self, *args, version_fields: list[dict], **kwargs):
        super().__init__(*args, **kwargs)
        self.add_data_fields(version_fields)


class ResubmitForm(DataFieldsMixin, Form):
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    files = MultipleFileField(label=_("补充材料"), required=False)

    def __init__(self, *args, version_fields: list[dict], initial_data: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_data_fields(version_fields, initial=initial_data)


class ReasonForm(Form):
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    reason = forms.CharField(label=_("理由"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=2000)


class ReviewerField(ChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj} · {obj.org_unit}" if obj.org_unit_id else str(obj)


class AssignForm(Form):
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    reviewer = ReviewerField(label=_("审查员"), queryset=User.objects.none())
    urgency = forms.ChoiceField(label=_("紧急程度"), choices=Review.Urgency.choices, initial=Review.Urgency.NORMAL)
    due_days = forms.IntegerField(label=_("审查时限（工作日）"), initial=5)

    def __init__(self, *args, reviewers=None, **kwargs):
        super().__init__(*args, **kwargs)
        if reviewers is not None:
            self.fields["reviewer"].queryset = reviewers


class ChecklistForm(Form):
    """One result (符合 / 存在问题 / 不适用) and a note per checklist item of the review's own version."""

    def __init__(self, *args, checklist: list[dict], results: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = []
        results = results or {}
        for item in checklist or []:
            if not item.get("id"):
                continue
            found = results.get(item["id"]) or {}
            result = forms.ChoiceField(
                label=item.get("text", item["id"]),
                choices=[("", _("未检查")), *CHECK_RESULTS],
                required=False,
                initial=found.get("result", ""),
                widget=forms.RadioSelect,
            )
            note = forms.CharField(
                label=_("说明"),
                required=False,
                max_length=2000,
                initial=found.get("note", ""),
                widget=forms.TextInput(attrs={"placeholder": _("说明（可选）")}),
            )
            self.fields[f"result_{item['id']}"] = result
            self.fields[f"note_{item['id']}"] = note
            self.items.append(item)

    def results(self) -> dict:
        found = {}
        for item in self.items:
            result = self.cleaned_data.get(f"result_{item['id']}") or ""
            note = (self.cleaned_data.get(f"note_{item['id']}") or "").strip()
            if result or note:
                found[item["id"]] = {"result": result, "note": note}
        return found


class OpinionForm(Form):
    kind = forms.ChoiceField(label=_("意见类型"), choices=Opinion.Kind.choices, initial=Opinion.Kind.GENERAL)
    location = forms.CharField(label=_("条款/位置"), max_length=200)
    risk = forms.CharField(label=_("风险描述"), widget=forms.Textarea(attrs={"rows": 3}), max_length=20000)
    suggestion = forms.CharField(label=_("修改建议"), widget=forms.Textarea(attrs={"rows": 3}), max_length=20000)
    right = forms.ChoiceField(label=_("涉及消费者权益"), choices=[("", "—"), *ConsumerRight.choices], required=False)
    checklist_item = forms.ChoiceField(label=_("对应审查要点"), choices=[("", "—")], required=False)
    requires_change = forms.BooleanField(label=_("需整改并在上线前验证"), required=False)

    def __init__(self, *args, checklist: list[dict] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["checklist_item"].choices = [
            ("", "—"),
            *[(item["id"], item.get("text", item["id"])[:60]) for item in checklist or [] if item.get("id")],
        ]


class IssueForm(Form):
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    conclusion = forms.CharField(label=_("审查结论"), widget=forms.Textarea(attrs={"rows": 4}), max_length=20000)


class RespondForm(Form):
    """The submitter's answer to each opinion: 采纳 / 部分采纳 / 不采纳 with a reason, plus evidence files."""

    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    files = MultipleFileField(label=_("修改佐证材料"), required=False)

    def __init__(self, *args, opinions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.opinions = list(opinions)
        for opinion in self.opinions:
            self.fields[f"response_{opinion.pk}"] = forms.ChoiceField(
                label=_("第 %(seq)s 条意见") % {"seq": opinion.seq},
                choices=Opinion.Response.choices,
                widget=forms.RadioSelect,
            )
            self.fields[f"reason_{opinion.pk}"] = forms.CharField(
                label=_("说明"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
            )

    def rows(self):
        return [(opinion, self[f"response_{opinion.pk}"], self[f"reason_{opinion.pk}"]) for opinion in self.opinions]

    def responses(self) -> dict:
        return {
            opinion.pk: {
                "response": self.cleaned_data[f"response_{opinion.pk}"],
                "reason": (self.cleaned_data.get(f"reason_{opinion.pk}") or "").strip(),
            }
            for opinion in self.opinions
        }


class RereviewForm(Form):
    upheld = forms.TypedChoiceField(
        label=_("复核结论"),
        choices=[("1", _("维持审查意见（提交消保委员会）")), ("0", _("撤回审查意见"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("复核意见"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)


class CommitteeForm(Form):
    outcome = forms.ChoiceField(label=_("委员会决定"), choices=Objection.Outcome.choices, widget=forms.RadioSelect)
    decision = forms.CharField(label=_("决定内容"), widget=forms.Textarea(attrs={"rows": 4}), max_length=20000)
    attendees = forms.CharField(
        label=_("出席委员"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        help_text=_("每行一人，或用顿号、逗号分隔。"),
    )

    def clean_attendees(self) -> list[str]:
        raw = self.cleaned_data["attendees"]
        for separator in ("\n", "、", "，", ","):
            raw = raw.replace(separator, "\n")
        names = [name.strip() for name in raw.split("\n") if name.strip()]
        if not names:
            raise forms.ValidationError(_("请填写出席委员。"))
        return list(dict.fromkeys(names))


class ListFilterForm(Form):
    box = forms.ChoiceField(
        required=False,
        choices=[("todo", _("待我处理")), ("mine", _("我提交的")), ("reviewing", _("我审查的")), ("all", _("全部"))],
    )
    status = forms.ChoiceField(required=False, choices=[("", _("全部状态")), *Review.Status.choices])
    form_type = forms.CharField(required=False, max_length=40)
    department = forms.CharField(required=False, max_length=50)
    q = forms.CharField(required=False, max_length=100)
    # the statistics page links here with its period, so the list shows the reviews behind its figures
    submitted_from = forms.DateField(required=False)
    submitted_to = forms.DateField(required=False)
    sort = forms.CharField(required=False, max_length=30)  # a column key; the selector ignores unknown ones
