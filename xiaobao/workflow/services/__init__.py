"""Workflow use cases: deploy, start, complete, claim, release, reassign, delegate, set_due, cancel,
sweep.

Each service is one transaction that writes its history row (`Transition`) and its audit row;
a refusal raises a WorkflowError with a code from error_codes.py. Engine steps always lock the
instance row first (then task rows), so two steps on one instance queue instead of interleaving,
and an exception anywhere — including a failing script inside the engine — leaves nothing written.

The modules split along what a service touches: deploy (definitions), runtime (engine steps:
start, complete, cancel), tasks (who holds a task), timers (the periodic sweep); step holds the
engine advance they share. Callers use this package: `services.complete(...)`.
"""

from xiaobao.workflow.services.deploy import DEPLOYED, MADE_CURRENT, UNCHANGED, deploy, deploy_app_processes
from xiaobao.workflow.services.runtime import cancel, complete, start
from xiaobao.workflow.services.tasks import claim, delegate, reassign, release, set_due
from xiaobao.workflow.services.timers import BATCH, sweep_timers

__all__ = [
    "BATCH",
    "DEPLOYED",
    "MADE_CURRENT",
    "UNCHANGED",
    "cancel",
    "claim",
    "complete",
    "delegate",
    "deploy",
    "deploy_app_processes",
    "reassign",
    "release",
    "set_due",
    "start",
    "sweep_timers",
]
