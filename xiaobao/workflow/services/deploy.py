"""Deploying BPMN files: validation (refusals name the element) and the current-version switch."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from django.apps import apps
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xiaobao.core import audit
from xiaobao.core.models import Role
from xiaobao.workflow import bpmn, engine, handlers
from xiaobao.workflow import error_codes as codes
from xiaobao.workflow.bpmn import BpmnProblem
from xiaobao.workflow.exceptions import WorkflowError
from xiaobao.workflow.models import ProcessDefinition

# What a deploy did, on the returned definition's `deploy_outcome`: identical content is never stored twice.
DEPLOYED = "deployed"  # new content: a new version, now current
MADE_CURRENT = "made_current"  # the content of an older version: that version is current again
UNCHANGED = "unchanged"  # the content of the current version: nothing written


def _refusal(problem: BpmnProblem) -> WorkflowError:
    fields = {"element_id": [problem.element_id]} if problem.element_id else {}
    return WorkflowError(problem.code, str(problem), fields=fields)


def _resolve_roles(meta: dict) -> None:
    """Role codes must exist; a lane may name a role by code or by its Chinese name."""
    wanted = {t["role"] for t in meta["user_tasks"].values() if t["role"]}
    if not wanted:
        return
    known, ids = {}, {}
    for pk, code, name in Role.objects.values_list("pk", "code", "name"):
        known[code] = code
        known.setdefault(name, code)
        ids[code] = pk
    for element_id, task in meta["user_tasks"].items():
        if task["role"] and task["role"] not in known:
            raise BpmnProblem(codes.UNKNOWN_ROLE, _("角色“%(role)s”不存在。") % {"role": task["role"]}, element_id)
        if task["role"]:
            task["role"] = known[task["role"]]
            # resolved once here, not per step (roles are never deleted: core.roles only adds)
            task["role_id"] = ids[task["role"]]


def _check_handlers(meta: dict) -> None:
    for element_id, name in meta["services"].items():
        if handlers.get(name) is None:
            raise BpmnProblem(codes.UNKNOWN_SERVICE, _("服务处理程序“%(name)s”未注册。") % {"name": name}, element_id)


@transaction.atomic
def deploy(*, content: bytes, actor=None, source: str = "upload", now: datetime | None = None) -> ProcessDefinition:
    """Deploy a BPMN file as the current version of its process; identical content is not deployed twice.

    The returned definition's `deploy_outcome` says which: DEPLOYED, MADE_CURRENT or UNCHANGED (a no-op).

    Refuses (400, `fields.element_id` names the element): malformed or non-UTF-8 XML, DTDs/entities,
    elements the runtime does not support, user tasks without an assignment, unknown roles, bad org
    rules, timers or scripts, unregistered service handlers, and models the engine cannot load.
    """
    now = now or timezone.now()
    try:
        try:
            xml = content.decode("utf-8")
        except UnicodeDecodeError:
            raise BpmnProblem(codes.BPMN_MALFORMED, _("BPMN 文件须为 UTF-8 编码。")) from None
        model, engine_xml = bpmn.read(content)
        _resolve_roles(model.meta)
        _check_handlers(model.meta)
        parsed = engine.parse(engine_xml, model.key)
    except BpmnProblem as problem:
        raise _refusal(problem) from problem
    engine.remember(model.version, parsed)
    existing = ProcessDefinition.objects.filter(key=model.key, version=model.version).first()
    if existing is not None:
        existing.deploy_outcome = UNCHANGED
        if not existing.is_current:
            ProcessDefinition.objects.filter(key=model.key, is_current=True).update(is_current=False)
            existing.is_current = True
            existing.save(update_fields=["is_current"])
            audit.record(actor=actor, action="workflow.definition.current", obj=existing, at=now)
            existing.deploy_outcome = MADE_CURRENT
        return existing
    ProcessDefinition.objects.filter(key=model.key, is_current=True).update(is_current=False)
    definition = ProcessDefinition.objects.create(
        key=model.key,
        name=model.name,
        version=model.version,
        xml=xml,
        meta=model.meta,
        source=source[:300],
        is_current=True,
        deployed_at=now,
        deployed_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    definition.deploy_outcome = DEPLOYED
    audit.record(
        actor=actor,
        action="workflow.definition.deploy",
        obj=definition,
        changes={"key": model.key, "version": model.version, "source": source},
        at=now,
    )
    return definition


def deploy_app_processes() -> list[ProcessDefinition]:
    """Deploy every `processes/*.bpmn` of the installed xiaobao apps (run after migrate)."""
    deployed = []
    for app_config in apps.get_app_configs():
        if not app_config.name.startswith("xiaobao."):
            continue
        for path in sorted((Path(app_config.path) / "processes").glob("*.bpmn")):
            deployed.append(deploy(content=path.read_bytes(), source=f"{app_config.label}/processes/{path.name}"))
    return deployed
