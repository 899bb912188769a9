"""A brand-new EPCI coordinator is brought into a new convention, both ways, and updates a sheet:
invited from the parties page (and signing in with ProConnect from the invitation), or signing
in with ProConnect first and asking to join the EPCI of her SIRET, which the Caf adviser
accepts. The provider is a real OpenID provider process configured like ProConnect."""

import re

import pytest

from ctg.lib.models import OutboundEmail
from territories.models import Membership, Organisation, Role
from tests.browser.conftest import labelled, record_figure
from tests.factories import DEFAULT_PASSWORD, MembershipFactory, add_plan, make_convention
from tests.governance.test_people import siret_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

THIERS = "200070712"  # CC Thiers Dore et Montagne (63)


@pytest.fixture
def convention():
    caf = Organisation.objects.cafs().get(name="Caf du Puy-de-Dôme")
    return add_plan(make_convention(caf=caf, epci_siren=THIERS), axes=1, objectives=1, sheets=1)


@pytest.fixture
def adviser(convention):
    return MembershipFactory(organisation=convention.caf, role=Role.CAF_ADVISER).user


def sign_in_at_the_provider(tab, email):
    """What the agent does on ProConnect's pages (not ours: no accessibility check there)."""
    page = tab.page
    page.get_by_label("Adresse e-mail professionnelle").fill(email)
    tab.click(page.get_by_role("button", name="Continuer"))
    page.wait_for_url(re.compile(re.escape(tab.base_url)))
    tab.check()


def update_the_sheet(tab, convention):
    page = tab.page
    tab.click(page.get_by_role("link", name="Plan d'actions", exact=True))
    tab.click(page.get_by_role("link", name=re.compile("Fiche 1.1.1")))
    labelled(page, "Statut").last.select_option(label="En cours")
    labelled(page, "Avancement (%)").last.fill("40")
    tab.click(page.get_by_role("button", name="Enregistrer le statut"))
    page.get_by_text("Enregistré : en cours, 40 %.").wait_for()
    tab.check("fiche-a-jour")
    assert convention.sheets.get().progress == 40


def test_the_adviser_invites_the_coordinator_who_signs_in_with_proconnect(
    journey, live_server, proconnect_settings, convention, adviser
):
    provider = proconnect_settings(live_server.url)
    provider.add_account(email="ines.roche@thiers-dore.fr", given_name="Inès", usual_name="Roche")
    epci = convention.parties.get(organisation__kind="epci").organisation

    tab = journey("invitation-personne-conseillere")
    page = tab.page
    tab.login(adviser.email, DEFAULT_PASSWORD)
    tab.goto(f"/conventions/{convention.pk}/parties/")
    labelled(page, "Organisation").select_option(label=epci.name)
    labelled(page, "Adresse e-mail professionnelle").fill("ines.roche@thiers-dore.fr")
    tab.click(page.get_by_role("button", name="Envoyer l'invitation"))
    tab.check("invitation-envoyee")
    assert page.get_by_text("Personnes invitées, en attente (1)").is_visible()
    link = re.search(r"https?://\S+/invitation/\S+/", OutboundEmail.objects.get(to="ines.roche@thiers-dore.fr").body)

    tab = journey("invitation-personne-coordinatrice")
    page = tab.page
    page.goto(link.group(0))
    tab.check("invitation")
    tab.click(page.get_by_role("link", name="S’identifier avec ProConnect"))
    sign_in_at_the_provider(tab, "ines.roche@thiers-dore.fr")
    tab.click(page.get_by_role("button", name="Accepter l'invitation"))
    page.get_by_text(f"Vous êtes maintenant membre de {epci.name}").wait_for()
    tab.check("convention")
    assert page.url.endswith(convention.get_absolute_url())
    membership = Membership.objects.get(user__email="ines.roche@thiers-dore.fr")
    assert (membership.organisation, membership.role) == (epci, Role.COORDINATOR)
    assert membership.user.proconnect_sub
    update_the_sheet(tab, convention)
    record_figure("coordinatrice invitée : du lien de l'invitation à la fiche à jour", f"{tab.clicks} clics")
    tab.click(page.get_by_role("link", name="Mon profil : Inès Roche"))
    tab.check("profil")
    assert page.get_by_text(f"{epci.name} — Chargé·e de coopération CTG").is_visible()
    assert page.get_by_text("Votre compte est associé à votre identité ProConnect").is_visible()


