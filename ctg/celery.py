import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ctg.settings.demo")

app = Celery("ctg")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
