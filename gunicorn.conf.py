"""gunicorn settings for production, from the environment (docs/deployment.md, docs/configuration.md).

Run from the repository root: `gunicorn xiaobao.wsgi` picks this file up by itself.
"""

import importlib.util
import multiprocessing
import os


def _load_error_writer():
    # By file, not `import xiaobao…`: the package's __init__ would load Celery into gunicorn's master.
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "xiaobao", "core", "gunicorn_errors.py")
    spec = importlib.util.spec_from_file_location("xiaobao_gunicorn_errors", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# gunicorn's own refusals (414 request line too long, 400 malformed) answer in the API's JSON error shape.
_load_error_writer().install()

# Loopback by default: TLS ends at the reverse proxy on the same machine, which is the only
# thing that should reach gunicorn. Set GUNICORN_BIND=0.0.0.0:8000 when the proxy is elsewhere.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# gunicorn's usual rule of thumb for sync workers; WEB_CONCURRENCY is the name many platforms set.
workers = int(
    os.environ.get("GUNICORN_WORKERS") or os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() * 2 + 1
)
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
# Long enough for a large Excel import or report; a worker stuck longer is killed and replaced.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
# Recycle workers now and then so a slow leak in any library cannot grow without bound.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = max_requests // 10
# X-Forwarded-Proto is trusted only from these proxy addresses (Django's SECURE_PROXY_SSL_HEADER relies on it).
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
# A search question travels in the URL: 500 Chinese characters are about 4.5 KB percent-encoded, more than
# gunicorn's default 4094-byte request line, which it refuses with an HTML 414. 8190 is gunicorn's maximum;
# longer questions go in a POST body (the knowledge search and answer APIs accept both).
limit_request_line = int(os.environ.get("GUNICORN_LIMIT_REQUEST_LINE", "8190"))
accesslog = "-"
errorlog = "-"
# The same names, in any case, as Django's LOG_LEVEL (settings.env_log_level); a typo stops the start.
loglevel = (os.environ.get("LOG_LEVEL") or "info").strip().lower()
loglevel = "warning" if loglevel == "warn" else loglevel
if loglevel not in {"debug", "info", "warning", "error", "critical"}:
    raise SystemExit(
        f'LOG_LEVEL="{os.environ.get("LOG_LEVEL")}" is not a log level; use one of DEBUG, INFO, WARNING, ERROR, '
        "CRITICAL (any case)."
    )
