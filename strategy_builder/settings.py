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
    "axes",
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
    "axes.middleware.AxesMiddleware",  # last, as axes requires: turns a locked-out login form into its 429
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
    # SQLite makes its file but not the folder (VAR_DIR by default): make that, wherever it is.
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)

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
# Uploads (bar CSVs): a request body larger than this is refused (413) before any of its file is kept;
# marketdata.uploads holds the handler. Files above FILE_UPLOAD_MAX_MEMORY_SIZE go to a temporary file.
DATASET_UPLOAD_MAX_BYTES = env.int("DATASET_UPLOAD_MAX_BYTES", default=200 * 2**20)
FILE_UPLOAD_HANDLERS = [
    "marketdata.uploads.UploadLimitHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# --- Cache --------------------------------------------------------------------------------------
# Per process by default; production with several web processes sets CACHE_URL=redis://... .
# (Failed logins are counted in the database, not here: see "Authentication and throttling".)
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
    # Bodies are refused (400, naming the field) when they hold what no row can store: lone surrogates, NULs,
    # nesting beyond 64 levels (strategy_builder/storable.py); a response never fails on one stored value.
    "DEFAULT_PARSER_CLASSES": [
        "strategy_builder.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # JSON that survives one unrenderable stored value, and the browsable API whose forms after a write are
    # the write's own (both in strategy_builder/api/renderers.py).
    "DEFAULT_RENDERER_CLASSES": [
        "strategy_builder.api.renderers.JSONRenderer",
        "strategy_builder.api.renderers.BrowsableAPIRenderer",
    ],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

# --- Authentication and throttling (issue 9) -------------------------------------------------------
# Reverse proxies in front of the app that append the address they were reached from to X-Forwarded-For.
# The client is the Nth address from the right; with 0 (no proxy) the socket's address. The login limits
# count clients by it (strategy_builder.login_limits.client_address), and every REST framework throttle,
# through NUM_PROXIES, picks the same entry.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
REST_FRAMEWORK["NUM_PROXIES"] = TRUSTED_PROXY_COUNT

# Password guessing, on every login form and POST /api/v1/auth/token/, is limited by django-axes: after
# LOGIN_FAILURE_LIMIT failures for one account (from any addresses), or from one address (for any accounts),
# within the cool-off, every password for it is refused with 429 and Retry-After until the cool-off has
# passed since those failures. See strategy_builder/login_limits.py.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out account or address before any check
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # each counted on its own, not the pair
# The database handler keeps the counts in axes' own tables (axes_accessattempt, beside the spec's): every
# web process and every restart sees the same counts without a shared cache (the default cache is per
# process), and staff see and lift lockouts in the admin ("Access attempts"; delete the row).
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_USERNAME_CALLABLE = "strategy_builder.login_limits.login_account"
AXES_CLIENT_IP_CALLABLE = "strategy_builder.login_limits.login_client_address"
AXES_LOCKOUT_CALLABLE = "strategy_builder.login_limits.lockout_response"
# Retrying while locked out neither counts nor moves the end of the lockout, so the Retry-After given holds.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# A successful login forgets its account's failures only (login_limits.forget_account_failures).
AXES_RESET_ON_SUCCESS = False
# Failures are kept for the cool-off; a log of every successful login is not kept.
AXES_DISABLE_ACCESS_LOG = True
# --- end of authentication and throttling ---------------------------------------------------------

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
        "ComparedInputKindEnum": "quicktests.choices.ComparedInputKind",
    },
}

# --- Celery -------------------------------------------------------------------------------------
BROKER_DIR = VAR_DIR / "broker"
_REDELIVERY_AFTER = 0  # seconds after which a dead worker's message is delivered again (Redis: visibility timeout)
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
        # The filesystem transport cannot be woken by a new message: the worker looks every polling_interval
        # seconds (kombu's default, 1 s, made a quick test take a second). 0.05 s keeps POST -> COMPLETED
        # under 300 ms for about 0.4 % of one core while idle (bench/quicktest_bench.py prints both).
        "polling_interval": env.float("CELERY_FILESYSTEM_POLLING_INTERVAL", default=0.05),
    }
    # A result backend that needs no server either: a parameter sweep's chord (quicktests/sweeps.py) needs one.
    _DEFAULT_RESULT_BACKEND = f"file://{VAR_DIR / 'results'}"
