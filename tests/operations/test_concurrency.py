"""Concurrent requests on the same object: two people on the same sheet (the second writer is
told and sees the other change; two saves at the same instant give one winner and one
conflict, never a lost update), two clicks on the same signature, two records of the same
deliberation (row locks: one effect)."""

import re
import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from actions.models import ActionSheet, Step
from governance import workflows
from governance.models import AuditEvent, Deliberation, SignatureRequest
from territories.models import Role
from tests.factories import (
    ConventionFactory,
    MembershipFactory,
    add_plan,
    adopted_decision,
    make_convention,
)
from tests.helpers import commune_signature, epci_coordinator, last_code, sheet_post

FINGERPRINT = re.compile(r'name="fingerprint" value="([0-9a-f]{64})"')


def post(objective, title, fingerprint, **fields):
    """The edit form as a browser sends it, without budget lines (each post would add one)."""
    data = sheet_post(objective, title, fingerprint=fingerprint, **fields)
    data["budget-TOTAL_FORMS"] = 0
    return data


def open_form(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return FINGERPRINT.search(response.content.decode())[1]


@pytest.fixture
def sheet(db):
    convention = add_plan(make_convention(), axes=1, objectives=1, sheets=1)
    sheet = convention.sheets.get()
    Step.objects.create(sheet=sheet, title="Recenser les besoins")
    return sheet


def edit_url(sheet):
    return reverse("sheet_edit", kwargs={"convention_pk": sheet.convention_id, "sheet_pk": sheet.pk})


def test_the_second_writer_is_told_and_sees_the_other_change(sheet):
    adviser, coordinator = Client(), Client()
    adviser.force_login(MembershipFactory(organisation=sheet.convention.caf, role=Role.CAF_ADVISER).user)
    coordinator.force_login(epci_coordinator())
    url = edit_url(sheet)
    seen_by_adviser, seen_by_coordinator = open_form(adviser, url), open_form(coordinator, url)

    data = post(sheet.objective, "Guichet unique mobile", seen_by_adviser)
    assert adviser.post(url, data).status_code == 302

    data = post(sheet.objective, "Maison France services", seen_by_coordinator, status="en_cours")
    response = coordinator.post(url, data)
    html = response.content.decode()
    assert response.status_code == 409
    assert "Cette fiche a changé pendant que vous la modifiiez" in html
    assert "Guichet unique mobile" in html  # the other change, shown
    assert 'value="Maison France services"' in html  # the coordinator's input, kept
    assert ActionSheet.objects.get(pk=sheet.pk).title == "Guichet unique mobile"  # nothing overwritten

    # Having seen it, the coordinator saves again from the form as shown: it goes through.
    data["fingerprint"] = FINGERPRINT.search(html)[1]
    assert coordinator.post(url, data).status_code == 302
    assert ActionSheet.objects.get(pk=sheet.pk).title == "Maison France services"


def test_a_form_refused_for_an_input_error_still_detects_a_change_made_meanwhile(sheet):
    client, other = Client(), Client()
    client.force_login(epci_coordinator())
    other.force_login(MembershipFactory(organisation=sheet.convention.caf, role=Role.CAF_ADVISER).user)
    url = edit_url(sheet)
    fingerprint = open_form(client, url)
    bad = post(sheet.objective, "", fingerprint)  # no title
    response = client.post(url, bad)
    assert response.status_code == 400
    assert other.post(url, post(sheet.objective, "Changé entre-temps", open_form(other, url))).status_code == 302
    retry = post(sheet.objective, "Mon titre", FINGERPRINT.search(response.content.decode())[1])
    assert client.post(url, retry).status_code == 409


@pytest.mark.django_db(transaction=True)
def test_two_saves_at_the_same_instant_give_one_winner_and_one_conflict():
    convention = add_plan(make_convention(), axes=1, objectives=1, sheets=1)
    sheet = convention.sheets.get()
    users = [MembershipFactory(organisation=convention.caf, role=Role.CAF_ADVISER).user, epci_coordinator()]
    url = edit_url(sheet)
    clients = []
    for user in users:
        client = Client()
        client.force_login(user)
        clients.append((client, open_form(client, url)))
    start = threading.Barrier(2)
    results = {}

    def save(index):
        client, fingerprint = clients[index]
        start.wait()
        try:
            response = client.post(url, post(sheet.objective, f"Titre {index}", fingerprint))
            results[index] = response.status_code
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(index,)) for index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(results.values()) == [302, 409]
    winner = next(index for index, status in results.items() if status == 302)
    assert ActionSheet.objects.get(pk=sheet.pk).title == f"Titre {winner}"
    assert ActionSheet.history.filter(id=sheet.pk, title__startswith="Titre").count() == 1


def run_together(*calls):
    """Run the calls at the same instant, each in its own thread and database connection;
    return what each returned or raised."""
    start = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(index):
        start.wait()
        try:
            outcomes[index] = calls[index]()
        except Exception as error:  # noqa: BLE001 - the outcome is what the test looks at
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_two_records_of_the_same_deliberation_at_the_same_instant_make_one():
    convention = ConventionFactory(commune_code="63124", deliberating=True)
    adviser = convention.adviser
    deliberation = Deliberation.objects.select_related("party__organisation__commune__departement").get(
        convention=convention
    )
    outcomes = run_together(
        lambda: workflows.record_deliberation(deliberation, adopted_decision(deliberation.party), by=adviser),
        lambda: workflows.record_deliberation(
            deliberation, adopted_decision(deliberation.party, votes_for=29, abstentions=3), by=adviser
        ),
    )
    errors = [o for o in outcomes if isinstance(o, Exception)]
    assert len(errors) == 1 and "déjà adoptée" in str(errors[0]), outcomes
    deliberation.refresh_from_db()
    assert deliberation.session_number == 1
    assert AuditEvent.objects.filter(convention=convention, kind="deliberation_recorded").count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_clicks_on_the_same_signature_at_the_same_instant_make_one():
    convention, _adviser, mayor, request = commune_signature()
    code = last_code(mayor)
    outcomes = run_together(lambda: workflows.sign(request, mayor, code), lambda: workflows.sign(request, mayor, code))
    errors = [o for o in outcomes if isinstance(o, Exception)]
    assert len(errors) == 1 and "déjà signé" in str(errors[0]), outcomes
    assert SignatureRequest.objects.get(pk=request.pk).status == "signed"
    assert AuditEvent.objects.filter(convention=convention, kind="signature").count() == 1
