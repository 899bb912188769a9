"""Tests: PostgreSQL and Redis from DATABASE_URL / REDIS_URL (the test command starts them)."""

from ctg.settings.base import *  # noqa: F403
from ctg.settings.base import TEMPLATES

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
# Tests read pages as they are built; tests/test_page_cache.py turns the cache on.
PAGE_CACHE_SECONDS = 0
