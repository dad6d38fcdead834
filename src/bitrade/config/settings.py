"""Biträde settings, driven by the environment.

Environment variables:
  BITRADE_ENV        development (default) | test | production
  DATABASE_URL       default: SQLite file var/bitrade.sqlite3 (WAL mode)
  SECRET_KEY         required in production; generated into var/ otherwise
  BITRADE_VAR_DIR    where runtime files live (default: <project>/var)
  BITRADE_ALLOWED_HOSTS  comma separated (default: localhost,127.0.0.1)
  BITRADE_OIDC_*     single sign-on, see docs/operations.md
  BITRADE_SEEDS_DIR  legal corpus directory (default: the package's legal/sources)
  BITRADE_AUDIT_*    audit signing key and checkpoint directory, see docs/operations.md
  BITRADE_FOLLOWUP_* follow-up analytics engine, refresh and rebuild schedule, see docs/followup.md
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

PACKAGE_DIR = Path(__file__).resolve().parent.parent
BASE_DIR = PACKAGE_DIR.parent.parent
ENV = os.environ.get("BITRADE_ENV", "development")
PRODUCTION = ENV == "production"
VAR_DIR = Path(os.environ.get("BITRADE_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY must be set when BITRADE_ENV=production.")
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = os.environ.get("BITRADE_DEBUG", "0" if PRODUCTION else "1") == "1" and ENV != "test"
ALLOWED_HOSTS = os.environ.get("BITRADE_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver").split(",")
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("BITRADE_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "axes",
    "ninja",  # the API docs from ninja's own static files (no CDN, no inline script)
    "django_tasks",
    "django_tasks_db",
    "bitrade.web",
    "bitrade.idempotency",
    "bitrade.organisation",
    "bitrade.audit",
    "bitrade.outbox",
    "bitrade.deadlines",
    "bitrade.legal",
    "bitrade.intake",
    "bitrade.routing",
    "bitrade.cases",
    "bitrade.assistance",
    "bitrade.custody",
    "bitrade.transport",
    "bitrade.monitoring",
    "bitrade.returns",
    "bitrade.followup",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "bitrade.web.middleware.RequestSizeLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Compresses HTML and JSON answers, brotli when the client accepts it, else gzip (not static files:
    # WhiteNoise serves those precompressed); see docs/operations.md "Compression" on BREACH.
    "bitrade.common.compression.CompressionMiddleware",
    "bitrade.web.middleware.RequestIdMiddleware",
    "bitrade.web.middleware.ConditionalKeyUseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "bitrade.organisation.auth.AuthenticationMiddleware",
    "bitrade.web.middleware.ControlCharacterMiddleware",
    "bitrade.web.audit_hooks.AuditRefusalMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "bitrade.web.middleware.ContentSecurityPolicyMiddleware",
    "axes.middleware.AxesMiddleware",
    "bitrade.web.middleware.HouseErrorPagesMiddleware",
]

ROOT_URLCONF = "bitrade.config.urls"
WSGI_APPLICATION = "bitrade.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # The web app's templates first, so that its admin/ overrides win over django.contrib.admin's.
        "DIRS": [PACKAGE_DIR / "web" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "bitrade.web.context.navigation",
            ],
            "builtins": ["bitrade.web.templatetags.bitrade_tags"],
        },
    },
]

# --- Database -------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'bitrade.sqlite3'}"
# Persistent connections (kept 60 s); the test suite opens one per test. No health check before reuse by
# default: Django's check is a "SELECT 1" round trip at the start of every request; a connection that died
# (database restart, failover) fails one request and is then replaced (docs/operations.md "PostgreSQL").
DATABASES = {"default": dj_database_url.parse(
    DATABASE_URL, conn_max_age=0 if ENV == "test" else 60,
    conn_health_checks=ENV != "test" and os.environ.get("BITRADE_DB_HEALTH_CHECKS", "0") == "1")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # Writers take the lock at BEGIN: no "database is locked" upgrade deadlocks under WAL.
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000; "
            "PRAGMA foreign_keys=ON;"
        ),
    }
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-bitrade.sqlite3")}
    # Writers queue for SQLite's single write lock in the kernel instead of polling it (bitrade.common.sqlite).
    DATABASES["default"]["ENGINE"] = "bitrade.common.sqlite"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The police inbox's rows rendered once per unit scope and change stamp, kept per process (cases.inbox_cache).
INBOX_ROWS_CACHE = int(os.environ.get("BITRADE_INBOX_ROWS_CACHE", "256"))
INBOX_ROW_MARKUP_CACHE = int(os.environ.get("BITRADE_INBOX_ROW_MARKUP_CACHE", "10000"))

# --- Deadlines (docs/deadlines.md) ------------------------------------------
DEADLINE_MAX_ATTEMPTS = int(os.environ.get("BITRADE_DEADLINE_MAX_ATTEMPTS", "8"))
DEADLINE_RETRY_BASE_SECONDS = float(os.environ.get("BITRADE_DEADLINE_RETRY_BASE_SECONDS", "30"))
DEADLINE_RETRY_MAX_SECONDS = float(os.environ.get("BITRADE_DEADLINE_RETRY_MAX_SECONDS", "3600"))

# --- Auth -----------------------------------------------------------------
AUTH_USER_MODEL = "organisation.Person"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if ENV == "test":
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Throttling of failed logins (django-axes): 5 failures per user name and address lock for 15 minutes.
AXES_FAILURE_LIMIT = int(os.environ.get("BITRADE_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "web/locked_out.html"
AXES_VERBOSE = False

# Optional single sign-on (OpenID Connect) for production.
OIDC_ENABLED = os.environ.get("BITRADE_OIDC_ENABLED", "0") == "1"
if OIDC_ENABLED:
    INSTALLED_APPS.append("mozilla_django_oidc")
    AUTHENTICATION_BACKENDS.insert(1, "bitrade.organisation.oidc.PersonOIDCBackend")
    OIDC_RP_CLIENT_ID = os.environ["BITRADE_OIDC_CLIENT_ID"]
    OIDC_RP_CLIENT_SECRET = os.environ["BITRADE_OIDC_CLIENT_SECRET"]
    OIDC_OP_AUTHORIZATION_ENDPOINT = os.environ["BITRADE_OIDC_AUTHORIZATION_ENDPOINT"]
    OIDC_OP_TOKEN_ENDPOINT = os.environ["BITRADE_OIDC_TOKEN_ENDPOINT"]
    OIDC_OP_USER_ENDPOINT = os.environ["BITRADE_OIDC_USER_ENDPOINT"]
    OIDC_OP_JWKS_ENDPOINT = os.environ.get("BITRADE_OIDC_JWKS_ENDPOINT", "")
    OIDC_RP_SIGN_ALGO = os.environ.get("BITRADE_OIDC_SIGN_ALGO", "RS256")

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SESSION_COOKIE_SAMESITE = CSRF_COOKIE_SAMESITE = "Lax"

# --- Transport security (docs/operations.md "TLS and the reverse proxy") --------------------------
# In production Biträde sits behind a TLS-terminating proxy that sets X-Forwarded-Proto (and strips it
# from clients): plain HTTP is redirected, HSTS tells browsers to use HTTPS only.
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = os.environ.get("BITRADE_SSL_REDIRECT", "1") == "1"
    SECURE_HSTS_SECONDS = int(os.environ.get("BITRADE_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = os.environ.get("BITRADE_HSTS_INCLUDE_SUBDOMAINS", "1") == "1"
    SECURE_HSTS_PRELOAD = os.environ.get("BITRADE_HSTS_PRELOAD", "0") == "1"
    if not SECURE_HSTS_PRELOAD:
        # Entering the browsers' preload list binds the whole domain to HTTPS for good: the operator's
        # decision (BITRADE_HSTS_PRELOAD=1), so its absence is not a deploy warning.
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_AGE = 60 * 60 * 12
# Django's database sessions, the row's read compiled once per thread (read afresh on every request).
SESSION_ENGINE = "bitrade.organisation.sessions"

# --- Language and time ------------------------------------------------------
LANGUAGE_CODE = "sv"
LANGUAGES = [("sv", "Svenska"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Europe/Stockholm"
USE_TZ = True

# --- Static files -------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
WHITENOISE_USE_FINDERS = not PRODUCTION  # production serves collected files (bitrade collectstatic)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
if ENV == "test" or DEBUG:
    STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
MEDIA_ROOT = VAR_DIR / "media"
# A request with attachments (base64 in JSON, or multipart) may be at most 40 MB in all.
DATA_UPLOAD_MAX_MEMORY_SIZE = 40 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FILES = 10
# Optional virus scanning of uploads by clamd ("/run/clamav/clamd.ctl" or "host:3310"); off when empty.
BITRADE_CLAMD = os.environ.get("BITRADE_CLAMD", "")
# Larger bodies are refused from their Content-Length before they are read (bitrade.web.middleware);
# the reverse proxy must refuse them too, and bodies without a length (docs/operations.md).

# --- Background work ----------------------------------------------------------
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}

# --- E-mail (delivered by the outbox worker) -------------------------------------
EMAIL_BACKEND = os.environ.get("BITRADE_EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = VAR_DIR / "mail"
DEFAULT_FROM_EMAIL = os.environ.get("BITRADE_FROM_EMAIL", "bitrade@polisen.example")
EMAIL_HOST = os.environ.get("BITRADE_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("BITRADE_EMAIL_PORT", "25"))

# --- Biträde ------------------------------------------------------------------
BITRADE_SEEDS_DIR = Path(os.environ.get("BITRADE_SEEDS_DIR", PACKAGE_DIR / "legal" / "sources"))
BITRADE_API_KEY_PREFIX = "btr"
# Return enforcement: years until a removal decision not made by a general court lapses (12 kap. 22 § UtlL;
# docs/legal-readings.md).
BITRADE_RETURNS_LAPSE_YEARS = int(os.environ.get("BITRADE_RETURNS_LAPSE_YEARS", "4"))
# Synthetic return cases (`bitrade generate`): a year outside the report's tables (2014–2019) gets the mean of
# these years; "2019" carries the last year forward (docs/returns.md, "Synthetic data").
BITRADE_RETURNS_SYNTHETIC_BASIS_YEARS = tuple(
    int(y) for y in os.environ.get("BITRADE_RETURNS_SYNTHETIC_BASIS_YEARS", "2017,2018,2019").split(",") if y.strip())
# The house 404 page even with DEBUG on (the demo); 0 shows Django's technical page to developers.
BITRADE_HOUSE_ERROR_PAGES = os.environ.get("BITRADE_HOUSE_ERROR_PAGES", "1") == "1"
# How long after an order to Kriminalvården is finished its list still shows who was transported
# (a platform choice, documented in docs/operations.md; 29 a § PL governs what is shared, not for how long).
BITRADE_NTE_PERSONAL_DATA_HOURS = float(os.environ.get("BITRADE_NTE_PERSONAL_DATA_HOURS", "24"))
# NTE's list refreshes itself this often (seconds).
BITRADE_NTE_POLL_SECONDS = int(os.environ.get("BITRADE_NTE_POLL_SECONDS", "30"))

# --- Audit trail (docs/architecture.md "Audit trail", docs/operations.md) ---------------------
# Signed checkpoints are appended to a file here, outside the database (put it on other storage).
BITRADE_AUDIT_CHECKPOINT_DIR = Path(os.environ.get("BITRADE_AUDIT_CHECKPOINT_DIR", VAR_DIR / "audit-checkpoints"))

# Follow-up analytics (docs/followup.md): the figures are computed on an in-process DuckDB replica of the
# fact tables ("duckdb") or on the database ("orm"); the worker refreshes the facts every
# BITRADE_FOLLOWUP_SYNC_SECONDS and rebuilds them fully each night at BITRADE_FOLLOWUP_REBUILD_HOUR (local).
BITRADE_FOLLOWUP_ENGINE = os.environ.get("BITRADE_FOLLOWUP_ENGINE", "duckdb")
BITRADE_FOLLOWUP_SYNC_SECONDS = int(os.environ.get("BITRADE_FOLLOWUP_SYNC_SECONDS", "15"))
BITRADE_FOLLOWUP_REBUILD_HOUR = int(os.environ.get("BITRADE_FOLLOWUP_REBUILD_HOUR", "3"))
# Threads that answer a follow-up report's questions ahead, all at once, when the report is built again (0: each
# question asked in turn when it is needed). See docs/followup.md.
BITRADE_FOLLOWUP_PARALLEL = int(os.environ.get("BITRADE_FOLLOWUP_PARALLEL", "2"))
BITRADE_FOLLOWUP_SNAPSHOT_DIR = Path(os.environ.get("BITRADE_FOLLOWUP_SNAPSHOT_DIR", VAR_DIR / "followup"))
# The Ed25519 signing key: BITRADE_AUDIT_SIGNING_KEY (PEM or base64 of the 32-byte seed) or
# BITRADE_AUDIT_SIGNING_KEY_FILE; outside production a key is generated into var/ if none is configured.
BITRADE_AUDIT_SIGNING_KEY_FILE = os.environ.get("BITRADE_AUDIT_SIGNING_KEY_FILE", "")
# Public keys of retired signing keys ("<key id> <base64 public key>" per line), for verification.
BITRADE_AUDIT_TRUSTED_KEYS_FILE = os.environ.get("BITRADE_AUDIT_TRUSTED_KEYS_FILE", "")
BITRADE_AUDIT_SEAL_BATCH = int(os.environ.get("BITRADE_AUDIT_SEAL_BATCH", "2000"))
# The continuous sealer (worker, `bitrade audit seal --follow`) starts a run every this many seconds.
BITRADE_AUDIT_SEAL_INTERVAL = float(os.environ.get("BITRADE_AUDIT_SEAL_INTERVAL", "0.5"))
# A self-refreshing view logs an unchanged read again after this many seconds.
BITRADE_AUDIT_READ_REPEAT_SECONDS = int(os.environ.get("BITRADE_AUDIT_READ_REPEAT_SECONDS", "3600"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("BITRADE_LOG_LEVEL", "WARNING")},
    "loggers": {"bitrade": {"level": os.environ.get("BITRADE_LOG_LEVEL", "INFO")}},
}
