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

import calendar
import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from xml.etree.ElementTree import ParseError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException
from django.utils.translation import gettext as _
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
FORM_TYPES = {"boolean", "string", "text", "long", "date", "enum"}
VARIABLE_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# ISO 8601 durations; any component may carry a decimal fraction (dot or comma), the smallest given only.
_AMOUNT = r"\d+(?:[.,]\d+)?"
DURATION_RE = re.compile(
    rf"^P(?!$)(?:(?P<years>{_AMOUNT})Y)?(?:(?P<months>{_AMOUNT})M)?(?:(?P<weeks>{_AMOUNT})W)?(?:(?P<days>{_AMOUNT})D)?"
    rf"(?:T(?=\d)(?:(?P<hours>{_AMOUNT})H)?(?:(?P<minutes>{_AMOUNT})M)?(?:(?P<seconds>{_AMOUNT})S)?)?$"
)
DURATION_PARTS = ("years", "months", "weeks", "days", "hours", "minutes", "seconds")
# What the engine sees instead of a timer's expression: the runtime schedules timers itself on the
# working-day calendar, so the engine's own wall-clock check must never fire first.
ENGINE_DURATION = '"P36500D"'
ENGINE_DATE = '"2999-12-31T00:00:00+00:00"'


def parse_duration(expression: str) -> dict[str, Decimal] | None:
    """The components of an ISO 8601 duration (`P15D`, `PT4H`, `PT1.5S`, `P0,5D`), or None if it is not one.

    Only the smallest component given may have a fraction (ISO 8601 §4.4.3.2: `PT1.5H30M` is not a duration).
    """
    match = DURATION_RE.match(expression)
    if match is None:
        return None
    given = [(name, match.group(name)) for name in DURATION_PARTS if match.group(name) is not None]
    if any("." in value or "," in value for _name, value in given[:-1]):
        return None
    return {name: Decimal(value.replace(",", ".")) for name, value in given}


def whole_days(parts: dict[str, Decimal]) -> int | None:
    """Days and weeks only, in whole numbers: counted on the working-day calendar (or as calendar days).
    Anything with years, months, a time of day or a fraction is wall-clock time instead (None)."""
    if set(parts) - {"days", "weeks"}:
        return None
    days = parts.get("days", Decimal(0)) + 7 * parts.get("weeks", Decimal(0))
    return int(days) if days == days.to_integral_value() else None


def duration_end(parts: dict[str, Decimal], start: datetime) -> datetime:
    """`start` plus the duration on the wall clock. Whole months move the calendar date (31 January plus a
    month is the last day of February); a fraction of a month is that share of the following month's days."""
    months = parts.get("years", Decimal(0)) * 12 + parts.get("months", Decimal(0))
    whole = int(months)
    index = start.month - 1 + whole
    year, month = start.year + index // 12, index % 12 + 1
    moved = start.replace(year=year, month=month, day=min(start.day, calendar.monthrange(year, month)[1]))
    extra_days = (months - whole) * calendar.monthrange(year, month)[1]
    return moved + timedelta(
        weeks=float(parts.get("weeks", 0)),
        days=float(parts.get("days", 0) + extra_days),
        hours=float(parts.get("hours", 0)),
        minutes=float(parts.get("minutes", 0)),
        seconds=float(parts.get("seconds", 0)),
    )


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


def _malformed(exc) -> str:
    """Where the XML breaks, in the user's language (the parsers' own messages are English)."""
    position = getattr(exc, "position", None) or (getattr(exc, "lineno", None), None)
    if position and position[0]:
        return _("不是格式正确的 XML（第 %(line)s 行附近）。") % {"line": position[0]}
    return _("不是格式正确的 XML。")


