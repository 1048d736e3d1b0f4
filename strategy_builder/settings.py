"""The one settings module: everything comes from the environment.

Defaults exist only for the embedded development set-up (SQLite under var/, a filesystem
Celery broker). Production (DEBUG off) refuses to start without a real SECRET_KEY.
"""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)

_DEV_SECRET = "insecure-development-key-never-use-in-production"  # noqa: S105 (refused outside DEBUG)
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it in the environment, or set DEBUG=1 for local development."
        )
    SECRET_KEY = _DEV_SECRET
elif SECRET_KEY == _DEV_SECRET and not DEBUG:
    raise ImproperlyConfigured("SECRET_KEY is the development key; production needs a real secret.")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "strategy_builder",
    "strategies",
    "nodes",
    "marketdata",
    "quicktests",
    "codegen",
    "sessions_app",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Outermost but one, so it sees every 4xx under /api/ (DEBUG's HTML 404 page included) and shapes it.
    "strategy_builder.api.middleware.ApiErrorShapeMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "strategy_builder.urls"
WSGI_APPLICATION = "strategy_builder.wsgi.application"
ASGI_APPLICATION = "strategy_builder.asgi.application"

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
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.mysql":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "charset": "utf8mb4",
            # UTC sessions: Django stores UTC datetimes, and the spec's now() column defaults must agree.
            "init_command": "SET sql_mode='STRICT_TRANS_TABLES,NO_ZERO_DATE,NO_ZERO_IN_DATE,ERROR_FOR_DIVISION_BY_ZERO', time_zone='+00:00'",
            "isolation_level": "read committed",
        }
    )
    DATABASES["default"].setdefault("TEST", {}).update({"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_unicode_ci"})
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while a Celery worker writes a result.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"init_command": "PRAGMA journal_mode=WAL;", "transaction_mode": "IMMEDIATE", "timeout": 20}
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The table spec's index names (e.g. ix_builder_sessions_last_activity_at) are requirements; they pass
# MySQL's 64-character limit but not Django's 30-character check, which exists for Oracle only.
SILENCED_SYSTEM_CHECKS = ["models.E034"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = env.str("MEDIA_ROOT", default=str(VAR_DIR / "media"))
MEDIA_URL = "media/"

# --- Cache (throttle counters) ------------------------------------------------------------------
# Per process by default; production with several web processes sets CACHE_URL=redis://... .
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}

# --- REST API -----------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "strategy_builder.api.pagination.DefaultPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    # drf-spectacular's, plus the error responses every operation implies and the LogicFlow component.
    "DEFAULT_SCHEMA_CLASS": "strategy_builder.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "strategy_builder.api.exceptions.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

# Password attempts on POST /api/v1/auth/token/ per client address.
AUTH_TOKEN_THROTTLE_RATE = env.str("AUTH_TOKEN_THROTTLE_RATE", default="10/minute")

SPECTACULAR_SETTINGS = {
    "TITLE": "Strategy Builder API",
    "DESCRIPTION": "Build trading strategies as node graphs, quick-test them, generate code, autosave drafts.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several tables have a `status` with its own choices: name each enum after its choice set.
    "ENUM_NAME_OVERRIDES": {
        "StrategyStatusEnum": "strategies.choices.StrategyStatus",
        "QuickTestStatusEnum": "quicktests.choices.QuickTestStatus",
    },
}

# --- Celery -------------------------------------------------------------------------------------
BROKER_DIR = VAR_DIR / "broker"
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
# Results are off unless a backend is configured (ops health checks read them: see strategy_builder/tasks.py).
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="") or None
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=120)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=150)
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# --- Product settings ---------------------------------------------------------------------------
SESSION_IDLE_EXPIRY = timedelta(minutes=env.int("SESSION_IDLE_EXPIRY_MINUTES", default=60 * 24))

# --- Builder sessions and retention (issue 6) ----------------------------------------------------
# A session's edit lock lasts this long unless its holder renews it.
SESSION_LOCK_TTL = timedelta(seconds=env.int("SESSION_LOCK_TTL_SECONDS", default=5 * 60))
# Drafts may be unfinished, but not unbounded: bytes of JSON (flow + parameters + UI metadata), and nodes.
SESSION_DRAFT_MAX_BYTES = env.int("SESSION_DRAFT_MAX_BYTES", default=1_000_000)
SESSION_DRAFT_MAX_NODES = env.int("SESSION_DRAFT_MAX_NODES", default=500)
# The spec's Data Retention Policies. Hard deletes happen only in the retention jobs.
SESSION_PURGE_AFTER = timedelta(days=env.int("SESSION_PURGE_AFTER_DAYS", default=30))
CODEGEN_FAILED_RETENTION = timedelta(days=env.int("CODEGEN_FAILED_RETENTION_DAYS", default=90))
QUICKTEST_ARCHIVE_AFTER = timedelta(days=env.int("QUICKTEST_ARCHIVE_AFTER_DAYS", default=90))
QUICKTEST_DELETE_AFTER = timedelta(days=env.int("QUICKTEST_DELETE_AFTER_DAYS", default=365))
# Each retention statement touches at most RETENTION_BATCH_SIZE rows; one run does at most
# RETENTION_MAX_BATCHES batches and the next run carries on, so no job holds locks or runs for long.
RETENTION_BATCH_SIZE = env.int("RETENTION_BATCH_SIZE", default=500)
RETENTION_MAX_BATCHES = env.int("RETENTION_MAX_BATCHES", default=200)
# A run over many batches outlasts CELERY_TASK_SOFT_TIME_LIMIT (made for web-facing tasks); retention
# jobs get their own limits. Stopped by one, a job has lost nothing: the next run carries on.
RETENTION_TASK_SOFT_TIME_LIMIT = env.int("RETENTION_TASK_SOFT_TIME_LIMIT", default=15 * 60)
RETENTION_TASK_TIME_LIMIT = env.int("RETENTION_TASK_TIME_LIMIT", default=16 * 60)
# Where archived quick-test results go in default_storage (gzip JSON, one file per test).
QUICKTEST_ARCHIVE_PREFIX = env.str("QUICKTEST_ARCHIVE_PREFIX", default="archive/quick_tests")
# --- end of builder sessions and retention --------------------------------------------------------

# --- Quick tests (issue 4) -------------------------------------------------------------------------
# A quick test is stopped (FAILED, "took too long") at the soft limit and its worker process killed at the
# hard one; a test still RUNNING this long after it started lost its worker, and the beat job fails it.
QUICKTEST_SOFT_TIME_LIMIT = env.int("QUICKTEST_SOFT_TIME_LIMIT", default=60)
QUICKTEST_TIME_LIMIT = env.int("QUICKTEST_TIME_LIMIT", default=90)
QUICKTEST_STUCK_AFTER = timedelta(seconds=env.int("QUICKTEST_STUCK_AFTER_SECONDS", default=QUICKTEST_TIME_LIMIT + 60))
# Points kept of the equity and drawdown curves stored with each result (the spec budgets ~50 KB a row).
QUICKTEST_CURVE_POINTS = env.int("QUICKTEST_CURVE_POINTS", default=500)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

if not DEBUG:
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