elif CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    _DEFAULT_RESULT_BACKEND = CELERY_BROKER_URL
    # A message taken by a worker that died (SIGKILL, lost machine) is delivered again after this long; it
    # must exceed the longest task (a retention job's RETENTION_TASK_TIME_LIMIT, a sweep chunk's limit).
    _REDELIVERY_AFTER = env.int("CELERY_VISIBILITY_TIMEOUT", default=20 * 60)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": _REDELIVERY_AFTER,
        # Every worker looks for such messages this often (kombu's default looks every 100 s).
        "unacked_restore_interval": max(1, min(10, _REDELIVERY_AFTER // 2)),
        "unacked_restore_throttle": 1,
    }
else:
    _DEFAULT_RESULT_BACKEND = ""
# Task results are kept only where a task asks for them (ops health checks: strategy_builder/tasks.py; the
# chunks of a sweep, whose chord counts them). Every other task ignores its result (CELERY_TASK_IGNORE_RESULT).
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=_DEFAULT_RESULT_BACKEND) or None
CELERY_RESULT_EXPIRES = timedelta(days=1)
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
# The editor's live preview runs in the web process, on at most this many bars of the chosen dataset (issue 12).
PREVIEW_MAX_BARS = env.int("PREVIEW_MAX_BARS", default=20_000)
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
# A test still PENDING this long after it was posted was never taken by a worker (broker or workers down, or
# the process died before sending it); the same beat job fails it, telling the trader to run it again.
QUICKTEST_PENDING_LIMIT = timedelta(seconds=env.int("QUICKTEST_PENDING_LIMIT_SECONDS", default=15 * 60))
# Points kept of the equity and drawdown curves stored with each result (the spec budgets ~50 KB a row).
QUICKTEST_CURVE_POINTS = env.int("QUICKTEST_CURVE_POINTS", default=500)

# --- Parameter sweeps (issue 13) -------------------------------------------------------------------
# A sweep (a quick test whose test_config has a `sweep`) runs at most this many combinations, split into
# chunks of SWEEP_CHUNK_SIZE, each one Celery task (any worker takes any chunk); a chunk is stopped at its
# own time limits. A sweep RUNNING with no chunk started or finished for SWEEP_STUCK_AFTER lost its workers
# (a killed worker's chunk comes back after the broker's visibility timeout, so the default waits for that).
SWEEP_MAX_COMBINATIONS = env.int("SWEEP_MAX_COMBINATIONS", default=10_000)
SWEEP_CHUNK_SIZE = env.int("SWEEP_CHUNK_SIZE", default=50)
SWEEP_CHUNK_SOFT_TIME_LIMIT = env.int("SWEEP_CHUNK_SOFT_TIME_LIMIT", default=300)
SWEEP_CHUNK_TIME_LIMIT = env.int("SWEEP_CHUNK_TIME_LIMIT", default=330)
SWEEP_STUCK_AFTER = timedelta(
    seconds=env.int(
        "SWEEP_STUCK_AFTER_SECONDS",
        default=SWEEP_CHUNK_TIME_LIMIT + _REDELIVERY_AFTER + 60,
    )
)

# --- Node template parameter schemas (issue 9) ----------------------------------------------------
# A template's parameter_schema (custom or system) is refused when saved, and reported as that template's
# problem when built into a catalogue, above this many bytes of JSON or levels of nesting, each counted with
# its $refs expanded (engine.paramschema.SchemaLimits; the depth is at most 64).
NODE_SCHEMA_MAX_BYTES = env.int("NODE_SCHEMA_MAX_BYTES", default=32_768)
NODE_SCHEMA_MAX_DEPTH = env.int("NODE_SCHEMA_MAX_DEPTH", default=16)

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

# --- The browser app (issue 11) ------------------------------------------------------------------
# Pages are Django templates (web/) that mount entries built by Vite from frontend/ into frontend/dist/;
# django-vite finds each entry's hashed files through Vite's manifest. The build runs in scripts/bootstrap.sh.
INSTALLED_APPS += ["django_vite", "web"]
FRONTEND_DIST = BASE_DIR / "frontend" / "dist"
STATICFILES_DIRS += [("app", FRONTEND_DIST)]
DJANGO_VITE = {
    "default": {
        "dev_mode": False,
        "manifest_path": FRONTEND_DIST / ".vite" / "manifest.json",
        "static_url_prefix": "app",
    }
}
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "strategies"
LOGOUT_REDIRECT_URL = "login"

# A strict Content-Security-Policy on every response (Django's own middleware): scripts and styles only
# from our own origin, never inline, never eval; no frames, plugins or foreign connections.
from django.utils.csp import CSP  # noqa: E402

# Right after SecurityMiddleware, so every response carries it, the login lockout page (axes) included.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
)
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
