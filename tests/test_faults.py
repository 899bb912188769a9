"""Faults injected into the real services: PostgreSQL stopped during traffic. Requests fail
cleanly (a French error page, the health check says so) and the next ones recover on their
own, without a restart of the web."""

import json
import os
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client

from territories.models import Role
from tests.factories import MembershipFactory, make_convention
from tests.test_worker import wait_until

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

PG_CTL = "/usr/lib/postgresql/15/bin/pg_ctl"


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
