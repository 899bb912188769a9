"""The project's periodic jobs, and the platform library's tasks registered with the worker
(Celery discovers the `tasks` module of each app)."""

from celery import shared_task

from ctg.lib.health import heartbeat  # noqa: F401 - registered with the worker
from ctg.lib.mail import requeue_pending_emails, send_outbound_email  # noqa: F401 - registered with the worker
from ctg.notifications import send_weekly_digests as send_digests


@shared_task(acks_late=True, reject_on_worker_lost=True)
def send_weekly_digests() -> int:
    return send_digests()
