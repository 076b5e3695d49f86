"""Settings, all from environment variables (see README "Configuration").

With nothing set, jiuye runs in development mode on an SQLite file under ./var/,
with a local secret generated there. JIUYE_PRODUCTION=1 refuses to start without
a secret key, allowed hosts and the field-encryption key.
"""

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

PACKAGE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("JIUYE_VAR_DIR", Path.cwd() / "var")).resolve()
# Parallel tests (pytest-xdist): each worker keeps its own files (local secrets, caches, uploads).
# The variable is taken out so that a process a test starts is not taken for a worker.
if _test_worker := os.environ.pop("PYTEST_XDIST_WORKER", ""):
    VAR_DIR = VAR_DIR / _test_worker
    os.environ["JIUYE_VAR_DIR"] = str(VAR_DIR)

PRODUCTION = os.environ.get("JIUYE_PRODUCTION", "") in {"1", "true", "yes"}


def _env_list(name: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


def _local_secret(filename: str) -> str:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    path = VAR_DIR / filename
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50), encoding="ascii")
        path.chmod(0o600)
    return path.read_text(encoding="ascii").strip()


if PRODUCTION:
    missing = [
        name
        for name in ("JIUYE_SECRET_KEY", "JIUYE_ALLOWED_HOSTS", "JIUYE_FIELD_KEY")
        if not os.environ.get(name)
    ]
    if missing:
        raise ImproperlyConfigured(
            "JIUYE_PRODUCTION=1 requires " + ", ".join(missing) + " (生产模式必须设置这些环境变量)"
        )
    SECRET_KEY = os.environ["JIUYE_SECRET_KEY"]
    FIELD_KEY = os.environ["JIUYE_FIELD_KEY"]
    DEVELOPMENT_MODE = False
else:
    SECRET_KEY = os.environ.get("JIUYE_SECRET_KEY") or _local_secret("secret_key")
    FIELD_KEY = os.environ.get("JIUYE_FIELD_KEY") or _local_secret("field_key")
    DEVELOPMENT_MODE = not os.environ.get("JIUYE_SECRET_KEY")

DEBUG = os.environ.get("JIUYE_DEBUG", "0" if PRODUCTION else "1") in {"1", "true", "yes"}
ALLOWED_HOSTS = _env_list("JIUYE_ALLOWED_HOSTS") or ([] if PRODUCTION else ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = _env_list("JIUYE_CSRF_TRUSTED_ORIGINS")

DATABASE_URL = os.environ.get("JIUYE_DATABASE_URL") or f"sqlite:///{VAR_DIR / 'jiuye.sqlite3'}"
# PostgreSQL connections are kept open between requests (each server thread keeps its own, checked
# before reuse): opening one costs ~7 ms of both machines' CPU on every request otherwise.
_postgres = DATABASE_URL.startswith(("postgres:", "postgresql:", "pgsql:"))
DB_CONN_MAX_AGE = int(os.environ.get("JIUYE_DB_CONN_MAX_AGE") or (300 if _postgres else 0))
_db = dj_database_url.parse(DATABASE_URL, conn_max_age=DB_CONN_MAX_AGE, conn_health_checks=True)
if _db["ENGINE"] == "django.db.backends.sqlite3":
    if _db["NAME"] not in ("", ":memory:"):
        Path(_db["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    _db.setdefault("OPTIONS", {}).update(
        {
            # WAL lets the web pages read while an import writes.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
        }
    )
    _db.setdefault("TEST", {})["NAME"] = os.environ.get("JIUYE_TEST_SQLITE_NAME") or None
DATABASES = {"default": _db}
# A read replica for the dashboards and the notice board (jiuye/dbrouters.py); off when unset.
if os.environ.get("JIUYE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(os.environ["JIUYE_REPLICA_URL"], conn_max_age=0)
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    if DATABASES["replica"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["replica"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 3)  # a dead standby: fall back soon
    DATABASE_ROUTERS = ["jiuye.dbrouters.ReplicaRouter"]
# Past this lag (or unreachable) the replica is not read; after that, left alone this long.
JIUYE_REPLICA_MAX_LAG_SECONDS = float(os.environ.get("JIUYE_REPLICA_MAX_LAG_SECONDS", 30))
JIUYE_REPLICA_RETRY_SECONDS = float(os.environ.get("JIUYE_REPLICA_RETRY_SECONDS", 10))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "simple_history",
    "rest_framework",
    "drf_spectacular",
    "knox",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "csp",
    "jiuye.audit",
    "jiuye.divisions",
    "jiuye.accounts",
    # bottom to top, as the layers run (README, "Architecture")
    "jiuye.registry",
    "jiuye.standards",
    "jiuye.casework",
    "jiuye.jobs",
    "jiuye.exchange",
    "jiuye.ledgers",
    "jiuye.tasks",
    "jiuye.oversight",
    "jiuye.api",
    "jiuye.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files served by the application itself (WhiteNoise), before any other work.
    "jiuye.serving.storage.StaticFilesMiddleware",
    # A field key that does not match the database: 503 with what to do, for every request.
    "jiuye.middleware.StartupProblemMiddleware",
    "jiuye.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "jiuye.middleware.DefaultChineseLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Idle and absolute session expiry, then the second factor for the roles that need it.
    "jiuye.accounts.middleware.SessionExpiryMiddleware",
    "jiuye.accounts.middleware.OTPRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: lockout after repeated failed logins.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "jiuye.accounts.backends.ScopedModelBackend",  # Django's ModelBackend, the scope read with the user
]

ROOT_URLCONF = "jiuye.urls"
WSGI_APPLICATION = "jiuye.wsgi.application"
AUTH_USER_MODEL = "accounts.User"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "jiuye.navigation.navigation",  # which pages the user may open (links to others are hidden)
            ],
            # ``|one_language``: the user's half of a ``中文 / English`` message, in every template.
            "builtins": ["jiuye.bilingual"],
        },
    },
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "jiuye.accounts.validators.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "jiuye.accounts.validators.CharacterClassesValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = os.environ.get("JIUYE_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
# `jiuye collectstatic` writes content-hashed, compressed copies under STATIC_ROOT, which the app
# serves itself with long cache headers (jiuye/serving/storage.py); before it, the plain names.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "jiuye.serving.storage.StaticStorage"},
}
MEDIA_ROOT = VAR_DIR / "media"

