"""Settings for the discussion platform.

The only module that reads the environment. Every variable has a default that runs the
site on a bare machine (SQLite, a broker on the local filesystem, email written to files);
production changes behaviour through the environment alone. README.md lists the variables.
"""

import os
import warnings
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


# --- Typed access to the environment ----------------------------------------------------


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


# --- Mode ---------------------------------------------------------------------------------

DJANGO_ENV = env_str("DJANGO_ENV", "development")
if DJANGO_ENV not in {"development", "production"}:
    raise ImproperlyConfigured(f"DJANGO_ENV must be development or production, not {DJANGO_ENV!r}")
PRODUCTION = DJANGO_ENV == "production"

DEBUG = env_bool("DJANGO_DEBUG", not PRODUCTION)

_DEV_SECRET_KEY = "dev-only-secret-key-change-me-in-production-0123456789abcdefghijkl"  # noqa: S105
SECRET_KEY = env_str("DJANGO_SECRET_KEY", "" if PRODUCTION else _DEV_SECRET_KEY)
if not SECRET_KEY:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_ENV=production")

ALLOWED_HOSTS = env_list(
    "DJANGO_ALLOWED_HOSTS", [] if PRODUCTION else ["localhost", "127.0.0.1", "[::1]", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

# Local state (SQLite file, filesystem broker, emails, uploads) lives here by default.
VAR_DIR = Path(env_str("DJANGO_VAR_DIR", str(BASE_DIR / "var"))).resolve()

SITE_NAME = env_str("SITE_NAME", "The Analysis Review")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# Proxies in front of the site that append the client's address to X-Forwarded-For. The one
# rule for "which address is the client's": allauth's rate limits, the API's throttles and
# the address a comment or report stores all read it (0: REMOTE_ADDR, never the header).
DJANGO_BEHIND_PROXY = env_bool("DJANGO_BEHIND_PROXY", False)
TRUSTED_PROXY_COUNT = env_int("DJANGO_TRUSTED_PROXY_COUNT", 1 if DJANGO_BEHIND_PROXY else 0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("DJANGO_TRUSTED_PROXY_COUNT must be 0 or more")
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT


# --- Applications -------------------------------------------------------------------------

INSTALLED_APPS = [
    "config.apps.SiteAdminConfig",  # django.contrib.admin, closed to staff without 2FA
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "csp",
    "allauth.mfa",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "articles",
    "comments",
]

MIDDLEWARE = [
    "config.requestlog.RequestLogMiddleware",  # first: it times and logs every answer
    "config.health.ProbeMiddleware",  # /healthz, /readyz, /metrics: any Host, plain HTTP
    "django.middleware.security.SecurityMiddleware",
    "config.headers.PermissionsPolicyMiddleware",
    "config.headers.CSPMiddleware",  # django-csp, its policy built once
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "platform" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "articles.context_processors.site",
            ],
        },
    },
]


# --- Database -----------------------------------------------------------------------------

DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}")
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL,
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60 if PRODUCTION else 0),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # A file, not memory, so that a worker process started by a test sees the same data.
    # One per test run, so that two runs side by side do not share it.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-db-{os.getpid()}.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


# --- Cache --------------------------------------------------------------------------------

