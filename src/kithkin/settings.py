"""Kithkin settings, read from the environment with safe local defaults.

Every setting that differs between a laptop and a clinic comes from a ``KITHKIN_*`` variable;
nothing secret is committed. ``KITHKIN_PRODUCTION=1`` turns on the hardened mode that
``manage.py check --deploy --fail-level WARNING`` must pass.
"""

import datetime
import os
import secrets
from pathlib import Path

import dj_database_url
from huey import RedisHuey, SqliteHuey

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent
VAR_DIR = Path(os.environ.get("KITHKIN_VAR_DIR", PROJECT_DIR / "var"))
# Local state (SQLite files, the generated key, the job queue) lives here; make sure it exists.
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def load_or_create_secret_key(path: Path) -> str:
    """Generated once per installation, and kept out of the repository (var/ is ignored). Two
    processes starting at once get the same key, never an empty one (crypto.keys.create_once)."""
    from kithkin.crypto.keys import create_once

    if path.exists() and path.read_text().strip():
        return path.read_text().strip()
    return create_once(path, secrets.token_urlsafe(64)).strip()


PRODUCTION = env_flag("KITHKIN_PRODUCTION")
DEBUG = env_flag("KITHKIN_DEBUG") and not PRODUCTION

SECRET_KEY = os.environ.get("KITHKIN_SECRET_KEY") or load_or_create_secret_key(
    VAR_DIR / "secret_key"
)

ALLOWED_HOSTS = env_list(
    "KITHKIN_ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]"]
)

INSTALLED_APPS = [
    "kithkin.accounts",
    "kithkin.practices",
    "kithkin.clients",
    "kithkin.relationships",
    "kithkin.assessments",
    "kithkin.schedule",
    "kithkin.partners",
    "kithkin.spheres",
    "kithkin.plans",
    "kithkin.notes",
    "kithkin.measures",
    "kithkin.consent",
    "kithkin.imports",
    "kithkin.referrals",
    "kithkin.inquiries",
    "kithkin.matching",
    "kithkin.lapses",
    "kithkin.endings",
    "kithkin.audit",
    "kithkin.crypto",
    "kithkin.backups",
    "kithkin.web",
    "kithkin.api",
    "kithkin.fhir",
    "kithkin.demo",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "huey.contrib.djhuey",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "kithkin.api.middleware.JsonErrorsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "kithkin.accounts.middleware.SessionLimitsMiddleware",
    "kithkin.accounts.middleware.TwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns a lockout raised during login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "kithkin.urls"
WSGI_APPLICATION = "kithkin.wsgi.application"

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

# --- Database -------------------------------------------------------------------------------
DEFAULT_SQLITE_URL = f"sqlite:///{VAR_DIR / 'kithkin.sqlite3'}"
DATABASE_URL = os.environ.get("KITHKIN_DATABASE_URL", DEFAULT_SQLITE_URL)
# Forms render through Jinja2: Django's own form templates took 6.2 ms for the sphere-map editor's
# 18 fields, and this takes about 3 ms (widgets from Django's shipped Jinja2 templates, the field
# layout from web/jinja2/kithkin/fields.html).
FORM_RENDERER = "kithkin.web.forms_renderer.FormRenderer"

# PostgreSQL connections come from a pool in each process (Django 5.2's, psycopg_pool), so a
# request does not connect afresh and an idle thread holds no connection. Its largest
# size defaults to gunicorn's threads per worker (`kithkin serve`'s KITHKIN_THREADS, 4), each
# of which holds at most one connection per database, so no thread waits for one; two stay open
# when the process is idle, and the rest close after ten idle minutes (psycopg_pool's max_idle).
# KITHKIN_DB_POOL=0 goes back to one connection per thread kept for 60 seconds.
DB_POOL = env_flag("KITHKIN_DB_POOL", True)
DB_POOL_OPTIONS = {
    "min_size": int(os.environ.get("KITHKIN_DB_POOL_MIN", 2)),
    "max_size": int(os.environ.get("KITHKIN_DB_POOL_MAX", os.environ.get("KITHKIN_THREADS", 4))),
    # Seconds a request waits for a connection before it fails: with a connection per thread
    # it waits only when PostgreSQL cannot be reached (the pool logs why), and then 10 seconds
    # answer sooner than psycopg_pool's 30.
    "timeout": 10,
}


def postgres_connection(settings_dict: dict) -> dict:
    settings_dict.setdefault("OPTIONS", {})
    # Checked before use: with the pool, each time one is handed out (psycopg_pool's check).
    settings_dict["CONN_HEALTH_CHECKS"] = True
    if DB_POOL:
        # The pool decides how long a connection lives; Django refuses to keep one as well.
        settings_dict["CONN_MAX_AGE"] = 0
        settings_dict["OPTIONS"]["pool"] = dict(DB_POOL_OPTIONS)
    return settings_dict


DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0 if DATABASES["default"]["NAME"] == ":memory:" else 60
    DATABASES["default"]["OPTIONS"] = {
        # IMMEDIATE takes the write lock at BEGIN: a DEFERRED read-then-write transaction
        # cannot be retried by the busy handler and fails with "database is locked".
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        # WAL lets readers run beside the one writer; FULL syncs every commit, because an
        # acknowledged clinical write must survive a power cut.
        "init_command": (
            "PRAGMA journal_mode=WAL;"
            "PRAGMA synchronous=FULL;"
            "PRAGMA foreign_keys=ON;"
            "PRAGMA busy_timeout=20000;"
        ),
    }
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("KITHKIN_TEST_SQLITE_NAME")}
else:
    postgres_connection(DATABASES["default"])

