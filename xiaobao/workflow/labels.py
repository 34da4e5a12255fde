"""How a process's variables are shown to people: labels, formatted values, ids resolved to names (issue 21).

A task's data and a history row's changes are engine variables (`reviewer_id 7`, `review_due_at` as an ISO
string with microseconds). People read business fields. The workflow app does not know what a complaint's
`root_cause` is, so each app that runs processes declares, in its AppConfig.ready(), how to present its
variables — as it declares who may see them in `workflow.access`:

    # xiaobao/<app>/apps.py
    def ready(self):
        from xiaobao.workflow import labels

        labels.register("<process key>", {
            "reviewer_id": labels.Variable(_("审查员"), labels.USER),
            "review_due_at": labels.Variable(_("审查期限"), labels.DATETIME),
            "root_cause": labels.Variable(_("根因"), resolve=lambda ids: {...}),
            "review_id": labels.HIDDEN,
        })

The workflow app never imports the apps above it. A registered process shows only its declared variables
(and a task form's own fields): anything else is engine bookkeeping and stays out of sight. A process that
registered nothing (a BPMN file uploaded by an administrator) shows its task forms' labels, and its other
variables under their own names — there is nobody else to ask.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.utils import formats, timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from xiaobao.core.masking import mask_text

TEXT, DATETIME, DATE, BOOLEAN, USER, ORG_UNIT, CHOICE = "text", "datetime", "date", "boolean", "user", "org", "choice"

DATETIME_FORMAT = "Y-m-d H:i"
DATE_FORMAT = "Y-m-d"


@dataclass(frozen=True)
class Variable:
    """One variable's label and how its value reads. `resolve(values) -> {value: text}` turns ids into names in
    one query for the whole page; `choices` maps a coded value to its label."""

    label: object  # str or a lazy translation
    kind: str = TEXT
    choices: dict = field(default_factory=dict)
    resolve: Callable[[set], dict] | None = None
    hidden: bool = False


#: a variable the engine needs and people do not (the object's own id, routing flags)
HIDDEN = Variable("", hidden=True)

_REGISTRY: dict[str, dict[str, Variable]] = {}


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    value: object
    text: str


def register(process_key: str, variables: dict[str, Variable]) -> None:
    """Declare how `process_key`'s variables are shown (merged with an earlier declaration for the key)."""
    _REGISTRY.setdefault(process_key, {}).update(variables)


def registered(process_key: str) -> dict[str, Variable] | None:
    return _REGISTRY.get(process_key)


def _as_datetime(value) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and len(value) >= 16 and value[4:5] == "-" and "T" in value:
        try:
            return parse_datetime(value)
        except ValueError:
            return None
    return None


def _as_date(value) -> date | None:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and len(value) == 10 and value[4:5] == "-":
        try:
            return parse_date(value)
        except ValueError:
            return None
    return None


