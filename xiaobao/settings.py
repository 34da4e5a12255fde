"""XiaoBao settings: every deployment choice comes from the environment.

Defaults are safe for a single machine (SQLite in WAL mode, a Celery broker on a local
SQLite file). `XIAOBAO_DEMO=1` (set by `make demo`) permits the built-in development keys and plain
HTTP, but shows the application's own error pages; DEBUG is on only when a developer sets
`XIAOBAO_DEBUG=1` (or `DEBUG=1`). Production refuses to start
without real keys. See docs/configuration.md for the table.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("XIAOBAO_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


TRUE_WORDS = ("1", "true", "yes", "on")
FALSE_WORDS = ("0", "false", "no", "off")


def env_bool(name: str, default: bool = False) -> bool:
    """A switch from the environment. A value that is neither a yes nor a no word stops the start: read as "no",
    a typo such as `SECURE_COOKIES=ture` would quietly turn a protection off. Unset or empty is the default."""
    value = (os.environ.get(name) or "").strip().lower()
    if not value:
        return default
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(
        f'{name}="{os.environ.get(name)}" is not a yes/no value; use one of {", ".join(TRUE_WORDS)} '
        f"or {', '.join(FALSE_WORDS)} (any case)."
    )


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def env_log_level(name: str = "LOG_LEVEL", default: str = "INFO") -> str:
    """`info`, `Info` and `INFO` are the same level; a typo stops the start with the accepted names, rather than
    surfacing later as logging's "Unknown level" from deep inside dictConfig."""
    value = (os.environ.get(name) or default).strip().upper()
    if value == "WARN":  # the spelling many tools use
        value = "WARNING"
    if value not in LOG_LEVELS:
        raise ImproperlyConfigured(
            f'{name}="{os.environ.get(name)}" is not a log level; use one of {", ".join(LOG_LEVELS)} (any case).'
        )
    return value


DEMO = env_bool("XIAOBAO_DEMO")
TESTING = env_bool("XIAOBAO_TESTING")
# Off in the demo too: a demo is often reachable by colleagues on an intranet, and Django's debug pages show
# the URL list, settings and tracebacks. A developer asks for them with XIAOBAO_DEBUG=1 (or DEBUG=1).
DEBUG = env_bool("XIAOBAO_DEBUG") or env_bool("DEBUG")

# Development keys are public; they are accepted only in demo and test runs.
_DEV_SECRET_KEY = "xiaobao-demo-secret-key-not-for-production-use-0123456789"  # noqa: S105
_DEV_FIELD_KEY = "ZGVtby1maWVsZC1lbmNyeXB0aW9uLWtleS0zMmJ5dGU="  # 32 bytes, base64
SECRET_KEY = os.environ.get("SECRET_KEY") or (_DEV_SECRET_KEY if DEMO or TESTING or DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set (see docs/configuration.md).")

# Comma-separated, newest first: the first key encrypts, all keys decrypt (rotation).
FIELD_ENCRYPTION_KEYS = env_list("FIELD_ENCRYPTION_KEY") or ([_DEV_FIELD_KEY] if DEMO or TESTING or DEBUG else [])
if not FIELD_ENCRYPTION_KEYS:
    raise ImproperlyConfigured("FIELD_ENCRYPTION_KEY must be set (see docs/configuration.md).")
# The blind index key is separate so rotating the encryption key keeps lookups working.
BLIND_INDEX_KEY = os.environ.get("BLIND_INDEX_KEY") or SECRET_KEY

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG or DEMO or TESTING else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "axes",
    "xiaobao.core",
    "xiaobao.workflow",
    "xiaobao.workorders",
    "xiaobao.complaints",
    "xiaobao.reviews",
    "xiaobao.plans",
    "xiaobao.inspection",
    "xiaobao.knowledge",
    "xiaobao.training",
    "xiaobao.indicators",
    "xiaobao.web",
]
# The demo institution and its `load_demo` command exist only where a demo or the tests run (issue 16).
if DEMO or TESTING:
    INSTALLED_APPS.append("xiaobao.demo")


MIDDLEWARE = [
    "xiaobao.core.health.HealthMiddleware",  # first: probes skip host checks, redirects, sessions
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "xiaobao.core.sessions.IdleSessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "xiaobao.core.middleware.UserPreferencesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "xiaobao.urls"
WSGI_APPLICATION = "xiaobao.wsgi.application"
AUTH_USER_MODEL = "core.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "xiaobao.web.context_processors.shell",
            ],
        },
    },
]

# every select's empty entry says what to choose ("请选择审查员"), never a row of dashes (issue 21)
FORM_RENDERER = "xiaobao.core.form_renderer.FormRenderer"