# --- Caches ---------------------------------------------------------------------------------
# The default cache is each process's own memo (ICD-10 codes, instruments, layouts): local and
# fast. Rate limits count in "limits", which every worker process must share, or each would
# grant the whole limit again (kithkin.web.limits): Redis when there is one, which every
# machine shares, else files under var/ that every process on this machine shares, with the
# counting made atomic by a lock (MachineCache). Its keys carry the installation's name, as the
# job queue's do, so two installations sharing one Redis keep apart.
_redis_url = os.environ.get("KITHKIN_REDIS_URL")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "limits": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _redis_url,
            "KEY_PREFIX": f"{os.environ.get('KITHKIN_HUEY_NAME', 'kithkin')}:limits",
        }
        if _redis_url
        else {
            "BACKEND": "kithkin.web.limits.MachineCache",
            "LOCATION": str(VAR_DIR / "limits"),
            # A count per API token, calendar feed and inquiring address in the last two
            # windows; past this many, the expired are cleared first.
            "OPTIONS": {"MAX_ENTRIES": 2000},
        }
    ),
}

# A PostgreSQL read replica for the heavy reads (reports, FHIR searches, $export); everything
# else reads from the primary (kithkin.web.dbrouter). Without it, there is no router at all.
REPLICA_DATABASE_URL = os.environ.get("KITHKIN_REPLICA_DATABASE_URL")
if REPLICA_DATABASE_URL:
    if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured("KITHKIN_REPLICA_DATABASE_URL needs a PostgreSQL primary.")
    DATABASES["replica"] = postgres_connection(
        dj_database_url.parse(REPLICA_DATABASE_URL, conn_max_age=60)
    )
    # The test suite reads the replica through the primary's test database.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["kithkin.web.dbrouter.ReplicaRouter"]
    MIDDLEWARE.append("kithkin.web.dbrouter.ReplicaPinMiddleware")
    # How long a user's reads stay on the primary after they write: longer than the replica's
    # worst lag you expect (pg_stat_replication.replay_lag).
    KITHKIN_REPLICA_PIN_SECONDS = int(os.environ.get("KITHKIN_REPLICA_PIN_SECONDS", 10))
    # The pins are shared by every worker process: in Redis when there is one, else in files
    # under var/ (enough when every process runs on one machine).
    CACHES["replica_pins"] = (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _redis_url}
        if _redis_url
        else {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "replica_pins"),
        }
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts and sessions --------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

