"""Reading BPMN files: refuse what the runtime cannot run, extract what it needs per element.

Models come from different editors (bpmn.io, Camunda Modeler, SpiffArena), so the reader is
deliberately tolerant about *where* things are written and strict about *what* is modelled:

* any element outside the BPMN namespace (diagram interchange, vendor extensions) is ignored;
* every element inside the BPMN namespace must be in `SUPPORTED`, else the deploy is refused
  with the element's id (docs/workflow.md lists the set);
* runtime settings are read from `<*:properties><*:property name= value=>` in any namespace
  (camunda:, spiffworkflow:, zeebe:, xiaobao:), from Camunda's `candidateGroups`/`assignee`/
  `formData`, and from lanes.

The XML is first parsed with defusedxml, so a DTD, an entity or an external reference is
refused before lxml (which the engine's parser uses) ever sees the bytes.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from xml.etree.ElementTree import ParseError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException
from lxml import etree

from xiaobao.workflow import error_codes as codes

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
ZEEBE_NS = "http://camunda.org/schema/zeebe/1.0"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"

MAX_BYTES = 2 * 1024 * 1024

FLOW_NODES = {
    "startEvent",
    "endEvent",
    "userTask",
    "scriptTask",
    "serviceTask",
    "exclusiveGateway",
    "parallelGateway",
    "inclusiveGateway",
    "intermediateCatchEvent",
    "intermediateThrowEvent",
    "boundaryEvent",
    "subProcess",
    "callActivity",
}
SUPPORTED = FLOW_NODES | {
    "definitions",
    "process",
    "collaboration",
    "participant",
    "messageFlow",
    "message",
    "error",
    "escalation",
    "signal",
    "itemDefinition",
    "category",
    "categoryValue",
    "laneSet",
    "lane",
    "flowNodeRef",
    "childLaneSet",
    "sequenceFlow",
    "conditionExpression",
    "script",
    "documentation",
    "extensionElements",
    "incoming",
    "outgoing",
    "timerEventDefinition",
    "timeDuration",
    "timeDate",
    "terminateEventDefinition",
    "textAnnotation",
    "text",
    "association",
    "group",
    "dataObject",
    "dataObjectReference",
    "dataStoreReference",
    "dataInputAssociation",
    "dataOutputAssociation",
    "sourceRef",
    "targetRef",
}
# Elements people often draw, with a hint on what to use instead.
UNSUPPORTED_HINTS = {
    "task": "use a userTask (people) or scriptTask (automatic step)",
    "manualTask": "use a userTask",
    "timeCycle": "repeating timers are not supported; model a loop with an intermediate timer",
    "messageEventDefinition": "message events are not supported yet",
    "signalEventDefinition": "signal events are not supported",
    "multiInstanceLoopCharacteristics": "multi-instance tasks are not supported yet",
}

ORG_RULES = {"business", "parent", "branch", "head_office"}
ASSIGNEE_RULES = {"starter"}
DAY_UNITS = {"working", "calendar"}
VIEW_PERMISSION_FORM = re.compile(r"[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*")
FORM_TYPES = {"boolean", "string", "text", "long", "date", "enum"}
VARIABLE_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
DURATION_RE = re.compile(r"^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?$")
# What the engine sees instead of a timer's expression: the runtime schedules timers itself on the
# working-day calendar, so the engine's own wall-clock check must never fire first.
ENGINE_DURATION = '"P36500D"'
ENGINE_DATE = '"2999-12-31T00:00:00+00:00"'


class BpmnProblem(Exception):
    """A model the runtime refuses; `element_id` names the offending element when there is one."""

    def __init__(self, code: str, message: str, element_id: str = ""):
        super().__init__(message)
        self.code = code
        self.message = message
        self.element_id = element_id

    def __str__(self) -> str:
        return f"{self.message} [{self.element_id}]" if self.element_id else self.message


@dataclass
class ReadModel:
    key: str
    name: str
    version: str
    meta: dict = field(default_factory=dict)


def local(tag) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def namespace(tag) -> str:
    return etree.QName(tag).namespace or "" if isinstance(tag, str) else ""


def content_version(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def safe_tree(content: bytes):
    """Parse untrusted bytes: defusedxml decides whether they are safe, then lxml builds the tree."""
    if len(content) > MAX_BYTES:
        raise BpmnProblem(codes.FILE_TOO_LARGE, f"BPMN file is larger than {MAX_BYTES // 1024} KB")
    try:
        SafeET.fromstring(content, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise BpmnProblem(
            codes.BPMN_FORBIDDEN_XML, f"DTDs, entities and external references are refused ({exc})"
        ) from exc
    except ParseError as exc:
        raise BpmnProblem(codes.BPMN_MALFORMED, f"not well-formed XML: {exc}") from exc
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, remove_comments=True)
    try:
        return etree.fromstring(content, parser)
    except etree.XMLSyntaxError as exc:
        raise BpmnProblem(codes.BPMN_MALFORMED, f"not well-formed XML: {exc}") from exc


def properties(element) -> dict[str, str]:
    """Name/value properties from any vendor's extension block; "xiaobao." prefixes are optional."""
    found: dict[str, str] = {}
    ext = element.find(f"{{{BPMN_NS}}}extensionElements")
    if ext is None:
        return found
    for prop in ext.iter():
        if local(prop.tag) == "property" and namespace(prop.tag) != BPMN_NS and prop.get("name"):
            name = re.sub(r"^xiaobao[.:]", "", prop.get("name").strip())
            found[name] = (prop.get("value") if prop.get("value") is not None else (prop.text or "")).strip()
    return found


