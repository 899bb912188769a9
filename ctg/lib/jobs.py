"""Background jobs that survive Redis being away.

The work itself is always recorded in PostgreSQL first, in the transaction that decides it
(an e-mail in the outbox, a document job, a fully signed version awaiting its seal); queuing
the Celery task is only a wake-up call, sent after the commit. If Redis does not answer, the
user's action still succeeds and the wake-up is left to the sweeps that beat runs every few
minutes (`requeue_pending_emails`, `requeue_documents_and_seals`), which queue again whatever
has waited too long. Every task is idempotent, so a job woken twice runs once.

A task is given as the task itself or by its name ("governance.tasks.seal_version"): a
domain module names the task that its own tasks module defines, so that neither imports
the other."""

import functools
import logging

from celery import current_app
from django.db import transaction

logger = logging.getLogger(__name__)

# A user waits at most about a second for a broker that does not answer.
QUICK_RETRY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}


def enqueue(task, *args) -> bool:
    """Queue `task` (a task or a task's name); False (and a warning) if the broker is
    unreachable."""
    name = task if isinstance(task, str) else task.name
    try:
        current_app.send_task(name, args=args, retry=True, retry_policy=QUICK_RETRY)
    except Exception:  # noqa: BLE001 - kombu raises connection, socket and OS errors alike
        logger.warning("broker unreachable: %s%r left for the next sweep", name, args, exc_info=True)
        return False
    return True


def enqueue_on_commit(task, *args) -> None:
    # `enqueue` never raises: a broker that does not answer never fails the user's action.
    transaction.on_commit(functools.partial(enqueue, task, *args))
