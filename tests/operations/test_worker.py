"""The e-mail pipeline with a real Celery worker consuming from Redis."""

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from ctg.celery import app
from ctg.lib.health import heartbeat
from ctg.lib.mail import requeue_pending_emails, send_outbound_email
from ctg.lib.models import Heartbeat, OutboundEmail
from ctg.lifecycle import Status
from governance import sealing, workflows
from governance.deliberations import act_id_for
from governance.generation import request_documents
from governance.models import Deliberation, DocumentJob, SignatureRequest
from governance.signatories import Signatory
from governance.tasks import requeue_documents_and_seals
from territories import services
from territories.models import Role
from tests.factories import MembershipFactory, adopted_decision, designate, scanned_page
from tests.helpers import seed_convention, wait_until

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker():
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        yield


def test_an_invitation_email_is_sent_by_the_worker_after_the_commit(worker, mailoutbox):
    admin = MembershipFactory(role=Role.ADMIN)
    services.invite_member(
        organisation=admin.organisation,
        email="maire@commune.fr",
        role=Role.COMMUNE_OFFICER,
        invited_by=admin.user,
    )
    email = OutboundEmail.objects.get(to="maire@commune.fr")
    assert wait_until(lambda: OutboundEmail.objects.get(pk=email.pk).sent_at is not None)
    assert [message.to for message in mailoutbox] == [["maire@commune.fr"]]
    assert "/invitation/" in mailoutbox[0].body


def test_a_task_delivered_twice_sends_once(worker, mailoutbox):

    email = OutboundEmail.objects.create(to="a@b.fr", subject="Sujet", body="Corps")
    send_outbound_email.delay(email.pk)
    send_outbound_email.delay(email.pk)
    # The worker (one process, one task at a time) runs its queue in order: once the task
    # queued after both deliveries has run, both have.
    heartbeat.delay()
    assert wait_until(lambda: Heartbeat.objects.filter(name="worker").exists())
    assert len(mailoutbox) == 1
    assert OutboundEmail.objects.get(pk=email.pk).attempts == 1


def test_nothing_is_queued_when_the_transaction_rolls_back(settings):
    """Read in the broker itself (no worker takes the messages away): a task is queued only
    when the transaction that decided it commits."""
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    broker.delete("celery")
    admin = MembershipFactory(role=Role.ADMIN)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.invite_member(organisation=admin.organisation, email="x@y.fr", role=Role.VIEWER, invited_by=admin.user)
        assert broker.llen("celery") == 0  # not before the commit
        raise RuntimeError("rollback")
    assert broker.llen("celery") == 0
    assert not OutboundEmail.objects.exists()
    # The same invitation, committed: its e-mail task is in the queue.
    services.invite_member(organisation=admin.organisation, email="x@y.fr", role=Role.VIEWER, invited_by=admin.user)
    assert broker.llen("celery") == 1
    broker.delete("celery")


def test_documents_are_produced_by_the_worker(worker):

    convention = seed_convention("commune-2023")
    job = request_documents(convention, None)
    assert wait_until(lambda: DocumentJob.objects.get(pk=job.pk).status == "done", timeout=60)
    job.refresh_from_db()
    assert (job.done, job.total) == (4, 4)
    assert job.documents.count() == 4


def test_plaine_limagne_from_freeze_to_a_sealed_pdf_and_an_avenant(worker):
    """The workflow issue's "done when", with the worker sealing once everyone has signed."""
    import re

    from django.core.files.base import ContentFile

    convention = seed_convention("plaine-limagne")
    adviser = MembershipFactory(organisation=convention.caf, role=Role.CAF_ADVISER).user
    signers = {
        party.pk: MembershipFactory(organisation=party.organisation, role=Role.ADMIN).user
        for party in convention.parties.exclude(organisation=convention.caf)
    }
    for party in convention.parties.exclude(organisation=convention.caf):
        designate(party, signers[party.pk])
    convention.transition(Status.REVIEW)
    version = workflows.freeze(convention, by=adviser)
    workflows.launch_deliberations(convention, by=adviser)
    deliberations = list(
        Deliberation.objects.filter(convention=convention).select_related("party__organisation__commune")
    )
    assert len(deliberations) == 26

    def record(deliberation, outcome, number):
        if outcome == "adopted":
            decision = adopted_decision(deliberation.party, act_id=None)
            decision["act_id"] = act_id_for(deliberation.party, decision["session_date"], number)
        else:
            decision = adopted_decision(
                deliberation.party,
                outcome="rejected",
                votes_for=10,
                votes_against=20,
                act_id="",
                sent_to_prefecture=None,
                received_by_prefecture=None,
                published_on=None,
            )
        workflows.record_deliberation(deliberation, decision, by=adviser)

    rejected = deliberations[0]
    record(rejected, "rejected", "")
    for deliberation in deliberations[1:]:
        record(deliberation, "adopted", "D1")
    record(Deliberation.objects.get(pk=rejected.pk), "adopted", "D2")
    assert Deliberation.objects.filter(convention=convention, outcome="adopted").count() == 26

    def sign_open_requests():
        for request in SignatureRequest.objects.filter(convention=convention, status="open").select_related(
            "party__organisation"
        ):
            if request.party.organisation_id == convention.caf_id:
                workflows.record_paper_signature(
                    request,
                    signatory=Signatory("M. Paul Leroy", "Le Directeur"),
                    signed_on=timezone.localdate(),
                    scan=ContentFile(scanned_page(), name="scan.pdf"),
                    by=adviser,
                )
            else:
                signer = signers[request.party_id]
                workflows.send_code(request, signer)
                email = OutboundEmail.objects.filter(to=signer.email, subject__startswith="Votre code").latest(
                    "created_at"
                )
                workflows.sign(request, signer, re.search(r"\d{6}", email.subject).group(0))

    for _group in range(3):  # communes, then the EPCI and partners, then the CAF
        sign_open_requests()
    assert not SignatureRequest.objects.filter(convention=convention).exclude(status="signed").exists()
    assert wait_until(lambda: version.__class__.objects.get(pk=version.pk).signed_sha256 != "", timeout=90)
    version.refresh_from_db()
    signed = version.signed_pdf.open("rb").read()
    result = sealing.verify(signed)
    assert result.ok and result.version == version
    convention.refresh_from_db()
    assert convention.status in (Status.SIGNED, Status.IN_FORCE)

    # An avenant starts version 2; version 1 stays intact, byte for byte.
    if convention.status == Status.SIGNED:
        convention.transition(Status.IN_FORCE)
    workflows.start_amendment(convention, by=adviser)
    convention.refresh_from_db()
    convention.transition(Status.REVIEW)
    version_2 = workflows.freeze(convention, by=adviser)
    assert version_2.number == 2
    version.refresh_from_db()
    assert version.signed_pdf.open("rb").read() == signed
    assert sealing.verify(signed).ok


