"""Task data coming in from people and handlers: plain JSON values, dates and Decimals, checked against the form."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from xiaobao.workflow import error_codes as codes
from xiaobao.workflow.exceptions import WorkflowError


def jsonable(value, path: str = "data"):
    """Task data is stored as JSON: plain values, dates and Decimals only."""
    if value is None or isinstance(value, (str, bool, int, float, date, Decimal)):
        return value
    if isinstance(value, dict):
        return {str(k): jsonable(v, f"{path}.{k}") for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v, path) for v in value]
    raise WorkflowError(codes.INVALID_DATA, f"{path}: {type(value).__name__} cannot be stored in a process")


def clean_value(form_field: dict, value):
    kind = form_field["type"]
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        return str(value).strip().lower() in {"1", "true", "on", "yes", "是"}
    if kind == "long":
        try:
            return int(value)
        except (TypeError, ValueError):
            raise WorkflowError(
                codes.INVALID_DATA, f"{form_field['id']} must be a whole number", fields={form_field["id"]: ["invalid"]}
            ) from None
    if kind == "date":
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            raise WorkflowError(
                codes.INVALID_DATA, f"{form_field['id']} must be a date", fields={form_field["id"]: ["invalid"]}
            ) from None
    if kind == "enum" and form_field["choices"] and value not in [c[0] for c in form_field["choices"]]:
        raise WorkflowError(
            codes.INVALID_DATA,
            f"{form_field['id']} is not one of the choices",
            fields={form_field["id"]: ["invalid_choice"]},
        )
    if isinstance(value, Decimal):
        return value
    return value if value is None or isinstance(value, (str, int, float)) else str(value)


def clean_data(form: list[dict], data) -> dict:
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise WorkflowError(codes.INVALID_DATA, "data must be an object")
    bad = [k for k in data if not re.fullmatch(r"[A-Za-z_]\w*", str(k))]
    if bad:
        raise WorkflowError(
            codes.INVALID_DATA, f"data keys must be names: {bad}", fields={k: ["invalid_name"] for k in bad}
        )
    if not form:
        return jsonable(data)
    by_id = {f["id"]: f for f in form}
    unknown = sorted(set(data) - set(by_id) - {"comment"})
    if unknown:
        raise WorkflowError(
            codes.INVALID_DATA, f"fields not on this task's form: {unknown}", fields={k: ["unknown"] for k in unknown}
        )
    cleaned = {}
    for form_field in form:
        value = data.get(form_field["id"])
        if value in (None, "") and form_field["type"] != "boolean":
            if form_field["required"]:
                raise WorkflowError(
                    codes.INVALID_DATA, f"{form_field['id']} is required", fields={form_field["id"]: ["required"]}
                )
            continue
        cleaned[form_field["id"]] = clean_value(form_field, value if value is not None else False)
    return cleaned
