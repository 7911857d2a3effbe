"""RLS Care settings: one module, configured by environment variables.

With nothing set, the app runs on embedded defaults (DEBUG on, SQLite, Celery on kombu's filesystem
transport, console email). Production sets DEBUG=0 plus the variables the README lists; a bad value
fails at start with ImproperlyConfigured naming the variable. Reading this module has no side effects:
folders are made where they are first used (the SQLite backend, rlsapp/celery.py).

Clinical thresholds are not settings: they live with the rules that apply them (checklists/careplan/),
each with its source. What is here is deployment and clinic policy.
"""

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.checks.security.base import (
    SECRET_KEY_INSECURE_PREFIX,
    SECRET_KEY_MIN_LENGTH,
    SECRET_KEY_MIN_UNIQUE_CHARACTERS,
)
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.validators import validate_email
from django.templatetags.static import static
from django.utils.csp import CSP
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from rlsapp.env import env_bool, env_int, env_list, env_str, env_url

# Paths and core

BASE_DIR = Path(__file__).resolve().parent.parent
# Runtime files of a development install: the SQLite database, the filesystem broker, test email.
VAR_DIR = Path(env_str("RLS_VAR_DIR", str(BASE_DIR / "var")))
APP_VERSION = "0.1.0"

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = env_str("SECRET_KEY", required=not DEBUG) or "dev-only-insecure-key-do-not-use-in-production"
# Production refuses a key weaker than Django's own check wants (security.W009: 50+ characters, 5+
# distinct, not startproject's "django-insecure-"); it would only warn, and signs sessions and links.
if not DEBUG and (
    len(SECRET_KEY) < SECRET_KEY_MIN_LENGTH
    or len(set(SECRET_KEY)) < SECRET_KEY_MIN_UNIQUE_CHARACTERS
    or SECRET_KEY.startswith(SECRET_KEY_INSECURE_PREFIX)
):
    raise ImproperlyConfigured(
        f"SECRET_KEY must be at least {SECRET_KEY_MIN_LENGTH} characters with at least "
        f"{SECRET_KEY_MIN_UNIQUE_CHARACTERS} distinct ones, and not start with {SECRET_KEY_INSECURE_PREFIX!r}"
        " when DEBUG=0. Set SECRET_KEY to a long random value, e.g. the output of"
        ' python -c "import secrets; print(secrets.token_urlsafe(50))".'
    )
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# The absolute address of the site, used in emailed links (invitations, reminders).
SITE_URL = env_url("SITE_URL", "http://127.0.0.1:8000", schemes=("http", "https")).rstrip("/")

# Apps, middleware, URLs and templates

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "pwa",
    "checklists",
    "checklists.ops",  # /healthz, /readyz, /metrics, liveness marks, log context
    "frontend",
    # Sign-in throttling and clinician two-factor.
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",  # clinicians' one-time recovery codes
]

MIDDLEWARE = [
    # First: the request id on every log line and the X-Request-ID answer, and the latency metric.
    "checklists.ops.middleware.RequestContextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # The CSP header with per-request nonces, OTP state, the idle timeout and the two-factor gate, then
    # axes last: it must see the response of every sign-in view.
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "checklists.security.middleware.SessionIdleMiddleware",
    "checklists.security.middleware.ClinicianTwoFactorMiddleware",
    # A 404 on a page of patient data (admin, FHIR export) writes a "refused" access-log entry.
    "checklists.security.audit.AdminRefusalAuditMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "rlsapp.urls"
WSGI_APPLICATION = "rlsapp.wsgi.application"
ASGI_APPLICATION = "rlsapp.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "rlsapp" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
            ],
        },
    },
]

# Database: a SQLite file by default, PostgreSQL (or anything dj-database-url reads) via DATABASE_URL.