_REDIS_CACHE_URL = env_str("REDIS_CACHE_URL", "")
CACHES = {
    "default": (
        {
            # Redis that answers like an empty cache while the server is down (config/cache.py).
            "BACKEND": "config.cache.TolerantRedisCache",
            "LOCATION": _REDIS_CACHE_URL,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
        if _REDIS_CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}
# Pages anonymous readers share (config/pagecache.py): served from the cache above while
# nothing they show has changed. PAGE_CACHE=false renders every request.
PAGE_CACHE_ENABLED = env_bool("PAGE_CACHE", True)
# Cache-Control max-age of a shared anonymous page, for a CDN or proxy in front.
PAGE_CACHE_MAX_AGE = env_int("PAGE_CACHE_MAX_AGE", 15)
# A cached page is rendered again at least this often (a scheduled article going live, a
# discussion closing with age change pages with no write to tell the cache).
PAGE_CACHE_FRESH_SECONDS = env_int("PAGE_CACHE_FRESH_SECONDS", 60)
# Useful votes reach cached pages at most this many seconds late.
PAGE_CACHE_VOTE_LAG_SECONDS = env_int("PAGE_CACHE_VOTE_LAG_SECONDS", 5)


# --- Accounts (django-allauth) --------------------------------------------------------------

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
ACCOUNT_LOGIN_METHODS = {"email", "username"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{SITE_NAME}] "
LOGIN_REDIRECT_URL = "/"
ACCOUNT_LOGOUT_REDIRECT_URL = "/"
# Two-factor authentication: required of staff in the admin (config/staff_mfa.py), open to
# every reader at /accounts/2fa/. WebAuthn is left out: it needs HTTPS and JavaScript flows
# that the admin's staff do not need yet.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = SITE_NAME
# A wrong code (at sign-in or re-authentication) counts against `login_failed` below.
# Sign-up and password reset answer alike for known and unknown addresses (allauth's
# default, stated here because tests/test_accounts.py holds us to it).
ACCOUNT_PREVENT_ENUMERATION = True
# Per client address (see TRUSTED_PROXY_COUNT) and per account ("key": the login or the
# email address). Counted in the default cache, which must be shared by every process in
# production (REDIS_CACHE_URL): a per-process cache multiplies each limit by the workers.
ACCOUNT_RATE_LIMITS = {
    # The eleventh failed sign-in from one address within a minute is refused, and the
    # sixth for one account within five minutes, whatever the password.
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "10/m/ip,30/h/ip",
    "reset_password": "10/m/ip,3/m/key,10/d/key",
}  # the others (sign-in pages 30/m/ip, ...) as allauth sets them


# --- Internationalisation -------------------------------------------------------------------

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env_str("DJANGO_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True


# --- Static files and uploads ---------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("DJANGO_STATIC_ROOT", str(VAR_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "platform" / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("DJANGO_MEDIA_ROOT", str(VAR_DIR / "media")))
# Uploaded images are served by Django itself unless a web server in front takes them.
SERVE_MEDIA = env_bool("DJANGO_SERVE_MEDIA", True)
# Development serves static files from their apps and platform/static; only `make serve`
# collects them into STATIC_ROOT, so WhiteNoise's warning about the empty folder is noise.
if not PRODUCTION:
    warnings.filterwarnings("ignore", message="No directory at: ")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024


# --- Email ----------------------------------------------------------------------------------
# Every mail leaves through Celery: EMAIL_BACKEND queues it, the worker hands it to
# EMAIL_DELIVERY_BACKEND. Without EMAIL_HOST the worker writes each mail to var/mail/.

DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", f"{SITE_NAME} <noreply@localhost>")
SERVER_EMAIL = env_str("SERVER_EMAIL", DEFAULT_FROM_EMAIL)
EMAIL_HOST = env_str("EMAIL_HOST", "")
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", EMAIL_PORT == 587)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", EMAIL_PORT == 465)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20)
EMAIL_FILE_PATH = VAR_DIR / "mail"
EMAIL_DELIVERY_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.filebased.EmailBackend"
)
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "config.mail.QueuedEmailBackend")


# --- Celery ---------------------------------------------------------------------------------

CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {
        "data_folder_in": str(VAR_DIR / "broker" / "queue"),
        "data_folder_out": str(VAR_DIR / "broker" / "queue"),
        "control_folder": str(VAR_DIR / "broker" / "control"),
        "polling_interval": 0.5,
    }
    if CELERY_BROKER_URL.startswith("filesystem://")
    else {}
)
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# At-least-once delivery: a task is acknowledged after it ran (ACKS_LATE), and re-queued when
# its worker dies (REJECT_ON_WORKER_LOST, and Redis's visibility timeout, which must be longer
# than the longest task: a fan-out chunk of 100 mails takes seconds).
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600)
    }
