"""Helpers shared by the tests (no test module imports another)."""

import re
import time

from django.db import connection
from django.test.utils import CaptureQueriesContext

from ctg.lib.models import OutboundEmail
from demo.conventions import DEMO_DOCUMENTS
from governance import exchange, workflows
from governance.models import Deliberation, SignatureRequest
from territories import services as territory_services
from territories.models import EPCI, Commune, Role
from territories.services import organisation_for_commune
from tests.factories import ConventionFactory, MembershipFactory, adopted_decision, designate

MONTLUCON = "200071082"


def count_queries(client, url):
    """The queries of one GET of `url`, once the per-process caches (content types,
    départements) are warm, as in production."""
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(queries)


def wait_until(predicate, timeout=15):
    """Wait for a real signal (a row written by a worker, a line in its log), never a fixed time."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def seed_convention(name):
    """One of the real CTGs the demo holds (fixtures/demo/), imported as a user would: for the
    tests of the documents and the exchange format, which are about those texts."""
    path = next(p for p in DEMO_DOCUMENTS if name in p.name)
    return exchange.import_convention(path.read_bytes())


def member_of(organisation, role):
    return MembershipFactory(organisation=organisation, role=role).user


def epci_coordinator(siren=MONTLUCON):
    return member_of(territory_services.organisation_for_epci(EPCI.objects.get(siren=siren)), Role.COORDINATOR)


def commune_officer(code):
    return member_of(territory_services.organisation_for_commune(Commune.objects.get(code=code)), Role.COMMUNE_OFFICER)


def sheet_post(objective, title, **fields):
    """What the sheet form posts: one empty row of each inline list, a budget line."""
    data = {
        "objective": objective.pk,
        "title": title,
        "whole_territory": "on",
        "status": "a_lancer",
        "progress": 0,
        "target_publics": ["familles"],
    }
    data.update(fields)
    for prefix in ("steps", "budget", "funding", "indicators"):
        data.update({f"{prefix}-TOTAL_FORMS": 1, f"{prefix}-INITIAL_FORMS": 0})
    data.update(
        {
            "budget-0-year": 2025,
            "budget-0-kind": "fonctionnement",
            "budget-0-unit": "euros",
            "budget-0-planned": "12000",
            # A browser posts the selected option of the empty funding row.
            "funding-0-status": "envisage",
        }
    )
    return data


def last_code(user):
    """The signature code of the last e-mail the user received."""
    email = OutboundEmail.objects.filter(to=user.email, subject__startswith="Votre code").latest("created_at")
    return re.search(r"(\d{6})", email.subject).group(1)


def link_of(user):
    """The signature link of the last e-mail the user received."""
    email = OutboundEmail.objects.filter(to=user.email, subject__startswith="Signature attendue").latest("created_at")
    return re.search(r"https?://[^/\s]+(/signature/\S+/)", email.body).group(1)


def commune_signature(commune_code="63124"):
    """A convention of one commune, its deliberation adopted, whose maire (his account named
    as the commune's executive) was sent his signature code: (convention, adviser, maire,
    the commune's signature request)."""
    convention = ConventionFactory(commune_code=commune_code, deliberating=True)
    adviser = convention.adviser
    mayor = MembershipFactory(organisation=organisation_for_commune(convention.commune), role=Role.COMMUNE_OFFICER).user
    designate(convention.parties.get(organisation__commune=convention.commune), mayor)
    deliberation = Deliberation.objects.get(convention=convention)
    workflows.record_deliberation(deliberation, adopted_decision(deliberation.party), by=adviser)
    request = SignatureRequest.objects.get(convention=convention, party__organisation__kind="commune")
    workflows.send_code(request, mayor)
    return convention, adviser, mayor, request