SESSION_COOKIE_AGE = int(os.environ.get("JIUYE_SESSION_SECONDS", 8 * 3600))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# Logged out after this many seconds without a request (jiuye.accounts.middleware); 0 turns it off.
JIUYE_SESSION_IDLE_SECONDS = int(os.environ.get("JIUYE_SESSION_IDLE_SECONDS", 30 * 60))
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
# A form refused for its CSRF token: a page in the user's language, in the site's layout.
CSRF_FAILURE_VIEW = "jiuye.errors.csrf_failure"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = os.environ.get("JIUYE_SSL_REDIRECT", "1") == "1"
    SECURE_HSTS_SECONDS = int(os.environ.get("JIUYE_HSTS_SECONDS", 31536000))
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Import limits (exchange.md: files over the deployment's limits are rejected).
JIUYE_IMPORT_MAX_FILE_BYTES = int(os.environ.get("JIUYE_IMPORT_MAX_FILE_BYTES", 512 * 1024 * 1024))
JIUYE_IMPORT_MAX_XLSX_UNCOMPRESSED = int(
    os.environ.get("JIUYE_IMPORT_MAX_XLSX_UNCOMPRESSED", 2 * 1024 * 1024 * 1024)
)
JIUYE_IMPORT_MAX_XLSX_RATIO = int(os.environ.get("JIUYE_IMPORT_MAX_XLSX_RATIO", 200))
# Per table of an import: rows, columns (a header a million columns wide is one problem, not a
# million), characters of one cell (Excel's own limit).
JIUYE_IMPORT_MAX_ROWS = int(os.environ.get("JIUYE_IMPORT_MAX_ROWS", 10_000_000))
JIUYE_IMPORT_MAX_COLUMNS = int(os.environ.get("JIUYE_IMPORT_MAX_COLUMNS", 1000))
JIUYE_IMPORT_MAX_CELL_CHARS = int(os.environ.get("JIUYE_IMPORT_MAX_CELL_CHARS", 32767))

# Every handler masks ID and phone numbers, and writes a 4xx answer as one line (jiuye/logs.py).
# Django's own loggers go to the same handler (not to Django's default console as well); the
# development server's access log keeps its own format, masked too.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "mask_numbers": {"()": "jiuye.logs.MaskNumbers"},
        "one_line_client_errors": {"()": "jiuye.logs.OneLineClientErrors"},
    },
    "formatters": {
        "django.server": {"()": "django.utils.log.ServerFormatter", "format": "[{server_time}] {message}",
                          "style": "{"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["one_line_client_errors", "mask_numbers"]},
        "django.server": {"class": "logging.StreamHandler", "formatter": "django.server", "level": "INFO",
                          "filters": ["mask_numbers"]},
    },
    "loggers": {
        "django": {"handlers": [], "level": "NOTSET", "propagate": True},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("JIUYE_LOG_LEVEL", "WARNING")},
}