DATABASE_URL = env_url(
    "DATABASE_URL",
    f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
    schemes=("sqlite", "postgres", "postgresql", "pgsql"),
)
DATABASES = {
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 0, minimum=0))
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Django's backend, which makes the file's folder on first connecting (a fresh checkout has no var/).
    DATABASES["default"]["ENGINE"] = "rlsapp.sqlite"
    # WAL and a busy timeout let the web server and a Celery worker share the file.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Statements run through checklists.db.raw.server_binding_cursor (the reminder send task's, the
    # sync's upserts, today's checklists, the signed-in user with the patient) are prepared from
    # their 5th run on a connection: planned once, not every run.
    # Django's own queries bind on the client and are never prepared. Behind a transaction-pooling
    # PgBouncer older than 1.21, set DB_PREPARE_THRESHOLD=0 to turn this off.
    DATABASES["default"]["OPTIONS"] = {
        "prepare_threshold": env_int("DB_PREPARE_THRESHOLD", 5, minimum=0) or None
    }
    # Behind PgBouncer in transaction mode a server-side cursor (QuerySet.iterator(), used by the daily
    # re-screenings and the access-log export) may outlive its server connection: turn them off there.
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env_bool("DB_DISABLE_SERVER_SIDE_CURSORS", False)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache and sessions

