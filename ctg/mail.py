from django.conf import settings
from django.template.loader import render_to_string

from ctg.jobs import enqueue_on_commit
from ctg.models import OutboundEmail


def queue_email(*, to: str, template: str, context: dict) -> OutboundEmail:
    """Write an e-mail to the outbox and send it once the current transaction commits.

    `template` names a pair `<template>_subject.txt` / `<template>.txt`."""
    context = {"site_url": settings.SITE_URL, "platform_name": settings.PLATFORM_NAME, **context}
    subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
    body = render_to_string(f"{template}.txt", context)
    email = OutboundEmail.objects.create(to=to, subject=subject, body=body)

    from ctg.tasks import send_outbound_email

    enqueue_on_commit(send_outbound_email, email.pk)
    return email
