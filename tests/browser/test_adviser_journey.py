"""A CAF adviser creates the CTG of an EPCI, picks the parties, writes the diagnostic and the
plan, freezes it and launches the deliberations: through the UI only."""

import re

import pytest

from actions.models import Step
from ctg.lifecycle import Status
from ctg.models import Convention
from governance.models import Deliberation
from territories.models import Organisation, Role
from tests.factories import DEFAULT_PASSWORD, MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_adviser_writes_a_ctg_and_launches_its_deliberations(journey, worker):
    caf = Organisation.objects.cafs().get(name="Caf de l'Allier")
    adviser = MembershipFactory(organisation=caf, role=Role.CAF_ADVISER).user
    tab = journey("conseillere")
    page = tab.page
    tab.login(adviser.email, DEFAULT_PASSWORD)

    page.get_by_role("link", name="Nouvelle convention").first.click()
    tab.check("nouvelle")
    page.get_by_label("Territoire couvert").fill("montlucon")
    page.get_by_role("button", name="CA Montluçon Communauté (Communauté d'agglomération, SIREN 200071082)").click()
    assert page.get_by_label("Territoire couvert").input_value() == "CA Montluçon Communauté"  # its name, not its SIREN
    page.get_by_text("Territoire choisi : CA Montluçon Communauté").wait_for()
    page.locator("#id_start_date").fill("2026-01-01")
    page.locator("#id_end_date").fill("2029-12-31")
    page.get_by_role("button", name="Créer la convention").click()
    tab.check("parties")
    convention = Convention.objects.get()
    assert convention.parties.count() == 23

    # Keep the CAF, the EPCI and two communes.
    kept = {"Caf de l'Allier", "CA Montluçon Communauté", "Commune de Montluçon", "Commune de Domérat"}
    page.get_by_role("button", name="Tout décocher (sauf la Caf)").click()
    for name in kept:
        page.get_by_label(name, exact=True).check()
    page.get_by_role("button", name="Enregistrer la sélection").click()
    tab.check("parties-gardees")
    assert convention.parties.count() == 4

    page.get_by_role("link", name="Diagnostic", exact=True).click()
    page.get_by_role("link", name="Ajouter un constat").click()
    tab.check("constat")
    page.locator("#id_field").select_option(label="Petite enfance")
    page.locator("#id_kind").select_option(label="Faiblesse")
    page.locator("#id_text").fill("Peu de places d'accueil collectif pour les moins de 3 ans.")
    page.get_by_role("button", name="Enregistrer").click()
    page.get_by_role("link", name="Ajouter un indicateur").click()
    page.locator("#id_label").fill("Taux de couverture 0-3 ans")
    page.locator("#id_value").fill("48,5")
    page.locator("#id_unit").fill("%")
    page.locator("#id_year").fill("2024")
    page.get_by_role("button", name="Enregistrer").click()
    tab.check("diagnostic")
    assert "Taux de couverture 0-3 ans" in page.content()

    page.get_by_role("link", name="Plan d'actions").click()
    page.get_by_role("link", name="Ajouter un axe").click()
    page.locator("#id_title").fill("La petite enfance")
    page.get_by_role("button", name="Enregistrer").click()
    page.get_by_role("link", name="Ajouter un objectif à l'axe 1").click()
    page.locator("#id_title").fill("Développer l'offre d'accueil")
    page.get_by_role("button", name="Enregistrer").click()
    for title in ("Créer un relais petite enfance", "Ouvrir une crèche à Domérat"):
        page.get_by_role("link", name="Plan d'actions").click()
        page.get_by_role("link", name="Ajouter une fiche à l'objectif 1.1").click()
        page.locator("#id_title").fill(title)
        # The checkboxes are clicked where they are drawn (nothing lies over them).
        page.get_by_label("Petite enfance", exact=True).check()
        page.get_by_label("Familles et parents", exact=True).check()
        if title.startswith("Créer"):
            # Two steps: the second row is added in place, and gets the focus.
            page.get_by_label(re.compile(r"^\s*Étape\W*$")).first.fill("Recruter l'animatrice")
            page.get_by_role("button", name="+ Ajouter une ligne : étapes").click()
            assert page.evaluate("document.activeElement.name") == "steps-1-title"
            page.keyboard.type("Ouvrir le relais")
        else:
            # Leaving with unsaved changes: the browser asks first; staying keeps what was typed.
            dialogs = []

            def answer(dialog, seen=dialogs):
                seen.append(dialog.type)
                dialog.dismiss()

            page.once("dialog", answer)
            page.get_by_role("link", name="Plan d'actions").click()
            assert dialogs == ["beforeunload"] and page.locator("#id_title").input_value() == title
        tab.check("fiche")
        page.get_by_role("button", name="Enregistrer la fiche").click()
    page.get_by_role("link", name="Plan d'actions").click()
    tab.check("plan")
    assert "Fiche action 1.1.2 — Ouvrir une crèche à Domérat" in page.content()
    assert list(Step.objects.order_by("pk").values_list("title", flat=True)) == [
        "Recruter l'animatrice",
        "Ouvrir le relais",
    ]

    page.get_by_role("link", name="Aperçu").click()
    page.get_by_role("button", name="Passer en relecture").click()
    page.get_by_role("link", name="Délibérations et signatures").click()
    page.get_by_role("button", name="Figer la version 1").click()
    tab.check("figee")
    page.get_by_role("button", name="Lancer les délibérations").click()
    tab.check("deliberations")
    convention.refresh_from_db()
    assert convention.status == Status.DELIBERATIONS
    assert Deliberation.objects.filter(convention=convention).count() == 3  # the EPCI and its two communes
