"""The one-command demo: SQLite, the embedded Celery broker (files under var/broker/, made by
the demo command), e-mails readable in the browser. Its defaults are chosen here, before the
strict base settings read the environment."""

import os
from pathlib import Path

_VAR = Path(__file__).resolve().parent.parent.parent / "var"
os.environ.setdefault("DJANGO_SECRET_KEY", "demo-only-never-in-production-" + "x" * 30)
os.environ.setdefault("DATABASE_URL", f"sqlite:///{_VAR / 'demo.sqlite3'}")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
os.environ.setdefault("REDIS_URL", "")

from ctg.settings.base import *  # noqa: E402, F403
from ctg.settings.base import INSTALLED_APPS, VAR_DIR, env  # noqa: E402

INSTALLED_APPS = [*INSTALLED_APPS, "demo"]
DEBUG = env.bool("DJANGO_DEBUG", default=True)
DEMO_MAILBOX = True
# E-mails are kept in the outbox and shown on the demo mailbox page; none leaves the machine.
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True

if not env.str("REDIS_URL"):
    # A real worker without Redis: messages are files in var/broker/.
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(VAR_DIR / "broker" / "queue"),
        "data_folder_out": str(VAR_DIR / "broker" / "queue"),
        "processed_folder": str(VAR_DIR / "broker" / "processed"),
        "store_processed": False,
    }
