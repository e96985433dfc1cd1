"""Django settings for Switchboard.

Every variable is read through django-environ and documented in `.env.example`. The defaults are
the embedded ones (SQLite and a private Redis broker under `var/`), so a fresh checkout runs with
no server to install. Production sets `DEBUG=false`, and then the system checks in
`integrations.checks` refuse to start without an explicit `SECRET_KEY` and encryption keys.
"""

from datetime import timedelta
from pathlib import Path

import environ

from portal.broker import broker_url
from portal.devkeys import dev_encryption_keys, dev_secret_key, dev_token_pepper, read_key_file

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

VAR_DIR = Path(env.str("VAR_DIR", default=str(BASE_DIR / "var"))).resolve()
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env.bool("DEBUG", default=False)

# Explicit values are remembered so the deploy checks can tell "configured" from "generated".
SECRET_KEY_IS_EXPLICIT = bool(env.str("SECRET_KEY", default=""))
SECRET_KEY = env.str("SECRET_KEY", default="") or dev_secret_key(VAR_DIR)

_keys_inline = env.list("PORTAL_ENCRYPTION_KEYS", default=[])
_keys_file = env.str("PORTAL_ENCRYPTION_KEYS_FILE", default="")
PORTAL_ENCRYPTION_KEYS_ARE_EXPLICIT = bool(_keys_inline or _keys_file)
# Why the configured ring cannot be used ('' when it can): the ring refuses with these words.
PORTAL_ENCRYPTION_KEYS_ERROR = ""
if _keys_inline:
    PORTAL_ENCRYPTION_KEYS: list[str] = [k.strip() for k in _keys_inline if k.strip()]
elif _keys_file:
    PORTAL_ENCRYPTION_KEYS, PORTAL_ENCRYPTION_KEYS_ERROR = read_key_file(_keys_file)
else:
    PORTAL_ENCRYPTION_KEYS = dev_encryption_keys(VAR_DIR)

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Vendor simulators and tests live on loopback; a real deployment must never reach there.
ALLOW_PRIVATE_TARGETS = env.bool("ALLOW_PRIVATE_TARGETS", default=False)
# The addresses the portal's outbound requests leave from, shown in diagnoses.
PORTAL_EGRESS_IPS = env.list("PORTAL_EGRESS_IPS", default=[])
OUTBOUND_CONNECT_TIMEOUT = env.float("OUTBOUND_CONNECT_TIMEOUT", default=5.0)
OUTBOUND_READ_TIMEOUT = env.float("OUTBOUND_READ_TIMEOUT", default=20.0)
# Seconds one whole outbound request may take (connect, the answer and its whole body, retries,
# waits and any login included): a test request, and one page of a pull.
OUTBOUND_TEST_DEADLINE = env.float("OUTBOUND_TEST_DEADLINE", default=30.0)
OUTBOUND_PULL_DEADLINE = env.float("OUTBOUND_PULL_DEADLINE", default=120.0)
# A running pull that shows no sign of life for this long is taken over by the next one.
PULL_LEASE_SECONDS = env.int("PULL_LEASE_SECONDS", default=300)

INSTALLED_APPS = [
    # The admin with the portal's site: the second factor is part of "may use the admin".
    "portal.apps.AdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_celery_beat",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    "integrations.apps.IntegrationsConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a lockout into the login page's lockout answer.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # First, so a locked-out username + address is refused before its password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "portal.urls"

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

WSGI_APPLICATION = "portal.wsgi.application"

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'switchboard.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server read while a worker writes; IMMEDIATE transactions take the write
    # lock up front so two writers queue on busy_timeout instead of failing with "locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
    # Tests use a file too, not shared-cache memory: the live server and the test worker run in
    # threads, and only a file database gives them WAL and busy-waiting instead of "table locked".
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

LOGIN_URL = "admin:login"

SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SESSION_COOKIE_HTTPONLY = True
# A session that can reveal vendor secrets lasts a working day, not Django's two weeks.
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=12 * 3600)
# Our scripts read the CSRF token from the form, never from the cookie.
CSRF_COOKIE_HTTPONLY = True