def test_a_coordinator_signs_in_with_proconnect_asks_to_join_and_the_adviser_accepts(
    journey, live_server, proconnect_settings, convention, adviser
):
    provider = proconnect_settings(live_server.url)
    provider.add_account(
        email="coordination@thiers-dore.fr", given_name="Yanis", usual_name="Faure", siret=siret_of(THIERS)
    )
    epci = convention.parties.get(organisation__kind="epci").organisation

    tab = journey("adhesion-coordinateur")
    page = tab.page
    tab.goto("/connexion/")
    tab.click(page.get_by_role("link", name="S’identifier avec ProConnect"))
    sign_in_at_the_provider(tab, "coordination@thiers-dore.fr")
    assert page.get_by_text(f"Votre SIRET correspond à {epci.name}").is_visible()
    labelled(page, "Message (facultatif)").fill("Coordinateur CTG, service enfance-jeunesse")
    tab.click(page.get_by_role("button", name="Demander à rejoindre"))
    page.get_by_text(f"Votre demande pour rejoindre {epci.name} est envoyée").wait_for()
    tab.check("demande-envoyee")
    record_figure("coordinateur par ProConnect : de la page de connexion à la demande envoyée", f"{tab.clicks} clics")

    adviser_tab = journey("adhesion-conseillere")
    apage = adviser_tab.page
    adviser_tab.login(adviser.email, DEFAULT_PASSWORD)
    adviser_tab.click(apage.get_by_role("link", name=f"Yanis Faure demande à rejoindre {epci.name}"))
    adviser_tab.check("demande")
    assert apage.get_by_text("vérifiée par ProConnect").is_visible()
    labelled(apage, "Rôle accordé").select_option(label="Administrateur·rice de l'organisation")
    adviser_tab.click(apage.get_by_role("button", name="Accepter"))
    adviser_tab.check("acceptee")

    tab.goto("/")
    tab.click(page.get_by_role("link", name=convention.title).first)
    update_the_sheet(tab, convention)
    assert Membership.objects.get(user__email="coordination@thiers-dore.fr", organisation=epci).role == Role.ADMIN

    # A commune's agent, new to the platform too: the same door, and the adviser decides for the
    # commune, which has nobody yet.
    commune = convention.parties.filter(organisation__kind="commune").order_by("organisation__name")[0].organisation
    provider.add_account(email="mairie@arconsat.fr", given_name="Léa", usual_name="Bost", siret=siret_of(commune.siren))
    agent_tab = journey("adhesion-agente-communale")
    agent_page = agent_tab.page
    agent_tab.goto("/connexion/")
    agent_tab.click(agent_page.get_by_role("link", name="S’identifier avec ProConnect"))
    sign_in_at_the_provider(agent_tab, "mairie@arconsat.fr")
    assert agent_page.get_by_text(f"Votre SIRET correspond à {commune.name}").is_visible()
    agent_tab.click(agent_page.get_by_role("button", name="Demander à rejoindre"))
    agent_page.get_by_text(f"Votre demande pour rejoindre {commune.name} est envoyée").wait_for()
    adviser_tab.goto("/")
    adviser_tab.click(apage.get_by_role("link", name=f"Léa Bost demande à rejoindre {commune.name}"))
    labelled(apage, "Rôle accordé").select_option(label="Agent·e ou élu·e communal·e")
    adviser_tab.click(apage.get_by_role("button", name="Accepter"))
    adviser_tab.check("agente-acceptee")
    agent_tab.goto("/")
    agent_tab.click(agent_page.get_by_role("link", name=convention.title).first)
    agent_tab.check("convention")
    assert agent_page.get_by_role("heading", name=re.compile(re.escape(convention.title))).is_visible()

    # Signing out ends the ProConnect session as well.
    tab.click(page.get_by_role("button", name="Se déconnecter"))
    page.wait_for_url(re.compile(r"/api/v2/session/end"))
    assert "Déconnexion ProConnect" in page.content()