def format_value(value, kind: str = TEXT, choices: dict | None = None) -> str:
    """A value as people read it: local time without seconds' fractions, 是/否, a choice's label, "—" for none."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool) or kind == BOOLEAN:
        return _("是") if value else _("否")
    if choices and str(value) in choices:
        return str(choices[str(value)])
    moment = _as_datetime(value) if kind in (TEXT, DATETIME) else None
    if moment is not None:
        if timezone.is_aware(moment):
            moment = timezone.localtime(moment)
        return formats.date_format(moment, DATETIME_FORMAT)
    day = _as_date(value) if kind in (TEXT, DATE) else None
    if day is not None:
        return formats.date_format(day, DATE_FORMAT)
    if isinstance(value, (list, tuple)):
        return "、".join(format_value(item, kind, choices) for item in value)
    if isinstance(value, dict):
        return "；".join(f"{key}：{format_value(item)}" for key, item in value.items())
    # free text a step recorded (a 回访 note, a comment) may hold an ID, card or mobile number: shown masked, as
    # everywhere else personal data is shown
    return mask_text(str(value))


def _users(ids: set) -> dict:
    from xiaobao.core.models import User

    numeric = {int(i) for i in ids if str(i).isdigit()}
    return {str(u.pk): str(u) for u in User.objects.filter(pk__in=numeric).only("pk", "full_name", "username")}


def _org_units(ids: set) -> dict:
    from xiaobao.core.models import OrgUnit

    numeric = {int(i) for i in ids if str(i).isdigit()}
    return {str(pk): name for pk, name in OrgUnit.objects.filter(pk__in=numeric).values_list("pk", "name")}


BUILT_IN_RESOLVERS = {USER: _users, ORG_UNIT: _org_units}


def _shown(process_key: str, data: dict, form_labels: dict) -> list[tuple[str, str, object, Variable]]:
    declared = _REGISTRY.get(process_key)
    rows = []
    for name, value in (data or {}).items():
        variable = (declared or {}).get(name)
        if variable is not None and variable.hidden:
            continue
        if variable is None:
            if name in form_labels:
                variable = Variable(form_labels[name])
            elif declared is None:
                variable = Variable(name)  # nobody declared this process: its own names are all there is
            else:
                continue  # engine bookkeeping of a declared process
        rows.append((name, str(variable.label), value, variable))
    return rows


def _resolved(rows: Iterable[tuple[str, str, object, Variable]], values_of) -> dict[tuple[int, str], dict]:
    """One lookup per resolver for everything on the page: {(id(variable), value): text}."""
    wanted: dict[int, tuple[Callable, set]] = {}
    for _name, _label, value, variable in rows:
        resolver = variable.resolve or BUILT_IN_RESOLVERS.get(variable.kind)
        if resolver is None:
            continue
        bucket = wanted.setdefault(id(resolver), (resolver, set()))[1]
        for item in values_of(value):
            if item not in (None, ""):
                bucket.add(str(item))
    return {key: resolver(ids) if ids else {} for key, (resolver, ids) in wanted.items()}


def _text(value, variable: Variable, names: dict) -> str:
    resolver = variable.resolve or BUILT_IN_RESOLVERS.get(variable.kind)
    if resolver is not None and value not in (None, ""):
        found = names.get(id(resolver), {})
        items = value if isinstance(value, (list, tuple)) else [value]
        # an id that no longer resolves (a deleted row) is not shown as a bare number
        return "、".join(found.get(str(item), _("（已删除）")) for item in items)
    return format_value(value, variable.kind, variable.choices)


def present(process_key: str, data: dict, *, form: list | None = None) -> list[Field]:
    """A task's data as labelled business fields, in the data's order."""
    form_labels = {f.get("id"): f.get("label") or f.get("id") for f in form or [] if f.get("id")}
    form_choices = {f["id"]: dict(f.get("choices") or []) for f in form or [] if f.get("id") and f.get("choices")}
    rows = _shown(process_key, data, form_labels)
    names = _resolved(rows, lambda v: v if isinstance(v, (list, tuple)) else [v])
    out = []
    for name, label, value, variable in rows:
        if name in form_choices and not variable.choices:
            variable = Variable(variable.label, variable.kind, form_choices[name], variable.resolve)
        out.append(Field(name, label, value, _text(value, variable, names)))
    return out


@dataclass(frozen=True)
class Change:
    name: str
    label: str
    before: str
    after: str


def _pairs(changes) -> dict:
    return {k: v for k, v in (changes or {}).items() if isinstance(v, dict) and {"before", "after"} <= set(v)}


def _form_labels(form) -> dict:
    return {f.get("id"): f.get("label") or f.get("id") for f in form or [] if f.get("id")}


def _pair_values(pair) -> list:
    out = []
    for side in (pair.get("before"), pair.get("after")):
        out.extend(side if isinstance(side, (list, tuple)) else [side])
    return out


def _changes(rows, names: dict) -> list[Change]:
    out = []
    for name, label, pair, variable in rows:
        before, after = _text(pair.get("before"), variable, names), _text(pair.get("after"), variable, names)
        if before != after:  # a variable set to nothing at the start, or a change people cannot see
            out.append(Change(name, label, before, after))
    return out


def present_changes(process_key: str, changes: dict, *, form: list | None = None) -> list[Change]:
    """A history row's {variable: {before, after}} as labelled changes."""
    rows = _shown(process_key, _pairs(changes), _form_labels(form))
    return _changes(rows, _resolved(rows, _pair_values))


def label_history(steps, *, process_key: str | None = None) -> list:
    """History rows (workflow Transitions) as people read them: each gets `fields`, its changes as labelled
    business fields. A business object's timeline may mix processes (a complaint's and its rectification
    order's), so each row is read by its own process unless `process_key` is given; a row's task form
    labels its fields. Ids are resolved to names in one query per kind for the whole list, however long."""
    steps = list(steps)
    prepared, everything = [], []
    for step in steps:
        key = process_key or step.instance.definition.key
        form = step.task.form if step.task_id else None
        rows = _shown(key, _pairs(step.changes), _form_labels(form)) if step.changes else []
        prepared.append((step, rows))
        everything.extend(rows)
    names = _resolved(everything, _pair_values)
    for step, rows in prepared:
        step.fields = _changes(rows, names)
    return steps