# The deployment's city (the root of the division tree) and its reference data.
JIUYE_CITY_CODE = os.environ.get("JIUYE_CITY_CODE", "500000")
JIUYE_CITY_NAME = os.environ.get("JIUYE_CITY_NAME", "重庆市")

# Login protection (django-axes): lock a user name + address after repeated failures.
AXES_FAILURE_LIMIT = int(os.environ.get("JIUYE_LOGIN_FAILURE_LIMIT", 5))
AXES_COOLOFF_TIME = float(os.environ.get("JIUYE_LOGIN_LOCKOUT_HOURS", 0.5))  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_LOCKOUT_CALLABLE = "jiuye.accounts.views.locked_out"  # the login page with the lockout, HTTP 429
AXES_CLIENT_IP_CALLABLE = "jiuye.accounts.auditing.client_ip"
# Behind a reverse proxy: the header carrying the client's address (e.g. X-Real-IP), else REMOTE_ADDR.
JIUYE_CLIENT_IP_HEADER = os.environ.get("JIUYE_CLIENT_IP_HEADER", "")

# Second factor (TOTP, django-otp) for these roles; empty turns it off (tests, trials).
JIUYE_OTP_REQUIRED_ROLES = tuple(
    r for r in os.environ.get("JIUYE_OTP_REQUIRED_ROLES", "district,city").split(",") if r.strip()
)
OTP_TOTP_ISSUER = "jiuye"

# Content Security Policy (django-csp): same-origin scripts, styles and images only.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
    }
}

# The REST API (/api/v1/): token (Bearer) or session authentication, deny by default.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "knox.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # Outside the caller's scope is 404, never 403; a service's validation errors are 400.
    "EXCEPTION_HANDLER": "jiuye.api.exceptions.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "jiuye API",
    "DESCRIPTION": "创建充分就业社区 — register, casework, jobs and standards, scoped to the caller's divisions.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # One enum for one vocabulary used by several models (a person's education, a vacancy's minimum).
    "ENUM_NAME_OVERRIDES": {"EducationEnum": "jiuye.registry.vocab.EDUCATION"},
}
# Tokens are stored hashed (django-rest-knox); "Authorization: Bearer TOKEN".
REST_KNOX = {
    "AUTH_HEADER_PREFIX": "Bearer",
    "TOKEN_TTL": None,
    "AUTO_REFRESH": False,
}

