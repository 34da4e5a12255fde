"""The only module that touches SpiffWorkflow objects (with bpmn.py reading the XML before it).

Per step the runtime does as little engine work as possible:

* a definition is parsed once per process per version (`compiled`), never per step;
* an instance stores only its task tree (`dump_state`), never the spec — the spec is ~half of a
  full Spiff serialization and is the same for every instance of a version;
* after a commit, the live workflow object is kept in a small LRU keyed by (instance uid, version);
  the next step on that instance in this process takes it from there instead of restoring JSON.
  A miss (another worker advanced the instance, or eviction) just restores from the row.
"""

from __future__ import annotations

import builtins
import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from uuid import UUID

from django.utils.translation import gettext as _
from lxml import etree
from SpiffWorkflow.bpmn.parser.TaskParser import TaskParser
from SpiffWorkflow.bpmn.parser.util import full_tag
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter
from SpiffWorkflow.bpmn.serializer.helpers.encoder import create_encoder
from SpiffWorkflow.bpmn.serializer.workflow import VERSION as SERIALIZER_VERSION
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.specs.defaults import ServiceTask
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

from xiaobao.workflow import error_codes as codes
from xiaobao.workflow.bpmn import BpmnProblem

EngineError = SpiffWorkflowException

# Scripts and conditions come from deployed models (admins upload them), so they run with a short
# list of harmless builtins: no open, no __import__, no getattr tricks.
SAFE_BUILTINS = {
    name: getattr(builtins, name)
    for name in [
        "abs",
        "all",
        "any",
        "bool",
        "dict",
        "divmod",
        "enumerate",
        "filter",
        "float",
        "format",
        "int",
        "isinstance",
        "len",
        "list",
        "map",
        "max",
        "min",
        "range",
        "repr",
        "reversed",
        "round",
        "set",
        "sorted",
        "str",
        "sum",
        "tuple",
        "zip",
        "ValueError",
        "Exception",
    ]
}
SCRIPT_ENGINE = PythonScriptEngine(
    environment=TaskDataEnvironment(
        {"__builtins__": SAFE_BUILTINS, "Decimal": Decimal, "date": date, "datetime": datetime, "timedelta": timedelta}
    )
)


class HandlerServiceTask(ServiceTask):
    """A service task that calls a registered handler (handlers.py) and finishes in the same step.

    Spiff's default service task stays STARTED, waiting for an outside answer; ours are synchronous.
    The runner is set on the workflow by `run_engine`, because specs are shared by all instances.
    """

    def _execute(self, task):
        runner = getattr(task.workflow.top_workflow, "xiaobao_service_call", None)
        if runner is None:
            raise SpiffWorkflowException(f"no service runner for {self.bpmn_id}")
        runner(task)
        return True


class XiaobaoParser(SpiffBpmnParser):
    """Spiff's parser, except service tasks: ours name a handler, not a Spiff connector operator."""

    OVERRIDE_PARSER_CLASSES = {
        **SpiffBpmnParser.OVERRIDE_PARSER_CLASSES,
        full_tag("serviceTask"): (TaskParser, HandlerServiceTask),
    }


