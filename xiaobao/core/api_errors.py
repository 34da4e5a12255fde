"""One error shape for the whole API: {"error": code, "detail": text, "fields": {field: [codes/texts]}}."""

from __future__ import annotations

import functools
import operator

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("该对象在您加载后已被修改。")
    default_code = "conflict"


class BusinessRuleError(exceptions.APIException):
    """A refusal a user can cause; `code` comes from the app's error_codes.py."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid"

    def __init__(self, code: str, detail: str = "", fields: dict | None = None, status_code: int | None = None):
        super().__init__(detail=detail or code, code=code)
        self.error_code = code
        self.fields = fields or {}
        if status_code:
            self.status_code = status_code


def _django_validation_fields(exc: DjangoValidationError) -> dict:
    if hasattr(exc, "error_dict"):
        return {k: [str(m) for e in v for m in e.messages] for k, v in exc.error_dict.items()}
    return {"non_field_errors": [str(m) for m in exc.messages]}


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        fields = _django_validation_fields(exc)
        code = getattr(exc, "code", None) or "invalid"
        return Response(
            {
                "error": code,
                "detail": "; ".join(functools.reduce(operator.iadd, fields.values(), [])),
                "fields": fields,
            },
            status=400,
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a real bug: let Django's 500 handling (masked) take it
    if isinstance(exc, BusinessRuleError):
        response.data = {"error": exc.error_code, "detail": str(exc.detail), "fields": exc.fields}
        return response
    data = response.data
    if isinstance(exc, exceptions.ValidationError):
        fields = data if isinstance(data, dict) else {"non_field_errors": data}
        fields = {k: [str(m) for m in (v if isinstance(v, list) else [v])] for k, v in fields.items()}
        # DRF's own "Invalid input.", translated by DRF's catalogue
        response.data = {"error": "invalid", "detail": str(exceptions.ValidationError.default_detail), "fields": fields}
    else:
        codes = exc.get_codes() if hasattr(exc, "get_codes") else "error"
        code = codes if isinstance(codes, str) else getattr(exc, "default_code", "error")
        detail = data.get("detail", "") if isinstance(data, dict) else str(data)
        response.data = {"error": code, "detail": str(detail), "fields": {}}
    return response
