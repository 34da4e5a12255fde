"""The sentence a page shows for a service refusal, and putting it on the form fields it names."""

from __future__ import annotations

from xiaobao.core.api_errors import BusinessRuleError


def refusal_message(error: BusinessRuleError) -> str:
    """A user-facing sentence for a service refusal. The domain apps' and core's refusals already carry a
    translated sentence, shown as it is; a refusal whose detail is for developers (the workflow's) says its
    own sentence through `user_message()`."""
    user_message = getattr(error, "user_message", None)
    return user_message() if callable(user_message) else str(error.detail)


def put_on_form(form, refusal: BusinessRuleError, *, fallback: bool = True, field_names=None) -> bool:
    """Put a service refusal on the form fields it names (else, with `fallback`, on the form itself).

    `field_names(name)` maps a field the service names to candidate form fields (e.g. "due" → "due_days").
    Returns True if the message went on a field — a page then need not repeat it at the top.
    """
    message = refusal_message(refusal)
    placed = False
    for field in refusal.fields or {}:
        candidates = field_names(str(field)) if field_names else [str(field)]
        name = next((n for n in candidates if n in form.fields), None)
        if name:
            form.add_error(name, message)
            placed = True
    if not placed and fallback:
        form.add_error(None, message)
    return placed
