"""The platform's own models (they belong to the ctg app): the e-mail outbox and the
heartbeats of the background parts."""

from django.db import models


class OutboundEmailQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(sent_at__isnull=True)


class OutboundEmail(models.Model):
    """The outbox: every e-mail is written here in the transaction that decides it, then
    sent by a Celery task. Nothing is lost if the broker or the mail server is down, and a
    task that runs twice sends once."""

    to = models.EmailField("destinataire")
    subject = models.CharField("objet", max_length=255)
    body = models.TextField("message")
    created_at = models.DateTimeField("créé le", auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField("envoyé le", null=True, blank=True)
    attempts = models.PositiveSmallIntegerField("tentatives", default=0)
    last_error = models.TextField("dernière erreur", blank=True)

    objects = OutboundEmailQuerySet.as_manager()

    class Meta:
        verbose_name = "courriel envoyé"
        verbose_name_plural = "courriels envoyés"
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.subject} → {self.to}"


class Heartbeat(models.Model):
    """The last time a background part proved it runs ("worker": a task it executed), read by
    the health endpoint."""

    name = models.CharField(primary_key=True, max_length=40)
    beat_at = models.DateTimeField()

    class Meta:
        verbose_name = "signe de vie"
        verbose_name_plural = "signes de vie"

    def __str__(self):
        return f"{self.name} : {self.beat_at:%Y-%m-%d %H:%M:%S}"
