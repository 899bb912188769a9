"""Tests: PostgreSQL and Redis from DATABASE_URL / REDIS_URL (the test command starts them and
exports both); the other defaults are chosen here, before the strict base settings."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "tests-only-never-in-production-" + "x" * 30)
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
# Tests run in several processes (pytest-xdist): each has its own database (pytest-django adds the
# worker's name) and its own Redis database for the broker, so that none takes another's
# jobs. Redis database 1 is the cache's, as in production.
_XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
if _XDIST_WORKER and os.environ.get("REDIS_URL"):
    os.environ["REDIS_URL"] = os.environ["REDIS_URL"].rsplit("/", 1)[0] + f"/{2 + int(_XDIST_WORKER[2:])}"

from ctg.settings.base import *  # noqa: E402, F403
from ctg.settings.base import INSTALLED_APPS, TEMPLATES  # noqa: E402

INSTALLED_APPS = [*INSTALLED_APPS, "demo"]
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# A template that reads a variable that does not exist is a bug: make it fail loudly.
TEMPLATES[0]["OPTIONS"]["string_if_invalid"] = "INVALID_TEMPLATE_VARIABLE[%s]"
DEMO_MAILBOX = False
# Static files straight from static/ (no collectstatic in tests).
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