def test_the_worker_s_heartbeat_makes_the_health_check_green(worker, client):
    from datetime import timedelta

    from django.utils import timezone

    heartbeat.delay()
    assert wait_until(lambda: client.get("/sante/").json()["worker"] == "ok")
    Heartbeat.objects.filter(name="worker").update(beat_at=timezone.now() - timedelta(minutes=10))
    assert client.get("/sante/").json()["status"] == "dégradé"
    heartbeat.delay()  # what beat sends every minute
    assert wait_until(lambda: client.get("/sante/").json()["status"] == "ok")
    assert client.get("/sante/").json() == {
        "status": "ok",
        "database": "ok",
        "broker": "ok",
        "cache": "ok",
        "worker": "ok",
    }


@pytest.fixture
def redis_outage():
    """Stops the test run's Redis and starts it again (same port, empty: what a restart
    without persistence loses), and makes sure it is up when the test ends."""
    import os
    import subprocess
    from urllib.parse import urlparse

    port = str(urlparse(os.environ["REDIS_URL"]).port)
    folder = os.environ["CTG_SERVICES_DIR"]

    def answers():
        return subprocess.run(["redis-cli", "-p", port, "ping"], capture_output=True).stdout.strip() == b"PONG"

    def stop():
        subprocess.run(["redis-cli", "-p", port, "shutdown", "nosave"], capture_output=True)
        assert wait_until(lambda: not answers())

    def start():
        options = ["--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "yes"]
        files = ["--pidfile", f"{folder}/redis.pid", "--dir", folder, "--logfile", f"{folder}/redis.log"]
        subprocess.run(["redis-server", *options, *files], check=True)
        assert wait_until(answers)

    try:
        yield stop, start
    finally:
        if not answers():
            start()


@pytest.mark.serial
def test_with_redis_down_users_keep_working_and_nothing_is_lost(redis_outage, client, mailoutbox, settings):
    import os

    # The production cache in Redis (ctg.lib.cache): the lists read their filters' choices from it.
    settings.CACHES = {
        "default": {
            "BACKEND": "ctg.lib.cache.TolerantRedisCache",
            "LOCATION": os.environ["REDIS_URL"].rsplit("/", 1)[0] + "/1",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    from django.urls import reverse

    from tests.factories import make_convention

    stop, start = redis_outage
    convention = make_convention()
    admin = MembershipFactory(organisation=convention.caf, role=Role.ADMIN)
    client.force_login(admin.user)
    assert client.get(reverse("convention_list")).status_code == 200
    assert cache.get("filters:departements")  # the list stored its filters' choices in Redis
    stop()
    # Pages work (what the cache held is computed again), and the actions that queue jobs
    # succeed: the work is in the database.
    assert client.get(convention.get_absolute_url()).status_code == 200
    response = client.get(reverse("convention_list"))
    assert response.status_code == 200
    assert "Puy-de-Dôme" in response.content.decode()  # the filters' choices, without the cache
    response = client.post(reverse("document_generate", kwargs={"convention_pk": convention.pk}))
    assert response.status_code == 302
    services.invite_member(
        organisation=admin.organisation, email="maire@commune.fr", role=Role.COMMUNE_OFFICER, invited_by=admin.user
    )
    job = DocumentJob.objects.get(convention=convention)
    assert job.status == DocumentJob.Status.PENDING
    assert OutboundEmail.objects.get(to="maire@commune.fr").sent_at is None

    start()  # back, and empty: the wake-up calls never reached it
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        # What beat sends every five minutes.
        requeue_pending_emails.delay(older_than_seconds=0)
        requeue_documents_and_seals.delay(older_than_seconds=0)
        assert wait_until(lambda: OutboundEmail.objects.get(to="maire@commune.fr").sent_at is not None, 30)
        assert wait_until(lambda: DocumentJob.objects.get(pk=job.pk).status == DocumentJob.Status.DONE, 60)
    assert [message.to for message in mailoutbox] == [["maire@commune.fr"]]  # once
