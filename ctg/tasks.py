import logging
import smtplib
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from ctg.models import OutboundEmail

logger = logging.getLogger(__name__)


def deliver_outbound_email(email_id: int) -> bool:
    """Send one e-mail of the outbox unless it was already sent; True if sent now.

    The row stays locked while the message goes out, so two deliveries of the same task
    send it once."""
    try:
        with transaction.atomic():
            email = OutboundEmail.objects.select_for_update().filter(pk=email_id).first()
            if email is None or email.sent_at is not None:
                return False
            EmailMessage(
                subject=email.subject,
                body=email.body,
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=[email.to],
            ).send()
            email.sent_at = timezone.now()
            email.attempts += 1
            email.last_error = ""
            email.save(update_fields=["sent_at", "attempts", "last_error"])
    except (smtplib.SMTPException, OSError) as error:
        OutboundEmail.objects.filter(pk=email_id).update(attempts=F("attempts") + 1, last_error=str(error)[:2000])
        raise
    logger.info("email %s sent to %s: %s", email.pk, email.to, email.subject)
    return True


@shared_task(
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=8,
    acks_late=True,
    reject_on_worker_lost=True,
)
def send_outbound_email(email_id: int) -> bool:
    return deliver_outbound_email(email_id)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def send_weekly_digests() -> int:
    from ctg.notifications import send_weekly_digests as send

    return send()


@shared_task(ignore_result=True)
def heartbeat() -> None:
    """Periodic (beat): proves that the broker delivers and a worker executes; the health
    endpoint reports the worker late when the last beat is old. Idempotent."""
    from ctg.models import Heartbeat

    Heartbeat.objects.update_or_create(name="worker", defaults={"beat_at": timezone.now()})


# A job still running after this long was lost with its worker (killed, out of memory).
STUCK_AFTER = timedelta(minutes=30)


@shared_task(ignore_result=True)
def requeue_waiting_work(older_than_seconds: int = 120) -> dict:
    """Periodic (beat): queue again the work recorded in the database that no worker has
    done: e-mails of the outbox, document jobs pending (or running for too long), fully
    signed versions not sealed. What was queued while Redis was away, or lost with a killed
    worker, is done at the next sweep; the tasks are idempotent (ctg.jobs)."""
    from django.db.models import Exists, OuterRef, Q

    from ctg.jobs import enqueue
    from governance.models import ConventionVersion, DocumentJob, SignatureRequest
    from governance.tasks import generate_documents, seal_version

    now = timezone.now()
    waited = now - timedelta(seconds=older_than_seconds)
    emails = OutboundEmail.objects.pending().filter(created_at__lt=waited, attempts__lt=send_outbound_email.max_retries)
    jobs = DocumentJob.objects.filter(
        Q(status=DocumentJob.Status.PENDING, created_at__lt=waited)
        | Q(status=DocumentJob.Status.RUNNING, started_at__lt=now - STUCK_AFTER)
    )
    requests = SignatureRequest.objects.filter(version=OuterRef("pk"))
    unsealed = ConventionVersion.objects.filter(
        Exists(requests), ~Exists(requests.exclude(status=SignatureRequest.Status.SIGNED)), signed_sha256=""
    )
    queued = {"courriels": 0, "documents": 0, "scellements": 0}
    for key, task, ids in (
        ("courriels", send_outbound_email, emails.values_list("pk", flat=True)),
        ("documents", generate_documents, jobs.values_list("pk", flat=True)),
        ("scellements", seal_version, unsealed.values_list("pk", flat=True)),
    ):
        for pk in ids:
            queued[key] += enqueue(task, pk)
    if any(queued.values()):
        logger.info("work queued again: %s", queued)
    return queued
