"""Workflow refusals: a code from error_codes.py, a message, and the HTTP status the API answers."""

from __future__ import annotations

from xiaobao.core.api_errors import BusinessRuleError


class WorkflowError(BusinessRuleError):
    """A refusal a user can cause (400 unless said otherwise)."""

    def user_message(self) -> str:
        """The sentence a page shows (the detail is for developers): workflow/messages.py."""
        from xiaobao.workflow.messages import sentence  # messages imports this module

        return sentence(self)


class WorkflowConflict(WorkflowError):
    """Someone else acted first: the caller should reload (409)."""

    status_code = 409

    def __init__(self, code: str, detail: str = "", fields: dict | None = None):
        super().__init__(code, detail, fields, status_code=409)


class NotAllowed(WorkflowError):
    status_code = 403

    def __init__(self, code: str, detail: str = "", fields: dict | None = None):
        super().__init__(code, detail, fields, status_code=403)