def _unwrap(expression: str) -> str:
    """Camunda writes `${x}`; the runtime evaluates Python, so the wrapper goes."""
    text = (expression or "").strip()
    match = re.fullmatch(r"\$\{(.*)\}", text, flags=re.S)
    return match.group(1).strip() if match else text


def _int(value: str, element_id: str, what: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise BpmnProblem(codes.BPMN_INVALID, f"{what} must be a whole number, got {value!r}", element_id) from None
    if number < 0:
        raise BpmnProblem(codes.BPMN_INVALID, f"{what} must not be negative", element_id)
    return number


def _form(element, props: dict, element_id: str) -> list[dict]:
    fields: list[dict] = []
    for form_field in element.iter(f"{{{CAMUNDA_NS}}}formField"):
        required = any(c.get("name") == "required" for c in form_field.iter(f"{{{CAMUNDA_NS}}}constraint"))
        choices = [[v.get("id"), v.get("name") or v.get("id")] for v in form_field.iter(f"{{{CAMUNDA_NS}}}value")]
        fields.append(
            {
                "id": form_field.get("id"),
                "label": form_field.get("label") or form_field.get("id"),
                "type": form_field.get("type") or "string",
                "required": required,
                "choices": choices,
            }
        )
    # Compact property form: "approved:boolean:同意?;comment:text:意见" ("!" after the label = required).
    for spec in filter(None, (s.strip() for s in props.get("form", "").split(";"))):
        parts = [p.strip() for p in spec.split(":")]
        label = parts[2] if len(parts) > 2 else parts[0]
        fields.append(
            {
                "id": parts[0],
                "label": label.rstrip("!"),
                "type": parts[1] if len(parts) > 1 else "string",
                "required": label.endswith("!"),
                "choices": [],
            }
        )
    for f in fields:
        if not f["id"] or not re.fullmatch(r"[A-Za-z_]\w*", f["id"]):
            raise BpmnProblem(codes.BPMN_INVALID, f"form field id {f['id']!r} is not a valid name", element_id)
        if f["type"] not in FORM_TYPES:
            raise BpmnProblem(codes.BPMN_UNSUPPORTED, f"form field type {f['type']!r} is not supported", element_id)
    return fields


def _timer(element, default_unit: str) -> dict | None:
    definition = element.find(f"{{{BPMN_NS}}}timerEventDefinition")
    if definition is None:
        return None
    element_id = element.get("id", "")
    props = {**properties(element), **properties(definition)}
    unit = props.get("dayUnit", default_unit)
    if unit not in DAY_UNITS:
        raise BpmnProblem(codes.BAD_TIMER, f"dayUnit must be one of {sorted(DAY_UNITS)}", element_id)
    duration = definition.find(f"{{{BPMN_NS}}}timeDuration")
    moment = definition.find(f"{{{BPMN_NS}}}timeDate")
    if duration is not None:
        expr = _unwrap(duration.text).strip("'\" ").upper()
        if not DURATION_RE.match(expr):
            raise BpmnProblem(
                codes.BAD_TIMER, f"timer duration {expr!r} is not an ISO 8601 duration (e.g. P15D)", element_id
            )
        kind = "duration"
    elif moment is not None:
        # Zeebe writes FEEL as "=name"; Camunda "${name}". A bare name is a process variable holding
        # the moment (e.g. a work order's due_at), read when the timer starts waiting.
        expr = _unwrap(moment.text).strip("'\" ").removeprefix("=").strip()
        if VARIABLE_RE.fullmatch(expr):
            kind = "variable"
        else:
            try:
                datetime.fromisoformat(expr)
            except ValueError:
                raise BpmnProblem(
                    codes.BAD_TIMER,
                    f"timer date {expr!r} is neither an ISO 8601 date-time nor a process variable",
                    element_id,
                ) from None
            kind = "date"
    else:
        raise BpmnProblem(codes.BAD_TIMER, "a timer needs a timeDuration or a timeDate", element_id)
    return {
        "kind": kind,
        "expr": expr,
        "unit": unit,
        "name": element.get("name") or element_id,
        "attached_to": element.get("attachedToRef", ""),
        "interrupting": element.get("cancelActivity", "true") != "false",
    }


def _lanes(process) -> dict[str, dict]:
    """element id -> {"lane": name, "role": role from the lane's properties or its name}."""
    found: dict[str, dict] = {}
    for lane in process.iter(f"{{{BPMN_NS}}}lane"):
        props = properties(lane)
        info = {"lane": lane.get("name", ""), "role": props.get("role") or (lane.get("name") or "").strip()}
        for ref in lane.findall(f"{{{BPMN_NS}}}flowNodeRef"):
            # the innermost lane wins: iter() visits parents before children
            found[(ref.text or "").strip()] = info
    return found


def _user_task(element, lanes: dict, default_unit: str) -> dict:
    element_id = element.get("id", "")
    props = properties(element)
    role = (
        props.get("role")
        or (element.get(f"{{{CAMUNDA_NS}}}candidateGroups") or "").split(",")[0].strip()
        or next(
            (
                (a.get("candidateGroups") or "").split(",")[0].strip()
                for a in element.iter(f"{{{ZEEBE_NS}}}assignmentDefinition")
            ),
            "",
        )
    )
    role_from_lane = False
    if not role and element_id in lanes:
        role, role_from_lane = lanes[element_id]["role"], True
    assignee = _unwrap(props.get("assignee") or element.get(f"{{{CAMUNDA_NS}}}assignee") or "")
    if assignee and assignee not in ASSIGNEE_RULES:
        raise BpmnProblem(
            codes.TASK_UNASSIGNED, f"assignee rule {assignee!r} is not one of {sorted(ASSIGNEE_RULES)}", element_id
        )
    if not role and not assignee:
        # assigneeFrom alone is not enough: when the variable is empty, someone must still be able to claim it
        raise BpmnProblem(
            codes.TASK_UNASSIGNED,
            "user task has no assignment: give it a role (property, candidateGroups or lane)",
            element_id,
        )
    org = props.get("org", "business")
    if org not in ORG_RULES:
        raise BpmnProblem(codes.BAD_ORG_RULE, f"org rule {org!r} is not one of {sorted(ORG_RULES)}", element_id)
    unit = props.get("dayUnit", default_unit)
    if unit not in DAY_UNITS:
        raise BpmnProblem(codes.BAD_TIMER, f"dayUnit must be one of {sorted(DAY_UNITS)}", element_id)
    due_days = _int(props["dueDays"], element_id, "dueDays") if props.get("dueDays") else None
    remind = _int(props.get("remindBeforeDays", "1"), element_id, "remindBeforeDays")
    # Data-driven settings: the variable names a business object's own person or deadline.
    assignee_from, due_from = props.get("assigneeFrom", ""), props.get("dueFrom", "")
    for what, name in (("assigneeFrom", assignee_from), ("dueFrom", due_from)):
        if name and not VARIABLE_RE.fullmatch(name):
            raise BpmnProblem(codes.BPMN_INVALID, f"{what} must name a process variable, got {name!r}", element_id)
    if due_from and due_days is not None:
        raise BpmnProblem(codes.BPMN_INVALID, "give dueDays or dueFrom, not both", element_id)
    return {
        "name": element.get("name") or element_id,
        "role": role,
        "role_from_lane": role_from_lane,
        "assignee": assignee,
        "assignee_from": assignee_from,
        "due_from": due_from,
        "org": org,
        "due_days": due_days,
        "day_unit": unit,
        "remind_before_days": remind,
        "form": _form(element, props, element_id),
    }


def _service_handler(element) -> str:
    props = properties(element)
    if props.get("handler"):
        return props["handler"]
    for operator in element.iter(f"{{{SPIFF_NS}}}serviceTaskOperator"):
        return operator.get("id", "")
    for definition in element.iter(f"{{{ZEEBE_NS}}}taskDefinition"):
        return definition.get("type", "")
    return element.get(f"{{{CAMUNDA_NS}}}topic", "")


def _check_elements(root) -> None:
    if namespace(root.tag) != BPMN_NS or local(root.tag) != "definitions":
        raise BpmnProblem(codes.BPMN_MALFORMED, "the root element is not bpmn:definitions")
    for element in root.iter():
        if namespace(element.tag) != BPMN_NS:
            continue  # diagram interchange and vendor extensions are not ours to judge
        name = local(element.tag)
        owner = element if element.get("id") else element.getparent()
        element_id = (owner.get("id") if owner is not None else "") or ""
        if name not in SUPPORTED:
            hint = UNSUPPORTED_HINTS.get(name, "see docs/workflow.md for the supported elements")
            raise BpmnProblem(codes.BPMN_UNSUPPORTED, f"bpmn:{name} is not supported: {hint}", element_id)
        if name == "subProcess" and element.get("triggeredByEvent") == "true":
            raise BpmnProblem(codes.BPMN_UNSUPPORTED, "event subprocesses are not supported", element_id)
        if name == "scriptTask" and (element.get("scriptFormat") or "python").lower() not in {"python", "python3"}:
            raise BpmnProblem(codes.BAD_SCRIPT, "script tasks must be written in Python", element_id)


def _main_process(root):
    processes = root.findall(f"{{{BPMN_NS}}}process")
    if not processes:
        raise BpmnProblem(codes.BPMN_MALFORMED, "the file has no bpmn:process")
    executable = [p for p in processes if p.get("isExecutable") == "true"] or processes
    called = {c.get("calledElement") for c in root.iter(f"{{{BPMN_NS}}}callActivity")}
    top = [p for p in executable if p.get("id") not in called] or executable
    return top[0]


def read(content: bytes) -> tuple[ReadModel, bytes]:
    """Check a BPMN file and extract the runtime's metadata; returns (model, bytes for the engine)."""
    root = safe_tree(content)
    _check_elements(root)
    main = _main_process(root)
    meta: dict = {"user_tasks": {}, "timers": {}, "services": {}}
    for process in root.findall(f"{{{BPMN_NS}}}process"):
        default_unit = properties(process).get("dayUnit", "working")
        if default_unit not in DAY_UNITS:
            raise BpmnProblem(codes.BAD_TIMER, f"dayUnit must be one of {sorted(DAY_UNITS)}", process.get("id", ""))
        lanes = _lanes(process)
        for element in process.iter():
            name = local(element.tag)
            if namespace(element.tag) != BPMN_NS or name not in FLOW_NODES:
                continue
            element_id = element.get("id", "")
            if name == "userTask":
                meta["user_tasks"][element_id] = _user_task(element, lanes, default_unit)
            elif name == "serviceTask":
                handler = _service_handler(element)
                if not handler:
                    raise BpmnProblem(codes.UNKNOWN_SERVICE, "service task names no handler", element_id)
                meta["services"][element_id] = handler
            timer = _timer(element, default_unit)
            if timer:
                meta["timers"][element_id] = timer
    # completeOn="object": people do these tasks on the business object's own page, whose service keeps
    # the object in step; the generic task page and API then refuse to complete them.
    meta["complete_on_object"] = properties(main).get("completeOn", "") == "object"
    # viewPermission="app.codename": who may read this process's tasks and history when its business object's
    # type registered no visibility rule of its own (workflow/access.py).
    view_permission = properties(main).get("viewPermission", "").strip()
    if view_permission:
        if not VIEW_PERMISSION_FORM.fullmatch(view_permission):
            raise BpmnProblem(codes.BPMN_INVALID, "viewPermission must be app_label.codename", main.get("id", ""))
        meta["view_permission"] = view_permission
    key = main.get("id", "")
    model = ReadModel(key=key, name=main.get("name") or key, version=content_version(content), meta=meta)
    return model, engine_bytes(root)


def engine_bytes(root) -> bytes:
    """The tree as the engine should see it: timers defused (we schedule them), Camunda ${} unwrapped,
    and every process executable (bpmn.io saves new diagrams with isExecutable="false")."""
    for process in root.findall(f"{{{BPMN_NS}}}process"):
        process.set("isExecutable", "true")
    for duration in root.iter(f"{{{BPMN_NS}}}timeDuration"):
        duration.text = ENGINE_DURATION
    for moment in root.iter(f"{{{BPMN_NS}}}timeDate"):
        moment.text = ENGINE_DATE
    for condition in root.iter(f"{{{BPMN_NS}}}conditionExpression"):
        condition.text = _unwrap(condition.text)
    return etree.tostring(root)
