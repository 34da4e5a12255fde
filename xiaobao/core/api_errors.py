"""One error shape for the whole API: {"error": code, "detail": text, "fields": {field: [codes/texts]}}.

Every answer under /api/ that is not a success has this shape, in the caller's language — refusals raised
by views and services (DRF's exception handler below), and what happens outside a view: a body or a form
too large (413), a malformed request (400), an unknown path (404), a bug (500) and a database that does not
answer (503 with Retry-After). gunicorn's own refusals (414 request line too long, 400 bad headers) get the
shape in gunicorn.conf.py. Messages are plain sentences: no Python reprs, no exception text.
"""

from __future__ import annotations

import logging
import sys

from django.core import signals
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation, TooManyFieldsSent, TooManyFilesSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import Http404, HttpResponse, JsonResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

logger = logging.getLogger("django.request")

API_PREFIX = "/api/"
RETRY_AFTER_SECONDS = 5  # what a client is told to wait when the database is away (a restart takes seconds)


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


def refusal(code: str, detail: str, *, field: str = "", status: int = 400) -> BusinessRuleError:
    """A business rule's refusal in the API's shape: the app's code, the message, and the field it concerns (if
    any) — every app's services and rules raise this one (they used to carry a copy each)."""
    return BusinessRuleError(code, detail, fields={field: [code]} if field else None, status_code=status)


def body(code: str, detail, fields: dict | None = None) -> dict:
    return {"error": code, "detail": str(detail), "fields": fields or {}}


def _messages(value, prefix: str = "") -> list[str]:
    """Every message under one field, as plain text. Nested errors (a list field's item, a nested object's
    field) keep their place as a prefix — `0: 提交的是空文件。` — instead of a Python repr of a dict."""
    if isinstance(value, dict):
        found: list[str] = []
        for key, inner in value.items():
            found += _messages(inner, f"{prefix}{key}: ")
        return found
    if isinstance(value, (list, tuple)):
        found = []
        for inner in value:
            found += _messages(inner, prefix)
        return found
    return [f"{prefix}{value}"]


def _django_validation_fields(exc: DjangoValidationError) -> dict:
    if hasattr(exc, "error_dict"):
        return {k: [str(m) for e in v for m in e.messages] for k, v in exc.error_dict.items()}
    return {"non_field_errors": [str(m) for m in exc.messages]}


def _request_problem(exc) -> tuple[int, dict] | None:
    """What Django raises while reading a request it will not take; None for anything else."""
    if isinstance(exc, RequestDataTooBig):
        return 413, body("request_too_large", gettext("请求内容过大。"))
    if isinstance(exc, (TooManyFieldsSent, TooManyFilesSent)):
        return 413, body("request_too_large", gettext("请求中的字段或文件过多。"))
    if isinstance(exc, SuspiciousOperation):
        return 400, body("bad_request", gettext("请求无效。"))
    return None


def _unavailable(exc) -> bool:
    """A database that is away (restart, fail-over, lock timeout) rather than a bug in a query."""
    return isinstance(exc, (OperationalError, InterfaceError))


def server_problem(request, exc) -> tuple[int, dict, dict]:
    """Status, body and headers for an exception nobody handled: 503 while the database is away, else 500.
    The exception is logged (with the masking filter on every handler) and never shown to the caller."""
    if isinstance(exc, DatabaseError) and _unavailable(exc):
        logger.warning("database unavailable: %s %s (%s)", request.method, request.path, exc.__class__.__name__)
        detail = gettext("数据库暂时不可用，请稍后重试。")
        return 503, body("service_unavailable", detail), {"Retry-After": str(RETRY_AFTER_SECONDS)}
    logger.error("Internal Server Error: %s", request.path, exc_info=exc)
    detail = gettext("服务器内部错误，请稍后重试；如果问题持续，请联系系统管理员。")
    return 500, body("server_error", detail), {}


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        fields = _django_validation_fields(exc)
        code = getattr(exc, "code", None) or "invalid"
        detail = "; ".join(m for messages in fields.values() for m in messages)
        return Response(body(code, detail, fields), status=400)
    problem = _request_problem(exc)
    if problem is not None:
        return Response(problem[1], status=problem[0])
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        # A bug or an outage: answer in the API's shape instead of Django's HTML page. The signal lets the
        # test client re-raise it as it would have, so a failing test still shows the traceback.
        request = context["request"]
        set_rollback()
        signals.got_request_exception.send(sender=None, request=request._request)
        code, data, headers = server_problem(request, exc)
        return Response(data, status=code, headers=headers)
    if isinstance(exc, BusinessRuleError):
        response.data = body(exc.error_code, exc.detail, exc.fields)
        return response
    data = response.data
    if isinstance(exc, exceptions.ValidationError):
        fields = data if isinstance(data, dict) else {"non_field_errors": data}
        fields = {str(k): _messages(v) for k, v in fields.items()}
        # DRF's own "Invalid input.", translated by DRF's catalogue
        response.data = body("invalid", exceptions.ValidationError.default_detail, fields)
    else:
        codes = exc.get_codes() if hasattr(exc, "get_codes") else "error"
        code = codes if isinstance(codes, str) else getattr(exc, "default_code", "error")
        detail = data.get("detail", "") if isinstance(data, dict) else " ".join(_messages(data))
        response.data = body(code, detail)
    return response


