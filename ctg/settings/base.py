"""Settings shared by every environment; values come from the environment, strictly.

Without what production needs (`DJANGO_SECRET_KEY`, `DATABASE_URL`, `DJANGO_ALLOWED_HOSTS`,
`REDIS_URL` for the Celery broker) the settings refuse to load: no environment runs on a
default it did not choose. The demo and test settings choose theirs before reading these.
Nothing is written to disk here.
"""

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


SECRET_KEY = env.str("DJANGO_SECRET_KEY")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.forms",
    "django_htmx",
    "csp",
    "guardian",
    "axes",
    "simple_history",
    "import_export",
    "territories",
    "ctg",
    "diagnostics",
    "actions",
    "governance",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "ctg.urls"

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
                "ctg.context_processors.platform",
            ],
        },
    },
]

WSGI_APPLICATION = "ctg.wsgi.application"

DATABASES = {
    "default": env.db_url("DATABASE_URL"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "territories.User"

AUTHENTICATION_BACKENDS = [
    # First: a locked-out login is refused before the password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
# Object permissions live in direct foreign-key tables for the numerous models; the
# generic tables stay for the rare ones.
GUARDIAN_RAISE_403 = False
GUARDIAN_MONKEY_PATCH_USER = False
ANONYMOUS_USER_NAME = None

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "fr-fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=VAR_DIR / "staticfiles")
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=VAR_DIR / "media")
MEDIA_URL = "/media/"
# Files leave through views that check rights (ctg.lib.files); behind nginx, set this to the
# `internal` location that serves MEDIA_ROOT and the view answers with X-Accel-Redirect.
PROTECTED_FILES_ACCEL_PREFIX = env.str("PROTECTED_FILES_ACCEL_PREFIX", default="")
# Where pg_dump and pg_restore of the server's version are (ctg.lib.backup); PATH otherwise.
POSTGRESQL_BIN_DIR = env.str("POSTGRESQL_BIN_DIR", default="/usr/lib/postgresql/15/bin")

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# E-mail: every message goes through the outbox (ctg.OutboundEmail) and a Celery task.
EMAIL_BACKEND = env.str("DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="CTG Plateforme <ne-pas-repondre@ctg.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# The address users see in e-mailed links.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
PLATFORM_NAME = "CTG Plateforme"
# Demo only: a page lists every e-mail the platform sent (signing needs their codes).
DEMO_MAILBOX = env.bool("DEMO_MAILBOX", default=False)

INVITATION_VALIDITY_DAYS = env.int("INVITATION_VALIDITY_DAYS", default=7)

# ProConnect (OpenID Connect), beside the e-mail and password login. Empty: the button is not
# shown. Integration: https://fca.integ01.dev-agentconnect.fr/api/v2/.well-known/openid-configuration
# Production: https://auth.agentconnect.gouv.fr/api/v2/.well-known/openid-configuration
PROCONNECT_DISCOVERY_URL = env.str("PROCONNECT_DISCOVERY_URL", default="")
PROCONNECT_CLIENT_ID = env.str("PROCONNECT_CLIENT_ID", default="")
PROCONNECT_CLIENT_SECRET = env.str("PROCONNECT_CLIENT_SECRET", default="")
# Level of assurance asked for (ProConnect's `acr_values`, e.g. "eidas1"); empty: the default.
PROCONNECT_ACR_VALUES = env.str("PROCONNECT_ACR_VALUES", default="")
PROCONNECT_TIMEOUT = env.int("PROCONNECT_TIMEOUT", default=10)

# Login throttling (django-axes, territories.throttling): within 15 minutes, five wrong
# passwords for one address from one place lock that pair out; twenty for one address from
# anywhere lock the address; fifty from one place, whatever the addresses, lock the place.
# A right password before that clears the count of the address.
AXES_HANDLER = "territories.throttling.LayeredAxesHandler"
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "username", "ip_address"]
LOGIN_FAILURE_LIMITS = [5, 20, 50]
AXES_RESET_ON_SUCCESS = True
# The login form's field is "username" (it holds the e-mail address, the model's username).
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "territories.forms.login_username"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# How many reverse proxies stand in front of the app. Each appends the address it received the
# request from to X-Forwarded-For, and the last one is REMOTE_ADDR: behind N proxies the
# visitor is the (N-1)th address from the right of X-Forwarded-For, which the visitor cannot
# forge (what they send themselves stands further left). With none, X-Forwarded-For is not
# read at all. Production runs behind one at least and requires the figure (left at 0 there,
# everybody would share the proxy's address, and `check --deploy` refuses it).
PROXY_COUNT = env.int("DJANGO_PROXY_COUNT", default=0)
# python-ipware counts the proxies listed in X-Forwarded-For, the last one (REMOTE_ADDR) apart.
AXES_IPWARE_PROXY_COUNT = max(PROXY_COUNT - 1, 0)
AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR") if PROXY_COUNT else ("REMOTE_ADDR",)

# Celery
REDIS_URL = env.str("REDIS_URL")
CELERY_BROKER_URL = REDIS_URL
# A broker that does not answer is given up quickly: the work waits in the database.
# A task whose worker died unacknowledged (acks_late) is delivered again after this long.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
    "socket_connect_timeout": 2,
}
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"refusals_without_traceback": {"()": "ctg.lib.logging.RefusalsWithoutTraceback"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.request": {"filters": ["refusals_without_traceback"]},
        "django.db.backends": {"level": "INFO"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        # Lock-outs and their warnings stay; every successful login's four lines do not.
        "axes": {"level": "WARNING"},
    },
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Every asset is served by the app itself: nothing from another origin.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}
if PROCONNECT_DISCOVERY_URL:
    # Signing out posts a form that ends at the provider (its end_session endpoint).
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"].append(origin_of(PROCONNECT_DISCOVERY_URL))
FORM_RENDERER = "ctg.forms.ThemedFormRenderer"

# Spreadsheet exports never carry a live formula (=, +, -, @).
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = True
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = None
IMPORT_EXPORT_IMPORT_IGNORE_BLANK_LINES = True

# Workflow of deliberations and signatures (days unless said otherwise).
DELIBERATION_DELAY_DAYS = env.int("DELIBERATION_DELAY_DAYS", default=90)
SIGNATURE_DELAY_DAYS = env.int("SIGNATURE_DELAY_DAYS", default=30)
SIGNATURE_LINK_VALIDITY_DAYS = env.int("SIGNATURE_LINK_VALIDITY_DAYS", default=60)
SIGNATURE_CODE_VALIDITY_MINUTES = 10
SIGNATURE_CODE_MAX_ATTEMPTS = 5
SIGNATURE_CODES_PER_HOUR = 5
REMINDER_INTERVAL_DAYS = env.int("REMINDER_INTERVAL_DAYS", default=7)
REMINDER_MAX_COUNT = env.int("REMINDER_MAX_COUNT", default=3)
# ACTES subject ("matière") of a CTG deliberation, per département; 8.2 "Aide sociale" by default.
ACTES_SUBJECT_DEFAULT = ("8.2", "Aide sociale")
ACTES_SUBJECT_BY_DEPARTEMENT = {}
# The platform's sealing certificate (PKCS#12); generated self-signed in var/ when absent (demo, tests).
SEAL_PKCS12_FILE = env.str("SEAL_PKCS12_FILE", default=str(VAR_DIR / "seal" / "platform-seal.p12"))
SEAL_PKCS12_PASSPHRASE = env.str("SEAL_PKCS12_PASSPHRASE", default="demo-seal")
SEAL_ALLOW_SELF_SIGNED = env.bool("SEAL_ALLOW_SELF_SIGNED", default=True)
# The RFC 3161 timestamp authority of the seals (PAdES B-T), and its roots (PEM), so that the
# validation data of the timestamp is embedded too (B-LT). Empty: seals without a timestamp.
SEAL_TSA_URL = env.str("SEAL_TSA_URL", default="")
SEAL_TSA_ROOTS_FILE = env.str("SEAL_TSA_ROOTS_FILE", default="")
SEAL_TSA_TIMEOUT = 10
# Revocation data (OCSP, CRL) of the certificates' chains is fetched to be embedded (B-LT).
SEAL_FETCH_REVOCATION = env.bool("SEAL_FETCH_REVOCATION", default=True)

# A sheet of a convention in force not updated for this many months is "à mettre à jour".
SHEET_STALE_MONTHS = env.int("SHEET_STALE_MONTHS", default=4)

# The worker proves it runs every minute; the health endpoint calls it late after three.
HEARTBEAT_SECONDS = 60
CELERY_BEAT_SCHEDULE = {
    "workflow-daily-scan": {"task": "governance.tasks.scan_workflow", "schedule": 3600.0},
    "worker-heartbeat": {"task": "ctg.lib.health.heartbeat", "schedule": float(HEARTBEAT_SECONDS)},
    # Work recorded while Redis was away, or lost with a killed worker (ctg.lib.jobs).
    "requeue-pending-emails": {"task": "ctg.lib.mail.requeue_pending_emails", "schedule": 300.0},
    "requeue-documents-and-seals": {"task": "governance.tasks.requeue_documents_and_seals", "schedule": 300.0},
    "stale-sheets": {"task": "actions.tasks.remind_stale_sheets", "schedule": 24 * 3600.0},
    "weekly-digest": {"task": "ctg.tasks.send_weekly_digests", "schedule": 24 * 3600.0},
}
