from celery import shared_task

from actions.follow_up import remind_stale_sheets as remind


@shared_task(acks_late=True, reject_on_worker_lost=True)
def remind_stale_sheets() -> int:
    """Periodic: the pilots of sheets not updated for months get a direct link."""

    return remind()
