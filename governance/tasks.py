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