# Background work (Celery). With no broker configured, tasks run in-process at once.
CELERY_BROKER_URL = os.environ.get("JIUYE_BROKER_URL", "")
CELERY_RESULT_BACKEND = os.environ.get("JIUYE_RESULT_BACKEND", "") or None
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Each schedule is the fields of a celery.schedules.crontab, which jiuye/celery.py builds (importing
# Celery here would load it in every process: the command line, the web workers).
CELERY_BEAT_SCHEDULE = {
    # The city-wide evaluation saved as a snapshot, and the zero-employment cases synced.
    "nightly-evaluation": {
        "task": "jiuye.nightly_evaluation",
        "schedule": {"hour": int(os.environ.get("JIUYE_NIGHTLY_HOUR", 1)), "minute": 30},
    },
    # Each community worker's queue counted for the Today page, before the working day.
    "morning-reminders": {
        "task": "jiuye.morning_reminders",
        "schedule": {"hour": int(os.environ.get("JIUYE_MORNING_HOUR", 6)), "minute": 30},
    },
}

# Exported files are deleted by the nightly run this many days after they were made.
JIUYE_EXPORT_KEEP_DAYS = int(os.environ.get("JIUYE_EXPORT_KEEP_DAYS", 7))

# Imports and exports never run in the web server's process (docs/background.md): without a
# broker each job is a process of its own (`jiuye job run ID`, started detached); with Celery it
# runs in a worker. Either way with these limits (memory of the job's process, MB; seconds), and a
# heartbeat in the progress cache: a running job without one for JIUYE_JOB_STALE_SECONDS is failed.
JIUYE_JOB_MEMORY_MB = int(os.environ.get("JIUYE_JOB_MEMORY_MB", 2048))
JIUYE_JOB_TIME_LIMIT = int(os.environ.get("JIUYE_JOB_TIME_LIMIT", 3600))
JIUYE_JOB_HEARTBEAT_SECONDS = float(os.environ.get("JIUYE_JOB_HEARTBEAT_SECONDS", 10))
JIUYE_JOB_STALE_SECONDS = float(os.environ.get("JIUYE_JOB_STALE_SECONDS", 60))
# After an import, a background job prepares the day's pages of the communities it replaced (as
# the nightly run does), so that their workers' first views find them computed (issue 16).
JIUYE_PREPARE_AFTER_IMPORT = os.environ.get("JIUYE_PREPARE_AFTER_IMPORT", "1") not in {"0", "false", "no"}
# 0: without a broker, run jobs inside the process that starts them, without limits (the tests).
JIUYE_JOB_PROCESS = os.environ.get("JIUYE_JOB_PROCESS", "1") not in {"0", "false", "no"}
CELERY_TASK_SOFT_TIME_LIMIT = JIUYE_JOB_TIME_LIMIT
CELERY_TASK_TIME_LIMIT = JIUYE_JOB_TIME_LIMIT + 30  # jiuye.tasks.runner.KILL_GRACE_SECONDS
CELERY_WORKER_MAX_MEMORY_PER_CHILD = JIUYE_JOB_MEMORY_MB * 1024  # KiB: a child that grew is replaced
CELERY_WORKER_HIJACK_ROOT_LOGGER = False  # the worker logs through LOGGING (masked, below)
CELERY_BEAT_SCHEDULE["job-watch"] = {"task": "jiuye.jobs_watch", "schedule": 60.0}

# Live progress of background jobs (jiuye/tasks/progress.py): never in the database, which
# an import keeps locked (SQLite) or its rows unseen (PostgreSQL) until it commits.
# Redis when there is one (JIUYE_REDIS_URL, or a redis:// broker), else files under VAR_DIR.
_REDIS_URL = os.environ.get("JIUYE_REDIS_URL") or (
    CELERY_BROKER_URL if CELERY_BROKER_URL.startswith(("redis://", "rediss://")) else ""
)
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "progress": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _REDIS_URL, "KEY_PREFIX": "jiuye"}
        if _REDIS_URL
        else {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": str(VAR_DIR / "progress")}
    ),
}

# Computed desk pages (jiuye/divisions/revisions.py): shared by every process on Redis's when
# JIUYE_REDIS_URL is set (Django's own RedisCache), else in each process's memory.
_PAGES_REDIS_URL = os.environ.get("JIUYE_REDIS_URL", "")
CACHES["pages"] = (
    {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _PAGES_REDIS_URL,
     "KEY_PREFIX": "jiuye-pages", "TIMEOUT": 26 * 3600}
    if _PAGES_REDIS_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "jiuye-pages",
          "OPTIONS": {"MAX_ENTRIES": 2000}}
)

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Bounded reading of every upload (issue 14): a workbook's parts, each checked from the archive's
# directory and again as it inflates: each worksheet, the shared strings, every other part (styles
# included); the shared strings' number and characters, counted as they are read.
JIUYE_IMPORT_MAX_XLSX_SHEET_BYTES = int(os.environ.get("JIUYE_IMPORT_MAX_XLSX_SHEET_BYTES", 512 * 1024 * 1024))
JIUYE_IMPORT_MAX_XLSX_STRINGS_BYTES = int(os.environ.get("JIUYE_IMPORT_MAX_XLSX_STRINGS_BYTES", 128 * 1024 * 1024))
JIUYE_IMPORT_MAX_XLSX_PART_BYTES = int(os.environ.get("JIUYE_IMPORT_MAX_XLSX_PART_BYTES", 16 * 1024 * 1024))
JIUYE_IMPORT_MAX_XLSX_STRINGS = int(os.environ.get("JIUYE_IMPORT_MAX_XLSX_STRINGS", 1_000_000))
JIUYE_IMPORT_MAX_XLSX_STRING_CHARS = int(os.environ.get("JIUYE_IMPORT_MAX_XLSX_STRING_CHARS", 50_000_000))
