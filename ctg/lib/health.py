"""What the health endpoint reports: each part a user's work depends on, and whether the
web can serve at all.

Only the database makes the web unable to serve (HTTP 503, taken out of rotation). Without
Redis or a worker, pages still work and jobs wait in the outbox: the web stays in rotation and
reports itself degraded, so that monitoring (not the load balancer) calls someone."""

from celery import current_app, shared_task
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from ctg.lib.models import Heartbeat

OK = "ok"


def _failure(error: Exception) -> str:
    return f"erreur : {error.__class__.__name__}"


def database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as error:  # noqa: BLE001 - any failure is reported, not raised
        return _failure(error)
    return OK


def broker() -> str:
    try:
        with current_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as error:  # noqa: BLE001
        return _failure(error)
    return OK


def cache_store() -> str:
    try:
        cache.set("health", "ok", 10)
        if cache.get("health") != "ok":
            return "erreur : lecture impossible"
    except Exception as error:  # noqa: BLE001
        return _failure(error)
    return OK


def worker() -> str:
    """OK when a worker executed the periodic heartbeat task recently."""
    try:
        beat = Heartbeat.objects.filter(name="worker").values_list("beat_at", flat=True).first()
    except Exception as error:  # noqa: BLE001
        return _failure(error)
    if beat is None:
        return "aucun signe de vie"
    age = (timezone.now() - beat).total_seconds()
    if age > 3 * settings.HEARTBEAT_SECONDS:
        return f"aucun signe de vie depuis {int(age)} s"
    return OK


def report() -> tuple[dict, int]:
    checks = {"database": database(), "broker": broker(), "cache": cache_store(), "worker": worker()}
    if checks["database"] != OK:
        status, code = "erreur", 503
    elif all(value == OK for value in checks.values()):
        status, code = OK, 200
    else:
        status, code = "dégradé", 200
    return {"status": status, **checks}, code


@shared_task(ignore_result=True)
def heartbeat() -> None:
    """Periodic (beat): proves that the broker delivers and a worker executes; the health
    endpoint reports the worker late when the last beat is old. Idempotent."""
    Heartbeat.objects.update_or_create(name="worker", defaults={"beat_at": timezone.now()})
