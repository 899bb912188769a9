"""E-mail through an outbox: every message is written to `OutboundEmail` in the transaction
that decides it, then sent by a Celery task queued after the commit. Nothing is lost if the
broker or the mail server is down, and a task that runs twice sends once."""

import logging
import smtplib
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone

from ctg.lib.jobs import enqueue, enqueue_on_commit
from ctg.lib.models import OutboundEmail

logger = logging.getLogger(__name__)


def queue_email(*, to: str, template: str, context: dict) -> OutboundEmail:
    """Write an e-mail to the outbox and send it once the current transaction commits.

    `template` names a pair `<template>_subject.txt` / `<template>.txt`."""
    context = {"site_url": settings.SITE_URL, "platform_name": settings.PLATFORM_NAME, **context}
    subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
    body = render_to_string(f"{template}.txt", context)
    email = OutboundEmail.objects.create(to=to, subject=subject, body=body)
    enqueue_on_commit(send_outbound_email, email.pk)
    return email


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


@shared_task(ignore_result=True)
def requeue_pending_emails(older_than_seconds: int = 120) -> int:
    """Periodic (beat): queue again the e-mails of the outbox that no worker has sent: queued
    while Redis was away, or lost with a killed worker. Sending is idempotent."""
    waited = timezone.now() - timedelta(seconds=older_than_seconds)
    pending = OutboundEmail.objects.pending().filter(
        created_at__lt=waited, attempts__lt=send_outbound_email.max_retries
    )
    queued = sum(enqueue(send_outbound_email, pk) for pk in pending.values_list("pk", flat=True))
    if queued:
        logger.info("e-mails queued again: %s", queued)
    return queued
