"""The workflow's jobs: documents, seals, the periodic scan, and the sweep that queues again
what waited. Each task takes ids and calls a function that a test can run directly."""

import logging
from datetime import timedelta

from celery import shared_task
from django.db import OperationalError
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from ctg.lib.jobs import enqueue
from governance.generation import ensure_version_pdf, run_job
from governance.models import ConventionVersion, DocumentJob, SignatureRequest
from governance.sealing import seal
from governance.workflows import notify_sealed, scan

logger = logging.getLogger(__name__)

# A database or file system that does not answer is tried again, later and later; a task
# whose worker dies is delivered again (acks_late).
RETRIED_ON_TRANSIENT_ERRORS = {
    "autoretry_for": (OperationalError, OSError),
    "retry_backoff": True,
    "retry_backoff_max": 300,
    "max_retries": 5,
    "acks_late": True,
    "reject_on_worker_lost": True,
}
# A job still running after this long was lost with its worker (killed, out of memory).
STUCK_AFTER = timedelta(minutes=30)


@shared_task(**RETRIED_ON_TRANSIENT_ERRORS)
def generate_documents(job_id: int) -> None:
    """Render the documents of a job; stored documents are reused, so a rerun is harmless."""
    job = run_job(job_id)
    if job is not None:
        logger.info("documents of convention %s: %s produced", job.convention_id, job.done)


@shared_task(**RETRIED_ON_TRANSIENT_ERRORS)
def seal_version(version_id: int) -> None:
    """Seal a fully signed version; sealing twice returns the stored PDF."""
    version = ConventionVersion.objects.get(pk=version_id)
    already = bool(version.signed_sha256)
    version = seal(version)
    if not already:
        notify_sealed(version)


@shared_task(**RETRIED_ON_TRANSIENT_ERRORS)
def render_version_pdf(version_id: int) -> None:
    """Render a frozen version's PDF; a version that has it is left alone."""
    ensure_version_pdf(ConventionVersion.objects.get(pk=version_id))


@shared_task(acks_late=True, reject_on_worker_lost=True)
def scan_workflow() -> dict:
    """Periodic: reminders, deadlines, and conventions entering or leaving their period."""
    return scan()


@shared_task(ignore_result=True)
def requeue_documents_and_seals(older_than_seconds: int = 120) -> dict:
    """Periodic (beat): queue again the frozen versions without their PDF, the document jobs
    pending (or running for too long: a killed worker) and the fully signed versions not
    sealed; every one of these tasks is idempotent."""
    now = timezone.now()
    waited = now - timedelta(seconds=older_than_seconds)
    unrendered = ConventionVersion.objects.filter(pdf_sha256="", frozen_at__lt=waited)
    jobs = DocumentJob.objects.filter(
        Q(status=DocumentJob.Status.PENDING, created_at__lt=waited)
        | Q(status=DocumentJob.Status.RUNNING, started_at__lt=now - STUCK_AFTER)
    )
    requests = SignatureRequest.objects.filter(version=OuterRef("pk"))
    unsealed = ConventionVersion.objects.filter(
        Exists(requests), ~Exists(requests.exclude(status=SignatureRequest.Status.SIGNED)), signed_sha256=""
    )
    queued = {
        "PDF figés": sum(enqueue(render_version_pdf, pk) for pk in unrendered.values_list("pk", flat=True)),
        "documents": sum(enqueue(generate_documents, pk) for pk in jobs.values_list("pk", flat=True)),
        "scellements": sum(enqueue(seal_version, pk) for pk in unsealed.values_list("pk", flat=True)),
    }
    if any(queued.values()):
        logger.info("work queued again: %s", queued)
    return queued
