"""The three everyday journeys, by clicks, on a desk (1280 px) and on a phone (390 px), from a
convention opened for an EPCI the demo does not hold (CC Thiers Dore et Montagne): the Caf's
adviser writes it and opens the review, the EPCI's coordinator updates a sheet, the commune
of Thiers fetches its deliberation. axe-core checks every page (every rule, any impact), a
phone page is never wider than the screen, and the clicks of each journey are counted into
the test artefacts (mesures.txt)."""

import io
import re
import time

import pytest
from pypdf import PdfReader

from ctg.models import Convention
from territories.models import EPCI, Commune, Organisation, Role
from territories.services import organisation_for_commune, organisation_for_epci
from tests.browser.conftest import labelled, record_figure, record_measure
from tests.factories import DEFAULT_PASSWORD, MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [1280, 390])
def test_the_three_journeys_on_a_desk_and_a_phone(journey, width):
    caf = Organisation.objects.cafs().get(name="Caf du Puy-de-Dôme")
    adviser = MembershipFactory(organisation=caf, role=Role.CAF_ADVISER).user
    epci = organisation_for_epci(EPCI.objects.get(siren="200070712"))
    coordinator = MembershipFactory(organisation=epci, role=Role.COORDINATOR).user
    thiers = organisation_for_commune(Commune.objects.get(code="63430"))
    agent = MembershipFactory(organisation=thiers, role=Role.COMMUNE_OFFICER).user

    # 1. The Caf's adviser opens the CTG, keeps three parties, writes a little, opens the review.
    tab = journey(f"conseillere-{width}", width=width)
    page = tab.page
    tab.login(adviser.email, DEFAULT_PASSWORD)
    tab.click(page.get_by_role("link", name="Nouvelle convention").first)
    labelled(page, "Territoire couvert").fill("thiers dore")
    tab.click(page.get_by_role("button", name=re.compile(r"^CC Thiers Dore et Montagne")))
    labelled(page, "Début").fill("2026-01-01")
    labelled(page, "Fin").fill("2029-12-31")
    tab.click(page.get_by_role("button", name="Créer la convention"))
    tab.check("parties")
    convention = Convention.objects.get()
    tab.click(page.get_by_role("button", name="Tout décocher (sauf la Caf)"))
    for name in ("CC Thiers Dore et Montagne", "Commune de Thiers", "Commune de Courpière"):
        tab.tick(page.get_by_label(name, exact=True))
    tab.click(page.get_by_role("button", name="Enregistrer la sélection"))
    tab.check("parties-gardees")
    assert convention.parties.count() == 4
    tab.click(page.get_by_role("link", name="Diagnostic", exact=True))
    tab.check("diagnostic-vide")
    tab.click(page.get_by_role("link", name="Synthèse et méthode"))
    labelled(page, "Synthèse du diagnostic").fill(
        "Un territoire rural et industriel où l'accueil du jeune enfant manque."
    )
    tab.click(page.get_by_role("button", name="Enregistrer"))
    tab.click(page.get_by_role("link", name="Plan d'actions", exact=True))
    tab.check("plan-vide")
    tab.click(page.get_by_role("link", name="Ajouter un axe"))
    labelled(page, "Intitulé").fill("La petite enfance")
    tab.click(page.get_by_role("button", name="Enregistrer"))
    tab.click(page.get_by_role("link", name="Ajouter un objectif à l'axe 1"))
    labelled(page, "Intitulé").fill("Développer l'offre d'accueil")
    tab.click(page.get_by_role("button", name="Enregistrer"))
    tab.click(page.get_by_role("link", name="Ajouter une fiche à l'objectif 1.1"))
    labelled(page, "Intitulé").fill("Créer un relais petite enfance")
    tab.tick(page.get_by_label("Petite enfance", exact=True))
    tab.clicks += 1  # choosing in a list
    labelled(page, "Pilote").select_option(label="CC Thiers Dore et Montagne")
    labelled(page, "Année").first.fill("2026")
    labelled(page, "Prévu").fill("15 000")
    tab.check("fiche")
    tab.click(page.get_by_role("button", name="Enregistrer la fiche"))
    tab.click(page.get_by_role("link", name="Aperçu"))
    tab.check("avant-relecture")
    tab.click(page.get_by_role("button", name="Passer en relecture"))
    tab.check("relecture")
    convention.refresh_from_db()
    assert convention.status == "review"
    assert convention.sheets.get().budget_lines.get().planned == 15000

    # 2. The EPCI's coordinator updates the sheet from her home page.
    coordinator_tab = journey(f"coordinatrice-{width}", width=width)
    cpage = coordinator_tab.page
    coordinator_tab.login(coordinator.email, DEFAULT_PASSWORD)
    coordinator_tab.click(cpage.get_by_role("link", name=convention.title).first)
    coordinator_tab.click(cpage.get_by_role("link", name="Plan d'actions", exact=True))
    coordinator_tab.click(cpage.get_by_role("link", name=re.compile("Fiche action 1.1.1")))
    coordinator_tab.clicks += 1
    labelled(cpage, "Statut").last.select_option(label="En cours")
    labelled(cpage, "Avancement (%)").last.fill("25")
    coordinator_tab.click(cpage.get_by_role("button", name="Enregistrer le statut"))
    cpage.get_by_text("Enregistré : en cours, 25 %.").wait_for()
    assert "En cours · 25 %" in " ".join(cpage.locator("#statut-fiche").inner_text().split())
    coordinator_tab.check("fiche-a-jour")

    # 3. The commune of Thiers fetches its deliberation from its home page.
    commune_tab = journey(f"commune-{width}", width=width)
    mpage = commune_tab.page
    started = time.monotonic()
    commune_tab.login(agent.email, DEFAULT_PASSWORD)
    pdf = commune_tab.download(
        lambda: commune_tab.click(
            mpage.get_by_role("link", name="Télécharger le PDF de la délibération de Commune de Thiers")
        )
    )
    seconds = time.monotonic() - started
    text = " ".join(PdfReader(io.BytesIO(pdf)).pages[0].extract_text().split())
    assert "La commune de Thiers" in text and "PROJET" in text

    record_figure(f"conseillère, {width} px : de la connexion à la relecture", f"{tab.clicks} clics")
    record_figure(f"coordinatrice, {width} px : mettre à jour une fiche", f"{coordinator_tab.clicks} clics")
    record_figure(f"commune, {width} px : sa délibération", f"{commune_tab.clicks} clics")
    record_measure(f"commune, {width} px : de la connexion au PDF de sa délibération", seconds)
