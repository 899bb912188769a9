"""Background jobs that survive Redis being away.

The work itself is always recorded in PostgreSQL first, in the transaction that decides it
(an e-mail in the outbox, a document job, a fully signed version awaiting its seal); queuing
the Celery task is only a wake-up call, sent after the commit. If Redis does not answer, the
user's action still succeeds and the wake-up is left to `requeue_waiting_work`, which beat
runs every few minutes and which queues again whatever has waited too long. Every task is
idempotent, so a job woken twice runs once."""

import functools
import logging

from django.db import transaction

logger = logging.getLogger(__name__)

# A user waits at most about a second for a broker that does not answer.
QUICK_RETRY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}


def enqueue(task, *args) -> bool:
    """Queue `task`; False (and a warning) if the broker is unreachable."""
    try:
        task.apply_async(args=args, retry=True, retry_policy=QUICK_RETRY)
    except Exception:  # noqa: BLE001 - kombu raises connection, socket and OS errors alike
        logger.warning("broker unreachable: %s%r left for the next sweep", task.name, args, exc_info=True)
        return False
    return True


def enqueue_on_commit(task, *args) -> None:
    # `enqueue` never raises: a broker that does not answer never fails the user's action.
    transaction.on_commit(functools.partial(enqueue, task, *args))
