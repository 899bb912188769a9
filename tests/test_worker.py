"""The e-mail pipeline with a real Celery worker consuming from Redis."""

import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.db import transaction

from ctg.celery import app
from ctg.models import OutboundEmail
from ctg.tasks import send_outbound_email
from territories import services
from territories.models import Role
from tests.factories import MembershipFactory

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker():
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        yield


def wait_until(predicate, timeout=15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


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
    assert wait_until(lambda: OutboundEmail.objects.get(pk=email.pk).sent_at is not None)
    time.sleep(1)  # give the second delivery the time to run
    assert len(mailoutbox) == 1
    assert OutboundEmail.objects.get(pk=email.pk).attempts == 1


def test_nothing_is_queued_when_the_transaction_rolls_back(worker, mailoutbox):
    admin = MembershipFactory(role=Role.ADMIN)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.invite_member(organisation=admin.organisation, email="x@y.fr", role=Role.VIEWER, invited_by=admin.user)
        raise RuntimeError("rollback")
    time.sleep(1)
    assert not OutboundEmail.objects.exists()
    assert mailoutbox == []


def test_documents_are_produced_by_the_worker(worker):
    from ctg import exchange
    from ctg.demo import DEMO_DOCUMENTS
    from governance.generation import request_documents
    from governance.models import DocumentJob

    path = next(p for p in DEMO_DOCUMENTS if "commune-2023" in p.name)
    convention = exchange.import_convention(path.read_bytes())
    job = request_documents(convention, None)
    assert wait_until(lambda: DocumentJob.objects.get(pk=job.pk).status == "done", timeout=60)
    job.refresh_from_db()
    assert (job.done, job.total) == (3, 3)
    assert job.documents.count() == 3