# --- outside the views: Django's error handlers (xiaobao/urls.py), JSON under /api/ ---------------------------


def _is_api(request) -> bool:
    return request.path.startswith(API_PREFIX)


def _json(status_code: int, data: dict, headers: dict | None = None) -> JsonResponse:
    response = JsonResponse(data, status=status_code, json_dumps_params={"ensure_ascii": False})
    for name, value in (headers or {}).items():
        response[name] = value
    return response


#: the application's frame around an error page, for a signed-in user (web owns the page templates)
SHELL_TEMPLATE = "web/error_shell.html"


def _page(request, template: str, status_code: int, *args):
    """An error page inside the application's shell (navigation, language, a way back) for a signed-in user;
    the stand-alone page for anyone else, or when the shell itself cannot be drawn (its navigation reads the
    database, which may be why we are here): an error page must never raise."""
    try:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            from django.template import loader
            from django.utils.http import url_has_allowed_host_and_scheme

            referer = request.META.get("HTTP_REFERER", "")
            back = (
                referer
                if referer
                and url_has_allowed_host_and_scheme(referer, {request.get_host()}, request.is_secure())
                and referer != request.build_absolute_uri()
                else ""
            )
            exception = args[0] if args else None
            reason = str(exception.args[0]) if status_code == 403 and exception and exception.args else ""
            context = {"error_base": SHELL_TEMPLATE, "back_url": back, "reason": reason}
            body = loader.render_to_string(template, context, request)
            return HttpResponse(body, status=status_code)
    except Exception:  # the shell failed; the plain page below needs nothing that can
        logger.warning("error page shell failed for %s; stand-alone page served", request.path, exc_info=True)
    return _standalone(template, status_code)


def _standalone(template: str, status_code: int) -> HttpResponse:
    """The page without a request context (no context processors, no database), as Django renders a 500."""
    from django.template import loader

    try:
        return HttpResponse(loader.get_template(template).render(), status=status_code)
    except Exception:  # even the template failed: a plain line in the user's language
        logger.exception("stand-alone error page %s failed", template)
        return HttpResponse(
            gettext("请求未能完成，请返回首页。"), status=status_code, content_type="text/plain; charset=utf-8"
        )


def bad_request(request, exception=None, **kwargs):
    if not _is_api(request):
        from django.views.defaults import bad_request as page

        return page(request, exception, **kwargs)
    problem = _request_problem(exception) or (400, body("bad_request", gettext("请求无效。")))
    return _json(*problem)


def permission_denied(request, exception=None, **kwargs):
    if not _is_api(request):
        return _page(request, "403.html", 403, exception)
    return _json(403, body("permission_denied", exceptions.PermissionDenied.default_detail))


def page_not_found(request, exception=None, **kwargs):
    if not _is_api(request):
        return _page(request, "404.html", 404, exception)
    return _json(404, body("not_found", exceptions.NotFound.default_detail))


def server_error(request, **kwargs):
    """Django's last resort (an exception outside a view, e.g. in a middleware); already logged by Django."""
    if not _is_api(request):
        return _page(request, "500.html", 500)
    exc = sys.exc_info()[1]  # Django calls this inside its `except` block
    if isinstance(exc, DatabaseError) and _unavailable(exc):
        detail = gettext("数据库暂时不可用，请稍后重试。")
        return _json(503, body("service_unavailable", detail), {"Retry-After": str(RETRY_AFTER_SECONDS)})
    return _json(500, body("server_error", gettext("服务器内部错误，请稍后重试；如果问题持续，请联系系统管理员。")))