PASSWORD_HASHERS = [
    # Argon2id is the first hasher, so every new or changed password uses it.
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

AUTHENTICATION_BACKENDS = [
    # django-axes first, so a locked-out login is refused before the password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Sessions end after 30 idle minutes and 12 hours in all (HIPAA 164.312(a)(2)(iii), automatic
# logoff). The cookie carries the absolute limit; the idle limit is kept in the session.
SESSION_COOKIE_AGE = int(os.environ.get("KITHKIN_SESSION_MAX_AGE", 12 * 60 * 60))
KITHKIN_SESSION_IDLE_SECONDS = int(os.environ.get("KITHKIN_SESSION_IDLE_SECONDS", 30 * 60))
# Requests per API token ("N/s", "N/m", "N/h"); kithkin.api.api.TokenRateThrottle.
KITHKIN_API_RATE = os.environ.get("KITHKIN_API_RATE", "600/m")
# Fetches per calendar feed (kithkin.schedule.feed.FeedThrottle): a calendar app polls hourly.
KITHKIN_CALENDAR_FEED_RATE = os.environ.get("KITHKIN_CALENDAR_FEED_RATE", "120/h")
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# Lockout (django-axes): 5 failures lock that username *from that address* for 15 minutes.
# Keyed on the pair, so an attacker behind a clinic's shared IP cannot lock the whole clinic
# out, and one guessing a username from elsewhere does not lock its owner out at the office.
AXES_FAILURE_LIMIT = int(os.environ.get("KITHKIN_LOCKOUT_FAILURES", 5))
AXES_COOLOFF_TIME = datetime.timedelta(minutes=int(os.environ.get("KITHKIN_LOCKOUT_MINUTES", 15)))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "kithkin.audit.request.client_ip"
AXES_VERBOSE = False

# Two-factor authentication (TOTP, django-otp) for every staff account; required in production.
KITHKIN_REQUIRE_2FA = env_flag("KITHKIN_REQUIRE_2FA", PRODUCTION)
OTP_TOTP_ISSUER = "Kithkin"

# --- Internationalisation ---------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("KITHKIN_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# --- Static files -----------------------------------------------------------------------------
STATIC_URL = "/static/"
# The project's own static files live in the kithkin package, which is not an app.
STATICFILES_DIRS = [BASE_DIR / "static"]
# In production collectstatic gathers files here; elsewhere WhiteNoise reads the app folders.
STATIC_ROOT = (
    Path(os.environ.get("KITHKIN_STATIC_ROOT", VAR_DIR / "static")) if PRODUCTION else None
)
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
# Outside production WhiteNoise serves straight from the app directories, so `make run`
# needs no collectstatic step.
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = DEBUG

# --- Security headers -------------------------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}

if PRODUCTION:
    SECURE_SSL_REDIRECT = env_flag("KITHKIN_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("KITHKIN_HSTS_SECONDS", 63072000))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"

# Behind a TLS-terminating proxy the scheme comes from this header; set it only when the proxy
# is the sole way in, or a client could claim HTTPS.
if env_flag("KITHKIN_BEHIND_PROXY"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Number of reverse proxies in front of Kithkin that append to X-Forwarded-For. The audit trail
# and the login lockout read the client's address through kithkin.audit.request.client_ip.
KITHKIN_TRUSTED_PROXIES = int(os.environ.get("KITHKIN_TRUSTED_PROXIES", 0))

# Keys for the encrypted free-text fields (kithkin.crypto): newest first. From the environment,
# or a key file generated on first run. Back the key file up apart from the database.
KITHKIN_FIELD_KEYS_FILE = Path(os.environ.get("KITHKIN_FIELD_KEYS_FILE", VAR_DIR / "field_keys"))
if os.environ.get("KITHKIN_FIELD_KEYS"):
    KITHKIN_FIELD_KEYS = env_list("KITHKIN_FIELD_KEYS", [])
    KITHKIN_FIELD_KEYS_SOURCE = "environment"
else:
    from kithkin.crypto.keys import load_or_create_key_file

    KITHKIN_FIELD_KEYS = load_or_create_key_file(KITHKIN_FIELD_KEYS_FILE)
    KITHKIN_FIELD_KEYS_SOURCE = "file"

# How long a "break the glass" emergency access lasts.
KITHKIN_EMERGENCY_ACCESS_MINUTES = int(os.environ.get("KITHKIN_EMERGENCY_ACCESS_MINUTES", 240))

# --- Email ------------------------------------------------------------------------------------
# Reminders after sessions (kithkin.measures.reminders). Locally every mail is a file under
# var/mail/, so nothing leaves the laptop; in production it goes through the practice's SMTP
# server, encrypted: STARTTLS, or implicit TLS on port 465.
DEFAULT_FROM_EMAIL = os.environ.get("KITHKIN_MAIL_FROM", "Kithkin <kithkin@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
if PRODUCTION:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = os.environ.get("KITHKIN_SMTP_HOST", "localhost")
    EMAIL_PORT = int(os.environ.get("KITHKIN_SMTP_PORT", 587))
    EMAIL_HOST_USER = os.environ.get("KITHKIN_SMTP_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("KITHKIN_SMTP_PASSWORD", "")
    EMAIL_USE_SSL = EMAIL_PORT == 465
    EMAIL_USE_TLS = not EMAIL_USE_SSL
    EMAIL_TIMEOUT = 30
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = VAR_DIR / "mail"
# Links in emails are absolute: there is no request to take the host from in a background job.
KITHKIN_BASE_URL = os.environ.get("KITHKIN_BASE_URL") or (
    f"https://{ALLOWED_HOSTS[0]}" if PRODUCTION and ALLOWED_HOSTS else "http://127.0.0.1:8000"
)

# --- Background jobs --------------------------------------------------------------------------
REDIS_URL = os.environ.get("KITHKIN_REDIS_URL")
HUEY_IMMEDIATE = env_flag("KITHKIN_HUEY_IMMEDIATE")
# The queue's name, and so its Redis keys: two installations sharing one Redis keep apart.
HUEY_NAME = os.environ.get("KITHKIN_HUEY_NAME", "kithkin")
if REDIS_URL:
    # Several workers on several machines share one Redis queue.
    HUEY = RedisHuey(HUEY_NAME, url=REDIS_URL, immediate=HUEY_IMMEDIATE)
else:
    HUEY = SqliteHuey(
        HUEY_NAME,
        filename=str(os.environ.get("KITHKIN_HUEY_DB", VAR_DIR / "huey.sqlite3")),
        immediate=HUEY_IMMEDIATE,
    )

# --- Logging ----------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("KITHKIN_LOG_LEVEL", "WARNING")},
}

KITHKIN_DEMO_PASSWORD = os.environ.get("KITHKIN_DEMO_PASSWORD", "kithkin-demo-2026")