def safe_tree(content: bytes):
    """Parse untrusted bytes: defusedxml decides whether they are safe, then lxml builds the tree."""
    if len(content) > MAX_BYTES:
        raise BpmnProblem(codes.FILE_TOO_LARGE, _("BPMN 文件超过 %(kb)s KB。") % {"kb": MAX_BYTES // 1024})
    try:
        SafeET.fromstring(content, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise BpmnProblem(codes.BPMN_FORBIDDEN_XML, _("文件含有 DTD、实体或外部引用，不予接受。")) from exc
    except ParseError as exc:
        raise BpmnProblem(codes.BPMN_MALFORMED, _malformed(exc)) from exc
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, remove_comments=True)
    try:
        return etree.fromstring(content, parser)
    except etree.XMLSyntaxError as exc:
        raise BpmnProblem(codes.BPMN_MALFORMED, _malformed(exc)) from exc


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
        raise BpmnProblem(
            codes.BPMN_INVALID, _("%(what)s 须为整数，现为“%(value)s”。") % {"what": what, "value": value}, element_id
        ) from None
    if number < 0:
        raise BpmnProblem(codes.BPMN_INVALID, _("%(what)s 不能为负数。") % {"what": what}, element_id)
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
            raise BpmnProblem(
                codes.BPMN_INVALID, _("表单字段标识“%(id)s”不是有效的名称。") % {"id": f["id"]}, element_id
            )
        if f["type"] not in FORM_TYPES:
            raise BpmnProblem(
                codes.BPMN_UNSUPPORTED, _("不支持表单字段类型“%(type)s”。") % {"type": f["type"]}, element_id
            )
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
        if parse_duration(expr) is None:
            raise BpmnProblem(
                codes.BAD_TIMER,
                _("定时器时长“%(expr)s”不是 ISO 8601 时长（例如 P15D、PT4H、PT1.5S）。") % {"expr": expr},
                element_id,
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
                    _("定时器时间“%(expr)s”既不是 ISO 8601 日期时间，也不是流程变量名。") % {"expr": expr},
                    element_id,
                ) from None
            kind = "date"
    else:
        raise BpmnProblem(codes.BAD_TIMER, _("定时器需要 timeDuration 或 timeDate。"), element_id)
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
            codes.TASK_UNASSIGNED,
            _("办理人规则“%(rule)s”无效，可用：%(allowed)s。")
            % {"rule": assignee, "allowed": ", ".join(sorted(ASSIGNEE_RULES))},
            element_id,
        )
    if not role and not assignee:
        # assigneeFrom alone is not enough: when the variable is empty, someone must still be able to claim it
        raise BpmnProblem(
            codes.TASK_UNASSIGNED,
            _("用户任务没有指定办理角色：请通过属性 role、candidateGroups 或泳道指定。"),
            element_id,
        )
    org = props.get("org", "business")
    if org not in ORG_RULES:
        raise BpmnProblem(
            codes.BAD_ORG_RULE,
            _("机构规则“%(rule)s”无效，可用：%(allowed)s。") % {"rule": org, "allowed": ", ".join(sorted(ORG_RULES))},
            element_id,
        )
    unit = props.get("dayUnit", default_unit)
    if unit not in DAY_UNITS:
        raise BpmnProblem(codes.BAD_TIMER, f"dayUnit must be one of {sorted(DAY_UNITS)}", element_id)
    due_days = _int(props["dueDays"], element_id, "dueDays") if props.get("dueDays") else None
    remind = _int(props.get("remindBeforeDays", "1"), element_id, "remindBeforeDays")
    # Data-driven settings: the variable names a business object's own person or deadline.
    assignee_from, due_from = props.get("assigneeFrom", ""), props.get("dueFrom", "")
    for what, name in (("assigneeFrom", assignee_from), ("dueFrom", due_from)):
        if name and not VARIABLE_RE.fullmatch(name):
            raise BpmnProblem(
                codes.BPMN_INVALID,
                _("%(what)s 须为流程变量名，现为“%(name)s”。") % {"what": what, "name": name},
                element_id,
            )
    if due_from and due_days is not None:
        raise BpmnProblem(codes.BPMN_INVALID, _("dueDays 与 dueFrom 只能给出其一。"), element_id)
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
        raise BpmnProblem(codes.BPMN_MALFORMED, _("根元素不是 bpmn:definitions。"))
    for element in root.iter():
        if namespace(element.tag) != BPMN_NS:
            continue  # diagram interchange and vendor extensions are not ours to judge
        name = local(element.tag)
        owner = element if element.get("id") else element.getparent()
        element_id = (owner.get("id") if owner is not None else "") or ""
        if name not in SUPPORTED:
            hint = UNSUPPORTED_HINTS.get(name, "see docs/workflow.md for the supported elements")
            raise BpmnProblem(
                codes.BPMN_UNSUPPORTED, _("不支持 bpmn:%(name)s：%(hint)s") % {"name": name, "hint": hint}, element_id
            )
        if name == "subProcess" and element.get("triggeredByEvent") == "true":
            raise BpmnProblem(codes.BPMN_UNSUPPORTED, _("不支持事件子流程，请改用活动上的边界事件。"), element_id)
        if name == "scriptTask" and (element.get("scriptFormat") or "python").lower() not in {"python", "python3"}:
            raise BpmnProblem(codes.BAD_SCRIPT, _("脚本任务须用 Python 编写。"), element_id)


def _main_process(root):
    processes = root.findall(f"{{{BPMN_NS}}}process")
    if not processes:
        raise BpmnProblem(codes.BPMN_MALFORMED, _("文件中没有 bpmn:process。"))
    executable = [p for p in processes if p.get("isExecutable") == "true"] or processes
    called = {c.get("calledElement") for c in root.iter(f"{{{BPMN_NS}}}callActivity")}
    top = [p for p in executable if p.get("id") not in called] or executable
    return top[0]


def _check_calls(root) -> None:
    """A call activity must call a process of this file, and no process may end up calling itself, directly
    or through others: the engine would expand the calls without end when the spec is built or run."""
    processes = {p.get("id", ""): p for p in root.findall(f"{{{BPMN_NS}}}process")}
    calls: dict[str, list[tuple[str, str]]] = {}
    for key, process in processes.items():
        for call in process.iter(f"{{{BPMN_NS}}}callActivity"):
            called = (call.get("calledElement") or "").strip()
            if called not in processes:
                raise BpmnProblem(
                    codes.BPMN_INVALID,
                    _("调用活动调用的流程“%(called)s”不在本文件中。") % {"called": called},
                    call.get("id", ""),
                )
            calls.setdefault(key, []).append((call.get("id", ""), called))
    done: set[str] = set()

    def visit(key: str, path: list[str]) -> None:
        for element_id, called in calls.get(key, []):
            if called in path:
                chain = " → ".join([*path[path.index(called) :], called])
                raise BpmnProblem(
                    codes.CALL_CYCLE, _("调用活动形成循环调用：%(chain)s。") % {"chain": chain}, element_id
                )
            if called not in done:
                visit(called, [*path, called])
        done.add(key)

    for key in processes:
        if key not in done:
            visit(key, [key])


def read(content: bytes) -> tuple[ReadModel, bytes]:
    """Check a BPMN file and extract the runtime's metadata; returns (model, bytes for the engine)."""
    root = safe_tree(content)
    _check_elements(root)
    _check_calls(root)
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
                    raise BpmnProblem(codes.UNKNOWN_SERVICE, _("服务任务没有指定处理程序（handler）。"), element_id)
                meta["services"][element_id] = handler
            timer = _timer(element, default_unit)
            if timer:
                meta["timers"][element_id] = timer
    # completeOn="object": people do these tasks on the business object's own page, whose service keeps
    # the object in step; the generic task page and API then refuse to complete them.
    meta["complete_on_object"] = properties(main).get("completeOn", "") == "object"
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
