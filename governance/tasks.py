import logging

from celery import shared_task
from django.db import OperationalError

from governance.generation import run_job

logger = logging.getLogger(__name__)


@shared_task(
    autoretry_for=(OperationalError, OSError),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=5,
    acks_late=True,
    reject_on_worker_lost=True,
)
def generate_documents(job_id: int) -> None:
    """Render the documents of a job; stored documents are reused, so a rerun is harmless."""
    job = run_job(job_id)
    if job is not None:
        logger.info("documents of convention %s: %s produced", job.convention_id, job.done)


@shared_task(
    autoretry_for=(OperationalError, OSError),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=5,
    acks_late=True,
    reject_on_worker_lost=True,
)
def seal_version(version_id: int) -> None:
    """Seal a fully signed version; sealing twice returns the stored PDF."""
    from governance.models import ConventionVersion
    from governance.sealing import seal
    from governance.workflows import notify_sealed

    version = ConventionVersion.objects.get(pk=version_id)
    already = bool(version.signed_sha256)
    version = seal(version)
    if not already:
        notify_sealed(version)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def scan_workflow() -> dict:
    """Periodic: reminders, deadlines, and conventions entering or leaving their period."""
    from governance.workflows import scan

    return scan()