# --- Transport and browser protections (docs/security.md) ----------------------------------------
# Production is https only: plain http is redirected, and browsers are told (HSTS) to use https
# for a year. Off under DEBUG, where `make run` serves plain http on loopback.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 365 * 24 * 3600)
# The portal's own host and any below it; the registrable domain's other hosts are not affected.
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
# Asking to be preloaded commits the whole registrable domain for good: the deployer decides.
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
# Behind a proxy that terminates TLS, the request reaches Django as http: the proxy says https
# in X-Forwarded-Proto. Trusted only when set, since any client can send that header otherwise.
BEHIND_TLS_PROXY = env.bool("BEHIND_TLS_PROXY", default=False)
if BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The proxies whose X-Forwarded-For is believed (addresses or CIDRs, comma-separated): the audit
# trail, the login lockout, webhooks and the API take the client's address from that header only
# when the request comes from one of them (integrations/client_address.py).
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Every script is a file of our own: no inline script, no eval, no third-party origin. Styles
# allow 'unsafe-inline' for one reason: the report charts are pygal SVGs inlined in the page, and
# pygal writes their colours as a <style> element and style attributes (unique per chart, so no
# hash can list them). Scripts, the dangerous half, stay strict.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
# Every error report (the DEBUG page and the mails to ADMINS) hides the vendors' secret fields,
# the credential form's fields, passwords and one-time codes, even under DEBUG.
DEFAULT_EXCEPTION_REPORTER_FILTER = "integrations.error_reports.SecretsFilter"

# --- Login protection (docs/security.md) -------------------------------------------------------
# django-axes: after LOGIN_FAILURE_LIMIT failures for one user name from one address, that pair
# is locked for LOGIN_COOLOFF_MINUTES (an admin may unlock it sooner: Admin -> Access attempts).
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# Attempts during a lockout neither count nor extend it, so "try again in N minutes" holds.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "integrations.client_address.client_address"
AXES_LOCKOUT_CALLABLE = "integrations.admin.lockout.lockout_response"
AXES_SENSITIVE_PARAMETERS = ["password", "otp_token", "csrfmiddlewaretoken"]
# Our own admin of the attempts (unlocking is audited): integrations/admin/lockout.py.
AXES_ENABLE_ADMIN = False
AXES_VERBOSE = False  # no banner on every manage.py command
# Two-factor login (django-otp, TOTP with single-use recovery codes): required of Integration
# admins and superusers unless REQUIRE_2FA_FOR_ADMINS is off (its default under DEBUG, so
# `make run` stays a one-password login). A user who enrolled is always asked for a code.
REQUIRE_2FA_FOR_ADMINS = env.bool("REQUIRE_2FA_FOR_ADMINS", default=not DEBUG)
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="Switchboard")

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="switchboard@localhost")

# --- Celery ------------------------------------------------------------------------------------
# Default: the embedded broker, a private Redis server on a unix socket under var/ that `make run`
# starts (portal/broker.py says why it replaced the filesystem transport). Production: Redis.
EMBEDDED_BROKER_URL = broker_url(VAR_DIR)
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="") or EMBEDDED_BROKER_URL
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # A task not acknowledged this long after delivery is delivered again (acks are late, so a
    # worker killed mid-task loses nothing). Pulls outlive it safely: they are fenced by a lease.
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=900),
    # Look for such tasks every 10 s rather than every 100 s.
    "unacked_restore_throttle": 1,
    "socket_connect_timeout": 5,
    "socket_timeout": 30,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Two queues, served by separate worker pools (Procfile, docs/runtime.md): a test request never
