import os

from celery import Celery
from celery.signals import worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ctg.settings.demo")

app = Celery("ctg")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_ready.connect
def _first_heartbeat(sender, **kwargs):
    """A worker that starts says so at once, not a minute later (ctg.lib.health)."""
    sender.app.send_task("ctg.lib.health.heartbeat")