# --- database ---------------------------------------------------------------------
SQLITE_PATH = VAR_DIR / "xiaobao.sqlite3"
DATABASES = {
    "default": dj_database_url.parse(os.environ.get("DATABASE_URL", f"sqlite:///{SQLITE_PATH}"), conn_max_age=60)
}
# A connection kept between requests is checked before reuse, so one a database restart killed is replaced
# instead of failing the request; a refused new connection is retried for a few seconds (the restart itself).
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["ENGINE"] = "xiaobao.core.db_backends.postgresql"
    DATABASES["default"]["CONNECT_RETRY_SECONDS"] = float(os.environ.get("DATABASE_CONNECT_RETRY_SECONDS", "10"))
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock at
    # BEGIN so two writers queue instead of failing with "database is locked".
    # The backend lets an import's batches step aside for users' writes (see its docstring).
    DATABASES["default"]["ENGINE"] = "xiaobao.core.db_backends.sqlite3"
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- background jobs ----------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
# Embedded default: kombu's SQLAlchemy transport over a local SQLite file, no server.
CELERY_BROKER_URL = os.environ.get(
    "CELERY_BROKER_URL", REDIS_URL or f"sqla+sqlite:///{VAR_DIR / 'celery-broker.sqlite3'}"
)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", default=TESTING)
# Jobs never hang: a message is acknowledged only once its task has finished, and a worker killed mid-task
# gives it back; every task is idempotent (it claims its row first), and sweeps retry or fail jobs whose
# heartbeat stopped (docs/operations-jobs.md).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Periodic sweeps; each app registers its entries in xiaobao/celery.py.
SWEEP_INTERVAL_SECONDS = int(os.environ.get("SWEEP_INTERVAL_SECONDS", "60"))
# How often the worker hash-chains new audit rows (audit_verify reports rows not yet sealed).
AUDIT_SEAL_INTERVAL_SECONDS = int(os.environ.get("AUDIT_SEAL_INTERVAL_SECONDS", "10"))

CACHES = (
    # Redis, with a per-process fallback while it is down (xiaobao/core/cache.py): the cache is never a reason to 500
    {"default": {"BACKEND": "xiaobao.core.cache.ResilientRedisCache", "LOCATION": REDIS_URL}}
    if REDIS_URL
    else {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
)

# --- auth and sessions ---------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "xiaobao.core.passwords.CharacterClassValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# The inspection demo's transcripts ("a few thousand"); the test suite loads the demo twice, so it scans fewer
INSPECTION_DEMO_TRANSCRIPTS = int(os.environ.get("INSPECTION_DEMO_TRANSCRIPTS", "400" if TESTING else "3000"))
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_TIMEOUT_SECONDS", str(30 * 60)))
# Idle timeout without a write per page view: a request extends the session at most once per interval
# (xiaobao/core/sessions.py), so it expires between AGE - INTERVAL and AGE after the last request.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_TOUCH_INTERVAL_SECONDS = int(os.environ.get("SESSION_TOUCH_INTERVAL_SECONDS", "60"))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# --- security (production values unless DEBUG) ------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the cookie-free meta tag instead
SECURE_REFERRER_POLICY = "same-origin"
if not (DEBUG or DEMO):
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=not TESTING)
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=not TESTING)
    CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=not TESTING)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # Load balancers probe gunicorn directly over plain HTTP; a redirect would read as "down".
    SECURE_REDIRECT_EXEMPT = [r"^(healthz|livez|readyz)$"]

# --- i18n ----------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"

# What kind of institution runs this system (chosen at setup): it selects the complaint taxonomy edition
# (insurer: the insurance edition; bank: JR/T 0169-2018's channel/business/cause) and the intensity
# indicators the cockpit leads with. Switch later with `manage.py set_institution_type`.
INSTITUTION_TYPE = (os.environ.get("XIAOBAO_INSTITUTION_TYPE") or "insurer").strip().lower()
if INSTITUTION_TYPE not in ("insurer", "bank"):
    raise ImproperlyConfigured(f'XIAOBAO_INSTITUTION_TYPE="{INSTITUTION_TYPE}" must be insurer or bank.')
USE_I18N = True
USE_TZ = True

