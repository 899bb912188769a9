"""The production settings, as the benchmarks run them: no HTTPS redirect (the test client and
wrk speak plain HTTP on the loopback) and the floor view beside the app's URLs."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "benchmarks-only-not-a-secret-" + "x" * 40)
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "false")

from ctg.settings.production import *  # noqa: E402, F403
from ctg.settings.production import VAR_DIR  # noqa: E402

ROOT_URLCONF = "benchmarks.urls"
STATIC_ROOT = VAR_DIR / "bench-static"
MEDIA_ROOT = VAR_DIR / "bench-media"
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