CELERY_BROKER_CONNECTION_TIMEOUT = env_int("CELERY_BROKER_CONNECTION_TIMEOUT", 4)
# A worker's lines name the request that queued the task (config/request_id.py).
CELERY_WORKER_LOG_FORMAT = (
    "[%(asctime)s: %(levelname)s/%(processName)s] [request %(request_id)s] %(message)s"
)
CELERY_WORKER_TASK_LOG_FORMAT = (
    "[%(asctime)s: %(levelname)s/%(processName)s] [request %(request_id)s] "
    "%(task_name)s[%(task_id)s]: %(message)s"
)
CELERY_BEAT_SCHEDULE = {
    "sweep-notifications": {
        "task": "comments.tasks.sweep_notifications_task",
        "schedule": env_int("NOTIFICATION_SWEEP_SECONDS", 60),
    },
    "sweep-webhooks": {
        "task": "comments.tasks.sweep_webhooks_task",
        "schedule": env_int("NOTIFICATION_SWEEP_SECONDS", 60),
    },
    "recheck-sources": {
        "task": "comments.tasks.recheck_sources_task",
        "schedule": 60 * 60,  # hourly, a batch at a time; each source about once a day
    },
    "clear-old-request-facts": {
        "task": "comments.tasks.clear_old_request_facts_task",
        "schedule": 24 * 60 * 60,
    },
    "prune-outbox": {
        "task": "comments.tasks.prune_outbox_task",
        "schedule": 24 * 60 * 60,
    },
}

# Cited sources: a dotted path to a function `url -> archived copy's URL or None`, asked
# when a source becomes unreachable. Off by default.
COMMENT_SOURCES_ARCHIVE_LOOKUP = env_str("COMMENT_SOURCES_ARCHIVE_LOOKUP", "") or None

# Notification mail: how long a worker's claim on a row lasts, how often a row is tried.
NOTIFICATION_CLAIM_SECONDS = env_int("NOTIFICATION_CLAIM_SECONDS", 300)
NOTIFICATION_REQUEUE_SECONDS = env_int("NOTIFICATION_REQUEUE_SECONDS", 600)
NOTIFICATION_MAX_ATTEMPTS = env_int("NOTIFICATION_MAX_ATTEMPTS", 8)
NOTIFICATION_RETRY_BASE = env_int("NOTIFICATION_RETRY_BASE", 10)
# Sent mail and delivered webhook rows are deleted once this many days old, daily by beat;
# failed ones stay until staff clear them in the admin.
OUTBOX_RETENTION_DAYS = env_int("OUTBOX_RETENTION_DAYS", 30)
if OUTBOX_RETENTION_DAYS < 1:
    raise ImproperlyConfigured("OUTBOX_RETENTION_DAYS must be 1 or more")


