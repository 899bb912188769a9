"""Faults injected into the real services: PostgreSQL stopped during traffic. Requests fail
cleanly (a French error page, the health check says so) and the next ones recover on their
own, without a restart of the web."""

import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import psycopg
import pytest
import redis
from django.conf import settings
from django.db import connection
from django.test import Client

from governance import generation, sealing, workflows
from governance.models import AuditEvent, ConventionVersion, Document, DocumentJob
from territories.models import Role
from tests.factories import ConventionFactory, MembershipFactory, adopted_decision, make_convention, sign_on_paper
from tests.helpers import seed_convention, wait_until

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

PG_CTL = "/usr/lib/postgresql/15/bin/pg_ctl"
VISIBILITY_TIMEOUT = 5


def unacknowledged_messages_are_due() -> bool:
    delivered = redis.Redis.from_url(settings.CELERY_BROKER_URL).zrange("unacked_index", 0, 0, withscores=True)
    return not delivered or time.time() - delivered[0][1] > VISIBILITY_TIMEOUT + 0.5


@pytest.fixture
def database_outage():
    """Stops the test run's PostgreSQL and starts it again, and makes sure it is up when the
    test ends."""
    folder = os.environ["CTG_SERVICES_DIR"]
    # The server's own command line (port, socket folder, settings), to start it as it was.
    options = (Path(folder) / "pg" / "postmaster.opts").read_text().strip().split(" ", 1)[1]

    def pg_ctl(*args):
        command = f"{PG_CTL} -D '{folder}/pg' {' '.join(args)}"
        return subprocess.run(["su", "postgres", "-s", "/bin/sh", "-c", command], capture_output=True, text=True)

    def stop():
        assert pg_ctl("-m", "fast", "-w", "stop").returncode == 0

    def start():
        assert pg_ctl("-w", "-l", f"'{folder}/pg.log'", "-o", f"'{options}'", "start").returncode == 0

    try:
        yield stop, start
    finally:
        if pg_ctl("status").returncode != 0:
            start()
        connection.close()  # the test's own connection died with the server


def fetch(url, cookie=None):
    """A GET as a browser or the load balancer makes it, against the live server (a real WSGI
    handler, whose connections are checked at each request as in production)."""
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})  # noqa: S310 - ours
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - our own server
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.mark.serial
def test_a_database_restart_fails_requests_cleanly_and_they_recover(database_outage, live_server):
    stop, start = database_outage
    convention = make_convention()
    client = Client()
    client.force_login(MembershipFactory(organisation=convention.caf, role=Role.CAF_ADVISER).user)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    page, health = live_server.url + convention.get_absolute_url(), live_server.url + "/sante/"
    assert fetch(page, cookie)[0] == 200

    stop()
    status, html = fetch(page, cookie)
    assert (status, "Une erreur est survenue" in html) == (500, True)
    status, report = fetch(health)
    assert (status, json.loads(report)["database"].startswith("erreur")) == (503, True)

    start()
    # The next requests reconnect by themselves (CONN_HEALTH_CHECKS): no restart of the web.
    assert wait_until(lambda: fetch(page, cookie)[0] == 200, timeout=20)
    assert json.loads(fetch(health)[1])["database"] == "ok"


@pytest.fixture
def worker_process(tmp_path, settings):
    """Real `celery worker` processes on the test database and Redis, with files on disk that
    this process reads too; yields a function that starts one and returns it."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}},
    }
    database = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.worker_settings",
        "CTG_TEST_MEDIA_ROOT": str(tmp_path),
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        # A task left unacknowledged by a killed worker comes back after 5 s instead of an hour.
        "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
    }
    started, logs = [], []

    def start():
        if started:
            # A new worker gives back, as it starts, the messages a killed one left
            # unacknowledged once they are older than the visibility timeout (kombu's
            # unacked_index holds when each was delivered): start it then, not before.
            assert wait_until(unacknowledged_messages_are_due, timeout=30)
        log = open(tmp_path / f"worker-{len(started)}.log", "w")  # noqa: SIM115 - closed at the end
        logs.append(log)
        process = subprocess.Popen(
            [
                ".venv/bin/celery",
                "-A",
                "ctg",
                "worker",
                "--pool=solo",
                "--without-gossip",
                "--without-mingle",
                "--loglevel=INFO",
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.terminate()
            process.wait(30)
    for log in logs:
        log.close()


def test_a_worker_killed_in_the_middle_of_a_document_job_finishes_it_once_restarted(worker_process):

    convention = seed_convention("plaine-limagne")
    adviser = MembershipFactory(organisation=convention.caf, role=Role.CAF_ADVISER).user
    first = worker_process()
    job = generation.request_documents(convention, adviser)  # queued on commit
    assert wait_until(lambda: DocumentJob.objects.get(pk=job.pk).done >= 3, timeout=90)
    first.send_signal(signal.SIGKILL)  # in the middle: some documents written, most not
    first.wait(10)
    job.refresh_from_db()
    assert job.status == DocumentJob.Status.RUNNING and 3 <= job.done < job.total

    worker_process()  # the restart: the unacknowledged task is delivered again
    assert wait_until(lambda: DocumentJob.objects.get(pk=job.pk).status == DocumentJob.Status.DONE, timeout=180)
    job.refresh_from_db()
    documents = list(Document.objects.filter(convention=convention))
    assert job.done == job.total == len(documents)  # each document once
    assert len({document.input_hash for document in documents}) == len(documents)
    for document in documents:
        with document.file.open("rb") as stored:
            content = stored.read()
        assert content.startswith(b"%PDF") or content.startswith(b"PK"), document  # PDF or DOCX, whole
        assert content.rstrip().endswith(b"%%EOF") or content.startswith(b"PK"), document


def waiting_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
        )
        return cursor.fetchone()[0] > 0


def test_a_worker_killed_while_sealing_seals_once_restarted(worker_process, tmp_path):
    """The worker is killed while its sealing transaction is open (waiting on the version's
    row lock, which this test takes first: the moment is certain, not a race)."""
    convention = ConventionFactory(deliberating=True, communes=2)
    adviser = convention.adviser
    for deliberation in convention.deliberations.all():
        workflows.record_deliberation(deliberation, adopted_decision(deliberation.party), by=adviser)
    version = ConventionVersion.objects.current(convention)

    database = connection.settings_dict
    blocker = psycopg.connect(
        host=database["HOST"], port=database["PORT"], user=database["USER"], dbname=database["NAME"]
    )
    blocker.execute("SELECT id FROM governance_conventionversion WHERE id = %s FOR NO KEY UPDATE", [version.pk])
    first = worker_process()
    sign_on_paper(convention, adviser)
    # The last signature queued the seal: the worker received it and waits on the lock.
    assert wait_until(lambda: "seal_version" in (tmp_path / "worker-0.log").read_text(), timeout=60)
    assert wait_until(waiting_on_a_lock, timeout=60)  # inside its transaction, on the row
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    blocker.rollback()
    blocker.close()
    assert not ConventionVersion.objects.get(pk=version.pk).signed_sha256  # killed before it could seal

    worker_process()  # the restart: the unacknowledged task is delivered again
    assert wait_until(lambda: bool(ConventionVersion.objects.get(pk=version.pk).signed_sha256), timeout=120)
    version.refresh_from_db()
    with version.signed_pdf.open("rb") as stored:
        assert sealing.verify(stored.read()).ok
    assert AuditEvent.objects.filter(version=version, kind="seal").count() == 1
