"""The one-command demo: SQLite, the embedded Celery broker, e-mails readable in the browser."""

from ctg.settings.base import *  # noqa: F403
from ctg.settings.base import VAR_DIR, env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
DEMO_MAILBOX = True
# E-mails are kept in the outbox and shown on the demo mailbox page; none leaves the machine.
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
VAR_DIR.mkdir(exist_ok=True)
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