# --- REST API -------------------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "comments.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_RENDERER_CLASSES": ["comments.api.renderers.ORJSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "comments.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "comments.api.errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_str("API_ANON_RATE", "120/min"),
        "user": env_str("API_USER_RATE", "600/min"),
    },
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # Throttles count the same client address as everything else (None would trust any
    # X-Forwarded-For a client sends).
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
}
SPECTACULAR_SETTINGS = {
    "TITLE": f"{SITE_NAME} API",
    "DESCRIPTION": "Articles and their discussions: read, sync, post, moderate.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # The one PATCH (editing a comment) takes the whole body, not a part of it.
    "COMPONENT_SPLIT_PATCH": False,
    # A comment's status as the public sees it, and as moderators do.
    "ENUM_NAME_OVERRIDES": {
        "ShownStatusEnum": ["approved", "deleted", "removed", "pending"],
        "CommentStatusEnum": "comments.models.Comment.Status",
    },
    # Swagger UI served from this site's own static files, not from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}
# The change feed holds back changes younger than this, so a transaction still committing
# cannot slip in behind a client's cursor.
API_FEED_LAG_SECONDS = env_int("API_FEED_LAG_SECONDS", 2)

# --- Discussions ----------------------------------------------------------------------------

# Comments close by themselves on articles older than this many days; 0 keeps them open.
COMMENTS_CLOSE_AFTER_DAYS = env_int("COMMENTS_CLOSE_AFTER_DAYS", 0)
ARTICLES_PER_PAGE = env_int("ARTICLES_PER_PAGE", 10)
# Top-level threads on each page of a discussion; 0 shows the whole discussion on one page.
COMMENTS_PER_PAGE = env_int("COMMENTS_PER_PAGE", 50)
# How often an open article page asks whether new comments became public (seconds).
COMMENTS_POLL_SECONDS = env_int("COMMENTS_POLL_SECONDS", 30)
COMMENT_REPORTS_PER_HOUR = env_int("COMMENT_REPORTS_PER_HOUR", 10)
COMMENT_VOTES_PER_HOUR = env_int("COMMENT_VOTES_PER_HOUR", 60)
# Notices of illegal content one address or account may send in an hour, and the further
# addresses one notice may list besides the comment's own.
COMMENT_NOTICES_PER_HOUR = env_int("COMMENT_NOTICES_PER_HOUR", 5)
NOTICE_MAX_URLS = env_int("NOTICE_MAX_URLS", 20)
# How long after a decision its author (or a notifier left without action) may appeal it.
APPEAL_WINDOW_DAYS = env_int("APPEAL_WINDOW_DAYS", 183)
# How long the approve / spam links in a moderator's alert mail stay valid.
MODERATION_LINK_DAYS = env_int("MODERATION_LINK_DAYS", 7)
# A comment's IP address and user agent (and a report's IP) are cleared once this many days
# old, daily by beat; 0 keeps them. Bans keep their own values and work on.
COMMENT_IP_RETENTION_DAYS = env_int("COMMENT_IP_RETENTION_DAYS", 90)
# Depth, edit window, length, word lists and thresholds are the moderators' to set, in the admin.

# The optional spam service (Akismet). Off without a key; a failure holds the comment.
AKISMET_API_KEY = env_str("AKISMET_API_KEY", "")
AKISMET_URL = env_str("AKISMET_URL", "https://rest.akismet.com")
AKISMET_TIMEOUT = env_int("AKISMET_TIMEOUT", 3)


# --- Security -------------------------------------------------------------------------------

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Features no page here uses, switched off for every page and anything it embeds.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer", "autoplay", "browsing-topics", "camera", "display-capture",
        "geolocation", "gyroscope", "magnetometer", "microphone", "midi", "payment",
        "publickey-credentials-get", "screen-wake-lock", "serial", "usb", "xr-spatial-tracking",
    )
}  # fmt: skip
# Scripts and styles only from files this site serves: no inline <script>, no event handler
# attributes, no inline style (the admin's own pages included; see README "Security").
# Images may also come from hosts an editor embeds from (CSP_IMG_HOSTS).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", *env_list("CSP_IMG_HOSTS", [])],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# /.well-known/security.txt: where to report a vulnerability (SECURITY.md says how).
SECURITY_CONTACT = env_str(
    "SECURITY_CONTACT", f"mailto:security@{urlsplit(SITE_URL).hostname or 'localhost'}"
)
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", True)
    if DJANGO_BEHIND_PROXY:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must be set when DJANGO_ENV=production")


# --- Logging, metrics, error reports --------------------------------------------------------

# Every record carries `request_id` (config/request_id.py). `discussions.request` writes one
# JSON line per request (config/requestlog.py), bare, for a log shipper to parse.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"},
        "bare": {"format": "%(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
        "requests": {"class": "logging.StreamHandler", "formatter": "bare"},
    },
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "discussions.request": {"handlers": ["requests"], "level": "INFO", "propagate": False},
    },
}

# /metrics is open to loopback; from elsewhere only with `Authorization: Bearer <token>`.
METRICS_TOKEN = env_str("METRICS_TOKEN", "")

# Error reports to Sentry (or a compatible service), off unless a DSN is set; what a report
# may carry is decided in config/error_reporting.py (no reader's data).
SENTRY_DSN = env_str("SENTRY_DSN", "")
if SENTRY_DSN:
    from config import error_reporting

    error_reporting.start(dsn=SENTRY_DSN, environment=DJANGO_ENV)
