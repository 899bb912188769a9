import logging
import smtplib

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
