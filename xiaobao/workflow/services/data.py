"""Task data coming in from people and handlers: plain JSON values, dates and Decimals, checked against the form."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext as _

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
    raise WorkflowError(codes.INVALID_DATA, _("%(path)s：该类型的值不能存入流程数据。") % {"path": path})


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
                codes.INVALID_DATA,
                _("%(field)s 须为整数。") % {"field": form_field["id"]},
                fields={form_field["id"]: ["invalid"]},
            ) from None
    if kind == "date":
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            raise WorkflowError(
                codes.INVALID_DATA,
                _("%(field)s 须为日期（YYYY-MM-DD）。") % {"field": form_field["id"]},
                fields={form_field["id"]: ["invalid"]},
            ) from None
    if kind == "enum" and form_field["choices"] and value not in [c[0] for c in form_field["choices"]]:
        raise WorkflowError(
            codes.INVALID_DATA,
            _("%(field)s 不是可选值之一。") % {"field": form_field["id"]},
            fields={form_field["id"]: ["invalid_choice"]},
        )
    if isinstance(value, Decimal):
        return value
    return value if value is None or isinstance(value, (str, int, float)) else str(value)


def clean_data(form: list[dict], data) -> dict:
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise WorkflowError(codes.INVALID_DATA, _("data 须为对象。"))
    bad = [k for k in data if not re.fullmatch(r"[A-Za-z_]\w*", str(k))]
    if bad:
        raise WorkflowError(
            codes.INVALID_DATA,
            _("data 的键须为名称：%(keys)s") % {"keys": ", ".join(map(str, bad))},
            fields={k: ["invalid_name"] for k in bad},
        )
    if not form:
        return jsonable(data)
    by_id = {f["id"]: f for f in form}
    unknown = sorted(set(data) - set(by_id) - {"comment"})
    if unknown:
        raise WorkflowError(
            codes.INVALID_DATA,
            _("这些字段不在该任务的表单上：%(keys)s") % {"keys": ", ".join(unknown)},
            fields={k: ["unknown"] for k in unknown},
        )
    cleaned = {}
    for form_field in form:
        value = data.get(form_field["id"])
        if value in (None, "") and form_field["type"] != "boolean":
            if form_field["required"]:
                raise WorkflowError(
                    codes.INVALID_DATA,
                    _("%(field)s 为必填。") % {"field": form_field["id"]},
                    fields={form_field["id"]: ["required"]},
                )
            continue
        cleaned[form_field["id"]] = clean_value(form_field, value if value is not None else False)
    return cleaned
