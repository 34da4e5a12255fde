"""The sentence a page shows for a refusal from the review services.

Review and upload refusals already carry a translated sentence; the workflow's carry a developer's
detail, so they get the workflow's own user-facing sentences.
"""

from __future__ import annotations

from xiaobao.core.api_errors import BusinessRuleError
from xiaobao.workflow.exceptions import WorkflowError
from xiaobao.workflow.messages import refusal_message as workflow_refusal_message


def refusal_message(refusal: BusinessRuleError) -> str:
    if isinstance(refusal, WorkflowError):
        return workflow_refusal_message(refusal)
    return str(refusal.detail)