# The cache is per process by default. CACHE_URL (Redis) shares it between web workers: the API's
# throttle keeps one count per user whichever worker answers, and sessions are kept in memory in front of
# the database (cached_db: every write still goes to the database, so a cache restart signs nobody out).
# Without it, sessions are read from the database on each request: a per-process cache in front would
# keep a session alive in other processes after sign out everywhere. Both engines are Django's, storing
# sessions in checklists.UserSession (indexed by user; django.contrib.sessions stays installed for its
# clearsessions command).
CACHE_URL = env_url("CACHE_URL", "locmem://", schemes=("locmem", "redis", "rediss"))
if CACHE_URL.startswith("locmem://"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    SESSION_ENGINE = "checklists.security.sessions.db"
else:
    CACHES = {
        "default": {
            "BACKEND": "rlsapp.cache.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "rls",
        }
    }
    SESSION_ENGINE = "checklists.security.sessions.cached_db"
# The worklist's adherence figures (checklists/worklist/adherence.py), keyed by everything they are counted
# from, so a copy per process is as right as a shared one; per process it needs room for every patient.
_worklist_cache: dict[str, Any] = (
    {**CACHES["default"], "KEY_PREFIX": "rls-worklist"}
    if not CACHE_URL.startswith("locmem://")
    else {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "worklist",
        "OPTIONS": {"MAX_ENTRIES": 100_000},
    }
)
CACHES["worklist"] = _worklist_cache

# Sessions end after this much inactivity; clinicians' sooner. Activity renews them (see
# checklists.security.middleware.SessionIdleMiddleware: at most one session write per interval).
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_MINUTES", 14 * 24 * 60, minimum=5) * 60
STAFF_SESSION_IDLE_SECONDS = env_int("STAFF_SESSION_IDLE_MINUTES", 30, minimum=5) * 60
SESSION_RENEW_INTERVAL_SECONDS = 300

# Security and sign-in (README "Security and privacy")

# Behind a TLS-terminating proxy that sets X-Forwarded-Proto, set SECURE_PROXY_SSL_HEADER=1 so Django
# knows the request was HTTPS; only ever behind a proxy that overwrites that header from clients.
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The client's address: REMOTE_ADDR, or behind TRUSTED_PROXY_COUNT proxies the X-Forwarded-For entry
# the outermost trusted proxy appended (used by axes and the access log).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SESSION_COOKIE_HTTPONLY = True
# The PWA's script reads the CSRF cookie to send X-CSRFToken (also from its offline outbox), so it is
# not HttpOnly; Django's docs: HttpOnly on it gives no practical protection. The session cookie is.
CSRF_COOKIE_HTTPONLY = False
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# Content Security Policy: strict, same-origin only, no inline script or style without the nonce.
CSP_REPORT_PATH = "/security/csp-report/"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "manifest-src": [CSP.SELF],
    "worker-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "report-uri": [CSP_REPORT_PATH],
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Argon2 first; the others only to read hashes made before (they are upgraded at sign-in).
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
# axes first: it refuses a locked-out username+address before the password is even checked.
AUTHENTICATION_BACKENDS = [
    "checklists.security.backends.AxesBackend",
    "checklists.security.backends.PatientModelBackend",
    # Sessions signed in before PatientModelBackend existed name this one; keep them valid.
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"
# Invitation links (Django's password-reset tokens) stay valid this long.
PASSWORD_RESET_TIMEOUT = env_int("INVITATION_VALID_DAYS", 7, minimum=1) * 24 * 3600
# "Forgot your password?" links (checklists.accounts.password_reset) live far shorter: they are asked for
# on the spot. Requests are counted per email and per client address in the default cache (shared between
# workers with CACHE_URL); over either limit the page answers the same and sends nothing.
PASSWORD_RESET_LINK_MINUTES = env_int("PASSWORD_RESET_LINK_MINUTES", 60, minimum=5)
PASSWORD_RESET_LIMIT_PER_EMAIL = env_int("PASSWORD_RESET_LIMIT_PER_EMAIL", 3, minimum=1)
PASSWORD_RESET_LIMIT_PER_ADDRESS = env_int("PASSWORD_RESET_LIMIT_PER_ADDRESS", 10, minimum=1)
PASSWORD_RESET_LIMIT_WINDOW_MINUTES = env_int("PASSWORD_RESET_LIMIT_WINDOW_MINUTES", 60, minimum=1)

# django-axes: lock a username+address pair after AXES_FAILURE_LIMIT failed sign-ins, for the cool-off.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_MINUTES = env_int("AXES_COOLOFF_MINUTES", 15, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=AXES_COOLOFF_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "checklists.security.views.locked_out"
AXES_VERBOSE = False
# Sign-ins are recorded once, in our own access log (checklists.AccessLog), not again by axes.
AXES_DISABLE_ACCESS_LOG = True
AXES_CLIENT_IP_CALLABLE = "checklists.security.client_ip"

# Two-factor (TOTP) for clinicians: when on, /admin/ needs a verified authenticator code.
# Staff who enrolled an authenticator always need it, whatever this says.
REQUIRE_CLINICIAN_2FA = env_bool("REQUIRE_CLINICIAN_2FA", not DEBUG)
OTP_TOTP_ISSUER = "RLS Care"

# Internationalisation: store UTC, show each patient's own zone.

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# Patient API and offline sync

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # JSON only, with a size and a nesting limit (checklists/api/parsers.py).
    "DEFAULT_PARSER_CLASSES": ["checklists.api.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "checklists.api.exceptions.exception_handler",
}
# The deepest JSON nesting any body may have: the app's deepest is 3 (a sync op's diary entry).
API_JSON_MAX_DEPTH = 64
# Throttling per signed-in user (DRF rate strings "N/second|minute|hour|day"), counted in the default
# cache. A phone makes a few calls per screen and syncs in batches, so these leave ample headroom.
API_THROTTLE_RATES = {
    "patient": env_str("API_THROTTLE_PATIENT", "600/minute"),
    "sync": env_str("API_THROTTLE_SYNC", "120/minute"),
    # POST /reminders/test/: each one is a real push or email.
    "reminder_test": env_str("API_THROTTLE_REMINDER_TEST", "2/minute"),
}
for _scope, _rate in API_THROTTLE_RATES.items():
    if not re.fullmatch(r"[1-9]\d*/(second|minute|hour|day|[smhd])", _rate):
        raise ImproperlyConfigured(f"API_THROTTLE_{_scope.upper()} must look like 600/minute; got {_rate!r}.")
# The sync contract's batch limit and the longest history one /days/ call returns.
API_SYNC_MAX_OPS = 1000
# A sync op whose client clock ("at") is further ahead of the server's than this is rejected: it would
# win over every real change to its item and day until that time. Phones drift by seconds to minutes
# (time zones are already in the offset), so 10 minutes refuses only a clock that is wrong.
SYNC_MAX_CLOCK_AHEAD_SECONDS = env_int("SYNC_MAX_CLOCK_AHEAD_SECONDS", 600, minimum=0)
API_DAYS_MAX_RANGE = 92
# The intake log (checklists/intake/). A medicine entered as taken in the "morning", at "midday", in the
# "evening" or at "bedtime" is due at the patient's own time for it (PATCH /api/v1/me/ "dose_times"),
# else at these defaults (app defaults, not clinical advice: the clinician chose the time of day).
INTAKE_DEFAULT_TIMES = {
    "morning": env_str("INTAKE_TIME_MORNING", "08:00"),
    "midday": env_str("INTAKE_TIME_MIDDAY", "13:00"),
    "evening": env_str("INTAKE_TIME_EVENING", "19:00"),
    "bedtime": env_str("INTAKE_TIME_BEDTIME", "22:00"),
}
for _name, _value in INTAKE_DEFAULT_TIMES.items():
    if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", _value):
        raise ImproperlyConfigured(f"INTAKE_TIME_{_name.upper()} must be HH:MM; got {_value!r}.")
# How far back a dose may be recorded (8 weeks, as far back as the diary reaches; an app rule).
INTAKE_MAX_PAST_DAYS = env_int("INTAKE_MAX_PAST_DAYS", 56, minimum=1)

# The OpenAPI schema and its docs page (/api/schema/, /api/docs/): for signed-in users only, unless this
# is on (the default while developing). They map every endpoint: no need to hand that to anyone.
API_DOCS_PUBLIC = env_bool("API_DOCS_PUBLIC", DEBUG)
SPECTACULAR_SETTINGS = {
    "TITLE": "RLS Care patient API",
    "DESCRIPTION": "The API the RLS Care app uses on a patient's phone.",
    "VERSION": APP_VERSION,
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["checklists.api.permissions.ApiDocsAccess"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # The sync ops' and changes' "kind" enums get stable names.
    "ENUM_NAME_OVERRIDES": {
        "CheckoffKindEnum": ["checkoff"],
        "DiaryKindEnum": ["diary"],
        "IntakeKindEnum": ["intake"],
    },
}

# Static files and the PWA

STATIC_URL = "/static/"
# Made by collectstatic; WhiteNoise warns once per process when it is missing with DEBUG off.
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
# The built bundle (npm run build in frontend/) is collected like any static directory.
STATICFILES_DIRS = [BASE_DIR / "frontend" / "build" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# django-pwa: the manifest (/manifest.json). The service worker is our own (frontend/src/sw.js, served by
# frontend.views.service_worker at /serviceworker.js); django-pwa's route only applies if ours is removed.
PWA_SERVICE_WORKER_PATH = BASE_DIR / "frontend" / "build" / "serviceworker.js"
# The installed app's name: Android shows it in every notification's header, so a clinic that wants no
# condition named on lock screens sets a neutral one (e.g. "Care plan").
PWA_APP_NAME = env_str("PWA_APP_NAME", "RLS Care")
PWA_APP_DESCRIPTION = _("Your care team's plan for restless legs syndrome, on your phone.")
PWA_APP_THEME_COLOR = "#1f5f8b"
PWA_APP_BACKGROUND_COLOR = "#ffffff"
PWA_APP_DISPLAY = "standalone"
PWA_APP_LANG = "en"
PWA_APP_DIR = "ltr"
PWA_APP_ORIENTATION = "portrait"
PWA_APP_START_URL = "/#today"
PWA_APP_SCOPE = "/"
PWA_APP_DEBUG_MODE = False
PWA_APP_SPLASH_SCREEN: list = []
# Hashed static URLs, resolved when the manifest is rendered (static() needs the app registry).
_lazy_static = lazy(static, str)
PWA_APP_ICONS = [
    {"src": _lazy_static("frontend/icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
    {"src": _lazy_static("frontend/icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
    {
        "src": _lazy_static("frontend/icons/maskable-512.png"),
        "sizes": "512x512",
        "type": "image/png",
        "purpose": "maskable",
    },
]
PWA_APP_ICONS_APPLE = [{"src": _lazy_static("frontend/icons/icon-192.png"), "sizes": "192x192"}]
PWA_APP_SHORTCUTS = [
    {"name": _("Today"), "short_name": _("Today"), "url": "/#today", "icons": PWA_APP_ICONS[:1]},
    {"name": _("Care plan"), "short_name": _("Care plan"), "url": "/#careplan", "icons": PWA_APP_ICONS[:1]},
]

# Email: console by default; SMTP (or any backend) in production. Django 6.1's MAILERS setting.

EMAIL_BACKEND_PATH = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
if "smtp" in EMAIL_BACKEND_PATH:
    _mailer_options = {
        "host": env_str("EMAIL_HOST", "localhost"),
        "port": env_int("EMAIL_PORT", 25, minimum=1, maximum=65535),
        "username": env_str("EMAIL_HOST_USER", ""),
        "password": env_str("EMAIL_HOST_PASSWORD", ""),
        "use_tls": env_bool("EMAIL_USE_TLS", False),
    }
elif "filebased" in EMAIL_BACKEND_PATH:
    # The file backend (tests, demos) makes this folder itself; a Celery worker and the tests both read it.
    _mailer_options = {"file_path": env_str("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))}
else:
    _mailer_options = {}
MAILERS = {"default": {"BACKEND": EMAIL_BACKEND_PATH, "OPTIONS": _mailer_options}}
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "RLS Care <no-reply@rlscare.example>")
# What invitation and password-reset emails call the app (subject, body and the sender's name; the address
# stays DEFAULT_FROM_EMAIL's). Empty: "your care team's app" and "Your care team" in the patient's
# language. The app's name names the condition, so it is never the default (clinical content, Wording
# rules: an email subject is neutral by default, the clinic may choose another).
ACCOUNT_EMAIL_APP_NAME = env_str("ACCOUNT_EMAIL_APP_NAME", "")

# Reminders and Web Push

# What a lock screen and an inbox show of a reminder: the push title, the email subject and the email's
# sender name (the address stays DEFAULT_FROM_EMAIL's). Empty: "Care reminder" in the patient's language.
# The app's name names the condition, so it is never the default (clinical content, Wording rules); a
# clinic may choose its own neutral title (never a condition or a medicine).
REMINDER_TITLE = env_str("REMINDER_TITLE", "")

# Default reminder times (patient-local wall time, HH:MM); the patient can change each reminder.
# Trigger avoidance early in the afternoon, when "no caffeine after midday" still helps; lifestyle
# items in the evening before symptoms usually start; the diary at bedtime; follow-ups in the morning.
REMINDER_DEFAULT_TIMES = {
    "trigger_avoidance": env_str("REMINDER_TIME_TRIGGER_AVOIDANCE", "13:30"),
    "lifestyle": env_str("REMINDER_TIME_LIFESTYLE", "19:00"),
    "other": env_str("REMINDER_TIME_OTHER", "19:00"),
    "diary": env_str("REMINDER_TIME_DIARY", "21:30"),
    "follow_up": env_str("REMINDER_TIME_FOLLOW_UP", "09:00"),
}
# A follow-up reminds this many days before its due date (0 = on the day).
REMINDER_FOLLOW_UP_DAYS_BEFORE = (3, 0)
# The snooze lengths the patient may choose, in minutes.
REMINDER_SNOOZE_MINUTES = (10, 30, 60)
# "Remind again until done" (issue 18): the repeat intervals the patient may choose, in minutes, and
# the most repeats of one slot. App rule, not clinical: bounded so that a missed reminder cannot become
# a stream of notifications; repeats also stop at the end of the local day and at quiet hours.
REMINDER_REPEAT_EVERY_MINUTES = (10, 15, 30, 60)
REMINDER_REPEAT_MAX_TIMES = 6
# How often the reminders sweep runs (its Celery beat entry is below).
REMINDER_SWEEP_INTERVAL_SECONDS = env_int("REMINDER_SWEEP_INTERVAL_SECONDS", 60, minimum=1)
# About this many due reminders per sweep transaction (more when the last patients have more: a
# patient's due reminders are claimed together).
REMINDER_SWEEP_BATCH_SIZE = env_int("REMINDER_SWEEP_BATCH_SIZE", 10_000, minimum=1)
# A delivery "sending" longer than this (its worker died) is retried by a later sweep; a "pending" one
# whose send task was queued this long ago (the message was lost) is queued again.
REMINDER_SENDING_TIMEOUT_SECONDS = env_int("REMINDER_SENDING_TIMEOUT_SECONDS", 300, minimum=1)
REMINDER_REQUEUE_AFTER_SECONDS = env_int("REMINDER_REQUEUE_AFTER_SECONDS", 600, minimum=1)
# (patient, slot) pairs per send task: its claim, reads and writes are one statement each for all of
# them, and its pushes share one HTTP/2 connection per push service (bench/push_bench.py).
REMINDER_SEND_BATCH = env_int("REMINDER_SEND_BATCH", 200, minimum=1)
# Web Push: retries of a 429/5xx answer (exponential backoff from the base, or the Retry-After asked).
REMINDER_PUSH_MAX_RETRIES = env_int("REMINDER_PUSH_MAX_RETRIES", 5, minimum=0)
REMINDER_PUSH_RETRY_BASE_SECONDS = env_int("REMINDER_PUSH_RETRY_BASE_SECONDS", 30, minimum=1)
# How long a push service keeps an undelivered reminder (TTL header): after 4 h it is stale.
REMINDER_PUSH_TTL_SECONDS = env_int("REMINDER_PUSH_TTL_SECONDS", 4 * 3600, minimum=0)
# Each push waits at most this long to connect, then this long for the answer.
REMINDER_PUSH_CONNECT_TIMEOUT_SECONDS = env_int("REMINDER_PUSH_CONNECT_TIMEOUT_SECONDS", 3, minimum=1)
REMINDER_PUSH_TIMEOUT_SECONDS = env_int("REMINDER_PUSH_TIMEOUT_SECONDS", 10, minimum=1)
# Certificates (PEM) trusted for push services instead of the system's: only for a local fake service.
REMINDER_PUSH_CA_FILE = env_str("REMINDER_PUSH_CA_FILE", "")
# One send task starts no push after this many seconds: the subscriptions left wait for the retry, so
# one patient's slow endpoints hold a worker for at most this plus one push's timeouts.
REMINDER_PUSH_BUDGET_SECONDS = env_int("REMINDER_PUSH_BUDGET_SECONDS", 20, minimum=1)
# Push subscriptions a patient may keep (one per browser or phone): the next one is refused.
PUSH_SUBSCRIPTIONS_PER_PATIENT = env_int("PUSH_SUBSCRIPTIONS_PER_PATIENT", 10, minimum=1)
# The browsers' push services, the only hosts the server pushes to ("*." matches any subdomain, not the
# name itself): Chrome and other Chromium browsers (Firebase Cloud Messaging), Firefox (Mozilla
# autopush), Edge (Windows Push Notification Services), Safari (Apple Push Notification service; Apple
# documents "*.push.apple.com"). Every address the name resolves to must be public, checked again at
# each push. Any other host, an http:// or user:pass@ endpoint, is refused.
PUSH_SERVICE_HOSTS = env_list(
    "PUSH_SERVICE_HOSTS",
    [
        "fcm.googleapis.com",
        "updates.push.services.mozilla.com",
        "*.notify.windows.com",
        "web.push.apple.com",
        "*.push.apple.com",
    ],
)
# Tests and the benchmark push to a local fake push service (http on 127.0.0.1): this lets endpoints on
# a loopback address through. Never in production: with DEBUG=0 the app refuses to start with it.
PUSH_ALLOW_LOCAL_ENDPOINTS = env_bool("PUSH_ALLOW_LOCAL_ENDPOINTS", False)
if PUSH_ALLOW_LOCAL_ENDPOINTS and not DEBUG:
    raise ImproperlyConfigured(
        "PUSH_ALLOW_LOCAL_ENDPOINTS is for tests and benchmarks; unset it when DEBUG=0."
    )
# VAPID keys (`python manage.py vapid_keys` prints a pair): the private key as base64url DER or PEM,
# the public key as base64url uncompressed point (what the browser's applicationServerKey wants).
VAPID_PRIVATE_KEY = env_str("VAPID_PRIVATE_KEY", "")
VAPID_PUBLIC_KEY = env_str("VAPID_PUBLIC_KEY", "")
VAPID_SUBJECT = env_str("VAPID_SUBJECT", "mailto:" + DEFAULT_FROM_EMAIL.split("<")[-1].rstrip(">"))

# Celery: the filesystem transport needs no server; production sets CELERY_BROKER_URL to Redis or RabbitMQ.

CELERY_BROKER_URL = env_url(
    "CELERY_BROKER_URL",
    "filesystem://",
    schemes=("filesystem", "redis", "rediss", "amqp", "amqps", "memory"),
)
if CELERY_BROKER_URL.startswith("filesystem://"):
    # rlsapp/celery.py makes these folders when Celery first reads its configuration.
    _queue_dir = VAR_DIR / "celery"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir / "queue"),
        "data_folder_out": str(_queue_dir / "queue"),
        "processed_folder": str(_queue_dir / "processed"),
        # Broadcast exchanges (remote control, beat's wake-ups), otherwise "control/" in the working folder.
        "control_folder": str(_queue_dir / "control"),
        "store_processed": False,
    }
else:
    # Longer than any task's time limit, so a slow task is not redelivered while it still runs.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = "UTC"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 300, minimum=1)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 240, minimum=1)
if CELERY_TASK_SOFT_TIME_LIMIT >= CELERY_TASK_TIME_LIMIT:
    raise ImproperlyConfigured("CELERY_TASK_SOFT_TIME_LIMIT must be lower than CELERY_TASK_TIME_LIMIT.")
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
# Workers keep their database connection between tasks (rlsapp/celery.py): connecting costs more than
# a short send task. Celery's Django fixup would close it around every task; with DB_REUSE_MAX it does
# so every that many tasks only, and a broken or older connection is closed as after a web request.
WORKER_DB_CONN_MAX_AGE = env_int("WORKER_DB_CONN_MAX_AGE", 600, minimum=0)
CELERY_DB_REUSE_MAX = 1000
CELERY_BEAT_SCHEDULE = {
    "reminders-sweep": {
        "task": "checklists.tasks.reminders_sweep",
        "schedule": float(REMINDER_SWEEP_INTERVAL_SECONDS),
        # A sweep that could not run within the interval is superseded by the next one.
        "options": {"expires": float(REMINDER_SWEEP_INTERVAL_SECONDS)},
    },
    "sessions-clear-expired": {
        "task": "checklists.tasks.sessions_clear_expired",
        "schedule": 24 * 3600.0,
        "options": {"expires": 3600.0},
    },
    # Augmentation screening of every patient on a dopaminergic drug, so the recent week moves on even
    # without new diary entries (a diary write screens its patient at once).
    "augmentation-screen": {
        "task": "checklists.tasks.augmentation_screen_all",
        "schedule": 24 * 3600.0,
        "options": {"expires": 3600.0},
    },
}

# Clinic policy: care plan and the clinicians' workspace. Clinicians can change the interval of any single
# follow-up; these are only what a new one starts with, and what the screens show.

# Ferritin/TSAT recheck: no primary source; common practice is 12-16 weeks after starting oral iron
# (shared/clinical-content.md: a clinician setting, 12 weeks by default).
CAREPLAN_FERRITIN_RECHECK_WEEKS = env_int("CAREPLAN_FERRITIN_RECHECK_WEEKS", 12, minimum=1)
# Venous duplex after an ablation: 1 week to 1 month afterwards to confirm closure and check for clots;
# intervals are the vascular specialist's setting. Default: the start of that window.
CAREPLAN_POST_ABLATION_DUPLEX_DAYS = env_int("CAREPLAN_POST_ABLATION_DUPLEX_DAYS", 7, minimum=7, maximum=31)
# How far the patient's care-plan timeline and the clinicians' due list look ahead.
CAREPLAN_TIMELINE_DAYS = 90
CAREPLAN_DUE_SOON_DAYS = env_int("CAREPLAN_DUE_SOON_DAYS", 14, minimum=0)
# How many lab results the care plan shows as the trend.
CAREPLAN_LAB_TREND_COUNT = 6
# Whom the patient contacts about the care plan (shown with an overdue follow-up). One contact for the
# deployment until clinics are recorded per patient; all unset: None, and the app says "contact your
# care team". When any is set, a phone or an email is required.
_clinic_contact = {
    key: env_str(f"CLINIC_CONTACT_{key.upper()}", "") for key in ("name", "phone", "email", "hours")
}
if any(_clinic_contact.values()) and not (_clinic_contact["phone"] or _clinic_contact["email"]):
    raise ImproperlyConfigured(
        "CLINIC_CONTACT_PHONE or CLINIC_CONTACT_EMAIL must be set with CLINIC_CONTACT_*."
    )
if _clinic_contact["email"]:
    try:
        validate_email(_clinic_contact["email"])
    except ValidationError:
        raise ImproperlyConfigured(
            f"CLINIC_CONTACT_EMAIL must be an email address; got {_clinic_contact['email']!r}."
        ) from None
CLINIC_CONTACT: dict[str, str] | None = _clinic_contact if any(_clinic_contact.values()) else None
# Adherence is the share of due items checked over this many complete days.
ADHERENCE_WINDOW_DAYS = env_int("ADHERENCE_WINDOW_DAYS", 7, minimum=1, maximum=92)
# The clinicians' list calls adherence low below this share (percent), unless the patient's clinic sets
# its own (Clinic.adherence_alert_below_percent). A clinic policy, not clinical content: 80% borrows the
# common "proportion of days covered" adherence convention (Pharmacy Quality Alliance PDC measure).
ADHERENCE_ALERT_BELOW_PERCENT = env_int("ADHERENCE_ALERT_BELOW_PERCENT", 80, minimum=1, maximum=100)
# The clinicians' worklist (checklists/worklist/rules.py): clinic policy, not clinical content (the content
# gives no threshold for these). Severity: the mean of the diary's nightly severity (0-10) over the last
# WORKLIST_SEVERITY_WEEKS weeks is at least WORKLIST_SEVERITY_RISE points above the mean of the weeks
# before, each side with at least WORKLIST_SEVERITY_MIN_NIGHTS nights (fewer: one bad night is not a trend).
# Low adherence uses ADHERENCE_ALERT_BELOW_PERCENT above (or the clinic's own). No sync: an accepted
# patient's phone has sent nothing for WORKLIST_NO_SYNC_DAYS days.
WORKLIST_SEVERITY_WEEKS = env_int("WORKLIST_SEVERITY_WEEKS", 2, minimum=1, maximum=8)
WORKLIST_SEVERITY_RISE = env_int("WORKLIST_SEVERITY_RISE", 2, minimum=1, maximum=10)
WORKLIST_SEVERITY_MIN_NIGHTS = env_int("WORKLIST_SEVERITY_MIN_NIGHTS", 4, minimum=1)
WORKLIST_NO_SYNC_DAYS = env_int("WORKLIST_NO_SYNC_DAYS", 7, minimum=1)
# Patients shown per worklist page.
WORKLIST_PAGE_SIZE = env_int("WORKLIST_PAGE_SIZE", 50, minimum=10)

# Health checks, metrics and logs (README "Health, metrics and logs")

# /readyz fails when the last finished reminder sweep is older than this (or none is recorded): a few
# sweep intervals, so one slow or lost sweep does not take the web tier out of rotation.
READYZ_SWEEP_MAX_AGE_SECONDS = env_int(
    "READYZ_SWEEP_MAX_AGE_SECONDS",
    5 * REMINDER_SWEEP_INTERVAL_SECONDS,
    minimum=REMINDER_SWEEP_INTERVAL_SECONDS,
)
# A Celery worker marks a heartbeat every 2 s (Celery's event heartbeat); `manage.py liveness worker`
# and /readyz's "worker" call it stale after this.
WORKER_HEARTBEAT_MAX_AGE_SECONDS = env_int("WORKER_HEARTBEAT_MAX_AGE_SECONDS", 120, minimum=10)
# /metrics answers only a scraper sending "Authorization: Bearer <METRICS_TOKEN>"; unset: 404.
METRICS_TOKEN = env_str("METRICS_TOKEN", "")
# The health answers and the metrics are asked for over plain HTTP by probes on the host itself.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]

# Logging: JSON lines in production (one event per line, with request_id, user_id and task_id; see
# checklists/ops/logs.py), readable text when DEBUG=1 or LOG_FORMAT=text.

LOG_FORMAT = env_str("LOG_FORMAT", "text" if DEBUG else "json").lower()
if LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be json or text; got {LOG_FORMAT!r}.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "checklists.ops.logs.ContextFilter"}},
    "formatters": {
        # [request id, user id, task id]; "None" where there is none.
        "text": {
            "format": "%(asctime)s %(levelname)s %(name)s "
            "[%(request_id)s %(user_id)s %(task_id)s] %(message)s"
        },
        "json": {"()": "checklists.ops.logs.JsonLinesFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["context"]}
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO").upper()},
    # Failed sign-ins and CSP reports are worth keeping apart from the rest.
    "loggers": {"rlscare.security": {"level": "INFO"}},
}