class StateOnlyWorkflowConverter(BpmnWorkflowConverter):
    """Serialize a workflow without its spec; restore it onto a cached, already-parsed spec."""

    def to_dict(self, workflow):
        dct = super(BpmnWorkflowConverter, self).to_dict(workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct, spec=None, subprocess_specs=None):
        workflow = self.target_class(spec, subprocess_specs, script_engine=SCRIPT_ENGINE, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


def _registry():
    registry = BpmnWorkflowSerializer.configure(SPIFF_CONFIG)
    StateOnlyWorkflowConverter(BpmnWorkflow, registry)
    # Task data may hold dates and amounts (complaint dates, compensation); JSON has neither.
    registry.register(date, lambda v: {"value": v.isoformat()}, lambda v: date.fromisoformat(v["value"]))
    registry.register(Decimal, lambda v: {"value": str(v)}, lambda v: Decimal(v["value"]))
    return registry


REGISTRY = _registry()
ENCODER = create_encoder(REGISTRY)


# --- definitions ---------------------------------------------------------------------


@dataclass(frozen=True)
class Compiled:
    spec: object
    subprocess_specs: dict


_compiled: dict[str, Compiled] = {}
_compiled_lock = threading.Lock()


def parse(engine_xml: bytes, key: str) -> Compiled:
    """Run the engine's parser; its refusals become BpmnProblem with the element id."""
    parser = XiaobaoParser()
    try:
        parser.add_bpmn_xml(etree.fromstring(engine_xml), filename=f"{key}.bpmn")
        return Compiled(parser.get_spec(key), parser.get_subprocess_specs(key))
    except ValidationException as exc:
        # the engine's reason is English and technical; it follows a sentence in the user's language
        reason = str(exc).split("\n")[0]
        message = _("流程引擎拒绝了该模型：%(reason)s") % {"reason": reason}
        raise BpmnProblem(codes.BPMN_INVALID, message, getattr(exc, "id", "") or "") from exc
    except (SpiffWorkflowException, KeyError, ValueError) as exc:
        raise BpmnProblem(codes.BPMN_INVALID, _("流程引擎无法加载该模型。")) from exc


def remember(version: str, parsed: Compiled) -> None:
    with _compiled_lock:
        _compiled.setdefault(version, parsed)


def compiled(version: str, key: str, xml: str) -> Compiled:
    """The parsed spec of a deployed version, parsed at most once per process."""
    found = _compiled.get(version)
    if found is None:
        from xiaobao.workflow.bpmn import engine_bytes, safe_tree

        found = parse(engine_bytes(safe_tree(xml.encode("utf-8"))), key)
        with _compiled_lock:
            _compiled.setdefault(version, found)
    return found


def spec_for(version: str, key: str, load_xml: Callable[[], str]) -> Compiled:
    """The parsed spec of a deployed version; `load_xml()` is called only when it is not cached yet."""
    found = _compiled.get(version)
    return found if found is not None else compiled(version, key, load_xml())


# --- state ----------------------------------------------------------------------------


def new_workflow(spec: Compiled, data: dict | None = None) -> BpmnWorkflow:
    workflow = BpmnWorkflow(spec.spec, spec.subprocess_specs, script_engine=SCRIPT_ENGINE)
    if data:
        start = workflow.get_next_task(state=TaskState.READY)
        start.data.update(data)
    return workflow


_encoder_lock = threading.Lock()


def dump_state(workflow: BpmnWorkflow) -> str:
    # Spiff converts task data (dates, Decimals) in the JSON encoder, with the registry in
    # "encoder mode" — a flag on the shared registry, hence the lock.
    with _encoder_lock:
        REGISTRY._encoder_mode = True
        try:
            dct = REGISTRY.convert(workflow)
            dct["serializer_version"] = SERIALIZER_VERSION
            return json.dumps(dct, cls=ENCODER, separators=(",", ":"), ensure_ascii=False)
        finally:
            REGISTRY._encoder_mode = False


def load_state(state: str, spec: Compiled) -> BpmnWorkflow:
    dct = json.loads(state)
    dct.pop("serializer_version", None)
    return REGISTRY.restore(dct, spec=spec.spec, subprocess_specs=spec.subprocess_specs)


class LiveWorkflows:
    """A thread-safe LRU of workflow objects. `take` removes, so one caller owns an object at a time."""

    def __init__(self, size: int = 256):
        self.size = size
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def take(self, key):
        with self._lock:
            found = self._items.pop(key, None)
            if found is None:
                self.misses += 1
            else:
                self.hits += 1
            return found

    def put(self, key, workflow) -> None:
        with self._lock:
            self._items[key] = workflow
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


LIVE = LiveWorkflows()


# --- reading and advancing ------------------------------------------------------------


def _workflows(workflow: BpmnWorkflow):
    yield workflow
    yield from workflow.subprocesses.values()


def ready_user_tasks(workflow: BpmnWorkflow) -> list:
    return [t for wf in _workflows(workflow) for t in wf.get_tasks(state=TaskState.READY, manual=True)]


def user_tasks(workflow: BpmnWorkflow) -> list:
    """Every user task the engine has reached (any state), in all subprocesses."""
    return [
        t
        for wf in _workflows(workflow)
        for t in wf.get_tasks(manual=True)
        if t.state >= TaskState.WAITING or t.state == TaskState.CANCELLED
    ]


def waiting_timers(workflow: BpmnWorkflow) -> list:
    return [
        t
        for t in workflow.event_manager.tasks.values()
        if isinstance(t.task_spec.event_definition, TimerEventDefinition) and t.state == TaskState.WAITING
    ]


def find_task(workflow: BpmnWorkflow, engine_task_id: str):
    try:
        return workflow.get_task_from_id(UUID(engine_task_id))
    except Exception:  # TaskNotFoundException and malformed ids alike: the task is gone
        return None


def run_engine(workflow: BpmnWorkflow, service_call=None) -> None:
    """Run every automatic step; `service_call(task)` does the work of each service task."""
    workflow.xiaobao_service_call = service_call
    workflow.do_engine_steps()


def complete_user_task(workflow: BpmnWorkflow, task, data: dict, service_call=None) -> None:
    task.data.update(data)
    task.run()
    run_engine(workflow, service_call)


def fire_timer(workflow: BpmnWorkflow, task, service_call=None) -> None:
    task._set_internal_data(event_fired=True)
    workflow.refresh_timers()
    run_engine(workflow, service_call)


def is_ready_user_task(task) -> bool:
    return task is not None and task.state == TaskState.READY and task.task_spec.manual


def is_waiting(task) -> bool:
    return task is not None and task.state == TaskState.WAITING


def element_id(task) -> str:
    return getattr(task.task_spec, "bpmn_id", None) or task.task_spec.name


def element_states(workflow: BpmnWorkflow) -> dict[str, list[str]]:
    """Element ids by what happened to them, for the diagram: completed, current (ready/waiting)."""
    done, current = set(), set()
    for wf in _workflows(workflow):
        for task in wf.get_tasks():
            bpmn_id = getattr(task.task_spec, "bpmn_id", None)
            if not bpmn_id:
                continue
            if task.state == TaskState.COMPLETED:
                done.add(bpmn_id)
            elif task.state in (TaskState.READY, TaskState.WAITING, TaskState.STARTED):
                current.add(bpmn_id)
    return {"completed": sorted(done - current), "current": sorted(current)}


def states_of(state: str, spec: Compiled) -> dict[str, list[str]]:
    """Element states of a stored instance state (restores it: for detail pages, not per step)."""
    return element_states(load_state(state, spec))


def cancel(workflow: BpmnWorkflow) -> None:
    workflow.cancel()
