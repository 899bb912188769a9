"""Settings of a worker started as a separate process by the fault tests: the test settings,
with files on disk (shared with the test process) instead of in memory."""

import os

from ctg.settings.test import *  # noqa: F403
from ctg.settings.test import STORAGES

STORAGES = {
    **STORAGES,
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": os.environ["CTG_TEST_MEDIA_ROOT"]},
    },
}
