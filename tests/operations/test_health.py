"""The health endpoint (/sante/): what it reports of each part, and when the web is taken out
of rotation (only without a database)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from ctg.celery import app
from ctg.models import Heartbeat

pytestmark = pytest.mark.django_db


def test_everything_up_is_ok(client):
    Heartbeat.objects.create(name="worker", beat_at=timezone.now())
    response = client.get("/sante/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok", "cache": "ok", "worker": "ok"}


def test_a_silent_worker_degrades_but_keeps_the_web_in_rotation(client):
    response = client.get("/sante/")
    assert (response.status_code, response.json()["status"]) == (200, "dégradé")
    assert response.json()["worker"] == "aucun signe de vie"
    Heartbeat.objects.create(name="worker", beat_at=timezone.now() - timedelta(minutes=10))
    assert client.get("/sante/").json()["worker"].startswith("aucun signe de vie depuis 6")


def test_redis_down_degrades_but_pages_still_work(client, monkeypatch):
    Heartbeat.objects.create(name="worker", beat_at=timezone.now())
    monkeypatch.setitem(app.conf, "broker_url", "redis://127.0.0.1:9/0")  # nothing listens there
    response = client.get("/sante/")
    assert response.status_code == 200
    assert response.json()["status"] == "dégradé"
    assert response.json()["broker"].startswith("erreur")


def test_the_health_command_fails_when_a_required_part_is_down(capsys):
    from django.core.management import CommandError, call_command

    call_command("health")  # the database answers
    with pytest.raises(CommandError, match="En défaut : worker"):
        call_command("health", require="database,worker")
    Heartbeat.objects.create(name="worker", beat_at=timezone.now())
    call_command("health", require="database,worker")
    assert '"worker": "ok"' in capsys.readouterr().out