# waits behind a pull. Services name the queue when they send; these routes say the same.
CELERY_TASK_DEFAULT_QUEUE = "interactive"
CELERY_TASK_ROUTES = {
    "integrations.tasks.run_test": {"queue": "interactive"},
    "integrations.tasks.pull": {"queue": "bulk"},
    "integrations.tasks.scheduled_pull": {"queue": "bulk"},
    "integrations.tasks.scheduled_report": {"queue": "bulk"},
}
# Runs are recorded in our own tables (TestRun, PullRun, ...), so Celery keeps no results.
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# --- Inbound: VoIPcloud webhooks and the portal's read API (/api/v1/) ---------------------------
# Everything that lets other systems call the portal lives in this block (docs/api.md).
# The address people and the PBX reach the portal at: webhook URLs shown in the admin and the CLI
# are built on it. The default is what `make run` serves.
PORTAL_BASE_URL = env.str("PORTAL_BASE_URL", default=f"http://127.0.0.1:{env.int('WEB_PORT', default=8000)}")
# TRUSTED_PROXIES (above, with the headers) also decides whose X-Forwarded-For webhooks believe.
# The largest webhook body accepted, in bytes (a VoIPcloud event is well under 2 KB).
WEBHOOK_MAX_BODY_BYTES = env.int("WEBHOOK_MAX_BODY_BYTES", default=64 * 1024)
# Portal API tokens are stored as HMAC-SHA256 digests keyed by this pepper: a database dump alone
# cannot be used to check guesses. Default (DEBUG only): generated once into var/dev-token-pepper.
PORTAL_TOKEN_PEPPER_IS_EXPLICIT = bool(env.str("PORTAL_TOKEN_PEPPER", default=""))
PORTAL_TOKEN_PEPPER = env.str("PORTAL_TOKEN_PEPPER", default="") or dev_token_pepper(VAR_DIR)
# Requests one API token may make (DRF rate syntax: N/second, N/minute, N/hour, N/day). Counted in
# Django's cache: per process with the default local-memory cache, so configure a shared cache
# (e.g. Redis) when several web processes serve the API.
API_RATE_LIMIT = env.str("API_RATE_LIMIT", default="120/minute")
INSTALLED_APPS += ["rest_framework", "django_filters", "drf_spectacular", "drf_spectacular_sidecar"]
REST_FRAMEWORK = {
    # Only the portal token (Authorization: Bearer ...): no session authentication on the API,
    # so there is no cookie to ride and no CSRF surface.
    "DEFAULT_AUTHENTICATION_CLASSES": ["integrations.api.authentication.PortalTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": ["integrations.api.throttles.PortalTokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"portal_token": API_RATE_LIMIT},
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "integrations.api.errors.exception_handler",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Switchboard API",
    "DESCRIPTION": "Read what the portal collected (calls, reports) and run test requests. "
    "Authenticate with a portal API token: `Authorization: Bearer <token>`.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # Row ids in paths: at most 18 digits (integrations/api/urls.py).
    "PATH_CONVERTER_OVERRIDES": {"id": {"type": "integer", "minimum": 0, "maximum": 10**18 - 1}},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "integrations.api.schema.add_error_responses",
    ],
}

# --- Logging -----------------------------------------------------------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# --- Credential rotation and renewal (docs/rotation.md) ------------------------------------------
# Seconds a process holds a rotation step it is doing (more than one test request's deadline): a
# killed process's step can be resumed after that (at once on the same host).
ROTATION_CLAIM_SECONDS = env.int("ROTATION_CLAIM_SECONDS", default=120)
# How long an unattended rotation waits for requests still using the old credential before it
# leaves the revocation for later (the renewal task finishes it).
ROTATION_DRAIN_SECONDS = env.float("ROTATION_DRAIN_SECONDS", default=300.0)
# Previous credential versions are kept for rollback this long after being replaced, then retired.
CREDENTIAL_RETENTION_DAYS = env.int("CREDENTIAL_RETENTION_DAYS", default=7)
# Vendor-issued tokens are renewed when less than this is left (or less than half their lifetime).
TOKEN_RENEW_WINDOW_HOURS = env.int("TOKEN_RENEW_WINDOW_HOURS", default=72)
# A secret only a person can rotate (ipSCAPE keys, VCC Live passwords, ...) older than this warns.
CREDENTIAL_MAX_AGE_DAYS = env.int("CREDENTIAL_MAX_AGE_DAYS", default=90)
# The idle expiry of the API tokens the portal mints at VoIPstudio (its own client mints 30 days).
VOIPSTUDIO_TOKEN_EXPIRY_DAYS = env.int("VOIPSTUDIO_TOKEN_EXPIRY_DAYS", default=30)
# Collect! states no token lifetimes; these are what the portal assumes (the simulator's defaults).
COLLECT_ACCESS_TOKEN_SECONDS = env.int("COLLECT_ACCESS_TOKEN_SECONDS", default=900)
COLLECT_REFRESH_TOKEN_SECONDS = env.int("COLLECT_REFRESH_TOKEN_SECONDS", default=86400)
# Minutes between runs of the renewal task (beat, bulk queue).
ROTATION_RENEW_EVERY_MINUTES = env.int("ROTATION_RENEW_EVERY_MINUTES", default=15)
# Who is e-mailed when a person must act on a credential (comma-separated; empty: nobody).
ROTATION_WARNING_EMAILS = env.list("ROTATION_WARNING_EMAILS", default=[])
