"""gunicorn's own refusals in the API's error shape.

gunicorn answers some requests before Django sees them — a request line over `limit_request_line` (414),
too many or too large headers, a malformed request (400) — with a small HTML page. Clients of the API parse
JSON, so `install()` (called from gunicorn.conf.py) swaps gunicorn's writer for one that answers
{"error", "detail", "fields"}. The caller's language is unknown at that point (the request could not be
read), so the detail is Chinese, the default language, followed by English. Nothing of the request is echoed.
No Django import here: this runs in gunicorn's master before the application is loaded.
"""

from __future__ import annotations

import json

# status -> (error code, detail)
KNOWN = {
    400: ("bad_request", "请求格式无效。/ The request is malformed."),
    403: ("forbidden", "请求被拒绝。/ The request is refused."),
    413: ("request_too_large", "请求内容过大。/ The request is too large."),
    414: ("uri_too_long", "请求地址过长。/ The request URL is too long."),
    431: ("headers_too_large", "请求头过大。/ The request headers are too large."),
}
FALLBACK = ("server_error", "服务器无法处理该请求。/ The server could not handle the request.")


def error_response(status_int: int, reason: str) -> bytes:
    code, detail = KNOWN.get(status_int, FALLBACK)
    body = json.dumps({"error": code, "detail": detail, "fields": {}}, ensure_ascii=False).encode("utf-8")
    head = (
        f"HTTP/1.1 {status_int} {reason}\r\n"
        "Connection: close\r\n"
        "Content-Type: application/json; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode("latin-1") + body


def write_error(sock, status_int, reason, mesg):  # gunicorn.util.write_error's signature; `mesg` is not echoed
    from gunicorn import util

    util.write_nonblock(sock, error_response(int(status_int), str(reason)))


def install() -> None:
    from gunicorn import util

    util.write_error = write_error