# --- static and uploaded files -------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not (DEBUG or TESTING or DEMO)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# The demo runs without DEBUG and without collectstatic: WhiteNoise serves static/ straight from the finders.
WHITENOISE_USE_FINDERS = DEMO or DEBUG
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "media/"
UPLOAD_MAX_BYTES = int(os.environ.get("UPLOAD_MAX_BYTES", str(20 * 1024 * 1024)))
# Knowledge centre: a zipped folder of documents, and how early a policy's owner is reminded of its review date
KNOWLEDGE_IMPORT_MAX_ZIP_BYTES = int(os.environ.get("KNOWLEDGE_IMPORT_MAX_ZIP_BYTES", str(100 * 1024 * 1024)))
KNOWLEDGE_IMPORT_MAX_FILES = int(os.environ.get("KNOWLEDGE_IMPORT_MAX_FILES", "500"))
KNOWLEDGE_IMPORT_MAX_UNPACKED_BYTES = int(os.environ.get("KNOWLEDGE_IMPORT_MAX_UNPACKED_BYTES", str(500 * 1024 * 1024)))
KNOWLEDGE_REVIEW_REMIND_DAYS = int(os.environ.get("KNOWLEDGE_REVIEW_REMIND_DAYS", "30"))

# --- e-mail --------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEMO or DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "xiaobao@localhost")
# The address people reach the system at, for links in e-mails (the worker has no request to ask).
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))

# --- notifications -------------------------------------------------------------------
# The digest rule: a person gets at most NOTIFICATION_DIGEST_AFTER separate notices of one kind (say "task overdue")
# whose events fall within NOTIFICATION_DIGEST_WINDOW_MINUTES; every further one in that window is folded into one
# digest notice of that kind, which lists them all and keeps collecting while it is unread and new ones keep
# coming within the window. Nothing is dropped: the folded notices stay readable under their digest.
NOTIFICATION_DIGEST_AFTER = int(os.environ.get("NOTIFICATION_DIGEST_AFTER", "5"))
NOTIFICATION_DIGEST_WINDOW_MINUTES = int(os.environ.get("NOTIFICATION_DIGEST_WINDOW_MINUTES", "60"))

# --- API -----------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first: DRF takes the WWW-Authenticate header from the first class, so an anonymous
    # call gets 401 (not 403). Session stays for the pages' htmx calls, with CSRF enforced.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "xiaobao.core.authentication.TokenAuthentication",  # DRF's, answering in the token owner's language
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "xiaobao.core.api.AutoSchema",  # drf-spectacular's, naming nested serializers
    "EXCEPTION_HANDLER": "xiaobao.core.api_errors.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    # auth_token: password guesses per client IP on POST /api/v1/auth/token/ (axes also locks the account).
    "DEFAULT_THROTTLE_RATES": {"anon": "60/min", "auth_token": os.environ.get("API_TOKEN_RATE", "10/min")},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "XiaoBao 消保 API",
    "DESCRIPTION": "Consumer-protection management system API (消保管理信息系统).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # every operation documents the refusals all endpoints share, in the one error shape (core.api_schema)
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "xiaobao.core.api_schema.document_refusals",
    ],
    # Several apps have a `kind` and a `status` with their own choices: name each enum after its model so
    # the schema has one component per meaning instead of colliding names.
    "ENUM_NAME_OVERRIDES": {
        "PlanKindEnum": "xiaobao.plans.models.Plan.Kind",
        "PlanStatusEnum": "xiaobao.plans.models.Plan.Status",
        "WorkOrderKindEnum": "xiaobao.workorders.models.WorkOrder.Kind",
        "WorkOrderStatusEnum": "xiaobao.workorders.models.WorkOrder.Status",
        "DocumentKindEnum": "xiaobao.knowledge.models.Document.Kind",
        "ReportJobKindEnum": "xiaobao.indicators.models.ReportJob.Kind",
        "RuleVersionStatusEnum": "xiaobao.inspection.models.RuleVersion.Status",
        "FindingStatusEnum": "xiaobao.inspection.models.Finding.Status",
        "ScanJobStatusEnum": "xiaobao.inspection.models.ScanJob.Status",
    },
}

# --- logging: personal data is masked by a filter on every handler ------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_personal_data": {"()": "xiaobao.core.masking.MaskPersonalDataFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["mask_personal_data"],
        }
    },
    "root": {"handlers": ["console"], "level": env_log_level()},
    # Django's own defaults hang unmasked handlers on these two (DEBUG console, runserver's
    # request lines with query strings); naming them here replaces those handlers.
    "loggers": {
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
# Error pages (including DEBUG's technical page) and error mails mask personal data: the filter
# masks locals, settings and POST; the reporter masks the rendered page as a whole.
DEFAULT_EXCEPTION_REPORTER_FILTER = "xiaobao.core.masking.MaskingExceptionReporterFilter"
DEFAULT_EXCEPTION_REPORTER = "xiaobao.core.masking.MaskingExceptionReporter"
